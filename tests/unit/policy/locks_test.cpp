// The lock-holder extension end to end: a workload's tasks take a named
// lock, the core records holder and waiters, and lock_boost
// (sdk/policies/lock_boost.bpf.c) reads them through the upsched_task_lock_*
// kfuncs to run a holder that others wait for first, so the waiters get the
// lock sooner than under simple, its twin without the boost. A principal
// without sched.locks is refused at load, naming the capability.
#include <gtest/gtest.h>

#include <cstdio>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

// Two CPUs. A holder keeps the lock for 30 ms at a time; waiters take it
// briefly (each a request, begin to complete); hogs keep every CPU busy, so
// a holder preempted at the end of its slice waits behind them in vtime
// order unless a policy knows it holds the lock.
const char* const kContention =
    "locks = [\"db\"]\n"
    "[[tasks]]\nname = \"holder\"\n"
    "program = [ { forever = [ { lock = \"db\" }, { compute = \"30ms\" }, { unlock = \"db\" },"
    " { sleep = \"1ms\" } ] } ]\n"
    "[[tasks]]\nname = \"waiter\"\ncount = 4\nstart = \"5ms\"\n"
    "program = [ { forever = [ { begin = true }, { lock = \"db\" }, { compute = \"100us\" },"
    " { unlock = \"db\" }, { complete = true }, { sleep = \"5ms\" } ] } ]\n"
    "[[tasks]]\nname = \"hog\"\ncount = 4\n"
    "program = [ { forever = [ { compute = \"10ms\" } ] } ]\n";

report::RunReport contention_under(const std::string& policy) {
  RunOptions o;
  o.cpus = 2;
  o.duration = 2 * kNsPerSec;
  o.policies = {obj(policy)};
  return run_scenario(kContention, cli_factory({}, o.cpus), o);
}

TEST(LockBoost, WaitersGetTheLockSoonerThanUnderSimple) {
  const report::RunReport plain = contention_under("simple");
  const report::RunReport boosted = contention_under("lock_boost");
  for (const report::RunReport* r : {&plain, &boosted}) {
    EXPECT_EQ(r->error, "");
    EXPECT_EQ(r->lost_tasks, 0u);
    for (const auto& e : r->exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
  }
  std::printf("waiters' lock latency (begin -> complete), mean / p99: simple %.2f / %.2f ms, "
              "lock_boost %.2f / %.2f ms; requests %llu vs %llu\n",
              plain.request_latency.mean_us / 1000, plain.request_latency.p99_us / 1000,
              boosted.request_latency.mean_us / 1000, boosted.request_latency.p99_us / 1000,
              static_cast<unsigned long long>(plain.request_latency.count),
              static_cast<unsigned long long>(boosted.request_latency.count));
  EXPECT_LT(boosted.request_latency.mean_us, plain.request_latency.mean_us * 0.75);
  EXPECT_GT(boosted.request_latency.count, plain.request_latency.count);
}

// workloads/priority-inversion.toml (docs/guest-host.md): the nice-10 holder
// competes with nice-0 hogs, so under simple's weighted vtime it waits
// behind them, lock in hand, while the nice -10 urgent task waits for the
// lock; lock_boost runs that holder first, even when it was queued before
// the urgent task came. The simulator is deterministic, so the order of the
// two p99s is behaviour, not timing.
TEST(LockBoost, PriorityInversionUrgentTaskFasterThanUnderSimple) {
  auto run = [](const std::string& policy) {
    RunOptions o;
    o.cpus = 2;
    o.duration = 2 * kNsPerSec;
    o.policies = {obj(policy)};
    return run_world(workload::load_workload_file(std::string(UPS_SOURCE_DIR) + "/workloads/priority-inversion.toml"),
                     o, cli_factory({}, o.cpus));
  };
  const report::RunReport plain = run("simple");
  const report::RunReport boosted = run("lock_boost");
  for (const report::RunReport* r : {&plain, &boosted}) {
    EXPECT_EQ(r->error, "");
    EXPECT_EQ(r->lost_tasks, 0u);
    for (const auto& e : r->exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
    EXPECT_GT(r->request_latency.count, 100u);
  }
  std::printf("urgent task p50 / p99: simple %.0f / %.0f us, lock_boost %.0f / %.0f us\n",
              plain.request_latency.p50_us, plain.request_latency.p99_us, boosted.request_latency.p50_us,
              boosted.request_latency.p99_us);
  EXPECT_LT(boosted.request_latency.p99_us, plain.request_latency.p99_us);
}

TEST(LockBoost, RefusedWithoutTheLocksCapability) {
  const std::string admission =
      "[users.dave]\nuid = 1003\ngid = 1003\ncaps = [\"sched.load\"]\n";
  host::PolicyFactory factory = cli_factory(admission);
  Principal dave;
  dave.uid = dave.gid = 1003;
  host::PolicyRequest req;
  req.spec = obj("lock_boost") + ":dave";
  req.principal = dave;
  auto r = factory(req);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sched.locks"), std::string::npos) << r.error().to_string();
  EXPECT_NE(r.error().message.find("upsched_task_lock_waiters"), std::string::npos) << r.error().to_string();
}

}  // namespace
}  // namespace ups::policy
