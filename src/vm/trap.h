// Trap and RunResult: how a program run ends. A trap is a run-time fault
// that stops the program at once (CHECKED-mode bad access, call depth,
// back-edge budget, an extern asking to abort); the host turns it into an
// exit report. It names the instruction, so it can be disassembled.
#pragma once

#include <string>

#include "base/types.h"

namespace ups::vm {

enum class TrapKind : u8 {
  none,
  out_of_bounds,  // CHECKED mode: access outside every registered region
  call_depth,     // more than kMaxCallDepth frames
  budget,         // back-edge budget exhausted (a loop ran too long)
  aborted,        // a helper or kfunc set CallContext::abort
  bad_call,       // callx to an id that is no registered helper
  observer,       // CHECKED mode: the StepObserver stopped the run
};

struct Trap {
  TrapKind kind = TrapKind::none;
  u32 pc = 0;         // slot index of the faulting instruction
  u64 addr = 0;       // out_of_bounds: the address; bad_call: the id
  u8 size = 0;        // out_of_bounds: bytes accessed
  bool write = false; // out_of_bounds: a store or atomic

  // "instruction 7: out-of-bounds write of 8 bytes at 0x7ffc..."
  std::string to_string() const;
};

struct RunResult {
  u64 r0 = 0;
  Trap trap;
  u64 executed = 0;  // instructions executed (CHECKED mode only; 0 otherwise)
  bool ok() const { return trap.kind == TrapKind::none; }
};

}  // namespace ups::vm
