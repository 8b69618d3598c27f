// parsers/perf/file_info.h — the file layout of perf.data: header, event attributes with their
// ids, and the header feature sections (host, kernel, perf version, build ids, …).
//
// File mode: a 104-byte header points at the attr, data and (legacy) event-type sections; a
// bitmap names the feature sections stored after the data. Pipe mode (`perf record -o -`): a
// 16-byte header, and the same information arrives as HEADER_ATTR / HEADER_EVENT_TYPE /
// HEADER_BUILD_ID / HEADER_FEATURE / EVENT_UPDATE records inside the stream; the apply_*
// functions below are shared by both paths. A byte-swapped file (written on a machine of the
// other endianness) is read through ByteOrder::kSwapped; perf.data v1 ("PERFFILE") is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/diagnostics.h"
#include "model/error.h"
#include "parsers/perf/byte_reader.h"
#include "parsers/perf/event_attr.h"
#include "parsers/perf/records.h"

namespace profkit::parsers::perf {

struct EventInfo {
  EventAttr attr;
  std::string name;           // from EVENT_DESC / EVENT_UPDATE / HEADER_EVENT_TYPE, else default_event_name
  std::vector<uint64_t> ids;  // sample ids of this event (one per cpu/thread)
};

struct ClockData {
  uint32_t clockid = 0;
  uint64_t wall_clock_ns = 0;    // wall-clock time (ns since the epoch) at …
  uint64_t clockid_time_ns = 0;  // … this reading of the sampling clock
};

struct CompressionInfo {
  uint32_t version = 0, type = 0, level = 0, ratio = 0, mmap_len = 0;
};

struct PerfFileInfo {
  ByteOrder order = ByteOrder::kNative;
  bool pipe_mode = false;
  uint64_t data_offset = 0;  // file mode: the data section; pipe mode: right after the 16-byte header
  uint64_t data_size = 0;
  uint64_t attr_stride = 0;  // file mode: bytes per attr entry (attr + ids section)

  std::vector<EventInfo> events;
  std::unordered_map<uint64_t, size_t> id_to_event;  // sample id -> index into events

  // Feature sections (empty when absent).
  std::vector<uint32_t> features;  // feature ids present, ascending
  std::string hostname, os_release, perf_version, arch, cpu_desc, cpu_id;
  uint32_t nr_cpus_available = 0, nr_cpus_online = 0;
  uint64_t total_mem_kb = 0;
  std::vector<std::string> cmdline;
  std::vector<BuildIdEntry> build_ids;
  std::optional<std::pair<uint64_t, uint64_t>> sample_time;  // first, last sample time (perf clock ns)
  std::optional<ClockData> clock_data;
  uint64_t clock_resolution_ns = 0;
  std::optional<CompressionInfo> compression;
  std::vector<std::pair<uint64_t, std::string>> legacy_event_types;  // HEADER_EVENT_TYPE: config -> name

  // Which event a record belongs to (by its sample id); 0 when there is one event or no id.
  size_t event_index_for(uint64_t id) const {
    auto it = id_to_event.find(id);
    return it == id_to_event.end() ? 0 : it->second;
  }
};

// Reads the header and, in file mode, the attrs, ids and feature sections. Problems in
// optional feature sections become warnings in `diagnostics` (may be null).
model::Result<PerfFileInfo> read_file_info(std::span<const uint8_t> bytes, model::Diagnostics* diagnostics);

// Adds one event (HEADER_ATTR record or attr section entry) with its ids.
void add_event(PerfFileInfo& info, const EventAttr& attr, std::vector<uint64_t> ids);
// Decodes one feature section `feature` (abi::Feature) from `r` into `info`.
model::Result<void> apply_feature(PerfFileInfo& info, uint32_t feature, ByteReader r);
// Sets the name of the event owning sample id `id` (EVENT_UPDATE) unless it already has one
// from an event description.
void name_event_by_id(PerfFileInfo& info, uint64_t id, std::string name);
// After all metadata is known: default names for unnamed events, legacy event-type names.
void finish_event_names(PerfFileInfo& info);

// Feature name for `info` output ("hostname", "build_id", …).
const char* feature_name(uint32_t feature);

}  // namespace profkit::parsers::perf
