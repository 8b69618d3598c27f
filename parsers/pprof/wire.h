// parsers/pprof/wire.h — a checked reader of protobuf wire format over a byte span.
//
// Internal to parsers/pprof. It knows varints, fixed-width fields and length-delimited fields
// and nothing about messages; every length read from the input is checked against the bytes that
// remain before it is used, so a hostile length can never make the caller allocate or read past
// the end. Offsets are absolute positions in the whole input, for error messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace profkit::parsers::pprof_wire {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

// Why a read failed.
enum class WireError : uint8_t {
  kNone,
  kBadVarint,      // more than 10 bytes or cut off by the end
  kBadWireType,    // 3, 4 (groups, not used by the format), 6 or 7
  kTruncated,      // a fixed-width or length-delimited value runs past the end
  kHugeLength,     // a length field claims more than kHugeLength bytes and more than remain
  kFieldZero,      // field number 0 is reserved
};

// A length larger than this that also overruns the input is reported as a limit violation
// (a length field claiming gigabytes), not as mere truncation.
inline constexpr uint64_t kHugeLength = uint64_t{1} << 30;

struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;                // varint / fixed value
  std::span<const uint8_t> bytes;    // payload of a length-delimited field
  size_t offset = 0;                 // absolute offset of the field's tag
};

class Reader {
 public:
  Reader(std::span<const uint8_t> data, size_t base_offset) : data_(data), base_(base_offset) {}

  bool done() const { return pos_ >= data_.size(); }
  size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  WireError error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  uint64_t error_length() const { return error_length_; }

  // Reads one varint; false (with error()) on failure.
  bool varint(uint64_t& out) {
    field_start_ = kNoField;
    return raw_varint(out);
  }

  // Reads the next field (tag and value); false on malformed input.
  bool next(Field& f) {
    f.offset = offset();
    field_start_ = f.offset;
    uint64_t tag = 0;
    if (!raw_varint(tag)) return false;
    f.number = static_cast<uint32_t>(tag >> 3);
    if ((tag >> 3) > 0x1fffffff) return fail(WireError::kBadWireType);
    if (f.number == 0) return fail(WireError::kFieldZero);
    f.type = static_cast<WireType>(tag & 7);
    switch (f.type) {
      case WireType::kVarint:
        return raw_varint(f.value);
      case WireType::kFixed64:
        if (data_.size() - pos_ < 8) return fail(WireError::kTruncated);
        f.value = le(8);
        return true;
      case WireType::kFixed32:
        if (data_.size() - pos_ < 4) return fail(WireError::kTruncated);
        f.value = le(4);
        return true;
      case WireType::kLen: {
        uint64_t n = 0;
        if (!raw_varint(n)) return false;
        if (n > data_.size() - pos_) {
          error_length_ = n;
          return fail(n > kHugeLength ? WireError::kHugeLength : WireError::kTruncated);
        }
        f.bytes = data_.subspan(pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        return true;
      }
      default:
        return fail(WireError::kBadWireType);
    }
  }

 private:
  bool raw_varint(uint64_t& out) {
    uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
      if (pos_ >= data_.size()) return fail(WireError::kBadVarint);
      uint8_t b = data_[pos_++];
      v |= uint64_t{b & 0x7fu} << (7 * i);
      if (!(b & 0x80)) {
        out = v;
        return true;
      }
    }
    return fail(WireError::kBadVarint);
  }

  // Errors point at the start of the field being read (or at the varint, outside next()).
  bool fail(WireError e) {
    error_ = e;
    error_offset_ = field_start_ != kNoField ? field_start_ : offset();
    return false;
  }
  uint64_t le(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{data_[pos_ + i]} << (8 * i);
    pos_ += n;
    return v;
  }

  static constexpr size_t kNoField = SIZE_MAX;
  std::span<const uint8_t> data_;
  size_t field_start_ = kNoField;
  size_t base_ = 0;
  size_t pos_ = 0;
  WireError error_ = WireError::kNone;
  size_t error_offset_ = 0;
  uint64_t error_length_ = 0;
};

}  // namespace profkit::parsers::pprof_wire
