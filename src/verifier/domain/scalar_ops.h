// Transfer functions of the Scalar domain: ALU operations (RFC 9669 §4
// semantics, including division by zero and signed-division overflow) and
// the refinement a conditional jump gives each branch.
#pragma once

#include "base/types.h"
#include "verifier/domain/scalar.h"

namespace ups::verifier {

// The concrete result of an ALU operation (`op` is the high nibble of the
// opcode, e.g. bpf::op::ADD; `off` selects sdiv/smod (1) and movsx (8/16/32)).
// `imm_end` is the width of an END operation; `to_be` its direction.
u64 alu_concrete(u8 op, bool is64, u64 dst, u64 src, s16 off, bool to_be = false);

// The abstract result of `dst = dst op src`.
Scalar alu_abstract(u8 op, bool is64, const Scalar& dst, const Scalar& src, s16 off,
                    bool to_be = false);

// The concrete outcome of a jump condition (`op` the high nibble, e.g. JGT).
bool cond_concrete(u8 op, bool is32, u64 a, u64 b);

// Narrows a and b to the values for which `a op b` is `taken`. Returns false
// when no such values exist (the branch is dead).
bool refine_cond(u8 op, bool is32, bool taken, Scalar& a, Scalar& b);

}  // namespace ups::verifier
