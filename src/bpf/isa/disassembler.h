// Disassembler: Instruction -> text in the syntax `llvm-objdump -d` prints
// for BPF with sub-register support (`llvm-objdump-19 -d --mcpu=v4`):
//   r1 = *(u64 *)(r10 - 0x8)     w0 += w1     if r1 > 0x5 goto +0x3
//   r0 = 0x1234 ll               call 0x1     lock *(u64 *)(r1 + 0x0) += r2
// Jump targets print as relative offsets, without objdump's `<sym+off>`
// annotation. Relocated pseudo loads and kfunc calls, which objdump never
// sees, print as `r1 = map[0x2] ll`, `r1 = map_value[0x2] + 0x10 ll`,
// `r1 = func[+0x5] ll` and `call kfunc 0x3`. Used in every error message.
#pragma once

#include <string>

#include "bpf/insn.h"
#include "bpf/isa/instruction.h"

namespace ups::bpf {

std::string disassemble(const Instruction& insn);

// One line per instruction, objdump-like: "%5u:\t<8 or 16 hex bytes>\t<text>".
// A slot that does not decode prints its error instead of text.
std::string disassemble_listing(Code code);

// The text of the instruction at slot `pc`, or "<invalid: reason>".
std::string disassemble_at(Code code, size_t pc);

}  // namespace ups::bpf
