#include "parsers/perf/zstd_stream.h"

#include <zstd.h>

#include <fmt/format.h>

namespace profkit::parsers::perf {

struct ZstdStream::Impl {
  ZSTD_DStream* stream = nullptr;
  Impl() : stream(ZSTD_createDStream()) { ZSTD_initDStream(stream); }
  ~Impl() { ZSTD_freeDStream(stream); }
};

ZstdStream::ZstdStream() : impl_(std::make_unique<Impl>()) {}
ZstdStream::~ZstdStream() = default;
ZstdStream::ZstdStream(ZstdStream&&) noexcept = default;
ZstdStream& ZstdStream::operator=(ZstdStream&&) noexcept = default;

model::Result<void> ZstdStream::decompress(std::span<const uint8_t> input, std::vector<uint8_t>& out,
                                           size_t max_output) {
  if (!impl_->stream) return model::make_error(model::ErrorCode::kInternal, "zstd: could not create a stream");
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  const size_t start = out.size();
  size_t chunk = std::max<size_t>(ZSTD_DStreamOutSize(), input.size() * 4);
  while (true) {
    size_t produced = out.size() - start;
    if (produced >= max_output && in.pos < in.size) {
      return model::make_error(model::ErrorCode::kLimit,
                               fmt::format("zstd: a compressed record inflates beyond {} bytes", max_output));
    }
    size_t room = std::min(chunk, max_output - produced);
    if (room == 0) room = 1;  // lets zstd report a pending flush
    size_t old = out.size();
    out.resize(old + room);
    ZSTD_outBuffer o{out.data() + old, room, 0};
    size_t ret = ZSTD_decompressStream(impl_->stream, &o, &in);
    out.resize(old + o.pos);
    if (ZSTD_isError(ret)) {
      ZSTD_initDStream(impl_->stream);  // a later record starts a fresh frame
      return model::make_error(model::ErrorCode::kParse, fmt::format("zstd: {}", ZSTD_getErrorName(ret)));
    }
    if (out.size() - start > max_output) {
      return model::make_error(model::ErrorCode::kLimit,
                               fmt::format("zstd: a compressed record inflates beyond {} bytes", max_output));
    }
    // Done when all input is consumed and zstd has nothing buffered (output not full).
    if (in.pos == in.size && o.pos < room) break;
    if (in.pos == in.size && ret == 0) break;
    if (o.pos == 0 && in.pos == in.size) break;
  }
  return {};
}

}  // namespace profkit::parsers::perf
