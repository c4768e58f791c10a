#include "runtime/workload_run.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "runtime/runtime.h"
#include "runtime/workload_tasks.h"
#include "workload/duration.h"

namespace ups::runtime {

using namespace workload;

Result<report::RunReport> run_workload(const Workload& w, const WorkloadRunConfig& cfg, const Calibration& cal) {
  if (auto st = validate_workload(w); !st) return tl::unexpected(st.error());
  if (!w.vms.empty())
    return make_error(ErrorKind::invalid_argument,
                      "virtual machines ([[vms]]) run only in the simulator (upsched sim; docs/guest-host.md)",
                      SourceLoc{w.source, w.vms.front().line, 0, "VM '" + w.vms.front().name + "'"});
  RuntimeOptions o;
  o.cpus = cfg.cpus;
  o.seed = cfg.seed;
  o.handle_sigint = cfg.handle_sigint;
  auto rt = Runtime::create(o);
  if (!rt) return tl::unexpected(rt.error());
  if (auto st = WorkloadTasks::create_cgroups(w, **rt); !st) return tl::unexpected(st.error());
  if (auto st = (*rt)->load(cfg.policies, cfg.admission, w.classes, w.source); !st) return tl::unexpected(st.error());
  WorkloadTaskOptions wo;
  wo.seed = cfg.seed;
  auto runner = std::make_unique<WorkloadTasks>(w, wo, cal, **rt);
  if (auto st = runner->spawn_all(); !st) return tl::unexpected(st.error());

  // The duration: a timer thread stops the run (unless it ends first).
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::atomic<bool> timed_out{false};
  std::thread timer([&] {
    std::unique_lock lk(mu);
    if (!cv.wait_for(lk, std::chrono::nanoseconds(cfg.duration), [&] { return done; })) {
      timed_out.store(true);
      (*rt)->stop();
    }
  });
  auto sum = (*rt)->run();
  {
    std::lock_guard lk(mu);
    done = true;
  }
  cv.notify_all();
  timer.join();
  if (!sum) return tl::unexpected(sum.error());
  // A fiber of a worker left behind may still touch the runner: it stays.
  WorkloadTasks& R = *runner;
  if (sum->workers_left_behind > 0) (void)runner.release();

  report::RunReport r;
  r.workload = w.name;
  for (auto& p : cfg.policies) r.policy += (r.policy.empty() ? "" : ",") + p;
  if (r.policy.empty()) r.policy = "fair";
  r.nr_cpus = static_cast<int>(cfg.cpus.size());
  r.seed = cfg.seed;
  r.duration_ns = cfg.duration;
  r.elapsed_ns = sum->elapsed_ns;
  r.completed = !sum->interrupted;
  R.fill(r);
  r.tasks_created = sum->spawned - R.helpers();
  r.tasks_completed = sum->completed >= R.helpers() && !sum->interrupted ? sum->completed - R.helpers()
                                                                               : sum->completed;
  r.lost_tasks = sum->lost_tasks;
  if (r.lost_tasks) r.error = "the core holds tasks the runtime does not know";
  r.context_switches = sum->switches;
  r.wakeup_latency = sum->wakeup_latency;
  (*rt)->with_core([&](Core& core) {
    r.migrations = core.stats().migrations;
    r.dispatch_placements = core.stats().dispatch_placements;
  });
  TimeNs used = 0;
  for (auto& [name, ns] : sum->class_runtime) used += ns;
  for (auto& [name, ns] : sum->class_runtime)
    if (ns > 0 || name == "fair") r.per_class_share.emplace_back(name, used ? static_cast<double>(ns) / used : 0);
  r.wasted_cpu_ratio = sum->task_run_ns ? static_cast<double>(sum->spin_ns) / static_cast<double>(sum->task_run_ns) : 0;
  r.cpu_busy_ratio = r.elapsed_ns ? static_cast<double>(used) / (static_cast<double>(r.elapsed_ns) * r.nr_cpus) : 0;
  r.exit_reports = sum->exit_reports;
  for (const ExitReport& e : r.exit_reports)
    if (e.is_error()) r.warnings.push_back(report::ejection_warning(e, format_instant(e.at)));
  for (auto& b : sum->blocking) r.warnings.push_back(b);
  for (auto& p : sum->problems) r.warnings.push_back(p);
  if (sum->interrupted && !timed_out.load()) r.warnings.push_back("the run was interrupted (SIGINT)");
  return r;
}

}  // namespace ups::runtime
