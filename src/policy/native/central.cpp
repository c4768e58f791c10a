// central: the twin of sdk/policies/central.bpf.c (after scx_central). Every
// waking task is steered to the central CPU and queued (by pid) in one
// central FIFO; the central CPU's dispatch() hands tasks to the CPUs that
// asked for work through SCX_DSQ_LOCAL_ON|cpu with SCX_SLICE_INF; a 1 ms
// timer, armed by the central CPU's first dispatch(), preempts CPUs whose
// task ran past slice_ns while work waits.
// SCX_OPS_ENQ_LAST: a CPU's last task goes back through enqueue().
// Change both files or neither: tests compare their schedules.
#include <deque>
#include <vector>

#include "core/scx_constants.h"
#include "core/scx_context.h"
#include "policy/native/native_policies.h"

namespace ups::native {

namespace {
constexpr DsqId kFallbackDsq = 0;
constexpr size_t kQueueDepth = 4096;
constexpr TimeNs kTimerIntervalNs = 1'000'000;
constexpr u32 kPfKthread = 0x00200000;
constexpr u64 kTimerId = 0;

class Central final : public SchedOps {
public:
  explicit Central(CpuId central_cpu) : central_cpu_(central_cpu) {
    cfg_.name = "central";
    cfg_.flags = scx::OPS_ENQ_LAST;
    cfg_.implemented = op_bit(Op::select_cpu) | op_bit(Op::enqueue) | op_bit(Op::dispatch) |
                       op_bit(Op::running) | op_bit(Op::stopping) | op_bit(Op::init) |
                       op_bit(Op::exit);
  }
  const OpsConfig& config() const override { return cfg_; }

  CpuId select_cpu(ScxContext&, Task&, CpuId, u64) override { return central_cpu_; }

  void enqueue(ScxContext& ctx, Task& p, u64 enq_flags) override {
    ++nr_total_;
    if ((p.flags & kPfKthread) && p.nr_cpus_allowed == 1) {
      ctx.dsq_insert(p, scx::DSQ_LOCAL, scx::SLICE_INF, enq_flags | scx::ENQ_PREEMPT);
      return;
    }
    if (queue_.size() >= kQueueDepth) {
      ctx.dsq_insert(p, kFallbackDsq, scx::SLICE_INF, enq_flags);
      return;
    }
    queue_.push_back(p.id);
    if (!ctx.task_running(p)) ctx.kick_cpu(central_cpu_, scx::KICK_PREEMPT);
  }

  void dispatch(ScxContext& ctx, CpuId cpu, Task*) override {
    if (cpu == central_cpu_) {
      if (!timer_started_) {
        ctx.arm_timer(kTimerId, ctx.now() + kTimerIntervalNs, ctx.this_cpu());
        timer_started_ = true;
      }
      for (CpuId i = 0; i < static_cast<CpuId>(nr_cpu_ids_); ++i) {
        if (i == central_cpu_ || !gimme_[static_cast<size_t>(i)]) continue;
        if (dispatch_to_cpu(ctx, i)) gimme_[static_cast<size_t>(i)] = false;
        if (!ctx.dispatch_nr_slots()) return;
      }
      if (ctx.dsq_move_to_local(kFallbackDsq)) return;
      dispatch_to_cpu(ctx, central_cpu_);
      return;
    }
    if (ctx.dsq_move_to_local(kFallbackDsq)) return;
    gimme_[static_cast<size_t>(cpu)] = true;
    ctx.kick_cpu(central_cpu_, scx::KICK_PREEMPT);
  }

  void running(ScxContext& ctx, Task& p) override {
    const TimeNs now = ctx.now();
    started_at_[static_cast<size_t>(ctx.task_cpu(p))] = now ? now : 1;
  }

  void stopping(ScxContext& ctx, Task& p, bool) override {
    started_at_[static_cast<size_t>(ctx.task_cpu(p))] = 0;
  }

  void timer_fired(ScxContext& ctx, u64) override {
    const TimeNs now = ctx.now();
    const bool work_waiting = !queue_.empty() || ctx.dsq_nr_queued(kFallbackDsq) > 0;
    for (CpuId i = 0; i < static_cast<CpuId>(nr_cpu_ids_); ++i) {
      const TimeNs started = started_at_[static_cast<size_t>(i)];
      if (i == central_cpu_ || !started) continue;
      if (now - started < scx::SLICE_DFL) continue;
      if (work_waiting || ctx.dsq_nr_queued(scx::DSQ_LOCAL_ON | static_cast<u64>(i)) > 0)
        ctx.kick_cpu(i, scx::KICK_PREEMPT);
    }
    if (work_waiting) ctx.kick_cpu(central_cpu_, scx::KICK_PREEMPT);
    ctx.arm_timer(kTimerId, now + kTimerIntervalNs, ctx.this_cpu());
  }

  s32 init(ScxContext& ctx) override {
    nr_cpu_ids_ = ctx.nr_cpu_ids();
    gimme_.assign(nr_cpu_ids_, false);
    started_at_.assign(nr_cpu_ids_, 0);
    if (!ctx.possible_cpumask().test(central_cpu_)) return -scx::E_INVAL;
    if (s32 ret = ctx.create_dsq(kFallbackDsq, -1)) return ret;
    ctx.kick_cpu(central_cpu_, 0);  // dispatch (and start the timer) now
    return 0;
  }

private:
  // Gives cpu the next queued task that may run there; others go to the
  // fallback DSQ that any CPU drains.
  bool dispatch_to_cpu(ScxContext& ctx, CpuId cpu) {
    for (size_t n = 0; n < kQueueDepth && !queue_.empty(); ++n) {
      const TaskId pid = queue_.front();
      queue_.pop_front();
      Task* p = ctx.task_from_pid(pid);
      if (!p) continue;  // lost pid
      if (!p->affinity.test(cpu)) {
        ctx.dsq_insert(*p, kFallbackDsq, scx::SLICE_INF, 0);
        const CpuId idle = ctx.pick_idle_cpu(p->affinity, 0);
        if (idle >= 0) ctx.kick_cpu(idle, scx::KICK_IDLE);
        continue;
      }
      ctx.dsq_insert(*p, scx::DSQ_LOCAL_ON | static_cast<u64>(cpu), scx::SLICE_INF, 0);
      if (cpu != central_cpu_) ctx.kick_cpu(cpu, scx::KICK_IDLE);
      return true;
    }
    return false;
  }

  OpsConfig cfg_;
  CpuId central_cpu_;
  u32 nr_cpu_ids_ = 1;
  std::deque<TaskId> queue_;
  std::vector<bool> gimme_;
  std::vector<TimeNs> started_at_;
  u64 nr_total_ = 0;
  bool timer_started_ = false;
};
}  // namespace

std::unique_ptr<SchedOps> make_central(CpuId central_cpu) {
  return std::make_unique<Central>(central_cpu);
}

}  // namespace ups::native
