// parsers/input.h — reading an input's bytes: a file (mmapped) or stdin ("-"), gunzipped.
//
// Gzip is recognised by its magic, never by the file name, and inflated with zlib under a size
// cap, so a gzip bomb is refused with ErrorCode::kLimit instead of eating memory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "model/error.h"

namespace profkit::parsers {

struct InputLimits {
  uint64_t max_decompressed_bytes = uint64_t{8} << 30;  // 8 GiB
};

// Owns the bytes of one input, either a read-only mapping or a heap buffer.
class InputBytes {
 public:
  InputBytes() = default;
  InputBytes(InputBytes&&) noexcept;
  InputBytes& operator=(InputBytes&&) noexcept;
  InputBytes(const InputBytes&) = delete;
  InputBytes& operator=(const InputBytes&) = delete;
  ~InputBytes();

  static InputBytes from_buffer(std::string buffer);

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // bytes() is a read-only mapping of the file itself: pages a parser has passed can be dropped
  // (madvise(MADV_DONTNEED)) and fault back in from the file if touched again.
  bool is_file_mapping() const { return map_ != nullptr && data_ == map_; }
  bool was_gzipped() const { return was_gzipped_; }

 private:
  friend model::Result<InputBytes> read_input(const std::string&, const InputLimits&);
  friend model::Result<InputBytes> gunzip_if_needed(InputBytes, const std::string&, const InputLimits&);
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;  // non-null when data_ is an mmap of map_size_ bytes
  size_t map_size_ = 0;
  std::string buffer_;
  bool was_gzipped_ = false;
};

bool is_gzip(std::span<const uint8_t> head);
// Reads `path` ("-" = stdin) and unwraps gzip (also nested, up to 4 layers).
model::Result<InputBytes> read_input(const std::string& path, const InputLimits& limits = {});
// Unwraps gzip in an in-memory input; `name` is for error messages.
model::Result<InputBytes> gunzip_if_needed(InputBytes in, const std::string& name, const InputLimits& limits = {});

}  // namespace profkit::parsers
