// The simulator end to end: determinism, finite workloads completing under
// every policy, presets, and the timelines and JSON it writes. Scenarios
// with one expected outcome (fair shares, forks, wasted CPU, the watchdog,
// classes coming and going) are data: tests/data/sim/scenarios.
#include "sim/world.h"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "workload/presets.h"
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
