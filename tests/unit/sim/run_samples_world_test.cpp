// What `--report` records (report::RunSamples) is what the run did, and
// recording it changes nothing of the run: the same schedule hash.
#include <numeric>

#include <gtest/gtest.h>

#include "sim/world.h"
#include "workload/presets.h"

namespace ups::sim {
namespace {

report::RunReport run(const char* preset, report::RunSamples* samples, const char* policy = "fair") {
  auto w = workload::make_preset(preset, 4);
  EXPECT_TRUE(w.has_value());
  SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.seed = 7;
  cfg.duration = 300 * kNsPerMs;
  if (std::string(policy) != "fair") cfg.policies = {policy};
  cfg.samples = samples;
  auto world = World::create(std::move(*w), cfg);
  EXPECT_TRUE(world.has_value());
  EXPECT_TRUE((*world)->run().has_value());
  return (*world)->report();
}

TEST(RunSamplesInWorld, RecordingDoesNotChangeTheSchedule) {
  for (const char* preset : {"schbench", "hogs", "rpc-bimodal"}) {
    report::RunSamples s;
    EXPECT_EQ(run(preset, nullptr).trace_sha256, run(preset, &s).trace_sha256) << preset;
  }
}

TEST(RunSamplesInWorld, SamplesAreTheRunsWakeupsRequestsAndCpuTime) {
  report::RunSamples s;
  const report::RunReport r = run("schbench", &s, "simple");
  u64 wakeups = 0;
  for (u32 g = 0; g < s.groups().size(); ++g) wakeups += s.wakeup(g).seen();
  EXPECT_EQ(wakeups, r.wakeup_latency.count);
  EXPECT_EQ(s.requests().seen(), r.requests);
  EXPECT_GT(r.requests, 0u);
  ASSERT_EQ(s.groups().size(), r.groups.size());
  for (size_t g = 0; g < r.groups.size(); ++g) {
    TimeNs ns = 0;
    for (auto& iv : s.group_run()) ns += iv[g];
    EXPECT_NEAR(ns / 1e9, r.groups[g].run_s, 1e-9) << r.groups[g].name;
  }
  EXPECT_LE(s.group_run().size(), report::RunSamples::kShareIntervals);
  EXPECT_FALSE(s.timeline().empty());
  for (const report::CpuSlice& c : s.timeline()) {
    EXPECT_LT(c.start, c.end);
    EXPECT_LE(c.end, r.elapsed_ns);
    EXPECT_LT(c.cpu, 4);
  }
}

}  // namespace
}  // namespace ups::sim
