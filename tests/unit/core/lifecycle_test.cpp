// Load, unload, replace and attach while tasks run: nothing is lost,
// running tasks keep running under their new class, refusals leave the
// task where it was.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

std::unique_ptr<ScriptedPolicy> vtime_policy(const char* name) {
  auto p = std::make_unique<ScriptedPolicy>(name);
  p->on_init = [](ScxContext& c) { return c.create_dsq(1, -1); };
  p->on_enqueue = [](ScxContext& c, Task& t, u64 f) {
    c.dsq_insert_vtime(t, 1, scx::SLICE_DFL, t.scx.dsq_vtime, f);
  };
  p->on_dispatch = [](ScxContext& c, CpuId, Task*) { c.dsq_move_to_local(1); };
  p->on_stopping = [](ScxContext&, Task& t, bool) { t.scx.dsq_vtime += scx::SLICE_DFL - t.scx.slice; };
  return p;
}

TEST(Lifecycle, UnloadWithRunningTasksLosesNothing) {
  TestDriver d(2);
  ClassId cls = *d.load(vtime_policy("v"));
  for (int i = 0; i < 10; ++i) d.spawn(Behaviour::periodic(3 * kNsPerMs, kNsPerMs, 30), {}, cls);
  d.run_for(50 * kNsPerMs);
  d.core().unload_class(cls, ExitKind::unreg, "owner unloaded it", d.now());
  ASSERT_EQ(d.reports().size(), 1u);
  EXPECT_EQ(d.reports()[0].kind, ExitKind::unreg);
  EXPECT_EQ(d.reports()[0].tasks_moved_to_fair, 10u);
  EXPECT_EQ(d.core().stats().ejections, 0u);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
}

TEST(Lifecycle, ReplaceMovesTasksToTheNewClass) {
  TestDriver d(2);
  ClassId a = *d.load(vtime_policy("a"));
  std::vector<Task*> ts;
  for (int i = 0; i < 6; ++i) ts.push_back(d.spawn(Behaviour::periodic(3 * kNsPerMs, kNsPerMs, 40), {}, a));
  d.run_for(30 * kNsPerMs);
  auto b = d.core().replace_class(a, vtime_policy("b"), d.now());
  ASSERT_TRUE(b.has_value()) << b.error().to_string();
  EXPECT_FALSE(d.core().class_loaded(a));
  EXPECT_EQ(d.core().chain(), (std::vector<ClassId>{d.core().fair_class(), *b}));
  for (Task* t : ts)
    if (t->is_live()) {
      EXPECT_EQ(t->cls, *b);
    }
  ASSERT_EQ(d.reports().size(), 1u);
  EXPECT_EQ(d.reports()[0].message, "replaced by b");
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_GT(d.core().class_runtime(*b), 0u);
}

TEST(Lifecycle, AttachRunningTaskSwitchesClassInPlace) {
  TestDriver d(1);
  Task* t = d.spawn(Behaviour::work(50 * kNsPerMs));
  d.run_for(5 * kNsPerMs);
  ASSERT_EQ(t->state, TaskState::running);
  ClassId cls = *d.load(vtime_policy("v"));
  ASSERT_TRUE(d.core().attach_task(*t, cls, d.now()).has_value());
  EXPECT_EQ(t->cls, cls);
  d.run_for(100 * kNsPerMs);
  EXPECT_TRUE(d.all_exited());
  EXPECT_GT(d.core().class_runtime(cls), 40 * kNsPerMs);
}

// Linux's scx_bpf_task_set_dsq_vtime/slice (scx_task_on_sched): the task
// init_task is initialising is the class's (scx_flatcg sets its first
// vtime there); a task of another class is not changed, and the answer is
// false, not an error.
TEST(Lifecycle, InitTaskMaySetTheVtimeOfItsTaskButNotOfAnotherClasssTask) {
  TestDriver d(1);
  Task* other = d.spawn(Behaviour::work(50 * kNsPerMs));  // stays in fair
  bool set_own = false, set_other = true, slice_other = true;
  auto p = vtime_policy("v");
  p->on_init_task = [&](ScxContext& c, Task& t) {
    set_own = c.task_set_dsq_vtime(t, 12345);
    set_other = c.task_set_dsq_vtime(*other, 777);
    slice_other = c.task_set_slice(*other, 1);
    return 0;
  };
  ClassId cls = *d.load(std::move(p));
  Task* t = d.create(Behaviour::work(kNsPerMs), spec("t"));
  ASSERT_TRUE(d.core().attach_task(*t, cls, d.now()).has_value());
  EXPECT_TRUE(set_own);
  EXPECT_EQ(t->scx.dsq_vtime, 12345u);
  EXPECT_FALSE(set_other);
  EXPECT_FALSE(slice_other);
  EXPECT_NE(other->scx.dsq_vtime, 777u);
  EXPECT_EQ(d.core().stats().ejections, 0u);
}

TEST(Lifecycle, InitTaskRefusalKeepsTaskInFair) {
  TestDriver d(1);
  auto p = vtime_policy("picky");
  p->on_init_task = [](ScxContext&, Task& t) { return t.comm[0] == 'n' ? -scx::E_INVAL : 0; };
  ClassId cls = *d.load(std::move(p));
  Task* no = d.create(Behaviour::work(kNsPerMs), spec("no"));
  Task* yes = d.create(Behaviour::work(kNsPerMs), spec("yes"));
  auto st = d.core().attach_task(*no, cls, d.now());
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("refused task"), std::string::npos);
  EXPECT_NE(st.error().message.find("-22"), std::string::npos);
  EXPECT_EQ(no->cls, d.core().fair_class());
  EXPECT_TRUE(d.core().attach_task(*yes, cls, d.now()).has_value());
  d.wake(no);
  d.wake(yes);
  d.run_for(10 * kNsPerMs);
  EXPECT_TRUE(d.all_exited());
}

TEST(Lifecycle, DisallowKeepsTaskInFair) {
  TestDriver d(1);
  auto p = vtime_policy("dis");
  p->on_init_task = [](ScxContext&, Task& t) {
    t.scx.disallow = true;
    return 0;
  };
  ClassId cls = *d.load(std::move(p));
  Task* t = d.create(Behaviour::work(kNsPerMs), spec("t"));
  EXPECT_FALSE(d.core().attach_task(*t, cls, d.now()).has_value());
  EXPECT_EQ(t->cls, d.core().fair_class());
}

TEST(Lifecycle, ForeignOwnerNeedsAllTasks) {
  TestDriver d(1);
  ClassGrant g;
  g.owner = Principal{1000, 1000};
  g.all_tasks = false;
  ClassId cls = *d.load(vtime_policy("user"), ChainSlot::below_fair, g);
  Task* mine = d.create(Behaviour::work(kNsPerMs), spec("m", 100, {}, Principal{1000, 1000}));
  Task* other = d.create(Behaviour::work(kNsPerMs), spec("o", 100, {}, Principal{1001, 1001}));
  EXPECT_TRUE(d.core().attach_task(*mine, cls, d.now()).has_value());
  auto st = d.core().attach_task(*other, cls, d.now());
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("sched.all_tasks"), std::string::npos);
}

TEST(Lifecycle, ReattachToFairAndBack) {
  TestDriver d(2);
  ClassId cls = *d.load(vtime_policy("v"));
  std::vector<Task*> ts;
  for (int i = 0; i < 8; ++i) ts.push_back(d.spawn(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 50), {}, cls));
  for (int round = 0; round < 10; ++round) {
    d.run_for(7 * kNsPerMs);
    for (Task* t : ts) {
      if (!t->is_live()) continue;
      ClassId to = (round % 2 == 0) ? d.core().fair_class() : cls;
      ASSERT_TRUE(d.core().attach_task(*t, to, d.now()).has_value());
    }
  }
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
}

TEST(Lifecycle, SetAffinityAndWeightWhileQueued) {
  TestDriver d(4);
  ClassId cls = *d.load(vtime_policy("v"));
  std::vector<Task*> ts;
  for (int i = 0; i < 8; ++i) ts.push_back(d.spawn(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 40), {}, cls));
  for (int i = 0; i < 8; ++i) ts.push_back(d.spawn(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 40)));
  d.run_for(10 * kNsPerMs);
  CpuMask m;
  m.set(1);
  m.set(2);
  for (Task* t : ts) {
    ASSERT_TRUE(d.core().set_affinity(*t, m, d.now()).has_value());
    d.core().set_weight(*t, 300, d.now());
  }
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  CpuMask bad;
  bad.set(40);
  Task* x = d.create(Behaviour::work(1));
  EXPECT_FALSE(d.core().set_affinity(*x, bad, d.now()).has_value());
}

}  // namespace
}  // namespace ups::test
