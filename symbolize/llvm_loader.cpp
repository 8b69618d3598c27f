// symbolize/llvm_loader.cpp — finds and dlopen()s profkit-llvm.so (symbolize_llvm/) on demand.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "symbolize/backend.h"

namespace profkit::symbolize {

namespace {

using MakeFn = Backend* (*)();

std::vector<std::string> module_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("PROFKIT_LLVM_MODULE"); env && *env) out.emplace_back(env);
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / "profkit-llvm.so").string());
    out.push_back((exe.parent_path().parent_path() / "lib" / "profkit" / "profkit-llvm.so").string());
  }
  return out;
}

}  // namespace

model::Result<std::unique_ptr<Backend>> load_llvm_backend() {
  static std::once_flag once;
  static MakeFn make = nullptr;
  static std::string why;
  std::call_once(once, [] {
    std::vector<std::string> tried;
    for (const std::string& path : module_candidates()) {
      void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed
      if (!handle) {
        const char* err = ::dlerror();
        tried.push_back(std::filesystem::exists(path) ? fmt::format("{} ({})", path, err ? err : "dlopen failed") : path);
        continue;
      }
      make = reinterpret_cast<MakeFn>(::dlsym(handle, "profkit_make_llvm_backend"));
      if (make) return;
      tried.push_back(fmt::format("{} (no profkit_make_llvm_backend)", path));
    }
    why = fmt::format("the LLVM symbolizer module profkit-llvm.so was not found (looked at {}); build it "
                      "(scripts/build.sh) or use --symbolizer libdw",
                      fmt::join(tried, ", "));
  });
  if (!make) return model::make_error(model::ErrorCode::kUsage, why);
  return std::unique_ptr<Backend>(make());
}

}  // namespace profkit::symbolize
