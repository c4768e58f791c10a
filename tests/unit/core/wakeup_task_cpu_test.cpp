// scx_bpf_task_cpu during a wakeup, as Linux shows it: ops.select_cpu sees
// the CPU the task last ran on; once it chose a CPU the task is on that
// CPU's run queue, so ops.runnable and ops.enqueue see the chosen CPU.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

TEST(WakeupTaskCpu, EnqueueSeesTheCpuSelectCpuChose) {
  TestDriver d(2);
  auto p = std::make_unique<ScriptedPolicy>("other_cpu");
  CpuId chosen = kNoCpu;
  int moves = 0, enqueue_saw_chosen = 0, select_saw_prev = 0, selects = 0;
  p->on_select_cpu = [&](ScxContext& c, Task& t, CpuId prev, u64) {
    ++selects;
    if (c.task_cpu(t) == prev) ++select_saw_prev;
    chosen = prev ^ 1;  // always the other CPU of two
    return chosen;
  };
  p->on_enqueue = [&](ScxContext& c, Task& t, u64 f) {
    if (chosen != kNoCpu) {
      ++moves;
      if (c.task_cpu(t) == chosen) ++enqueue_saw_chosen;
    }
    chosen = kNoCpu;
    c.dsq_insert(t, scx::DSQ_LOCAL, scx::SLICE_DFL, f);
  };
  ClassId cls = *d.load(std::move(p));
  const TaskId id = d.spawn(Behaviour::periodic(kNsPerMs, kNsPerMs, 10), {}, cls)->id;
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
  ASSERT_GE(selects, 10);
  EXPECT_EQ(select_saw_prev, selects);
  EXPECT_EQ(moves, selects);
  EXPECT_EQ(enqueue_saw_chosen, moves);
  EXPECT_EQ(d.ran_on().at(id), CpuMask::first_n(2));  // it did run on the chosen CPUs
}

}  // namespace
}  // namespace ups::test
