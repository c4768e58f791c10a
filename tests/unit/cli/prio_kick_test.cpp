// Priority needs preemption: sdk/policies/prio.bpf.c on
// workloads/latency-and-hogs.toml, without and with
// scx_bpf_kick_cpu(SCX_KICK_PREEMPT), against fair. Simulated time and a
// fixed seed, so the figures are exact and the same on every machine; the
// test also holds docs/writing-a-policy.md to the figures it prints.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/policy_spec.h"
#include "run_upsched.h"
#include "sim/world.h"
#include "workload/workload.h"

namespace ups {
namespace {

// The exact mean wakeup latency (us) of the group `latency`.
double latency_wakeup_mean_us(const std::string& policy) {
  auto w = workload::load_workload_file(std::string(UPS_SOURCE_DIR) + "/workloads/latency-and-hogs.toml");
  EXPECT_TRUE(w.has_value()) << w.error().to_string();
  sim::SimConfig cfg;
  cfg.nr_cpus = 2;
  cfg.seed = 1;
  cfg.duration = 2 * kNsPerSec;
  cfg.policies = {policy};
  auto factory = host::policy_spec_factory("", cfg.seed, cfg.nr_cpus);
  EXPECT_TRUE(factory.has_value());
  auto world = sim::World::create(std::move(*w), cfg, std::move(*factory));
  EXPECT_TRUE(world.has_value()) << world.error().to_string();
  EXPECT_TRUE((*world)->run().has_value());
  const report::RunReport r = (*world)->report(true);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  double sum = 0;
  u64 n = 0;
  for (auto& t : r.tasks)
    if (t.group == "latency") {
      sum += t.wakeup_mean_us * t.wakeups;
      n += t.wakeups;
    }
  EXPECT_GT(n, 100u);
  return n ? sum / n : 0;
}

TEST(PrioKick, PreemptingForHighPriorityTasksCutsTheirWakeupLatency) {
  const std::string prio = std::string(UPS_BINARY_DIR) + "/policies/prio.bpf.o";
  const double fair = latency_wakeup_mean_us("fair");
  const double no_kick = latency_wakeup_mean_us(prio);
  const double kick = latency_wakeup_mean_us(prio + "?kick=1");
  // Without the kick a waking latency task waits for a hog's slice to end
  // (milliseconds); with it, for an IPI.
  EXPECT_GT(no_kick, 1000.0);
  EXPECT_LT(kick * 100, no_kick);
  EXPECT_LE(kick, fair) << "priority with preemption is at least as good as fair for the latency tasks";

  // The document states these figures.
  const std::string doc = cli_test::slurp(std::string(UPS_SOURCE_DIR) + "/docs/writing-a-policy.md");
  for (auto [what, v] : {std::pair{"fair", fair}, {"prio.bpf.o", no_kick}, {"prio.bpf.o?kick=1", kick}}) {
    const std::string row = fmt::format("| {} | {:.1f} |", what, v);
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/writing-a-policy.md lacks the row " << row;
  }
}

}  // namespace
}  // namespace ups
