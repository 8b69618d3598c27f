#include "parsers/perf/record_orderer.h"

#include <algorithm>

namespace profkit::parsers::perf {

model::Result<void> RecordOrderer::push(const RawRecord& rec, uint64_t time, bool body_stays_valid) {
  if (flushed_any_ && time < last_flushed_) ++out_of_order_;
  Entry e{time, seq_++, kView, rec};
  if (!body_stays_valid) {
    e.at = arena_.size();
    e.header.body = {};
    arena_.insert(arena_.end(), rec.body.begin(), rec.body.end());
  }
  entries_.push_back(e);
  queued_bytes_ += rec.body.size();
  max_time_ = std::max(max_time_, time);
  if (queued_bytes_ > max_bytes_) {
    // Too much queued without a round end: deliver the older half now (perf's "half flush").
    std::vector<uint64_t> times;
    times.reserve(entries_.size());
    for (const Entry& x : entries_) times.push_back(x.time);
    auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
    std::nth_element(times.begin(), mid, times.end());
    return flush_until(*mid);
  }
  return {};
}

model::Result<void> RecordOrderer::finished_round() {
  auto ok = flush_until(next_flush_);
  next_flush_ = max_time_;
  return ok;
}

model::Result<void> RecordOrderer::flush_until(uint64_t limit) {
  if (entries_.empty()) return {};
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  });
  size_t n = 0;
  while (n < entries_.size() && entries_[n].time <= limit) ++n;
  if (n == 0) return {};
  if (look_ahead_) {
    for (size_t i = 0; i < std::min(n, distance_); ++i) look_ahead_(record(i));
  }
  for (size_t i = 0; i < n; ++i) {
    if (look_ahead_ && i + 2 * distance_ < n) {
      // Records come back in time order, long after they were read: start loading the bytes the
      // look-ahead will decode next.
      const RawRecord later = record(i + 2 * distance_);
      for (size_t b = 0; b < later.body.size() && b < 512; b += 64) __builtin_prefetch(later.body.data() + b);
    }
    if (look_ahead_ && i + distance_ < n) look_ahead_(record(i + distance_));
    RawRecord rec = record(i);
    last_flushed_ = std::max(last_flushed_, entries_[i].time);
    flushed_any_ = true;
    auto ok = deliver_(rec);
    if (!ok) return ok;
  }
  // Keep the rest, compacted into a fresh arena.
  std::vector<Entry> rest(entries_.begin() + static_cast<std::ptrdiff_t>(n), entries_.end());
  std::vector<uint8_t> arena;
  queued_bytes_ = 0;
  for (Entry& e : rest) {
    size_t len = e.header.size - 8u;
    queued_bytes_ += len;
    if (e.at == kView) continue;
    size_t at = arena.size();
    arena.insert(arena.end(), arena_.begin() + static_cast<std::ptrdiff_t>(e.at),
                 arena_.begin() + static_cast<std::ptrdiff_t>(e.at + len));
    e.at = at;
  }
  entries_ = std::move(rest);
  arena_ = std::move(arena);
  return {};
}

}  // namespace profkit::parsers::perf
