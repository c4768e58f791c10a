#include "runtime/workload_tasks.h"

#include <algorithm>
#include <ctime>

#include "base/rng.h"
#include "workload/cgroups.h"

namespace ups::runtime {

using namespace workload;

namespace {

constexpr TimeNs kNoStamp = ~TimeNs{0};
constexpr TimeNs kWorkChunk = 100 * kNsPerUs;

}  // namespace

// A sync object of the workload.
struct WorkloadTasks::Obj {
  SyncKind kind = SyncKind::event;
  std::unique_ptr<Event> ev;  // event tokens / channel messages
  Mutex mu;                   // channel stamps; a lock object
  std::deque<TimeNs> stamps;  // channel messages' request stamps (under mu)
};

WorkloadTasks::WorkloadTasks(const Workload& w, WorkloadTaskOptions opts, const Calibration& cal, Runtime& rt)
    : w_(w), opts_(std::move(opts)), cal_(cal), rt_(rt), group_work_(w.groups.size()),
      group_tasks_(w.groups.size()) {
  for (const SyncDecl& d : w.objects) {
    auto o = std::make_unique<Obj>();
    o->kind = d.kind;
    o->ev = std::make_unique<Event>(d.kind == SyncKind::lock ? 0 : d.initial);
    if (d.kind == SyncKind::channel) o->stamps.assign(d.initial, 0);
    objs_.push_back(std::move(o));
  }
  for (auto& g : group_work_) g.store(0);
  for (auto& g : group_tasks_) g.store(0);
  for (const TaskGroup& g : w.groups) group_cgroup_.push_back(g.cgroup == "/" ? "" : g.cgroup);
}

Status WorkloadTasks::create_cgroups(const Workload& w, Runtime& rt) {
  Status st;
  rt.with_core([&](Core& core) { st = workload::create_cgroups(core, w, rt.now()); });
  return st;
}

WorkloadTasks::~WorkloadTasks() = default;

Status WorkloadTasks::spawn_all() {
  for (u32 g = 0; g < w_.groups.size(); ++g)
    for (u32 k = 0; k < w_.groups[g].count; ++k)
      if (auto st = spawn_task(g); !st) return st;
  for (u32 i = 0; i < w_.arrivals.size(); ++i)
    if (auto st = spawn_helper("arrivals", [this, i] { arrivals(i); }); !st) return st;
  if (!w_.cgroup_moves.empty())
    if (auto st = spawn_helper("cgroup-moves", [this] { cgroup_moves(); }); !st) return st;
  return {};
}

Status WorkloadTasks::spawn_helper(const char* name, std::function<void()> body) {
  TaskAttrs a;
  a.name = name;
  if (opts_.owner) a.owner = *opts_.owner;
  ++helpers_;
  auto id = rt_.spawn([this, body = std::move(body)] {
    body();
    fibers_done_.fetch_add(1);
  }, a);
  if (!id) {
    --helpers_;
    return tl::unexpected(id.error());
  }
  return {};
}

Status WorkloadTasks::spawn_task(u32 g) {
  const TaskGroup& grp = w_.groups[g];
  TaskAttrs a;
  a.name = grp.name;
  a.weight = grp.weight;
  a.affinity = grp.affinity;
  a.cls = opts_.cls == kNoClass ? grp.class_name : "";
  a.owner = opts_.owner ? *opts_.owner : grp.owner;
  {
    std::lock_guard lk(ids_mu_);
    a.cgroup = group_cgroup_[g];
  }
  const u64 seed = opts_.seed * 0x9e3779b97f4a7c15ull + next_seed_.fetch_add(1);
  spawned_.fetch_add(1);
  auto id = rt_.spawn([this, g, seed] {
    task(g, seed);
    tasks_done_.fetch_add(1);
    if (!w_.cgroup_moves.empty()) task_ended_.signal();
    fibers_done_.fetch_add(1);
  }, a);
  if (!id) {
    spawned_.fetch_sub(1);
    Error e = id.error();
    e.where = SourceLoc{w_.source, grp.line, 0, "task group '" + grp.name + "'"};
    return tl::unexpected(e);
  }
  {
    std::lock_guard lk(ids_mu_);
    ids_.push_back(*id);
    id_group_.push_back(g);
  }
  if (opts_.cls != kNoClass)
    rt_.with_core([&](Core& core) {
      // A refusal (the class went meanwhile) leaves the task in fair.
      if (Task* t = core.find_task(*id); t && t->is_live() && t->cls != opts_.cls)
        (void)core.attach_task(*t, opts_.cls, rt_.now());
    });
  group_tasks_[g].fetch_add(1);
  return {};
}

std::vector<TaskId> WorkloadTasks::task_ids() const {
  std::lock_guard lk(ids_mu_);
  return ids_;
}

void WorkloadTasks::cancel() {
  if (cancelled_.exchange(true)) return;
  // Every waiter of every object wakes, sees the flag and ends.
  const u64 wakeups = spawned_.load() + helpers_ + 1;
  for (auto& o : objs_)
    if (o->kind != SyncKind::lock)
      for (u64 k = 0; k < wakeups; ++k) o->ev->signal();
  task_ended_.signal();
}

void WorkloadTasks::fill(report::RunReport& r) {
  r.requests = requests_.count();
  r.request_latency = report::percentiles_of(requests_);
  TimeNs used = 0;
  for (auto& g : group_work_) used += g.load();
  for (size_t g = 0; g < w_.groups.size(); ++g)
    r.groups.push_back(report::GroupReport::of(w_.groups[g].name, group_tasks_[g].load(),
                                               w_.groups[g].weight, group_work_[g].load(), used,
                                               w_.groups[g].cgroup));
}

void WorkloadTasks::task(u32 g, u64 seed) {
  const TaskGroup& grp = w_.groups[g];
  const Program& prog = grp.program;
  Rng rng(seed);
  if (grp.start > 0) {
    const TimeNs t = now();
    if (grp.start > t) sleep_for(grp.start - t);
  }
  TaskCursor cur;
  TimeNs stamp = kNoStamp;
  std::vector<Obj*> held;  // workload locks this task holds: a cancelled task lets them go
  for (const Instr* in = next_action(prog, cur); in && in->op != OpCode::exit && !cancelled_.load();
       in = next_action(prog, cur)) {
    Obj* o = in->arg < objs_.size() ? objs_[in->arg].get() : nullptr;
    switch (in->op) {
      case OpCode::compute: {
        // In chunks, so that a run stopped mid-phase counts the work done.
        for (TimeNs left = prog.dists[in->arg].sample(rng); left > 0 && !cancelled_.load();) {
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
      // spin really polls (Event::spin: runnable, burning the CPU, seen
      // by the core as spinning); poll_recv, as in the simulator, waits
      // for its message and, each period none came, polls for a burst.
      case OpCode::wait: case OpCode::spin: case OpCode::recv: case OpCode::poll_recv:
        if (in->op == OpCode::spin) o->ev->spin();
        else if (in->op == OpCode::poll_recv) poll_recv(*o->ev, prog, in->arg2, rng);
        else o->ev->wait();
        if (o->kind == SyncKind::channel) {
          o->mu.lock();
          if (!o->stamps.empty()) {
            stamp = o->stamps.front();
            o->stamps.pop_front();
          }
          o->mu.unlock();
        }
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
        held.push_back(o);
        break;
      case OpCode::unlock:
        o->mu.unlock();
        if (auto it = std::find(held.begin(), held.end(), o); it != held.end()) held.erase(it);
        break;
      default:
        break;
    }
  }
  for (auto it = held.rbegin(); it != held.rend(); ++it) (*it)->mu.unlock();
}

// A polling runtime's receive (a guest's or a function runtime's poll
// loop): parked until the message comes or `period` passes, then a burst
// of real polling (Event::spin_until) of `burst`, and again. The period
// and burst are drawn as the simulator draws them (dists[d], dists[d+1]).
void WorkloadTasks::poll_recv(Event& ev, const Program& prog, u32 d, Rng& rng) {
  for (;;) {
    const TimeNs period = std::max<TimeNs>(1, prog.dists[d + 1].sample(rng));
    if (ev.wait_until(now() + period)) return;
    const TimeNs burst = std::max<TimeNs>(1, prog.dists[d].sample(rng));
    if (ev.spin_until(now() + burst)) return;
  }
}

void WorkloadTasks::give(Obj& o, TimeNs stamp) {
  if (o.kind == SyncKind::channel) {
    o.mu.lock();
    o.stamps.push_back(stamp);
    o.mu.unlock();
  }
  o.ev->signal();
}

void WorkloadTasks::record(TimeNs lat) {
  stats_mu_.lock();
  requests_.record(lat);
  stats_mu_.unlock();
}

void WorkloadTasks::arrivals(u32 i) {
  const ArrivalSource& a = w_.arrivals[i];
  Rng rng(opts_.seed * 31 + i);
  if (a.start > 0) {
    const TimeNs t = now();
    if (a.start > t) sleep_for(a.start - t);
  }
  for (u64 sent = 0; (a.count == 0 || sent < a.count) && !cancelled_.load(); ++sent) {
    sleep_for(std::max<TimeNs>(1, a.interarrival.sample(rng)));
    give(*objs_[a.channel], now());
  }
}

// As the simulator does them, at their times on the run's clock: a move
// waits for its time unless every task has ended first (nothing left to
// move) or the run is cancelled. A task spawned while a move is under way
// may start in the group's old cgroup.
void WorkloadTasks::cgroup_moves() {
  std::vector<const CgroupMove*> order;
  for (const CgroupMove& m : w_.cgroup_moves) order.push_back(&m);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->at < b->at; });
  for (const CgroupMove* m : order) {
    while (!cancelled_.load() && !all_tasks_done() && task_ended_.wait_until(m->at)) {
    }
    if (cancelled_.load() || all_tasks_done()) return;
    std::vector<TaskId> ids;
    {
      std::lock_guard lk(ids_mu_);
      for (size_t i = 0; i < ids_.size(); ++i)
        if (id_group_[i] == m->group) ids.push_back(ids_[i]);
    }
    bool moved = false;
    rt_.with_core([&](Core& core) {
      std::vector<Task*> live;
      for (TaskId id : ids)
        if (Task* t = core.find_task(id); t && t->is_live()) live.push_back(t);
      moved = workload::move_group(core, live, *m, rt_.now());
    });
    if (moved) {
      std::lock_guard lk(ids_mu_);
      group_cgroup_[m->group] = m->to == "/" ? "" : m->to;
    }
  }
}

}  // namespace ups::runtime
