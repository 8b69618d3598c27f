#include "model/stack_table.h"

#include <algorithm>
#include <cstring>

namespace profkit::model {

uint64_t StackTable::hash(std::span<const LocationId> frames) {
  uint64_t h = 0x9E3779B97F4A7C15ULL * (frames.size() + 1);
  const LocationId* f = frames.data();
  size_t n = frames.size(), i = 0;
  for (; i + 2 <= n; i += 2) {
    uint64_t pair = uint64_t{f[i].value} | uint64_t{f[i + 1].value} << 32;
    h = (h ^ pair) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  }
  if (i < n) {
    h = (h ^ f[i].value) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  }
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 32);
}

StackTable::StackTable() : offsets_{0, 0} { rebuild_index(); }

StackTable::StackTable(const StackTable& other) : frames_(other.frames_), offsets_(other.offsets_), stale_(true) {}

StackTable& StackTable::operator=(const StackTable& other) {
  if (this != &other) {
    frames_ = other.frames_;
    offsets_ = other.offsets_;
    slots_.clear();
    hashes_.clear();
    stale_ = true;
  }
  return *this;
}

StackTable::StackTable(StackTable&& other) noexcept
    : frames_(std::move(other.frames_)), offsets_(std::move(other.offsets_)), stale_(true) {
  other.frames_.clear();
  other.offsets_ = {0, 0};
  other.slots_.clear();
  other.hashes_.clear();
  other.stale_ = true;
}

StackTable& StackTable::operator=(StackTable&& other) noexcept {
  if (this != &other) {
    frames_ = std::move(other.frames_);
    offsets_ = std::move(other.offsets_);
    slots_.clear();
    hashes_.clear();
    stale_ = true;
    other.frames_.clear();
    other.offsets_ = {0, 0};
    other.slots_.clear();
    other.hashes_.clear();
    other.stale_ = true;
  }
  return *this;
}

void StackTable::rebuild_index() {
  const size_t stacks = offsets_.size() - 1;
  hashes_.resize(stacks);
  for (size_t s = 0; s < stacks; ++s) hashes_[s] = hash(span_of(static_cast<uint32_t>(s)));
  size_t cap = 16;
  while (cap < 2 * stacks) cap *= 2;
  slots_.assign(cap, 0);
  // Stack 0 (empty) is never looked up through the index: intern() answers the empty span first.
  for (uint32_t s = 1; s < stacks; ++s) {
    size_t i = hashes_[s] & (cap - 1);
    while (slots_[i] != 0) i = (i + 1) & (cap - 1);
    slots_[i] = slot_of(hashes_[s], s);
  }
  stale_ = false;
}

StackId StackTable::intern(std::span<const LocationId> leaf_first) {
  if (leaf_first.empty()) return StackId{};
  if (stale_) rebuild_index();
  const uint64_t h = hash(leaf_first);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  const uint64_t tag = h & kTagMask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    if ((slots_[i] & kTagMask) != tag) continue;
    const uint32_t s = static_cast<uint32_t>(slots_[i]) - 1;
    std::span<const LocationId> f = span_of(s);
    if (f.size() == leaf_first.size() &&
        std::memcmp(f.data(), leaf_first.data(), f.size() * sizeof(LocationId)) == 0) {
      return StackId(s);
    }
  }
  const uint32_t id = static_cast<uint32_t>(offsets_.size() - 1);
  frames_.append(leaf_first.data(), leaf_first.size());
  offsets_.push_back(static_cast<uint32_t>(frames_.size()));
  hashes_.push_back(h);
  slots_[i] = slot_of(h, id);
  if (2 * (hashes_.size()) > slots_.size()) {
    HugeVector<uint64_t> grown(slots_.size() * 2, 0);
    const size_t gmask = grown.size() - 1;
    for (uint64_t slot : slots_) {
      if (slot == 0) continue;
      size_t j = hashes_[static_cast<uint32_t>(slot) - 1] & gmask;
      while (grown[j] != 0) j = (j + 1) & gmask;
      grown[j] = slot;
    }
    slots_ = std::move(grown);
  }
  return StackId(id);
}

}  // namespace profkit::model
