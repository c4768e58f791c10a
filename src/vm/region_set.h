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
    regions_.push_back(Region{b, b + size, writable});
  }
  void clear() { regions_.clear(); }
  size_t size() const { return regions_.size(); }

  // [addr, addr+size) lies inside one region, and that region is writable
  // if `write`.
  bool allows(u64 addr, u64 size, bool write) const override {
    for (const Region& r : regions_) {
      if (addr >= r.begin && size <= r.end - r.begin && addr - r.begin <= (r.end - r.begin) - size)
        return r.writable || !write;
    }
    return false;
  }

private:
  struct Region {
    u64 begin;
    u64 end;
    bool writable;
  };
  std::vector<Region> regions_;
};

}  // namespace ups::vm
