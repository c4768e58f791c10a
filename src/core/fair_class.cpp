// FairClass (see fair_class.h).
#include "core/fair_class.h"

#include <algorithm>

#include "core/scx_constants.h"

namespace ups {

FairClass::FairClass(Core::Impl& core, ClassId id)
    : SchedClass(id), core_(core), pinned_(static_cast<size_t>(core.nr_cpus())) {}

bool FairClass::shares_all(const Task& p) const { return p.nr_cpus_allowed >= core_.nr_cpus(); }

TimeNs FairClass::slice() const {
  return std::max(core_.cfg.fair.base_slice_ns, core_.cfg.fair.min_granularity_ns);
}

size_t FairClass::nr_queued() const {
  size_t n = shared_.size();
  for (const auto& h : pinned_) n += h.size();
  return n;
}

// Prefer prev, then an unclaimed idle CPU (same LLC first), then a CPU
// running a class below fair, then prev anyway.
CpuId FairClass::select_task_rq(Task& p, CpuId prev_cpu, u64) {
  const CpuMask& allowed = p.affinity;
  CpuId prev = allowed.test(prev_cpu) ? prev_cpu : allowed.first();
  if (core_.idle_free.test(prev)) return prev;
  CpuMask cand = core_.idle_free & allowed;
  if (!cand.empty()) {
    CpuMask llc = cand & core_.topo.llc_cpus(prev);
    CpuId c = llc.next(prev);
    if (c == kNoCpu) c = llc.first();
    if (c != kNoCpu) return c;
    c = cand.next(prev);
    return c != kNoCpu ? c : cand.first();
  }
  if (core_.below_fair.test(prev)) return prev;
  CpuMask lower = core_.below_fair & allowed;
  if (!lower.empty()) {
    CpuId c = lower.next(prev);
    return c != kNoCpu ? c : lower.first();
  }
  return prev;
}

void FairClass::push(Task& p, CpuId target) {
  UPS_ASSERT(!p.fair.on_rq);
  p.fair.on_rq = true;
  p.state = TaskState::queued;
  if (shares_all(p)) {
    p.fair.rq_cpu = kNoCpu;
    shared_.push(&p);
  } else {
    if (!p.affinity.test(target)) target = p.affinity.first();
    p.fair.rq_cpu = target;
    pinned_[target].push(&p);
    pinned_nonempty_.set(target);
  }
}

void FairClass::enqueue_task(Task& p, CpuId target, u64 enq_flags) {
  if (enq_flags & kEnqPlace) {
    p.fair.vruntime = min_vruntime_;
  } else if (enq_flags & scx::ENQ_WAKEUP) {
    // Sleeper credit: at most one base slice behind the queue.
    const u64 floor = min_vruntime_ - core_.cfg.fair.base_slice_ns;
    if (time_before(p.fair.vruntime, floor)) p.fair.vruntime = floor;
  }
  push(p, target);
}

void FairClass::dequeue_task(Task& p, u64) {
  UPS_ASSERT(p.fair.on_rq);
  if (p.fair.rq_cpu == kNoCpu) {
    shared_.remove(&p);
  } else {
    Heap& h = pinned_[p.fair.rq_cpu];
    h.remove(&p);
    if (h.empty()) pinned_nonempty_.clear(p.fair.rq_cpu);
  }
  p.fair.on_rq = false;
}

Task* FairClass::best_for(CpuId cpu) const {
  FairLess less;
  Task* best = shared_.top();
  Task* mine = pinned_[cpu].top();
  if (mine && (!best || less(*mine, *best))) best = mine;
  if (!best && !pinned_nonempty_.empty()) {
    // Idle otherwise: take a pinned task of another CPU that may run here.
    for (CpuId c = pinned_nonempty_.first(); c != kNoCpu; c = pinned_nonempty_.next(c + 1)) {
      Task* t = pinned_[c].top();
      if (t && t->affinity.test(cpu) && (!best || less(*t, *best))) best = t;
    }
  }
  return best;
}

Task* FairClass::pick_task(CpuRq& rq, Task* prev) {
  Task* cand = best_for(rq.id);
  if (prev && prev->affinity.test(rq.id) && (!cand || !FairLess{}(*cand, *prev))) {
    prev->fair.sum_exec_at_pick = prev->acct.run_ns;  // a fresh slice
    return prev;
  }
  if (cand) dequeue_task(*cand, 0);
  return cand;
}

void FairClass::put_prev_task(CpuRq& rq, Task& p, int) {
  push(p, rq.id);
  // Another CPU may be idle: let it take p (or whatever is first).
  if (p.fair.rq_cpu == kNoCpu && !core_.idle_free.empty_below(core_.nr_cpus()))
    core_.kick_idle(p.affinity, rq.id);
}

void FairClass::set_next_task(CpuRq& rq, Task& p) {
  p.fair.sum_exec_at_pick = p.acct.run_ns;
  p.fair.slice_ns = slice();
}

void FairClass::enter_running(CpuRq& rq, Task& p) {
  p.fair.vruntime = min_vruntime_;
  set_next_task(rq, p);
}

void FairClass::update_curr(CpuRq& rq, Task& p, TimeNs delta) {
  runtime_ += delta;
  p.fair.vruntime += delta * 100 / std::max<u32>(p.weight, 1);
  u64 m = p.fair.vruntime;
  if (Task* top = shared_.top(); top && time_before(top->fair.vruntime, m)) m = top->fair.vruntime;
  if (time_before(min_vruntime_, m)) min_vruntime_ = m;
}

void FairClass::task_tick(CpuRq& rq, Task& p) { slice_check(rq, p); }

TimeNs FairClass::slice_left(const Task& p) const {
  const TimeNs used = p.acct.run_ns - p.fair.sum_exec_at_pick;
  return used < p.fair.slice_ns ? p.fair.slice_ns - used : 0;
}

void FairClass::slice_check(CpuRq& rq, Task& p) {
  if (slice_left(p) > 0) return;
  Task* cand = best_for(rq.id);
  if (cand && FairLess{}(*cand, p)) core_.resched(rq.id);
}

void FairClass::check_preempt_curr(CpuRq& rq, Task& p) {
  Task& curr = *rq.curr;
  const u64 gran = core_.cfg.fair.wakeup_granularity_ns * 100 / std::max<u32>(p.weight, 1);
  if (time_before(p.fair.vruntime + gran, curr.fair.vruntime)) core_.resched(rq.id);
}

void FairClass::yield_task(CpuRq& rq, Task& p) {
  // Go behind the first waiting task, if any.
  Task* cand = best_for(rq.id);
  if (cand && !time_before(cand->fair.vruntime, p.fair.vruntime))
    p.fair.vruntime = cand->fair.vruntime + 1;
}

}  // namespace ups
