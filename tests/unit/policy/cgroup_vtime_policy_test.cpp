// tests/policies/cgroup_vtime.bpf.c end to end: a cpu.weight kept per
// cgroup in cgroup storage (BPF_MAP_TYPE_CGRP_STORAGE, made in
// cgroup_init, read from the task's cgroup in stopping). On the cgroups
// preset the cgroups get CPU in proportion to their weights (the fair
// class, flat, gives each a third), and the interpreter and the JIT make
// the same schedule.
#include <gtest/gtest.h>

#include <string>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

report::RunReport run_cgroup_vtime(bool no_jit, int cpus, TimeNs duration) {
  auto f = host::policy_spec_factory("", 1, cpus, no_jit);
  EXPECT_TRUE(f) << f.error().to_string();
  RunOptions o;
  o.cpus = cpus;
  o.duration = duration;
  return run_preset("cgroups", std::string(UPS_TEST_POLICY_DIR) + "/cgroup_vtime.bpf.o", *f, o);
}

void expect_clean(const report::RunReport& r) {
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
}

TEST(CgroupVtimePolicy, CgroupsGetCpuInProportionToTheirWeights) {
  const report::RunReport r = run_cgroup_vtime(false, 2, kNsPerSec);
  expect_clean(r);
  ASSERT_EQ(r.cgroups.size(), 4u);  // the root, then weights 100, 200, 400
  EXPECT_EQ(r.cgroups[0].cpu_share, 0.0);
  for (size_t i = 1; i < r.cgroups.size(); ++i) {
    const double want = r.cgroups[i].weight / 700.0;
    EXPECT_NEAR(r.cgroups[i].cpu_share, want, want * 0.1) << r.cgroups[i].path;
  }
}

TEST(CgroupVtimePolicy, InterpreterAndJitMakeTheSameSchedule) {
  const report::RunReport jit = run_cgroup_vtime(false, 4, 100 * kNsPerMs);
  const report::RunReport interp = run_cgroup_vtime(true, 4, 100 * kNsPerMs);
  expect_clean(jit);
  expect_clean(interp);
  EXPECT_EQ(jit.trace_sha256, interp.trace_sha256);
  EXPECT_EQ(jit.events, interp.events);
}

}  // namespace
}  // namespace ups::policy
