// Virtual machines in the simulator (docs/guest-host.md): a VM's guest
// tasks run only while the host runs their vCPU, an idle vCPU halts (after
// polling, with halt_poll), and a
// guest spinning for a lock whose holder's vCPU is descheduled burns host
// CPU, which pause-loop exiting cuts. Workload files declare VMs, with
// errors that name the field.
#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace ups::sim {
namespace {

using testing::checked_config;
using testing::run_checked;

Workload parse(const std::string& text) {
  auto w = parse_workload(text, "vm.toml");
  EXPECT_TRUE(w) << w.error().to_string();
  return w ? *w : Workload{};
}

RunReport run(const std::string& text, int cpus, TimeNs duration = kNsPerSec, u64 seed = 1) {
  auto r = run_checked(parse(text), checked_config(cpus, seed, duration, "fair"));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.report.lost_tasks, 0u);
  return r.report;
}

const VmReport& vm(const RunReport& r, size_t i = 0) {
  static const VmReport none;
  return i < r.vms.size() ? r.vms[i] : none;
}

// One vCPU whose guest computes forever, beside a host hog on one CPU: the
// host shares its CPU fairly, and the guest gets only what its vCPU gets.
TEST(SimVm, AGuestRunsOnlyWhileItsVcpuRuns) {
  const std::string text =
      "[[tasks]]\nname = \"hog\"\nprogram = [ { forever = [ { compute = \"1ms\" } ] } ]\n"
      "[[vms]]\nname = \"vm\"\nvcpus = 1\n"
      "[vms.guest]\n[[vms.guest.tasks]]\nname = \"busy\"\n"
      "program = [ { forever = [ { compute = \"1ms\" } ] } ]\n";
  const RunReport r = run(text, 1);
  ASSERT_EQ(r.vms.size(), 1u);
  EXPECT_NEAR(vm(r).host_cpu_s, 0.5, 0.05);
  EXPECT_LE(vm(r).guest_run_s, vm(r).host_cpu_s + 1e-6);
  EXPECT_GT(vm(r).guest_run_s, 0.45);
  EXPECT_NEAR(vm(r).steal_s, 0.5, 0.05);  // runnable, waiting behind the hog
  EXPECT_EQ(vm(r).spin_s, 0);
}

// An idle guest CPU halts its vCPU: a VM of four vCPUs whose one task
// mostly sleeps takes a small share of one host CPU, not four.
TEST(SimVm, IdleVcpusHalt) {
  const std::string text =
      "[[vms]]\nvcpus = 4\n[vms.guest]\n[[vms.guest.tasks]]\nname = \"sleepy\"\n"
      "program = [ { forever = [ { sleep = \"9ms\" }, { begin = true }, { compute = \"1ms\" }, "
      "{ complete = true } ] } ]\n";
  const RunReport r = run(text, 4);
  EXPECT_LT(vm(r).host_cpu_s, 0.15);
  EXPECT_GT(vm(r).guest_run_s, 0.08);
  EXPECT_GT(vm(r).requests, 90u);
  EXPECT_EQ(r.requests, vm(r).requests);  // the run's requests include the guests'
  EXPECT_LT(vm(r).request_latency.p99_us, 1100.0);  // nothing competes: 1 ms of work
}

// Halt polling: the same sleepy guest, whose idle vCPU now polls for 2 ms
// before it halts, keeps its host CPU that much longer after each request
// and catches no fewer requests.
TEST(SimVm, HaltPollingKeepsTheHostCpuForThePollWindow) {
  auto sleepy = [](const std::string& poll) {
    return "[[vms]]\nvcpus = 1\n" + poll +
           "[vms.guest]\n[[vms.guest.tasks]]\nname = \"sleepy\"\n"
           "program = [ { forever = [ { sleep = \"9ms\" }, { begin = true }, { compute = \"1ms\" }, "
           "{ complete = true } ] } ]\n";
  };
  const RunReport halts = run(sleepy(""), 1);
  const RunReport polls = run(sleepy("halt_poll = \"2ms\"\n"), 1);
  // About 100 requests of 1 ms in the second, each followed by a 2 ms poll.
  EXPECT_NEAR(vm(polls).host_cpu_s - vm(halts).host_cpu_s, 0.2, 0.03);
  EXPECT_NEAR(vm(polls).guest_run_s, vm(halts).guest_run_s, 0.01);
  EXPECT_GE(vm(polls).requests, vm(halts).requests);
  auto bad = parse_workload("[[vms]]\nhalt_poll = \"soon\"\n[vms.guest]\n[[vms.guest.tasks]]\nname = \"t\"\n"
                            "program = [ { compute = \"1ms\" } ]\n",
                            "bad.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().to_string().find("halt_poll"), std::string::npos) << bad.error().to_string();
}

// vCPU pinning: two busy vCPUs pinned to host CPU 0 share it, and leave
// CPU 1 idle; unpinned they take both. A pin list longer than the VM is an
// error naming the field.
TEST(SimVm, PinnedVcpusRunOnlyOnTheirCpus) {
  auto busy = [](const std::string& pin) {
    return "[[vms]]\nvcpus = 2\n" + pin +
           "[vms.guest]\n[[vms.guest.tasks]]\nname = \"busy\"\ncount = 2\n"
           "program = [ { forever = [ { compute = \"1ms\" } ] } ]\n";
  };
  EXPECT_NEAR(vm(run(busy(""), 2)).host_cpu_s, 2.0, 0.05);
  const RunReport pinned = run(busy("vcpu_pin = [\"0\", \"0\"]\n"), 2);
  EXPECT_NEAR(vm(pinned).host_cpu_s, 1.0, 0.05);
  EXPECT_NEAR(vm(pinned).steal_s, 1.0, 0.05);  // each waits half the time
  auto bad = parse_workload(busy("vcpu_pin = [\"0\", \"1\", \"1\"]\n"), "bad.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().to_string().find("vcpu_pin"), std::string::npos) << bad.error().to_string();
}

// Two guest tasks share a spinlock on two vCPUs, beside a host I/O thread
// that wakes at random and preempts whichever vCPU runs. With a host CPU per
// vCPU the waiter spins only while the holder works; with two such VMs on
// two host CPUs a holder's vCPU is often preempted holding the lock while
// its sibling spins on, wasting host CPU.
std::string spin_vms(int count, const std::string& ple) {
  return "[[tasks]]\nname = \"io\"\n"
         "program = [ { forever = [ { sleep = { dist = \"exponential\", mean = \"500us\" } }, { compute = \"30us\" } ] } ]\n"
         "[[vms]]\nname = \"vm\"\ncount = " + std::to_string(count) + "\nvcpus = 2\n" + ple +
         "[vms.guest]\nlocks = [\"l\"]\n[[vms.guest.tasks]]\nname = \"w\"\ncount = 2\n"
         "program = [ { forever = [ { spin_lock = \"l\" }, { compute = \"100us\" }, { unlock = \"l\" }, "
         "{ compute = \"100us\" } ] } ]\n";
}

double spin_share(const RunReport& r) {
  double spin = 0, host = 0;
  for (const VmReport& v : r.vms) spin += v.spin_s, host += v.host_cpu_s;
  return host > 0 ? spin / host : 0;
}

TEST(SimVm, SpinningOnAPreemptedHolderWastesHostCpu) {
  const RunReport dedicated = run(spin_vms(1, ""), 2);
  const RunReport overcommitted = run(spin_vms(2, ""), 2);
  EXPECT_GT(spin_share(overcommitted), 4 * spin_share(dedicated))
      << spin_share(dedicated) << " vs " << spin_share(overcommitted);
  EXPECT_GT(overcommitted.wasted_cpu_ratio, dedicated.wasted_cpu_ratio);
  // The guest never runs more than its vCPUs got.
  for (const VmReport& v : overcommitted.vms) EXPECT_LE(v.guest_run_s, v.host_cpu_s + 1e-6);
}

TEST(SimVm, PauseLoopExitingCutsTheSpin) {
  const RunReport plain = run(spin_vms(2, ""), 2);
  const RunReport ple = run(spin_vms(2, "ple_window = \"20us\"\n"), 2);
  u64 exits = 0;
  for (const VmReport& v : ple.vms) exits += v.ple_exits;
  EXPECT_GT(exits, 0u);
  EXPECT_LT(spin_share(ple), spin_share(plain) / 2) << spin_share(plain) << " vs " << spin_share(ple);
}

TEST(SimVm, TheSameSeedGivesTheSameRun) {
  const RunReport a = run(spin_vms(2, "ple_window = \"20us\"\n"), 2, kNsPerSec / 4, 7);
  const RunReport b = run(spin_vms(2, "ple_window = \"20us\"\n"), 2, kNsPerSec / 4, 7);
  EXPECT_EQ(a.to_json(), b.to_json());
}

TEST(SimVm, BadVmDeclarationsNameTheField) {
  auto no_guest = parse_workload("[[vms]]\nvcpus = 2\n", "bad.toml");
  ASSERT_FALSE(no_guest);
  EXPECT_NE(no_guest.error().to_string().find("needs 'guest'"), std::string::npos) << no_guest.error().to_string();
  auto bad_guest = parse_workload(
      "[[vms]]\nvcpus = 2\n[vms.guest]\n[[vms.guest.tasks]]\nname = \"t\"\n"
      "program = [ { spin_lock = \"nope\" } ]\n",
      "bad.toml");
  ASSERT_FALSE(bad_guest);
  EXPECT_NE(bad_guest.error().to_string().find("nope"), std::string::npos) << bad_guest.error().to_string();
  auto bad_class = parse_workload(
      "[[vms]]\nclass = \"c\"\n[vms.guest]\n[[vms.guest.tasks]]\nname = \"t\"\n"
      "program = [ { compute = \"1ms\" } ]\n",
      "bad.toml");
  ASSERT_FALSE(bad_class);
  EXPECT_NE(bad_class.error().to_string().find("unknown class 'c'"), std::string::npos) << bad_class.error().to_string();
  auto nested = parse_workload(
      "[[vms]]\n[vms.guest]\n[[vms.guest.vms]]\n[[vms.guest.tasks]]\nname = \"t\"\n"
      "program = [ { compute = \"1ms\" } ]\n",
      "bad.toml");
  ASSERT_FALSE(nested);
  EXPECT_NE(nested.error().to_string().find("unknown field 'vms'"), std::string::npos) << nested.error().to_string();
}

}  // namespace
}  // namespace ups::sim
