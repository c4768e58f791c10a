#include "cli/faas_real.h"

#include "host/policy_factory.h"
#include "runtime/workload_run.h"

namespace ups::cli {

sim::FaasParams faas_real_defaults() {
  sim::FaasParams p;
  p.cost_scale = 0.05;
  p.cpus = 2;
  p.duration_s = 3;
  return p;
}

sim::FaasPoint run_faas_real_point(const sim::FaasParams& prm, const sim::RuntimeModel& rt, int chains,
                                   const std::string& policy, const std::string& admission, u64 seed,
                                   const runtime::Calibration& cal) {
  sim::FaasPoint pt;
  pt.chains = chains;
  runtime::WorkloadRunConfig cfg;
  cfg.cpus.clear();
  for (int c = 0; c < prm.cpus; ++c) cfg.cpus.push_back(c);
  cfg.duration = static_cast<TimeNs>(prm.duration_s * kNsPerSec);
  if (!host::is_fair_spec(policy)) cfg.policies = {policy};
  cfg.admission = admission;
  cfg.seed = seed;
  const workload::Workload w = sim::make_faas_workload(prm, rt, chains);
  auto r = runtime::run_workload(w, cfg, cal);
  if (!r) {
    pt.error = r.error().to_string();
    return pt;
  }
  // The CPU the application used: every class's CPU time (the core's).
  const double used_s = r->cpu_busy_ratio * (static_cast<double>(r->elapsed_ns) / kNsPerSec) * r->nr_cpus;
  sim::fill_faas_point(pt, *r, used_s);
  return pt;
}

}  // namespace ups::cli
