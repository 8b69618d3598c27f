#include "parsers/perf/profile_converter.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <xxhash.h>

#include "model/huge_page_allocator.h"
#include "model/profile_builder.h"
#include "parsers/perf/perf_abi.h"
#include "parsers/perf/perf_reader.h"
#include "parsers/perf/record_orderer.h"
#include "parsers/perf/session.h"
#include "parsers/perf/unwind.h"

namespace profkit::parsers::perf {
namespace {

constexpr uint64_t kBranchCallStack = 1ULL << 11;  // PERF_SAMPLE_BRANCH_CALL_STACK

struct PairHash {
  size_t operator()(const std::pair<uint32_t, uint64_t>& k) const {
    return std::hash<uint64_t>{}(k.second * 0x9E3779B97F4A7C15ULL ^ k.first);
  }
};

struct LabelKey {
  uint32_t pid, tid, cpu, comm;
  bool operator==(const LabelKey&) const = default;
};
struct LabelKeyHash {
  size_t operator()(const LabelKey& k) const {
    uint64_t a = (uint64_t{k.pid} << 32) | k.tid, b = (uint64_t{k.cpu} << 32) | k.comm;
    return std::hash<uint64_t>{}(a * 0x9E3779B97F4A7C15ULL ^ b);
  }
};

// A callchain's 128-bit XXH3 hash: two samples with equal hashes (and equal sample state, see
// Converter::fp_key) are taken to have the same callchain, a 2^-128 chance of error per pair.
struct ChainHash {
  uint64_t lo = 0, hi = 0;
};

ChainHash chain_hash(const std::vector<uint64_t>& chain) {
  XXH128_hash_t h = XXH3_128bits(chain.data(), chain.size() * sizeof(uint64_t));
  return {h.low64, h.high64};
}

uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Whether the converter's look-ahead decodes samples of this event early: plain callchains.
bool looks_ahead(const EventAttr& a) {
  return a.has(abi::kSampleCallchain) && !a.has(abi::kSampleBranchStack) &&
         !(a.has(abi::kSampleRegsUser) && a.has(abi::kSampleStackUser));
}

std::string seconds(uint64_t ns) { return fmt::format("{}.{:09d}", ns / 1000000000, ns % 1000000000); }

std::string call_graph_mode(const PerfFileInfo& info) {
  for (const EventInfo& e : info.events) {
    const EventAttr& a = e.attr;
    if (a.has(abi::kSampleRegsUser) && a.has(abi::kSampleStackUser)) {
      return fmt::format("dwarf (stack copy {} bytes)", a.sample_stack_user);
    }
  }
  for (const EventInfo& e : info.events) {
    if (e.attr.has(abi::kSampleBranchStack) && (e.attr.branch_sample_type & kBranchCallStack)) return "lbr";
  }
  for (const EventInfo& e : info.events) {
    if (e.attr.has(abi::kSampleCallchain)) return "fp";
  }
  return "none";
}

// The session's mappings as the unwinder sees them.
class SessionMaps final : public AddressSpace {
 public:
  explicit SessionMaps(const Session& session) : session_(session) {}
  bool find(uint32_t pid, uint64_t addr, UnwindMap& out) const override {
    uint32_t index = session_.find_user(pid, addr);
    if (index == Session::kNoMap) return false;
    const MapInfo& m = session_.map(index);
    out = UnwindMap{m.start, m.end, m.pgoff, m.filename, m.build_id, index};
    return true;
  }

 private:
  const Session& session_;
};

class Converter {
 public:
  Converter(PerfReader& reader, const ParseOptions& options)
      : reader_(reader),
        info_(reader.info()),
        options_(options),
        builder_(model::ProfileBuilder::Options{true, options.keep_timestamps, true}),
        orderer_([this](const RawRecord& rec) { return deliver(rec); }) {
    orderer_.set_look_ahead([this](const RawRecord& rec) { look_ahead(rec); }, kAhead);
  }

  model::Result<model::Profile> run();

 private:
  model::Result<void> deliver(const RawRecord& rec);
  model::Result<void> on_sample(const RawRecord& rec);
  model::LocationId location(uint32_t pid, uint64_t addr, bool kernel);
  model::LocationId resolve_location(uint32_t pid, uint64_t addr, bool kernel);  // location() without its memo
  // A sample with a plain frame-pointer callchain: see FpSlot.
  model::Result<void> on_fp_sample(size_t ev_index, bool kernel, int64_t t, const ChainHash* chain);
  // The key of an fp sample in slots_: its callchain's hash with everything else that decides its
  // stack and labels (pid, tid, cpu, comm, event, cpumode, and the maps epochs).
  std::pair<uint64_t, uint64_t> fp_key(const ChainHash& chain, uint32_t pid, uint32_t tid, uint32_t cpu,
                                       size_t ev_index, bool kernel);
  // The interned comm of `tid` (memoized until the next COMM, FORK or EXIT).
  model::StringId comm_id(uint32_t tid);
  // The orderer's look-ahead: decodes a sample a few records before its delivery, hashes its
  // callchain and prefetches its slot, so the slot's cache miss overlaps other work.
  void look_ahead(const RawRecord& rec);
  // Maps changed: slots of `pid` (of every process for kernel maps) are stale.
  void maps_changed(uint32_t pid, bool kernel);
  // Adds the counts the slots accumulated to their builder samples.
  void flush_fp_slots();
  model::LabelSetId labels_for(uint32_t pid, uint32_t tid, uint32_t cpu, model::StringId comm);
  model::MappingId mapping(uint32_t map_index);
  model::MappingId unknown_kernel_mapping();
  // --call-graph dwarf samples wait in a batch (with copies of their registers and stack) and are
  // unwound together; then, in arrival order, their stacks are built and added. A full batch is
  // handed to the unwind worker thread while this thread reads on and fills the other batch
  // (submit_unwinds); before any record that changes the address spaces, and at the end, every
  // batch is unwound and added (flush_unwinds) — so each sample is unwound against the maps of
  // its own time, and the worker only ever reads the session while it does not change.
  // `stack_stays_valid`: the sample's stack bytes outlive the batch (a view into the input, not
  // into decompressed data), so they need no copy.
  void defer_unwind(const EventAttr& attr, model::LabelSetId labels, int64_t time, bool stack_stays_valid);
  void submit_unwinds();
  model::Result<void> flush_unwinds();
  model::LocationId truncated_location();
  // The timestamp of a kernel record, or nullopt when it carries none.
  std::optional<uint64_t> record_time(const RawRecord& rec, const EventInfo& ev);
  void write_metadata(model::Profile& p);

  PerfReader& reader_;
  const PerfFileInfo& info_;
  const ParseOptions& options_;
  model::ProfileBuilder builder_;
  RecordOrderer orderer_;
  Session session_;

  size_t value_columns_ = 0;
  std::vector<int64_t> values_;
  std::vector<model::LocationId> frames_;
  SampleRecord decoded_;                // the sample being converted, unless look_ahead decoded it
  SampleRecord* sample_ = &decoded_;  // the sample being converted
  std::vector<model::MappingId> mapping_ids_;  // per Session map index
  model::MappingId unknown_kernel_;
  std::vector<bool> hinted_;    // per mapping: on_first_location was called
  bool kernel_hinted_ = false;  // likewise for all kernel mappings
  std::unordered_map<std::pair<uint32_t, uint64_t>, model::LocationId, PairHash> locations_;
  std::unordered_map<LabelKey, model::LabelSetId, LabelKeyHash> labels_;
  // Frame-pointer samples, the bulk of most captures, are resolved once per distinct key (see
  // fp_key) and then only counted: a slot's entry remembers the stack, the labels and the builder
  // sample its key resolved to, and the slot accumulates the count and period of later samples
  // with that key (flushed into the builder at the end). Open addressing with linear probing, a
  // power-of-two size at most half full, half a cache line a slot; the key is the slot's
  // (h1, h2), 128 bits of XXH3 (see fp_key). Slots of an older maps epoch never match again.
  struct alignas(32) FpSlot {
    uint64_t h1 = 0, h2 = 0;
    int64_t period = 0;  // not yet added to the entry's sample
    uint32_t count = 0;  // likewise
    uint32_t entry = 0;  // fp_entries_ index + 1; 0: the slot is empty
  };
  struct FpEntry {
    model::StackId stack;
    model::LabelSetId labels;
    uint32_t ev = 0;
    uint32_t sample = 0;  // the builder sample
  };
  model::HugeVector<FpSlot> slots_ = model::HugeVector<FpSlot>(4096);
  std::vector<FpEntry> fp_entries_;
  size_t slots_used_ = 0;
  void flush_fp_slot(FpSlot& slot);
  std::unordered_map<uint32_t, uint32_t> pid_epoch_;  // bumped when the pid's maps change
  uint32_t last_epoch_pid_ = UINT32_MAX, last_epoch_ = 0;  // pid_epoch()'s memo
  uint32_t pid_epoch(uint32_t pid) {
    if (pid != last_epoch_pid_) {
      auto pe = pid_epoch_.find(pid);
      last_epoch_ = pe == pid_epoch_.end() ? 0u : pe->second;
      last_epoch_pid_ = pid;
    }
    return last_epoch_;
  }
  uint32_t kernel_epoch_ = 0;                         // bumped when kernel maps change
  // location()'s memo: (pid or kernel, address, maps epoch) -> location, open addressing with
  // linear probing, a power-of-two size at most half full. Entries of older epochs never match.
  struct LocationSlot {
    uint64_t addr = 0;
    uint64_t owner = 0;  // the pid, or kKernelOwner for a kernel-context address
    uint32_t epoch = 0;
    model::LocationId id;  // LocationId{}: empty
  };
  std::vector<LocationSlot> location_slots_ = std::vector<LocationSlot>(4096);
  size_t location_slots_used_ = 0;
  std::unordered_map<uint32_t, model::StringId> comm_ids_;
  uint32_t last_comm_tid_ = UINT32_MAX;
  model::StringId last_comm_id_;
  // look_ahead's decoded samples, consumed in delivery order.
  struct Ahead {
    const uint8_t* body = nullptr;
    SampleRecord sample;
    ChainHash chain;
  };
  static constexpr size_t kAhead = 8;
  std::array<Ahead, 2 * kAhead> ahead_;
  size_t ahead_put_ = 0, ahead_get_ = 0;
  model::StringId key_pid_, key_tid_, key_comm_, key_cpu_;

  std::vector<int64_t> samples_per_event_;
  std::vector<int64_t> period_per_event_;
  int64_t samples_ = 0;
  uint64_t first_time_ = UINT64_MAX, last_time_ = 0;
  int64_t lost_events_ = 0, lost_records_ = 0, lost_samples_ = 0;
  int64_t throttles_ = 0;
  std::map<uint32_t, int64_t> unknown_;
  int64_t undecodable_ = 0;

  // --call-graph dwarf
  struct PendingUnwind {
    UnwindRequest request;  // its spans point into regs/stack below
    std::vector<uint64_t> regs;
    std::vector<uint8_t> stack;
    std::vector<model::LocationId> frames;  // the kernel part, leaf first
    std::vector<int64_t> values;
    model::LabelSetId labels;
    int64_t time = 0;
    uint64_t ip = 0;            // the sampled ip, for a sample nothing else is known of
    std::vector<uint64_t> pcs;  // unwound user frames
    UnwindEnd end = UnwindEnd::kComplete;
  };
  static constexpr std::chrono::nanoseconds kSlowUnwind{20000};
  struct UnwindBatch {
    std::vector<PendingUnwind> items;  // reused: the first `used` are live
    size_t used = 0;
  };
  // Unwinds every sample of `batch` (on the unwind worker, or this thread).
  void unwind_batch(UnwindBatch& batch);
  // Builds and adds the stacks of an unwound batch, in arrival order, and empties it.
  void add_unwound(UnwindBatch& batch);
  bool slow_unwinds_ = false;  // a batch averaged over kSlowUnwind a sample: unwind on all threads
  SessionMaps session_maps_{session_};
  std::vector<std::unique_ptr<Unwinder>> unwinders_;  // one per thread
  UnwindBatch batches_[2];
  UnwindBatch* filling_ = &batches_[0];     // defer_unwind appends here
  UnwindBatch* in_flight_ = nullptr;        // with the worker, not yet added
  // One thread that runs jobs handed to it, one at a time; wait() returns when the last is done.
  class Worker {
   public:
    ~Worker() {
      if (!thread_.joinable()) return;
      {
        std::lock_guard lock(mutex_);
        stop_ = true;
      }
      wake_.notify_all();
      thread_.join();
    }
    void run(std::function<void()> job) {
      if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
      {
        std::lock_guard lock(mutex_);
        job_ = std::move(job);
        busy_ = true;
      }
      wake_.notify_all();
    }
    void wait() {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [this] { return !busy_; });
    }

   private:
    void loop() {
      std::unique_lock lock(mutex_);
      for (;;) {
        wake_.wait(lock, [this] { return stop_ || job_; });
        if (!job_) return;  // stopping, nothing left
        std::function<void()> job = std::move(job_);
        job_ = nullptr;
        lock.unlock();
        job();
        lock.lock();
        busy_ = false;
        done_.notify_all();
      }
    }
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::function<void()> job_;
    bool busy_ = false, stop_ = false;
  };
  Worker unwind_worker_;  // declared after what its jobs touch: destroyed (joined) first
  model::LocationId truncated_;
  int64_t unwound_[4] = {};  // per UnwindEnd
};

model::LocationId Converter::truncated_location() {
  if (!truncated_) {
    model::Function f;
    f.name = f.system_name = builder_.intern("[truncated]");
    model::Location loc;
    loc.lines.push_back(model::Line{builder_.add_function(f), 0, 0});
    truncated_ = builder_.add_location(std::move(loc));
  }
  return truncated_;
}

void Converter::defer_unwind(const EventAttr& attr, model::LabelSetId labels, int64_t time, bool stack_stays_valid) {
  UnwindBatch& b = *filling_;
  if (b.used == b.items.size()) b.items.emplace_back();
  PendingUnwind& p = b.items[b.used++];
  p.regs.assign(sample_->regs_user.begin(), sample_->regs_user.end());
  const std::span<const uint8_t> stack = sample_->stack_user.first(static_cast<size_t>(sample_->stack_user_dyn_size));
  if (stack_stays_valid) {
    p.stack.clear();
  } else {
    p.stack.assign(stack.begin(), stack.end());
  }
  p.request = UnwindRequest{};
  p.request.arch = unwind_arch(info_.arch, sample_->regs_user_abi, attr.sample_regs_user);
  p.request.pid = sample_->pid;
  p.request.tid = sample_->tid;
  p.request.regs_mask = attr.sample_regs_user;
  p.request.regs = p.regs;
  p.request.stack = stack_stays_valid ? stack : std::span<const uint8_t>(p.stack);
  p.request.swap_bytes = info_.order == ByteOrder::kSwapped;
  p.request.maps = &session_maps_;
  p.frames.assign(frames_.begin(), frames_.end());
  p.values.assign(values_.begin(), values_.end());
  p.labels = labels;
  p.time = time;
  p.ip = sample_->ip;
  p.pcs.clear();
}

void Converter::unwind_batch(UnwindBatch& batch) {
  // Threads only pay when unwinds are slow (libdwfl's general walk): the direct CFI path takes
  // about a microsecond a sample, less than splitting a batch costs. So a batch runs on one
  // thread until one averages over kSlowUnwind per sample.
  const size_t n = batch.used;
  const size_t threads = slow_unwinds_ ? std::max<size_t>(1, std::min<size_t>(options_.unwinder->threads(), n / 16 + 1)) : 1;
  const auto started = std::chrono::steady_clock::now();
  while (unwinders_.size() < threads) unwinders_.push_back(options_.unwinder->make());
  // Thread k unwinds samples k, k + threads, …: each unwinder keeps its own per-process state,
  // and reads the session (unchanged until the batch is added) without writing it.
  auto work = [this, &batch, n, threads](size_t k) {
    for (size_t i = k; i < n; i += threads) {
      PendingUnwind& p = batch.items[i];
      p.end = unwinders_[k]->unwind(p.request, p.pcs);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t k = 1; k < threads; ++k) helpers.emplace_back(work, k);
  work(0);
  for (std::thread& t : helpers) t.join();
  if (!slow_unwinds_ && n >= 16) {
    slow_unwinds_ = std::chrono::steady_clock::now() - started > kSlowUnwind * static_cast<int64_t>(n);
  }
}

void Converter::add_unwound(UnwindBatch& batch) {
  for (size_t i = 0; i < batch.used; ++i) {
    PendingUnwind& p = batch.items[i];
    ++unwound_[static_cast<size_t>(p.end)];
    frames_.assign(p.frames.begin(), p.frames.end());
    for (uint64_t pc : p.pcs) frames_.push_back(location(p.request.pid, pc, false));
    if (p.end == UnwindEnd::kTruncated) frames_.push_back(truncated_location());
    if (frames_.empty()) frames_.push_back(location(p.request.pid, p.ip, false));
    builder_.add_sample(builder_.intern_stack(frames_), p.labels, p.values, p.time);
  }
  batch.used = 0;
}

void Converter::submit_unwinds() {
  // The batch before this one is added first (its samples arrived earlier), then this one goes
  // to the worker and the other batch is filled meanwhile. Unwinding is about a fifth of a
  // dwarf sample's cost; the rest (reading, decoding, ordering, building) overlaps it.
  if (in_flight_) {
    unwind_worker_.wait();
    add_unwound(*in_flight_);
    in_flight_ = nullptr;
  }
  if (filling_->used == 0) return;
  in_flight_ = filling_;
  filling_ = filling_ == &batches_[0] ? &batches_[1] : &batches_[0];
  UnwindBatch* batch = in_flight_;
  unwind_worker_.run([this, batch] { unwind_batch(*batch); });
}

model::Result<void> Converter::flush_unwinds() {
  if (in_flight_) {
    unwind_worker_.wait();
    add_unwound(*in_flight_);
    in_flight_ = nullptr;
  }
  if (filling_->used == 0) return {};
  // Few samples since the last flush (a map change): unwound here, no hand-off.
  unwind_batch(*filling_);
  add_unwound(*filling_);
  return {};
}

std::optional<uint64_t> Converter::record_time(const RawRecord& rec, const EventInfo& ev) {
  const EventAttr& a = ev.attr;
  if (!a.has(abi::kSampleTime)) return std::nullopt;
  if (rec.type == abi::kSample) {
    size_t at = 8 * ((a.has(abi::kSampleIdentifier) ? 1 : 0) + (a.has(abi::kSampleIp) ? 1 : 0) +
                     (a.has(abi::kSampleTid) ? 1 : 0));
    if (at + 8 > rec.body.size()) return std::nullopt;  // decode reports the error
    return ByteReader::load<uint64_t>(rec.body, at, rec.order);
  }
  if (!a.sample_id_all()) return std::nullopt;
  auto id = decode_sample_id(rec, a);
  if (!id || !id->has_time) return std::nullopt;
  return id->time;
}

model::MappingId Converter::unknown_kernel_mapping() {
  if (!unknown_kernel_) {
    model::Mapping m;
    m.start = 0;
    m.limit = UINT64_MAX;
    m.file = builder_.intern("[kernel.kallsyms]");
    // The header's build id for the kernel, so symbolization can refuse a different kernel.
    m.build_id = builder_.intern(session_.build_id_of("[kernel.kallsyms]"));
    unknown_kernel_ = builder_.add_mapping(m);
  }
  return unknown_kernel_;
}

model::MappingId Converter::mapping(uint32_t index) {
  if (index >= mapping_ids_.size()) mapping_ids_.resize(session_.map_count());
  if (!mapping_ids_[index]) {
    const MapInfo& info = session_.map(index);
    model::Mapping m;
    m.start = info.start;
    m.limit = info.end;
    m.file_offset = info.pgoff;
    m.file = builder_.intern(info.filename);
    m.build_id = builder_.intern(info.build_id);
    mapping_ids_[index] = builder_.add_mapping(m);
  }
  return mapping_ids_[index];
}

model::LocationId Converter::location(uint32_t pid, uint64_t addr, bool kernel) {
  constexpr uint64_t kKernelOwner = uint64_t{1} << 32;  // no pid (pid -1 included) is this
  const uint64_t owner = kernel ? kKernelOwner : pid;
  uint32_t epoch = kernel_epoch_;
  if (!kernel) {
    epoch = pid_epoch(pid);
  }
  const size_t mask = location_slots_.size() - 1;
  size_t at = fmix64(addr ^ fmix64(owner)) & mask;
  for (; location_slots_[at].id; at = (at + 1) & mask) {
    const LocationSlot& e = location_slots_[at];
    if (e.addr == addr && e.owner == owner && e.epoch == epoch) return e.id;
  }
  model::LocationId id = resolve_location(pid, addr, kernel);
  location_slots_[at] = LocationSlot{addr, owner, epoch, id};
  if (2 * ++location_slots_used_ > location_slots_.size()) {
    std::vector<LocationSlot> grown(location_slots_.size() * 2);
    const size_t gmask = grown.size() - 1;
    for (const LocationSlot& e : location_slots_) {
      if (!e.id) continue;
      size_t j = fmix64(e.addr ^ fmix64(e.owner)) & gmask;
      while (grown[j].id) j = (j + 1) & gmask;
      grown[j] = e;
    }
    location_slots_ = std::move(grown);
  }
  return id;
}

model::LocationId Converter::resolve_location(uint32_t pid, uint64_t addr, bool kernel) {
  uint32_t index = Session::kNoMap;
  // Like perf's thread__find_map: the context decides which maps are searched; a kernel-looking
  // address in user context stays unmapped ([unknown] in perf script).
  index = kernel ? session_.find_kernel(addr) : session_.find_user(pid, addr);
  model::MappingId mid;
  if (index != Session::kNoMap) {
    mid = mapping(index);
  } else if (kernel) {
    mid = unknown_kernel_mapping();
  }
  auto key = std::make_pair(mid.value | (kernel ? 0x80000000u : 0u), addr);
  auto it = locations_.find(key);
  if (it != locations_.end()) return it->second;
  model::Location loc;
  loc.mapping = mid;
  loc.address = addr;
  loc.kind = kernel ? model::FrameKind::kKernel : model::FrameKind::kNormal;
  model::LocationId id = builder_.add_location(std::move(loc));
  locations_.emplace(key, id);
  if (options_.on_first_location && mid) {
    // Once per mapping, once for all kernel mappings.
    if (hinted_.size() <= mid.index()) hinted_.resize(mid.index() + 1);
    if (!hinted_[mid.index()] && !(kernel && kernel_hinted_)) {
      hinted_[mid.index()] = true;
      kernel_hinted_ |= kernel;
      const model::Mapping& m = builder_.peek().mapping(mid);
      options_.on_first_location(
          FirstLocation{builder_.str(m.file), builder_.str(m.build_id), m.start, m.limit, m.file_offset, addr, kernel});
    }
  }
  return id;
}

void Converter::maps_changed(uint32_t pid, bool kernel) {
  if (kernel) {
    ++kernel_epoch_;
  } else {
    ++pid_epoch_[pid];
    last_epoch_pid_ = UINT32_MAX;
  }
  // Slots of old epochs are dead weight; drop them all once they could dominate memory.
  if (slots_used_ > 2 * builder_.sample_count() + 4096) {
    flush_fp_slots();
    std::fill(slots_.begin(), slots_.end(), FpSlot{});
    fp_entries_.clear();
    slots_used_ = 0;
  }
  if (location_slots_used_ > 2 * builder_.peek().locations().size() + 4096) {
    std::fill(location_slots_.begin(), location_slots_.end(), LocationSlot{});
    location_slots_used_ = 0;
  }
}

void Converter::flush_fp_slot(FpSlot& slot) {
  const FpEntry& e = fp_entries_[slot.entry - 1];
  std::fill(values_.begin(), values_.end(), 0);
  values_[0] = slot.count;
  values_[1 + e.ev] = slot.period;
  builder_.add_to_sample(e.sample, values_);
  slot.count = 0;
  slot.period = 0;
}

void Converter::flush_fp_slots() {
  for (FpSlot& slot : slots_) {
    if (slot.entry && slot.count) flush_fp_slot(slot);
  }
}

model::StringId Converter::comm_id(uint32_t tid) {
  if (tid == last_comm_tid_) return last_comm_id_;
  auto it = comm_ids_.find(tid);
  if (it == comm_ids_.end()) it = comm_ids_.emplace(tid, builder_.intern(session_.comm(tid))).first;
  last_comm_tid_ = tid;
  last_comm_id_ = it->second;
  return it->second;
}

model::LabelSetId Converter::labels_for(uint32_t pid, uint32_t tid, uint32_t cpu, model::StringId comm) {
  LabelKey key{pid, tid, cpu, comm.value};
  auto lit = labels_.find(key);
  if (lit != labels_.end()) return lit->second;
  std::vector<model::Label> ls;
  ls.push_back(model::Label{key_pid_, {}, static_cast<int64_t>(pid), {}});
  ls.push_back(model::Label{key_tid_, {}, static_cast<int64_t>(tid), {}});
  ls.push_back(model::Label{key_comm_, comm, 0, {}});
  if (cpu != UINT32_MAX) ls.push_back(model::Label{key_cpu_, {}, static_cast<int64_t>(cpu), {}});
  model::LabelSetId labels = builder_.intern_labels(std::move(ls));
  labels_.emplace(key, labels);
  return labels;
}

std::pair<uint64_t, uint64_t> Converter::fp_key(const ChainHash& chain, uint32_t pid, uint32_t tid, uint32_t cpu,
                                                size_t ev_index, bool kernel) {
  const uint32_t epoch = pid_epoch(pid);
  const uint64_t key[6] = {chain.lo,
                           chain.hi,
                           uint64_t{pid} << 32 | tid,
                           uint64_t{cpu} << 32 | comm_id(tid).value,
                           uint64_t{epoch} << 32 | kernel_epoch_,
                           uint64_t{ev_index} << 1 | (kernel ? 1 : 0)};
  XXH128_hash_t h = XXH3_128bits(key, sizeof key);
  return {h.low64, h.high64};
}

void Converter::look_ahead(const RawRecord& rec) {
  if (rec.type != abi::kSample) return;
  const EventAttr& attr = info_.events[reader_.event_index_for(rec)].attr;
  if (!looks_ahead(attr)) return;
  Ahead& a = ahead_[ahead_put_ % ahead_.size()];
  if (ahead_put_ - ahead_get_ == ahead_.size() || !decode_sample(rec, attr, a.sample)) return;
  ++ahead_put_;
  a.body = rec.body.data();
  a.chain = chain_hash(a.sample.callchain);
  const uint16_t mode = a.sample.misc & abi::kMiscCpumodeMask;
  const bool kernel = mode == abi::kMiscKernel || mode == abi::kMiscGuestKernel || mode == abi::kMiscHypervisor;
  const uint32_t cpu = attr.has(abi::kSampleCpu) ? a.sample.cpu : UINT32_MAX;
  auto [h1, h2] = fp_key(a.chain, a.sample.pid, a.sample.tid, cpu, reader_.event_index_for(rec), kernel);
  __builtin_prefetch(&slots_[h1 & (slots_.size() - 1)]);
}

model::Result<void> Converter::on_fp_sample(size_t ev_index, bool kernel, int64_t t, const ChainHash* chain) {
  const uint32_t pid = sample_->pid, tid = sample_->tid;
  const uint32_t cpu = info_.events[ev_index].attr.has(abi::kSampleCpu) ? sample_->cpu : UINT32_MAX;
  ChainHash own;
  if (!chain) {
    own = chain_hash(sample_->callchain);
    chain = &own;
  }
  auto [h1, h2] = fp_key(*chain, pid, tid, cpu, ev_index, kernel);
  size_t mask = slots_.size() - 1, at = h1 & mask;
  while (slots_[at].entry && (slots_[at].h1 != h1 || slots_[at].h2 != h2)) at = (at + 1) & mask;
  FpSlot& slot = slots_[at];
  if (slot.entry && !options_.keep_timestamps) {
    slot.period += static_cast<int64_t>(sample_->period);  // bounded by the event's checked total
    if (++slot.count == UINT32_MAX) flush_fp_slot(slot);
    return {};
  }
  std::fill(values_.begin(), values_.end(), 0);
  values_[0] = 1;
  values_[1 + ev_index] = static_cast<int64_t>(sample_->period);
  if (slot.entry) {
    const FpEntry& e = fp_entries_[slot.entry - 1];
    builder_.add_sample(e.stack, e.labels, values_, t);
    return {};
  }
  frames_.clear();
  for (uint64_t ip : sample_->callchain) {
    if (ip >= abi::kContextMax) {
      if (ip == abi::kContextKernel || ip == abi::kContextGuestKernel || ip == abi::kContextHv) kernel = true;
      if (ip == abi::kContextUser || ip == abi::kContextGuestUser) kernel = false;
      continue;
    }
    frames_.push_back(location(pid, ip, kernel));
  }
  if (frames_.empty()) frames_.push_back(location(pid, sample_->ip, kernel));
  FpEntry entry{builder_.intern_stack(frames_), labels_for(pid, tid, cpu, comm_id(tid)), static_cast<uint32_t>(ev_index), 0};
  const size_t sample = builder_.add_sample(entry.stack, entry.labels, values_, t);
  if (sample >= UINT32_MAX || fp_entries_.size() >= UINT32_MAX - 1) {
    return std::unexpected(model::Error{model::ErrorCode::kLimit, "more than 4 billion distinct stacks", options_.file_name, -1, -1});
  }
  entry.sample = static_cast<uint32_t>(sample);
  fp_entries_.push_back(entry);
  slot = FpSlot{h1, h2, 0, 0, static_cast<uint32_t>(fp_entries_.size())};
  if (2 * ++slots_used_ > slots_.size()) {
    model::HugeVector<FpSlot> grown(slots_.size() * 2);
    mask = grown.size() - 1;
    for (const FpSlot& e : slots_) {
      if (!e.entry) continue;
      size_t j = e.h1 & mask;
      while (grown[j].entry) j = (j + 1) & mask;
      grown[j] = e;
    }
    slots_ = std::move(grown);
  }
  return {};
}

model::Result<void> Converter::on_sample(const RawRecord& rec) {
  size_t ev_index = reader_.event_index_for(rec);
  const EventInfo& ev = info_.events[ev_index];
  const ChainHash* chain = nullptr;  // the callchain's hash, when look_ahead made it
  if (looks_ahead(ev.attr) && ahead_get_ < ahead_put_ && ahead_[ahead_get_ % ahead_.size()].body == rec.body.data()) {
    Ahead& a = ahead_[ahead_get_++ % ahead_.size()];
    sample_ = &a.sample;
    chain = &a.chain;
  } else {
    if (looks_ahead(ev.attr)) ahead_get_ = ahead_put_;  // out of step (a record it skipped): start over
    sample_ = &decoded_;
    auto ok = decode_sample(rec, ev.attr, decoded_);
    if (!ok) {
      model::Error e = ok.error();
      if (rec.from_compressed) e.message += " (in compressed data)";
      e.offset = rec.from_compressed ? rec.offset : e.offset;
      return std::unexpected(std::move(e).in_file(options_.file_name));
    }
  }
  if (!ev.attr.has(abi::kSamplePeriod)) sample_->period = ev.attr.sample_period_or_freq;
  const uint16_t mode = sample_->misc & abi::kMiscCpumodeMask;
  bool kernel = mode == abi::kMiscKernel || mode == abi::kMiscGuestKernel || mode == abi::kMiscHypervisor;
  frames_.clear();
  // --call-graph dwarf: the kernel records no user callchain; the user part is unwound from the
  // copied registers and stack, after the kernel part (as perf's thread__resolve_callchain).
  const bool dwarf = options_.unwinder && ev.attr.has(abi::kSampleRegsUser) && ev.attr.has(abi::kSampleStackUser) &&
                     sample_->regs_user_abi != 0 && sample_->stack_user_dyn_size > 0;
  const bool lbr_stack = (ev.attr.branch_sample_type & kBranchCallStack) && !sample_->branches.empty();
  auto user_marker = lbr_stack ? std::find(sample_->callchain.begin(), sample_->callchain.end(), abi::kContextUser)
                               : sample_->callchain.end();
  const bool fp = !dwarf && !(lbr_stack && user_marker != sample_->callchain.end()) && !sample_->callchain.empty();
  if (fp) {
    // (the stack is resolved in on_fp_sample, below)
  } else if (lbr_stack && user_marker != sample_->callchain.end()) {
    // --call-graph lbr: the kernel part of the callchain, then the LBR call stack stitched in as
    // perf does it — the first entry's target (where the sample hit), then every entry's source.
    // (A sample with an empty LBR keeps its plain callchain; perf reads past the record there.)
    // A user-mode sample's leaf is its ip, as perf report counts self time: the latest recorded
    // branch may end elsewhere (a syscall entry, a PLT stub) when branches went unrecorded, and
    // a kernel part of its callchain (skid at a kernel entry) is left out.
    const bool user_mode = !kernel;
    for (auto it = user_mode ? user_marker : sample_->callchain.begin(); it != user_marker; ++it) {
      uint64_t ip = *it;
      if (ip >= abi::kContextMax) {
        kernel = ip == abi::kContextKernel || ip == abi::kContextGuestKernel || ip == abi::kContextHv;
        continue;
      }
      frames_.push_back(location(sample_->pid, ip, kernel));
    }
    frames_.push_back(location(sample_->pid, user_mode ? sample_->ip : sample_->branches.front().to, false));
    for (const BranchEntry& b : sample_->branches) frames_.push_back(location(sample_->pid, b.from, false));
  } else if (!sample_->callchain.empty()) {
    for (uint64_t ip : sample_->callchain) {
      if (ip >= abi::kContextMax) {
        if (ip == abi::kContextKernel || ip == abi::kContextGuestKernel || ip == abi::kContextHv) kernel = true;
        if (ip == abi::kContextUser || ip == abi::kContextGuestUser) kernel = false;
        continue;
      }
      if (dwarf && !kernel) continue;  // unwound below
      frames_.push_back(location(sample_->pid, ip, kernel));
    }
  }
  if (dwarf && frames_.empty() && kernel) frames_.push_back(location(sample_->pid, sample_->ip, true));
  if (!dwarf && !fp && frames_.empty()) frames_.push_back(location(sample_->pid, sample_->ip, kernel));

  // Column totals bound every aggregated value (all are >= 0): refusing a total that would
  // overflow keeps the builder's sums defined.
  int64_t new_total = 0;
  if (sample_->period > uint64_t{INT64_MAX} ||
      __builtin_add_overflow(period_per_event_[ev_index], static_cast<int64_t>(sample_->period), &new_total)) {
    return std::unexpected(model::Error{model::ErrorCode::kLimit,
                                        fmt::format("sample period {} makes the {} total overflow 64 bits{}", sample_->period,
                                                    ev.name, rec.from_compressed ? " (in compressed data)" : ""),
                                        options_.file_name, rec.offset, -1});
  }
  int64_t t = (options_.keep_timestamps && ev.attr.has(abi::kSampleTime)) ? static_cast<int64_t>(sample_->time) : 0;
  if (fp) {
    PK_TRY_VOID(on_fp_sample(ev_index, kernel, t, chain));
  } else {
    std::fill(values_.begin(), values_.end(), 0);
    values_[0] = 1;
    values_[1 + ev_index] = static_cast<int64_t>(sample_->period);
    model::LabelSetId labels = labels_for(sample_->pid, sample_->tid, ev.attr.has(abi::kSampleCpu) ? sample_->cpu : UINT32_MAX,
                                          comm_id(sample_->tid));
    if (dwarf) {
      defer_unwind(ev.attr, labels, t, !rec.from_compressed);
      if (filling_->used >= std::max<size_t>(1, options_.unwind_batch)) submit_unwinds();
    } else {
      builder_.add_sample(builder_.intern_stack(frames_), labels, values_, t);
    }
  }

  ++samples_;
  ++samples_per_event_[ev_index];
  period_per_event_[ev_index] = new_total;
  if (ev.attr.has(abi::kSampleTime)) {
    first_time_ = std::min(first_time_, sample_->time);
    last_time_ = std::max(last_time_, sample_->time);
  }
  return {};
}

model::Result<void> Converter::deliver(const RawRecord& rec) {
  auto bad = [&](const model::Error& e) -> model::Result<void> {
    // A malformed non-sample record is survivable: count it, say where the first one was.
    ++undecodable_;
    warn(options_, "perf.bad-record",
         fmt::format("{}: skipped a malformed {} record at offset {}: {}", options_.file_name,
                     abi::record_type_name(rec.type), rec.offset, e.message));
    return {};
  };
  switch (rec.type) {
    case abi::kMmap:
    case abi::kMmap2:
    case abi::kComm:
    case abi::kFork:
    case abi::kExit:
      PK_TRY_VOID(flush_unwinds());  // pending samples still see the maps of their time
      break;
    default: break;
  }
  switch (rec.type) {
    case abi::kSample: return on_sample(rec);
    case abi::kMmap:
    case abi::kMmap2: {
      auto m = decode_mmap(rec);
      if (!m) return bad(m.error());
      session_.on_mmap(*m, rec.misc);
      const uint16_t mode = rec.misc & abi::kMiscCpumodeMask;
      maps_changed(m->pid, m->pid == UINT32_MAX || mode == abi::kMiscKernel || mode == abi::kMiscGuestKernel);
      return {};
    }
    case abi::kComm: {
      auto c = decode_comm(rec);
      if (!c) return bad(c.error());
      session_.on_comm(*c);
      comm_ids_.clear();
      last_comm_tid_ = UINT32_MAX;
      if (c->exec) {  // a new address space
        for (auto& u : unwinders_) u->forget(c->pid);
      }
      return {};
    }
    case abi::kFork:
    case abi::kExit: {
      auto f = decode_fork_exit(rec);
      if (!f) return bad(f.error());
      if (rec.type == abi::kFork) session_.on_fork(*f); else session_.on_exit(*f);
      comm_ids_.clear();
      last_comm_tid_ = UINT32_MAX;
      if (rec.type == abi::kFork) maps_changed(f->pid, false);
      if (rec.type == abi::kExit && f->pid == f->tid) {
        for (auto& u : unwinders_) u->forget(f->pid);
      }
      return {};
    }
    case abi::kLost:
    case abi::kLostSamples: {
      auto l = decode_lost(rec);
      if (!l) return bad(l.error());
      if (rec.type == abi::kLost) {
        lost_events_ += static_cast<int64_t>(l->lost);
        ++lost_records_;
      } else {
        lost_samples_ += static_cast<int64_t>(l->lost);
      }
      return {};
    }
    case abi::kThrottle:
    case abi::kUnthrottle: {
      auto t = decode_throttle(rec);
      if (!t) return bad(t.error());
      if (rec.type == abi::kThrottle) ++throttles_;
      return {};
    }
    case abi::kKsymbol: {
      auto k = decode_ksymbol(rec);
      if (!k) return bad(k.error());
      session_.on_ksymbol(*k);
      maps_changed(0, true);
      return {};
    }
    case abi::kSwitch:
    case abi::kSwitchCpuWide: {
      auto s = decode_switch(rec);
      if (!s) return bad(s.error());
      return {};
    }
    default: return {};
  }
}

void Converter::write_metadata(model::Profile& p) {
  std::vector<std::string> lines;
  auto add = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) lines.push_back(fmt::format("{}: {}", key, value));
  };
  add("perf version", info_.perf_version);
  add("hostname", info_.hostname);
  add("os release", info_.os_release);
  add("arch", info_.arch);
  if (info_.nr_cpus_online || info_.nr_cpus_available) {
    add("nrcpus", fmt::format("{} online, {} available", info_.nr_cpus_online, info_.nr_cpus_available));
  }
  add("cpudesc", info_.cpu_desc);
  if (!info_.cmdline.empty()) add("cmdline", fmt::format("{}", fmt::join(info_.cmdline, " ")));
  add("mode", info_.pipe_mode ? "pipe" : "file");
  if (info_.order == ByteOrder::kSwapped) add("byte order", "swapped (written on the other endianness)");
  std::vector<std::string> events, counts;
  for (size_t i = 0; i < info_.events.size(); ++i) {
    const EventInfo& e = info_.events[i];
    std::string how = e.attr.freq() ? fmt::format("{} Hz", e.attr.sample_period_or_freq)
                                    : fmt::format("period {}", e.attr.sample_period_or_freq);
    events.push_back(fmt::format("{} ({})", e.name, how));
    counts.push_back(fmt::format("{}={}", e.name, samples_per_event_[i]));
  }
  add("events", fmt::format("{}", fmt::join(events, ", ")));
  add("samples", fmt::format("{}", fmt::join(counts, ", ")));
  add("call-graph", call_graph_mode(info_));
  if (int64_t n = unwound_[0] + unwound_[1] + unwound_[2] + unwound_[3]) {
    add("unwound stacks", fmt::format("{}: {} complete, {} truncated by the stack copy, {} broken off, {} unsupported", n,
                                      unwound_[0], unwound_[1], unwound_[2], unwound_[3]));
  }
  if (lost_records_) add("lost", fmt::format("{} events in {} LOST records", lost_events_, lost_records_));
  if (lost_samples_) add("lost samples", fmt::format("{}", lost_samples_));
  if (throttles_) add("throttled", fmt::format("{} times", throttles_));
  if (first_time_ <= last_time_) {
    add("first sample time", seconds(first_time_));
    add("last sample time", seconds(last_time_));
    add("duration", seconds(last_time_ - first_time_));
  }
  if (info_.compression) {
    add("compressed", fmt::format("zstd level {}, {} bytes -> {} bytes", info_.compression->level,
                                  reader_.compressed_bytes_in(), reader_.decompressed_bytes_out()));
  } else if (reader_.compressed_bytes_in() > 0) {
    add("compressed", fmt::format("zstd, {} bytes -> {} bytes", reader_.compressed_bytes_in(), reader_.decompressed_bytes_out()));
  }
  std::vector<std::string> records, unknown;
  for (const auto& [type, n] : reader_.record_counts()) {
    const char* name = abi::record_type_name(type);
    if (*name) {
      records.push_back(fmt::format("{}={}", name, n));
    } else {
      unknown.push_back(fmt::format("type {} x{}", type, n));
    }
  }
  add("records", fmt::format("{}", fmt::join(records, ", ")));
  if (!unknown.empty()) add("unknown records", fmt::format("{}", fmt::join(unknown, ", ")));
  if (undecodable_) add("malformed records", fmt::format("{}", undecodable_));
  if (orderer_.out_of_order()) add("out-of-order records", fmt::format("{}", orderer_.out_of_order()));
  add("build ids", fmt::format("{}", info_.build_ids.size()));
  // "# " marks capture facts for `profkit info`: like pprof, reports hide comments starting
  // with '#', so `top` keeps its compact header.
  for (const std::string& l : lines) p.comments.push_back(builder_.intern("# " + l));
}

model::Result<model::Profile> Converter::run() {
  session_.add_build_ids(info_.build_ids);
  key_pid_ = builder_.intern("pid");
  key_tid_ = builder_.intern("tid");
  key_comm_ = builder_.intern("comm");
  key_cpu_ = builder_.intern("cpu");
  builder_.add_sample_type("samples", "count");
  for (const EventInfo& e : info_.events) {
    builder_.add_sample_type(e.name, period_is_nanoseconds(e.attr) ? "nanoseconds" : "events");
  }
  value_columns_ = builder_.sample_type_count();
  values_.assign(value_columns_, 0);
  samples_per_event_.assign(info_.events.size(), 0);
  period_per_event_.assign(info_.events.size(), 0);

  while (true) {
    auto next = reader_.next();
    if (!next) return std::unexpected(std::move(next.error()));
    if (!*next) break;
    const RawRecord& rec = **next;
    if (rec.type == abi::kFinishedRound) {
      PK_TRY_VOID(orderer_.finished_round());
      continue;
    }
    if (rec.type >= abi::kKernelRecordMax) continue;  // perf tool records: applied by the reader
    if (rec.type == 0 || !*abi::record_type_name(rec.type)) continue;  // unknown kernel record: counted
    const EventInfo& ev = reader_.event_for(rec);
    if (auto t = record_time(rec, ev)) {
      // Top-level records are views into the input, which outlives the parse.
      PK_TRY_VOID(orderer_.push(rec, *t, !rec.from_compressed));
    } else {
      PK_TRY_VOID(deliver(rec));
    }
  }
  PK_TRY_VOID(orderer_.flush_all());
  PK_TRY_VOID(flush_unwinds());
  flush_fp_slots();

  for (const auto& [type, n] : reader_.record_counts()) {
    if (!*abi::record_type_name(type)) {
      warn(options_, "perf.unknown-record", fmt::format("{}: {} records of unknown type {} (skipped)", options_.file_name, n, type));
    }
  }
  if (int64_t truncated = unwound_[static_cast<size_t>(UnwindEnd::kTruncated)]) {
    warn(options_, "perf.unwind-truncated",
         fmt::format("{}: {} of {} user stacks end in [truncated]: the recorded stack copy was too small (record with "
                     "--call-graph dwarf,65528 for deeper stacks)",
                     options_.file_name, truncated, unwound_[0] + unwound_[1] + unwound_[2] + unwound_[3]));
  }
  if (lost_events_ || lost_samples_) {
    warn(options_, "perf.lost",
         fmt::format("{}: perf lost {} events and {} samples while recording", options_.file_name, lost_events_, lost_samples_));
  }

  model::Profile& p = builder_.metadata();
  if (!info_.events.empty()) {
    // The default is the first event that has samples, as perf report shows no table for an
    // empty one (a hybrid CPU's cpu_atom/cycles/ when the work ran on cpu_core).
    size_t first = 0;
    while (first + 1 < info_.events.size() && samples_per_event_[first] == 0) ++first;
    if (samples_per_event_[first] == 0) first = 0;
    const EventInfo& e0 = info_.events[first];
    p.period_type = p.sample_types()[1 + first];
    p.default_sample_type = p.sample_types()[1 + first].type;
    if (!e0.attr.freq()) {
      p.period = static_cast<int64_t>(e0.attr.sample_period_or_freq);
    } else if (samples_per_event_[first] > 0) {
      p.period = period_per_event_[first] / samples_per_event_[first];  // mean period of a frequency-based event
    }
  }
  if (first_time_ <= last_time_) {
    p.duration_nanos = static_cast<int64_t>(last_time_ - first_time_);
    if (info_.clock_data) {
      p.time_nanos = static_cast<int64_t>(info_.clock_data->wall_clock_ns - info_.clock_data->clockid_time_ns + first_time_);
    }
  }
  write_metadata(p);
  p.source_format = "perf.data";
  // pprof shows the first mapping as the profile's binary (File:). Mappings are made in the
  // order frames first needed them, which may be the kernel's or a library's: the first user
  // file mapping the session saw (the executable, as perf lists a process's maps) goes first.
  for (size_t index = 0; index < mapping_ids_.size(); ++index) {
    const MapInfo& info = session_.map(static_cast<uint32_t>(index));
    if (!mapping_ids_[index] || info.kernel || info.filename.empty() || info.filename.front() != '/') continue;
    builder_.make_main_mapping(mapping_ids_[index]);  // (mapping_ids_ is not used any more)
    break;
  }
  auto profile = builder_.finish();
  if (!profile) return std::unexpected(std::move(profile.error()).in_file(options_.file_name));
  return profile;
}

}  // namespace

model::Result<model::Profile> convert_perf_data(std::span<const uint8_t> bytes, const ParseOptions& options) {
  auto reader = PerfReader::open(bytes, options.file_name, options.diagnostics);
  if (!reader) return std::unexpected(std::move(reader.error()));
  if (options.input_is_file_mapping) reader->stream_file_mapping();
  Converter converter(*reader, options);
  return converter.run();
}

}  // namespace profkit::parsers::perf
