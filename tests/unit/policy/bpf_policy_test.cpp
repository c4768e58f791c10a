// The policy host end to end: the SDK's example policies, loaded from their
// .bpf.o files for a principal, verified, and run in the simulator; the
// same schedule as their native twins; misbehaving ones refused or ejected
// with an exit report while every task finishes under fair.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "policy/policy_loader.h"
#include "security/admission.h"
#include "sim/presets.h"
#include "sim/workload.h"
#include "sim/world.h"

namespace ups::policy {
namespace {

std::string obj(const std::string& name) { return std::string(UPS_POLICY_DIR) + "/" + name + ".bpf.o"; }

// A factory that resolves "<name>.bpf.o" specs through load_bpf_policy
// (with rodata "fifo_sched" set for "simple_fifo") and others natively.
sim::PolicyFactory bpf_factory(const security::AdmissionConfig* adm = nullptr, bool unique_names = false) {
  auto loads = std::make_shared<int>(0);
  return [adm, unique_names, loads](const sim::PolicyRequest& req) -> Result<sim::PolicyInstance> {
    // "x.bpf.o?name=value": a parameter (const volatile global).
    const size_t q = req.spec.find('?');
    const std::string path = req.spec.substr(0, q);
    const std::string suffix = ".bpf.o";
    if (path.size() < suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
      return sim::native_policy_factory()(req);
    LoadPolicyOptions o;
    if (q != std::string::npos) {
      const std::string kv = req.spec.substr(q + 1);
      const size_t eq = kv.find('=');
      o.params.emplace_back(kv.substr(0, eq), std::stoull(kv.substr(eq + 1)));
    }
    o.principal = req.principal;
    o.admission = adm;
    o.slot = req.slot;
    o.cpus = req.cpus;
    if (unique_names) o.name = "bpf" + std::to_string(++*loads);
    auto lp = load_bpf_policy(path, o);
    if (!lp) return tl::unexpected(lp.error());
    sim::PolicyInstance inst;
    inst.ops = std::move(lp->ops);
    inst.grant = lp->grant;
    inst.slot = lp->slot;
    return inst;
  };
}

sim::SimReport run(const std::string& preset, const std::string& policy, sim::PolicyFactory f, u64 seed = 1,
                   int cpus = 4, TimeNs duration = 200 * kNsPerMs) {
  auto w = sim::make_preset(preset, cpus);
  EXPECT_TRUE(w);
  sim::SimConfig cfg;
  cfg.nr_cpus = cpus;
  cfg.seed = seed;
  cfg.duration = duration;
  cfg.policies = {policy};
  cfg.check_invariants = true;
  auto world = sim::World::create(std::move(*w), cfg, std::move(f));
  EXPECT_TRUE(world) << (world ? std::string() : world.error().to_string());
  if (!world) return {};
  auto st = (*world)->run();
  sim::SimReport r = (*world)->report();
  if (!st) r.error = st.error().to_string();
  return r;
}

TEST(BpfPolicy, SimpleLoadsVerifiesAndRunsHogs) {
  auto lp = load_bpf_policy(obj("simple"));
  ASSERT_TRUE(lp) << lp.error().to_string();
  EXPECT_EQ(lp->ops->config().name, "simple");
  sim::SimReport r = run("hogs", obj("simple"), bpf_factory());
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
      sim::SimReport b = run(preset, obj("simple"), bpf_factory(), seed);
      sim::SimReport n = run(preset, "simple", sim::native_policy_factory(), seed);
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
    sim::SimReport b = run(preset, bpf_spec, bpf_factory(), seed);
    sim::SimReport n = run(preset, native, sim::native_policy_factory(), seed);
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
// Blocked by the policy host, not the verifier (both objects verify now):
// - qmap: the object loader drops the `.values = { [0] = &level0, ... }`
//   initialiser of the `levels` array of maps, so every inner-map lookup is
//   NULL at run time ("no queue for level 0" in enqueue);
// - central: the timer callback runs with no running program, so
//   BpfPolicy::readable_extent() does not know its stack and
//   bpf_iter_num_new refuses the iterator; with that fixed, non-central
//   CPUs are still preempted at every tick: the SCX_SLICE_INF slices that
//   dispatch gives through SCX_DSQ_LOCAL_ON are not kept.
// Enable once the host handles them.
TEST(BpfPolicy, DISABLED_QmapFifoMatchesItsNativeTwin) {
  expect_twins(obj("qmap") + "?fifo_mode=1", "qmap_fifo", "hogs");
}
TEST(BpfPolicy, DISABLED_CentralMatchesItsNativeTwin) { expect_twins(obj("central"), "central", "hogs"); }

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

// A misbehaving policy is ejected with the expected report; every task
// still finishes (under fair) and none is lost.
void expect_ejected(const std::string& name, ExitKind kind, const std::string& needle) {
  SCOPED_TRACE(name);
  auto lp = load_bpf_policy(obj(name));
  ASSERT_TRUE(lp) << lp.error().to_string();
  sim::SimReport r = run("hogs", obj(name), bpf_factory(), 1, 4, 3 * kNsPerSec);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  ASSERT_FALSE(r.exit_reports.empty());
  const ExitReport& e = r.exit_reports.front();
  EXPECT_EQ(e.kind, kind) << e.to_string();
  EXPECT_NE(e.to_string().find(needle), std::string::npos) << e.to_string();
}

TEST(BpfPolicy, NeverDispatchIsEjectedByTheWatchdog) {
  expect_ejected("bad_never_dispatch", ExitKind::error_stall, "stall");
}
TEST(BpfPolicy, CallsErrorIsEjectedWithItsMessage) {
  expect_ejected("bad_calls_error", ExitKind::error_bpf, "bad_calls_error");
}
TEST(BpfPolicy, VtimeIntoFifoIsEjected) {
  expect_ejected("bad_vtime_into_fifo", ExitKind::error, "vtime");
}

}  // namespace
}  // namespace ups::policy

namespace ups::policy {
namespace {

// Two users' BPF classes come and go during a run (load, replace, unload):
// no task is lost and every class leaves with a clean exit report.
TEST(BpfPolicy, LoadReplaceUnloadDuringARunLoseNoTask) {
  auto adm = security::AdmissionConfig::parse(
      "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n"
      "[users.bob]\nuid = 1001\ngid = 1001\ncaps = [\"sched.load\"]\n",
      "adm.toml");
  ASSERT_TRUE(adm) << adm.error().to_string();
  const std::string simple = obj("simple");
  const std::string text = "[[classes]]\nname = \"batch\"\npolicy = \"" + simple + "\"\nuid = 1000\n"
      "load_at = \"1ms\"\nreplace_at = \"20ms\"\nreplace_with = \"" + simple + "?fifo_sched=1\"\n"
      "unload_at = \"40ms\"\n"
      "[[classes]]\nname = \"interactive\"\npolicy = \"" + simple + "\"\nuid = 1001\nunload_at = \"30ms\"\n"
      "[[tasks]]\nname = \"b\"\ncount = 6\nuid = 1000\nclass = \"batch\"\n"
      "program = [ { repeat = 200, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n"
      "[[tasks]]\nname = \"i\"\ncount = 4\nuid = 1001\nclass = \"interactive\"\n"
      "program = [ { repeat = 300, body = [ { compute = \"50us\" }, { sleep = \"200us\" } ] } ]\n";
  const std::string path = ::testing::TempDir() + "bpf_classes.toml";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  auto w = sim::load_workload_file(path);
  ASSERT_TRUE(w) << w.error().to_string();
  sim::SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.duration = 2 * kNsPerSec;
  cfg.check_invariants = true;
  auto world = sim::World::create(std::move(*w), cfg, bpf_factory(&*adm, true));
  ASSERT_TRUE(world) << world.error().to_string();
  auto st = (*world)->run();
  EXPECT_TRUE(st) << st.error().to_string();
  sim::SimReport r = (*world)->report();
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.completed);
  EXPECT_GE(r.exit_reports.size(), 3u);  // replaced, unloaded twice
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
}

}  // namespace
}  // namespace ups::policy
