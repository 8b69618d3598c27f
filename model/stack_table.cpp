#include "model/stack_table.h"

#include <algorithm>

namespace profkit::model {

namespace {
// Sentinel "stack number" naming the candidate appended at the tail of frames_ during lookup.
constexpr uint32_t kProbe = UINT32_MAX;
}  // namespace

size_t StackTable::Hash::operator()(uint32_t stack) const {
  std::span<const LocationId> f;
  if (stack == kProbe) {
    f = {table->frames_.data() + table->offsets_.back(), table->frames_.data() + table->frames_.size()};
  } else {
    f = table->span_of(stack);
  }
  uint64_t h = 0xcbf29ce484222325ULL ^ f.size();
  for (LocationId l : f) {
    h ^= l.value;
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h);
}

bool StackTable::Equal::operator()(uint32_t a, uint32_t b) const {
  auto get = [this](uint32_t s) -> std::span<const LocationId> {
    if (s == kProbe) {
      return {table->frames_.data() + table->offsets_.back(), table->frames_.data() + table->frames_.size()};
    }
    return table->span_of(s);
  };
  auto fa = get(a), fb = get(b);
  return std::equal(fa.begin(), fa.end(), fb.begin(), fb.end());
}

StackTable::StackTable() : offsets_{0, 0}, index_(16, Hash{this}, Equal{this}) { index_.insert(0); }

// Copies and moves leave the index empty and stale: a finished Profile is moved several times
// and never interns again, so the index is rebuilt only if intern() is called afterwards.
StackTable::StackTable(const StackTable& other)
    : frames_(other.frames_), offsets_(other.offsets_), index_(16, Hash{this}, Equal{this}), stale_(true) {}

StackTable& StackTable::operator=(const StackTable& other) {
  if (this != &other) {
    frames_ = other.frames_;
    offsets_ = other.offsets_;
    index_ = std::unordered_set<uint32_t, Hash, Equal>(16, Hash{this}, Equal{this});
    stale_ = true;
  }
  return *this;
}

StackTable::StackTable(StackTable&& other) noexcept
    : frames_(std::move(other.frames_)), offsets_(std::move(other.offsets_)), index_(16, Hash{this}, Equal{this}), stale_(true) {
  other.offsets_ = {0, 0};
  other.rebuild_index();
}

StackTable& StackTable::operator=(StackTable&& other) noexcept {
  if (this != &other) {
    frames_ = std::move(other.frames_);
    offsets_ = std::move(other.offsets_);
    index_ = std::unordered_set<uint32_t, Hash, Equal>(16, Hash{this}, Equal{this});
    stale_ = true;
    other.frames_.clear();
    other.offsets_ = {0, 0};
    other.rebuild_index();
  }
  return *this;
}

void StackTable::rebuild_index() {
  index_ = std::unordered_set<uint32_t, Hash, Equal>(offsets_.size() * 2, Hash{this}, Equal{this});
  for (uint32_t s = 0; s + 1 < offsets_.size(); ++s) index_.insert(s);
  stale_ = false;
}

StackId StackTable::intern(std::span<const LocationId> leaf_first) {
  if (leaf_first.empty()) return StackId{};
  if (stale_) rebuild_index();
  // Append the candidate as a probe; keep it if new, drop it if already known.
  frames_.insert(frames_.end(), leaf_first.begin(), leaf_first.end());
  if (auto it = index_.find(kProbe); it != index_.end()) {
    frames_.resize(offsets_.back());
    return StackId(*it);
  }
  uint32_t id = static_cast<uint32_t>(offsets_.size() - 1);
  offsets_.push_back(static_cast<uint32_t>(frames_.size()));
  index_.insert(id);
  return StackId(id);
}

std::span<const LocationId> StackTable::frames(StackId id) const { return span_of(id.value); }

}  // namespace profkit::model
