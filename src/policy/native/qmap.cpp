// qmap: the twin of sdk/policies/qmap.bpf.c (after scx_qmap, without its
// extras). Tasks stay in the policy's custody in five FIFO levels chosen by
// weight; each CPU's dispatch() serves the levels round robin, taking up to
// 1, 2, 4, 8, 16 tasks from levels 0..4 in turn. A task whose select_cpu()
// found an idle CPU is inserted into that CPU's local DSQ by enqueue().
// With fifo_mode every task uses level 0: one global FIFO.
// Change both files or neither: tests compare their schedules.
#include <array>
#include <deque>
#include <vector>

#include "core/scx_constants.h"
#include "core/scx_context.h"
#include "policy/native/native_policies.h"

namespace ups::native {

namespace {
constexpr int kNrLevels = 5;
constexpr size_t kQueueDepth = 4096;

class Qmap final : public SchedOps {
public:
  explicit Qmap(bool fifo_mode) : fifo_mode_(fifo_mode) {
    cfg_.name = fifo_mode ? "qmap_fifo" : "qmap";
    cfg_.timeout_ms = 5000;
    cfg_.implemented = op_bit(Op::select_cpu) | op_bit(Op::enqueue) | op_bit(Op::dequeue) |
                       op_bit(Op::dispatch) | op_bit(Op::init_task) | op_bit(Op::exit_task) |
                       op_bit(Op::exit) | op_bit(Op::init);
  }
  const OpsConfig& config() const override { return cfg_; }

  s32 init(ScxContext& ctx) override {
    cpu_ctx_.assign(ctx.nr_cpu_ids(), CpuCtx{});
    return 0;
  }

  CpuId select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags) override {
    TaskCtx* t = lookup(ctx, p);
    if (!t) return prev_cpu;
    bool is_idle = false;
    const CpuId cpu = ctx.select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
    t->force_local = is_idle;
    return cpu;
  }

  void enqueue(ScxContext& ctx, Task& p, u64 enq_flags) override {
    TaskCtx* t = lookup(ctx, p);
    if (!t) return;
    ++t->nr_enqueued;
    if (t->force_local) {
      t->force_local = false;
      ctx.dsq_insert(p, scx::DSQ_LOCAL, scx::SLICE_DFL, enq_flags);
      return;
    }
    std::deque<TaskId>& q = levels_[static_cast<size_t>(level_of(p.scx.weight))];
    if (q.size() >= kQueueDepth) {
      ctx.dsq_insert(p, scx::DSQ_GLOBAL, scx::SLICE_DFL, enq_flags);
      return;
    }
    q.push_back(p.id);
  }

  // The pid stays queued; a later insert of it is stale and ignored.
  void dequeue(ScxContext&, Task&, u64) override { ++nr_dequeued_; }

  void dispatch(ScxContext& ctx, CpuId cpu, Task*) override {
    CpuCtx& c = cpu_ctx_[static_cast<size_t>(cpu)];
    for (int i = 0; i < 2 * kNrLevels; ++i) {
      if (!c.budget) {
        c.level = (c.level + 1) % kNrLevels;
        c.budget = 1u << c.level;
      }
      std::deque<TaskId>& q = levels_[fifo_mode_ ? 0 : c.level];
      if (q.empty()) {
        c.budget = 0;
        continue;
      }
      const TaskId pid = q.front();
      q.pop_front();
      Task* p = ctx.task_from_pid(pid);
      if (!p) continue;
      --c.budget;
      ctx.dsq_insert(*p, scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
      return;
    }
  }

  s32 init_task(ScxContext&, Task& p, const InitTaskArgs&) override {
    if (static_cast<size_t>(p.id) >= tasks_.size()) tasks_.resize(static_cast<size_t>(p.id) + 1);
    tasks_[static_cast<size_t>(p.id)] = TaskCtx{true, false, 0};
    return 0;
  }

  void exit_task(ScxContext&, Task& p, const ExitTaskArgs&) override {
    if (static_cast<size_t>(p.id) < tasks_.size()) tasks_[static_cast<size_t>(p.id)] = TaskCtx{};
  }

private:
  struct TaskCtx {
    bool present = false;
    bool force_local = false;
    u64 nr_enqueued = 0;
  };
  struct CpuCtx {
    u32 level = 0;
    u32 budget = 0;
  };

  TaskCtx* lookup(ScxContext& ctx, Task& p) {
    if (static_cast<size_t>(p.id) < tasks_.size() && tasks_[static_cast<size_t>(p.id)].present)
      return &tasks_[static_cast<size_t>(p.id)];
    ctx.error("task_ctx lookup failed for pid " + std::to_string(p.id));
    return nullptr;
  }
  int level_of(u32 weight) const {
    if (fifo_mode_ || weight <= 25) return 0;
    if (weight <= 50) return 1;
    if (weight < 200) return 2;
    if (weight < 400) return 3;
    return 4;
  }

  OpsConfig cfg_;
  bool fifo_mode_;
  std::array<std::deque<TaskId>, kNrLevels> levels_;
  std::vector<TaskCtx> tasks_;
  std::vector<CpuCtx> cpu_ctx_;
  u64 nr_dequeued_ = 0;
};
}  // namespace

std::unique_ptr<SchedOps> make_qmap(bool fifo_mode) { return std::make_unique<Qmap>(fifo_mode); }

}  // namespace ups::native
