#include "runtime/workload_run.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/rng.h"
#include "report/histogram.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "workload/duration.h"

namespace ups::runtime {

using namespace workload;

namespace {

TimeNs monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * kNsPerSec + static_cast<TimeNs>(ts.tv_nsec);
}

[[gnu::noinline]] void busy_iters(u64 n) {
  u64 x = 1;
  for (u64 i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    asm volatile("" : "+r"(x));  // the loop must run
  }
}

// A sync object of the workload.
struct Obj {
  SyncKind kind = SyncKind::event;
  std::unique_ptr<Event> ev;  // event tokens / channel messages
  Mutex mu;                   // channel stamps; a lock object
  std::deque<TimeNs> stamps;  // channel messages' request stamps (under mu)
};

constexpr TimeNs kNoStamp = ~TimeNs{0};
constexpr TimeNs kWorkChunk = 100 * kNsPerUs;

class Runner {
public:
  Runner(const Workload& w, const WorkloadRunConfig& cfg, const Calibration& cal, Runtime& rt)
      : w_(w), cfg_(cfg), cal_(cal), rt_(rt), group_work_(w.groups.size()), group_tasks_(w.groups.size()) {
    for (const SyncDecl& d : w.objects) {
      auto o = std::make_unique<Obj>();
      o->kind = d.kind;
      o->ev = std::make_unique<Event>(d.kind == SyncKind::lock ? 0 : d.initial);
      if (d.kind == SyncKind::channel) o->stamps.assign(d.initial, 0);
      objs_.push_back(std::move(o));
    }
    for (auto& g : group_work_) g.store(0);
    for (auto& g : group_tasks_) g.store(0);
  }

  Status spawn_task(u32 g) {
    const TaskGroup& grp = w_.groups[g];
    TaskAttrs a;
    a.name = grp.name;
    a.weight = grp.weight;
    a.affinity = grp.affinity;
    a.cls = grp.class_name;
    a.owner = grp.owner;
    const u64 seed = cfg_.seed * 0x9e3779b97f4a7c15ull + next_seed_.fetch_add(1);
    auto id = rt_.spawn([this, g, seed] { task(g, seed); }, a);
    if (!id) {
      Error e = id.error();
      e.where = SourceLoc{w_.source, grp.line, 0, "task group '" + grp.name + "'"};
      return tl::unexpected(e);
    }
    group_tasks_[g].fetch_add(1);
    return {};
  }

  Status spawn_arrivals() {
    for (u32 i = 0; i < w_.arrivals.size(); ++i) {
      TaskAttrs a;
      a.name = "arrivals";
      auto id = rt_.spawn([this, i] { arrivals(i); }, a);
      if (!id) return tl::unexpected(id.error());
      ++helpers_;
    }
    return {};
  }

  // Requests and groups (a group's share: the compute it got done).
  void fill(report::RunReport& r) {
    r.requests = requests_.count();
    r.request_latency = report::percentiles_of(requests_);
    TimeNs used = 0;
    for (auto& g : group_work_) used += g.load();
    for (size_t g = 0; g < w_.groups.size(); ++g)
      r.groups.push_back(report::GroupReport{w_.groups[g].name, group_tasks_[g].load(), w_.groups[g].weight,
                                             used ? static_cast<double>(group_work_[g].load()) / used : 0,
                                             group_work_[g].load() / 1e9});
  }
  u64 helpers() const { return helpers_; }

private:
  void task(u32 g, u64 seed) {
    const TaskGroup& grp = w_.groups[g];
    const Program& prog = grp.program;
    Rng rng(seed);
    if (grp.start > 0) {
      const TimeNs t = now();
      if (grp.start > t) sleep_for(grp.start - t);
    }
    TaskCursor cur;
    TimeNs stamp = kNoStamp;
    for (const Instr* in = next_action(prog, cur); in && in->op != OpCode::exit; in = next_action(prog, cur)) {
      Obj* o = in->arg < objs_.size() ? objs_[in->arg].get() : nullptr;
      switch (in->op) {
        case OpCode::compute: {
          // In chunks, so that a run stopped mid-phase counts the work done.
          for (TimeNs left = prog.dists[in->arg].sample(rng); left > 0;) {
            const TimeNs d = std::min(left, kWorkChunk);
            busy_work(cal_, d);
            group_work_[g].fetch_add(d);
            left -= d;
            // A safe point each chunk: a preemption the signal could not
            // make (TSan defers signals in code without interceptors).
            preempt_point();
          }
          break;
        }
        case OpCode::sleep:
          sleep_for(prog.dists[in->arg].sample(rng));
          break;
        // spin and poll_recv wait as wait and recv do: the runtime does not
        // model a guest that polls (docs/runtime.md).
        case OpCode::wait: case OpCode::spin:
          o->ev->wait();
          break;
        case OpCode::recv: case OpCode::poll_recv:
          o->ev->wait();
          o->mu.lock();
          if (!o->stamps.empty()) {
            stamp = o->stamps.front();
            o->stamps.pop_front();
          }
          o->mu.unlock();
          break;
        case OpCode::signal: case OpCode::send:
          for (u32 k = 0; k < in->arg2; ++k) give(*o, stamp != kNoStamp ? stamp : now());
          break;
        case OpCode::fork:
          for (u32 k = 0; k < in->arg2; ++k) (void)spawn_task(in->arg);  // a refusal: no new task
          break;
        case OpCode::yield:
          yield();
          break;
        case OpCode::begin:
          stamp = now();
          break;
        case OpCode::complete:
          if (stamp != kNoStamp) record(now() - stamp);
          stamp = kNoStamp;
          break;
        case OpCode::lock: case OpCode::spin_lock:  // no guest kernel here: a spinlock is a mutex
          o->mu.lock();
          break;
        case OpCode::unlock:
          o->mu.unlock();
          break;
        default:
          break;
      }
    }
  }

  void give(Obj& o, TimeNs stamp) {
    if (o.kind == SyncKind::channel) {
      o.mu.lock();
      o.stamps.push_back(stamp);
      o.mu.unlock();
    }
    o.ev->signal();
  }

  void record(TimeNs lat) {
    stats_mu_.lock();
    requests_.record(lat);
    stats_mu_.unlock();
  }

  void arrivals(u32 i) {
    const ArrivalSource& a = w_.arrivals[i];
    Rng rng(cfg_.seed * 31 + i);
    if (a.start > 0) {
      const TimeNs t = now();
      if (a.start > t) sleep_for(a.start - t);
    }
    for (u64 sent = 0; a.count == 0 || sent < a.count; ++sent) {
      sleep_for(std::max<TimeNs>(1, a.interarrival.sample(rng)));
      give(*objs_[a.channel], now());
    }
  }

  const Workload& w_;
  const WorkloadRunConfig& cfg_;
  Calibration cal_;
  Runtime& rt_;
  std::vector<std::unique_ptr<Obj>> objs_;
  std::vector<std::atomic<TimeNs>> group_work_;  // compute done, ns
  std::vector<std::atomic<u32>> group_tasks_;
  std::atomic<u64> next_seed_{0};
  u64 helpers_ = 0;
  Mutex stats_mu_;
  report::LatencyHistogram requests_;
};

}  // namespace

Calibration calibrate_busy_work() {
  constexpr u64 kIters = 2'000'000;
  double best_ns = 0;
  for (int i = 0; i < 5; ++i) {
    const TimeNs t0 = monotonic_ns();
    busy_iters(kIters);
    const double ns = static_cast<double>(monotonic_ns() - t0);
    if (best_ns == 0 || ns < best_ns) best_ns = ns;
  }
  return Calibration{static_cast<double>(kIters) / (best_ns / 1e3)};
}

void busy_work(const Calibration& cal, TimeNs ns) {
  busy_iters(static_cast<u64>(static_cast<double>(ns) / 1e3 * cal.iters_per_us));
}

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
  if (auto st = (*rt)->load(cfg.policies, cfg.admission, w.classes, w.source); !st) return tl::unexpected(st.error());
  auto runner = std::make_unique<Runner>(w, cfg, cal, **rt);
  for (u32 g = 0; g < w.groups.size(); ++g)
    for (u32 k = 0; k < w.groups[g].count; ++k)
      if (auto st = runner->spawn_task(g); !st) return tl::unexpected(st.error());
  if (auto st = runner->spawn_arrivals(); !st) return tl::unexpected(st.error());

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
  Runner& R = *runner;
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
  (*rt)->with_core([&](Core& core) { r.migrations = core.stats().migrations; });
  TimeNs used = 0;
  for (auto& [name, ns] : sum->class_runtime) used += ns;
  for (auto& [name, ns] : sum->class_runtime)
    if (ns > 0 || name == "fair") r.per_class_share.emplace_back(name, used ? static_cast<double>(ns) / used : 0);
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
