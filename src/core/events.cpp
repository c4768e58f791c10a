// Event waits (upsched_ FaaS extension): which event each task waits for
// and whether it fired, for policies holding sched.events. An event is
// "fired" from signal_event() until a task begins a new wait on it (the
// substrate calls set_task_wait when a task finds the event not ready).
#include "core/core_impl.h"

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

void Core::set_task_wait(Task& p, WaitKind kind, u64 event, TimeNs now) {
  Impl& I = *impl_;
  if (now > I.now) I.now = now;
  I.event_unlink(p);
  p.wait = WaitInfo{kind, kind == WaitKind::none ? 0 : event, false, now};
  if (kind == WaitKind::none || event == 0) return;
  EventState& st = I.events[event];
  st.fired = false;
  p.ev_prev = nullptr;
  p.ev_next = st.head;
  if (st.head) st.head->ev_prev = &p;
  st.head = &p;
}

void Core::signal_event(u64 event, TimeNs now) {
  Impl& I = *impl_;
  if (now > I.now) I.now = now;
  EventState& st = I.events[event];
  st.fired = true;
  for (Task* p = st.head; p;) {
    Task* next = p->ev_next;
    p->wait.fired = true;
    p->ev_prev = p->ev_next = nullptr;
    p = next;
  }
  st.head = nullptr;
}

bool Core::event_fired(u64 event) const {
  auto it = impl_->events.find(event);
  return it != impl_->events.end() && it->second.fired;
}

}  // namespace ups
