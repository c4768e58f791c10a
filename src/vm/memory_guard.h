// MemoryGuard: the memory a program may touch outside its live stack
// frames, as the interpreter's CHECKED mode asks before each load, store
// and atomic: a test's RegionSet, or a confined policy's own memory
// (policy/confinement.h). A miss becomes a Trap, never an access. A JIT
// confining a program emits the frame test and the last region's test
// inline and calls region_of() for the rest, as the interpreter does, so
// both executors enforce the same wall.
#pragma once

#include "base/types.h"

namespace ups::vm {

class MemoryGuard {
public:
  // A region: [begin, end), writable or not.
  struct Span {
    u64 begin = 0, end = 0;
    bool writable = false;
    // Stays the guard's for its whole life (a map's values): an executor
    // may keep it across runs and generations.
    bool lasting = false;
    // [addr, addr+size) inside, and writable if `write`.
    bool holds(u64 addr, u64 size, bool write) const {
      return size <= end - begin && addr - begin <= end - begin - size && (writable || !write);
    }
  };
  virtual ~MemoryGuard() = default;
  // The region holding [addr, addr+size) if the program may read it (and
  // write it, if write); an empty Span otherwise. Executors keep the last
  // one (or two) and test them inline before asking again, within one run,
  // for as long as generation() stays the same.
  virtual Span region_of(u64 addr, u64 size, bool write) const = 0;
  // Changes whenever a region may have gone or shrunk (a map element
  // deleted, a cpumask released, a task forgotten). Regions only appear
  // during a helper or kfunc call, and region_of finds new ones, so an
  // executor checks this after each call instead of forgetting what it found.
  virtual u64 generation() const = 0;
  // The two regions a run is likely to touch first (a callback's arguments
  // and its task): a top-level run starts with them as its last regions,
  // so that it need not ask for them. They must be regions region_of would
  // return at the run's start; empty Spans are fine.
  const Span& first_guess(int i) const { return guesses_[i]; }
  bool allows(u64 addr, u64 size, bool write) const { return region_of(addr, size, write).holds(addr, size, write); }

protected:
  Span guesses_[2]{};
};

}  // namespace ups::vm
