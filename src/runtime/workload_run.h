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
#include "workload/workload.h"

namespace ups::runtime {

// How fast this machine does the busy work that stands for `compute`.
struct Calibration {
  double iters_per_us = 0;
};
// Times the busy loop (best of several tries, so a loaded machine reads
// fast rather than slow).
Calibration calibrate_busy_work();
// Burns about `ns` of one CPU at the calibrated speed (work, not time: a
// preempted fiber finishes it later).
void busy_work(const Calibration& cal, TimeNs ns);

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
