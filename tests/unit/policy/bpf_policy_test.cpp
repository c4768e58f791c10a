// The policy host end to end: the SDK's example policies, loaded from their
// .bpf.o files for a principal, verified, and run in the simulator; the
// same schedule as their native twins; refusals naming the capability;
// classes loaded, replaced and unloaded during a run.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy_loader.h"
#include "policy_test_support.h"
#include "security/admission.h"

namespace ups::policy {
namespace {

using namespace testing;

report::RunReport run(const std::string& preset, const std::string& policy, host::PolicyFactory f, u64 seed = 1) {
  RunOptions o;
  o.seed = seed;
  return run_preset(preset, policy, std::move(f), o);
}

TEST(BpfPolicy, SimpleLoadsVerifiesAndRunsHogs) {
  auto lp = load_bpf_policy(obj("simple"));
  ASSERT_TRUE(lp) << lp.error().to_string();
  EXPECT_EQ(lp->ops->config().name, "simple");
  report::RunReport r = run("hogs", obj("simple"), cli_factory());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_GT(r.context_switches, 0u);
  EXPECT_GT(r.events, 100u);
  bool ran = false;
  for (const auto& [name, share] : r.per_class_share) ran |= name.find("simple") != std::string::npos && share > 0.5;
  std::string shares;
  for (const auto& [name, share] : r.per_class_share) shares += name + "=" + std::to_string(share) + " ";
  EXPECT_TRUE(ran) << "the BPF class did not run the tasks: " << shares << " events " << r.events;
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
}

TEST(BpfPolicy, SimpleMatchesItsNativeTwin) {
  for (const char* preset : {"hogs"}) {
    for (u64 seed : {1u, 7u}) {
      SCOPED_TRACE(std::string(preset) + " seed " + std::to_string(seed));
      report::RunReport b = run(preset, obj("simple"), cli_factory(), seed);
      report::RunReport n = run(preset, "simple", host::native_policy_factory(), seed);
      ASSERT_EQ(b.error, "");
      EXPECT_EQ(b.trace_sha256, n.trace_sha256);
      EXPECT_EQ(b.events, n.events);
    }
  }
}

// The BPF policy and its C++ twin make the same decisions: same schedule.
void expect_twins(const std::string& bpf_spec, const std::string& native, const char* preset) {
  for (u64 seed : {1u, 7u}) {
    SCOPED_TRACE(bpf_spec + " vs " + native + " on " + preset + " seed " + std::to_string(seed));
    report::RunReport b = run(preset, bpf_spec, cli_factory(), seed);
    report::RunReport n = run(preset, native, host::native_policy_factory(), seed);
    ASSERT_EQ(b.error, "");
    ASSERT_EQ(n.error, "");
    EXPECT_EQ(b.lost_tasks, 0u);
    for (const auto& e : b.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
    EXPECT_EQ(b.events, n.events);
    EXPECT_EQ(b.context_switches, n.context_switches);
    EXPECT_EQ(b.trace_sha256, n.trace_sha256);
  }
}

TEST(BpfPolicy, SimpleFifoMatchesItsNativeTwin) {
  expect_twins(obj("simple") + "?fifo_sched=1", "simple_fifo", "hogs");
}
TEST(BpfPolicy, QmapFifoMatchesItsNativeTwin) {
  expect_twins(obj("qmap") + "?fifo_mode=1", "qmap_fifo", "hogs");
}
TEST(BpfPolicy, CentralMatchesItsNativeTwin) { expect_twins(obj("central"), "central", "hogs"); }

// A timer armed with BPF_F_TIMER_CPU_PIN runs on the CPU that armed it:
// central arms its timer from the central CPU's dispatch() and ejects itself
// (scx_bpf_error) if the callback runs anywhere else, as scx_central does.
// It used to run on the class's first CPU, so central_cpu=1 was ejected.
TEST(BpfPolicy, CentralOnCpu1KeepsItsPinnedTimerThere) {
  report::RunReport r = run("hogs", obj("central") + "?central_cpu=1", cli_factory());
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
  double central_share = 0;
  for (const auto& [name, share] : r.per_class_share)
    if (name.find("central") != std::string::npos) central_share = share;
  EXPECT_GT(central_share, 0.9);
}

TEST(BpfPolicy, PrincipalWithoutLoadCapabilityIsRefused) {
  LoadPolicyOptions o;
  o.principal = Principal{1000, 1000};
  auto lp = load_bpf_policy(obj("simple"), o);
  ASSERT_FALSE(lp);
  EXPECT_NE(lp.error().message.find("sched.load"), std::string::npos) << lp.error().message;
}

TEST(BpfPolicy, KickWithoutCapabilityIsRefusedNamingIt) {
  auto adm = security::AdmissionConfig::parse(
      "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n", "adm.toml");
  ASSERT_TRUE(adm) << adm.error().to_string();
  LoadPolicyOptions o;
  o.principal = Principal{1000, 1000};
  o.admission = &*adm;
  auto lp = load_bpf_policy(obj("bad_kick_without_cap"), o);
  ASSERT_FALSE(lp);
  EXPECT_NE(lp.error().message.find("sched.kick"), std::string::npos) << lp.error().message;
  // The same user may load a well-behaved policy.
  EXPECT_TRUE(load_bpf_policy(obj("simple"), o));
}


// Two users' BPF classes come and go during a run (load, replace, unload):
// no task is lost and every class leaves with a clean exit report.
TEST(BpfPolicy, LoadReplaceUnloadDuringARunLoseNoTask) {
  const std::string admission =
      "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n"
      "[users.bob]\nuid = 1001\ngid = 1001\ncaps = [\"sched.load\"]\n";
  const std::string simple = obj("simple");
  const std::string text = "[[classes]]\nname = \"batch\"\npolicy = \"" + simple + "\"\nuid = 1000\n"
      "load_at = \"1ms\"\nreplace_at = \"20ms\"\nreplace_with = \"" + simple + "?fifo_sched=1\"\n"
      "unload_at = \"40ms\"\n"
      "[[classes]]\nname = \"interactive\"\npolicy = \"" + simple + "\"\nuid = 1001\nunload_at = \"30ms\"\n"
      "[[tasks]]\nname = \"b\"\ncount = 6\nuid = 1000\nclass = \"batch\"\n"
      "program = [ { repeat = 200, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n"
      "[[tasks]]\nname = \"i\"\ncount = 4\nuid = 1001\nclass = \"interactive\"\n"
      "program = [ { repeat = 300, body = [ { compute = \"50us\" }, { sleep = \"200us\" } ] } ]\n";
  RunOptions o;
  o.duration = 2 * kNsPerSec;
  report::RunReport r = run_scenario(text, cli_factory(admission), o);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.completed);
  EXPECT_GE(r.exit_reports.size(), 3u);  // replaced, unloaded twice
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
}

}  // namespace
}  // namespace ups::policy
