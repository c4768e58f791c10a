// Ownership (sched_ext-abi.md §5): a task in a policy's custody carries the
// sequence number of its enqueue; a duplicate or stale insert from
// dispatch() is ignored and counted, never obeyed twice.
#include <gtest/gtest.h>

#include <deque>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

TEST(Ownership, DuplicateInsertsAreIgnored) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("dup");
  std::deque<Task*> q;
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext&, Task& t, u64) { q.push_back(&t); };
  p->on_dispatch = [&](ScxContext& c, CpuId, Task*) {
    if (q.empty()) return;
    Task* t = q.front();
    q.pop_front();
    // The same task three times, and again into another CPU's local DSQ.
    c.dsq_insert(*t, scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
    c.dsq_insert(*t, scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
    c.dsq_insert(*t, scx::DSQ_GLOBAL, scx::SLICE_DFL, 0);
  };
  ClassId cls = *d.load(std::move(p));
  for (int i = 0; i < 6; ++i) d.spawn(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 10), {}, cls);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
  EXPECT_GE(d.core().stats().stale_dispatches_ignored, 2u * 6 * 10 - 1);
}

TEST(Ownership, StaleInsertAfterDequeueIsIgnored) {
  TestDriver d(1);
  auto p = std::make_unique<ScriptedPolicy>("stale");
  std::deque<Task*> q;  // never forgets: entries go stale
  std::vector<Task*> all;
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext&, Task& t, u64) { q.push_back(&t); };
  p->on_dispatch = [&](ScxContext& c, CpuId, Task*) {
    // Inserts every task it ever saw, running, blocked or queued alike.
    for (Task* t : all) c.dsq_insert(*t, scx::DSQ_GLOBAL, scx::SLICE_DFL, 0);
    q.clear();
  };
  p->cfg.dispatch_max_batch = 64;
  ClassId cls = *d.load(std::move(p));
  for (int i = 0; i < 8; ++i) all.push_back(d.spawn(Behaviour::periodic(kNsPerMs, 2 * kNsPerMs, 20), {}, cls));
  d.run_for(2 * kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
  EXPECT_GT(d.core().stats().stale_dispatches_ignored, 100u);
}

TEST(Ownership, DequeueOnPropertyChangeGivesNewSequence) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("seq");
  std::vector<std::pair<Task*, u64>> seen;
  int dequeues = 0;
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [&](ScxContext&, Task& t, u64) { seen.push_back({&t, 0}); };
  p->on_dequeue = [&](ScxContext&, Task&, u64 f) {
    EXPECT_TRUE(f & scx::DEQ_SCHED_CHANGE);
    ++dequeues;
  };
  ClassId cls = *d.load(std::move(p));
  // A fair hog on each CPU keeps the below-fair tasks in custody.
  Task* t = d.spawn_behind_fair_hogs(cls);
  d.run_for(kNsPerMs);
  ASSERT_EQ(t->state, TaskState::custody);
  const u64 q1 = t->scx.ops_qseq;
  d.core().set_weight(*t, 500, d.now());
  CpuMask m = CpuMask::first_n(1);
  ASSERT_TRUE(d.core().set_affinity(*t, m, d.now()).has_value());
  EXPECT_EQ(dequeues, 1);
  EXPECT_EQ(t->state, TaskState::custody);
  EXPECT_NE(t->scx.ops_qseq, q1);
}

}  // namespace
}  // namespace ups::test
