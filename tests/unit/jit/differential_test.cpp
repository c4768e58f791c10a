// The JIT against the interpreter, seeded: random programs covering every
// instruction form (alu_program_gen.h), and random programs the verifier
// accepts in the soundness world (maps, helpers, loops, bpf_loop
// callbacks). Zero differences in r0, traps and memory.
#include <gtest/gtest.h>

#include "alu_program_gen.h"
#include "backend_diff.h"
#include "bpf/isa/disassembler.h"
#include "program_gen.h"
#include "soundness_world.h"
#include "verifier/verifier.h"

namespace ups::jit::test {
namespace {

TEST(JitDifferential, EveryInstructionFormMatchesTheInterpreter) {
  for (u64 seed = 0; seed < 2000; ++seed) {
    Rng rng(seed);
    const std::vector<bpf::Insn> code = random_alu_program(rng);
    const std::string d = diff_alu_program(code);
    ASSERT_EQ(d, "") << "seed " << seed << "\n" << bpf::disassemble_listing(code);
  }
}

TEST(JitDifferential, VerifiedProgramsMatchTheInterpreter) {
  const verifier::ApiSet api = verifier::test::soundness_api();
  verifier::ProgramInfo info = verifier::test::soundness_info();
  verifier::VerifyOptions opts;
  opts.insn_budget = 20'000;
  // As the soundness test does: fresh programs, and mutations of accepted
  // ones (which the verifier accepts more often).
  std::vector<std::vector<bpf::Insn>> pool;
  int accepted = 0;
  for (u64 seed = 0; seed < 8000; ++seed) {
    Rng rng(seed);
    if (!pool.empty() && rng.chance(0.5)) info.insns = verifier::test::mutate_program(pool[rng.uniform(0, pool.size() - 1)], rng);
    else info.insns = verifier::test::random_program(rng);
    if (!verifier::verify(info, api, opts).ok()) continue;
    ++accepted;
    pool.push_back(info.insns);
    const std::string d = diff_verified_program(info.insns, seed);
    ASSERT_EQ(d, "") << "seed " << seed << "\n" << bpf::disassemble_listing(info.insns);
  }
  // The generator's programs must reach the JIT for the test to say anything.
  EXPECT_GT(accepted, 200);
}

}  // namespace
}  // namespace ups::jit::test
