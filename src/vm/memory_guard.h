// MemoryGuard: the memory a program may touch outside its live stack
// frames, as the interpreter's CHECKED mode asks before each load, store
// and atomic: a test's RegionSet, or a confined policy's own memory
// (policy/confinement.h). A miss becomes a Trap, never an access. A JIT
// confining a program emits the frame test and the last region's test
// inline and calls region_of() for the rest, as the interpreter does, so
// both executors enforce the same wall.
#pragma once

#include <cstddef>

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
  // A confined policy's sandbox (policy/sandbox.h), tested inline before
  // any region: a load is allowed when addr - read_base < read_len, a store
  // when addr - write_base < write_len. Empty (both lengths 0) for a guard
  // without one. The sandbox's mapping goes on far enough past both ends
  // that an access of up to 8 bytes that starts inside ends inside it.
  struct SandboxSpan {
    u64 read_base = 0, read_len = 0, write_base = 0, write_len = 0;
    // An access of at most 8 bytes (a load or store instruction's).
    bool holds(u64 addr, bool write) const {
      return write ? addr - write_base < write_len : addr - read_base < read_len;
    }
    // [addr, addr + size) inside (a helper's buffer).
    bool holds(u64 addr, u64 size, bool write) const {
      const u64 base = write ? write_base : read_base, len = write ? write_len : read_len;
      return len != 0 && size <= len && addr - base <= len - size;
    }
    // The part that holds [addr, addr + size) as a region (region_of's
    // answer), or an empty one.
    Span region(u64 addr, u64 size, bool write) const {
      if (!holds(addr, size, write)) return {};
      const u64 base = write ? write_base : read_base;
      return Span{base, base + (write ? write_len : read_len), write, false};
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
  bool allows(u64 addr, u64 size, bool write) const {
    return sandbox().holds(addr, size, write) || region_of(addr, size, write).holds(addr, size, write);
  }
  // The sandbox as it is now (it grows as the policy allocates).
  SandboxSpan sandbox() const { return sandbox_ ? *sandbox_ : SandboxSpan{}; }
  // Memory for an executor's stack (`bytes`, 16-byte aligned) that is the
  // guard's own, so that stack accesses pass the sandbox test; null: the
  // executor keeps its own. Lives as long as the guard.
  virtual u8* stack_memory(std::size_t /*bytes*/) const { return nullptr; }

protected:
  Span guesses_[2]{};
  const SandboxSpan* sandbox_ = nullptr;  // the sandbox's own, kept current by it
};

}  // namespace ups::vm
