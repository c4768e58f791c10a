// The verifier's work is bounded by design (docs/robustness.md, "Verifier
// cost"): loops that never end are refused at the processed-instruction
// budget with the count stated, and no program point holds more states than
// VerifyLimits allows. Regression tests for issue 20's quadratic pruning
// (`r1 += 256; goto -2` ran for minutes); how fast the refusal is, is
// bench/verifier_bench.cpp's business, not a test's.
#include <gtest/gtest.h>

#include "test_env.h"
#include "verifier/verifier.h"

namespace ups::verifier::test {
namespace {

VerifyResult verify_text(const std::string& asm_text, u64 budget = VerifyOptions{}.insn_budget) {
  auto p = make_program("prog", "", nullptr, asm_text);
  EXPECT_TRUE(p) << (p ? "" : p.error().to_string());
  if (!p) return {};
  VerifyOptions opts;
  opts.insn_budget = budget;
  return verify(p->info, p->api, opts);
}

void expect_bounded_states(const VerifyStats& st) {
  EXPECT_LE(st.max_states_per_point, VerifyLimits::kOpenPerPoint + VerifyLimits::kDonePerPoint);
  EXPECT_LE(st.max_pending, VerifyLimits::kMaxPending);
}

// Refused as too complex, with `reason` in the message, after at most
// `processed` instructions (exactly that many when `exact`), with the
// states per point bounded all the way.
void expect_refused_as_too_complex(const VerifyResult& r, const std::string& reason, u64 processed, bool exact) {
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error->message.find(reason), std::string::npos) << r.error->message;
  if (exact)
    EXPECT_EQ(r.stats.insns_processed, processed);
  else
    EXPECT_LE(r.stats.insns_processed, processed);
  expect_bounded_states(r.stats);
}

TEST(VerifierCost, PointerThatGrowsForeverIsRefusedAtTheBudget) {
  // The reproducer of issue 20: each pass is a new state, never the same.
  expect_refused_as_too_complex(verify_text("r1 += 256\ngoto -2\n"),
                                "too complex to verify: more than 1000000 instructions processed", 1'000'001, true);
}

TEST(VerifierCost, CountedLoopTooLongForTheBudgetIsRefusedAtIt) {
  // A loop that does end, after more passes than the budget allows.
  const VerifyResult r = verify_text(
      "r1 = 0\n"
      "r0 = 0\n"
      "loop:\n"
      "r0 += r1\n"
      "r1 += 1\n"
      "if r1 < 100000000 goto loop\n"
      "r0 = 0\n"
      "exit\n");
  expect_refused_as_too_complex(r, "more than 1000000 instructions processed", 1'000'001, true);
}

TEST(VerifierCost, LoopWhoseExitWaitsEachPassIsRefusedWhenTooManyBranchesWait) {
  // Each pass leaves its exit branch to explore later: the branches that
  // wait are bounded like Linux's jump sequence.
  const VerifyResult r = verify_text(
      "r1 = 0\n"
      "loop:\n"
      "if r1 > 100000000 goto out\n"
      "r1 += 1\n"
      "goto loop\n"
      "out:\n"
      "r0 = 0\n"
      "exit\n");
  expect_refused_as_too_complex(r, "too complex to verify", 1'000'001, false);
}

TEST(VerifierCost, BoundedLoopStillAcceptedWithFewStates) {
  const VerifyResult r = verify_text(
      "r1 = 0\n"
      "r0 = 0\n"
      "loop:\n"
      "r0 += r1\n"
      "r1 += 1\n"
      "if r1 < 1000 goto loop\n"
      "r0 = 0\n"
      "exit\n");
  ASSERT_TRUE(r.ok()) << r.error->to_string();
  expect_bounded_states(r.stats);
  // One checkpoint per few passes, not one per pass.
  EXPECT_LT(r.stats.states, 1000u);
}

}  // namespace
}  // namespace ups::verifier::test
