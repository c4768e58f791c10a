// StepObserver: what the interpreter's CHECKED mode calls before each
// instruction, with its registers. Returning false stops the run with a
// TrapKind::observer trap. The verifier's soundness oracle checks the
// verifier's per-instruction claims this way; the fast path never calls it.
#pragma once

#include "base/types.h"

namespace ups::vm {

class StepObserver {
public:
  virtual ~StepObserver() = default;
  // regs: r0-r10 of the running frame; pc: the instruction's slot index.
  virtual bool before(u32 pc, const u64* regs) = 0;
};

}  // namespace ups::vm
