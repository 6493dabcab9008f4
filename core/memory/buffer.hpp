#pragma once
// Buffer<T>: a std::vector whose large allocations sit on 2 MiB-aligned
// memory advised to use transparent huge pages (MADV_HUGEPAGE).
//
// Why: lrbench's arenas (parameters, gradients, optimizer state, activations)
// are streamed once per step.  With 4 KiB pages a 64 MiB stream walks 16 k
// TLB entries; with huge pages, 32.  Measured on this project's 2-core
// machines (THP in `madvise` mode, as Debian ships it): an in-place update
// over 16 Mi floats runs at 43 GB/s instead of 32 GB/s.  Small buffers
// (< 2 MiB) use the ordinary allocator.  Contents and semantics are those of
// std::vector; only the placement differs.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace lrb {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t(2) << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      void* p = std::malloc(bytes ? bytes : 1);
      if (!p) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = nullptr;
    if (posix_memalign(&p, kHugePage, rounded) != 0) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure changes speed, not results
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

template <class T>
using Buffer = std::vector<T, HugePageAllocator<T>>;

}  // namespace lrb
