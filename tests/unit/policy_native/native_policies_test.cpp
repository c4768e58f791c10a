// The native policies, driven through the core like any loaded class: each
// finishes finite work without ejection, and shows its policy's signature
// behaviour (FIFO order, weighted shares, central dispatch, watchdog prey).
#include <gtest/gtest.h>

#include "../core/test_driver.h"
#include "policy/native/registry.h"

namespace ups::test {
namespace {

ClassId load(TestDriver& d, std::string_view name, ClassGrant g = {}) {
  auto ops = make_native_policy(name);
  EXPECT_NE(ops, nullptr) << name;
  auto cls = d.load(std::move(ops), ChainSlot::below_fair, g);
  EXPECT_TRUE(cls.has_value()) << (cls ? "" : cls.error().to_string());
  return cls ? *cls : kNoClass;
}

TEST(Registry, ListsAndMakesEveryPolicy) {
  ASSERT_GE(native_policies().size(), 5u);
  for (const auto& info : native_policies()) {
    auto ops = make_native_policy(info.name);
    ASSERT_NE(ops, nullptr) << info.name;
    EXPECT_EQ(ops->config().name, info.name);
    EXPECT_FALSE(info.description.empty());
  }
  EXPECT_EQ(make_native_policy("no_such_policy"), nullptr);
  EXPECT_EQ(make_native_policy("fair"), nullptr);
}

class EveryPolicy : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPolicy, FinishesMixedWorkWithoutEjection) {
  for (int cpus : {1, 2, 5}) {
    TestDriver d(cpus);
    ClassId cls = load(d, GetParam());
    for (int i = 0; i < 12; ++i) {
      const u32 w = 50u << (i % 3);
      d.spawn(Behaviour::periodic((1 + i % 4) * kNsPerMs, (i % 3) * kNsPerMs + 1, 20),
              spec("w", w), cls);
    }
    d.spawn(Behaviour::periodic(kNsPerMs, 3 * kNsPerMs, 30));  // a fair neighbour
    d.run_for(3 * kNsPerSec);
    EXPECT_TRUE(d.all_exited()) << GetParam() << " on " << cpus << " CPUs: "
                                << d.core().nr_live_tasks() << " left";
    EXPECT_TRUE(d.reports().empty()) << d.reports()[0].to_string();
    EXPECT_GT(d.core().class_runtime(cls), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Native, EveryPolicy,
                         ::testing::Values("fifo", "simple", "simple_fifo", "central", "qmap",
                                           "qmap_fifo"));  // never_dispatch: see below

TEST(Fifo, RunsTasksInWakeOrder) {
  TestDriver d(1);
  ClassId cls = load(d, "fifo");
  std::vector<Task*> ts;
  for (int i = 0; i < 5; ++i) ts.push_back(d.create(Behaviour::work(30 * kNsPerMs), spec("f"), cls));
  for (Task* t : ts) d.wake(t);
  d.run_for(kNsPerSec);
  ASSERT_TRUE(d.all_exited());
  // Each task waited for all earlier ones (20 ms slices round-robin in
  // FIFO order: later tasks never overtake earlier ones).
  for (size_t i = 1; i < ts.size(); ++i) EXPECT_GT(ts[i]->acct.wait_ns, ts[i - 1]->acct.wait_ns);
}

TEST(Simple, HeavierTasksGetMore) {
  // As scx_simple: the running task is not in the shared DSQ when its slice
  // ends, so two hogs alternate; with more tasks than CPUs the vtime order
  // favours the heavier ones.
  TestDriver d(1);
  ClassId cls = load(d, "simple");
  std::vector<Task*> light, heavy;
  for (int i = 0; i < 3; ++i) {
    light.push_back(d.spawn(Behaviour::hog(), spec("l", 100), cls));
    heavy.push_back(d.spawn(Behaviour::hog(), spec("h", 400), cls));
  }
  d.run_for(4 * kNsPerSec);
  TimeNs l = 0, h = 0;
  for (Task* t : light) l += t->acct.run_ns;
  for (Task* t : heavy) h += t->acct.run_ns;
  EXPECT_GT(static_cast<double>(h) / static_cast<double>(l), 1.5) << h << " vs " << l;
  EXPECT_TRUE(d.reports().empty());
}

TEST(SimpleFifo, SharesAreEqualRegardlessOfWeight) {
  TestDriver d(1);
  ClassId cls = load(d, "simple_fifo");
  Task* light = d.spawn(Behaviour::hog(), spec("l", 100), cls);
  Task* heavy = d.spawn(Behaviour::hog(), spec("h", 300), cls);
  d.run_for(2 * kNsPerSec);
  const double r = static_cast<double>(heavy->acct.run_ns) / static_cast<double>(light->acct.run_ns);
  EXPECT_NEAR(r, 1.0, 0.05);
}

TEST(Central, CentralCpuDispatchesForAll) {
  TestDriver d(4);
  ClassId cls = load(d, "central");
  std::vector<Task*> ts;
  for (int i = 0; i < 8; ++i) ts.push_back(d.spawn(Behaviour::work(200 * kNsPerMs), spec("c"), cls));
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
  // Work spread over the CPUs, and the 1 ms timer kept time-sharing going.
  CpuMask used;
  for (Task* t : ts) used = used | d.ran_on().at(t->id);
  EXPECT_EQ(used.count(), 4);
  EXPECT_GT(d.timers_armed(), 100u);
}

TEST(Qmap, HeavierLevelsGetMoreTurns) {
  TestDriver d(1);
  ClassId cls = load(d, "qmap");
  std::vector<Task*> light, heavy;
  for (int i = 0; i < 3; ++i) {
    light.push_back(d.spawn(Behaviour::hog(), spec("l", 20), cls));   // level 0
    heavy.push_back(d.spawn(Behaviour::hog(), spec("h", 500), cls));  // level 4
  }
  d.run_for(4 * kNsPerSec);
  TimeNs l = 0, h = 0;
  for (Task* t : light) l += t->acct.run_ns;
  for (Task* t : heavy) h += t->acct.run_ns;
  EXPECT_GT(h, 2 * l) << h << " vs " << l;
  EXPECT_GT(l, 0u);
  EXPECT_TRUE(d.reports().empty());
}

TEST(NeverDispatch, WatchdogEjectsItAndTasksFinishUnderFair) {
  TestDriver d(2);
  ClassId cls = load(d, "never_dispatch");
  std::vector<Task*> ts;
  for (int i = 0; i < 4; ++i)
    ts.push_back(d.create(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 10), spec("nd"), cls));
  for (Task* t : ts) d.wake(t);
  d.run_for(1600 * kNsPerMs);
  ASSERT_EQ(d.reports().size(), 1u);
  const ExitReport& r = d.reports()[0];
  EXPECT_EQ(r.kind, ExitKind::error_stall);
  EXPECT_NE(r.message.find("failed to run for"), std::string::npos);
  EXPECT_LE(r.at, 1500 * kNsPerMs);
  EXPECT_FALSE(d.core().class_loaded(cls));
  // Tasks that found an idle CPU at wakeup ran there directly (the default
  // select_cpu); the others were stuck and moved to fair.
  EXPECT_GE(r.tasks_moved_to_fair, 1u);
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
}

}  // namespace
}  // namespace ups::test
