// Replaces the global operator new for the test binary to record the largest
// single request, so tests can assert that a header claiming 2^31 images does
// not make the reader allocate gigabytes.
#include <atomic>
#include <cstdlib>
#include <new>

#include "helpers.hpp"

namespace {
std::atomic<std::size_t> g_max{0};

void* counted_alloc(std::size_t n) {
  std::size_t cur = g_max.load(std::memory_order_relaxed);
  while (n > cur && !g_max.compare_exchange_weak(cur, n, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): a
// sanitizer's own nothrow new would otherwise be released by the free() below.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace lrb::data::test {
void reset_max_allocation() { g_max.store(0); }
std::size_t max_allocation() { return g_max.load(); }
}  // namespace lrb::data::test
