// The guest/host hint channel end to end (docs/guest-host.md): virt_guest
// (sdk/policies/virt_guest.bpf.c) publishes from inside each VM's guest
// core, virt_host reads through the upsched_vcpu_* kfuncs on the host, and
// together they cut the spin wasted on preempted lock holders and the
// latency of the guests' latency-critical task, compared with the same
// VMs under fair. A principal without sched.virt is refused at load,
// naming the capability and the kfunc.
#include <gtest/gtest.h>

#include <cstdio>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

// workloads/guest-host.toml in small: 2 VMs of 4 vCPUs on 4 CPUs, with
// host I/O threads that preempt vCPUs at random.
std::string vms(const std::string& guest_policy, const std::string& extra) {
  return "[[tasks]]\nname = \"host-io\"\ncount = 4\n"
         "program = [ { forever = [ { sleep = { dist = \"exponential\", mean = \"500us\" } },"
         " { compute = { dist = \"exponential\", mean = \"30us\" } } ] } ]\n"
         "[[vms]]\nname = \"vm\"\ncount = 2\nvcpus = 4\nguest_policies = [\"" + guest_policy + "\"]\n" + extra +
         "[vms.guest]\nlocks = [\"l\"]\nchannels = [\"req\"]\n"
         "[[vms.guest.tasks]]\nname = \"locker\"\ncount = 4\n"
         "program = [ { forever = [ { compute = { dist = \"uniform\", min = \"100us\", max = \"300us\" } },"
         " { spin_lock = \"l\" }, { compute = \"20us\" }, { unlock = \"l\" } ] } ]\n"
         "[[vms.guest.tasks]]\nname = \"latency\"\nnice = -5\n"
         "program = [ { forever = [ { recv = \"req\" }, { compute = \"100us\" }, { complete = true } ] } ]\n"
         "[[vms.guest.arrivals]]\nchannel = \"req\"\nrate = 500.0\n";
}

struct Totals {
  double spin = 0, host = 0, p99_us = 0;
  u64 requests = 0;
};

Totals run_vms(const std::string& host_policy, const std::string& guest_policy, const std::string& extra) {
  auto w = workload::parse_workload(vms(guest_policy, extra), "vms.toml");
  EXPECT_TRUE(w) << w.error().to_string();
  if (!w) return {};
  sim::SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.duration = 500 * kNsPerMs;
  cfg.costs.hz = 1000;  // the host policy reads the hints at each tick
  cfg.policies = {host_policy};
  cfg.check_invariants = true;
  auto world = sim::World::create(std::move(*w), cfg, cli_factory({}, cfg.nr_cpus));
  EXPECT_TRUE(world) << world.error().to_string();
  if (!world) return {};
  auto st = (*world)->run();
  EXPECT_TRUE(st) << st.error().to_string();
  const report::RunReport r = (*world)->report();
  EXPECT_EQ(r.lost_tasks, 0u);
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
  Totals t;
  for (const auto& v : r.vms) t.spin += v.spin_s, t.host += v.host_cpu_s;
  t.p99_us = r.request_latency.p99_us;
  t.requests = r.requests;
  return t;
}

TEST(VirtHints, HintsCutWastedSpinAndLatency) {
  const Totals plain = run_vms("fair", "fair", "");
  const Totals hints = run_vms(obj("virt_host"), obj("virt_guest"), "ple_window = \"50us\"\n");
  std::printf("wasted spin / host CPU: fair %.3f, hints %.3f; latency p99: fair %.0f us, hints %.0f us\n",
              plain.spin / plain.host, hints.spin / hints.host, plain.p99_us, hints.p99_us);
  EXPECT_GT(plain.requests, 100u);
  EXPECT_GT(hints.requests, 100u);
  EXPECT_LT(hints.spin / hints.host, plain.spin / plain.host / 2);
  EXPECT_LT(hints.p99_us, plain.p99_us / 2);
}

TEST(VirtHints, RefusedWithoutTheVirtCapability) {
  const std::string admission =
      "[users.dave]\nuid = 1003\ngid = 1003\ncaps = [\"sched.load\", \"sched.kick\", \"sched.locks\"]\n";
  host::PolicyFactory factory = cli_factory(admission);
  Principal dave;
  dave.uid = dave.gid = 1003;
  for (const char* policy : {"virt_host", "virt_guest"}) {
    SCOPED_TRACE(policy);
    auto r = factory(host::PolicyRequest{obj(policy) + ":dave", dave, ChainSlot::below_fair, {}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("sched.virt"), std::string::npos) << r.error().to_string();
    EXPECT_NE(r.error().message.find("upsched_v"), std::string::npos) << r.error().to_string();
  }
}

}  // namespace
}  // namespace ups::policy
