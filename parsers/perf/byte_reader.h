// parsers/perf/byte_reader.h — a checked, endianness-aware cursor over a span of bytes.
//
// The perf.data layers never cast mapped memory to structs: every field is read through this
// cursor, which checks the size against what remains before it reads, and converts from the
// file's byte order. `base` is the absolute offset of the span's first byte in the input (or in
// the decompressed stream), so errors name the offset where the problem is.
//
// Invariant: pos_ <= bytes_.size(). A failed read leaves the cursor where it was.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "model/error.h"

namespace profkit::parsers::perf {

// Byte order of a perf.data file: the writer's native order; kSwapped means "not ours".
enum class ByteOrder : uint8_t { kNative, kSwapped };

class ByteReader {
 public:
  ByteReader() = default;
  ByteReader(std::span<const uint8_t> bytes, ByteOrder order, int64_t base = 0)
      : bytes_(bytes), order_(order), base_(base) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t pos() const { return pos_; }
  int64_t offset() const { return base_ + static_cast<int64_t>(pos_); }  // absolute offset of the cursor
  ByteOrder order() const { return order_; }
  std::span<const uint8_t> rest() const { return bytes_.subspan(pos_); }
  bool at_end() const { return pos_ == bytes_.size(); }

  // A parse error at the cursor, e.g. error("attr section truncated").
  std::unexpected<model::Error> error(std::string message) const {
    return model::parse_error_at_offset({}, offset(), std::move(message));
  }
  std::unexpected<model::Error> need(size_t n, std::string_view what) const {
    return error(fmt::format("{} needs {} bytes but only {} remain", what, n, remaining()));
  }

  model::Result<uint8_t> u8(std::string_view what) { return read_int<uint8_t>(what); }
  model::Result<uint16_t> u16(std::string_view what) { return read_int<uint16_t>(what); }
  model::Result<uint32_t> u32(std::string_view what) { return read_int<uint32_t>(what); }
  model::Result<uint64_t> u64(std::string_view what) { return read_int<uint64_t>(what); }

  // `n` raw bytes (no byte-order conversion).
  model::Result<std::span<const uint8_t>> bytes(uint64_t n, std::string_view what) {
    if (n > remaining()) return need(n, what);
    auto s = bytes_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  model::Result<void> skip(uint64_t n, std::string_view what) {
    if (n > remaining()) return need(n, what);
    pos_ += static_cast<size_t>(n);
    return {};
  }
  // A sub-reader over the next `n` bytes; the cursor moves past them.
  model::Result<ByteReader> sub(uint64_t n, std::string_view what) {
    int64_t at = offset();
    auto s = bytes(n, what);
    if (!s) return std::unexpected(s.error());
    return ByteReader(*s, order_, at);
  }
  // A NUL-terminated string in the next `n` bytes (padding after the NUL is skipped); without a
  // NUL the whole field is the string.
  model::Result<std::string_view> fixed_string(uint64_t n, std::string_view what) {
    auto s = bytes(n, what);
    if (!s) return std::unexpected(s.error());
    return c_string(*s);
  }
  // The C string at the start of `s`.
  static std::string_view c_string(std::span<const uint8_t> s) {
    const char* p = reinterpret_cast<const char*>(s.data());
    const void* nul = std::memchr(p, 0, s.size());
    return {p, nul ? static_cast<size_t>(static_cast<const char*>(nul) - p) : s.size()};
  }
  // perf's header string: u32 length (padding and NUL included), then the bytes.
  model::Result<std::string_view> perf_string(std::string_view what) {
    auto len = u32(what);
    if (!len) return std::unexpected(len.error());
    return fixed_string(*len, what);
  }

  // Converts a value read natively into the file's order.
  template <class T>
  T fix(T v) const {
    if (order_ == ByteOrder::kSwapped && sizeof(T) > 1) return std::byteswap(v);
    return v;
  }
  // Reads a T at byte offset `at` of `s` in `order` (caller has checked the size).
  template <class T>
  static T load(std::span<const uint8_t> s, size_t at, ByteOrder order) {
    T v;
    std::memcpy(&v, s.data() + at, sizeof(T));
    if (order == ByteOrder::kSwapped && sizeof(T) > 1) v = std::byteswap(v);
    return v;
  }

 private:
  template <class T>
  model::Result<T> read_int(std::string_view what) {
    if (sizeof(T) > remaining()) return need(sizeof(T), what);
    T v = load<T>(bytes_, pos_, order_);
    pos_ += sizeof(T);
    return v;
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  ByteOrder order_ = ByteOrder::kNative;
  int64_t base_ = 0;
};

// Propagates an error from a Result-returning expression: PK_TRY(auto x, r.u64("ip"));
#define PK_CONCAT_INNER(a, b) a##b
#define PK_CONCAT(a, b) PK_CONCAT_INNER(a, b)
#define PK_TRY_IMPL(tmp, decl, expr)                     \
  auto tmp = (expr);                                     \
  if (!tmp) return std::unexpected(std::move(tmp.error())); \
  decl = std::move(*tmp)
#define PK_TRY(decl, expr) PK_TRY_IMPL(PK_CONCAT(pk_try_, __LINE__), decl, expr)
#define PK_TRY_VOID(expr)                                                     \
  do {                                                                        \
    auto pk_try_v = (expr);                                                   \
    if (!pk_try_v) return std::unexpected(std::move(pk_try_v.error()));       \
  } while (0)

}  // namespace profkit::parsers::perf
