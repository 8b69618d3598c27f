// parsers/perf/records.h — one perf.data record: its header, and the typed decodings of the
// record kinds a profile needs.
//
// A RawRecord is a view (header + body bytes) valid until the reader moves on. The decode
// functions read the body through the checked ByteReader in the file's byte order; SAMPLE
// fields are decoded in the kernel's order for every sample_type bit, and the sample_id_all
// trailer of non-sample records is decoded from the end of the body.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "parsers/perf/byte_reader.h"
#include "parsers/perf/event_attr.h"

namespace profkit::parsers::perf {

struct RawRecord {
  uint32_t type = 0;  // abi::RecordType
  uint16_t misc = 0;
  uint16_t size = 0;                // header.size, header included
  std::span<const uint8_t> body;    // size - 8 bytes after the header
  int64_t offset = 0;               // offset of the header in the file (or decompressed stream)
  bool from_compressed = false;     // came out of a COMPRESSED/COMPRESSED2 record
  ByteOrder order = ByteOrder::kNative;

  ByteReader reader() const { return ByteReader(body, order, offset + 8); }
};

// The fields sample_id_all appends to non-sample records (and a sample's own copies of them).
struct SampleId {
  uint32_t pid = 0, tid = 0;
  uint64_t time = 0;
  uint64_t id = 0;
  uint64_t stream_id = 0;
  uint32_t cpu = 0;
  bool has_time = false;
  bool has_cpu = false;
  bool has_tid = false;
};

struct ReadValue {
  uint64_t value = 0, id = 0, lost = 0;
};
struct BranchEntry {
  uint64_t from = 0, to = 0, flags = 0;
};

// A decoded SAMPLE. Vectors are reused between samples (decode into the same object), and
// `raw`, `stack_user`, `aux` point into the record's bytes (valid until the reader moves on).
struct SampleRecord {
  uint16_t misc = 0;
  uint64_t identifier = 0;  // PERF_SAMPLE_IDENTIFIER
  uint64_t ip = 0;
  uint32_t pid = 0, tid = 0;
  uint64_t time = 0;
  uint64_t addr = 0;
  uint64_t id = 0;
  uint64_t stream_id = 0;
  uint32_t cpu = 0;
  uint64_t period = 1;  // 1 when the attr has no PERIOD bit (perf's default)
  uint64_t read_time_enabled = 0, read_time_running = 0;
  std::vector<ReadValue> read_values;
  std::vector<uint64_t> callchain;  // with PERF_CONTEXT_* markers as the kernel wrote them
  std::span<const uint8_t> raw;
  uint64_t branch_hw_idx = 0;
  std::vector<BranchEntry> branches;
  uint64_t regs_user_abi = 0;  // 0 none, 1 32-bit, 2 64-bit
  std::vector<uint64_t> regs_user;  // popcount(attr.sample_regs_user) values, in mask-bit order
  std::span<const uint8_t> stack_user;  // the copied stack (size as allocated)
  uint64_t stack_user_dyn_size = 0;     // bytes of stack_user actually filled
  uint64_t weight = 0;                  // WEIGHT, or the full WEIGHT_STRUCT word
  uint64_t data_src = 0;
  uint64_t transaction = 0;
  uint64_t regs_intr_abi = 0;
  std::vector<uint64_t> regs_intr;
  uint64_t phys_addr = 0;
  uint64_t cgroup = 0;
  uint64_t data_page_size = 0;
  uint64_t code_page_size = 0;
  std::span<const uint8_t> aux;
};

// Decodes a SAMPLE body (`rec.type == SAMPLE`) laid out by `attr`.
model::Result<void> decode_sample(const RawRecord& rec, const EventAttr& attr, SampleRecord& out);

// Decodes the sample_id_all trailer at the end of a non-sample record.
model::Result<SampleId> decode_sample_id(const RawRecord& rec, const EventAttr& attr);

struct MmapRecord {
  uint32_t pid = 0, tid = 0;
  uint64_t start = 0, len = 0, pgoff = 0;
  uint32_t prot = 0, flags = 0;  // MMAP2 only
  std::string_view filename;
  std::span<const uint8_t> build_id;  // MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID
  bool is_mmap2 = false;
};
model::Result<MmapRecord> decode_mmap(const RawRecord& rec);

struct CommRecord {
  uint32_t pid = 0, tid = 0;
  std::string_view comm;
  bool exec = false;
};
model::Result<CommRecord> decode_comm(const RawRecord& rec);

// FORK and EXIT share a layout.
struct ForkExitRecord {
  uint32_t pid = 0, ppid = 0, tid = 0, ptid = 0;
  uint64_t time = 0;
};
model::Result<ForkExitRecord> decode_fork_exit(const RawRecord& rec);

// LOST (id, lost) and LOST_SAMPLES (lost).
struct LostRecord {
  uint64_t id = 0, lost = 0;
};
model::Result<LostRecord> decode_lost(const RawRecord& rec);

struct ThrottleRecord {
  uint64_t time = 0, id = 0, stream_id = 0;
};
model::Result<ThrottleRecord> decode_throttle(const RawRecord& rec);

struct KsymbolRecord {
  uint64_t addr = 0;
  uint32_t len = 0;
  uint16_t ksym_type = 0, flags = 0;
  std::string_view name;
};
model::Result<KsymbolRecord> decode_ksymbol(const RawRecord& rec);

struct SwitchRecord {
  bool out = false;
  uint32_t next_prev_pid = 0, next_prev_tid = 0;  // SWITCH_CPU_WIDE only
};
model::Result<SwitchRecord> decode_switch(const RawRecord& rec);

// A build id entry (HEADER_BUILD_ID record or one item of the BUILD_ID feature).
struct BuildIdEntry {
  uint16_t misc = 0;
  int32_t pid = 0;
  std::string build_id;  // lower-case hex
  std::string filename;
};
// Decodes the body of one build-id event (header already consumed).
model::Result<BuildIdEntry> decode_build_id(ByteReader body, uint16_t misc);

std::string hex_string(std::span<const uint8_t> bytes);

}  // namespace profkit::parsers::perf
