// Differential soundness: random and mutated programs go through the
// verifier; each accepted one runs in the interpreter's CHECKED mode, which
// traps any access outside a real region, under the soundness oracle, which
// checks every instruction's registers against what the verifier claimed
// there (soundness_oracle.h), and with helpers that check the memory they
// are given. A trap or a disagreement in an accepted program is a verifier
// bug, printed with its seed and listing.
// UPS_SOUNDNESS_PROGRAMS and UPS_SOUNDNESS_SEED (environment) make longer
// runs (scripts/verifier_soundness.sh).
#include <cstdlib>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "program_gen.h"
#include "soundness_world.h"
#include "verifier/verifier.h"

#include "bpf/isa/disassembler.h"

namespace ups::verifier::test {
namespace {


TEST(Soundness, AcceptedProgramsNeverTrapInCheckedMode) {
  u64 n = 20000, seed = 20261126;
  if (const char* e = std::getenv("UPS_SOUNDNESS_PROGRAMS")) n = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("UPS_SOUNDNESS_SEED")) seed = std::strtoull(e, nullptr, 10);
  const bool trace = std::getenv("UPS_SOUNDNESS_TRACE") != nullptr;
  Rng rng(seed);
  ProgramInfo info = soundness_info();
  const ApiSet api = soundness_api();
  VerifyOptions opts;
  opts.insn_budget = 20'000;  // generated loops are short
  opts.claims = true;
  u64 steps = 0;
  std::vector<std::vector<bpf::Insn>> accepted_pool;
  u64 accepted = 0, mutated = 0;
  for (u64 i = 0; i < n; ++i) {
    const u64 prog_seed = rng.next_u64();
    Rng prng(prog_seed);
    if (!accepted_pool.empty() && prng.chance(0.5)) {
      info.insns = mutate_program(accepted_pool[prng.uniform(0, accepted_pool.size() - 1)], prng);
      ++mutated;
    } else {
      info.insns = random_program(prng);
    }
    if (trace) std::fprintf(stderr, "program %llu seed %llu\n", static_cast<unsigned long long>(i),
                            static_cast<unsigned long long>(prog_seed));
    VerifyResult r = verify(info, api, opts);
    if (trace) std::fprintf(stderr, "  %s, %llu insns processed\n", r.ok() ? "accepted" : "rejected",
                            static_cast<unsigned long long>(r.stats.insns_processed));
    if (!r.ok()) continue;
    ++accepted;
    u64 run_steps = 0;
    std::string bad = run_under_oracle(info.insns, r.claims, prng, run_steps);
    steps += run_steps;
    // Mutants of programs that stop at once would take over the pool and
    // test little: keep those that run at least 10 instructions a run.
    if (run_steps >= 30) {
      if (accepted_pool.size() < 512) accepted_pool.push_back(info.insns);
      else accepted_pool[prng.uniform(0, 511)] = info.insns;
    }
    ASSERT_TRUE(bad.empty()) << "verifier bug: an accepted program traps (program seed " << prog_seed
                             << ", run seed " << seed << ")\n"
                             << bad << "\n"
                             << bpf::disassemble_listing(info.insns);
  }
  RecordProperty("accepted", static_cast<int>(accepted));
  std::printf("soundness: %llu programs (%llu mutated), %llu accepted and run under the oracle (%llu instructions "
              "checked), 0 disagreements, seed %llu\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(mutated),
              static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(steps),
              static_cast<unsigned long long>(seed));
  // The generator must keep producing accepted programs, or the test proves nothing.
  EXPECT_GT(accepted, n / 20);
}

}  // namespace
}  // namespace ups::verifier::test
