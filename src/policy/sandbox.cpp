// Sandbox (sandbox.h): the mapping and its allocator.
#include "policy/sandbox.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace ups::policy {

namespace {
// Blocks this large are page aligned, and given back to the kernel when
// released (MADV_DONTNEED leaves zero pages behind).
constexpr std::size_t kLargeBlock = 64 * 1024;
// Both sides, and a page past the writable side's end for an access that
// starts just below it.
constexpr u64 kMappingBytes = 2 * Sandbox::kSideBytes + Sandbox::kPage;
}  // namespace

std::shared_ptr<Sandbox> Sandbox::create() {
  void* m = ::mmap(nullptr, kMappingBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  return std::shared_ptr<Sandbox>(new Sandbox(static_cast<u8*>(m)));
}

Sandbox::Sandbox(u8* mapping) : mapping_(mapping), middle_(mapping + kSideBytes) { update_span(); }

Sandbox::~Sandbox() { ::munmap(mapping_, kMappingBytes); }

std::size_t Sandbox::rounded(std::size_t bytes) {
  if (bytes == 0) bytes = 16;
  if (bytes >= kPage) return (bytes + kPage - 1) & ~(kPage - 1);
  return (bytes + 15) & ~std::size_t{15};
}

void Sandbox::update_span() {
  auto granule = [](u64 used) { return std::min(std::max<u64>((used + kGranule - 1) & ~(kGranule - 1), kGranule), kSideBytes - kPage); };
  const u64 m = reinterpret_cast<u64>(middle_);
  const u64 ro = granule(read_only_.used), w = granule(writable_.used);
  span_ = vm::MemoryGuard::SandboxSpan{m - ro, ro + w, m, w};
}

u8* Sandbox::allocate(std::size_t bytes, bool policy_writable) {
  const std::size_t n = rounded(bytes);
  std::lock_guard lock(mu_);
  Side& side = policy_writable ? writable_ : read_only_;
  if (auto it = side.free.find(n); it != side.free.end() && !it->second.empty()) {
    u8* p = it->second.back();
    it->second.pop_back();
    // A large block went back to the kernel when released: zero already.
    if (n < kLargeBlock) std::memset(p, 0, n);
    in_use_ += n;
    return p;
  }
  // Writable blocks go up from M, read-only ones down; large ones are page
  // aligned (M is).
  u64 start = side.used;
  if (n >= kPage) start = (start + kPage - 1) & ~(kPage - 1);
  if (start + n > kSideBytes - kPage) return nullptr;
  side.used = start + n;
  in_use_ += n;
  update_span();
  return policy_writable ? middle_ + start : middle_ - start - n;  // never handed out before: zero
}

void Sandbox::release(u8* p, std::size_t bytes) {
  const std::size_t n = rounded(bytes);
  if (n >= kLargeBlock) ::madvise(p, n, MADV_DONTNEED);
  std::lock_guard lock(mu_);
  (p >= middle_ ? writable_ : read_only_).free[n].push_back(p);
  in_use_ -= n;
}

std::size_t Sandbox::bytes_in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

}  // namespace ups::policy
