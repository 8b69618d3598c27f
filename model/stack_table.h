// model/stack_table.h — interned call stacks.
//
// A stack is a sequence of LocationIds, leaf first (as in profile.proto's Sample.location_id).
// Equal sequences get the same StackId; StackId 0 is the empty stack. Frames of all stacks live
// in one flat array, so a stack costs its frames plus one offset, and lookups never allocate.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/grow_array.h"
#include "model/huge_page_allocator.h"
#include "model/ids.h"

namespace profkit::model {

class StackTable {
 public:
  StackTable();
  StackTable(const StackTable& other);
  StackTable& operator=(const StackTable& other);
  StackTable(StackTable&& other) noexcept;
  StackTable& operator=(StackTable&& other) noexcept;

  // Returns the id of `leaf_first`, adding it if new. The empty span is StackId{}.
  StackId intern(std::span<const LocationId> leaf_first);
  // Frames of `id`, leaf first. Valid until the next intern().
  std::span<const LocationId> frames(StackId id) const { return span_of(id.value); }
  size_t size() const { return offsets_.size() - 1; }  // number of stacks, the empty one included

 private:
  static uint64_t hash(std::span<const LocationId> frames);
  void rebuild_index();
  std::span<const LocationId> span_of(uint32_t stack) const {
    return {frames_.data() + offsets_[stack], frames_.data() + offsets_[stack + 1]};
  }

  GrowArray<LocationId> frames_;
  GrowArray<uint32_t> offsets_;  // stack s spans frames_[offsets_[s], offsets_[s+1]); s == StackId.value
  // Open addressing, linear probing: a slot holds the high half of the stack's hash over stack + 1
  // (0 = empty), so a probe rarely looks further; the size a power of two kept at most half
  // full. hashes_ caches each stack's hash, so growth never rehashes frames. Both are empty and stale_ is set after a copy or move (a finished Profile is moved
  // several times and rarely interns again); the next intern() rebuilds them.
  static constexpr uint64_t kTagMask = 0xFFFFFFFF00000000ULL;
  static uint64_t slot_of(uint64_t hash, uint32_t stack) { return (hash & kTagMask) | (uint64_t{stack} + 1); }
  HugeVector<uint64_t> slots_;
  GrowArray<uint64_t> hashes_;
  bool stale_ = false;
};

}  // namespace profkit::model
