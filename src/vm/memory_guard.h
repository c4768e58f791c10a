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
    // [addr, addr+size) inside, and writable if `write`.
    bool holds(u64 addr, u64 size, bool write) const {
      return size <= end - begin && addr - begin <= end - begin - size && (writable || !write);
    }
  };
  virtual ~MemoryGuard() = default;
  // The region holding [addr, addr+size) if the program may read it (and
  // write it, if write); an empty Span otherwise. Executors keep the last
  // one (or two) and test them inline before asking again, within one run and until
  // the program calls a helper or kfunc (which may change the regions).
  virtual Span region_of(u64 addr, u64 size, bool write) const = 0;
  bool allows(u64 addr, u64 size, bool write) const { return region_of(addr, size, write).holds(addr, size, write); }
};

}  // namespace ups::vm
