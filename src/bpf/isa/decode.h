// Decoding raw instruction slots into Instructions, with the structural
// checks every consumer relies on: known opcodes, registers r0-r10, no write
// to r10, reserved fields zero, lddw pairs complete, jump and call targets
// inside the program and never into the second slot of an lddw, and no
// falling off the end. The verifier proves the rest (types, bounds,
// termination).
#pragma once

#include <vector>

#include "base/result.h"
#include "bpf/insn.h"
#include "bpf/isa/instruction.h"

namespace ups::bpf {

// The instruction starting at slot `pc`. Checks the instruction alone
// (encoding, reserved fields, the lddw second slot), not its targets.
// Errors name the instruction: "instruction 12: ...".
Result<Instruction> decode_one(Code code, size_t pc);

// Every instruction in order (an lddw appears once, at its first slot), with
// jump/call targets resolved and checked against the whole program.
Result<std::vector<Instruction>> decode_program(Code code);

// slot index -> index into decode_program's vector, or -1 for the second
// slot of an lddw.
std::vector<int> slot_to_index(const std::vector<Instruction>& insns, size_t slot_count);

}  // namespace ups::bpf
