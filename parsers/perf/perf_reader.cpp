#include "parsers/perf/perf_reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "parsers/perf/perf_abi.h"

namespace profkit::parsers::perf {
namespace {

int count_bits(uint64_t sample_type, std::initializer_list<uint64_t> bits) {
  int n = 0;
  for (uint64_t b : bits) n += (sample_type & b) ? 1 : 0;
  return n;
}

}  // namespace

std::unexpected<model::Error> PerfReader::fail(int64_t offset, std::string message, model::ErrorCode code) const {
  return std::unexpected(model::Error{code, std::move(message), file_name_, offset, -1});
}

model::Result<PerfReader> PerfReader::open(std::span<const uint8_t> bytes, std::string file_name,
                                           model::Diagnostics* diagnostics, ReaderLimits limits) {
  PerfReader r;
  r.bytes_ = bytes;
  r.file_name_ = std::move(file_name);
  r.diagnostics_ = diagnostics;
  r.limits_ = limits;
  auto info = read_file_info(bytes, diagnostics);
  if (!info) return std::unexpected(std::move(info.error()).in_file(r.file_name_));
  r.info_ = std::move(*info);
  r.pos_ = static_cast<size_t>(r.info_.data_offset);
  r.end_ = static_cast<size_t>(r.info_.data_offset + r.info_.data_size);
  if (r.info_.pipe_mode) {
    // Pre-scan the top-level records so attrs, event names and build ids are known up front.
    r.diagnostics_ = nullptr;
    while (true) {
      auto rec = r.next_top_level(true);
      if (!rec) return std::unexpected(rec.error());
      if (!*rec) break;
    }
    r.diagnostics_ = diagnostics;
    r.pos_ = static_cast<size_t>(r.info_.data_offset);
    r.counts_.clear();
    if (r.info_.events.empty()) return r.fail(16, "pipe-mode perf.data holds no HEADER_ATTR record");
  }
  r.metadata_done_ = true;
  finish_event_names(r.info_);

  const uint64_t t = r.info_.events.front().attr.sample_type;
  if (t & abi::kSampleIdentifier) {
    r.sample_id_pos_ = 0;
    r.trailer_id_pos_ = 8;
  } else if (t & abi::kSampleId) {
    r.sample_id_pos_ = 8 * count_bits(t, {abi::kSampleIp, abi::kSampleTid, abi::kSampleTime, abi::kSampleAddr});
    r.trailer_id_pos_ = 8 * (1 + count_bits(t, {abi::kSampleStreamId, abi::kSampleCpu}));
  }
  return r;
}

size_t PerfReader::event_index_for(const RawRecord& rec) const {
  if (info_.events.size() <= 1) return 0;
  int64_t at = -1;
  if (rec.type == abi::kSample) {
    at = sample_id_pos_;
  } else if (rec.type < abi::kKernelRecordMax && trailer_id_pos_ > 0 &&
             info_.events.front().attr.sample_id_all()) {
    if (static_cast<int64_t>(rec.body.size()) >= trailer_id_pos_) at = static_cast<int64_t>(rec.body.size()) - trailer_id_pos_;
  }
  if (at < 0 || static_cast<size_t>(at) + 8 > rec.body.size()) return 0;
  return info_.event_index_for(ByteReader::load<uint64_t>(rec.body, static_cast<size_t>(at), rec.order));
}

model::Result<void> PerfReader::apply_metadata_record(const RawRecord& rec) {
  ByteReader r = rec.reader();
  switch (rec.type) {
    case abi::kHeaderAttr: {
      if (r.remaining() < 8) return r.need(8, "HEADER_ATTR");
      uint32_t size = ByteReader::load<uint32_t>(rec.body, 4, rec.order);
      if (size == 0) size = 64;
      PK_TRY(ByteReader ar, r.sub(size, "HEADER_ATTR attr"));
      PK_TRY(EventAttr attr, parse_event_attr(ar));
      std::vector<uint64_t> ids(r.remaining() / 8);
      for (auto& id : ids) { PK_TRY(id, r.u64("HEADER_ATTR id")); }
      add_event(info_, attr, std::move(ids));
      return {};
    }
    case abi::kHeaderEventType: {
      PK_TRY(uint64_t config, r.u64("HEADER_EVENT_TYPE id"));
      PK_TRY(auto name, r.fixed_string(std::min<size_t>(64, r.remaining()), "HEADER_EVENT_TYPE name"));
      info_.legacy_event_types.emplace_back(config, std::string(name));
      return {};
    }
    case abi::kHeaderBuildId: {
      PK_TRY(BuildIdEntry e, decode_build_id(r, rec.misc));
      info_.build_ids.push_back(std::move(e));
      return {};
    }
    case abi::kHeaderFeature: {
      PK_TRY(uint64_t feature, r.u64("HEADER_FEATURE id"));
      if (feature < abi::kFeatBits) {
        info_.features.push_back(static_cast<uint32_t>(feature));
        auto ok = apply_feature(info_, static_cast<uint32_t>(feature), r);
        if (!ok && diagnostics_) {
          diagnostics_->warn("perf.feature", fmt::format("feature {} skipped: {}", feature_name(static_cast<uint32_t>(feature)),
                                                         ok.error().to_string()));
        }
      }
      return {};
    }
    case abi::kEventUpdate: {
      PK_TRY(uint64_t kind, r.u64("EVENT_UPDATE type"));
      PK_TRY(uint64_t id, r.u64("EVENT_UPDATE id"));
      if (kind == abi::kEventUpdateName) name_event_by_id(info_, id, std::string(ByteReader::c_string(r.rest())));
      return {};
    }
    default: return {};
  }
}

namespace {
// Streaming a mapped file: every kStep bytes read, drop what lies over kLag bytes behind the
// reader. Records the orderer still queues may lie further back: their pages were only dropped
// from this process (MADV_DONTNEED on a private read-only file mapping) and fault back in from
// the page cache when delivered, so the lag trades a few refaults for resident memory.
// Pages ahead are left to the page-fault path: its fault-around maps 16 pages per fault in one
// batch, which measured ~10% faster end to end than MADV_POPULATE_READ (a page-table walk per
// page) on a 362 MB --call-graph dwarf capture.
constexpr size_t kStep = size_t{2} << 20;
constexpr size_t kLag = size_t{4} << 20;
constexpr size_t kPrefetch = 4096;      // how far ahead next_top_level prefetches
constexpr size_t kPrefetchSpan = 1024;  // and at most how much of one record
}  // namespace

void PerfReader::stream_window() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t base = reinterpret_cast<uintptr_t>(bytes_.data());
  uintptr_t from = (base + released_ + page - 1) & ~(page - 1), to = (base + pos_ - kLag) & ~(page - 1);
  if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
  released_ = pos_ - kLag;
}

model::Result<std::optional<RawRecord>> PerfReader::next_top_level(bool apply_metadata) {
  if (pos_ >= end_) return std::nullopt;
  const int64_t at = static_cast<int64_t>(pos_);
  const size_t left = end_ - pos_;
  if (left < 8) {
    if (info_.pipe_mode) {
      if (diagnostics_) diagnostics_->warn("perf.trailing-bytes", fmt::format("{}: {} stray bytes at the end of the pipe stream (offset {})", file_name_, left, at));
      pos_ = end_;
      return std::nullopt;
    }
    return fail(at, fmt::format("truncated record header: {} bytes left in the data section", left));
  }
  RawRecord rec;
  rec.order = info_.order;
  rec.offset = at;
  rec.type = ByteReader::load<uint32_t>(bytes_, pos_, info_.order);
  rec.misc = ByteReader::load<uint16_t>(bytes_, pos_ + 4, info_.order);
  rec.size = ByteReader::load<uint16_t>(bytes_, pos_ + 6, info_.order);
  if (rec.size < 8) return fail(at, fmt::format("record of type {} has size {} (< 8)", rec.type, rec.size));
  if (rec.size > left) {
    if (info_.pipe_mode) {
      if (diagnostics_) {
        diagnostics_->warn("perf.trailing-bytes",
                           fmt::format("{}: the pipe stream ends inside a record at offset {} ({} of {} bytes; ignored)",
                                       file_name_, at, left, rec.size));
      }
      pos_ = end_;
      return std::nullopt;
    }
    return fail(at, fmt::format("record of type {} claims {} bytes but only {} remain in the data section", rec.type,
                                rec.size, left));
  }
  rec.body = bytes_.subspan(pos_ + 8, rec.size - 8u);
  // Start loading the records a few KiB ahead: decoding is a stream of small dependent reads.
  // Only as many bytes ahead as this record spans, and at most kPrefetchSpan: a big record is
  // mostly a stack copy (--call-graph dwarf) of which the unwinder reads a few hundred bytes, and
  // pulling all of it through the caches costs more than the misses it would save.
  const size_t span = std::min<size_t>(rec.size, kPrefetchSpan);
  for (size_t line = (pos_ + kPrefetch) & ~size_t{63}; line < pos_ + span + kPrefetch && line < end_; line += 64) {
    __builtin_prefetch(bytes_.data() + line);
  }
  // Big records are further apart than that: also the header after next.
  if (rec.size > kPrefetch / 4 && pos_ + 2 * size_t{rec.size} < end_) __builtin_prefetch(bytes_.data() + pos_ + 2 * size_t{rec.size});
  pos_ += rec.size;
  // Records whose payload follows them in the stream, outside header.size.
  uint64_t trailing = 0;
  if (rec.type == abi::kHeaderTracingData && rec.body.size() >= 4) {
    trailing = ByteReader::load<uint32_t>(rec.body, 0, rec.order);
  } else if (rec.type == abi::kAuxtrace && rec.body.size() >= 8) {
    trailing = ByteReader::load<uint64_t>(rec.body, 0, rec.order);
  }
  if (trailing > end_ - pos_) {
    return fail(at, fmt::format("record of type {} is followed by {} payload bytes but only {} remain", rec.type,
                                trailing, end_ - pos_));
  }
  pos_ += static_cast<size_t>(trailing);
  if (stream_ && pos_ >= released_ + kLag + kStep) stream_window();
  if (apply_metadata) {
    auto ok = apply_metadata_record(rec);
    if (!ok) return fail(ok.error().offset, ok.error().message);
  }
  return rec;
}

model::Result<std::optional<RawRecord>> PerfReader::next() {
  // Records still waiting in decompressed data come first.
  if (decomp_pos_ < decomp_.size()) {
    size_t rem = decomp_.size() - decomp_pos_;
    if (rem >= 8) {
      RawRecord rec;
      rec.order = info_.order;
      rec.offset = decomp_origin_;
      rec.from_compressed = true;
      rec.type = ByteReader::load<uint32_t>(decomp_, decomp_pos_, info_.order);
      rec.misc = ByteReader::load<uint16_t>(decomp_, decomp_pos_ + 4, info_.order);
      rec.size = ByteReader::load<uint16_t>(decomp_, decomp_pos_ + 6, info_.order);
      if (rec.size < 8) {
        return fail(decomp_origin_, fmt::format("record of type {} with size {} inside compressed data", rec.type, rec.size));
      }
      if (rec.size <= rem) {
        rec.body = std::span<const uint8_t>(decomp_).subspan(decomp_pos_ + 8, rec.size - 8u);
        decomp_pos_ += rec.size;
        ++counts_[rec.type];
        return rec;
      }
    }
    // A partial record: it continues in the next compressed record.
  }
  auto top = next_top_level(!metadata_done_);
  if (!top) return std::unexpected(top.error());
  if (!*top) {
    if (decomp_pos_ < decomp_.size() && diagnostics_) {
      diagnostics_->warn("perf.compressed-tail", fmt::format("{}: {} bytes of an incomplete record at the end of compressed data",
                                                             file_name_, decomp_.size() - decomp_pos_));
    }
    decomp_.clear();
    decomp_pos_ = 0;
    return std::nullopt;
  }
  RawRecord& rec = **top;
  ++counts_[rec.type];
  if (rec.type == abi::kCompressed || rec.type == abi::kCompressed2) {
    std::span<const uint8_t> payload = rec.body;
    if (rec.type == abi::kCompressed2) {
      ByteReader r = rec.reader();
      auto size = r.u64("COMPRESSED2 data_size");
      if (!size) return fail(rec.offset, size.error().message);
      if (*size > r.remaining()) {
        return fail(rec.offset, fmt::format("COMPRESSED2 record claims {} data bytes but holds {}", *size, r.remaining()));
      }
      payload = r.rest().first(static_cast<size_t>(*size));
    }
    decomp_.erase(decomp_.begin(), decomp_.begin() + static_cast<std::ptrdiff_t>(decomp_pos_));
    decomp_pos_ = 0;
    size_t before = decomp_.size();
    auto ok = zstd_.decompress(payload, decomp_, limits_.max_decompressed_per_record);
    if (!ok) return fail(rec.offset, ok.error().message, ok.error().code);
    decomp_origin_ = rec.offset;
    compressed_in_ += static_cast<int64_t>(payload.size());
    decompressed_out_ += static_cast<int64_t>(decomp_.size() - before);
  }
  return top;
}

}  // namespace profkit::parsers::perf
