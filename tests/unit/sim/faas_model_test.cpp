// The serverless chain model (docs/faas.md): what the study claims, at a
// small size. Polling runtimes waste more CPU as chains are colocated under
// fair; faas_event keeps the waste under 5%, loses no task and never
// leaves a runtime whose event fired waiting long for a CPU.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sim/faas_model.h"

namespace ups::sim {
namespace {

// Four CPUs and 30 s instead of 8 and 120 s (closed-loop clients: each
// chain keeps one request in flight, so 5 chains keep about 4 CPUs busy).
FaasParams small_params() {
  FaasParams p;
  p.cpus = 4;
  p.duration_s = 30;
  return p;
}

FaasPoint run(const RuntimeModel& rt, int chains, const std::string& policy, bool starvation = false) {
  FaasRunOptions opt;
  opt.policy = policy;
  opt.seed = 7;
  opt.check_starvation = starvation;
  FaasPoint pt = run_faas_point(small_params(), rt, chains, opt);
  EXPECT_EQ(pt.error, "") << rt.kind << " " << policy << " " << chains;
  EXPECT_EQ(pt.lost_tasks, 0u) << rt.kind << " " << policy << " " << chains;
  EXPECT_GT(pt.requests, 0u) << rt.kind << " " << policy << " " << chains;
  return pt;
}

TEST(FaasModel, ZeroColocatedChainsStillRunsTheMeasuredChain) {
  FaasParams p;
  p.arrival = "poisson";  // one open-loop source per chain
  workload::Workload w0 = make_faas_workload(p, p.microvm, 0);
  workload::Workload w1 = make_faas_workload(p, p.microvm, 1);
  workload::Workload w3 = make_faas_workload(p, p.microvm, 3);
  EXPECT_EQ(w0.groups.size(), w1.groups.size());
  EXPECT_EQ(w3.groups.size(), 3 * w1.groups.size());
  EXPECT_EQ(w3.arrivals.size(), 3u);
  // A polling runtime's I/O is answered by an object-store task per
  // function; a blocking one sleeps in the kernel instead.
  RuntimeModel blocking = p.container;
  blocking.poll_io = false;
  EXPECT_EQ(w1.groups.size(), make_faas_workload(p, blocking, 1).groups.size() + 5);
  EXPECT_TRUE(validate_workload(w3).has_value());
  // Closed loop: each chain's client sends its next request when the
  // previous one completed, so there is no arrival source.
  p.arrival = "closed";
  EXPECT_TRUE(make_faas_workload(p, p.microvm, 3).arrivals.empty());
  EXPECT_TRUE(validate_workload(make_faas_workload(p, p.microvm, 3)).has_value());
}

// The paper's shape: colocated chains compete for the CPUs, so every wait
// a runtime polls through (its input while the previous stage computes,
// the storage client) grows with the chains colocated, and kept-alive
// micro-VMs with nothing to do compete with them for the CPUs too, so the
// share of CPU the micro-VMs waste rises (docs/faas.md). Containers, activated
// later and polling less, stay near their one-chain share below saturation.
TEST(FaasModel, FairWastesMoreCpuAsChainsAreColocated) {
  FaasParams p = small_params();
  const FaasPoint one = run(p.microvm, 1, "fair");
  const FaasPoint ten = run(p.microvm, 10, "fair");  // 2.5 chains per CPU
  // 6.25 chains per CPU, the study's 50 chains on 8 CPUs. (50 here would
  // take chains longer than the 30 s run: nothing would complete.)
  const FaasPoint busiest = run(p.microvm, 25, "fair");
  EXPECT_GT(one.idle_ratio, 0.15);
  EXPECT_LT(one.idle_ratio, 0.30);
  EXPECT_GT(ten.idle_ratio, one.idle_ratio + 0.03);
  EXPECT_GT(busiest.idle_ratio, ten.idle_ratio + 0.10);
  EXPECT_GT(busiest.idle_ratio, 0.55) << "towards the paper's 69.25 % at 50 chains";
  for (int chains : {1, 10}) {
    const FaasPoint container = run(p.container, chains, "fair");
    EXPECT_GT(container.idle_ratio, 0.15) << chains;
    EXPECT_LT(container.idle_ratio, 0.32) << chains;
  }
}

TEST(FaasModel, FaasEventKeepsIdleRatioUnderFivePercent) {
  FaasParams p = small_params();
  for (const RuntimeModel* rt : {&p.microvm, &p.container})
    for (int chains : {1, 10}) {
      const FaasPoint pt = run(*rt, chains, "faas_event");
      EXPECT_LT(pt.idle_ratio, 0.05) << rt->kind << " " << chains;
    }
}

// A runtime whose event fired is not starved, at any load: the core sends
// an idle CPU to it at once (Core::signal_event); otherwise a CPU with work
// scans the park at least once per slice (1 ms) and moves it to FIRED_DSQ,
// which every CPU serves before the EDF queue at its next dispatch (within
// a slice: slices are 1 ms and idle pollers yield at the next tick; a
// park_slice of an overdue parked runtime may come first). Jobs
// preempted with an early deadline no longer stay ahead of it, and the
// park is scanned round-robin, so many idle pollers cannot hide it. The
// simulator is deterministic, so the bound holds exactly, whatever the
// host: at most 3 slices from half load (5 chains on 4 CPUs) to four
// times overcommitted (40 chains). Before, 0.5 to 3 s past saturation.
TEST(FaasModel, FaasEventNeverStarvesARuntimeWhoseEventFired) {
  FaasParams p = small_params();
  for (const RuntimeModel* rt : {&p.microvm, &p.container})
#if defined(__SANITIZE_ADDRESS__)
    for (int chains : {5, 20}) {  // under ASan: one light, one overcommitted load
#else
    for (int chains : {5, 10, 20, 40}) {
#endif
      const FaasPoint pt = run(*rt, chains, "faas_event", true);
      ASSERT_GE(pt.max_ready_wait_ms, 0);
      EXPECT_LE(pt.max_ready_wait_ms, 3.0) << rt->kind << " " << chains << " chains";
    }
}

TEST(FaasModel, ParamsFileOverridesDefaultsAndNamesBadKeys) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "upsched_faas_params_test";
  fs::create_directories(dir);
  const fs::path good = dir / "good.toml", bad = dir / "bad.toml";
  std::ofstream(good) << "[faas]\ncpus = 3\n[faas.container]\npoll_from = \"never\"\nio_ms = 5\n";
  std::ofstream(bad) << "[faas]\ncpus = 3\n[faas.microvm]\npoll_from = \"sometimes\"\n";
  auto p = load_faas_params(good.string());
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  EXPECT_EQ(p->cpus, 3);
  EXPECT_EQ(p->container.poll_from, PollFrom::never);
  EXPECT_DOUBLE_EQ(p->container.io_ms, 5);
  EXPECT_EQ(p->microvm.poll_from, FaasParams{}.microvm.poll_from);
  auto e = load_faas_params(bad.string());
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().to_string().find("bad.toml:4"), std::string::npos) << e.error().to_string();
  EXPECT_NE(e.error().to_string().find("poll_from"), std::string::npos);
  fs::remove_all(dir);
}

TEST(FaasModel, RepoParameterFileMatchesTheBuiltInDefaults) {
  auto p = load_faas_params(std::string(UPS_SOURCE_DIR) + "/workloads/faas.toml");
  ASSERT_TRUE(p.has_value()) << p.error().to_string();
  const FaasParams d;
  EXPECT_EQ(p->cpus, d.cpus);
  EXPECT_DOUBLE_EQ(p->cost_scale, d.cost_scale);
  EXPECT_DOUBLE_EQ(p->rate_per_chain, d.rate_per_chain);
  EXPECT_EQ(p->arrival, d.arrival);
  EXPECT_DOUBLE_EQ(p->think_ms, d.think_ms);
  for (const char* kind : {"microvm", "container"}) {
    EXPECT_DOUBLE_EQ(p->runtime(kind)->io_cpu_ms, d.runtime(kind)->io_cpu_ms) << kind;
    EXPECT_DOUBLE_EQ(p->runtime(kind)->poll_burst_ms, d.runtime(kind)->poll_burst_ms) << kind;
    EXPECT_DOUBLE_EQ(p->runtime(kind)->poll_period_ms, d.runtime(kind)->poll_period_ms) << kind;
  }
  EXPECT_EQ(p->microvm.poll_from, d.microvm.poll_from);
  EXPECT_EQ(p->microvm.poll_io, d.microvm.poll_io);
  EXPECT_EQ(p->container.poll_from, d.container.poll_from);
  EXPECT_EQ(p->container.poll_io, d.container.poll_io);
}

}  // namespace
}  // namespace ups::sim
