// parsers/perf/record_orderer.h — delivers kernel records in timestamp order, as perf does.
//
// Each CPU's ring buffer is written in order, but perf.data interleaves the buffers. perf writes
// a FINISHED_ROUND record after each pass over all buffers; everything older than the newest
// timestamp of the previous round is then safe to deliver. The orderer queues records until a
// round ends (memory bounded by two rounds, and by a cap after which the older half is delivered
// early), then hands them out sorted by (time, arrival). A record whose bytes outlive the queue
// (a view into the mapped file) is queued as a view; others are copied into an arena.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/error.h"
#include "parsers/perf/records.h"

namespace profkit::parsers::perf {

class RecordOrderer {
 public:
  using Deliver = std::function<model::Result<void>(const RawRecord&)>;
  explicit RecordOrderer(Deliver deliver, size_t max_queued_bytes = size_t{512} << 20)
      : deliver_(std::move(deliver)), max_bytes_(max_queued_bytes) {}

  // Queues `rec`, stamped `time` (perf clock ns): as a view when `body_stays_valid` (its bytes
  // live until the orderer is done), else as a copy.
  model::Result<void> push(const RawRecord& rec, uint64_t time, bool body_stays_valid = false);
  // FINISHED_ROUND: delivers what is older than the previous round's newest record.
  model::Result<void> finished_round();
  // End of data: delivers everything.
  model::Result<void> flush_all() { return flush_until(UINT64_MAX); }

  int64_t out_of_order() const { return out_of_order_; }  // records older than an earlier flush

  // While delivering, also shows each record `distance` records before its delivery (within one
  // flush), so the receiver can start loading what it will need for it.
  using LookAhead = std::function<void(const RawRecord&)>;
  void set_look_ahead(LookAhead look_ahead, size_t distance) {
    look_ahead_ = std::move(look_ahead);
    distance_ = distance;
  }

 private:
  struct Entry {
    uint64_t time;
    uint64_t seq;
    size_t at;  // body offset in arena_, kView when header.body is a view
    RawRecord header;
  };
  model::Result<void> flush_until(uint64_t limit);
  RawRecord record(size_t i) const {
    RawRecord rec = entries_[i].header;
    if (entries_[i].at != kView) rec.body = std::span<const uint8_t>(arena_).subspan(entries_[i].at, rec.size - 8u);
    return rec;
  }

  Deliver deliver_;
  LookAhead look_ahead_;
  size_t distance_ = 0;
  size_t max_bytes_;
  std::vector<Entry> entries_;
  static constexpr size_t kView = SIZE_MAX;
  std::vector<uint8_t> arena_;
  size_t queued_bytes_ = 0;  // bodies queued, views and copies
  uint64_t seq_ = 0;
  uint64_t max_time_ = 0;      // newest time queued so far
  uint64_t next_flush_ = 0;    // round boundary: deliver records with time <= this at FINISHED_ROUND
  uint64_t last_flushed_ = 0;  // newest time delivered
  bool flushed_any_ = false;
  int64_t out_of_order_ = 0;
};

}  // namespace profkit::parsers::perf
