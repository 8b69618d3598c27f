#include "cli/common.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace profkit::cli {

int report_error(const model::Error& error) {
  std::string hint;
  switch (error.code) {
    case model::ErrorCode::kUsage: hint = " (see --help)"; break;
    case model::ErrorCode::kUnsupported:
      if (error.message.find("file format unknown") != std::string::npos) {
        hint = "; profkit reads perf.data, pprof profile.proto (gzipped or raw), Go legacy text profiles, goroutine dumps and collapsed stacks";
      }
      break;
    case model::ErrorCode::kInternal: hint = " (this is a bug in profkit; please report it with the input)"; break;
    default: break;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "profkit: error: %s%s\n", error.to_string().c_str(), hint.c_str());
  return error.exit_code();
}

void print_diagnostics(const model::Diagnostics& diagnostics) {
  if (diagnostics.empty()) return;
  std::string s = diagnostics.summary();
  std::fflush(stdout);
  std::fputs(s.c_str(), stderr);
}

bool use_color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return isatty(fd) == 1;
}

model::Result<void> write_output(const std::string& path,
                                 const std::function<model::Result<void>(std::ostream&)>& writer) {
  if (path == "-" || path.empty()) {
    auto r = writer(std::cout);
    std::cout.flush();
    if (r && !std::cout) {
      return std::unexpected(model::Error{model::ErrorCode::kIo, "cannot write to stdout", "-", -1, -1});
    }
    return r;
  }
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmpl = (dir / ("." + target.filename().string() + ".profkit-XXXXXX")).string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    return std::unexpected(model::Error{model::ErrorCode::kIo,
                                        fmt::format("cannot create a file in {}: {}", dir.string(), std::strerror(errno)),
                                        path, -1, -1});
  }
  ::close(fd);
  model::Result<void> result;
  {
    std::ofstream out(tmpl, std::ios::binary | std::ios::trunc);
    result = writer(out);
    out.flush();
    if (result && !out) {
      result = std::unexpected(model::Error{model::ErrorCode::kIo, "write failed (disk full?)", path, -1, -1});
    }
  }
  if (!result) {
    std::remove(tmpl.c_str());
    return result;
  }
  ::chmod(tmpl.c_str(), 0644);
  if (std::rename(tmpl.c_str(), path.c_str()) != 0) {
    int saved = errno;
    std::remove(tmpl.c_str());
    return std::unexpected(model::Error{model::ErrorCode::kIo, fmt::format("cannot rename into place: {}", std::strerror(saved)),
                                        path, -1, -1});
  }
  return {};
}

}  // namespace profkit::cli
