// symbolize/demangle.h — C++ name demangling, GNU style (as perf, addr2line and c++filt print).
#pragma once

#include <string>
#include <unordered_map>

namespace profkit::symbolize {

// Demangles an Itanium C++ name ("_Z…"); other names come back unchanged.
std::string demangle(const std::string& name);

// Demangles each distinct name once.
class DemangleCache {
 public:
  const std::string& get(const std::string& mangled);

 private:
  std::unordered_map<std::string, std::string> cache_;
};

}  // namespace profkit::symbolize
