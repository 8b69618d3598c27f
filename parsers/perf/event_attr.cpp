#include "parsers/perf/event_attr.h"

#include <array>

#include <fmt/format.h>

#include "parsers/perf/perf_abi.h"

namespace profkit::parsers::perf {
namespace {

constexpr uint32_t kAttrSizeVer0 = 64;

uint8_t reverse_bits(uint8_t b) {
  b = static_cast<uint8_t>((b & 0xF0) >> 4 | (b & 0x0F) << 4);
  b = static_cast<uint8_t>((b & 0xCC) >> 2 | (b & 0x33) << 2);
  b = static_cast<uint8_t>((b & 0xAA) >> 1 | (b & 0x55) << 1);
  return b;
}

}  // namespace

model::Result<EventAttr> parse_event_attr(ByteReader r) {
  EventAttr a;
  if (r.remaining() < kAttrSizeVer0) return r.need(kAttrSizeVer0, "perf_event_attr");
  PK_TRY(a.type, r.u32("attr.type"));
  PK_TRY(a.size, r.u32("attr.size"));
  if (a.size == 0) a.size = kAttrSizeVer0;
  // Fields the writer knew about and the file holds.
  size_t known = std::min<size_t>(a.size, r.remaining() + 8);
  PK_TRY(a.config, r.u64("attr.config"));
  PK_TRY(a.sample_period_or_freq, r.u64("attr.sample_period"));
  PK_TRY(a.sample_type, r.u64("attr.sample_type"));
  PK_TRY(a.read_format, r.u64("attr.read_format"));
  // The bitfield: a big-endian writer allocates bits from the top of each byte, so a swapped
  // file keeps the byte order of this word and reverses the bits within each byte.
  PK_TRY(auto flag_bytes, r.bytes(8, "attr flags"));
  for (int i = 0; i < 8; ++i) {
    uint8_t b = flag_bytes[i];
    if (r.order() == ByteOrder::kSwapped) b = reverse_bits(b);
    a.flags |= uint64_t{b} << (8 * i);
  }
  PK_TRY(a.wakeup_events, r.u32("attr.wakeup_events"));
  PK_TRY(a.bp_type, r.u32("attr.bp_type"));
  PK_TRY(a.config1, r.u64("attr.config1"));
  auto more = [&](size_t end) { return known >= end && r.remaining() >= end - r.pos(); };
  if (more(72)) { PK_TRY(a.config2, r.u64("attr.config2")); }
  if (more(80)) { PK_TRY(a.branch_sample_type, r.u64("attr.branch_sample_type")); }
  if (more(96)) {
    PK_TRY(a.sample_regs_user, r.u64("attr.sample_regs_user"));
    PK_TRY(a.sample_stack_user, r.u32("attr.sample_stack_user"));
    PK_TRY(uint32_t clockid, r.u32("attr.clockid"));
    a.clockid = static_cast<int32_t>(clockid);
  }
  if (more(104)) { PK_TRY(a.sample_regs_intr, r.u64("attr.sample_regs_intr")); }
  if (more(112)) {
    PK_TRY_VOID(r.u32("attr.aux_watermark"));
    PK_TRY(a.sample_max_stack, r.u16("attr.sample_max_stack"));
  }
  return a;
}

std::string default_event_name(const EventAttr& attr) {
  static constexpr std::array<const char*, 10> kHardware = {
      "cycles",   "instructions", "cache-references", "cache-misses", "branches", "branch-misses",
      "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles"};
  static constexpr std::array<const char*, 12> kSoftware = {
      "cpu-clock",    "task-clock",   "page-faults",      "context-switches", "cpu-migrations", "minor-faults",
      "major-faults", "alignment-faults", "emulation-faults", "dummy",        "bpf-output",     "cgroup-switches"};
  switch (attr.type) {
    case abi::kTypeHardware:
      if (attr.config < kHardware.size()) return kHardware[attr.config];
      break;
    case abi::kTypeSoftware:
      if (attr.config < kSoftware.size()) return kSoftware[attr.config];
      break;
    case abi::kTypeTracepoint: return fmt::format("tracepoint-{}", attr.config);
    case abi::kTypeHwCache: return fmt::format("hw-cache-0x{:x}", attr.config);
    case abi::kTypeRaw: return fmt::format("raw-0x{:x}", attr.config);
    case abi::kTypeBreakpoint: return fmt::format("mem-0x{:x}", attr.config1);
    default: break;
  }
  return fmt::format("event-{}-0x{:x}", attr.type, attr.config);
}

bool period_is_nanoseconds(const EventAttr& attr) {
  return attr.type == abi::kTypeSoftware && (attr.config == 0 || attr.config == 1);
}

}  // namespace profkit::parsers::perf
