#include "parsers/perf/records.h"

#include <bit>
#include <cstring>

#include "parsers/perf/perf_abi.h"

namespace profkit::parsers::perf {
namespace {

constexpr size_t kMaxBuildIdBytes = 20;

// Reads `count` u64 values after checking that they fit.
model::Result<void> read_u64s(ByteReader& r, uint64_t count, std::vector<uint64_t>& out, std::string_view what) {
  if (count > r.remaining() / 8) return r.error(fmt::format("{} claims {} entries but only {} bytes remain", what, count, r.remaining()));
  out.resize(static_cast<size_t>(count));
  PK_TRY(auto bytes, r.bytes(count * 8, what));
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  if (r.order() == ByteOrder::kSwapped) {
    for (auto& v : out) v = std::byteswap(v);
  }
  return {};
}

model::Result<void> read_regs(ByteReader& r, uint64_t mask, uint64_t& abi, std::vector<uint64_t>& regs,
                              std::string_view what) {
  PK_TRY(abi, r.u64(what));
  regs.clear();
  if (abi == 0) return {};
  return read_u64s(r, static_cast<uint64_t>(std::popcount(mask)), regs, what);
}

model::Result<void> read_read_format(ByteReader& r, uint64_t format, SampleRecord& s) {
  s.read_values.clear();
  if (format & abi::kFormatGroup) {
    PK_TRY(uint64_t nr, r.u64("read_format.nr"));
    if (format & abi::kFormatTotalTimeEnabled) { PK_TRY(s.read_time_enabled, r.u64("read_format.time_enabled")); }
    if (format & abi::kFormatTotalTimeRunning) { PK_TRY(s.read_time_running, r.u64("read_format.time_running")); }
    size_t per = 8 * (1 + ((format & abi::kFormatId) ? 1 : 0) + ((format & abi::kFormatLost) ? 1 : 0));
    if (nr > r.remaining() / per) return r.error(fmt::format("read_format group claims {} values", nr));
    s.read_values.resize(static_cast<size_t>(nr));
    for (auto& v : s.read_values) {
      PK_TRY(v.value, r.u64("read value"));
      if (format & abi::kFormatId) { PK_TRY(v.id, r.u64("read id")); }
      if (format & abi::kFormatLost) { PK_TRY(v.lost, r.u64("read lost")); }
    }
    return {};
  }
  ReadValue v;
  PK_TRY(v.value, r.u64("read value"));
  if (format & abi::kFormatTotalTimeEnabled) { PK_TRY(s.read_time_enabled, r.u64("read_format.time_enabled")); }
  if (format & abi::kFormatTotalTimeRunning) { PK_TRY(s.read_time_running, r.u64("read_format.time_running")); }
  if (format & abi::kFormatId) { PK_TRY(v.id, r.u64("read id")); }
  if (format & abi::kFormatLost) { PK_TRY(v.lost, r.u64("read lost")); }
  s.read_values.push_back(v);
  return {};
}

}  // namespace

std::string hex_string(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

model::Result<void> decode_sample(const RawRecord& rec, const EventAttr& attr, SampleRecord& s) {
  ByteReader r = rec.reader();
  const uint64_t t = attr.sample_type;
  s.misc = rec.misc;
  s.period = 1;
  s.raw = {};
  s.stack_user = {};
  s.aux = {};
  s.stack_user_dyn_size = 0;
  s.regs_user_abi = s.regs_intr_abi = 0;
  s.regs_user.clear();
  s.regs_intr.clear();
  s.callchain.clear();
  s.branches.clear();
  s.read_values.clear();
  if (t & abi::kSampleIdentifier) { PK_TRY(s.identifier, r.u64("sample.identifier")); }
  if (t & abi::kSampleIp) { PK_TRY(s.ip, r.u64("sample.ip")); }
  if (t & abi::kSampleTid) {
    PK_TRY(s.pid, r.u32("sample.pid"));
    PK_TRY(s.tid, r.u32("sample.tid"));
  }
  if (t & abi::kSampleTime) { PK_TRY(s.time, r.u64("sample.time")); }
  if (t & abi::kSampleAddr) { PK_TRY(s.addr, r.u64("sample.addr")); }
  if (t & abi::kSampleId) { PK_TRY(s.id, r.u64("sample.id")); }
  if (t & abi::kSampleStreamId) { PK_TRY(s.stream_id, r.u64("sample.stream_id")); }
  if (t & abi::kSampleCpu) {
    PK_TRY(s.cpu, r.u32("sample.cpu"));
    PK_TRY_VOID(r.u32("sample.cpu reserved"));
  }
  if (t & abi::kSamplePeriod) { PK_TRY(s.period, r.u64("sample.period")); }
  if (t & abi::kSampleRead) { PK_TRY_VOID(read_read_format(r, attr.read_format, s)); }
  if (t & abi::kSampleCallchain) {
    PK_TRY(uint64_t nr, r.u64("callchain.nr"));
    PK_TRY_VOID(read_u64s(r, nr, s.callchain, "callchain"));
  }
  if (t & abi::kSampleRaw) {
    PK_TRY(uint32_t size, r.u32("raw.size"));
    PK_TRY(s.raw, r.bytes(size, "raw data"));
  }
  if (t & abi::kSampleBranchStack) {
    PK_TRY(uint64_t nr, r.u64("branch_stack.nr"));
    if (attr.branch_sample_type & abi::kBranchHwIndex) { PK_TRY(s.branch_hw_idx, r.u64("branch_stack.hw_idx")); }
    if (nr > r.remaining() / 24) return r.error(fmt::format("branch stack claims {} entries", nr));
    s.branches.resize(static_cast<size_t>(nr));
    for (auto& b : s.branches) {
      PK_TRY(b.from, r.u64("branch.from"));
      PK_TRY(b.to, r.u64("branch.to"));
      PK_TRY(b.flags, r.u64("branch.flags"));
    }
  }
  if (t & abi::kSampleRegsUser) { PK_TRY_VOID(read_regs(r, attr.sample_regs_user, s.regs_user_abi, s.regs_user, "regs_user")); }
  if (t & abi::kSampleStackUser) {
    PK_TRY(uint64_t size, r.u64("stack_user.size"));
    PK_TRY(s.stack_user, r.bytes(size, "stack_user data"));
    if (size != 0) {
      PK_TRY(s.stack_user_dyn_size, r.u64("stack_user.dyn_size"));
      if (s.stack_user_dyn_size > size) {
        return r.error(fmt::format("stack_user dyn_size {} exceeds the copied {} bytes", s.stack_user_dyn_size, size));
      }
    }
  }
  if (t & (abi::kSampleWeight | abi::kSampleWeightStruct)) { PK_TRY(s.weight, r.u64("sample.weight")); }
  if (t & abi::kSampleDataSrc) { PK_TRY(s.data_src, r.u64("sample.data_src")); }
  if (t & abi::kSampleTransaction) { PK_TRY(s.transaction, r.u64("sample.transaction")); }
  if (t & abi::kSampleRegsIntr) { PK_TRY_VOID(read_regs(r, attr.sample_regs_intr, s.regs_intr_abi, s.regs_intr, "regs_intr")); }
  if (t & abi::kSamplePhysAddr) { PK_TRY(s.phys_addr, r.u64("sample.phys_addr")); }
  if (t & abi::kSampleCgroup) { PK_TRY(s.cgroup, r.u64("sample.cgroup")); }
  if (t & abi::kSampleDataPageSize) { PK_TRY(s.data_page_size, r.u64("sample.data_page_size")); }
  if (t & abi::kSampleCodePageSize) { PK_TRY(s.code_page_size, r.u64("sample.code_page_size")); }
  if (t & abi::kSampleAux) {
    PK_TRY(uint64_t size, r.u64("aux.size"));
    PK_TRY(s.aux, r.bytes(size, "aux data"));
  }
  return {};
}

model::Result<SampleId> decode_sample_id(const RawRecord& rec, const EventAttr& attr) {
  SampleId id;
  if (!attr.sample_id_all()) return id;
  const uint64_t t = attr.sample_type;
  size_t n = 0;
  for (uint64_t bit : {abi::kSampleTid, abi::kSampleTime, abi::kSampleId, abi::kSampleStreamId, abi::kSampleCpu,
                       abi::kSampleIdentifier}) {
    if (t & bit) n += 8;
  }
  ByteReader all = rec.reader();
  if (n > all.remaining()) return all.need(n, "sample_id_all trailer");
  PK_TRY_VOID(all.skip(all.remaining() - n, "record body"));
  ByteReader& r = all;
  if (t & abi::kSampleTid) {
    PK_TRY(id.pid, r.u32("sample_id.pid"));
    PK_TRY(id.tid, r.u32("sample_id.tid"));
    id.has_tid = true;
  }
  if (t & abi::kSampleTime) {
    PK_TRY(id.time, r.u64("sample_id.time"));
    id.has_time = true;
  }
  if (t & abi::kSampleId) { PK_TRY(id.id, r.u64("sample_id.id")); }
  if (t & abi::kSampleStreamId) { PK_TRY(id.stream_id, r.u64("sample_id.stream_id")); }
  if (t & abi::kSampleCpu) {
    PK_TRY(id.cpu, r.u32("sample_id.cpu"));
    PK_TRY_VOID(r.u32("sample_id.res"));
    id.has_cpu = true;
  }
  if (t & abi::kSampleIdentifier) { PK_TRY(id.id, r.u64("sample_id.identifier")); }
  return id;
}

model::Result<MmapRecord> decode_mmap(const RawRecord& rec) {
  ByteReader r = rec.reader();
  MmapRecord m;
  m.is_mmap2 = rec.type == abi::kMmap2;
  PK_TRY(m.pid, r.u32("mmap.pid"));
  PK_TRY(m.tid, r.u32("mmap.tid"));
  PK_TRY(m.start, r.u64("mmap.start"));
  PK_TRY(m.len, r.u64("mmap.len"));
  PK_TRY(m.pgoff, r.u64("mmap.pgoff"));
  if (m.is_mmap2) {
    PK_TRY(auto ids, r.bytes(24, "mmap2 device/build id"));
    if (rec.misc & abi::kMiscMmapBuildId) {
      size_t n = std::min<size_t>(ids[0], kMaxBuildIdBytes);
      m.build_id = ids.subspan(4, n);
    }
    PK_TRY(m.prot, r.u32("mmap2.prot"));
    PK_TRY(m.flags, r.u32("mmap2.flags"));
  }
  m.filename = ByteReader::c_string(r.rest());
  return m;
}

model::Result<CommRecord> decode_comm(const RawRecord& rec) {
  ByteReader r = rec.reader();
  CommRecord c;
  PK_TRY(c.pid, r.u32("comm.pid"));
  PK_TRY(c.tid, r.u32("comm.tid"));
  c.comm = ByteReader::c_string(r.rest());
  c.exec = (rec.misc & abi::kMiscCommExec) != 0;
  return c;
}

model::Result<ForkExitRecord> decode_fork_exit(const RawRecord& rec) {
  ByteReader r = rec.reader();
  ForkExitRecord f;
  PK_TRY(f.pid, r.u32("fork.pid"));
  PK_TRY(f.ppid, r.u32("fork.ppid"));
  PK_TRY(f.tid, r.u32("fork.tid"));
  PK_TRY(f.ptid, r.u32("fork.ptid"));
  PK_TRY(f.time, r.u64("fork.time"));
  return f;
}

model::Result<LostRecord> decode_lost(const RawRecord& rec) {
  ByteReader r = rec.reader();
  LostRecord l;
  if (rec.type == abi::kLost) { PK_TRY(l.id, r.u64("lost.id")); }
  PK_TRY(l.lost, r.u64("lost.lost"));
  return l;
}

model::Result<ThrottleRecord> decode_throttle(const RawRecord& rec) {
  ByteReader r = rec.reader();
  ThrottleRecord t;
  PK_TRY(t.time, r.u64("throttle.time"));
  PK_TRY(t.id, r.u64("throttle.id"));
  PK_TRY(t.stream_id, r.u64("throttle.stream_id"));
  return t;
}

model::Result<KsymbolRecord> decode_ksymbol(const RawRecord& rec) {
  ByteReader r = rec.reader();
  KsymbolRecord k;
  PK_TRY(k.addr, r.u64("ksymbol.addr"));
  PK_TRY(k.len, r.u32("ksymbol.len"));
  PK_TRY(k.ksym_type, r.u16("ksymbol.type"));
  PK_TRY(k.flags, r.u16("ksymbol.flags"));
  k.name = ByteReader::c_string(r.rest());
  return k;
}

model::Result<SwitchRecord> decode_switch(const RawRecord& rec) {
  SwitchRecord s;
  s.out = (rec.misc & abi::kMiscSwitchOut) != 0;
  if (rec.type == abi::kSwitchCpuWide) {
    ByteReader r = rec.reader();
    PK_TRY(s.next_prev_pid, r.u32("switch.next_prev_pid"));
    PK_TRY(s.next_prev_tid, r.u32("switch.next_prev_tid"));
  }
  return s;
}

model::Result<BuildIdEntry> decode_build_id(ByteReader r, uint16_t misc) {
  BuildIdEntry e;
  e.misc = misc;
  PK_TRY(uint32_t pid, r.u32("build_id.pid"));
  e.pid = static_cast<int32_t>(pid);
  PK_TRY(auto id, r.bytes(24, "build_id bytes"));
  size_t n = kMaxBuildIdBytes;
  if (misc & abi::kMiscBuildIdSize) n = std::min<size_t>(id[20], kMaxBuildIdBytes);
  e.build_id = hex_string(id.first(n));
  e.filename = std::string(ByteReader::c_string(r.rest()));
  return e;
}

}  // namespace profkit::parsers::perf
