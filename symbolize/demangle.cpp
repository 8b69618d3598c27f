#include "symbolize/demangle.h"

#include <cxxabi.h>

#include <cstdlib>

namespace profkit::symbolize {

std::string demangle(const std::string& name) {
  if (name.size() < 3 || name[0] != '_' || name[1] != 'Z') return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) {
    std::free(out);
    return name;
  }
  std::string result(out);
  std::free(out);
  return result;
}

const std::string& DemangleCache::get(const std::string& mangled) {
  auto it = cache_.find(mangled);
  if (it == cache_.end()) it = cache_.emplace(mangled, demangle(mangled)).first;
  return it->second;
}

}  // namespace profkit::symbolize
