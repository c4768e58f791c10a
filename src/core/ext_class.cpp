// ExtClass (see ext_class.h): the mechanisms behind one loaded policy. The
// kfunc side (argument checks) is in scx_context.cpp.
#include "core/ext_class.h"

#include <algorithm>

#include <fmt/format.h>

namespace ups {

ExtClass::ExtClass(Core::Impl& core, ClassId id, std::unique_ptr<SchedOps> ops, ClassGrant grant,
                   ChainSlot slot)
    : SchedClass(id),
      core_(core),
      ops_(std::move(ops)),
      cfg_(ops_->config()),
      name_(cfg_.name),
      grant_(std::move(grant)),
      slot_(slot),
      cpus_(grant_.cpus.empty() ? core.topo.all() : (grant_.cpus & core.topo.all())),
      ctx_(core.self, *this),
      timeout_ns_(TimeNs{cfg_.timeout_ms == 0 ? scx::WATCHDOG_MAX_TIMEOUT_MS
                                              : std::min(cfg_.timeout_ms, scx::WATCHDOG_MAX_TIMEOUT_MS)} *
                  kNsPerMs),
      max_batch_(cfg_.dispatch_max_batch ? cfg_.dispatch_max_batch : scx::DSP_DFL_MAX_BATCH),
      builtin_idle_(!cfg_.implements(Op::update_idle) || (cfg_.flags & scx::OPS_KEEP_BUILTIN_IDLE)),
      global_(scx::DSQ_GLOBAL, id) {
  const int n = core.nr_cpus();
  local_.reserve(static_cast<size_t>(n));
  for (int c = 0; c < n; ++c) local_.emplace_back(scx::DSQ_LOCAL_ON | static_cast<u64>(c), id, c);
  dsp_buf_.reserve(max_batch_);
  bw_used_.assign(static_cast<size_t>(n), 0);
  bw_period_.assign(static_cast<size_t>(n), 0);
  idle_ = core.idle & cpus_;
  full_grant_ = cpus_ == core.topo.all();
  last_consulted_ = core.now;
}

ExtClass::~ExtClass() = default;

ExtClass::OpScope::OpScope(ExtClass& cls, Op op, CpuId cpu, Task* task)
    : c(cls), saved_op(cls.cur_op_), saved_cpu(cls.cur_cpu_), saved_task(cls.cur_task_) {
  c.cur_op_ = op;
  c.cur_cpu_ = cpu;
  c.cur_task_ = task;
}
ExtClass::OpScope::~OpScope() {
  c.cur_op_ = saved_op;
  c.cur_cpu_ = saved_cpu;
  c.cur_task_ = saved_task;
}

std::string ExtClass::task_name(const Task& p) const {
  return fmt::format("{}[{}]", p.comm.data(), p.id);
}

void ExtClass::fail(ExitKind kind, std::string message, std::string location, s64 code) {
  if (failing_ || dying_) {
    // The first failure is the report; a later call from the policy host
    // only adds where the program stopped, when the core's check could not
    // know it (a failed kfunc argument check made inside the core).
    if (failing_ && pending_.location.empty()) pending_.location = std::move(location);
    return;
  }
  failing_ = true;
  pending_ = ExitReport{};
  pending_.class_name = name_;
  pending_.kind = kind;
  pending_.exit_code = code;
  pending_.reason = std::string(exit_kind_reason(kind));
  if (message.size() > scx::EXIT_MSG_LEN) message.resize(scx::EXIT_MSG_LEN);
  pending_.message = std::move(message);
  pending_.callback = in_timer_ ? "timer" : op_name(cur_op_);
  pending_.location = std::move(location);
  pending_.at = core_.now;
  core_.pending_eject.push_back(id());
}

// --- lifecycle ------------------------------------------------------------------

bool ExtClass::init(ExitReport* report) {
  s32 rc;
  {
    OpScope s(*this, Op::init, cpus_.first(), nullptr);
    rc = ops_->init(ctx_);
    if (rc != 0 && !failing_) fail(ExitKind::error, fmt::format("ops.init() failed ({})", rc));
  }
  // Linux's scx_enable: every cgroup, parents first, after ops.init and
  // before any task's init_task.
  for (const Cgroup* cg : core_.cgroups.parent_first()) {
    if (failing_) break;
    const s32 cg_rc = cgroup_init(*cg);
    if (cg_rc != 0 && !failing_)
      fail(ExitKind::error, fmt::format("ops.cgroup_init() failed ({}) for cgroup {}", cg_rc, cg->path));
  }
  if (!failing_) return true;
  *report = pending_;
  return false;
}

s32 ExtClass::init_task(Task& p) {
  if (!live()) return -scx::E_INVAL;
  p.scx.disallow = false;
  s32 rc;
  {
    OpScope s(*this, Op::init_task, p.cpu, &p);
    rc = ops_->init_task(ctx_, p, InitTaskArgs{.fork = p.state == TaskState::created, .cgroup = p.cgroup});
  }
  if (!live()) return -scx::E_INVAL;
  if (rc < 0) return rc;
  if (p.scx.disallow) {
    p.scx.disallow = false;
    OpScope s(*this, Op::exit_task, p.cpu, &p);
    ops_->exit_task(ctx_, p, ExitTaskArgs{.cancelled = true});
    return -scx::E_ACCES;
  }
  return 0;
}

void ExtClass::finish_exit(const ExitReport& report) {
  for (const ArmedTimer& t : timers_) core_.hooks.cancel_timer(id(), t.id);
  timers_.clear();
  if (bw_timer_armed_) core_.hooks.cancel_timer(id(), kBandwidthTimerId);
  bw_timer_armed_ = false;
  for (CpuId c = budget_timer_armed_.first(); c != kNoCpu; c = budget_timer_armed_.next(c + 1))
    core_.hooks.cancel_timer(id(), kFirstBudgetTimerId + static_cast<u64>(c));
  budget_timer_armed_.clear_all();
  // Linux's scx_cgroup_exit: children first, before ops.exit.
  while (ops_ && !cgroups_inited_.empty()) cgroup_exit(*cgroups_inited_.back());
  if (ops_) {
    OpScope s(*this, Op::exit, kNoCpu, nullptr);
    ops_->exit(ctx_, report);
  }
  ops_.reset();
  user_.clear();
}

void ExtClass::enable_task(Task& p) {
  p.scx.weight = p.weight;
  p.scx.slice = scx::SLICE_DFL;
  // dsq_vtime is kept: init_task may have set it (scx_flatcg does); Linux
  // resets it when a task leaves (scx_disable_task).
  p.scx.flags = 0;
  p.scx.ops_state = OpsState::none;
  if (live()) {
    OpScope s(*this, Op::enable, p.cpu, &p);
    ops_->enable(ctx_, p);
  }
}

void ExtClass::disable_task(Task& p, bool exiting) {
  if (ops_) {
    OpScope s(*this, Op::disable, p.cpu, &p);
    ops_->disable(ctx_, p);
    s.c.cur_op_ = Op::exit_task;
    ops_->exit_task(ctx_, p, ExitTaskArgs{.cancelled = false, .exiting = exiting});
  }
  p.scx.dsq_vtime = 0;
  p.scx.flags = 0;
  p.scx.ops_state = OpsState::none;
}

// --- wakeup and enqueue -------------------------------------------------------------

CpuId ExtClass::fallback_cpu(const Task& p, CpuId prev) const {
  if (p.affinity.test(prev) && cpus_.test(prev)) return prev;
  const CpuMask allowed = p.affinity & cpus_;
  if (allowed.test(prev)) return prev;
  CpuId c = allowed.first();
  return c != kNoCpu ? c : cpus_.first();
}

CpuId ExtClass::select_task_rq(Task& p, CpuId prev_cpu, u64 wake_flags) {
  const CpuId prev = fallback_cpu(p, prev_cpu);
  ddsp_ = {};
  selected_ = nullptr;
  if (!live()) return prev;
  // The kernel skips select_cpu for tasks that can run on one CPU only.
  if (p.nr_cpus_allowed == 1) return prev;
  const CpuMask allowed = full_grant_ ? p.affinity : (p.affinity & cpus_);
  if (!full_grant_) {
    const CpuId first = allowed.first();
    if (first == kNoCpu || allowed.next(first + 1) == kNoCpu) return prev;
  }
  OpScope s(*this, Op::select_cpu, prev, &p);
  const CpuId cpu = ops_->select_cpu(ctx_, p, prev, wake_flags);
  if (!live()) return prev;
  if (!cpu_valid(cpu)) {
    fail(ExitKind::error, fmt::format("select_cpu returned invalid CPU {} for {}", cpu, task_name(p)));
    return prev;
  }
  selected_ = &p;
  return allowed.test(cpu) ? cpu : prev;  // a CPU p may not use: silent fallback
}

void ExtClass::enqueue_task(Task& p, CpuId target, u64 enq_flags) {
  p.scx.flags |= scx::TASK_QUEUED;
  u64 flags = enq_flags & ~kEnqInternalMask;
  if (selected_ == &p) flags |= scx::ENQ_CPU_SELECTED;
  selected_ = nullptr;
  if (live()) {
    OpScope s(*this, Op::runnable, target, &p);
    ops_->runnable(ctx_, p, flags);
  }
  do_enqueue(p, target, flags);
}

void ExtClass::custody(Task& p) {
  p.state = TaskState::custody;
  p.scx.ops_state = OpsState::queued;
  p.scx.flags |= scx::TASK_IN_CUSTODY;
}

void ExtClass::leave_custody(Task& p, u64 deq_flags, CpuId cpu) {
  if (!(p.scx.flags & scx::TASK_IN_CUSTODY)) return;
  p.scx.flags &= ~scx::TASK_IN_CUSTODY;
  if (!live()) return;
  OpScope s(*this, Op::dequeue, cpu, &p);
  ops_->dequeue(ctx_, p, deq_flags);
}

void ExtClass::do_enqueue(Task& p, CpuId target, u64 enq_flags) {
  p.wake_cpu = target;  // Linux moves p to target's run queue before ops.enqueue
  if (ddsp_.task == &p && live()) {
    const DirectDispatch d = ddsp_;
    ddsp_ = {};
    dispatch_enqueue(p, d.dsq_id, target, d.enq_flags, d.vtime);
    return;
  }
  ddsp_ = {};
  p.scx.ops_qseq = ++qseq_;
  if (!live()) {
    custody(p);
    return;
  }
  p.scx.ops_state = OpsState::queueing;
  {
    OpScope s(*this, Op::enqueue, target, &p);
    ops_->enqueue(ctx_, p, enq_flags);
  }
  if (ddsp_.task == &p && live()) {
    const DirectDispatch d = ddsp_;
    ddsp_ = {};
    dispatch_enqueue(p, d.dsq_id, target, d.enq_flags, d.vtime);
    return;
  }
  ddsp_ = {};
  custody(p);  // the policy keeps it (or failed): it must dispatch it later
}

DispatchQueue* ExtClass::find_user_dsq(DsqId id) {
  auto it = user_.find(id);
  return it == user_.end() ? nullptr : it->second.get();
}

DispatchQueue* ExtClass::find_dsq(DsqId id, CpuId local_cpu) {
  if (id == scx::DSQ_GLOBAL) return &global_;
  if (id == scx::DSQ_LOCAL) return cpu_valid(local_cpu) ? &local_[static_cast<size_t>(local_cpu)] : nullptr;
  if (scx::dsq_is_local_on(id)) {
    const CpuId c = static_cast<CpuId>(id & scx::DSQ_LOCAL_CPU_MASK);
    return cpu_valid(c) && cpus_.test(c) ? &local_[static_cast<size_t>(c)] : nullptr;
  }
  if (scx::dsq_is_builtin(id)) return nullptr;
  return find_user_dsq(id);
}

bool ExtClass::check_insert_target(const char* fn, DsqId id, bool vtime) {
  const bool builtin_ok = id == scx::DSQ_LOCAL || id == scx::DSQ_GLOBAL || scx::dsq_is_local_on(id);
  if (scx::dsq_is_local_on(id)) {
    const u64 cpu = id & scx::DSQ_LOCAL_CPU_MASK;
    if (cpu >= static_cast<u64>(core_.nr_cpus())) {
      fail(ExitKind::error, fmt::format("{}: invalid CPU {} in SCX_DSQ_LOCAL_ON", fn, cpu));
      return false;
    }
    if (!cpus_.test(static_cast<CpuId>(cpu))) {
      fail(ExitKind::error, fmt::format("{}: CPU {} in SCX_DSQ_LOCAL_ON is outside the class's "
                                        "CPUs {}", fn, cpu, cpus_.to_string()));
      return false;
    }
  } else if (scx::dsq_is_builtin(id) && !builtin_ok) {
    fail(ExitKind::error, fmt::format("{}: invalid DSQ ID 0x{:016x}", fn, id));
    return false;
  }
  if (builtin_ok) {
    if (vtime) {
      fail(ExitKind::error, fmt::format("{}: cannot use vtime ordering for built-in DSQs "
                                        "(0x{:016x})", fn, id));
      return false;
    }
    return true;
  }
  DispatchQueue* dsq = find_user_dsq(id);
  if (!dsq) {
    fail(ExitKind::error, fmt::format("{}: DSQ 0x{:016x} does not exist", fn, id));
    return false;
  }
  if (vtime && dsq->has_fifo()) {
    fail(ExitKind::error, fmt::format("{}: DSQ ID 0x{:016x} already had FIFO-enqueued tasks", fn, id));
    return false;
  }
  if (!vtime && dsq->has_vtime()) {
    fail(ExitKind::error, fmt::format("{}: DSQ ID 0x{:016x} already had PRIQ-enqueued tasks", fn, id));
    return false;
  }
  return true;
}

void ExtClass::dispatch_enqueue(Task& p, DsqId dsq_id, CpuId local_cpu, u64 enq_flags, bool vtime) {
  p.scx.ops_state = OpsState::none;
  DispatchQueue* dsq = find_dsq(dsq_id, local_cpu);
  if (!dsq) {
    fail(ExitKind::error, fmt::format("insert of {} into invalid or missing DSQ 0x{:016x}",
                                      task_name(p), dsq_id));
    dsq = &global_;
  }
  const bool local = dsq->local_cpu() != kNoCpu;
  if (local && !p.affinity.test(dsq->local_cpu())) dsq = &global_;  // kernel: falls back to global
  const bool builtin = scx::dsq_is_builtin(dsq->id());
  if (vtime && builtin) {
    fail(ExitKind::error, "cannot use vtime ordering for built-in DSQs");
    vtime = false;
  }
  if (vtime && dsq->has_fifo()) {
    fail(ExitKind::error, fmt::format("DSQ ID 0x{:016x} already had FIFO-enqueued tasks", dsq->id()));
    dsq = &global_;
    vtime = false;
  } else if (!vtime && dsq->has_vtime()) {
    fail(ExitKind::error, fmt::format("DSQ ID 0x{:016x} already had PRIQ-enqueued tasks", dsq->id()));
    dsq = &global_;
  }
  p.state = TaskState::queued;
  if (vtime) dsq->push_vtime(p);
  else dsq->push_fifo(p, (enq_flags & (scx::ENQ_HEAD | scx::ENQ_PREEMPT)) != 0);
  const CpuId c = dsq->local_cpu();
  if (c == kNoCpu) {
    if (dsq == &global_) leave_custody(p, 0, local_cpu);
    else p.scx.flags |= scx::TASK_IN_CUSTODY;  // a user DSQ keeps it in the policy's custody
    return;
  }
  leave_custody(p, 0, c);
  CpuRq& rq = core_.cpus[static_cast<size_t>(c)];
  if ((enq_flags & scx::ENQ_PREEMPT) && rq.curr && rq.curr->cls == id()) {
    rq.curr->scx.slice = 0;
    core_.resched(c);
  } else if (!rq.in_schedule) {
    core_.wakeup_preempt(c, p);
  }
}

void ExtClass::dequeue_task(Task& p, u64 deq_flags) {
  if (p.dsq) p.dsq->remove(p);
  leave_custody(p, deq_flags, p.cpu);
  p.scx.ops_state = OpsState::none;
  if (live()) {
    OpScope s(*this, Op::quiescent, p.cpu, &p);
    ops_->quiescent(ctx_, p, deq_flags);
  }
  p.scx.flags &= ~scx::TASK_QUEUED;
}

// --- CPUs --------------------------------------------------------------------------

Task* ExtClass::take(DispatchQueue& dsq, Task& p) {
  dsq.remove(p);
  return &p;
}

void ExtClass::flush_dispatch(CpuId cpu) {
  for (size_t i = 0; i < dsp_buf_.size(); ++i) {
    const DspEntry e = dsp_buf_[i];
    Task& p = *e.task;
    if (p.cls != id() || p.state != TaskState::custody || p.scx.ops_state != OpsState::queued ||
        p.scx.ops_qseq != e.qseq) {
      ++core_.stats.stale_dispatches_ignored;  // dequeued, re-enqueued or already dispatched
      continue;
    }
    if (e.slice) p.scx.slice = e.slice;
    else if (!p.scx.slice) p.scx.slice = 1;
    if (e.has_vtime) p.scx.dsq_vtime = e.vtime;
    if (e.dsq_id == scx::DSQ_LOCAL || scx::dsq_is_local_on(e.dsq_id))
      ++core_.stats.dispatch_placements[static_cast<size_t>(cpu)];
    dispatch_enqueue(p, e.dsq_id, cpu, e.enq_flags, e.has_vtime);
  }
  dsp_buf_.clear();
}

bool ExtClass::move_to_local(DsqId dsq_id, CpuId cpu) {
  flush_dispatch(cpu);
  DispatchQueue* src = dsq_id == scx::DSQ_GLOBAL ? &global_ : find_user_dsq(dsq_id);
  if (!src) return false;
  Task* t = src->first_allowed(cpu);
  if (!t) return false;
  src->remove(*t);
  local_[static_cast<size_t>(cpu)].push_fifo(*t, false);
  leave_custody(*t, 0, cpu);
  ++dsp_nr_;
  ++core_.stats.dispatch_placements[static_cast<size_t>(cpu)];
  return true;
}

Task* ExtClass::pick_task(CpuRq& rq, Task* prev) {
  last_consulted_ = core_.now;
  const CpuId cpu = rq.id;
  DispatchQueue& local = local_[static_cast<size_t>(cpu)];
  auto keep = [&](Task* p) { return p && p->scx.slice > 0 && p->affinity.test(cpu); };
  if (keep(prev)) return prev;
  if (Task* t = local.first()) return take(local, *t);
  if (Task* t = global_.first_allowed(cpu)) return take(global_, *t);
  if (cfg_.implements(Op::dispatch)) {
    for (u32 loop = 0;; ++loop) {
      if (loop == scx::DSP_MAX_LOOPS) {
        // Let the rest of the system (and the watchdog) run, then retry.
        // In virtual time a second retry at the same instant would loop
        // forever, so it waits for the next event instead.
        if (rq.last_self_kick != core_.now) {
          rq.last_self_kick = core_.now;
          core_.resched(cpu);
        }
        break;
      }
      dsp_buf_.clear();
      dsp_nr_ = 0;
      {
        OpScope s(*this, Op::dispatch, cpu, nullptr);
        ops_->dispatch(ctx_, cpu, prev);
        flush_dispatch(cpu);
      }
      if (!live()) return nullptr;
      if (keep(prev)) return prev;
      if (Task* t = local.first()) return take(local, *t);
      if (Task* t = global_.first_allowed(cpu)) return take(global_, *t);
      // As the kernel: loop while the last dispatch() inserted or moved
      // anything (stale inserts count, so a policy popping stale entries
      // gets another round).
      if (dsp_nr_ == 0) break;
    }
  }
  if (prev && prev->affinity.test(cpu) && !(cfg_.flags & scx::OPS_ENQ_LAST)) {
    if (prev->scx.slice == 0) prev->scx.slice = scx::SLICE_DFL;
    return prev;
  }
  return nullptr;
}

void ExtClass::put_prev_task(CpuRq& rq, Task& p, int next_rank) {
  if (live()) {
    OpScope s(*this, Op::stopping, rq.id, &p);
    ops_->stopping(ctx_, p, true);
  }
  if (p.scx.slice > 0 && p.affinity.test(rq.id)) {
    // Preempted by a higher class (or throttled): first in line here.
    p.state = TaskState::queued;
    p.wake_cpu = rq.id;
    local_[static_cast<size_t>(rq.id)].push_fifo(p, true);
    return;
  }
  u64 flags = 0;
  if (next_rank > rank() && (cfg_.flags & scx::OPS_ENQ_LAST)) flags |= scx::ENQ_LAST;
  do_enqueue(p, fallback_cpu(p, rq.id), flags);
}

void ExtClass::set_next_task(CpuRq& rq, Task& p) {
  arm_budget_timer(rq.id);
  if (!live()) return;
  OpScope s(*this, Op::running, rq.id, &p);
  ops_->running(ctx_, p);
}

void ExtClass::leave_running(CpuRq& rq, Task& p, u64 deq_flags) {
  if (live()) {
    OpScope s(*this, Op::stopping, rq.id, &p);
    ops_->stopping(ctx_, p, false);
    s.c.cur_op_ = Op::quiescent;
    ops_->quiescent(ctx_, p, deq_flags);
  }
  p.scx.flags &= ~scx::TASK_QUEUED;
}

void ExtClass::enter_running(CpuRq& rq, Task& p) {
  p.scx.flags |= scx::TASK_QUEUED;
  if (p.scx.slice == 0) p.scx.slice = scx::SLICE_DFL;
  arm_budget_timer(rq.id);
  if (!live()) return;
  OpScope s(*this, Op::runnable, rq.id, &p);
  ops_->runnable(ctx_, p, 0);
  s.c.cur_op_ = Op::running;
  ops_->running(ctx_, p);
}

void ExtClass::update_curr(CpuRq& rq, Task& p, TimeNs delta) {
  runtime_ += delta;
  if (p.scx.slice != scx::SLICE_INF) p.scx.slice -= std::min<u64>(delta, p.scx.slice);
  if (slot_ == ChainSlot::above_fair) account_bandwidth(rq.id, delta);
}

void ExtClass::account_bandwidth(CpuId cpu, TimeNs delta) {
  const TimeNs period = grant_.bw_period_ns;
  const u64 idx = core_.now / period;
  const size_t c = static_cast<size_t>(cpu);
  if (bw_period_[c] != idx) {
    // A run that began in an earlier period counts here only from the
    // period's start.
    bw_period_[c] = idx;
    bw_used_[c] = std::min<TimeNs>(delta, core_.now - idx * period);
  } else {
    bw_used_[c] += delta;
  }
  if (bw_used_[c] < grant_.bw_runtime_ns || throttled_.test(cpu)) return;
  throttled_.set(cpu);
  core_.resched(cpu);
  if (!bw_timer_armed_) {
    bw_timer_armed_ = true;
    core_.hooks.arm_timer(id(), kBandwidthTimerId, (idx + 1) * period);
  }
}

// Ticks alone would let a run overshoot the budget by up to a tick; this
// timer makes the core account (and throttle) at the exact moment the
// budget runs out, if the task is still running then. Re-arming replaces
// the CPU's earlier timer, so one that outlives its run only accounts early.
void ExtClass::arm_budget_timer(CpuId cpu) {
  if (slot_ != ChainSlot::above_fair || throttled_.test(cpu)) return;
  const TimeNs period = grant_.bw_period_ns, runtime = grant_.bw_runtime_ns;
  const u64 idx = core_.now / period;
  const size_t c = static_cast<size_t>(cpu);
  const TimeNs used = bw_period_[c] == idx ? std::min(bw_used_[c], runtime) : 0;
  const TimeNs period_end = (idx + 1) * period;
  TimeNs at = core_.now + (runtime - used);
  // Still running when the period ends: the next period's budget (runtime
  // < period) is what runs out.
  if (at > period_end) at = period_end + runtime;
  budget_timer_armed_.set(cpu);
  core_.hooks.arm_timer(id(), kFirstBudgetTimerId + static_cast<u64>(cpu), at);
}

void ExtClass::unthrottle_all() {
  const u64 idx = core_.now / grant_.bw_period_ns;
  for (CpuId c = throttled_.first(); c != kNoCpu; c = throttled_.next(c + 1)) {
    bw_used_[static_cast<size_t>(c)] = 0;
    bw_period_[static_cast<size_t>(c)] = idx;
    throttled_.clear(c);
    core_.resched(c);
  }
}

std::vector<ExtClass::ArmedTimer>::iterator ExtClass::find_timer(u64 timer_id) {
  return std::find_if(timers_.begin(), timers_.end(), [&](const ArmedTimer& t) { return t.id == timer_id; });
}

void ExtClass::fire_timer(u64 timer_id) {
  if (timer_id == kBandwidthTimerId) {
    bw_timer_armed_ = false;
    unthrottle_all();
    return;
  }
  if (timer_id >= kFirstBudgetTimerId) {
    const CpuId cpu = static_cast<CpuId>(timer_id - kFirstBudgetTimerId);
    budget_timer_armed_.clear(cpu);
    CpuRq& rq = core_.cpus[static_cast<size_t>(cpu)];
    if (rq.curr && rq.curr->cls == id()) core_.update_curr(rq);
    return;
  }
  auto it = find_timer(timer_id);
  if (it == timers_.end()) return;  // cancelled meanwhile
  // A pinned timer runs where it was armed, as long as the class still has
  // that CPU (Linux: the hrtimer stays on the CPU that started it).
  const CpuId cpu = it->pin_cpu != kNoCpu && cpus_.test(it->pin_cpu) ? it->pin_cpu : cpus_.first();
  timers_.erase(it);
  if (!live()) return;
  OpScope s(*this, Op::nr_ops, cpu, nullptr);
  in_timer_ = true;
  ops_->timer_fired(ctx_, timer_id);
  in_timer_ = false;
}

void ExtClass::task_tick(CpuRq& rq, Task& p) {
  if (!live()) return;
  {
    OpScope s(*this, Op::tick, rq.id, &p);
    ops_->tick(ctx_, p);
  }
  slice_check(rq, p);
}

TimeNs ExtClass::slice_left(const Task& p) const {
  return p.scx.slice == scx::SLICE_INF ? kNoSliceEnd : p.scx.slice;
}

void ExtClass::slice_check(CpuRq& rq, Task& p) {
  if (p.scx.slice == 0) core_.resched(rq.id);
}

void ExtClass::yield_task(CpuRq& rq, Task& p) {
  if (!live()) {
    p.scx.slice = 0;
    return;
  }
  OpScope s(*this, Op::yield, rq.id, &p);
  ops_->yield(ctx_, p, nullptr);
}

void ExtClass::set_weight(Task& p, u32 weight) {
  p.scx.weight = weight;
  if (!live()) return;
  OpScope s(*this, Op::set_weight, p.cpu, &p);
  ops_->set_weight(ctx_, p, weight);
}

void ExtClass::set_cpumask(Task& p, const CpuMask& mask) {
  if (!live()) return;
  OpScope s(*this, Op::set_cpumask, p.cpu, &p);
  ops_->set_cpumask(ctx_, p, mask);
}

void ExtClass::cpu_idle_changed(CpuId cpu, bool idle) {
  if (!cpus_.test(cpu)) return;
  if (idle) idle_.set(cpu);
  else idle_.clear(cpu);
  if (cfg_.implements(Op::update_idle) && live()) {
    OpScope s(*this, Op::update_idle, cpu, nullptr);
    ops_->update_idle(ctx_, cpu, idle);
  }
}

bool ExtClass::was_offered_cpu(TimeNs now) const {
  return now - last_consulted_ < timeout_ns_ || core_.idle.intersects(cpus_);
}

// --- built-in idle selection (scx_select_cpu_dfl) -------------------------------------

CpuId ExtClass::pick_idle(const CpuMask& allowed, u64 flags, CpuId from) {
  CpuMask cand = allowed & idle_;
  if (cand.empty()) return -scx::E_BUSY;
  if (flags & scx::PICK_IDLE_CORE) {
    for (CpuId c = cand.first(); c != kNoCpu; c = cand.next(c + 1))
      if (!core_.topo.smt_siblings(c).subset_of(idle_)) cand.clear(c);
    if (cand.empty()) return -scx::E_BUSY;
  }
  CpuId c = cand.next(from < 0 ? 0 : from);
  if (c == kNoCpu) c = cand.first();
  idle_.clear(c);
  return c;
}

CpuId ExtClass::select_cpu_dfl(Task& p, CpuId prev_cpu, u64, bool* is_idle) {
  *is_idle = false;
  if (idle_.empty()) return prev_cpu;  // busy machine: nothing to find
  const CpuMask allowed = p.affinity & cpus_;
  const Topology& t = core_.topo;
  const bool smt = t.smt_siblings(prev_cpu).count() > 1;
  auto got = [&](CpuId c) {
    *is_idle = true;
    return c;
  };
  const CpuMask llc = allowed & t.llc_cpus(prev_cpu);
  const CpuMask node = allowed & t.node_cpus(t.cpu(prev_cpu).node);
  if (smt) {
    if (allowed.test(prev_cpu) && t.smt_siblings(prev_cpu).subset_of(idle_) && idle_.test(prev_cpu)) {
      idle_.clear(prev_cpu);
      return got(prev_cpu);
    }
    for (const CpuMask* m : {&llc, &node, &allowed})
      if (CpuId c = pick_idle(*m, scx::PICK_IDLE_CORE, prev_cpu); c >= 0) return got(c);
  }
  if (allowed.test(prev_cpu) && idle_.test(prev_cpu)) {
    idle_.clear(prev_cpu);
    return got(prev_cpu);
  }
  for (const CpuMask* m : {&llc, &node, &allowed})
    if (CpuId c = pick_idle(*m, 0, prev_cpu); c >= 0) return got(c);
  return prev_cpu;
}

}  // namespace ups
