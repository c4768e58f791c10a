// faas_event.bpf.o, the serverless study's policy (docs/faas.md), through
// the policy host: its task storage, DSQ iterators and upsched event-wait
// kfuncs run the FaaS chains with exactly the schedule of its native twin,
// and a principal without sched.events cannot load it.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy_loader.h"
#include "policy_test_support.h"
#include "security/admission.h"
#include "sim/faas_model.h"

namespace ups::policy {
namespace {

const std::string kFaasEventObject = std::string(UPS_POLICY_DIR) + "/faas_event.bpf.o";

sim::FaasPoint run(const sim::RuntimeModel& rt, int chains, const std::string& policy) {
  sim::FaasParams p;
  p.cpus = 4;
  p.duration_s = 20;
  p.rate_per_chain = 0.3;
  sim::FaasRunOptions o;
  o.policy = policy;
  o.seed = 3;
  o.factory = testing::cli_factory();  // the .bpf.o as root (the FaaS model's loader), the rest native
  return sim::run_faas_point(p, rt, chains, o);
}

// Below saturation (2 chains) and past it (12 chains on 4 CPUs), where
// idle pollers are parked, fired runtimes rescued and deadlines refreshed.
TEST(FaasEventBpf, RunsTheChainsWithTheScheduleOfItsNativeTwin) {
  const sim::FaasParams p;
  for (const sim::RuntimeModel* rt : {&p.microvm, &p.container})
    for (int chains : {2, 12}) {
      SCOPED_TRACE(rt->kind + " " + std::to_string(chains) + " chains");
      const sim::FaasPoint bpf = run(*rt, chains, kFaasEventObject);
      const sim::FaasPoint native = run(*rt, chains, "faas_event");
      ASSERT_EQ(bpf.error, "");
      ASSERT_EQ(native.error, "");
      EXPECT_GT(bpf.requests, 0u);
      EXPECT_EQ(bpf.lost_tasks, 0u);
      EXPECT_LT(bpf.idle_ratio, 0.05);
      EXPECT_EQ(bpf.trace_sha256, native.trace_sha256);
      EXPECT_EQ(bpf.requests, native.requests);
    }
}

TEST(FaasEventBpf, LoadingWithoutSchedEventsIsRefusedNamingIt) {
  auto adm = security::AdmissionConfig::parse(
      "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n"
      "[users.bob]\nuid = 1001\ngid = 1001\ncaps = [\"sched.load\", \"sched.events\"]\n",
      "adm.toml");
  ASSERT_TRUE(adm) << adm.error().to_string();
  LoadPolicyOptions o;
  o.admission = &*adm;
  o.principal = Principal{1000, 1000};
  auto refused = load_bpf_policy(kFaasEventObject, o);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("sched.events"), std::string::npos) << refused.error().message;
  o.principal = Principal{1001, 1001};
  auto loaded = load_bpf_policy(kFaasEventObject, o);
  EXPECT_TRUE(loaded) << loaded.error().to_string();
}

}  // namespace
}  // namespace ups::policy
