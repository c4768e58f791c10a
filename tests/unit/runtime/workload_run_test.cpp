// `upsched run`'s engine: workload files executed for real give the
// simulator's report fields, with the same counts where the workload fixes
// them (tasks, requests), nothing lost, and a BPF class's CPU share.
#include <gtest/gtest.h>

#include "runtime/workload_run.h"
#include "runtime_test_support.h"
#include "sim/world.h"
#include "workload/presets.h"
#include "workload/program_builder.h"

namespace ups::runtime::testing {
namespace {

const Calibration& cal() {
  static const Calibration c = calibrate_busy_work();
  return c;
}

TEST(WorkloadRun, CalibrationIsPositive) { EXPECT_GT(cal().iters_per_us, 0.0); }

TEST(WorkloadRun, EveryOpOfAFiniteWorkloadRunsAndCountsAsInTheSimulator) {
  auto w = workload::load_workload_file(std::string(UPS_SOURCE_DIR) + "/tests/data/sim/good/all_ops.toml");
  ASSERT_TRUE(w) << w.error().to_string();
  WorkloadRunConfig cfg;
  cfg.duration = 60 * kNsPerSec;  // a bound; the workload ends by itself
  cfg.handle_sigint = false;
  auto r = run_workload(*w, cfg, cal());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->lost_tasks, 0u);
  EXPECT_TRUE(r->error.empty()) << r->error;

  sim::SimConfig sc;
  sc.nr_cpus = 2;
  sc.duration = 60 * kNsPerSec;
  auto world = sim::World::create(*w, sc);
  ASSERT_TRUE(world);
  ASSERT_TRUE((*world)->run());
  const report::RunReport s = (*world)->report();
  EXPECT_EQ(r->tasks_created, s.tasks_created);
  EXPECT_EQ(r->tasks_completed, s.tasks_completed);
  EXPECT_EQ(r->requests, s.requests);
  EXPECT_EQ(r->groups.size(), s.groups.size());
  EXPECT_GT(r->wakeup_latency.count, 0u);  // its tasks sleep and wait
  // The same JSON document, field for field.
  EXPECT_NE(r->to_json().find("\"per_class_share\""), std::string::npos);
  EXPECT_NE(r->to_json().find("\"lost_tasks\""), std::string::npos);
}

TEST(WorkloadRun, AProducerAndConsumerUnderFaasEventRunToTheirEnd) {
  // faas_event (SCX_ENQ_LAST) puts a CPU's last task back on that CPU
  // inside schedule(); a worker that then went idle left it queued with
  // nobody to run it, and this run stalled after its first switches.
  auto w = workload::parse_workload(R"(
events = ["input"]
[[tasks]]
name = "consumer"
program = [ { repeat = 300, body = [ { wait = "input" }, { compute = "100us" } ] } ]
[[tasks]]
name = "producer"
program = [ { repeat = 300, body = [ { sleep = "200us" }, { signal = "input" } ] } ]
)", "faas_event_pair.toml");
  ASSERT_TRUE(w) << w.error().to_string();
  WorkloadRunConfig cfg;
  cfg.duration = 10 * kNsPerSec;  // a bound: the workload ends by itself in well under a second
  cfg.policies = {"faas_event"};
  cfg.handle_sigint = false;
  auto r = run_workload(*w, cfg, cal());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->tasks_completed, 2u);
  EXPECT_EQ(r->lost_tasks, 0u);
}

TEST(WorkloadRun, PollRecvPollsInBurstsBetweenItsMessagesAsInTheSimulator) {
  // A guest that polls its input for 1 ms every 2 ms (the faas model's
  // micro-VM runtime), fed every 20 ms: it gets every message, and its
  // bursts are real polling, which the run counts as wasted CPU.
  workload::Workload w;
  w.name = "poll_recv";
  w.source = "poll_recv_test";
  w.objects.push_back(workload::SyncDecl{"in", workload::SyncKind::channel, 0});
  auto group = [&](std::string name, workload::Program p) {
    workload::TaskGroup g;
    g.name = std::move(name);
    g.program = std::move(p);
    w.groups.push_back(std::move(g));
  };
  using workload::Distribution;
  group("guest", workload::ProgramBuilder()
                     .repeat(5)
                     .poll_recv(0, Distribution::constant(kNsPerMs), Distribution::constant(2 * kNsPerMs))
                     .complete()
                     .end()
                     .build());
  group("feeder", workload::ProgramBuilder()
                      .repeat(5)
                      .sleep(Distribution::constant(20 * kNsPerMs))
                      .begin()
                      .send(0)
                      .end()
                      .build());
  WorkloadRunConfig cfg;
  cfg.duration = 10 * kNsPerSec;  // a bound: it ends by itself in about 100 ms
  cfg.handle_sigint = false;
  auto r = run_workload(w, cfg, cal());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->tasks_completed, 2u);
  EXPECT_EQ(r->lost_tasks, 0u);
  EXPECT_EQ(r->requests, 5u);
  // Bursts ran between the messages: about a third of the 100 ms.
  EXPECT_GT(r->wasted_cpu_ratio, 0.0);
}

TEST(WorkloadRun, HogsUnderSimpleForAShortDurationLoseNothing) {
  auto w = workload::make_preset("hogs", 2);
  ASSERT_TRUE(w) << w.error().to_string();
  WorkloadRunConfig cfg;
  cfg.duration = 300 * kNsPerMs;
  cfg.policies = {policy("simple")};
  cfg.handle_sigint = false;
  auto r = run_workload(*w, cfg, cal());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->lost_tasks, 0u);
  EXPECT_TRUE(r->exit_reports.empty() || !r->exit_reports[0].is_error());
  double simple_share = 0;
  for (auto& [name, share] : r->per_class_share)
    if (name != "fair") simple_share += share;
  EXPECT_GT(simple_share, 0.5) << "the hogs ran under the BPF class";
}

TEST(WorkloadRun, ABadPolicySpecIsAnErrorNamingIt) {
  auto w = workload::make_preset("hogs", 2);
  ASSERT_TRUE(w);
  WorkloadRunConfig cfg;
  cfg.policies = {"no_such_policy"};
  auto r = run_workload(*w, cfg, cal());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().to_string().find("no_such_policy"), std::string::npos) << r.error().to_string();
}

}  // namespace
}  // namespace ups::runtime::testing
