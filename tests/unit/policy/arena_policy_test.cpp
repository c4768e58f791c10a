// tests/policies/arena_counts.bpf.c end to end: per-task counts kept in a
// BPF arena through __arena pointers, summed in a can_loop loop at every
// enqueue and checked against a global count (a mismatch ejects the
// policy). In the simulator it loses nothing and stays loaded on the
// interpreter and the JIT, which make the same schedule.
#include <gtest/gtest.h>

#include <string>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

report::RunReport run_arena(const std::string& preset, bool no_jit, int cpus) {
  auto f = host::policy_spec_factory("", 1, cpus, no_jit);
  EXPECT_TRUE(f) << f.error().to_string();
  RunOptions o;
  o.cpus = cpus;
  o.duration = 200 * kNsPerMs;
  return run_preset(preset, std::string(UPS_TEST_POLICY_DIR) + "/arena_counts.bpf.o", *f, o);
}

TEST(ArenaPolicy, CountsKeptInTheArenaAgreeOnBothBackends) {
  for (int cpus : {2, 8}) {
    SCOPED_TRACE(cpus);
    const report::RunReport jit = run_arena("hogs", false, cpus);
    const report::RunReport interp = run_arena("hogs", true, cpus);
    for (const report::RunReport* r : {&jit, &interp}) {
      EXPECT_EQ(r->error, "");
      EXPECT_EQ(r->lost_tasks, 0u);
      ASSERT_FALSE(r->exit_reports.empty());
      for (const auto& e : r->exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
    }
    EXPECT_EQ(jit.trace_sha256, interp.trace_sha256);
  }
}

}  // namespace
}  // namespace ups::policy
