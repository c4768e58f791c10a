// First end-to-end path: an ext class below fair running the native fifo
// policy; tasks attached to it run and finish, nothing is lost.
#include <gtest/gtest.h>

#include "core/sched_ops.h"
#include "core/scx_context.h"
#include "test_driver.h"

namespace ups::test {
namespace {

class Fifo final : public SchedOps {
public:
  Fifo() { cfg_.name = "fifo_t"; }
  const OpsConfig& config() const override { return cfg_; }
  void enqueue(ScxContext& ctx, Task& p, u64 f) override {
    ctx.dsq_insert(p, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
  }
  OpsConfig cfg_;
};

TEST(ExtClass, FifoTasksRunAndFinish) {
  TestDriver d(2);
  auto cls = d.load(std::make_unique<Fifo>());
  ASSERT_TRUE(cls.has_value());
  std::vector<Task*> ts;
  for (int i = 0; i < 8; ++i) ts.push_back(d.spawn(Behaviour::periodic(5 * kNsPerMs, 3 * kNsPerMs, 5), {}, *cls));
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
  for (Task* t : ts) EXPECT_EQ(t->cls, *cls);
  EXPECT_GT(d.core().class_runtime(*cls), 8 * 25 * kNsPerMs - 1);
  EXPECT_TRUE(d.reports().empty());
}

}  // namespace
}  // namespace ups::test
