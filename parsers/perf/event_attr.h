// parsers/perf/event_attr.h — perf_event_attr: what an event counts and how its samples look.
//
// The struct grew over the years (64 bytes in 2.6.31 … 136 bytes in 6.x); the file says how
// large its copy is, and fields past that size read as zero. The flag bitfield is decoded with
// the byte-swapped writer's bit order when the file comes from the other endianness.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/error.h"
#include "parsers/perf/byte_reader.h"

namespace profkit::parsers::perf {

struct EventAttr {
  uint32_t type = 0;    // abi::AttrType
  uint32_t size = 0;    // bytes of the attr as the writer knew it
  uint64_t config = 0;  // event within the type (e.g. PERF_COUNT_SW_CPU_CLOCK)
  uint64_t sample_period_or_freq = 0;
  uint64_t sample_type = 0;  // abi::SampleType bits
  uint64_t read_format = 0;
  uint64_t flags = 0;  // bitfield: disabled(0) … freq(10) … sample_id_all(18) … mmap2(23)
  uint32_t wakeup_events = 0;
  uint32_t bp_type = 0;
  uint64_t config1 = 0;
  uint64_t config2 = 0;
  uint64_t branch_sample_type = 0;
  uint64_t sample_regs_user = 0;   // register mask of REGS_USER
  uint32_t sample_stack_user = 0;  // bytes of user stack copied per sample
  int32_t clockid = 0;
  uint64_t sample_regs_intr = 0;
  uint16_t sample_max_stack = 0;

  bool freq() const { return flags & (1ULL << 10); }
  bool sample_id_all() const { return flags & (1ULL << 18); }
  bool exclude_callchain_user() const { return flags & (1ULL << 22); }
  bool use_clockid() const { return flags & (1ULL << 25); }
  bool has(uint64_t sample_bit) const { return (sample_type & sample_bit) != 0; }
};

// Reads an attr of `bytes` bytes (the file's stride); its own `size` field decides which fields
// exist. A size field of 0 means the first version (64 bytes).
model::Result<EventAttr> parse_event_attr(ByteReader r);

// The name perf shows for an attr without an event description: "cycles", "cpu-clock",
// "raw 0x1c4", "tracepoint 312", …
std::string default_event_name(const EventAttr& attr);

// Whether an event's period counts nanoseconds (cpu-clock, task-clock).
bool period_is_nanoseconds(const EventAttr& attr);

}  // namespace profkit::parsers::perf
