// TaskMirrors: what a BPF program sees of a task, what it may change, and
// that only the address of a live mirror turns back into a task.
#include "policy/task_mirror.h"

#include <gtest/gtest.h>

#include <vector>

namespace ups::policy {
namespace {

Task make_task(TaskId id) {
  Task t;
  t.id = id;
  t.affinity = CpuMask::first_n(3);
  t.nr_cpus_allowed = 3;
  t.scx.weight = 200;
  t.scx.slice = 5;
  t.scx.dsq_vtime = 7;
  return t;
}

TEST(TaskMirror, MirrorShowsTheTaskInKernelLayout) {
  TaskMirrors m;
  Task t = make_task(42);
  kabi::TaskStruct* ts = m.hand_out(t);
  EXPECT_EQ(ts->pid, 42);
  EXPECT_EQ(ts->scx.weight, 200u);
  EXPECT_EQ(ts->nr_cpus_allowed, 3);
  EXPECT_EQ(ts->cpus_ptr, reinterpret_cast<u64>(&ts->cpus_mask));
  EXPECT_EQ(ts->cpus_mask.bits[0], 0x7u);
}

TEST(TaskMirror, OnlyWritableFieldsCopyBack) {
  TaskMirrors m;
  Task t = make_task(1);
  kabi::TaskStruct* ts = m.hand_out(t);
  ts->scx.slice = 99;
  ts->scx.dsq_vtime = 1234;
  ts->scx.disallow = true;
  ts->scx.weight = 1;  // read-only: ignored
  ts->pid = 77;        // read-only: ignored
  m.sync_out(t);
  EXPECT_EQ(t.scx.slice, 99u);
  EXPECT_EQ(t.scx.dsq_vtime, 1234u);
  EXPECT_TRUE(t.scx.disallow);
  EXPECT_EQ(t.scx.weight, 200u);
  EXPECT_EQ(t.id, 1u);
}

// The core may change a task during a callback (a dispatch flushed by
// scx_bpf_dsq_move_to_local gives it its slice, a preempting kick zeroes
// it); the copy-back must not undo that with the stale values of fields
// the program never wrote, while the program's own writes still land.
TEST(TaskMirror, CopyBackKeepsWhatTheCoreWroteToFieldsTheProgramLeft) {
  TaskMirrors m;
  Task t = make_task(5);
  kabi::TaskStruct* ts = m.hand_out(t);
  ts->scx.dsq_vtime = 1000;          // the program writes the vtime only
  t.scx.slice = ~u64{0};              // the core: SCX_SLICE_INF from a flushed dispatch
  t.scx.disallow = true;
  m.sync_out(t);
  EXPECT_EQ(t.scx.slice, ~u64{0});
  EXPECT_TRUE(t.scx.disallow);
  EXPECT_EQ(t.scx.dsq_vtime, 1000u);
  // Written back once: a later change by the core survives the next copy-back.
  t.scx.dsq_vtime = 2000;
  m.sync_out(t);
  EXPECT_EQ(t.scx.dsq_vtime, 2000u);
}

TEST(TaskMirror, OnlyLiveMirrorAddressesAreTasks) {
  TaskMirrors m;
  Task t = make_task(3);
  kabi::TaskStruct* ts = m.hand_out(t);
  const u64 addr = reinterpret_cast<u64>(ts);
  EXPECT_EQ(m.task_of(addr), &t);
  EXPECT_EQ(m.task_of(addr + 8), nullptr);  // inside, not the start
  EXPECT_EQ(m.task_of(reinterpret_cast<u64>(&t)), nullptr);
  EXPECT_EQ(m.task_of(0), nullptr);
  m.forget(t);
  EXPECT_EQ(m.task_of(addr), nullptr);  // stale after the task left
}

// A callback may hand out many tasks (iterating a DSQ): every one stays
// listed as handed out in this callback, however many, and a task handed
// out again right after (a kfunc's refresh) is still written back once;
// the list empties at the sync, and a forgotten task leaves it.
TEST(TaskMirror, EveryMirrorHandedOutInACallbackIsListedAndWrittenBack) {
  TaskMirrors m;
  std::vector<Task> tasks;
  for (TaskId id = 1; id <= 40; ++id) tasks.push_back(make_task(id));
  for (Task& t : tasks) {
    kabi::TaskStruct* ts = m.hand_out(t);
    EXPECT_EQ(m.hand_out(t), ts);  // again at once: the same mirror
    ts->scx.slice = 100 + static_cast<u64>(t.id);
    const u64 b = reinterpret_cast<u64>(ts);
    ASSERT_TRUE(m.last_handed_out());
    EXPECT_EQ(m.last_handed_out()->first, b);
  }
  for (Task& t : tasks) {
    const u64 b = reinterpret_cast<u64>(m.find(t.id));
    EXPECT_EQ(m.task_of(b), &t);
    ASSERT_TRUE(m.handed_out(b + 8, 8));
    EXPECT_EQ(m.handed_out(b + 8, 8)->first, b);
  }
  m.forget(tasks[7]);
  const u64 gen = m.generation();
  m.sync_out_touched();
  EXPECT_NE(m.generation(), gen);
  for (const Task& t : tasks)
    EXPECT_EQ(t.scx.slice, t.id == 8 ? 5u : 100 + static_cast<u64>(t.id)) << "task " << t.id;
  // After the sync none is handed out in the (next) callback any more.
  EXPECT_FALSE(m.last_handed_out());
  EXPECT_FALSE(m.handed_out(reinterpret_cast<u64>(m.find(1)), 8));
  EXPECT_EQ(m.task_of(reinterpret_cast<u64>(m.find(1))), &tasks[0]);  // still a live mirror
}

}  // namespace
}  // namespace ups::policy
