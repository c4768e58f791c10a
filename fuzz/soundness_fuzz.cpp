// libFuzzer target for the verifier's soundness: the input is a program
// (8-byte instructions); a custom mutator writes programs from the
// soundness generator (tests/unit/verifier/program_gen.h) or mutates the
// input with it, so the fuzzer explores programs the verifier may accept.
// Every accepted program runs in the interpreter's CHECKED mode under the
// soundness oracle; a trap or a disagreement aborts with the listing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bpf/isa/disassembler.h"
#include "program_gen.h"
#include "soundness_world.h"
#include "verifier/verifier.h"

namespace {

using namespace ups;
using namespace ups::verifier;

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  Rng rng(seed);
  std::vector<bpf::Insn> code = test::program_from_bytes(data, size);
  code = code.empty() || rng.chance(0.3) ? test::random_program(rng) : test::mutate_program(code, rng);
  return test::program_to_bytes(code, data, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ApiSet api = test::soundness_api();
  static ProgramInfo info = test::soundness_info();
  info.insns = test::program_from_bytes(data, size);
  if (info.insns.empty() || info.insns.size() > 4096) return 0;
  VerifyOptions opts;
  opts.insn_budget = 20'000;
  opts.claims = true;
  VerifyResult r = verify(info, api, opts);
  if (!r.ok()) return 0;
  Rng rng(size);
  u64 steps = 0;
  const std::string bad = test::run_under_oracle(info.insns, r.claims, rng, steps);
  if (!bad.empty()) {
    std::fprintf(stderr, "verifier bug: an accepted program %s\n%s\n", bad.c_str(),
                 bpf::disassemble_listing(info.insns).c_str());
    std::abort();
  }
  return 0;
}
