// parsers/perf/perf_reader.h — streams the records of a perf.data file in file order.
//
// The public API for anything that needs perf records rather than a Profile — e.g. a DWARF
// unwinding pass that wants each sample's REGS_USER and STACK_USER bytes:
//
//   auto reader = PerfReader::open(bytes, "perf.data", &diagnostics);
//   SampleRecord sample;
//   while (auto rec = reader->next()) {            // Result<std::optional<RawRecord>>
//     if (!*rec) break;                            // end of data
//     if ((*rec)->type == abi::kSample) {
//       const EventInfo& ev = reader->event_for(**rec);
//       decode_sample(**rec, ev.attr, sample);     // sample.regs_user, sample.stack_user, …
//     }
//   }
//
// The reader handles both layouts (file and pipe mode) and both byte orders, unpacks
// PERF_RECORD_COMPRESSED / COMPRESSED2 (zstd) transparently — the compressed record itself is
// yielded first, then the records inside it with from_compressed set — and applies pipe-mode
// metadata records (HEADER_ATTR, HEADER_FEATURE, …) to info(). In pipe mode open() pre-scans the
// stream, so info() is complete before the first next(). Records are yielded as views: a
// RawRecord stays valid until the next call to next().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/error.h"
#include "parsers/perf/file_info.h"
#include "parsers/perf/records.h"
#include "parsers/perf/zstd_stream.h"

namespace profkit::parsers::perf {

struct ReaderLimits {
  size_t max_decompressed_per_record = size_t{256} << 20;  // bytes out of one COMPRESSED record
};

class PerfReader {
 public:
  // Reads the header and metadata of `bytes`; errors carry `file_name`.
  static model::Result<PerfReader> open(std::span<const uint8_t> bytes, std::string file_name,
                                        model::Diagnostics* diagnostics = nullptr, ReaderLimits limits = {});

  const PerfFileInfo& info() const { return info_; }
  // The event a record belongs to, found by its sample id (IDENTIFIER, ID or the sample_id_all
  // trailer); the first event when the file has one event or no ids.
  const EventInfo& event_for(const RawRecord& rec) const { return info_.events[event_index_for(rec)]; }
  size_t event_index_for(const RawRecord& rec) const;

  // The next record, std::nullopt at the end of the data.
  model::Result<std::optional<RawRecord>> next();

  // Only when the bytes given to open() are a read-only file mapping: from now on, pages well
  // behind the read position are dropped from memory (they fault back in from the file if a
  // queued record is read again), so resident memory stays flat however large the file is.
  void stream_file_mapping() { stream_ = true; }

  // Records seen so far per type (compressed containers and their contents both count).
  const std::map<uint32_t, int64_t>& record_counts() const { return counts_; }
  int64_t compressed_bytes_in() const { return compressed_in_; }
  int64_t decompressed_bytes_out() const { return decompressed_out_; }

 private:
  PerfReader() = default;
  model::Result<std::optional<RawRecord>> next_top_level(bool apply_metadata);
  model::Result<void> apply_metadata_record(const RawRecord& rec);
  std::unexpected<model::Error> fail(int64_t offset, std::string message, model::ErrorCode code = model::ErrorCode::kParse) const;

  std::span<const uint8_t> bytes_;
  std::string file_name_;
  model::Diagnostics* diagnostics_ = nullptr;
  ReaderLimits limits_;
  PerfFileInfo info_;
  size_t pos_ = 0;  // next top-level record
  bool stream_ = false;
  size_t released_ = 0;   // bytes_[0, released_) were dropped from memory
  void stream_window();
  size_t end_ = 0;  // end of the data section
  bool metadata_done_ = false;

  // Decompressed records not yet yielded: decomp_[decomp_pos_, size).
  ZstdStream zstd_;
  std::vector<uint8_t> decomp_;
  size_t decomp_pos_ = 0;
  int64_t decomp_origin_ = 0;  // file offset of the compressed record being unpacked
  int64_t compressed_in_ = 0, decompressed_out_ = 0;

  // Where a sample's id sits: from the start of a SAMPLE body, and from the end of other
  // records' bodies (sample_id_all); -1 when records carry no id.
  int64_t sample_id_pos_ = -1;
  int64_t trailer_id_pos_ = -1;

  std::map<uint32_t, int64_t> counts_;
};

}  // namespace profkit::parsers::perf
