// fifo: one global FIFO. enqueue() inserts every task into the class's
// SCX_DSQ_GLOBAL with SCX_SLICE_DFL; every CPU takes the oldest task. The
// other ops are the sched_ext defaults (select_cpu: built-in idle selection
// with a direct local insert when the CPU is idle).
#include "core/scx_constants.h"
#include "core/scx_context.h"
#include "policy/native/native_policies.h"

namespace ups::native {

namespace {
class Fifo final : public SchedOps {
public:
  Fifo() {
    cfg_.name = "fifo";
    cfg_.implemented = op_bit(Op::enqueue);
  }
  const OpsConfig& config() const override { return cfg_; }
  void enqueue(ScxContext& ctx, Task& p, u64 enq_flags) override {
    ctx.dsq_insert(p, scx::DSQ_GLOBAL, scx::SLICE_DFL, enq_flags);
  }

private:
  OpsConfig cfg_;
};
}  // namespace

std::unique_ptr<SchedOps> make_fifo() { return std::make_unique<Fifo>(); }

}  // namespace ups::native
