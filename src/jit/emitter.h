// emit(): a LinkedProgram -> x86-64 machine code (the JIT's translator).
// xbyak (header-only, Debian's libxbyak-dev) assembles; we picked it over
// asmjit because it needs no library to link or version to match (the
// whole JIT is one translation unit's worth of mnemonics), its labels
// resolve forward jumps for us, and its AutoGrow mode lets us assemble into
// plain memory first and copy into W^X pages after (code_buffer.h).
//
// The code (see docs/jit.md for the full picture):
//  - offset 0: the entry trampoline, `u64 enter(RunState*, const void*
//    target)`: saves the callee-saved registers, loads r1-r5, r10 and the
//    budget from the RunState, calls `target` (a slot's code), and returns
//    r0. A trap jumps to a common stub that restores the stack pointer the
//    trampoline had at its call (RunState::saved_rsp) and returns to just
//    after that call, through the trampoline's own epilogue.
//  - then the callback trampoline, `u64 enter_slot0(RunState*, r1, ...,
//    r5)`: the same for a top-level run of slot 0 with the arguments in
//    registers (what a host runs per callback; JitCode::enter_slot0),
//    saving rbx and r13-r15 only for a program that names r6-r9.
//  - then every instruction in slot order (a run the peephole pass found,
//    peephole.h, as one sequence); `exit` is `ret`, a bpf-to-bpf
//    call is a native `call`, so every subprogram (and any slot a host
//    enters) runs the same way.
//  - then the cold stubs: traps, CHECKED mode's slow path.
// BPF registers live in host registers (r0 rax, r1 rdi, r2 rsi, r3 rdx,
// r4 rcx, r5 r8, r6 rbx, r7 r13, r8 r14, r9 r15, r10 rbp; r1-r5 are the
// SysV argument registers shifted by one, so a helper call moves five
// registers and loads the context into rdi); r12 holds the RunState, r10
// the back-edge budget, r9 and r11 are scratch.
#pragma once

#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "vm/linked_program.h"

namespace ups::jit {

struct EmitOptions {
  // Check every load, store and atomic against RunState::guard and the
  // live stack frames, trapping on a miss (the interpreter's CHECKED mode).
  bool checked = false;
  // Constant blinding: no immediate of the program appears in the code as
  // written; each is stored xor a random key and decoded into a scratch
  // register where it is used.
  bool blind = false;
};

struct EmittedCode {
  static constexpr u32 kNoEntry = ~u32{0};
  std::vector<u8> bytes;           // position-independent; trampoline at 0
  std::vector<u32> slot_offsets;   // per slot: its code's offset, or kNoEntry (lddw's second slot)
  u32 slot0_trampoline = kNoEntry; // the callback trampoline's offset (kNoEntry: an empty program)
};

// Errors name the instruction the JIT cannot translate.
Result<EmittedCode> emit(const vm::LinkedProgram& program, const EmitOptions& options);

}  // namespace ups::jit
