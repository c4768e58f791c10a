// The simulator end to end: determinism, fair shares, finite workloads
// completing, the watchdog ejecting a policy that never dispatches, the
// scenario's classes coming and going, and the timelines it writes.
#include "sim/world.h"

#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/native/registry.h"
#include "sim/presets.h"
#include "sim/program_builder.h"
#include "sim_test_util.h"

namespace ups::sim {
namespace {

using testing::all_policies;
using testing::checked_config;
using testing::kSimData;
using testing::run_checked;

Workload load(const std::string& rel) {
  auto w = load_workload_file((kSimData / rel).string());
  EXPECT_TRUE(w) << w.error().to_string();
  return *w;
}

TEST(World, SameSeedSameTraceDifferentSeedDifferentTrace) {
  for (auto& policy : all_policies()) {
    SCOPED_TRACE(policy);
    auto a = run_checked(load("good/rpc.toml"), checked_config(4, 11, 10 * kNsPerMs, policy));
    auto b = run_checked(load("good/rpc.toml"), checked_config(4, 11, 10 * kNsPerMs, policy));
    auto c = run_checked(load("good/rpc.toml"), checked_config(4, 12, 10 * kNsPerMs, policy));
    ASSERT_EQ(a.error, "");
    EXPECT_EQ(a.report.trace_sha256.size(), 64u);
    EXPECT_EQ(a.report.trace_sha256, b.report.trace_sha256);
    EXPECT_EQ(a.report.events, b.report.events);
    EXPECT_NE(a.report.trace_sha256, c.report.trace_sha256);
    EXPECT_GT(a.report.requests, 50u);
  }
}

TEST(World, FairGivesHogsOneTwoFourSevenths) {
  auto w = make_preset("hogs", 2);
  ASSERT_TRUE(w);
  auto cfg = checked_config(2, 1, 10 * kNsPerSec, "fair");
  auto r = run_checked(std::move(*w), cfg, 1000);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.report.groups.size(), 3u);
  const double want[3] = {1.0 / 7, 2.0 / 7, 4.0 / 7};
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(r.report.groups[i].name);
    EXPECT_NEAR(r.report.groups[i].cpu_share, want[i], want[i] * 0.02);
  }
  EXPECT_GT(r.report.cpu_busy_ratio, 0.99);
  EXPECT_EQ(r.report.lost_tasks, 0u);
}

TEST(World, FiniteWorkloadsCompleteUnderEveryPolicy) {
  for (const char* file : {"good/all_ops.toml", "good/pingpong.json"})
    for (auto& policy : all_policies())
      for (int cpus : {1, 3, 8}) {
        SCOPED_TRACE(std::string(file) + " " + policy + " cpus " + std::to_string(cpus));
        auto r = run_checked(load(file), checked_config(cpus, 5, 5 * kNsPerSec, policy));
        ASSERT_EQ(r.error, "");
        EXPECT_TRUE(r.report.completed);
        EXPECT_EQ(r.report.tasks_completed, r.report.tasks_created);
        EXPECT_EQ(r.report.lost_tasks, 0u);
        EXPECT_LT(r.report.elapsed_ns, 5 * kNsPerSec);
      }
}

TEST(World, ForkedTasksRunAndFinish) {
  auto w = load("good/all_ops.toml");
  auto r = run_checked(std::move(w), checked_config(2, 1, kNsPerSec, "fair"));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.report.tasks_created, 6u);  // boss, 2 forked helpers, 3 sleepers
  EXPECT_EQ(r.report.requests, 4u);       // helpers complete the boss's 4 jobs
}

TEST(World, SpinPollingIsCountedAsWastedCpu) {
  Workload w;
  w.name = "spin";
  w.objects.push_back(SyncDecl{"input", SyncKind::event, 0});
  TaskGroup rt;
  rt.name = "runtime";
  rt.program = ProgramBuilder().repeat(20).spin(0).compute(Distribution::constant(100 * kNsPerUs)).end().build();
  TaskGroup prod;
  prod.name = "producer";
  prod.program = ProgramBuilder().repeat(20).sleep(Distribution::constant(kNsPerMs)).signal(0).end().build();
  w.groups = {rt, prod};
  auto r = run_checked(std::move(w), checked_config(2, 1, kNsPerSec, "fair"));
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.report.completed);
  // The runtime polls ~0.9 ms of every 1 ms period.
  EXPECT_GT(r.report.wasted_cpu_ratio, 0.8);
  EXPECT_LT(r.report.wasted_cpu_ratio, 0.95);
}

TEST(World, BlockingWaitWastesNothing) {
  Workload w;
  w.name = "block";
  w.objects.push_back(SyncDecl{"input", SyncKind::event, 0});
  TaskGroup rt;
  rt.name = "runtime";
  rt.program = ProgramBuilder().repeat(20).wait(0).compute(Distribution::constant(100 * kNsPerUs)).end().build();
  TaskGroup prod;
  prod.name = "producer";
  prod.program = ProgramBuilder().repeat(20).sleep(Distribution::constant(kNsPerMs)).signal(0).end().build();
  w.groups = {rt, prod};
  auto r = run_checked(std::move(w), checked_config(2, 1, kNsPerSec, "fair"));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.report.wasted_cpu_ratio, 0.0);
  EXPECT_LT(r.report.cpu_busy_ratio, 0.1);
}

TEST(World, NeverDispatchIsEjectedAndItsTasksFinishUnderFair) {
  Workload w;
  w.name = "stall";
  TaskGroup g;
  g.name = "t";
  g.count = 4;
  g.program = ProgramBuilder().repeat(10).compute(Distribution::constant(kNsPerMs)).sleep(Distribution::constant(kNsPerMs)).end().build();
  w.groups = {g};
  auto cfg = checked_config(2, 1, 120 * kNsPerSec, "never_dispatch");
  auto r = run_checked(std::move(w), cfg);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.report.completed);
  EXPECT_EQ(r.report.tasks_completed, 4u);
  EXPECT_EQ(r.report.lost_tasks, 0u);
  ASSERT_EQ(r.report.exit_reports.size(), 1u);
  const ExitReport& e = r.report.exit_reports[0];
  EXPECT_EQ(e.kind, ExitKind::error_stall);
  EXPECT_NE(e.reason.find("stall"), std::string::npos) << e.to_string();
  // Within its timeout after the tasks first waited, give or take one
  // watchdog period (the check runs every half timeout).
  auto probe = make_native_policy("never_dispatch");
  ASSERT_NE(probe, nullptr);
  TimeNs timeout = probe->config().timeout_ms * kNsPerMs;
  EXPECT_LE(e.at, timeout + timeout / 2) << e.to_string();
  EXPECT_GE(e.at, timeout) << e.to_string();
  EXPECT_GE(e.tasks_moved_to_fair, 1u);
}

TEST(World, ClassesLoadReplaceAndUnloadMidRunLoseNoTask) {
  for (int cpus : {1, 2, 4}) {
    SCOPED_TRACE(cpus);
    auto r = run_checked(load("good/classes.toml"), checked_config(cpus, 3, 10 * kNsPerSec, "fair"));
    ASSERT_EQ(r.error, "");
    EXPECT_TRUE(r.report.completed);
    EXPECT_EQ(r.report.lost_tasks, 0u);
    EXPECT_EQ(r.report.tasks_completed, 10u);
    // Unloading batch and interactive each leave a report; the replaced
    // fifo leaves one too.
    EXPECT_GE(r.report.exit_reports.size(), 2u);
    for (auto& e : r.report.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
    double total = 0;
    std::map<std::string, double> share;
    for (auto& [name, s] : r.report.per_class_share) {
      total += s;
      share[name] = s;
    }
    EXPECT_NEAR(total, 1.0, 1e-9);
    // Each class ran tasks while loaded, and fair took them over after.
    EXPECT_GT(share["batch"], 0.0);
    EXPECT_GT(share["batch/simple"], 0.0);
    EXPECT_GT(share["interactive"], 0.0);
    EXPECT_GT(share["fair"], 0.0);
  }
}

TEST(World, PresetsRunUnderEveryPolicy) {
  for (auto& p : preset_list())
    for (auto& policy : all_policies()) {
      SCOPED_TRACE(p.name + " " + policy);
      auto w = make_preset(p.name, 4);
      ASSERT_TRUE(w);
      auto r = run_checked(std::move(*w), checked_config(4, 2, 3 * kNsPerMs, policy), 100);
      ASSERT_EQ(r.error, "");
      EXPECT_EQ(r.report.lost_tasks, 0u);
      EXPECT_GE(r.report.context_switches, 4u);  // every CPU ran something
      EXPECT_GT(r.report.cpu_busy_ratio, 0.02);
    }
}

TEST(World, UnknownPolicyIsAClearError) {
  auto w = make_preset("hogs", 2);
  auto cfg = checked_config(2, 1, kNsPerMs, "no-such-policy");
  auto world = World::create(std::move(*w), cfg);
  ASSERT_FALSE(world);
  EXPECT_NE(world.error().message.find("unknown policy 'no-such-policy'"), std::string::npos);
}

TEST(World, WritesFtraceAndChromeTimelines) {
  std::ostringstream ftrace, chrome;
  auto cfg = checked_config(2, 1, 10 * kNsPerMs, "fair");
  cfg.ftrace = &ftrace;
  cfg.chrome = &chrome;
  auto world = World::create(load("good/pingpong.json"), cfg);
  ASSERT_TRUE(world);
  ASSERT_TRUE((*world)->run());
  auto r = (*world)->report();
  std::string text = ftrace.str();
  EXPECT_EQ(text.rfind("# tracer: nop", 0), 0u);
  EXPECT_NE(text.find("sched_switch: prev_comm="), std::string::npos);
  EXPECT_NE(text.find("sched_waking: comm=a"), std::string::npos);
  auto j = nlohmann::json::parse(chrome.str());
  int slices = 0;
  for (auto& e : j["traceEvents"]) slices += e["ph"] == "X";
  EXPECT_GT(slices, 100);
  EXPECT_EQ(r.trace_sha256.size(), 64u);
}

TEST(World, JsonReportHasTheDocumentedKeys) {
  auto r = run_checked(load("good/rpc.toml"), checked_config(2, 1, 5 * kNsPerMs, "fair"));
  ASSERT_EQ(r.error, "");
  auto j = nlohmann::json::parse(r.report.to_json());
  for (const char* k : {"events", "tasks_completed", "lost_tasks", "trace_sha256", "per_class_share",
                        "latency_us", "cpu_busy_ratio", "wasted_cpu_ratio", "jain_index"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"p50", "p90", "p99", "p999"}) EXPECT_TRUE(j["latency_us"].contains(k)) << k;
  EXPECT_GT(j["latency_us"]["p50"].get<double>(), 4.0);
}

TEST(World, PerTaskReportListsEveryTask) {
  auto w = make_preset("hogs", 2);
  auto world = World::create(std::move(*w), checked_config(2, 1, 200 * kNsPerMs, "fair"));
  ASSERT_TRUE(world);
  ASSERT_TRUE((*world)->run());
  auto r = (*world)->report(true);
  ASSERT_EQ(r.tasks.size(), 6u);
  double total = 0;
  for (auto& t : r.tasks) {
    EXPECT_GT(t.run_s, 0);
    EXPECT_GE(t.wakeups, 1u);
    total += t.run_s;
  }
  EXPECT_NEAR(total, 0.4, 0.001);  // 2 CPUs busy for 200 ms
  auto j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j["tasks"].size(), 6u);
}

TEST(World, AFailedRunSaysWhenAndHowToReproduce) {
  auto w = make_preset("hogs", 2);
  auto cfg = checked_config(2, 7, kNsPerSec, "fifo");
  auto world = World::create(std::move(*w), cfg);
  ASSERT_TRUE(world);
  (*world)->after_event = [](World& wd) {
    return wd.now() >= 5 * kNsPerMs ? std::string("checker says no") : std::string();
  };
  auto st = (*world)->run();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("at 0.00"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("checker says no"), std::string::npos);
  EXPECT_EQ(reproduce_command("--preset hogs", cfg),
            "upsched sim --preset hogs --policy fifo --cpus 2 --duration 1s --seed=7");
}

TEST(World, SimStatePerTaskIsSmall) { EXPECT_LE(World::sim_bytes_per_task(), 128u); }

}  // namespace
}  // namespace ups::sim
