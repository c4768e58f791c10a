// DSQ kfuncs through ScxContext: iterating a user DSQ and moving tasks
// from it, peeking, and SCX_ENQ_PREEMPT preempting the target CPU.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

TEST(DsqKfuncs, IterateAndMovePicksTheLastQueuedFirst) {
  TestDriver d(1);
  auto p = std::make_unique<ScriptedPolicy>("iter");
  std::vector<TaskId> order;
  p->on_init = [](ScxContext& c) { return c.create_dsq(3, -1); };
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [](ScxContext& c, Task& t, u64 f) { c.dsq_insert(t, 3, scx::SLICE_DFL, f); };
  p->on_dispatch = [&](ScxContext& c, CpuId, Task*) {
    EXPECT_NE(c.dsq_peek(3) == nullptr, c.dsq_nr_queued(3) > 0);
    // Reverse iteration: move the newest task to the local DSQ.
    DsqIter it;
    ASSERT_EQ(c.dsq_iter_new(it, 3, scx::DSQ_ITER_REV), 0);
    if (Task* t = c.dsq_iter_next(it)) {
      it.move_slice = 5 * kNsPerMs;
      EXPECT_TRUE(c.dsq_move(it, *t, scx::DSQ_LOCAL, 0, false));
      EXPECT_EQ(t->scx.slice, 5 * kNsPerMs);
      EXPECT_FALSE(c.dsq_move(it, *t, scx::DSQ_LOCAL, 0, false));  // already moved
      order.push_back(t->id);
    }
    c.dsq_iter_destroy(it);
    EXPECT_EQ(c.dsq_iter_next(it), nullptr);
  };
  ClassId cls = *d.load(std::move(p));
  d.spawn(Behaviour::work(3 * kNsPerMs));  // fair: holds the CPU while the rest queue
  std::vector<Task*> ts;
  for (int i = 0; i < 4; ++i) ts.push_back(d.spawn(Behaviour::work(kNsPerMs), spec("i"), cls));
  d.run_for(100 * kNsPerMs);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty()) << d.reports()[0].to_string();
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order, (std::vector<TaskId>{ts[3]->id, ts[2]->id, ts[1]->id, ts[0]->id}));
}

TEST(DsqKfuncs, EnqPreemptZeroesTheSliceOfTheTargetCpu) {
  TestDriver d(1);
  auto p = std::make_unique<ScriptedPolicy>("pre");
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [](ScxContext& c, Task& t, u64 f) {
    const u64 extra = t.comm[0] == 'u' ? scx::ENQ_PREEMPT : 0;
    c.dsq_insert(t, scx::DSQ_LOCAL, scx::SLICE_DFL, f | extra);
  };
  ClassId cls = *d.load(std::move(p));
  Task* hog = d.spawn(Behaviour::hog(), spec("hog"), cls);
  d.run_for(2 * kNsPerMs);
  Task* urgent = d.spawn(Behaviour::work(kNsPerMs), spec("urgent"), cls);
  d.run_for(kNsPerMs + 1);
  EXPECT_EQ(urgent->state, TaskState::exited);
  EXPECT_EQ(urgent->acct.wait_ns, 0u);
  EXPECT_GT(hog->acct.switches, 1u);
}

TEST(DsqKfuncs, KickPreemptEndsTheSlice) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("kick");
  int kicks = 0;
  p->on_tick = [&](ScxContext& c, Task& t) {
    if (c.this_cpu() == 0 && kicks < 3) {
      ++kicks;
      c.kick_cpu(1, scx::KICK_PREEMPT);
    }
    (void)t;
  };
  ClassId cls = *d.load(std::move(p));
  Task* a = d.spawn(Behaviour::hog(), spec("a"), cls);
  Task* b = d.spawn(Behaviour::hog(), spec("b"), cls);
  Task* c = d.spawn(Behaviour::hog(), spec("c"), cls);
  d.run_for(15 * kNsPerMs);
  EXPECT_EQ(kicks, 3);
  // The kicked CPU gave its task up before the 20 ms slice ended.
  EXPECT_GT(a->acct.switches + b->acct.switches + c->acct.switches, 3u);
  EXPECT_TRUE(d.reports().empty());
}

}  // namespace
}  // namespace ups::test
