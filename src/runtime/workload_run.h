// Runs a workload file (the language of `upsched sim`, src/workload/) for
// real on the runtime: each task a fiber executing its behaviour program,
// compute phases as calibrated busy work, sleeps as real timers, events,
// channels and locks as the runtime's Event and Mutex, arrivals as a fiber
// per source. The result is the simulator's RunReport, so that `upsched
// run --json` and `upsched sim --json` compare field by field.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "report/metrics.h"
#include "runtime/workload_tasks.h"
#include "workload/workload.h"

namespace ups::runtime {

struct WorkloadRunConfig {
  std::vector<int> cpus = {0, 1};
  TimeNs duration = kNsPerSec;
  std::vector<std::string> policies;  // --policy, chain order
  std::string admission;              // --admission file ("" = only root may load)
  u64 seed = 1;
  bool handle_sigint = true;          // SIGINT ends the run with its report
};

// Refusals of the input (a policy, the workload) are errors; a run that
// went wrong (a lost task) is a report with `error` set.
Result<report::RunReport> run_workload(const workload::Workload& w, const WorkloadRunConfig& cfg,
                                       const Calibration& cal);

}  // namespace ups::runtime
