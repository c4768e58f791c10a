// RegionSet: a fixed list of regions a program may touch in CHECKED mode
// (context, map values, the caller's buffers; the executor adds its own
// stack frames): the MemoryGuard of tests and benchmarks. The verifier's
// differential soundness tests run accepted programs this way.
#pragma once

#include <cstddef>
#include <vector>

#include "base/types.h"
#include "vm/memory_guard.h"

namespace ups::vm {

class RegionSet final : public MemoryGuard {
public:
  void add(const void* ptr, size_t size, bool writable) {
    const u64 b = reinterpret_cast<u64>(ptr);
    regions_.push_back(Span{b, b + size, writable});
  }
  void clear() {
    regions_.clear();
    ++generation_;
  }
  size_t size() const { return regions_.size(); }

  // The region holding [addr, addr+size), writable if `write`.
  Span region_of(u64 addr, u64 size, bool write) const override {
    for (const Span& r : regions_)
      if (r.holds(addr, size, false)) return r.writable || !write ? r : Span{};
    return {};
  }
  u64 generation() const override { return generation_; }

private:
  std::vector<Span> regions_;
  u64 generation_ = 0;
};

}  // namespace ups::vm
