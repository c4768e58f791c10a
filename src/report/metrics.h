// RunReport: what one run measured (the summary table, --json), and
// jain_index. Built by World::report().
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/types.h"
#include "core/exit_report.h"
#include "core/printk_line.h"

namespace ups::report {

struct Percentiles {
  u64 count = 0;
  double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

struct GroupReport {
  std::string name;
  u32 tasks = 0;
  u32 weight = 0;
  double cpu_share = 0;  // of all CPU time used by tasks
  double run_s = 0;      // CPU seconds
  std::string cgroup;    // its tasks' cgroup path at the start; empty: not known

  // A group whose tasks ran `run_ns` of the `used_ns` all tasks ran.
  static GroupReport of(std::string name, u32 tasks, u32 weight, TimeNs run_ns, TimeNs used_ns,
                        std::string cgroup) {
    return GroupReport{std::move(name), tasks, weight,
                       used_ns ? static_cast<double>(run_ns) / used_ns : 0, run_ns / 1e9,
                       std::move(cgroup)};
  }
};

// One cgroup: the CPU its own tasks used (not its descendants'), while in it.
struct CgroupReport {
  std::string path;
  u32 weight = 0;         // cpu.weight at the end of the run
  double cpu_share = 0;   // of all CPU time used by tasks
  double run_s = 0;       // CPU seconds
};

// One virtual machine (docs/guest-host.md): host CPU its vCPUs got, what
// its guest did with it, and its guest's requests.
struct VmReport {
  std::string name;
  u32 vcpus = 0;
  double host_cpu_s = 0;  // host CPU time its vCPUs ran
  double guest_run_s = 0; // guest tasks' time on running vCPUs
  double spin_s = 0;      // of which spinning (wasted)
  double steal_s = 0;     // vCPUs runnable on the host but not running
  u64 ple_exits = 0;      // pause-loop exits
  u64 requests = 0;
  Percentiles request_latency;
  // Guest time that was not spinning, per second of host CPU it got.
  double useful_ratio() const { return host_cpu_s > 0 ? (guest_run_s - spin_s) / host_cpu_s : 0; }
};

struct TaskReport {
  s32 pid = 0;
  std::string group;
  double run_s = 0;
  u64 wakeups = 0;  // wakeup-latency samples (wakeup -> running)
  double wakeup_mean_us = 0, wakeup_max_us = 0;
};

struct RunReport {
  std::string workload;
  std::string policy;      // chain as given, e.g. "fifo" or "fair"
  int nr_cpus = 0;
  u64 seed = 0;
  TimeNs duration_ns = 0;  // asked for
  TimeNs elapsed_ns = 0;   // simulated (shorter if the workload finished)
  bool completed = false;  // every task exited
  u64 events = 0;
  u64 tasks_created = 0;
  u64 tasks_completed = 0;
  u64 lost_tasks = 0;
  u64 context_switches = 0;
  u64 migrations = 0;
  u64 requests = 0;
  Percentiles request_latency;  // end-to-end, begin/arrival -> complete
  Percentiles wakeup_latency;   // wakeup -> running
  double cpu_busy_ratio = 0;
  double wasted_cpu_ratio = 0;  // CPU time spent spin-polling / total CPU time
  double jain_index = 0;        // over tasks' run time per unit of weight
  std::vector<double> cpu_busy;  // per CPU
  // Per CPU: tasks a policy's dispatch() on that CPU placed on a local
  // DSQ (CoreStats::dispatch_placements).
  std::vector<u64> dispatch_placements;
  std::vector<std::pair<std::string, double>> per_class_share;
  std::vector<GroupReport> groups;
  std::vector<CgroupReport> cgroups;  // only when the workload has cgroups
  std::vector<VmReport> vms;      // the workload's VMs; request_latency includes their requests
  std::vector<TaskReport> tasks;  // only when asked for (World::report(true))
  std::vector<ExitReport> exit_reports;
  // Loads and replacements of the scenario refused during the run ("at
  // 0.030000000s: ..."): the run went on without them, their tasks under
  // the class they were in (fair for a class that never loaded).
  std::vector<std::string> refused;
  // The run went on, but not as asked: a class was ejected (an exit report
  // of an error kind) or a loaded class ran no task. One sentence each,
  // naming the class and the reason; `upsched sim` exits 3 when any.
  std::vector<std::string> warnings;
  // The policies' bpf_printk lines in time order, each tagged with time,
  // CPU, class and task; at most kMaxPrintkLines, the rest only counted.
  static constexpr size_t kMaxPrintkLines = 100000;
  std::vector<PrintkLine> printk;
  u64 printk_dropped = 0;
  std::string trace_sha256;
  std::string error;  // non-empty: the run failed (invariant, lost task, ...)

  std::string to_json() const;      // the --json document
  std::string summary() const;      // the table the CLI prints
};

class LatencyHistogram;  // report/histogram.h
// The percentiles of a histogram, in microseconds (both substrates' reports).
Percentiles percentiles_of(const LatencyHistogram& h);
// The report's warning for a class that left the chain with an error;
// `at` is the time as the substrate formats it.
std::string ejection_warning(const ExitReport& e, const std::string& at);

// Jain's fairness index (sum x)^2 / (n * sum x^2); 1 = all equal.
double jain_index(const std::vector<double>& xs);

}  // namespace ups::report
