// Differential runs: one program, the same inputs, the interpreter and the
// JIT; any difference in r0, the trap (kind, instruction, address) or the
// memory the program wrote is reported. Shared by test_jit and the JIT's
// libFuzzer target (fuzz/jit_fuzz.cpp).
#pragma once

#include <string>
#include <vector>

#include "base/rng.h"
#include "bpf/insn.h"
#include "vm/executor.h"

namespace ups::jit::test {

// A program from random_alu_program (no maps, no helpers): both backends
// in fast and CHECKED mode (and the JIT blinded too); compares r0, the
// trap and the entry frame's 512 bytes. "" when they agree.
std::string diff_alu_program(const std::vector<bpf::Insn>& code);

// A program the verifier accepted in the soundness world (two maps, a
// context of one number, helpers 1 lookup, 5 ktime, 7 prandom, 16 comm,
// 181 bpf_loop): both backends on three inputs, fast and CHECKED; compares
// r0, the trap and the map values. "" when they agree.
std::string diff_verified_program(const std::vector<bpf::Insn>& code, u64 seed);

}  // namespace ups::jit::test
