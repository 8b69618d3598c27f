#include "parsers/perf/file_info.h"

#include <bit>
#include <iterator>

#include <fmt/format.h>

#include "parsers/perf/perf_abi.h"

namespace profkit::parsers::perf {
namespace {

constexpr uint64_t kMaxAttrStride = 4096;  // perf_event_attr is 136 bytes in 6.x

struct Section {
  uint64_t offset = 0, size = 0;
};

model::Result<Section> read_section(ByteReader& r, std::string_view what) {
  Section s;
  PK_TRY(s.offset, r.u64(what));
  PK_TRY(s.size, r.u64(what));
  return s;
}

// A reader over [offset, offset+size) of the file, or an error naming the section.
model::Result<ByteReader> section_reader(std::span<const uint8_t> file, ByteOrder order, Section s,
                                         std::string_view what, int64_t where) {
  if (s.offset > file.size() || s.size > file.size() - s.offset) {
    return model::parse_error_at_offset(
        {}, where,
        fmt::format("{} section [{}, +{}) extends past the end of the file ({} bytes)", what, s.offset, s.size,
                    file.size()));
  }
  return ByteReader(file.subspan(s.offset, s.size), order, static_cast<int64_t>(s.offset));
}

model::Result<std::vector<std::string>> read_string_list(ByteReader& r, std::string_view what) {
  PK_TRY(uint32_t nr, r.u32(what));
  if (nr > r.remaining() / 4) return r.error(fmt::format("{} claims {} strings", what, nr));
  std::vector<std::string> out;
  for (uint32_t i = 0; i < nr; ++i) {
    PK_TRY(auto s, r.perf_string(what));
    out.emplace_back(s);
  }
  return out;
}

model::Result<void> read_event_desc(PerfFileInfo& info, ByteReader& r) {
  PK_TRY(uint32_t nr, r.u32("event_desc.nr"));
  PK_TRY(uint32_t attr_size, r.u32("event_desc.attr_size"));
  if (attr_size < 64 || attr_size > kMaxAttrStride) return r.error(fmt::format("event_desc attr size {} is implausible", attr_size));
  if (nr > r.remaining() / attr_size) return r.error(fmt::format("event_desc claims {} events", nr));
  for (uint32_t i = 0; i < nr; ++i) {
    PK_TRY(ByteReader ar, r.sub(attr_size, "event_desc attr"));
    PK_TRY(EventAttr attr, parse_event_attr(ar));
    (void)attr;  // the attr section already holds it; names are matched by id
    PK_TRY(uint32_t nr_ids, r.u32("event_desc.nr_ids"));
    PK_TRY(auto name, r.perf_string("event_desc.name"));
    if (nr_ids > r.remaining() / 8) return r.error(fmt::format("event_desc claims {} ids", nr_ids));
    std::vector<uint64_t> ids(nr_ids);
    for (auto& id : ids) { PK_TRY(id, r.u64("event_desc id")); }
    // Match by id; fall back to position when the file has no ids.
    size_t index = i;
    if (!ids.empty()) {
      auto it = info.id_to_event.find(ids.front());
      if (it != info.id_to_event.end()) index = it->second;
    }
    if (index < info.events.size()) info.events[index].name = std::string(name);
  }
  return {};
}

model::Result<void> read_build_ids(PerfFileInfo& info, ByteReader& r) {
  while (r.remaining() >= 8) {
    PK_TRY_VOID(r.u32("build_id.type"));
    PK_TRY(uint16_t misc, r.u16("build_id.misc"));
    PK_TRY(uint16_t size, r.u16("build_id.size"));
    if (size < 8) return r.error(fmt::format("build id entry of size {}", size));
    PK_TRY(ByteReader body, r.sub(size - 8, "build id entry"));
    PK_TRY(BuildIdEntry e, decode_build_id(body, misc));
    info.build_ids.push_back(std::move(e));
  }
  return {};
}

}  // namespace

const char* feature_name(uint32_t feature) {
  static constexpr const char* kNames[] = {
      "reserved",  "tracing_data", "build_id",     "hostname",      "osrelease",    "version",   "arch",
      "nrcpus",    "cpudesc",      "cpuid",        "total_mem",     "cmdline",      "event_desc", "cpu_topology",
      "numa_topology", "branch_stack", "pmu_mappings", "group_desc", "auxtrace",     "stat",      "cache",
      "sample_time", "mem_topology", "clockid",    "dir_format",    "bpf_prog_info", "bpf_btf",  "compressed",
      "cpu_pmu_caps", "clock_data", "hybrid_topology", "pmu_caps"};
  if (feature < std::size(kNames)) return kNames[feature];
  return "unknown";
}

void add_event(PerfFileInfo& info, const EventAttr& attr, std::vector<uint64_t> ids) {
  size_t index = info.events.size();
  for (uint64_t id : ids) info.id_to_event.emplace(id, index);
  info.events.push_back(EventInfo{attr, {}, std::move(ids)});
}

void name_event_by_id(PerfFileInfo& info, uint64_t id, std::string name) {
  auto it = info.id_to_event.find(id);
  if (it == info.id_to_event.end()) return;
  EventInfo& e = info.events[it->second];
  if (e.name.empty()) e.name = std::move(name);
}

void finish_event_names(PerfFileInfo& info) {
  for (EventInfo& e : info.events) {
    if (!e.name.empty()) continue;
    for (const auto& [config, name] : info.legacy_event_types) {
      if (config == e.attr.config && !name.empty()) {
        e.name = name;
        break;
      }
    }
    if (e.name.empty()) e.name = default_event_name(e.attr);
  }
}

model::Result<void> apply_feature(PerfFileInfo& info, uint32_t feature, ByteReader r) {
  switch (feature) {
    case abi::kFeatBuildId: return read_build_ids(info, r);
    case abi::kFeatHostname: { PK_TRY(info.hostname, r.perf_string("hostname")); return {}; }
    case abi::kFeatOsRelease: { PK_TRY(info.os_release, r.perf_string("osrelease")); return {}; }
    case abi::kFeatVersion: { PK_TRY(info.perf_version, r.perf_string("version")); return {}; }
    case abi::kFeatArch: { PK_TRY(info.arch, r.perf_string("arch")); return {}; }
    case abi::kFeatCpuDesc: { PK_TRY(info.cpu_desc, r.perf_string("cpudesc")); return {}; }
    case abi::kFeatCpuId: { PK_TRY(info.cpu_id, r.perf_string("cpuid")); return {}; }
    case abi::kFeatNrCpus: {
      PK_TRY(info.nr_cpus_available, r.u32("nrcpus.available"));
      PK_TRY(info.nr_cpus_online, r.u32("nrcpus.online"));
      return {};
    }
    case abi::kFeatTotalMem: { PK_TRY(info.total_mem_kb, r.u64("total_mem")); return {}; }
    case abi::kFeatCmdline: { PK_TRY(info.cmdline, read_string_list(r, "cmdline")); return {}; }
    case abi::kFeatEventDesc: return read_event_desc(info, r);
    case abi::kFeatSampleTime: {
      PK_TRY(uint64_t first, r.u64("sample_time.first"));
      PK_TRY(uint64_t last, r.u64("sample_time.last"));
      info.sample_time = {first, last};
      return {};
    }
    case abi::kFeatClockId: { PK_TRY(info.clock_resolution_ns, r.u64("clockid")); return {}; }
    case abi::kFeatClockData: {
      ClockData c;
      PK_TRY(uint32_t version, r.u32("clock_data.version"));
      (void)version;
      PK_TRY(c.clockid, r.u32("clock_data.clockid"));
      PK_TRY(c.wall_clock_ns, r.u64("clock_data.wall_clock"));
      PK_TRY(c.clockid_time_ns, r.u64("clock_data.clockid_time"));
      info.clock_data = c;
      return {};
    }
    case abi::kFeatCompressed: {
      CompressionInfo c;
      PK_TRY(c.version, r.u32("compressed.version"));
      PK_TRY(c.type, r.u32("compressed.type"));
      PK_TRY(c.level, r.u32("compressed.level"));
      PK_TRY(c.ratio, r.u32("compressed.ratio"));
      PK_TRY(c.mmap_len, r.u32("compressed.mmap_len"));
      info.compression = c;
      return {};
    }
    default: return {};  // features profkit does not use (topology, PMU mappings, …)
  }
}

model::Result<PerfFileInfo> read_file_info(std::span<const uint8_t> bytes, model::Diagnostics* diagnostics) {
  PerfFileInfo info;
  if (bytes.size() < 8) return model::parse_error_at_offset({}, 0, "file too short for a perf.data header");
  uint64_t magic = ByteReader::load<uint64_t>(bytes, 0, ByteOrder::kNative);
  if (magic == abi::kMagic1 || magic == std::byteswap(abi::kMagic1)) {
    return std::unexpected(model::Error{model::ErrorCode::kUnsupported,
                                        "perf.data v1 (PERFFILE) is not supported; re-record with perf newer than 2.6.35",
                                        {}, 0, -1});
  }
  if (magic == abi::kMagic2) {
    info.order = ByteOrder::kNative;
  } else if (magic == std::byteswap(abi::kMagic2)) {
    info.order = ByteOrder::kSwapped;
  } else {
    return model::parse_error_at_offset({}, 0, "not a perf.data file (no PERFILE2 magic)");
  }
  ByteReader r(bytes, info.order);
  PK_TRY_VOID(r.skip(8, "magic"));
  PK_TRY(uint64_t header_size, r.u64("header size"));
  if (header_size == abi::kPipeHeaderSize) {
    info.pipe_mode = true;
    info.data_offset = abi::kPipeHeaderSize;
    info.data_size = bytes.size() - abi::kPipeHeaderSize;
    return info;
  }
  if (header_size < abi::kFileHeaderSize) {
    return model::parse_error_at_offset({}, 8, fmt::format("perf.data header size {} is neither 16 (pipe) nor >= 104", header_size));
  }
  PK_TRY(info.attr_stride, r.u64("attr_size"));
  PK_TRY(Section attrs, read_section(r, "attrs section"));
  PK_TRY(Section data, read_section(r, "data section"));
  PK_TRY(Section event_types, read_section(r, "event_types section"));
  PK_TRY(auto feature_bytes, r.bytes(32, "feature bitmap"));
  uint64_t feature_words[4];
  for (int i = 0; i < 4; ++i) feature_words[i] = ByteReader::load<uint64_t>(feature_bytes, 8 * i, info.order);

  PK_TRY(ByteReader data_r, section_reader(bytes, info.order, data, "data", 40));
  (void)data_r;
  info.data_offset = data.offset;
  info.data_size = data.size;

  // Attributes: attr_stride bytes each = the attr followed by a section of its ids.
  if (attrs.size > 0) {
    if (info.attr_stride <= 16 + 63 || info.attr_stride > kMaxAttrStride) {
      return model::parse_error_at_offset({}, 16, fmt::format("attr size {} is implausible", info.attr_stride));
    }
    if (attrs.size % info.attr_stride != 0) {
      return model::parse_error_at_offset({}, 24, fmt::format("attrs section size {} is not a multiple of attr size {}",
                                                              attrs.size, info.attr_stride));
    }
    PK_TRY(ByteReader ar, section_reader(bytes, info.order, attrs, "attrs", 24));
    while (!ar.at_end()) {
      PK_TRY(ByteReader one, ar.sub(info.attr_stride - 16, "attr"));
      PK_TRY(EventAttr attr, parse_event_attr(one));
      int64_t ids_at = ar.offset();
      PK_TRY(Section ids_section, read_section(ar, "attr ids section"));
      PK_TRY(ByteReader ir, section_reader(bytes, info.order, ids_section, "attr ids", ids_at));
      std::vector<uint64_t> ids(ir.remaining() / 8);
      for (auto& id : ids) { PK_TRY(id, ir.u64("id")); }
      add_event(info, attr, std::move(ids));
    }
  }
  if (info.events.empty()) return model::parse_error_at_offset({}, 24, "perf.data has no event attributes");

  // Legacy event_types section: {u64 config; char name[64]} entries (perf 2.6.x–3.x).
  if (event_types.size > 0) {
    auto er = section_reader(bytes, info.order, event_types, "event_types", 56);
    if (er) {
      while (er->remaining() >= 72) {
        PK_TRY(uint64_t config, er->u64("event type id"));
        PK_TRY(auto name, er->fixed_string(64, "event type name"));
        info.legacy_event_types.emplace_back(config, std::string(name));
      }
    }
  }

  // Feature sections follow the data section, one {offset, size} per set bit.
  uint64_t table = data.offset + data.size;
  ByteReader fr(bytes, info.order);
  bool table_ok = table <= bytes.size();
  if (table_ok) (void)fr.skip(table, "data");
  for (uint32_t feature = 1; feature < abi::kFeatBits; ++feature) {
    if (!(feature_words[feature / 64] & (uint64_t{1} << (feature % 64)))) continue;
    info.features.push_back(feature);
    if (!table_ok) continue;
    int64_t at = fr.offset();
    auto s = read_section(fr, "feature section table");
    if (!s) {
      table_ok = false;
      if (diagnostics) diagnostics->warn("perf.feature", fmt::format("feature section table truncated at offset {}", at));
      continue;
    }
    auto sr = section_reader(bytes, info.order, *s, feature_name(feature), at);
    model::Result<void> ok = sr ? apply_feature(info, feature, *sr) : std::unexpected(sr.error());
    if (!ok && diagnostics) {
      diagnostics->warn("perf.feature",
                        fmt::format("feature section {} skipped: {}", feature_name(feature), ok.error().to_string()));
    }
  }
  if (!table_ok && !info.features.empty() && diagnostics) {
    diagnostics->warn("perf.feature", "feature sections lie past the end of the file (truncated file?)");
  }
  return info;
}

}  // namespace profkit::parsers::perf
