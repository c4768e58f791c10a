// Sandbox: the one stretch of address space that holds everything a
// confined policy's programs may touch (its maps' values, stacks, argument
// arrays, task mirrors), so that the second wall (confinement.h) is a
// single range test per access instead of a search among regions, as
// WebAssembly runtimes and SafeBPF bound a module to its linear memory.
//
// Layout: 4 GiB mapped at creation, private and lazily populated (address
// space only until touched), around a middle point M:
//   [M - read-only granule, M)   memory the program may only read (.rodata,
//                                the callbacks' arguments), allocated
//                                downwards from M; the host fills it;
//   [M, M + writable granule)    memory the program may write too,
//                                allocated upwards from M.
// A load is allowed in both, a store only in the second: each a single
// test, addr - base < len (vm::MemoryGuard::SandboxSpan). A granule is what
// is allocated on its side rounded up to 16 MiB, so a stray access far
// from the policy's memory traps, while allocations seldom move the bounds.
// Neither test looks at the access's size: the mapping goes on past
// M + writable granule, so an access of up to 8 bytes that starts inside
// ends inside the mapping. Inside the bounds a stray access reaches only
// the policy's own memory or zeros nothing else uses, never the host's.
//
// Allocation is host-side bookkeeping only (nothing a program can write
// steers it): a bump pointer per side, and freed blocks reused by size.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "bpf/maps/value_memory.h"
#include "vm/memory_guard.h"

namespace ups::policy {

class Sandbox final : public bpf::ValueMemory {
public:
  static constexpr u64 kSideBytes = u64{1} << 31;  // each side's most
  static constexpr u64 kGranule = u64{16} << 20;
  static constexpr u64 kPage = 4096;

  // Null when the address space cannot be had.
  static std::shared_ptr<Sandbox> create();
  ~Sandbox() override;
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  u8* allocate(std::size_t bytes, bool policy_writable) override;
  void release(u8* p, std::size_t bytes) override;
  // An executor's stack (writable, `bytes`), kept until the sandbox goes;
  // null when the writable side is full.
  u8* stack(std::size_t bytes) { return allocate(bytes, true); }

  // The bounds the executors test, kept current as allocations grow (the
  // guard hands out this address: MemoryGuard::sandbox()).
  const vm::MemoryGuard::SandboxSpan& span() const { return span_; }
  // Bytes allocated and not released.
  std::size_t bytes_in_use() const;

private:
  explicit Sandbox(u8* mapping);
  struct Side {
    u64 used = 0;  // bytes from M, allocated or freed
    std::unordered_map<std::size_t, std::vector<u8*>> free;  // by rounded size
  };
  static std::size_t rounded(std::size_t bytes);
  void update_span();

  u8* mapping_;
  u8* middle_;
  mutable std::mutex mu_;
  Side writable_, read_only_;
  std::size_t in_use_ = 0;
  vm::MemoryGuard::SandboxSpan span_{};
};

// A guard of a sandbox alone, nothing outside it: what benchmarks and tests
// confine a program with when its memory comes from a sandbox, as a
// confined policy's does (PolicyMemory adds the policy's other regions).
class SandboxGuard final : public vm::MemoryGuard {
public:
  explicit SandboxGuard(std::shared_ptr<Sandbox> sandbox) : owner_(std::move(sandbox)) { sandbox_ = &owner_->span(); }
  Span region_of(u64 addr, u64 size, bool write) const override { return sandbox().region(addr, size, write); }
  u64 generation() const override { return 0; }
  u8* stack_memory(std::size_t bytes) const override { return owner_->stack(bytes); }

private:
  std::shared_ptr<Sandbox> owner_;
};

}  // namespace ups::policy
