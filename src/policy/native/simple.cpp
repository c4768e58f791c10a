// simple: the twin of sdk/policies/simple.bpf.c (after scx_simple). One
// shared user DSQ (0), vtime-ordered by p->scx.dsq_vtime, or FIFO with
// fifo_sched. A waking task that finds an idle CPU goes straight to its
// local DSQ. Change both files or neither: tests compare their schedules.
#include "core/scx_constants.h"
#include "core/scx_context.h"
#include "core/task_heap.h"
#include "policy/native/native_policies.h"

namespace ups::native {

namespace {
constexpr DsqId kSharedDsq = 0;

class Simple final : public SchedOps {
public:
  explicit Simple(bool fifo_sched) : fifo_sched_(fifo_sched) {
    cfg_.name = fifo_sched ? "simple_fifo" : "simple";
    cfg_.implemented = op_bit(Op::select_cpu) | op_bit(Op::enqueue) | op_bit(Op::dispatch) |
                       op_bit(Op::running) | op_bit(Op::stopping) | op_bit(Op::enable) |
                       op_bit(Op::init) | op_bit(Op::exit);
  }
  const OpsConfig& config() const override { return cfg_; }

  CpuId select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags) override {
    bool is_idle = false;
    const CpuId cpu = ctx.select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
    if (is_idle) ctx.dsq_insert(p, scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
    return cpu;
  }

  void enqueue(ScxContext& ctx, Task& p, u64 enq_flags) override {
    if (fifo_sched_) {
      ctx.dsq_insert(p, kSharedDsq, scx::SLICE_DFL, enq_flags);
      return;
    }
    // A long sleeper may be at most one slice behind the class's now.
    u64 vtime = p.scx.dsq_vtime;
    if (time_before(vtime, vtime_now_ - scx::SLICE_DFL)) vtime = vtime_now_ - scx::SLICE_DFL;
    ctx.dsq_insert_vtime(p, kSharedDsq, scx::SLICE_DFL, vtime, enq_flags);
  }

  void dispatch(ScxContext& ctx, CpuId, Task*) override { ctx.dsq_move_to_local(kSharedDsq); }

  void running(ScxContext&, Task& p) override {
    if (fifo_sched_) return;
    if (time_before(vtime_now_, p.scx.dsq_vtime)) vtime_now_ = p.scx.dsq_vtime;
  }

  void stopping(ScxContext&, Task& p, bool) override {
    if (fifo_sched_) return;
    p.scx.dsq_vtime += (scx::SLICE_DFL - p.scx.slice) * 100 / p.scx.weight;
  }

  void enable(ScxContext&, Task& p) override { p.scx.dsq_vtime = vtime_now_; }

  s32 init(ScxContext& ctx) override { return ctx.create_dsq(kSharedDsq, -1); }

private:
  OpsConfig cfg_;
  bool fifo_sched_;
  u64 vtime_now_ = 0;
};
}  // namespace

std::unique_ptr<SchedOps> make_simple(bool fifo_sched) {
  return std::make_unique<Simple>(fifo_sched);
}

}  // namespace ups::native
