// The invariant checker notices a task in two places, a task nowhere, a
// wrong DSQ count and a task of an unloaded class.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

struct Corrupt {
  Corrupt() : d(2) {
    cls = *d.load(std::make_unique<ScriptedPolicy>("p"));
    // Two fair hogs keep the ext tasks queued on the class's global DSQ.
    d.spawn(Behaviour::hog());
    d.spawn(Behaviour::hog());
    for (int i = 0; i < 3; ++i) ext.push_back(d.spawn(Behaviour::hog(), {}, cls));
    fair_q = d.spawn(Behaviour::hog());
    d.run_for(kNsPerMs);
  }
  TestDriver d;
  ClassId cls;
  std::vector<Task*> ext;
  Task* fair_q;
};

TEST(Invariants, HoldOnAHealthyCore) {
  Corrupt s;
  std::string why;
  EXPECT_TRUE(s.d.core().check_invariants(&why)) << why;
}

TEST(Invariants, QueuedTaskMarkedBlocked) {
  Corrupt s;
  Task* t = s.ext[0];
  ASSERT_EQ(t->state, TaskState::queued);
  t->state = TaskState::blocked;
  std::string why;
  EXPECT_FALSE(s.d.core().check_invariants(&why));
  EXPECT_NE(why.find("not runnable but queued"), std::string::npos) << why;
  t->state = TaskState::queued;
}

TEST(Invariants, RunningTaskAlsoQueued) {
  Corrupt s;
  Task* cur = s.d.core().current(0);
  ASSERT_NE(cur, nullptr);
  cur->fair.on_rq = true;
  std::string why;
  EXPECT_FALSE(s.d.core().check_invariants(&why));
  EXPECT_NE(why.find("running and queued"), std::string::npos) << why;
  cur->fair.on_rq = false;
}

TEST(Invariants, TaskInNoPlace) {
  Corrupt s;
  Task* t = s.fair_q;
  ASSERT_EQ(t->state, TaskState::queued);
  t->state = TaskState::running;  // claims to run but no CPU runs it
  std::string why;
  EXPECT_FALSE(s.d.core().check_invariants(&why));
  EXPECT_NE(why.find("not the current task"), std::string::npos) << why;
  t->state = TaskState::queued;
}

TEST(Invariants, TaskOfUnloadedClass) {
  Corrupt s;
  Task* t = s.d.create(Behaviour::hog(), spec("x"));
  t->cls = 77;
  std::string why;
  EXPECT_FALSE(s.d.core().check_invariants(&why));
  EXPECT_NE(why.find("not loaded"), std::string::npos) << why;
  t->cls = s.d.core().fair_class();
}

TEST(Invariants, CustodyWithoutPolicyState) {
  Corrupt s;
  Task* t = s.d.create(Behaviour::hog(), spec("x"));
  t->state = TaskState::custody;
  std::string why;
  EXPECT_FALSE(s.d.core().check_invariants(&why));
  EXPECT_NE(why.find("custody without a policy"), std::string::npos) << why;
  t->state = TaskState::created;
}

}  // namespace
}  // namespace ups::test
