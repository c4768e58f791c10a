// The guest/host hint channel end to end (docs/guest-host.md): virt_guest
// (sdk/policies/virt_guest.bpf.c) publishes from inside each VM's guest
// core, virt_host reads through the upsched_vcpu_* kfuncs on the host, and
// together they cut the spin wasted on preempted lock holders and the
// latency of the guests' latency-critical task, compared with the same
// VMs under fair. A principal without sched.virt is refused at load,
// naming the capability and the kfunc. Each side may call only its own
// kfuncs: virt_host in a guest chain, or virt_guest on the host's, is
// refused at load, naming the kfunc, its side, the place and the line.
#include <gtest/gtest.h>

#include <cstdio>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

// workloads/guest-host.toml in small: 2 VMs of 4 vCPUs on 4 CPUs, with
// host I/O threads that preempt vCPUs at random.
std::string vms(const std::string& guest_policy, const std::string& extra = "") {
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
    host::PolicyRequest req;
    req.spec = obj(policy) + ":dave";
    req.principal = dave;
    auto r = factory(req);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("sched.virt"), std::string::npos) << r.error().to_string();
    EXPECT_NE(r.error().message.find("upsched_v"), std::string::npos) << r.error().to_string();
  }
}

// workloads/guest-idle.toml: a busy VM (hogs on every vCPU) beside a quiet
// one whose idle vCPUs poll for 500 us before they halt, on 4 host CPUs
// under virt_host; the quiet guest's policy is `quiet_policy`.
sim::World* busy_and_quiet(std::unique_ptr<sim::World>& keep, const std::string& quiet_policy) {
  auto w = workload::load_workload_file(std::string(UPS_SOURCE_DIR) + "/workloads/guest-idle.toml");
  EXPECT_TRUE(w) << w.error().to_string();
  if (!w) return nullptr;
  EXPECT_EQ(w->vms.size(), 2u);
  if (w->vms.size() != 2) return nullptr;
  w->vms[1].guest_policies = {quiet_policy};
  sim::SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.duration = 500 * kNsPerMs;
  cfg.costs.hz = 1000;
  cfg.policies = {obj("virt_host")};
  cfg.check_invariants = true;
  auto world = sim::World::create(std::move(*w), cfg, cli_factory({}, cfg.nr_cpus));
  EXPECT_TRUE(world) << world.error().to_string();
  if (!world) return nullptr;
  keep = std::move(*world);
  auto st = keep->run();
  EXPECT_TRUE(st) << st.error().to_string();
  return keep.get();
}

// virt_guest publishes UPSCHED_VCPU_IDLE while its vCPU has nothing to run;
// virt_host then gives the CPU of a vCPU that polls idle to the vCPUs that
// have work. The same host with a quiet guest that says nothing (fair)
// lets the polls run their course.
TEST(VirtHints, AnIdleGuestGivesItsPollingCpuToBusyVcpus) {
  std::unique_ptr<sim::World> a, b;
  sim::World* silent = busy_and_quiet(a, "fair");
  sim::World* idle_hints = busy_and_quiet(b, obj("virt_guest"));
  ASSERT_TRUE(silent && idle_hints);
  const report::RunReport rs = silent->report(), ri = idle_hints->report();
  ASSERT_EQ(rs.vms.size(), 2u);
  ASSERT_EQ(ri.vms.size(), 2u);
  for (const auto* r : {&rs, &ri}) {
    EXPECT_EQ(r->lost_tasks, 0u);
    for (const auto& e : r->exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
  }
  std::printf("host CPU (s): quiet VM %.3f -> %.3f with idle hints, busy VM %.3f -> %.3f; quiet requests %llu -> %llu\n",
              rs.vms[1].host_cpu_s, ri.vms[1].host_cpu_s, rs.vms[0].host_cpu_s, ri.vms[0].host_cpu_s,
              static_cast<unsigned long long>(rs.vms[1].requests), static_cast<unsigned long long>(ri.vms[1].requests));
  EXPECT_LT(ri.vms[1].host_cpu_s, rs.vms[1].host_cpu_s);
  EXPECT_GT(ri.vms[0].host_cpu_s, rs.vms[0].host_cpu_s);
}

// One host CPU under virt_host, three one-vCPU VMs with a batch task each:
// "a" and "b" also serve requests with a latency-critical task, their
// guests publishing deadlines lat_deadline_ns after each request came
// (0: none); "c" only keeps the CPU busy, so that both latency vCPUs often
// wait for it at once. Returns the p99 of a's and b's requests.
std::pair<double, double> deadline_p99s(u64 a_deadline_ns, u64 b_deadline_ns) {
  auto vm = [](const std::string& name, const std::string& guest_policy, bool latency) {
    std::string t = "[[vms]]\nname = \"" + name + "\"\nvcpus = 1\nguest_policies = [\"" + guest_policy +
                    "\"]\n[vms.guest]\nchannels = [\"req\"]\n"
                    "[[vms.guest.tasks]]\nname = \"batch\"\nprogram = [ { forever = [ { compute = \"5ms\" } ] } ]\n";
    if (latency)
      t += "[[vms.guest.tasks]]\nname = \"latency\"\nnice = -5\n"
           "program = [ { forever = [ { recv = \"req\" }, { compute = \"200us\" }, { complete = true } ] } ]\n"
           "[[vms.guest.arrivals]]\nchannel = \"req\"\nrate = 500.0\n";
    return t;
  };
  auto guest = [](u64 deadline) { return obj("virt_guest") + "?lat_deadline_ns=" + std::to_string(deadline); };
  auto w = workload::parse_workload(
      vm("a", guest(a_deadline_ns), true) + vm("b", guest(b_deadline_ns), true) + vm("c", "fair", false), "dl.toml");
  EXPECT_TRUE(w) << w.error().to_string();
  if (!w) return {};
  sim::SimConfig cfg;
  cfg.nr_cpus = 1;
  cfg.duration = 2 * kNsPerSec;
  cfg.costs.hz = 1000;
  cfg.policies = {obj("virt_host")};
  cfg.check_invariants = true;
  auto world = sim::World::create(std::move(*w), cfg, cli_factory({}, cfg.nr_cpus));
  EXPECT_TRUE(world) << world.error().to_string();
  if (!world) return {};
  auto st = (*world)->run();
  EXPECT_TRUE(st) << st.error().to_string();
  const report::RunReport r = (*world)->report();
  EXPECT_EQ(r.vms.size(), 3u);
  if (r.vms.size() != 3) return {};
  EXPECT_GT(r.vms[0].requests, 500u);
  EXPECT_GT(r.vms[1].requests, 500u);
  return {r.vms[0].request_latency.p99_us, r.vms[1].request_latency.p99_us};
}

// virt_host serves the waiting latency-critical vCPU whose guest deadline
// is nearest first, whatever its VM: without deadlines the first VM goes
// first; with a tighter deadline the second VM's requests get ahead.
TEST(VirtHints, TheNearestGuestDeadlineRunsFirst) {
  const auto [a_none, b_none] = deadline_p99s(0, 0);
  const auto [a_loose, b_tight] = deadline_p99s(10 * kNsPerMs, 100 * kNsPerUs);
  std::printf("p99 (us): no deadlines a %.0f b %.0f; b's deadline tighter: a %.0f b %.0f\n", a_none, b_none,
              a_loose, b_tight);
  EXPECT_LT(b_tight, a_loose);
  EXPECT_LT(b_tight, b_none);
}

// A VM of two vCPUs pinned one per host CPU (fair host), beside a host hog
// pinned to CPU 0: vCPU 0 loses about half its time to steal, vCPU 1
// none. Both run a batch task; a latency-critical task serves requests.
// Returns their p99 with virt_guest steal-aware or not.
double pinned_steal_p99(bool steal_aware) {
  const std::string toml =
      "[[tasks]]\nname = \"host-hog\"\naffinity = \"0\"\nprogram = [ { forever = [ { compute = \"10ms\" } ] } ]\n"
      "[[vms]]\nname = \"vm\"\nvcpus = 2\nvcpu_pin = [\"0\", \"1\"]\nguest_policies = [\"" +
      obj("virt_guest") + "?steal_aware=" + (steal_aware ? "1" : "0") +
      "\"]\n[vms.guest]\nchannels = [\"req\"]\n"
      "[[vms.guest.tasks]]\nname = \"batch\"\ncount = 2\nprogram = [ { forever = [ { compute = \"5ms\" } ] } ]\n"
      "[[vms.guest.tasks]]\nname = \"latency\"\nnice = -5\n"
      "program = [ { forever = [ { recv = \"req\" }, { compute = \"100us\" }, { complete = true } ] } ]\n"
      "[[vms.guest.arrivals]]\nchannel = \"req\"\nrate = 500.0\n";
  RunOptions o;
  o.cpus = 2;
  o.duration = 2 * kNsPerSec;
  const report::RunReport r = run_scenario(toml, cli_factory({}, o.cpus), o);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_EQ(r.vms.size(), 1u);
  if (r.vms.size() != 1) return 0;
  EXPECT_GT(r.vms[0].requests, 500u);
  EXPECT_GT(r.vms[0].steal_s, 0.5);  // vCPU 0's, mostly
  return r.vms[0].request_latency.p99_us;
}

// virt_guest reads its vCPUs' steal time and puts a latency-critical task
// on the running vCPU that lost the least of it lately, not on the first.
TEST(VirtHints, LatencyCriticalTasksAvoidTheVcpuTheHostStealsFrom) {
  const double first = pinned_steal_p99(false);
  const double least_stolen = pinned_steal_p99(true);
  std::printf("latency p99: first running vCPU %.0f us, least stolen %.0f us\n", first, least_stolen);
  EXPECT_LT(least_stolen, first);
}

host::PolicyRequest request(const std::string& policy, VirtPlace place) {
  host::PolicyRequest r;
  r.spec = obj(policy);
  r.place = std::move(place);
  return r;
}

TEST(VirtHints, EachSideMayCallOnlyItsOwnKfuncs) {
  host::PolicyFactory factory = cli_factory({});
  auto host_in_guest = factory(request("virt_host", VirtPlace::guest_of("vm0")));
  ASSERT_FALSE(host_in_guest);
  const std::string h = host_in_guest.error().message;
  EXPECT_NE(h.find("is a host-side kfunc; this policy is loaded in guest VM 'vm0'"), std::string::npos) << h;
  EXPECT_NE(h.find("upsched_vcpu_"), std::string::npos) << h;
  EXPECT_NE(h.find("virt_host.bpf.c:"), std::string::npos) << h;  // the source line of the call
  auto guest_on_host = factory(request("virt_guest", VirtPlace::host_chain()));
  ASSERT_FALSE(guest_on_host);
  const std::string g = guest_on_host.error().message;
  EXPECT_NE(g.find("is a guest-side kfunc; this policy is loaded on the host chain"), std::string::npos) << g;
  EXPECT_NE(g.find("upsched_virt_"), std::string::npos) << g;
  EXPECT_NE(g.find("virt_guest.bpf.c:"), std::string::npos) << g;
  // Each on its own side loads; so does a policy of neither side anywhere.
  EXPECT_TRUE(factory(request("virt_host", VirtPlace::host_chain())));
  EXPECT_TRUE(factory(request("virt_guest", VirtPlace::guest_of("vm0"))));
  EXPECT_TRUE(factory(request("simple", VirtPlace::guest_of("vm0"))));
  EXPECT_TRUE(factory(request("simple", VirtPlace::host_chain())));
}

// The simulator says where each class loads: its host world is the host's
// chain, each VM's guest world that VM's guest chain.
TEST(VirtHints, TheSimulatorRefusesAPolicyOnTheWrongSide) {
  sim::SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.duration = 10 * kNsPerMs;
  auto create = [&](const std::string& host_policy, const std::string& guest_policy) {
    auto w = workload::parse_workload(vms(guest_policy), "vms.toml");
    EXPECT_TRUE(w) << w.error().to_string();
    sim::SimConfig c = cfg;
    c.policies = {host_policy};
    return sim::World::create(std::move(*w), c, cli_factory({}, cfg.nr_cpus));
  };
  auto swapped_guest = create("fair", obj("virt_host"));
  ASSERT_FALSE(swapped_guest);
  EXPECT_NE(swapped_guest.error().message.find("is a host-side kfunc; this policy is loaded in guest VM 'vm.0'"),
            std::string::npos)
      << swapped_guest.error().to_string();
  auto swapped_host = create(obj("virt_guest"), "fair");
  ASSERT_FALSE(swapped_host);
  EXPECT_NE(swapped_host.error().message.find("is a guest-side kfunc; this policy is loaded on the host chain"),
            std::string::npos)
      << swapped_host.error().to_string();
  EXPECT_TRUE(create(obj("virt_host"), obj("virt_guest")));
}

}  // namespace
}  // namespace ups::policy
