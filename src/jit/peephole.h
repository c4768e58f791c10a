// The JIT's peephole pass: finds runs of adjacent BPF instructions that the
// emitter (emitter.h) translates as one x86-64 sequence, where clang's BPF
// idioms cost more than the native code they stand for (pointer arithmetic
// before each access, zero extensions spelled as shift pairs, loops closed
// by a branch over a jump). Each rewrite is exact at the BPF level: the
// memory the run touches and every register it writes end up as the
// instructions one by one would leave them, except a register that is
// written again before any read on every path after the run (checked on
// straight-line code only) and is not r0 where a CHECKED load may trap
// (a trap reports r0). Only the run's first
// instruction may be a place control arrives at other than by falling
// through (a jump or call target, a subprogram entry): the others get no
// code of their own.
#pragma once

#include <vector>

#include "base/types.h"
#include "vm/linked_program.h"

namespace ups::jit {

enum class FusionKind : u8 {
  none,  // the instruction alone
  // rA = rB; then rA += imm and/or rA += rC (C != A), in any order; or
  // rA += rC then rA += imm. Optionally ended by rD = *(size *)(rA + off)
  // where D == A or A is dead after: one lea, or one load from
  // [rB + rC + disp]. Optionally after rC <<= 1..3 where rC is dead after
  // (clang's a[i]): the shift is the operand's scale, [rB + rC * 8 + disp].
  address,
  // [rA = rB;] rA <<= 32; rA >>= 32: one 32-bit mov (x86 zero-extends it).
  zero_extend,
  // [rA = rB;] rA <<= 32; rA s>>= 32: one movsxd.
  sign_extend,
  // An instruction whose result in rA has its upper half zero (any 32-bit
  // ALU op, le/be/bswap of 16 or 32 bits, a zero-extending load of up to 4
  // bytes), then rA <<= 32; rA >>= 32: the shifts change nothing.
  redundant_zero_extend,
  // if (c) goto +1; goto back: if (!c) goto back (one branch per iteration).
  branch_over_jump,
};

struct Fusion {
  FusionKind kind = FusionKind::none;
  u8 length = 1;        // instructions the run covers, from this one
  u8 dst = 0;           // address: the address register (A); *_extend: the register extended
  u8 base = 0;          // address: the base register; *_extend: the source
  s8 index = -1;        // address: the index register, or -1
  u8 scale = 1;         // address: the index's factor (1, 2, 4, 8)
  s32 disp = 0;         // address: the constant added (the load's offset not included)
  bool load = false;    // address: the run ends in a load (its last instruction)
};

struct PeepholeOptions {
  // Constant blinding: no run puts an immediate of the program into the code.
  bool blind = false;
  // CHECKED mode: a load may trap, and the trap reports r0 as it was, so a
  // run never skips the address it computes into r0.
  bool checked = false;
};

// Per instruction of program.insns() (same indices): the run starting
// there, or kind none. An instruction inside a run has kind none and is
// covered by the run's length.
std::vector<Fusion> find_fusions(const vm::LinkedProgram& program, const PeepholeOptions& options);

// Per slot (and one past the end): whether control can arrive there other
// than by falling through from the slot before (a jump or local call
// target, a subprogram entry).
std::vector<bool> landing_slots(const vm::LinkedProgram& program);

}  // namespace ups::jit
