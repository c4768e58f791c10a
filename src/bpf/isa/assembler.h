// Assembler for the bpf_conformance / ubpf text syntax, so tests can be
// written as text:
//   mov32 %r0, 0          add %r1, 2            ldxdw %r0, [%r1+8]
//   stw [%r10-4], 0x11    stxb [%r1], %r2       lock fetch add32 [%r10-4], %r1
//   jeq %r1, 0, +2        jne32 %r1, %r2, done  ja32 far   call 1
//   call local func1      call %r2 (callx)      lddw %r0, 0x123456789
//   le16/be32/bswap64 %r0 movsx832 %r0, %r1     ldxsb %r0, [%r10-1]
//   label:                exit                  # comments
//   arena_ldxdw %r0, [%r1] (an arena access, as the loader marks it)
//   may_goto +2           addr_space_cast %r1, %r2, 0, 1 (arena to kernel)
// A jump to an undefined label `exit` goes to the first exit instruction
// of the program, as bpf_conformance's assembler resolves it.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "bpf/insn.h"

namespace ups::bpf {

// Errors name the line: "line 3: Invalid register %r50".
Result<std::vector<Insn>> assemble(std::string_view text);

}  // namespace ups::bpf
