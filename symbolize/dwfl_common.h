// symbolize/dwfl_common.h — what the two libdwfl users (the libdw backend and the unwinder) share.
//
// Both report modules by path, so libdwfl never searches for the ELF itself; a module's separate
// debug file (found by FileFinder, build id checked) is attached to the module and handed to
// libdwfl when it asks, instead of letting it search debuginfo paths or servers on its own.
#pragma once

#include <elfutils/libdwfl.h>

#include <string>

namespace profkit::symbolize {

// Dwfl callbacks that find debug info only through attach_debug_file().
extern const Dwfl_Callbacks kReportedModuleCallbacks;

// `debug_file` ("" = none) must outlive the module.
void attach_debug_file(Dwfl_Module* module, const std::string* debug_file);

}  // namespace profkit::symbolize
