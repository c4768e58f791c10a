// `upsched faas`: the serverless sweep of docs/faas.md. One row per count
// of colocated chains; --json writes the rows for scripts/faas_results.sh.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/duration_option.h"
#include "cli/faas_real.h"
#include "cli/work_option.h"
#include "cli/faas_sweep.h"
#include "sim/faas_model.h"

namespace ups::cli {
namespace {

struct FaasArgs {
  std::string runtime, chains, policy = "fair", json, params, admission;
  int cpus = 0;  // 0 = from the parameters (8; --real: 2)
  bool real = false;  // on the runtime (faas_real.h), not the simulator
  u64 seed = 1;
  TimeNs duration = 0;  // 0: the parameters'
  WorkOptions work;  // --real's compute
};

int bad(const std::string& msg) {
  std::fprintf(stderr, "upsched faas: %s\n", msg.c_str());
  return 2;
}

int run_faas(FaasArgs a) {
  if (a.runtime.empty()) a.runtime = a.real ? "spin" : "microvm";
  if (a.chains.empty()) a.chains = a.real ? "1,2,5,10,20" : "0,1,5,10,20,50";
  sim::FaasParams prm = a.real ? faas_real_defaults() : sim::FaasParams{};
  if (!a.params.empty()) {
    auto p = sim::load_faas_params(a.params);
    if (!p) return bad(p.error().to_string());
    prm = *p;
  }
  if (a.cpus) prm.cpus = a.cpus;
  if (a.duration > 0) prm.duration_s = static_cast<double>(a.duration) / kNsPerSec;
  const sim::RuntimeModel* rt = prm.runtime(a.runtime);
  if (!rt) return bad("--runtime must be microvm, container or spin, not '" + a.runtime + "'");
  auto counts = parse_chain_counts(a.chains);
  if (!counts) return bad("--chains: " + counts.error().message);
  if (auto f = faas_policy_factory(a.policy, a.admission, a.seed, prm.cpus); !f)
    return bad("--policy: " + f.error().to_string());

  std::printf("faas: %s runtimes, policy %s, %d CPUs, seed %llu, %.1f s %s per point (costs x%g)\n",
              a.runtime.c_str(), a.policy.c_str(), prm.cpus, static_cast<unsigned long long>(a.seed),
              prm.duration_s, a.real ? "real (wall clock)" : "simulated", prm.cost_scale);
  runtime::Calibration cal;
  if (a.real) cal = calibrate_and_say(a.work, false);
  std::puts(faas_table_header().c_str());
  int rc = 0;
  auto each = [&rc](const sim::FaasPoint& pt) {
    std::puts(faas_table_row(pt).c_str());
    std::fflush(stdout);
    if (!pt.error.empty() || pt.lost_tasks) {
      std::fprintf(stderr, "upsched faas: %d chains: %s\n", pt.chains,
                   pt.error.empty() ? "tasks lost" : pt.error.c_str());
      rc = 1;
    }
  };
  std::vector<sim::FaasPoint> rows;
  if (a.real) {
    for (int chains : *counts) {
      rows.push_back(run_faas_real_point(prm, *rt, chains, a.policy, a.admission, a.seed, cal));
      each(rows.back());
    }
  } else {
    rows = run_faas_sweep(prm, *rt, *counts, a.policy, a.admission, a.seed, each);
  }
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    if (!out) return bad("cannot write --json file " + a.json);
    out << faas_points_json(rows, a.runtime, a.policy) << "\n";
  }
  return rc;
}

}  // namespace

void register_faas_commands(CLI::App& app) {
  auto a = std::make_shared<FaasArgs>();
  CLI::App* c = app.add_subcommand("faas", "serverless chains: idle ratio, latency and throughput against colocated chains");
  c->add_option("--runtime", a->runtime, "microvm, container or spin (default: microvm; --real: spin)");
  c->add_option("--chains", a->chains, "comma-separated colocated chain counts (default 0,1,5,10,20,50; --real: 1,2,5,10,20)");
  c->add_option("--cpus", a->cpus, "CPUs (default from the parameters: 8; --real: 2)");
  c->add_flag("--real", a->real, "run the chains for real on the runtime (fibers on CPUs 0..cpus-1; 3 s per point, costs x0.05)");
  c->add_option("--policy", a->policy, "fair, a native policy name (faas_event) or FILE.bpf.o[:USER]")->capture_default_str();
  c->add_option("--seed", a->seed, "seed")->capture_default_str();
  c->add_option("--json", a->json, "write the rows as a JSON list to this file");
  c->add_option("--params", a->params, "TOML file with [faas], [faas.microvm], [faas.container], [faas.spin] (workloads/faas.toml)");
  add_duration_option(c, "--duration", a->duration, "time per point (simulated, after cost scaling; --real: wall clock)");
  c->add_option("--admission", a->admission, "admission file (TOML) for FILE.bpf.o:USER policies; default: only root");
  add_work_options(c, a->work);
  c->callback([a] { set_exit_code(run_faas(*a)); });
}

}  // namespace ups::cli
