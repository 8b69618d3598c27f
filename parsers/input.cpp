#include "parsers/input.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace profkit::parsers {

using model::ErrorCode;

InputBytes::InputBytes(InputBytes&& o) noexcept { *this = std::move(o); }

InputBytes& InputBytes::operator=(InputBytes&& o) noexcept {
  if (this == &o) return *this;
  if (map_) munmap(map_, map_size_);
  map_ = std::exchange(o.map_, nullptr);
  map_size_ = std::exchange(o.map_size_, 0);
  buffer_ = std::move(o.buffer_);
  was_gzipped_ = o.was_gzipped_;
  size_ = std::exchange(o.size_, 0);
  data_ = map_ ? static_cast<const uint8_t*>(map_) : reinterpret_cast<const uint8_t*>(buffer_.data());
  o.data_ = nullptr;
  return *this;
}

InputBytes::~InputBytes() {
  if (map_) munmap(map_, map_size_);
}

InputBytes InputBytes::from_buffer(std::string buffer) {
  InputBytes in;
  in.buffer_ = std::move(buffer);
  in.data_ = reinterpret_cast<const uint8_t*>(in.buffer_.data());
  in.size_ = in.buffer_.size();
  return in;
}

bool is_gzip(std::span<const uint8_t> head) { return head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b; }

namespace {

model::Error io_error(const std::string& path, const std::string& what) {
  return model::Error{ErrorCode::kIo, fmt::format("{}: {}", what, std::strerror(errno)), path, -1, -1};
}

model::Result<std::string> inflate_gzip(std::span<const uint8_t> in, const std::string& name, uint64_t cap) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return model::make_error(ErrorCode::kInternal, "zlib initialisation failed");
  std::string out;
  out.resize(std::min<uint64_t>(cap, std::max<uint64_t>(in.size() * 4, 1 << 16)));
  zs.next_in = const_cast<Bytef*>(in.data());
  size_t consumed_total = 0;
  size_t produced = 0;
  int rc = Z_OK;
  // Concatenated gzip members are one stream (as gzip -d treats them).
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= cap) {
        inflateEnd(&zs);
        return std::unexpected(model::Error{ErrorCode::kLimit,
                                            fmt::format("gzip data inflates beyond the {} byte limit (a gzip bomb?)", cap),
                                            name, -1, -1});
      }
      out.resize(std::min<uint64_t>(cap, out.size() * 2));
    }
    size_t avail_in = in.size() - consumed_total;
    zs.avail_in = static_cast<uInt>(std::min<size_t>(avail_in, 1u << 30));
    zs.next_in = const_cast<Bytef*>(in.data() + consumed_total);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    uInt in_before = zs.avail_in, out_before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    consumed_total += in_before - zs.avail_in;
    produced += out_before - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (consumed_total < in.size() && is_gzip(in.subspan(consumed_total))) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && consumed_total >= in.size()) rc = Z_DATA_ERROR;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      inflateEnd(&zs);
      return std::unexpected(model::Error{ErrorCode::kParse,
                                          fmt::format("corrupt or truncated gzip data ({})", zs.msg ? zs.msg : "unexpected end"),
                                          name, static_cast<int64_t>(consumed_total), -1});
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

}  // namespace

model::Result<InputBytes> gunzip_if_needed(InputBytes in, const std::string& name, const InputLimits& limits) {
  for (int layer = 0; layer < 4 && is_gzip(in.bytes()); ++layer) {
    auto inflated = inflate_gzip(in.bytes(), name, limits.max_decompressed_bytes);
    if (!inflated) return std::unexpected(inflated.error());
    InputBytes next = InputBytes::from_buffer(std::move(*inflated));
    next.was_gzipped_ = true;
    in = std::move(next);
  }
  return in;
}

model::Result<InputBytes> read_input(const std::string& path, const InputLimits& limits) {
  InputBytes in;
  if (path == "-") {
    std::string buf;
    char chunk[1 << 16];
    ssize_t n;
    while ((n = ::read(STDIN_FILENO, chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<size_t>(n));
    if (n < 0) return std::unexpected(io_error("-", "cannot read stdin"));
    in = InputBytes::from_buffer(std::move(buf));
  } else {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(io_error(path, "cannot open"));
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return std::unexpected(io_error(path, "cannot stat"));
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return std::unexpected(model::Error{ErrorCode::kIo, "is a directory, expected a profile file", path, -1, -1});
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
      void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (m != MAP_FAILED) {
        ::close(fd);
        in.map_ = m;
        in.map_size_ = static_cast<size_t>(st.st_size);
        in.data_ = static_cast<const uint8_t*>(m);
        in.size_ = in.map_size_;
        return gunzip_if_needed(std::move(in), path, limits);
      }
    }
    // Pipes, FIFOs, /dev/stdin and empty files: read them.
    std::string buf;
    char chunk[1 << 16];
    ssize_t n;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<size_t>(n));
    int saved = errno;
    ::close(fd);
    errno = saved;
    if (n < 0) return std::unexpected(io_error(path, "cannot read"));
    in = InputBytes::from_buffer(std::move(buf));
  }
  return gunzip_if_needed(std::move(in), path, limits);
}

}  // namespace profkit::parsers
