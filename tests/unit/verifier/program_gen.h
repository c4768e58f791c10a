// Random and mutated BPF programs for the verifier's soundness tests: mostly
// well-formed code over the stack, a map value, read-only data, the context,
// bounded loops, bpf_loop callbacks and helper calls, with enough mistakes
// that the verifier rejects a good share. Deterministic per Rng.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/rng.h"
#include "bpf/insn.h"

namespace ups::verifier::test {

// Map 0: array, key 4, value 16, 2 entries. Map 1: read-only data, 8 bytes.
// Helpers: 1 lookup, 5 ktime, 7 prandom, 16 get_current_comm (a variable
// number of bytes), 181 bpf_loop. Biased toward what verifiers get wrong:
// pointer arithmetic and differences, spills and fills of every width,
// narrow and variable-offset stores over them, pointer comparisons,
// ALU32/JMP32 bounds, loops.
std::vector<bpf::Insn> random_program(Rng& rng);
// 1-3 random changes to fields of random instructions.
std::vector<bpf::Insn> mutate_program(const std::vector<bpf::Insn>& code, Rng& rng);

// A fuzzer's input as instructions (a trailing partial one dropped), and
// instructions written back into its buffer of max_size bytes (cut to fit);
// returns the bytes written.
inline std::vector<bpf::Insn> program_from_bytes(const uint8_t* data, size_t size) {
  std::vector<bpf::Insn> code(size / sizeof(bpf::Insn));
  if (!code.empty()) std::memcpy(code.data(), data, code.size() * sizeof(bpf::Insn));
  return code;
}
inline size_t program_to_bytes(const std::vector<bpf::Insn>& code, uint8_t* data, size_t max_size) {
  const size_t bytes = std::min(max_size / sizeof(bpf::Insn), code.size()) * sizeof(bpf::Insn);
  std::memcpy(data, code.data(), bytes);
  return bytes;
}

}  // namespace ups::verifier::test
