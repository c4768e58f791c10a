// libFuzzer target for the JIT: the input is a program (8-byte
// instructions); a custom mutator writes programs from the covering
// generator (tests/unit/jit/alu_program_gen.h) and the verifier's soundness
// generator, or mutates the input with the latter. Every program the
// verifier accepts in the soundness world runs on the interpreter and on
// the JIT, fast and CHECKED, on three inputs (tests/unit/jit/backend_diff.h);
// any difference in r0, a trap or the maps aborts with the listing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "alu_program_gen.h"
#include "backend_diff.h"
#include "bpf/isa/disassembler.h"
#include "program_gen.h"
#include "soundness_world.h"
#include "verifier/verifier.h"

namespace {

using namespace ups;

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  Rng rng(seed);
  std::vector<bpf::Insn> code = verifier::test::program_from_bytes(data, size);
  if (code.empty() || rng.chance(0.2)) code = jit::test::random_alu_program(rng);
  else if (rng.chance(0.3)) code = verifier::test::random_program(rng);
  else code = verifier::test::mutate_program(code, rng);
  return verifier::test::program_to_bytes(code, data, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const verifier::ApiSet api = verifier::test::soundness_api();
  static verifier::ProgramInfo info = verifier::test::soundness_info();
  info.insns = verifier::test::program_from_bytes(data, size);
  if (info.insns.empty() || info.insns.size() > 4096) return 0;
  verifier::VerifyOptions opts;
  opts.insn_budget = 20'000;
  if (!verifier::verify(info, api, opts).ok()) return 0;
  const std::string d = jit::test::diff_verified_program(info.insns, size);
  if (!d.empty()) {
    std::fprintf(stderr, "JIT differs from the interpreter: %s\n%s\n", d.c_str(),
                 bpf::disassemble_listing(info.insns).c_str());
    std::abort();
  }
  return 0;
}
