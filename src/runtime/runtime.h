// Runtime: the M:N substrate. One worker OS thread per CPU given (pinned
// there when the CPU exists), user-level tasks as fibers, and the same Core
// and chain of classes as the simulator (fair + policies loaded through
// host::ClassHost and the CLI's policy factory) choosing what runs where:
// every pick is Core::schedule, with `now` from CLOCK_MONOTONIC. A monitor
// thread drives real time: ticks, slice preemption (SIGURG to the worker,
// see preempt.cpp), policy timers, sleeps, fd readiness and the watchdog.
// docs/runtime.md describes the design and its limits.
//
//   auto rt = ups::runtime::Runtime::create(opts);   // workers not started yet
//   (*rt)->load({"simple.bpf.o"}, "");                 // the chain, as `upsched sim --policy`
//   (*rt)->spawn([] { ... ups::runtime::sleep_for(1'000'000); ... });
//   auto summary = (*rt)->run();                       // until every task exits or stop()
//
// Fiber-side calls (sleep, Mutex, CondVar, Event, fd waits) are in sync.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/cpumask.h"
#include "base/result.h"
#include "base/types.h"
#include "core/core.h"
#include "report/metrics.h"
#include "workload/workload.h"

namespace ups::runtime {

struct RuntimeOptions {
  // OS CPU ids, one worker each (core CPU i runs on cpus[i]); a CPU the
  // process may not use still gets a worker, unpinned (noted in the summary).
  std::vector<int> cpus = {0, 1};
  TimeNs tick_ns = 1 * kNsPerMs;       // ops.tick and slice accounting
  // A per-worker timer ends each slice on time (preempt.cpp); off: slices
  // end at the monitor's ticks, up to tick_ns late.
  bool slice_timer = true;
  size_t stack_bytes = 256 * 1024;     // per fiber
  FairParams fair;
  // A worker whose fiber has used under 5% of this much wall time as CPU
  // time is reported as blocked in a system call.
  TimeNs blocking_report_ns = 100 * kNsPerMs;
  bool handle_sigint = false;  // SIGINT ends run() cleanly, with the summary
  u64 seed = 1;                // the policies' bpf_get_prandom_u32
  bool check_invariants = false;  // Core::check_invariants after every entry
};

struct TaskAttrs {
  std::string name;      // comm (15 characters kept)
  u32 weight = 100;      // nice 0
  CpuMask affinity;      // empty = all CPUs
  std::string cls;       // a loaded policy spec; "" = the first one loaded (or fair)
  Principal owner;       // root by default
  std::string cgroup;    // its cgroup's path (created with with_core); "" = the root
};

// What a run did, for the user (and the `upsched run` report).
struct RunSummary {
  u64 spawned = 0, completed = 0;
  u64 unfinished = 0;   // live when the run was stopped (stop(), SIGINT)
  u64 lost_tasks = 0;   // live in the core but unknown to the runtime: a bug if ever > 0
  u64 switches = 0;     // fiber resumes of a different task
  u64 preempt_signals = 0, preemptions = 0;  // SIGURGs sent; fibers switched out by one
  bool interrupted = false;  // ended by stop() or SIGINT
  // Workers whose fiber never left a system call when the run ended: their
  // threads still run, so what those fibers use must outlive the run.
  u32 workers_left_behind = 0;
  TimeNs elapsed_ns = 0;
  std::vector<ExitReport> exit_reports;  // classes ejected or unloaded during the run
  std::vector<std::string> blocking;     // fibers that blocked their worker in a system call
  std::vector<std::string> problems;     // task exceptions, unpinned workers, refused attaches
  std::vector<std::pair<std::string, TimeNs>> class_runtime;  // CPU time per class in the chain
  // The tasks' CPU time, and the part of it spent spin-polling an event
  // that had not fired (Event::spin; the core's per-task accounting,
  // Task::acct.run_ns and spin_ns, of exited and live tasks).
  TimeNs task_run_ns = 0, spin_ns = 0;
  report::Percentiles wakeup_latency;  // wake_up -> running, as the core measures it
  // How long after its slice's end a task was switched out, one sample per
  // preemption of a task whose slice was over.
  report::Percentiles slice_overrun;
  // Those of the samples in whose slice Linux did not switch the worker's
  // thread out (a shared machine's descheduling left out): the runtime's own.
  report::Percentiles slice_overrun_own;
};

struct Impl;  // runtime_impl.h

class Runtime {
public:
  static Result<std::unique_ptr<Runtime>> create(RuntimeOptions opts);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The chain, as `upsched sim --policy P...` loads it (chain order; the
  // first is the default class of spawned tasks), through the CLI's policy
  // factory: `FILE.bpf.o[?K=V][:USER]` or a native name; then a workload's
  // declared classes (`source`: its file, for messages). Before run(), once.
  Status load(const std::vector<std::string>& policies, const std::string& admission_file = "",
              const std::vector<workload::ClassDecl>& declared = {}, const std::string& source = "(runtime)");
  // A new task, runnable at once (or when run() starts). From any thread,
  // or from inside a fiber.
  Result<TaskId> spawn(std::function<void()> fn, TaskAttrs attrs = {});
  // Runs until every task has exited, or stop(). Once per Runtime.
  Result<RunSummary> run();
  // Ends run() soon; fibers still live are left unfinished. Thread-safe.
  void stop();

  // Read the core under the runtime's core lock (tests, reports).
  void with_core(const std::function<void(Core&)>& f);
  // The core's clock (CLOCK_MONOTONIC since create()): the `now` of a call
  // made into the core inside with_core (the daemon loads classes so).
  TimeNs now() const;

private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "0-3,6" (CPU ids) or "4" (a count: CPUs 0..3). Errors name the bad part.
Result<std::vector<int>> parse_cpus(const std::string& text);

}  // namespace ups::runtime
