// Encoding: Instruction -> raw slots, the inverse of decode_one. Offsets
// and immediates are taken from `off`/`imm`/`next_imm` as stored (decode
// keeps them raw), so encode(decode(x)) == x for every valid x.
#pragma once

#include <vector>

#include "bpf/insn.h"
#include "bpf/isa/instruction.h"

namespace ups::bpf {

// Appends the instruction's one or two slots to `out`.
void encode(const Instruction& insn, std::vector<Insn>& out);

std::vector<Insn> encode_all(const std::vector<Instruction>& insns);

}  // namespace ups::bpf
