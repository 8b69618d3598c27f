// parsers/perf/zstd_stream.h — streaming zstd decompression for PERF_RECORD_COMPRESSED(2).
//
// perf compresses its ring-buffer chunks into consecutive zstd frames; a record may straddle
// two compressed records, so the output of one call is appended to whatever the caller kept.
// libzstd's header stays inside the .cpp (PIMPL). Output per call is capped: a frame claiming
// more than `max_output` bytes is refused with ErrorCode::kLimit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "model/error.h"

namespace profkit::parsers::perf {

class ZstdStream {
 public:
  ZstdStream();
  ~ZstdStream();
  ZstdStream(ZstdStream&&) noexcept;
  ZstdStream& operator=(ZstdStream&&) noexcept;

  // Decompresses all of `input`, appending to `out`; at most `max_output` new bytes.
  model::Result<void> decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out, size_t max_output);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace profkit::parsers::perf
