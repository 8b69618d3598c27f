// model/error.h — the one error type that crosses layer boundaries.
//
// Every fallible function returns Result<T> = std::expected<T, Error>. An Error carries a
// closed code (which maps onto the CLI's exit codes), a message, and where it applies: the
// file, and a byte offset or 1-based line when known. Third-party errors are converted at
// their call site; no exception escapes a layer.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>

namespace profkit::model {

enum class ErrorCode {
  kUsage,        // bad command line or option value                 -> exit 2
  kIo,           // a file could not be opened, read or written      -> exit 3
  kParse,        // input is malformed                               -> exit 3
  kUnsupported,  // well-formed input of a kind we do not handle     -> exit 3
  kLimit,        // input exceeds a safety limit (size, depth, bomb) -> exit 3
  kInternal,     // a bug of ours                                    -> exit 4
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string file;     // empty when not about a file
  int64_t offset = -1;  // byte offset into file, -1 when unknown
  int64_t line = -1;    // 1-based line number, -1 when unknown

  // "FILE:LINE: message" / "FILE: at offset N: message" / "message": one line, no newline.
  std::string to_string() const;
  // The process exit code DESIGN.md assigns to this error (2, 3 or 4).
  int exit_code() const;

  // Fluent context setters, used where a lower layer did not know the file name.
  Error&& in_file(std::string name) && {
    if (file.empty()) file = std::move(name);
    return std::move(*this);
  }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message), {}, -1, -1});
}
inline std::unexpected<Error> parse_error_at_line(std::string file, int64_t line, std::string message) {
  return std::unexpected<Error>(Error{ErrorCode::kParse, std::move(message), std::move(file), -1, line});
}
inline std::unexpected<Error> parse_error_at_offset(std::string file, int64_t offset, std::string message) {
  return std::unexpected<Error>(Error{ErrorCode::kParse, std::move(message), std::move(file), offset, -1});
}

}  // namespace profkit::model
