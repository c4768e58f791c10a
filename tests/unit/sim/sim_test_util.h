// Helpers shared by the simulator tests: run a workload under a policy
// with the invariant and consistency checks after every event.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/policy_factory.h"
#include "sim/world.h"

namespace ups::sim {
// The simulator's tests write workloads and read reports unqualified.
using namespace ups::workload;
using namespace ups::report;
using namespace ups::host;
}  // namespace ups::sim

namespace ups::sim::testing {

inline const std::filesystem::path kSimData = std::filesystem::path(UPS_SOURCE_DIR) / "tests/data/sim";

// Every policy a run can name: fair and each native one.
inline std::vector<std::string> all_policies() {
  std::vector<std::string> out;
  for (auto& [name, desc] : native_policy_list())
    if (name != "never_dispatch") out.push_back(name);
  return out;
}

inline SimConfig checked_config(int cpus, u64 seed, TimeNs duration, std::string policy) {
  SimConfig cfg;
  cfg.nr_cpus = cpus;
  cfg.seed = seed;
  cfg.duration = duration;
  cfg.check_invariants = true;
  if (policy != "fair") cfg.policies = {policy};
  return cfg;
}

struct RunResult {
  RunReport report;
  std::string error;  // failure of create() or run()
};

// Runs with Core::check_invariants and World::check_consistency after
// every event (check_every > 1 spaces the consistency check for big runs).
inline RunResult run_checked(Workload w, SimConfig cfg, int check_every = 1) {
  RunResult out;
  auto world = World::create(std::move(w), cfg);
  if (!world) {
    out.error = "create: " + world.error().to_string();
    return out;
  }
  u64 n = 0;
  (*world)->after_event = [&n, check_every](World& wd) -> std::string {
    return ++n % check_every == 0 ? wd.check_consistency() : std::string();
  };
  auto st = (*world)->run();
  if (!st) out.error = st.error().message;
  out.report = (*world)->report();
  return out;
}

}  // namespace ups::sim::testing
