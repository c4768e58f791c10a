// Core entry points and the chain walk (the kernel's core.c for upsched):
// task lifecycle, schedule() over the chain of classes, class loading,
// replacing, attaching and ejection. The classes themselves live in
// fair_class.cpp and ext_class.cpp.
#include "core/core.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include <fmt/format.h>

#include "core/core_impl.h"
#include "core/ext_class.h"
#include "core/fair_class.h"
#include "core/scx_constants.h"

namespace ups {

namespace {
constexpr TaskId kMaxTaskId = 1 << 22;  // the kernel's default pid_max

bool valid_policy_name(std::string_view n) {
  if (n.empty() || n.size() >= 128) return false;
  for (char ch : n)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.')) return false;
  return true;
}
}  // namespace

// --- Impl ------------------------------------------------------------------------

Core::Impl::Impl(Core& s, Topology t, CoreConfig c, CoreHooks& h)
    : self(s), topo(std::move(t)), cids(topo), cfg(c), hooks(h) {
  cpus.resize(static_cast<size_t>(topo.nr_cpus()));
  stats.dispatch_placements.assign(static_cast<size_t>(topo.nr_cpus()), 0);
  for (int i = 0; i < topo.nr_cpus(); ++i) cpus[static_cast<size_t>(i)].id = i;
  idle = idle_free = topo.all();
  auto f = std::make_unique<FairClass>(*this, 0);
  fair = f.get();
  classes.push_back(std::move(f));
  class_names.emplace_back("fair");
  loaded.push_back(true);
  by_id.push_back(nullptr);
  rebuild_chain();
}

Core::Impl::~Impl() = default;

// At most this many reschedules of one CPU at one instant: a policy that
// kicks a CPU from every dispatch() would otherwise livelock virtual time
// (in a kernel, time passes and the watchdog catches it; here the next
// event must come first).
constexpr u32 kMaxReschedPerInstant = 1024;

void Core::Impl::resched(CpuId cpu) {
  CpuRq& rq = cpus[static_cast<size_t>(cpu)];
  idle_free.clear(cpu);
  if (rq.need_resched) return;
  if (rq.resched_at != now) {
    rq.resched_at = now;
    rq.resched_count = 0;
  }
  if (++rq.resched_count > kMaxReschedPerInstant) return;
  rq.need_resched = true;
  hooks.resched_cpu(cpu);
}

CpuId Core::Impl::kick_idle(const CpuMask& mask, CpuId from) {
  CpuMask cand = idle_free & mask;
  CpuId c = cand.next(from);
  if (c == kNoCpu) c = cand.first();
  if (c != kNoCpu) resched(c);
  return c;
}

void Core::Impl::wakeup_preempt(CpuId target, Task& p) {
  CpuRq& rq = cpus[static_cast<size_t>(target)];
  SchedClass& c = cls_of(p);
  if (!c.may_run_on(target)) return;
  if (!rq.curr) {
    if (!rq.in_schedule) resched(target);
    return;
  }
  SchedClass& cc = cls_of(*rq.curr);
  if (c.rank() < cc.rank()) resched(target);
  else if (&c == &cc) c.check_preempt_curr(rq, p);
}

void Core::Impl::update_curr(CpuRq& rq) {
  Task* p = rq.curr;
  if (!p || now <= p->acct.exec_start) return;
  const TimeNs delta = now - p->acct.exec_start;
  p->acct.exec_start = now;
  p->acct.run_ns += delta;
  if (p->wait.kind == WaitKind::spinning && !p->wait.fired) p->acct.spin_ns += delta;
  cls_of(*p).update_curr(rq, *p, delta);
}

void Core::Impl::rebuild_chain() {
  chain.clear();
  for (ExtClass* e : ext_live)
    if (e->slot() == ChainSlot::above_fair) chain.push_back(e);
  chain.push_back(fair);
  for (ExtClass* e : ext_live)
    if (e->slot() == ChainSlot::below_fair) chain.push_back(e);
  for (auto& c : classes)
    if (c) c->set_rank(INT_MAX);
  for (size_t i = 0; i < chain.size(); ++i) chain[i]->set_rank(static_cast<int>(i));
}

void Core::Impl::set_below_fair(CpuId cpu, const Task* curr) {
  if (curr && cls_of(*curr).rank() > fair->rank()) below_fair.set(cpu);
  else below_fair.clear(cpu);
}

CpuId Core::Impl::join_target(const Task& p, SchedClass& to) {
  if (&to == fair) {
    CpuId prev = p.cpu != kNoCpu ? p.cpu : p.affinity.first();
    return fair->select_task_rq(const_cast<Task&>(p), prev, 0);
  }
  const CpuMask allowed = p.affinity & static_cast<ExtClass&>(to).cpus();
  if (p.cpu != kNoCpu && allowed.test(p.cpu)) return p.cpu;
  return allowed.first();
}

void Core::Impl::switch_class(Task& p, SchedClass& to) {
  SchedClass& from = cls_of(p);
  if (&from == &to) return;
  if (p.state == TaskState::running) {
    CpuRq& rq = cpus[static_cast<size_t>(p.cpu)];
    update_curr(rq);
    from.leave_running(rq, p, scx::DEQ_SCHED_CHANGE);
    from.disable_task(p, false);
    p.cls = to.id();
    to.enable_task(p);
    to.enter_running(rq, p);
    set_below_fair(rq.id, &p);
    resched(rq.id);
  } else if (p.state == TaskState::queued || p.state == TaskState::custody) {
    from.dequeue_task(p, scx::DEQ_SCHED_CHANGE);
    from.disable_task(p, false);
    p.cls = to.id();
    to.enable_task(p);
    const CpuId target = join_target(p, to);
    p.wake_cpu = target;
    to.enqueue_task(p, target, kEnqPlace);
    wakeup_preempt(target, p);
  } else {
    from.disable_task(p, false);
    p.cls = to.id();
    to.enable_task(p);
  }
}

ExtClass* Core::Impl::ext(ClassId id) {
  if (id >= classes.size() || !classes[id] || !classes[id]->is_ext()) return nullptr;
  return static_cast<ExtClass*>(classes[id].get());
}

void Core::Impl::eject(ExtClass& c, ExitReport report) {
  if (!loaded[c.id()]) return;
  c.begin_exit();
  loaded[c.id()] = false;
  ext_live.erase(std::find(ext_live.begin(), ext_live.end(), &c));
  rebuild_chain();
  u32 moved = 0;
  for (Task& p : tasks) {
    if (!p.is_live() || p.cls != c.id()) continue;
    switch_class(p, *fair);
    ++moved;
  }
  report.tasks_moved_to_fair = moved;
  if (report.at == 0) report.at = now;
  c.finish_exit(report);
  if (report.is_error()) ++stats.ejections;
  reports.push_back(report);
  hooks.on_exit_report(report);
}

void Core::Impl::finish() {
  ++depth;  // ejection calls back into classes; keep this the outermost frame
  while (!pending_eject.empty()) {
    const ClassId id = pending_eject.front();
    pending_eject.erase(pending_eject.begin());
    if (ExtClass* c = ext(id); c && loaded[id]) eject(*c, c->pending_report());
  }
  --depth;
  if (cfg.check_invariants) {
    std::string why;
    if (!self.check_invariants(&why)) {
      std::fprintf(stderr, "upsched: core invariant broken: %s\n", why.c_str());
      UPS_ASSERT(!"core invariant broken");
    }
  }
}

TimeNs Core::Impl::shortest_timeout() const {
  TimeNs t = TimeNs{scx::WATCHDOG_MAX_TIMEOUT_MS} * kNsPerMs;
  for (const ExtClass* e : ext_live) t = std::min(t, e->timeout_ns());
  return t;
}

// --- Core: construction and queries ------------------------------------------------

Core::Core(Topology topo, CoreConfig cfg, CoreHooks& hooks)
    : impl_(std::make_unique<Impl>(*this, std::move(topo), cfg, hooks)) {}
Core::~Core() = default;

const Topology& Core::topology() const { return impl_->topo; }
const CoreConfig& Core::config() const { return impl_->cfg; }
const CoreStats& Core::stats() const { return impl_->stats; }
size_t Core::nr_live_tasks() const { return impl_->live; }
const std::vector<ExitReport>& Core::exit_reports() const { return impl_->reports; }
ClassId Core::fair_class() const { return impl_->fair->id(); }

Task* Core::find_task(TaskId id) {
  if (id <= 0 || static_cast<size_t>(id) >= impl_->by_id.size()) return nullptr;
  return impl_->by_id[static_cast<size_t>(id)];
}

void Core::for_each_task(const std::function<void(const Task&)>& f) const {
  for (const Task& p : impl_->tasks) f(p);
}

Task* Core::current(CpuId cpu) const {
  UPS_ASSERT(impl_->valid_cpu(cpu));
  return impl_->cpus[static_cast<size_t>(cpu)].curr;
}
bool Core::need_resched(CpuId cpu) const {
  UPS_ASSERT(impl_->valid_cpu(cpu));
  return impl_->cpus[static_cast<size_t>(cpu)].need_resched;
}

ClassId Core::find_class(std::string_view name) const {
  for (size_t i = 0; i < impl_->classes.size(); ++i)
    if (impl_->loaded[i] && impl_->class_names[i] == name) return static_cast<ClassId>(i);
  return kNoClass;
}

std::vector<ClassId> Core::chain() const {
  std::vector<ClassId> ids;
  for (const SchedClass* c : impl_->chain) ids.push_back(c->id());
  return ids;
}

std::string_view Core::class_name(ClassId cls) const {
  if (cls >= impl_->class_names.size()) return {};
  return impl_->class_names[cls];
}

bool Core::class_loaded(ClassId cls) const {
  return cls < impl_->loaded.size() && impl_->loaded[cls];
}

TimeNs Core::class_runtime(ClassId cls) const {
  if (cls >= impl_->classes.size() || !impl_->classes[cls]) return 0;
  return impl_->classes[cls]->runtime();
}

u64 Core::class_dispatches(ClassId cls) const {
  if (cls >= impl_->classes.size() || !impl_->classes[cls]) return 0;
  return impl_->classes[cls]->dispatches();
}

// --- tasks ----------------------------------------------------------------------------

Result<Task*> Core::create_task(const TaskSpec& spec, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  if (!I.cgroups.find(spec.cgroup))
    return make_error(ErrorKind::not_found, fmt::format("no cgroup with id {}", spec.cgroup),
                      SourceLoc{{}, 0, 0, "cgroup"});
  if (spec.weight < 1 || spec.weight > 10000)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("task weight must be in 1..10000, got {}", spec.weight),
                      SourceLoc{{}, 0, 0, "weight"});
  CpuMask aff = spec.affinity.empty() ? I.topo.all() : (spec.affinity & I.topo.all());
  if (aff.empty())
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("task affinity {} has no CPU of this {}-CPU machine",
                                  spec.affinity.to_string(), I.nr_cpus()),
                      SourceLoc{{}, 0, 0, "affinity"});
  TaskId id = spec.id;
  if (id == kNoTask) {
    while (static_cast<size_t>(I.next_id) < I.by_id.size() && I.by_id[static_cast<size_t>(I.next_id)])
      ++I.next_id;
    id = I.next_id;
  }
  if (id <= 0 || id >= kMaxTaskId)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("task id must be in 1..{}, got {}", kMaxTaskId - 1, id),
                      SourceLoc{{}, 0, 0, "id"});
  if (static_cast<size_t>(id) < I.by_id.size() && I.by_id[static_cast<size_t>(id)])
    return make_error(ErrorKind::invalid_argument, fmt::format("task id {} is already in use", id),
                      SourceLoc{{}, 0, 0, "id"});
  if (static_cast<size_t>(id) >= I.by_id.size()) I.by_id.resize(static_cast<size_t>(id) + 1, nullptr);
  Task& p = I.tasks.emplace_back();
  I.by_id[static_cast<size_t>(id)] = &p;
  if (id >= I.next_id) I.next_id = id + 1;
  p.id = id;
  p.owner = spec.owner;
  p.weight = spec.weight;
  p.scx.weight = spec.weight;
  p.affinity = aff;
  p.nr_cpus_allowed = aff.count();
  p.flags = spec.flags;
  if (spec.comm) {
    size_t n = 0;
    for (; spec.comm[n] && n + 1 < p.comm.size(); ++n) p.comm[n] = spec.comm[n];
  }
  p.cgroup = I.cgroups.find(spec.cgroup);
  p.cgroup->nr_tasks++;
  p.state = TaskState::created;
  p.cls = I.fair->id();
  p.acct.runnable_since = now;
  I.fair->enable_task(p);
  ++I.live;
  return &p;
}

void Core::wake_up(Task& p, u64 wake_flags, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_DASSERT(I.owns_task(p));
  UPS_ASSERT(p.is_live());
  if (p.state != TaskState::created && p.state != TaskState::blocked) return;  // already runnable
  const bool is_new = p.state == TaskState::created;
  ++p.acct.wakeups;
  p.acct.runnable_since = now;
  p.acct.wakeup_pending = true;
  SchedClass& c = I.cls_of(p);
  CpuId prev = p.cpu != kNoCpu ? p.cpu : p.affinity.first();
  const CpuId target = c.select_task_rq(p, prev, wake_flags);
  p.wake_cpu = target;
  c.enqueue_task(p, target, scx::ENQ_WAKEUP | (is_new && &c == I.fair ? kEnqPlace : 0));
  I.wakeup_preempt(target, p);
}

void Core::block_current(CpuId cpu, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_ASSERT(I.valid_cpu(cpu));
  CpuRq& rq = I.cpus[static_cast<size_t>(cpu)];
  Task* p = rq.curr;
  UPS_ASSERT(p);
  UPS_DASSERT(p->state == TaskState::running && p->cpu == cpu);
  I.update_curr(rq);
  I.cls_of(*p).leave_running(rq, *p, scx::DEQ_SLEEP);
  p->state = TaskState::blocked;
  rq.curr = nullptr;
  rq.switched_out = p;
  rq.need_resched = true;
}

void Core::exit_current(CpuId cpu, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_ASSERT(I.valid_cpu(cpu));
  CpuRq& rq = I.cpus[static_cast<size_t>(cpu)];
  Task* p = rq.curr;
  UPS_ASSERT(p);
  UPS_DASSERT(p->state == TaskState::running && p->cpu == cpu);
  UPS_ASSERT(p->lock.held == 0);  // the substrate releases a task's locks first
  I.update_curr(rq);
  SchedClass& c = I.cls_of(*p);
  c.leave_running(rq, *p, scx::DEQ_SLEEP);
  c.disable_task(*p, true);
  I.event_unlink(*p);
  p->state = TaskState::exited;
  --p->cgroup->nr_tasks;
  rq.curr = nullptr;
  rq.switched_out = p;
  rq.need_resched = true;
  --I.live;
}

void Core::yield_current(CpuId cpu, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_ASSERT(I.valid_cpu(cpu));
  CpuRq& rq = I.cpus[static_cast<size_t>(cpu)];
  if (!rq.curr) return;
  I.update_curr(rq);
  I.cls_of(*rq.curr).yield_task(rq, *rq.curr);
  rq.need_resched = true;
}

void Core::set_weight(Task& p, u32 weight, TimeNs now) {
  EntryScope es(*impl_, now);
  UPS_DASSERT(impl_->owns_task(p));
  weight = std::clamp<u32>(weight, 1, 10000);
  if (p.state == TaskState::running) impl_->update_curr(impl_->cpus[static_cast<size_t>(p.cpu)]);
  p.weight = weight;
  p.scx.weight = weight;
  impl_->cls_of(p).set_weight(p, weight);
}

Status Core::set_affinity(Task& p, const CpuMask& mask, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_DASSERT(I.owns_task(p));
  const CpuMask m = mask & I.topo.all();
  if (m.empty())
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("affinity {} has no CPU of this machine", mask.to_string()),
                      SourceLoc{{}, 0, 0, "affinity"});
  SchedClass& c = I.cls_of(p);
  if (ExtClass* e = I.ext(p.cls); e && (m & e->cpus()).empty())
    return make_error(ErrorKind::rejected,
                      fmt::format("affinity {} has no CPU of class {} (CPUs {})", m.to_string(),
                                  e->name(), e->cpus().to_string()),
                      SourceLoc{{}, 0, 0, "affinity"});
  const bool queued = p.state == TaskState::queued || p.state == TaskState::custody;
  if (queued) c.dequeue_task(p, scx::DEQ_SCHED_CHANGE);
  p.affinity = m;
  p.nr_cpus_allowed = m.count();
  ++p.affinity_changes;
  c.set_cpumask(p, m);
  if (queued) {
    const CpuId target = I.join_target(p, c);
    p.wake_cpu = target;
    c.enqueue_task(p, target, 0);
    I.wakeup_preempt(target, p);
  } else if (p.state == TaskState::running && !m.test(p.cpu)) {
    I.resched(p.cpu);
  }
  return {};
}

// --- CPUs ------------------------------------------------------------------------------

// tick and check_slice: the running task's time brought up to date, then
// one of its class's checks.
void Core::charge_and_check(CpuId cpu, TimeNs now, void (SchedClass::*check)(CpuRq&, Task&)) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_ASSERT(I.valid_cpu(cpu));
  CpuRq& rq = I.cpus[static_cast<size_t>(cpu)];
  if (!rq.curr) return;
  I.update_curr(rq);
  if (rq.curr) (I.cls_of(*rq.curr).*check)(rq, *rq.curr);
}

void Core::tick(CpuId cpu, TimeNs now) { charge_and_check(cpu, now, &SchedClass::task_tick); }

TimeNs Core::slice_end(CpuId cpu) const {
  const Impl& I = *impl_;
  UPS_ASSERT(I.valid_cpu(cpu));
  const Task* p = I.cpus[static_cast<size_t>(cpu)].curr;
  if (!p) return kNoSliceEnd;
  const TimeNs left = impl_->classes[p->cls]->slice_left(*p);
  return left == kNoSliceEnd ? kNoSliceEnd : p->acct.exec_start + left;
}

void Core::check_slice(CpuId cpu, TimeNs now) { charge_and_check(cpu, now, &SchedClass::slice_check); }

Task* Core::schedule(CpuId cpu, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_ASSERT(I.valid_cpu(cpu));
  UPS_DASSERT(!I.cpus[static_cast<size_t>(cpu)].in_schedule);  // no nested schedule of one CPU
  CpuRq& rq = I.cpus[static_cast<size_t>(cpu)];
  rq.in_schedule = true;
  rq.need_resched = false;
  Task* prev = rq.curr;
  if (prev) I.update_curr(rq);

  Task* next = nullptr;
  SchedClass* next_cls = nullptr;
  for (size_t i = 0; i < I.chain.size() && !next; ++i) {
    SchedClass* c = I.chain[i];
    if (!c->may_run_on(cpu)) continue;
    next = c->pick_task(rq, prev && prev->cls == c->id() ? prev : nullptr);
    if (next) next_cls = c;
  }

  if (prev && prev != next) {
    I.cls_of(*prev).put_prev_task(rq, *prev, next_cls ? next_cls->rank() : INT_MAX);
    prev->acct.runnable_since = now;
  }
  if (next && next != prev) {
    TaskAccounting& a = next->acct;
    if (now > a.runnable_since) a.wait_ns += now - a.runnable_since;
    if (a.wakeup_pending) {
      const TimeNs lat = now > a.runnable_since ? now - a.runnable_since : 0;
      a.wakeup_latency_sum += lat;
      a.wakeup_latency_max = std::max(a.wakeup_latency_max, lat);
      a.wakeup_pending = false;
    }
    ++a.switches;
    ++I.stats.context_switches;
    next_cls->count_dispatch();
    if (next->cpu != kNoCpu && next->cpu != cpu) {
      ++a.migrations;
      ++I.stats.migrations;
    }
    next->cpu = cpu;
    next->state = TaskState::running;
    a.exec_start = now;
    rq.curr = next;
    next_cls->set_next_task(rq, *next);
  }
  rq.curr = next;

  if (!next) {
    I.idle_free.set(cpu);
    if (!I.idle.test(cpu)) {
      I.idle.set(cpu);
      for (size_t i = 0; i < I.ext_live.size(); ++i) I.ext_live[i]->cpu_idle_changed(cpu, true);
    }
  } else if (I.idle.test(cpu)) {
    I.idle.clear(cpu);
    I.idle_free.clear(cpu);
    for (size_t i = 0; i < I.ext_live.size(); ++i) I.ext_live[i]->cpu_idle_changed(cpu, false);
  }
  I.set_below_fair(cpu, next);

  Task* from = prev ? prev : rq.switched_out;
  rq.switched_out = nullptr;
  rq.in_schedule = false;
  // put_prev_task ran after the pick: a class that put prev back on this
  // CPU's local DSQ (an SCX_ENQ_LAST enqueue inserting it locally) must get
  // the CPU back if it outranks what was picked, idle included.
  if (prev && prev != next && prev->state == TaskState::queued && prev->dsq &&
      prev->dsq->local_cpu() == cpu)
    I.wakeup_preempt(cpu, *prev);
  if (from != next) I.hooks.on_switch(cpu, from, next, now);
  return next;
}

void Core::fire_timer(ClassId cls, u64 timer_id, TimeNs now) {
  EntryScope es(*impl_, now);
  if (ExtClass* e = impl_->ext(cls); e && impl_->loaded[cls]) e->fire_timer(timer_id);
}

// --- the chain --------------------------------------------------------------------------

Result<ClassId> Core::Impl::load(std::unique_ptr<SchedOps> ops, ClassGrant grant, ChainSlot slot,
                                 ExtClass* after) {
  if (!ops) return make_error(ErrorKind::invalid_argument, "no policy to load");
  const OpsConfig& oc = ops->config();
  if (!valid_policy_name(oc.name))
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("policy name '{}' must be 1..127 characters of [A-Za-z0-9_.]",
                                  oc.name),
                      SourceLoc{{}, 0, 0, "name"});
  if (oc.timeout_ms > scx::WATCHDOG_MAX_TIMEOUT_MS)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("policy {}: timeout_ms {} exceeds the maximum of {} ms", oc.name,
                                  oc.timeout_ms, scx::WATCHDOG_MAX_TIMEOUT_MS),
                      SourceLoc{{}, 0, 0, "timeout_ms"});
  if (!grant.cpus.empty() && !grant.cpus.subset_of(topo.all()))
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("policy {}: CPUs {} are not all on this machine (0-{})", oc.name,
                                  grant.cpus.to_string(), topo.nr_cpus() - 1),
                      SourceLoc{{}, 0, 0, "cpus"});
  if (slot == ChainSlot::above_fair &&
      (grant.bw_period_ns == 0 || grant.bw_runtime_ns == 0 ||
       grant.bw_runtime_ns >= grant.bw_period_ns))
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("policy {}: a class above fair needs 0 < bw_runtime_ns ({}) < "
                                  "bw_period_ns ({})",
                                  oc.name, grant.bw_runtime_ns, grant.bw_period_ns),
                      SourceLoc{{}, 0, 0, "bandwidth"});
  if (classes.size() >= kNoClass)
    return make_error(ErrorKind::unsupported, "too many classes loaded over this core's life");
  const ClassId id = static_cast<ClassId>(classes.size());
  auto owned = std::make_unique<ExtClass>(*this, id, std::move(ops), std::move(grant), slot);
  ExtClass* e = owned.get();
  classes.push_back(std::move(owned));
  class_names.emplace_back(e->name());
  loaded.push_back(true);
  ExitReport r;
  if (!e->init(&r)) {
    loaded[id] = false;
    std::erase(pending_eject, id);
    e->begin_exit();
    e->finish_exit(r);
    reports.push_back(r);
    hooks.on_exit_report(r);
    return make_error(ErrorKind::rejected,
                      fmt::format("policy {} failed to load: {}", r.class_name, r.message),
                      SourceLoc{{}, 0, 0, "init"});
  }
  if (after) ext_live.insert(std::find(ext_live.begin(), ext_live.end(), after) + 1, e);
  else ext_live.push_back(e);
  rebuild_chain();
  // As scx_enable: every idle CPU of the class goes through the pick loop
  // once, so that the policy's dispatch() sees it (scx_central relies on it).
  const CpuMask wake = idle & e->cpus();
  for (CpuId c = wake.first(); c != kNoCpu; c = wake.next(c + 1)) resched(c);
  return id;
}

Result<ClassId> Core::load_class(std::unique_ptr<SchedOps> ops, ClassGrant grant, ChainSlot slot,
                                 TimeNs now) {
  EntryScope es(*impl_, now);
  if (ops && find_class(ops->config().name) != kNoClass)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("a class named {} is already loaded", ops->config().name),
                      SourceLoc{{}, 0, 0, "name"});
  return impl_->load(std::move(ops), std::move(grant), slot, nullptr);
}

void Core::unload_class(ClassId cls, ExitKind kind, std::string message, TimeNs now) {
  EntryScope es(*impl_, now);
  ExtClass* e = impl_->ext(cls);
  if (!e || !impl_->loaded[cls]) return;
  ExitReport r;
  r.class_name = std::string(e->name());
  r.kind = kind;
  r.reason = std::string(exit_kind_reason(kind));
  r.message = std::move(message);
  r.at = now;
  impl_->eject(*e, std::move(r));
}

Result<ClassId> Core::replace_class(ClassId cls, std::unique_ptr<SchedOps> ops, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  ExtClass* old = I.ext(cls);
  if (!old || !I.loaded[cls])
    return make_error(ErrorKind::not_found, fmt::format("class {} is not loaded", cls));
  auto id = I.load(std::move(ops), old->grant(), old->slot(), old);
  if (!id) return id;
  ExtClass& nw = *I.ext(*id);
  for (Task& p : I.tasks) {
    if (!p.is_live() || p.cls != cls) continue;
    if (nw.live() && nw.init_task(p) == 0) I.switch_class(p, nw);
    else I.switch_class(p, *I.fair);
  }
  ExitReport r;
  r.class_name = std::string(old->name());
  r.kind = ExitKind::unreg;
  r.reason = std::string(exit_kind_reason(ExitKind::unreg));
  r.message = fmt::format("replaced by {}", nw.name());
  r.at = now;
  I.eject(*old, std::move(r));
  return id;
}

Status Core::attach_task(Task& p, ClassId cls, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  UPS_ASSERT(I.owns_task(p));
  if (cls >= I.classes.size() || !I.loaded[cls])
    return make_error(ErrorKind::not_found, fmt::format("class {} is not loaded", cls));
  if (!p.is_live())
    return make_error(ErrorKind::invalid_argument, fmt::format("task {} has exited", p.id));
  if (p.cls == cls) return {};
  if (cls == I.fair->id()) {
    I.switch_class(p, *I.fair);
    return {};
  }
  ExtClass& e = *I.ext(cls);
  if (!e.grant().all_tasks && p.owner.uid != e.grant().owner.uid)
    return make_error(ErrorKind::rejected,
                      fmt::format("class {} (owner uid {}) may not manage task {} of uid {}: "
                                  "that needs sched.all_tasks",
                                  e.name(), e.grant().owner.uid, p.id, p.owner.uid));
  if ((p.affinity & e.cpus()).empty())
    return make_error(ErrorKind::rejected,
                      fmt::format("task {} may run on CPUs {}, none of them granted to class {} ({})",
                                  p.id, p.affinity.to_string(), e.name(), e.cpus().to_string()));
  const s32 rc = e.init_task(p);
  if (rc < 0)
    return make_error(ErrorKind::rejected,
                      fmt::format("class {} refused task {}: init_task returned {}", e.name(),
                                  p.id, rc));
  I.switch_class(p, e);
  return {};
}

}  // namespace ups
