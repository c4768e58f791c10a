// Shared by the policy host tests: paths of the SDK's policies, and runs
// through the same policy factory the `upsched sim` command uses
// (host::policy_spec_factory), so what the tests show holds for the CLI.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/policy_spec.h"
#include "workload/presets.h"
#include "workload/workload.h"
#include "sim/world.h"

namespace ups::policy::testing {

// The built object of an SDK policy ("simple" -> .../simple.bpf.o).
inline std::string obj(const std::string& name) { return std::string(UPS_POLICY_DIR) + "/" + name + ".bpf.o"; }
// Its source file.
inline std::string src(const std::string& name) {
  return std::string(UPS_POLICY_SRC_DIR) + "/" + name + ".bpf.c";
}

// The 1-based line of `needle` in `file` (0: not found).
inline int line_of(const std::string& file, const std::string& needle) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return 0;
  char buf[1024];
  int n = 0, found = 0;
  while (!found && std::fgets(buf, sizeof buf, f)) {
    ++n;
    if (std::string(buf).find(needle) != std::string::npos) found = n;
  }
  std::fclose(f);
  return found;
}

// Writes `text` to a fresh file in a directory of this test process's own:
// ctest runs test processes in parallel, and a shared /tmp/admission.toml
// would be rewritten by another test between writing and reading it.
inline std::string write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("upsched_policy_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr) << path;
  if (f) {
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  return path;
}

// The CLI's factory for an admission file given as text (empty: the
// default config, where only root may load).
inline host::PolicyFactory cli_factory(const std::string& admission_text = {}, int nr_cpus = 4) {
  const std::string path = admission_text.empty() ? std::string() : write_temp("admission.toml", admission_text);
  auto f = host::policy_spec_factory(path, 1, nr_cpus);
  EXPECT_TRUE(f) << f.error().to_string();
  return f ? *f : host::native_policy_factory();
}

struct RunOptions {
  int cpus = 4;
  u64 seed = 1;
  TimeNs duration = 200 * kNsPerMs;
  std::vector<std::string> policies;  // --policy, chain order
  std::ostream* ftrace = nullptr;
};

inline report::RunReport run_world(Result<workload::Workload> w, const RunOptions& o, host::PolicyFactory f) {
  EXPECT_TRUE(w) << (w ? std::string() : w.error().to_string());
  if (!w) return {};
  sim::SimConfig cfg;
  cfg.nr_cpus = o.cpus;
  cfg.seed = o.seed;
  cfg.duration = o.duration;
  cfg.policies = o.policies;
  cfg.check_invariants = true;
  cfg.ftrace = o.ftrace;
  auto world = sim::World::create(std::move(*w), cfg, std::move(f));
  EXPECT_TRUE(world) << (world ? std::string() : world.error().to_string());
  if (!world) return {};
  auto st = (*world)->run();
  report::RunReport r = (*world)->report();
  if (!st) r.error = st.error().to_string();
  return r;
}

// A preset under `policy` (a --policy spec).
inline report::RunReport run_preset(const std::string& preset, const std::string& policy, host::PolicyFactory f,
                                 RunOptions o = {}) {
  o.policies = {policy};
  return run_world(workload::make_preset(preset, o.cpus), o, std::move(f));
}

// A scenario given as workload TOML text.
inline report::RunReport run_scenario(const std::string& toml, host::PolicyFactory f, const RunOptions& o = {}) {
  return run_world(workload::parse_workload(toml, "scenario.toml"), o, std::move(f));
}

inline double class_share(const report::RunReport& r, const std::string& name) {
  for (const auto& [n, share] : r.per_class_share)
    if (n == name) return share;
  return 0;
}

}  // namespace ups::policy::testing
