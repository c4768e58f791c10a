// `upsched run`: a workload file or preset executed for real by the M:N
// runtime (docs/runtime.md), under the same --policy chain as `upsched sim`
// and reported in the same JSON, so the two compare field by field. Exit
// status as `upsched sim`: 0 fine, 1 a task lost, 2 bad input, 3 a class
// was ejected (or a fiber blocked its worker).
#include <cstdio>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/work_option.h"
#include "runtime/runtime.h"
#include "runtime/workload_run.h"
#include "workload/duration.h"
#include "workload/presets.h"

namespace ups::cli {
namespace {

struct RunArgs {
  std::string preset, workload, duration = "1s", json, cpus = "2", admission;
  std::vector<std::string> policies;
  u64 seed = 1;
  bool quiet = false;
  WorkOptions work;
};

int bad_input(const std::string& msg) {
  std::fprintf(stderr, "upsched run: %s\n", msg.c_str());
  return 2;
}

int run_real(const RunArgs& a) {
  if (a.preset.empty() == a.workload.empty())
    return bad_input("give exactly one of --preset NAME or --workload FILE");
  auto dur = workload::parse_duration(a.duration);
  if (!dur) return bad_input("--duration: " + dur.error().message);
  if (*dur == 0) return bad_input("--duration must be above 0");
  auto cpus = runtime::parse_cpus(a.cpus);
  if (!cpus) return bad_input(cpus.error().message);
  const int n = static_cast<int>(cpus->size());
  auto w = a.preset.empty() ? workload::load_workload_file(a.workload) : workload::make_preset(a.preset, n);
  if (!w) return bad_input(w.error().to_string());

  const runtime::Calibration cal = calibrate_and_say(a.work, a.quiet);
  runtime::WorkloadRunConfig cfg;
  cfg.cpus = *cpus;
  cfg.duration = *dur;
  cfg.policies = a.policies;
  cfg.admission = a.admission;
  cfg.seed = a.seed;
  auto r = runtime::run_workload(*w, cfg, cal);
  if (!r) return bad_input(r.error().to_string());
  if (!a.quiet) std::fputs(r->summary().c_str(), stdout);
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    if (!out) return bad_input("cannot write --json file " + a.json);
    out << r->to_json();
  }
  if (!r->error.empty() || r->lost_tasks > 0) {
    std::fprintf(stderr, "upsched run: run failed: %s\n", r->error.empty() ? "tasks lost" : r->error.c_str());
    return 1;
  }
  for (const std::string& s : r->warnings) std::fprintf(stderr, "upsched run: warning: %s\n", s.c_str());
  return r->warnings.empty() ? 0 : 3;
}

}  // namespace

void register_run_commands(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "execute a workload for real on the M:N runtime and print its metrics");
  run->add_option("--preset", args->preset, "built-in workload: hogs, pipes, rpc-bimodal, schbench");
  run->add_option("--workload", args->workload, "workload file (TOML or JSON, see docs/workloads.md)");
  run->add_option("--policy", args->policies, "policy for the tasks (repeatable: chain order as given; default fair)");
  run->add_option("--admission", args->admission, "admission file (TOML) for FILE.bpf.o[:USER] policies; default: only root");
  run->add_option("--cpus", args->cpus, "CPUs: a count (2) or a list of ids (0-1,4)")->capture_default_str();
  run->add_option("--seed", args->seed, "seed of the run's random numbers")->capture_default_str();
  run->add_option("--duration", args->duration, "wall-clock limit: 1s, 500ms")->capture_default_str();
  add_work_options(run, args->work);
  run->add_option("--json", args->json, "write the metrics as JSON to this file (the fields of upsched sim)");
  run->add_flag("--quiet", args->quiet, "print nothing but errors");
  run->callback([args] { set_exit_code(run_real(*args)); });
}

}  // namespace ups::cli
