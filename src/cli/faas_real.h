// `upsched faas --real`: the FaaS study (docs/faas.md) run for real. The
// chains are the model's workload (sim::make_faas_workload, the one the
// simulator runs), executed by the runtime (runtime::run_workload): fibers
// on real CPUs under the same chain of classes, compute as calibrated busy
// work, `spin` as a real poll the core sees (Event::spin), storage latency
// as real timers. The figures come from the runtime's report as the
// simulator's come from its own (sim::fill_faas_point).
#pragma once

#include <string>

#include "runtime/workload_tasks.h"
#include "sim/faas_model.h"

namespace ups::cli {

// The sizes of a real point when no --params file is given: 2 CPUs, 3 s of
// wall time per point, every duration x0.05 (extract 30-40 ms, thumbnail
// 20-25 ms, a storage access 1 ms), so that a few seconds hold tens of
// chain requests even at 20 chains.
sim::FaasParams faas_real_defaults();

// One point: `chains` chains of runtime model `rt` on CPUs 0..prm.cpus-1
// for prm.duration_s seconds under `policy` (fair, a native name or
// FILE.bpf.o[:USER] with `admission`). idle_ratio is the spin time over the
// CPU time of every task, both from the core's per-task accounting.
sim::FaasPoint run_faas_real_point(const sim::FaasParams& prm, const sim::RuntimeModel& rt, int chains,
                                   const std::string& policy, const std::string& admission, u64 seed,
                                   const runtime::Calibration& cal);

}  // namespace ups::cli
