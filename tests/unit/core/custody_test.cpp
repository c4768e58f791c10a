// Custody as in Linux 7.3 (kernel/sched/ext: SCX_TASK_IN_CUSTODY): a task
// the policy keeps from ops.enqueue, or puts on a user DSQ, stays in its
// custody until it reaches a local or the global DSQ; ops.dequeue(p, 0)
// tells the policy it left. A sleep or property change while in custody
// calls ops.dequeue with those flags instead; a direct insert into a local
// or the global DSQ never enters custody.
#include <gtest/gtest.h>

#include <deque>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

constexpr DsqId kUserDsq = 7;

struct Dequeues {
  int leave = 0;         // deq_flags 0: reached a local or the global DSQ
  int sched_change = 0;  // SCX_DEQ_SCHED_CHANGE
  int other = 0;
  void count(u64 f) {
    if (f == 0) ++leave;
    else if (f == scx::DEQ_SCHED_CHANGE) ++sched_change;
    else ++other;
  }
};

TEST(Custody, DispatchFromQueueToLocalCallsDequeueOnce) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("queue");
  std::deque<Task*> q;
  int dispatched = 0;
  Dequeues dq;
  bool on_local_at_dequeue = true;
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext&, Task& t, u64) { q.push_back(&t); };
  p->on_dispatch = [&](ScxContext& c, CpuId, Task*) {
    if (q.empty()) return;
    Task* t = q.front();
    q.pop_front();
    ++dispatched;
    // Alternately a local and the global DSQ: both end custody.
    c.dsq_insert(*t, dispatched % 2 ? scx::DSQ_LOCAL : scx::DSQ_GLOBAL, scx::SLICE_DFL, 0);
  };
  p->on_dequeue = [&](ScxContext&, Task& t, u64 f) {
    dq.count(f);
    // Linux calls it after the insert: the task is on its DSQ already.
    if (f == 0 && !t.dsq) on_local_at_dequeue = false;
  };
  ClassId cls = *d.load(std::move(p));
  d.spawn_periodic(cls, 6);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
  EXPECT_GE(dispatched, 60);
  EXPECT_EQ(dq.leave, dispatched);
  EXPECT_EQ(dq.sched_change + dq.other, 0);
  EXPECT_TRUE(on_local_at_dequeue);
}

TEST(Custody, DirectInsertIntoLocalOrGlobalNeverCallsDequeue) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("direct");
  int enqueues = 0, dequeues = 0;
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext& c, Task& t, u64 f) {
    ++enqueues;
    c.dsq_insert(t, enqueues % 2 ? scx::DSQ_LOCAL : scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
  };
  p->on_dequeue = [&](ScxContext&, Task&, u64) { ++dequeues; };
  ClassId cls = *d.load(std::move(p));
  d.spawn_periodic(cls, 4);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_GE(enqueues, 40);
  EXPECT_EQ(dequeues, 0);
}

TEST(Custody, UserDsqKeepsCustodyUntilMovedToLocal) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("user_dsq");
  int enqueues = 0, moved = 0;
  Dequeues dq;
  bool dequeue_inside_dispatch = true;
  bool in_dispatch = false;
  p->on_init = [](ScxContext& c) { return c.create_dsq(kUserDsq, -1); };
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext& c, Task& t, u64 f) {
    ++enqueues;
    c.dsq_insert(t, kUserDsq, scx::SLICE_DFL, f);  // direct, yet still the policy's
  };
  p->on_dispatch = [&](ScxContext& c, CpuId, Task*) {
    in_dispatch = true;
    if (c.dsq_move_to_local(kUserDsq)) ++moved;
    in_dispatch = false;
  };
  p->on_dequeue = [&](ScxContext&, Task&, u64 f) {
    dq.count(f);
    if (f == 0 && !in_dispatch) dequeue_inside_dispatch = false;
  };
  ClassId cls = *d.load(std::move(p));
  d.spawn_periodic(cls, 4);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
  EXPECT_GE(moved, 40);
  EXPECT_EQ(moved, enqueues);
  EXPECT_EQ(dq.leave, moved);
  EXPECT_EQ(dq.sched_change + dq.other, 0);
  // The kernel calls it from scx_bpf_dsq_move_to_local, inside ops.dispatch.
  EXPECT_TRUE(dequeue_inside_dispatch);
}

TEST(Custody, PropertyChangeOnUserDsqCallsDequeueWithSchedChange) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("change");
  Dequeues dq;
  p->on_init = [](ScxContext& c) { return c.create_dsq(kUserDsq, -1); };
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext& c, Task& t, u64 f) { c.dsq_insert(t, kUserDsq, scx::SLICE_DFL, f); };
  p->on_dispatch = [&](ScxContext& c, CpuId, Task*) { c.dsq_move_to_local(kUserDsq); };
  p->on_dequeue = [&](ScxContext&, Task&, u64 f) { dq.count(f); };
  ClassId cls = *d.load(std::move(p));
  // A fair hog on each CPU keeps the below-fair task waiting on the user DSQ.
  Task* t = d.spawn_behind_fair_hogs(cls);
  d.run_for(kNsPerMs);
  ASSERT_EQ(t->state, TaskState::queued);
  ASSERT_NE(t->dsq, nullptr);
  ASSERT_TRUE(d.core().set_affinity(*t, CpuMask::first_n(1), d.now()).has_value());
  EXPECT_EQ(dq.sched_change, 1);
  EXPECT_EQ(dq.leave + dq.other, 0);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_EQ(dq.leave, 1);  // its move to a local DSQ once the hogs are done
}

}  // namespace
}  // namespace ups::test
