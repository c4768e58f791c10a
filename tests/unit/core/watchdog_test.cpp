// The watchdog ejects a class whose runnable task waits past the timeout,
// with error_stall and "<comm>[<pid>] failed to run for N.NNNs"; the tasks
// then finish under fair.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

std::unique_ptr<ScriptedPolicy> swallower(u32 timeout_ms) {
  auto p = std::make_unique<ScriptedPolicy>("swallow");
  p->cfg.timeout_ms = timeout_ms;
  p->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  p->on_enqueue = [](ScxContext&, Task&, u64) {};  // keeps every task, forever
  return p;
}

TEST(Watchdog, IntervalIsHalfTheShortestTimeout) {
  TestDriver d(1);
  EXPECT_EQ(d.core().watchdog_interval(), 15 * kNsPerSec);
  d.load(swallower(1000));
  EXPECT_EQ(d.core().watchdog_interval(), 500 * kNsPerMs);
}

TEST(Watchdog, EjectsAStallingClassWithinItsTimeout) {
  TestDriver d(2);
  ClassId cls = *d.load(swallower(1000));
  std::vector<Task*> ts;
  for (int i = 0; i < 3; ++i) ts.push_back(d.create(Behaviour::work(10 * kNsPerMs), spec("stuck"), cls));
  for (Task* t : ts) d.wake(t);
  d.run_for(1600 * kNsPerMs);
  ASSERT_EQ(d.reports().size(), 1u);
  const ExitReport& r = d.reports()[0];
  EXPECT_EQ(r.kind, ExitKind::error_stall);
  EXPECT_EQ(r.reason, "runnable task stall");
  EXPECT_NE(r.message.find("stuck[" + std::to_string(ts[0]->id) + "] failed to run for 1."),
            std::string::npos)
      << r.message;
  EXPECT_LE(r.at, 1500 * kNsPerMs);  // timeout + one interval at most
  EXPECT_EQ(r.tasks_moved_to_fair, 3u);
  d.run_for(100 * kNsPerMs);
  EXPECT_TRUE(d.all_exited());
}

TEST(Watchdog, HealthyClassIsNotEjected) {
  TestDriver d(1);
  auto p = std::make_unique<ScriptedPolicy>("ok");
  p->cfg.timeout_ms = 200;
  ClassId cls = *d.load(std::move(p));
  for (int i = 0; i < 5; ++i) d.spawn(Behaviour::periodic(5 * kNsPerMs, kNsPerMs, 100), {}, cls);
  d.run_for(3 * kNsPerSec);
  EXPECT_TRUE(d.reports().empty());
  EXPECT_TRUE(d.all_exited());
}

}  // namespace
}  // namespace ups::test
