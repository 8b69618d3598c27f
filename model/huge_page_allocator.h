// model/huge_page_allocator.h — an allocator for the big hash tables of the hot paths.
//
// Aggregating a large capture probes tables of tens of megabytes at random; with 4 KiB pages
// nearly every probe also misses the TLB. Blocks of 4 MiB and more are mapped directly and
// marked MADV_HUGEPAGE (Linux's transparent huge pages in "madvise" mode, the common default),
// which removes most of those misses; smaller blocks come from the usual heap. Where huge pages
// are unavailable the advice is ignored and the block behaves as any other.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace profkit::model {

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    if (bytes < kDirect) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    // Map one huge page more and trim, so the block starts on a huge-page boundary.
    const size_t size = round_up(bytes);
    void* raw = mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHuge - 1) / kHuge * kHuge;
    if (aligned > start) munmap(raw, aligned - start);
    if (const size_t tail = start + size + kHuge - (aligned + size)) munmap(reinterpret_cast<void*>(aligned + size), tail);
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
#endif
    return reinterpret_cast<T*>(aligned);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kDirect) {
      ::operator delete(p, std::align_val_t{alignof(T)});
    } else {
      munmap(p, round_up(bytes));
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static constexpr size_t kDirect = size_t{4} << 20;
  static constexpr size_t kHuge = size_t{2} << 20;
  static size_t round_up(size_t bytes) { return (bytes + kHuge - 1) / kHuge * kHuge; }
};

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace profkit::model
