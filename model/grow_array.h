// model/grow_array.h — an append-only array of plain values that grows without copying.
//
// Big append-only arrays (the frames of every interned stack) grow by doubling; std::vector
// copies on every doubling and touches twice the final memory. This one grows with realloc,
// which for large blocks (glibc maps them directly) remaps the pages instead of copying them,
// and advises transparent huge pages for large blocks, as model/huge_page_allocator.h does.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <type_traits>
#include <utility>

namespace profkit::model {

template <class T>
class GrowArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  GrowArray() = default;
  GrowArray(std::initializer_list<T> init) { append(init.begin(), init.size()); }
  GrowArray(const GrowArray& other) { append(other.data_, other.size_); }
  GrowArray(GrowArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), cap_(std::exchange(other.cap_, 0)) {}
  GrowArray& operator=(const GrowArray& other) {
    if (this != &other) {
      size_ = 0;
      append(other.data_, other.size_);
    }
    return *this;
  }
  GrowArray& operator=(GrowArray&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      cap_ = std::exchange(other.cap_, 0);
    }
    return *this;
  }
  GrowArray& operator=(std::initializer_list<T> init) {
    size_ = 0;
    append(init.begin(), init.size());
    return *this;
  }
  ~GrowArray() { std::free(data_); }

  void push_back(const T& v) {
    if (size_ == cap_) grow(size_ + 1);
    data_[size_++] = v;
  }
  void append(const T* values, size_t n) {
    if (n == 0) return;
    if (n > cap_ - size_) grow(size_ + n);
    std::memcpy(static_cast<void*>(data_ + size_), values, n * sizeof(T));
    size_ += n;
  }
  // New elements are value-initialized (zero).
  void resize(size_t n) {
    if (n > cap_) grow(n);
    if (n > size_) std::memset(static_cast<void*>(data_ + size_), 0, (n - size_) * sizeof(T));
    size_ = n;
  }
  void clear() { size_ = 0; }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  void grow(size_t need) {
    size_t cap = cap_ < 16 ? 16 : cap_ * 2;
    if (cap < need) cap = need;
    if (cap > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    void* p = std::realloc(static_cast<void*>(data_), cap * sizeof(T));
    if (!p) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
    cap_ = cap;
#ifdef MADV_HUGEPAGE
    constexpr size_t kLarge = size_t{4} << 20, kPage = 4096;
    if (cap * sizeof(T) >= kLarge) {
      const uintptr_t from = (reinterpret_cast<uintptr_t>(p) + kPage - 1) / kPage * kPage;
      const uintptr_t to = (reinterpret_cast<uintptr_t>(p) + cap * sizeof(T)) / kPage * kPage;
      if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
    }
#endif
  }

  T* data_ = nullptr;
  size_t size_ = 0, cap_ = 0;
};

}  // namespace profkit::model
