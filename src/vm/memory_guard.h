// MemoryGuard: the memory a program may touch outside its live stack
// frames, as the interpreter's CHECKED mode asks before each load, store
// and atomic: a test's RegionSet, or a confined policy's own memory
// (policy/confinement.h). A miss becomes a Trap, never an access. A JIT
// confining a program emits the frame test inline and calls allows() for
// the rest, so both executors enforce the same wall.
#pragma once

#include "base/types.h"

namespace ups::vm {

class MemoryGuard {
public:
  virtual ~MemoryGuard() = default;
  // [addr, addr+size) is memory the program may read (and write, if write).
  virtual bool allows(u64 addr, u64 size, bool write) const = 0;
};

}  // namespace ups::vm
