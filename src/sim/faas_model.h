// The serverless study (docs/faas.md, issue 6): chains of five functions
// after the ServerlessBench image chain, run by micro-VM-like or
// container-like runtimes that poll while their function waits, colocated
// 0..50 chains deep on one server; and the metrics the paper reports (idle
// time ratio, chain latency, throughput, wasted CPU).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "host/policy_factory.h"
#include "report/metrics.h"
#include "workload/workload.h"

namespace ups::sim {

// When a stage's runtime learns that a request is on its way and starts
// polling its input (the platform hands the activation to it early).
enum class PollFrom : u8 {
  enqueue,  // when the request is queued at the previous stage
  start,    // when the previous stage starts on it
  upload,   // when the previous stage starts uploading its result
  never,    // it blocks until the input is there
  always,   // a kept-alive instance polls whenever it has no input, told or not
};
const char* poll_from_name(PollFrom p);

struct RuntimeModel {
  std::string kind = "microvm";
  PollFrom poll_from = PollFrom::upload;
  bool poll_io = true;     // keeps polling while the function waits for object storage
  double io_ms = 20;       // object-storage latency of one access (unscaled)
  // CPU the storage client needs per access once the data is there (HTTP,
  // copying the image): under CPU contention it waits for a CPU, so a
  // runtime that polls for its I/O polls longer.
  double io_cpu_ms = 0;
  // How a told runtime polls its input. poll_burst_ms = 0: it spins
  // without pause until the input is there. Otherwise its guest polls in
  // bursts of poll_burst_ms every poll_period_ms (exponential) and sleeps
  // between them, so the CPU it wastes grows with how long it waits.
  double poll_burst_ms = 0;
  double poll_period_ms = 25;
};

// The serverless platform's user: every task of the model (function
// runtimes, front ends, object-storage clients) belongs to it, so a policy
// loaded by that user (or by root) manages them.
inline constexpr Principal kFaasPlatformUser{1000, 1000};

struct FaasParams {
  // Every duration of the model (CPU costs, I/O, interarrival) is
  // multiplied by cost_scale. 1 by default: the policies' slices and ticks
  // are real-time constants, so shrinking the workload alone would change
  // how long a polling runtime holds a CPU before a tick moves it.
  double cost_scale = 1.0;
  int cpus = 8;
  u32 hz = 1000;                  // timer ticks: policies act on polling tasks at ticks
  double duration_s = 120.0;      // simulated, after scaling
  double rate_per_chain = 0.14;   // requests per unscaled second per chain
  // "poisson": an open-loop source per chain at rate_per_chain; "azure":
  // lognormal interarrival and durations; "closed": one client per chain
  // sends the next request think_ms after the previous one completed
  // (ServerlessBench's eval loops), so load grows with the chains
  // colocated and never runs away.
  std::string arrival = "closed";
  double think_ms = 0;            // closed: exponential think time (unscaled), 0 = back to back
  double azure_iat_cv = 2.0;      // interarrival coefficient of variation (azure)
  double azure_duration_cv = 0.5;  // per-invocation CPU cost CV (azure)
  RuntimeModel microvm{"microvm", PollFrom::always, true, 20, 2, 0.7, 25};
  RuntimeModel container{"container", PollFrom::start, true, 20, 2, 1.1, 25};
  // A runtime that spin-polls: told when the previous stage starts
  // uploading, it spins on its input without pause (poll_burst_ms = 0), and
  // spins while object storage answers. Only `spin` polls in the real
  // runtime (`upsched faas --real`; poll_recv's bursts wait there).
  RuntimeModel spin{"spin", PollFrom::upload, true, 20, 2, 0, 25};

  const RuntimeModel* runtime(const std::string& kind) const;
};

// The five stages: name and unscaled CPU cost range in ms.
struct FaasStage {
  const char* name;
  double cpu_lo_ms, cpu_hi_ms;
};
const std::vector<FaasStage>& faas_stages();

// Reads [faas], [faas.microvm] and [faas.container] of a TOML file over
// the defaults. Errors name the file and key.
Result<FaasParams> load_faas_params(const std::string& path);

// `chains` colocated chains (0 still runs the one measured chain: total
// chains = max(chains, 1)).
workload::Workload make_faas_workload(const FaasParams& prm, const RuntimeModel& rt, int chains);

struct FaasPoint {
  int chains = 0;
  double idle_ratio = 0;       // polling CPU / CPU the application used
  double p50_ms = 0, p99_ms = 0;  // chain end-to-end latency, simulated (scaled) ms
  double throughput_rps = 0;   // chains completed per simulated second
  double wasted_cpu_s = 0;     // CPU seconds spent polling
  double used_cpu_s = 0;
  u64 requests = 0;
  u64 lost_tasks = 0;
  double max_ready_wait_ms = -1;  // longest runnable-with-work wait (check_starvation)
  // The empirical CDF of the chain latencies, from every recorded request
  // (report::cdf_points, at most 200 steps): (fraction at or below, ms).
  std::vector<std::pair<double, double>> latency_cdf;
  std::string trace_sha256;  // the schedule (RunReport::trace_sha256)
  std::string error;
};

struct FaasRunOptions {
  std::string policy = "fair";
  u64 seed = 1;
  bool check_starvation = false;  // O(tasks) per event: tests only
  std::ostream* ftrace = nullptr;
  std::ostream* chrome = nullptr;
  host::PolicyFactory factory;  // empty = host::native_policy_factory()
};

// The point's figures from a run's report (simulated or real): idle ratio
// (wasted_cpu_ratio), latencies, throughput, lost tasks, a policy ejected
// mid-run as the error. `used_cpu_s`: the CPU time the application used.
void fill_faas_point(FaasPoint& pt, const report::RunReport& r, double used_cpu_s);

FaasPoint run_faas_point(const FaasParams& prm, const RuntimeModel& rt, int chains,
                         const FaasRunOptions& opt);

}  // namespace ups::sim
