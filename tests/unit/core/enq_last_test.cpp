// SCX_OPS_ENQ_LAST: a CPU's last runnable task comes back through enqueue()
// with SCX_ENQ_LAST after the core has already chosen to go idle. A policy
// that keeps it running there (inserts it into SCX_DSQ_LOCAL) must get the
// CPU back at once, as in the kernel; it must not sit on an idle CPU.
#include <gtest/gtest.h>

#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

TEST(EnqLast, LocalInsertOfTheLastTaskKeepsItsCpuBusy) {
  TestDriver d(1);
  auto p = std::make_unique<ScriptedPolicy>("last");
  p->cfg.flags = scx::OPS_ENQ_LAST;
  u64 last_enqueues = 0;
  p->on_enqueue = [&](ScxContext& c, Task& t, u64 f) {
    if (f & scx::ENQ_LAST) ++last_enqueues;
    c.dsq_insert(t, scx::DSQ_LOCAL, kNsPerMs, f);
  };
  ClassId cls = *d.load(std::move(p));
  Task* t = d.spawn(Behaviour::hog(), spec("only"), cls);
  d.run_for(100 * kNsPerMs);
  EXPECT_GT(last_enqueues, 10u);  // each 1 ms slice ends through ENQ_LAST
  EXPECT_EQ(t->acct.run_ns, 100 * kNsPerMs);
  EXPECT_EQ(t->state, TaskState::running);
}

}  // namespace
}  // namespace ups::test
