// The interpreter's pre-decoded instruction set. Each RFC 9669 instruction
// is specialised at prepare time by width and operand kind (add64_imm,
// jgt32_reg, ldx16, ...) so the dispatch loop does one indirect jump and no
// decoding per instruction. The X-macros keep the enum and the label table
// of the interpreter in the same order.
#pragma once

#include "base/types.h"

namespace ups::vm {

// Binary ALU operations and conditional jumps, each in four forms:
// <name>64_imm, <name>64_reg, <name>32_imm, <name>32_reg.
#define UPS_VM_ALU_OPS(X) \
  X(add) X(sub) X(mul) X(div) X(sdiv) X(bor) X(band) X(lsh) X(rsh) X(mod) X(smod) X(bxor) X(mov) X(arsh)
#define UPS_VM_JUMP_OPS(X) \
  X(jeq) X(jne) X(jgt) X(jge) X(jlt) X(jle) X(jsgt) X(jsge) X(jslt) X(jsle) X(jset)
// Atomics in two widths: <name>32, <name>64.
#define UPS_VM_ATOMIC_OPS(X) \
  X(aadd) X(abor) X(aband) X(abxor) X(fadd) X(fbor) X(fband) X(fbxor) X(xchg) X(cmpxchg)
// Everything else, one form each.
#define UPS_VM_SINGLE_OPS(X)                                                         \
  X(neg64) X(neg32) X(movsx64_8) X(movsx64_16) X(movsx64_32) X(movsx32_8) X(movsx32_16) \
  X(le16) X(le32) X(le64) X(be16) X(be32) X(be64)                                    \
  X(lddw) X(ldx8) X(ldx16) X(ldx32) X(ldx64) X(ldxs8) X(ldxs16) X(ldxs32)            \
  X(st8) X(st16) X(st32) X(st64) X(stx8) X(stx16) X(stx32) X(stx64)                  \
  X(ja) X(call_extern) X(call_local) X(callx) X(exit)                               \
  X(arena_ldx8) X(arena_ldx16) X(arena_ldx32) X(arena_ldx64)                         \
  X(arena_st8) X(arena_st16) X(arena_st32) X(arena_st64)                             \
  X(arena_stx8) X(arena_stx16) X(arena_stx32) X(arena_stx64)                         \
  X(cast_kern) X(cast_user) X(may_goto) X(invalid)

#define UPS_VM_FOUR_FORMS(n) n##64_imm, n##64_reg, n##32_imm, n##32_reg,
#define UPS_VM_TWO_FORMS(n) n##32, n##64,
#define UPS_VM_ONE_FORM(n) n,

enum class VmOp : u8 {
  UPS_VM_ALU_OPS(UPS_VM_FOUR_FORMS) UPS_VM_JUMP_OPS(UPS_VM_FOUR_FORMS) UPS_VM_ATOMIC_OPS(UPS_VM_TWO_FORMS)
  UPS_VM_SINGLE_OPS(UPS_VM_ONE_FORM) count
};

// 24 bytes; one per instruction slot, so jump targets are slot indexes.
struct VmInsn {
  // The fast loop's label for `op` (direct threading: one load and an
  // indirect jump per dispatch). The CHECKED loop dispatches on `op`.
  const void* handler = nullptr;
  // Immediate, already extended as the op needs (64-bit ops: sign-extended;
  // 32-bit ops: zero-extended u32); lddw: the final 64-bit value (map
  // addresses resolved); call_extern: the ExternFn pointer; cast_user: the
  // arena's user address with its low 32 bits zero.
  u64 imm = 0;
  // Memory ops: the offset. Jumps and local calls: the distance to the
  // target in bytes of VmInsn ((target - pc) * sizeof(VmInsn)), so a taken
  // jump is one add.
  s32 off = 0;
  VmOp op = VmOp::invalid;
  u8 dst = 0;
  u8 src = 0;
};
static_assert(sizeof(VmInsn) == 24);

}  // namespace ups::vm
