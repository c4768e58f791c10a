// Event waits (upsched_ FaaS extension): which event each task waits for
// and whether it fired, for policies holding sched.events. An event is
// "fired" from signal_event() until a task begins a new wait on it (the
// substrate calls set_task_wait when a task finds the event not ready).
#include "core/core_impl.h"
#include "core/dispatch_queue.h"

namespace ups {

void Core::Impl::event_unlink(Task& p) {
  const bool linked = p.wait.kind != WaitKind::none && p.wait.event != 0 && !p.wait.fired;
  if (!linked) return;
  EventState& st = events[p.wait.event];
  if (p.ev_prev) p.ev_prev->ev_next = p.ev_next;
  else st.head = p.ev_next;
  if (p.ev_next) p.ev_next->ev_prev = p.ev_prev;
  p.ev_prev = p.ev_next = nullptr;
}

// A runnable task that was only polling now has work, but a policy may hold
// it where no CPU looks until the next dispatch (a park DSQ, custody). An
// idle CPU that could run it is rescheduled so that dispatch happens now;
// busy CPUs see it at their next tick or switch.
void Core::Impl::waiter_has_work(Task& p) {
  if (p.state != TaskState::queued && p.state != TaskState::custody) return;
  SchedClass& c = cls_of(p);
  if (p.state == TaskState::queued && p.dsq && p.dsq->local_cpu() != kNoCpu) {
    wakeup_preempt(p.dsq->local_cpu(), p);  // only that CPU can run it
    return;
  }
  const CpuId from = p.cpu == kNoCpu ? 0 : p.cpu;
  for (int i = 0; i < nr_cpus(); ++i) {
    const CpuId cpu = static_cast<CpuId>((from + i) % nr_cpus());
    if (idle_free.test(cpu) && p.affinity.test(cpu) && c.may_run_on(cpu)) {
      resched(cpu);
      return;
    }
  }
}

void Core::set_task_wait(Task& p, WaitKind kind, u64 event, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  const bool was_idle_polling = p.wait.kind == WaitKind::spinning && !p.wait.fired;
  I.event_unlink(p);
  p.wait = WaitInfo{kind, kind == WaitKind::none ? 0 : event, false, now};
  if (kind == WaitKind::none || event == 0) {
    if (was_idle_polling) I.waiter_has_work(p);
    return;
  }
  EventState& st = I.events[event];
  st.fired = false;
  p.ev_prev = nullptr;
  p.ev_next = st.head;
  if (st.head) st.head->ev_prev = &p;
  st.head = &p;
}

void Core::signal_event(u64 event, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  EventState& st = I.events[event];
  st.fired = true;
  for (Task* p = st.head; p;) {
    Task* next = p->ev_next;
    p->wait.fired = true;
    p->ev_prev = p->ev_next = nullptr;
    if (p->wait.kind == WaitKind::spinning) I.waiter_has_work(*p);
    p = next;
  }
  st.head = nullptr;
}

bool Core::event_fired(u64 event) const {
  auto it = impl_->events.find(event);
  return it != impl_->events.end() && it->second.fired;
}

}  // namespace ups
