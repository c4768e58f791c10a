// The chain of classes: order above/below fair, per-class CPU sets, the
// bandwidth limit of a class above fair, and the pick order inside an ext
// class (local -> global -> dispatch -> keep prev -> next class).
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

std::unique_ptr<ScriptedPolicy> global_fifo(const char* name) {
  return std::make_unique<ScriptedPolicy>(name);  // default enqueue: SCX_DSQ_GLOBAL
}

TEST(Chain, OrderFollowsSlotsAndLoadOrder) {
  TestDriver d(1);
  ClassId b1 = *d.load(global_fifo("below1"), ChainSlot::below_fair);
  ClassId a1 = *d.load(global_fifo("above1"), ChainSlot::above_fair);
  ClassId b2 = *d.load(global_fifo("below2"), ChainSlot::below_fair);
  ClassId a2 = *d.load(global_fifo("above2"), ChainSlot::above_fair);
  EXPECT_EQ(d.core().chain(), (std::vector<ClassId>{a1, a2, d.core().fair_class(), b1, b2}));
}

TEST(Chain, BelowFairRunsOnlyWhenFairIsIdle) {
  TestDriver d(1);
  ClassId below = *d.load(global_fifo("below"), ChainSlot::below_fair);
  Task* f = d.spawn(Behaviour::work(100 * kNsPerMs));
  Task* x = d.spawn(Behaviour::work(10 * kNsPerMs), {}, below);
  d.run_for(50 * kNsPerMs);
  EXPECT_EQ(x->acct.run_ns, 0u);
  d.run_for(100 * kNsPerMs);
  EXPECT_EQ(f->state, TaskState::exited);
  EXPECT_EQ(x->state, TaskState::exited);
  // The below-fair class was starved by fair, not at fault: no ejection.
  EXPECT_TRUE(d.reports().empty());
}

TEST(Chain, AboveFairPreemptsFair) {
  TestDriver d(1);
  ClassId above = *d.load(global_fifo("above"), ChainSlot::above_fair);
  Task* f = d.spawn(Behaviour::hog());
  d.run_for(10 * kNsPerMs);
  Task* x = d.spawn(Behaviour::periodic(kNsPerMs, 5 * kNsPerMs, 20), {}, above);
  d.run_for(200 * kNsPerMs);
  EXPECT_EQ(x->state, TaskState::exited);
  EXPECT_LT(x->acct.wakeup_latency_max, 10 * kNsPerUs);
  EXPECT_GT(f->acct.run_ns, 0u);
}

TEST(Chain, BandwidthLimitCapsAnAboveFairHog) {
  TestDriver d(1);
  ClassGrant g;
  g.bw_runtime_ns = 900 * kNsPerMs;
  g.bw_period_ns = kNsPerSec;
  ClassId above = *d.load(global_fifo("hog"), ChainSlot::above_fair, g);
  Task* hog = d.spawn(Behaviour::hog(), {}, above);
  Task* f = d.spawn(Behaviour::hog());
  d.run_for(3 * kNsPerSec);
  // Exactly its budget in each of the three periods: the core throttles
  // when the budget runs out, not at the next tick.
  EXPECT_EQ(hog->acct.run_ns, 3 * g.bw_runtime_ns);
  // Fair still gets the rest of every period.
  EXPECT_GE(f->acct.run_ns, 3 * 90 * kNsPerMs);
}

TEST(Chain, BandwidthOfARunAcrossAPeriodEndCountsInEachPeriod) {
  TestDriver d(1);
  ClassGrant g;
  g.bw_runtime_ns = 600 * kNsPerMs;
  g.bw_period_ns = kNsPerSec;
  ClassId above = *d.load(global_fifo("hog"), ChainSlot::above_fair, g);
  d.spawn(Behaviour::hog());
  d.run_for(700 * kNsPerMs);
  Task* hog = d.spawn(Behaviour::hog(), {}, above);
  // 300 ms left of the first period, then the second period's full budget.
  d.run_for(1300 * kNsPerMs);
  EXPECT_EQ(hog->acct.run_ns, 300 * kNsPerMs + g.bw_runtime_ns);
}

TEST(Chain, ClassRunsOnlyOnGrantedCpus) {
  TestDriver d(4);
  ClassGrant g;
  g.cpus.set(2);
  g.cpus.set(3);
  ClassId cls = *d.load(global_fifo("part"), ChainSlot::below_fair, g);
  std::vector<Task*> ts;
  for (int i = 0; i < 6; ++i) ts.push_back(d.spawn(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 10), {}, cls));
  d.run_for(kNsPerSec);
  for (Task* t : ts) {
    EXPECT_EQ(t->state, TaskState::exited);
    EXPECT_TRUE(d.ran_on().at(t->id).subset_of(g.cpus)) << d.ran_on().at(t->id).to_string();
  }
}

TEST(Chain, AttachRefusedWhenAffinityOutsideGrant) {
  TestDriver d(4);
  ClassGrant g;
  g.cpus.set(3);
  ClassId cls = *d.load(global_fifo("part"), ChainSlot::below_fair, g);
  auto p = d.core().create_task(spec("t", 100, CpuMask::first_n(2)), 0);
  auto st = d.core().attach_task(**p, cls, 0);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("none of them granted"), std::string::npos);
  EXPECT_EQ((*p)->cls, d.core().fair_class());
}

// Pick order inside one class, observed through what runs next.
TEST(PickOrder, LocalBeforeGlobalBeforeDispatch) {
  TestDriver d(1);
  auto pol = std::make_unique<ScriptedPolicy>("order");
  ScriptedPolicy* sp = pol.get();
  std::vector<TaskId> dispatched;
  std::vector<Task*> held;
  sp->on_init = [](ScxContext& c) { return c.create_dsq(7, -1); };
  sp->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  sp->on_enqueue = [&](ScxContext& c, Task& p, u64 f) {
    // comm "L": local, "G": global, anything else: kept for dispatch.
    if (p.comm[0] == 'L') c.dsq_insert(p, scx::DSQ_LOCAL, scx::SLICE_DFL, f);
    else if (p.comm[0] == 'G') c.dsq_insert(p, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
    else held.push_back(&p);
  };
  sp->on_dispatch = [&](ScxContext& c, CpuId, Task*) {
    if (held.empty()) return;
    Task* p = held.front();
    held.erase(held.begin());
    dispatched.push_back(p->id);
    c.dsq_insert(*p, scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
  };
  ClassId cls = *d.load(std::move(pol));
  // A fair hog occupies the CPU while the three are queued; then it exits.
  d.spawn(Behaviour::work(5 * kNsPerMs));
  Task* k = d.spawn(Behaviour::work(kNsPerMs), spec("K"), cls);
  Task* g = d.spawn(Behaviour::work(kNsPerMs), spec("G"), cls);
  Task* l = d.spawn(Behaviour::work(kNsPerMs), spec("L"), cls);
  d.run_for(20 * kNsPerMs);
  ASSERT_EQ(l->state, TaskState::exited);
  ASSERT_EQ(g->state, TaskState::exited);
  ASSERT_EQ(k->state, TaskState::exited);
  // L ran first, then G, then K (from dispatch).
  EXPECT_LT(l->acct.wait_ns, g->acct.wait_ns);
  EXPECT_LT(g->acct.wait_ns, k->acct.wait_ns);
  EXPECT_EQ(dispatched, std::vector<TaskId>{k->id});
}

TEST(PickOrder, KeepsPrevWhenDispatchFindsNothing) {
  TestDriver d(1);
  auto pol = std::make_unique<ScriptedPolicy>("keep");
  int dispatch_calls = 0;
  pol->on_dispatch = [&](ScxContext&, CpuId, Task* prev) {
    if (prev) ++dispatch_calls;  // prev is null once the task has exited
  };
  ClassId cls = *d.load(std::move(pol));
  Task* t = d.spawn(Behaviour::work(100 * kNsPerMs), {}, cls);
  d.run_for(200 * kNsPerMs);
  EXPECT_EQ(t->state, TaskState::exited);
  // Slice ends every 20 ms: dispatch is asked, finds nothing, prev keeps running.
  EXPECT_GE(dispatch_calls, 4);
  EXPECT_EQ(t->acct.switches, 1u);
}

TEST(PickOrder, NextClassWhenExtHasNothing) {
  TestDriver d(1);
  ClassId above = *d.load(global_fifo("above"), ChainSlot::above_fair);
  Task* x = d.spawn(Behaviour::periodic(kNsPerMs, 10 * kNsPerMs, 10), {}, above);
  Task* f = d.spawn(Behaviour::work(50 * kNsPerMs));
  d.run_for(200 * kNsPerMs);
  EXPECT_EQ(x->state, TaskState::exited);
  EXPECT_EQ(f->state, TaskState::exited);
}

}  // namespace
}  // namespace ups::test
