// `upsched compare`: two or more policies on the same workload and seed,
// one run each, a terminal table (the same table, same units, as the
// report's) and with --report DIR one HTML report with the runs side by
// side. Exit status as `upsched sim`'s: 2 bad input, 1 a run failed, 3 a
// class was ejected or ran no task.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "host/policy_spec.h"
#include "cli/report_dir.h"
#include "sim/world.h"
#include "workload/duration.h"
#include "workload/presets.h"

namespace ups::cli {
namespace {

struct CompareArgs {
  std::string preset, workload, duration = "10s", admission, report_dir;
  std::vector<std::string> policies;
  int cpus = 2;
  u32 hz = 250;
  u64 seed = 1;
};

int bad_input(const std::string& msg) {
  std::fprintf(stderr, "upsched compare: %s\n", msg.c_str());
  return 2;
}

struct Run {
  report::RunReport report;
  std::unique_ptr<report::RunSamples> samples = std::make_unique<report::RunSamples>();
};

int run_compare(const CompareArgs& a) {
  if (a.preset.empty() == a.workload.empty())
    return bad_input("give exactly one of --preset NAME or --workload FILE");
  if (a.policies.size() < 2) return bad_input("give two or more --policy to compare (each is one run)");
  auto dur = workload::parse_duration(a.duration);
  if (!dur) return bad_input("--duration: " + dur.error().message);
  if (*dur == 0) return bad_input("--duration must be above 0");
  if (a.cpus < 1 || a.cpus > kMaxCpus)
    return bad_input(fmt::format("--cpus must be in 1..{}, not {}", kMaxCpus, a.cpus));

  std::vector<Run> runs;
  int rc = 0;
  for (const std::string& policy : a.policies) {
    // Each run loads the workload afresh: a World consumes it.
    auto w = a.preset.empty() ? workload::load_workload_file(a.workload) : workload::make_preset(a.preset, a.cpus);
    if (!w) return bad_input(w.error().to_string());
    sim::SimConfig cfg;
    cfg.nr_cpus = a.cpus;
    cfg.seed = a.seed;
    cfg.duration = *dur;
    cfg.costs.hz = a.hz;
    cfg.policies = {policy};
    cfg.check_invariants = false;
    Run run;
    cfg.samples = run.samples.get();
    auto factory = host::policy_spec_factory(a.admission, a.seed, a.cpus);
    if (!factory) return bad_input("--admission: " + factory.error().to_string());
    auto world = sim::World::create(std::move(*w), cfg, std::move(*factory));
    if (!world) return bad_input(fmt::format("--policy {}: {}", policy, world.error().to_string()));
    std::fprintf(stderr, "upsched compare: run %zu/%zu: %s\n", runs.size() + 1, a.policies.size(), policy.c_str());
    auto st = (*world)->run();
    run.report = (*world)->report(true);
    if (!st) run.report.error = st.error().message;
    if (!run.report.error.empty() || run.report.lost_tasks > 0) {
      std::fprintf(stderr, "upsched compare: run of %s failed: %s\n", policy.c_str(),
                   run.report.error.empty() ? "tasks lost" : run.report.error.c_str());
      rc = 1;
    }
    for (const std::string& why : run.report.warnings)
      std::fprintf(stderr, "upsched compare: warning (%s): %s\n", policy.c_str(), why.c_str());
    if (rc == 0 && !run.report.warnings.empty()) rc = 3;
    runs.push_back(std::move(run));
  }
  std::vector<report::RunView> views;
  for (const Run& r : runs) views.push_back({&r.report, r.samples.get()});
  const auto& r0 = runs.front().report;
  std::printf("workload %s  cpus %d  seed %llu  simulated %.3fs\n", report::strip_paths(r0.workload).c_str(),
              r0.nr_cpus, static_cast<unsigned long long>(r0.seed), r0.elapsed_ns / 1e9);
  std::fputs(report::comparison_table(views).to_text().c_str(), stdout);
  std::printf("\n");
  std::fputs(report::group_table(views).to_text().c_str(), stdout);
  if (!a.report_dir.empty()) {
    if (auto st = write_report_dir(a.report_dir, views); !st) return bad_input("--report: " + st.error().message);
    std::printf("report: %s/index.html\n", a.report_dir.c_str());
  }
  return rc;
}

}  // namespace

void register_compare_command(CLI::App& app) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* c = app.add_subcommand(
      "compare", "run two or more policies on the same workload and seed; a table, and an HTML report with --report");
  c->add_option("--preset", a->preset, "built-in workload (`upsched policies` lists them)");
  c->add_option("--workload", a->workload, "workload file (TOML or JSON, see docs/workloads.md)");
  c->add_option("--policy", a->policies, std::string("one run per --policy, in order. ") + kPolicyOptionHelp)->required();
  c->add_option("--admission", a->admission, "admission file (TOML) for FILE.bpf.o[:USER] policies; default: only root");
  c->add_option("--cpus", a->cpus, "number of simulated CPUs (1..1024)")->capture_default_str();
  c->add_option("--seed", a->seed, "seed of every run's random numbers")->capture_default_str();
  c->add_option("--duration", a->duration, "simulated time per run: 10s, 500ms, 200us")->capture_default_str();
  c->add_option("--hz", a->hz, "timer ticks per second")->capture_default_str();
  c->add_option("--report", a->report_dir, "write the HTML report (DIR/index.html) with the runs side by side");
  c->footer(
      "Exit status: 0 every run finished cleanly; 1 a run failed; 2 bad arguments or input files;\n"
      "3 a class was ejected or a loaded class ran no task (one warning per class on stderr).");
  c->callback([a] { set_exit_code(run_compare(*a)); });
}

}  // namespace ups::cli
