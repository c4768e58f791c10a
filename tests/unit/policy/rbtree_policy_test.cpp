// tests/policies/rbtree_vtime.bpf.c end to end: tasks kept as allocated
// objects in a BPF rbtree ordered by virtual time, a spare node stashed in
// a __kptr field. In the simulator it loses nothing, orders by vtime (the
// hogs get CPU in proportion to their weights, which a FIFO would not
// give), and the interpreter and the JIT make the same schedule.
#include <gtest/gtest.h>

#include <string>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

std::string rbtree_obj() { return std::string(UPS_TEST_POLICY_DIR) + "/rbtree_vtime.bpf.o"; }

report::RunReport run_rbtree(const std::string& preset, bool no_jit, int cpus, TimeNs duration = 2 * kNsPerSec) {
  auto f = host::policy_spec_factory("", 1, cpus, no_jit);
  EXPECT_TRUE(f) << f.error().to_string();
  RunOptions o;
  o.cpus = cpus;
  o.duration = duration;
  return run_preset(preset, rbtree_obj(), *f, o);
}

void expect_clean(const report::RunReport& r) {
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
}

TEST(RbtreePolicy, HogsGetCpuInProportionToTheirWeights) {
  const report::RunReport r = run_rbtree("hogs", false, 2);
  expect_clean(r);
  ASSERT_EQ(r.groups.size(), 3u);
  // weights 100, 200, 400: 1/7, 2/7, 4/7 (FIFO order would give 1/3 each)
  for (const auto& g : r.groups) {
    const double want = g.weight / 700.0;
    EXPECT_NEAR(g.cpu_share, want, want * 0.1) << g.name;
  }
}

TEST(RbtreePolicy, PipesCompleteWithNothingLost) {
  const report::RunReport r = run_rbtree("pipes", false, 2);
  expect_clean(r);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.tasks_completed, r.tasks_created);
}

TEST(RbtreePolicy, InterpreterAndJitMakeTheSameSchedule) {
  for (const char* preset : {"hogs", "pipes"}) {
    SCOPED_TRACE(preset);
    const report::RunReport jit = run_rbtree(preset, false, 4, 100 * kNsPerMs);
    const report::RunReport interp = run_rbtree(preset, true, 4, 100 * kNsPerMs);
    expect_clean(jit);
    expect_clean(interp);
    EXPECT_EQ(jit.trace_sha256, interp.trace_sha256);
    EXPECT_EQ(jit.events, interp.events);
  }
}

}  // namespace
}  // namespace ups::policy
