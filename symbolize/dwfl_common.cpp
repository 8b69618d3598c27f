#include "symbolize/dwfl_common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "symbolize/inflated_elf.h"

namespace profkit::symbolize {

namespace {

int find_debuginfo(Dwfl_Module*, void** userdata, const char*, Dwarf_Addr, const char*, const char*, GElf_Word,
                   char** debuginfo_file_name) {
  const auto* path = userdata ? static_cast<const std::string*>(*userdata) : nullptr;
  if (!path || path->empty()) return -1;
  // Compressed debug sections are inflated here, faster than libdw would (see inflated_elf.h).
  int fd = inflate_elf(*path);
  if (fd < 0) fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && debuginfo_file_name) *debuginfo_file_name = strdup(path->c_str());
  return fd;
}

char* no_debuginfo_path = nullptr;

}  // namespace

const Dwfl_Callbacks kReportedModuleCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &no_debuginfo_path,
};

void attach_debug_file(Dwfl_Module* module, const std::string* debug_file) {
  void** userdata = nullptr;
  dwfl_module_info(module, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (userdata) *userdata = const_cast<std::string*>(debug_file);
}

}  // namespace profkit::symbolize
