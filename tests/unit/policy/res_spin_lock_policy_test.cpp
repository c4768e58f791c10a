// tests/policies/res_lock_count.bpf.c end to end: counts kept under a
// bpf_res_spin_lock in a section of its own (scx_qmap's layout) at every
// enqueue and dispatch. It stays loaded and clean on the interpreter and
// the JIT: the lock is taken and released each time, and never fails.
#include <gtest/gtest.h>

#include <string>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

TEST(ResSpinLockPolicy, CountsUnderTheLockStayCleanOnBothBackends) {
  for (bool no_jit : {false, true}) {
    SCOPED_TRACE(no_jit ? "interpreter" : "jit");
    auto f = host::policy_spec_factory("", 1, 4, no_jit);
    ASSERT_TRUE(f) << f.error().to_string();
    RunOptions o;
    o.duration = 100 * kNsPerMs;
    const report::RunReport r =
        run_preset("hogs", std::string(UPS_TEST_POLICY_DIR) + "/res_lock_count.bpf.o", *f, o);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.lost_tasks, 0u);
    ASSERT_FALSE(r.exit_reports.empty());
    for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
    double share = 0;
    for (const auto& [name, s] : r.per_class_share)
      if (name.find("res_lock_count") != std::string::npos) share += s;
    EXPECT_GT(share, 0.5) << "the policy's class ran the hogs";
  }
}

}  // namespace
}  // namespace ups::policy
