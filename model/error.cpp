#include "model/error.h"

#include <fmt/format.h>

namespace profkit::model {

std::string Error::to_string() const {
  std::string where;
  if (!file.empty()) {
    where = file;
    if (line >= 0) {
      where += fmt::format(":{}", line);
    } else if (offset >= 0) {
      where += fmt::format(": at offset {} (0x{:x})", offset, offset);
    }
    where += ": ";
  } else if (offset >= 0) {
    where = fmt::format("at offset {} (0x{:x}): ", offset, offset);
  }
  return where + message;
}

int Error::exit_code() const {
  switch (code) {
    case ErrorCode::kUsage: return 2;
    case ErrorCode::kIo:
    case ErrorCode::kParse:
    case ErrorCode::kUnsupported:
    case ErrorCode::kLimit: return 3;
    case ErrorCode::kInternal: return 4;
  }
  return 4;
}

}  // namespace profkit::model
