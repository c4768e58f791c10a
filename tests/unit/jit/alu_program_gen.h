// Random straight-line BPF programs that cover every instruction form the
// interpreter runs (ALU32/ALU64 in both operand kinds incl. signed div/mod
// and movsx, byte swaps, loads incl. sign-extending ones, stores, every
// atomic, JMP/JMP32 forward jumps, bpf-to-bpf calls), safe by construction:
// every register is set first, the whole stack frame is zeroed first and
// every access stays inside it. The result is r0 and the frame's bytes, so
// two executors that disagree on any instruction show it. Used by the
// differential test and the JIT fuzzer; deterministic per Rng.
#pragma once

#include <vector>

#include "base/rng.h"
#include "bpf/insn.h"

namespace ups::jit::test {

std::vector<bpf::Insn> random_alu_program(Rng& rng);

}  // namespace ups::jit::test
