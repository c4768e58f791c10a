// Event waits (upsched_ FaaS extension): what each task waits for, and
// whether the event fired, as policies see it through ScxContext.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

TEST(Events, WaitAndSignal) {
  TestDriver d(1);
  Core& c = d.core();
  Task* a = d.create(Behaviour::work(1), spec("a"));
  Task* b = d.create(Behaviour::work(1), spec("b"));
  c.set_task_wait(*a, WaitKind::blocked, 5, 0);
  c.set_task_wait(*b, WaitKind::spinning, 5, 0);
  EXPECT_FALSE(c.event_fired(5));
  EXPECT_FALSE(a->wait.fired);
  c.signal_event(5, 10);
  EXPECT_TRUE(c.event_fired(5));
  EXPECT_TRUE(a->wait.fired);
  EXPECT_TRUE(b->wait.fired);
  EXPECT_FALSE(c.event_fired(6));
  // A new wait on the event means it is not ready any more.
  c.set_task_wait(*a, WaitKind::blocked, 5, 20);
  EXPECT_FALSE(c.event_fired(5));
  EXPECT_FALSE(a->wait.fired);
  c.set_task_wait(*a, WaitKind::none, 0, 30);
  c.signal_event(5, 40);
  EXPECT_FALSE(a->wait.fired);  // no longer waiting
}

TEST(Events, PolicySeesWaitsAndSpinTimeIsCounted) {
  TestDriver d(1);
  auto p = std::make_unique<ScriptedPolicy>("ev");
  u64 seen_event = 0;
  bool seen_spin = false;
  p->on_tick = [&](ScxContext& c, Task& t) {
    seen_event = c.task_wait_event(t);
    seen_spin = c.task_is_spinning(t);
  };
  ClassId cls = *d.load(std::move(p));
  Task* t = d.spawn(Behaviour::hog(), {}, cls);
  d.run_for(kNsPerMs);
  d.core().set_task_wait(*t, WaitKind::spinning, 42, d.now());
  d.run_for(20 * kNsPerMs);
  EXPECT_EQ(seen_event, 42u);
  EXPECT_TRUE(seen_spin);
  EXPECT_GE(t->acct.spin_ns, 16 * kNsPerMs);
  d.core().signal_event(42, d.now());
  d.run_for(10 * kNsPerMs);
  EXPECT_FALSE(seen_spin);
  const TimeNs spun = t->acct.spin_ns;
  d.run_for(10 * kNsPerMs);
  EXPECT_EQ(t->acct.spin_ns, spun);
}


// A policy that parks idle-polling tasks in DSQ 9 and dispatches only those
// whose event fired (the shape of faas_event): a parked task has no CPU
// looking at it, so the core must send one when its event fires.
std::unique_ptr<ScriptedPolicy> parking_policy() {
  auto p = std::make_unique<ScriptedPolicy>("park");
  p->on_init = [](ScxContext& c) { return c.create_dsq(9, -1); };
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [](ScxContext& c, Task& t, u64 f) { c.dsq_insert(t, 9, kNsPerMs, f); };
  p->on_dispatch = [](ScxContext& c, CpuId, Task*) {
    DsqIter it;
    if (c.dsq_iter_new(it, 9, 0) != 0) return;
    while (Task* t = c.dsq_iter_next(it))
      if (!c.task_is_spinning(*t)) c.dsq_move(it, *t, scx::DSQ_LOCAL, 0, false);
    c.dsq_iter_destroy(it);
  };
  return p;
}

// Parks a polling task on an otherwise idle machine; returns it.
Task* park_poller(TestDriver& d, ClassId cls) {
  Task* t = d.create(Behaviour::hog(), spec("poller"), cls);
  d.core().set_task_wait(*t, WaitKind::spinning, 7, d.now());
  d.wake(t);
  d.run_for(50 * kNsPerMs);
  EXPECT_EQ(t->state, TaskState::queued);  // parked, every CPU idle
  EXPECT_EQ(t->acct.run_ns, 0u);
  return t;
}

TEST(Events, FiredEventReschedulesAnIdleCpuForAParkedWaiter) {
  TestDriver d(2);
  ClassId cls = *d.load(parking_policy());
  Task* t = park_poller(d, cls);
  d.core().signal_event(7, d.now());
  d.run_for(0);  // the resched is due at this instant: no tick, no wakeup needed
  EXPECT_EQ(t->state, TaskState::running);
}

// The simulator ends a spin by clearing the wait before it signals the
// event (the waiter got the token): that must get it a CPU just the same.
TEST(Events, ClearedPollingWaitReschedulesAnIdleCpu) {
  TestDriver d(2);
  ClassId cls = *d.load(parking_policy());
  Task* t = park_poller(d, cls);
  d.core().set_task_wait(*t, WaitKind::none, 0, d.now());
  d.run_for(0);
  EXPECT_EQ(t->state, TaskState::running);
}

}  // namespace
}  // namespace ups::test
