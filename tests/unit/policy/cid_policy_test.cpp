// tests/policies/cid_rr.bpf.c end to end: the cid kfuncs and the cmask
// helpers of scx/cid.bpf.h in a policy that places tasks round robin by
// cid. It runs clean (its own checks of the cpu <-> cid mapping and of its
// cmasks would end it otherwise) and reaches every CPU; an invalid cid
// ends it with the kfunc's error, naming the cid.
#include <gtest/gtest.h>

#include <string>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

report::RunReport run_cid_rr(const std::string& params, bool no_jit, int cpus) {
  auto f = host::policy_spec_factory("", 1, cpus, no_jit);
  EXPECT_TRUE(f) << f.error().to_string();
  RunOptions o;
  o.cpus = cpus;
  o.duration = 100 * kNsPerMs;
  return run_preset("hogs", std::string(UPS_TEST_POLICY_DIR) + "/cid_rr.bpf.o" + params, *f, o);
}

TEST(CidPolicy, RoundRobinByCidReachesEveryCpu) {
  for (bool no_jit : {false, true}) {
    SCOPED_TRACE(no_jit ? "interpreter" : "jit");
    const report::RunReport r = run_cid_rr("", no_jit, 8);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.lost_tasks, 0u);
    ASSERT_FALSE(r.exit_reports.empty());
    for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
    ASSERT_EQ(r.cpu_busy.size(), 8u);
    for (size_t cpu = 0; cpu < 8; ++cpu) EXPECT_GT(r.cpu_busy[cpu], 0.5) << "cpu " << cpu;
  }
}

TEST(CidPolicy, AnInvalidCidEndsThePolicyNamingIt) {
  const report::RunReport r = run_cid_rr("?bad_cid=1", false, 4);
  ASSERT_FALSE(r.exit_reports.empty());
  const std::string text = r.exit_reports.front().to_string();
  EXPECT_TRUE(r.exit_reports.front().is_error()) << text;
  EXPECT_NE(text.find("scx_bpf_cid_to_cpu: argument 1: invalid cid 4"), std::string::npos) << text;
}

}  // namespace
}  // namespace ups::policy
