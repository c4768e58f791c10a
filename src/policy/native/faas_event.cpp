// faas_event: the native twin of sdk/policies/faas_event.bpf.c (read that
// file's comment for the why). Idle-polling runtimes (spinning on an event
// that has not fired) are parked in PARK_DSQ and get no CPU while anything
// else is ready, except a park_slice run every park_interval on a CPU with
// nothing else (or after park_max_wait, even when others are ready); a
// runtime whose event fired moves to FIRED_DSQ at the next dispatch and
// gets one slice before the EDF READY_DSQ; later chain stages
// (more weight) get earlier deadlines; a job that used up its slice past
// its deadline goes back with the deadline "now". Change both files or
// neither: they must decide the same.
#include <map>

#include "core/scx_constants.h"
#include "core/scx_context.h"
#include "policy/native/native_policies.h"

namespace ups::native {

namespace {
constexpr DsqId kReadyDsq = 0;
constexpr DsqId kParkDsq = 1;
constexpr DsqId kFiredDsq = 2;
constexpr int kMaxRescues = 128;
constexpr u64 kSliceNs = 1'000'000;
constexpr u64 kBaseDeadlineNs = 10'000'000;
constexpr u64 kParkSliceNs = 200'000;
constexpr u64 kParkIntervalNs = 100'000'000;
constexpr u64 kParkMaxWaitNs = 1'000'000'000;

class FaasEvent final : public SchedOps {
public:
  FaasEvent() {
    cfg_.name = "faas_event";
    cfg_.flags = scx::OPS_ENQ_LAST;
    cfg_.timeout_ms = 30000;
    cfg_.implemented = op_bit(Op::select_cpu) | op_bit(Op::enqueue) | op_bit(Op::dispatch) |
                       op_bit(Op::tick) | op_bit(Op::init_task) | op_bit(Op::exit_task) |
                       op_bit(Op::init) | op_bit(Op::exit);
  }
  const OpsConfig& config() const override { return cfg_; }

  CpuId select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags) override {
    bool is_idle = false;
    const CpuId cpu = ctx.select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
    if (is_idle && !idle_polling(ctx, p)) ctx.dsq_insert(p, scx::DSQ_LOCAL, kSliceNs, 0);
    return cpu;
  }

  void enqueue(ScxContext& ctx, Task& p, u64 enq_flags) override {
    auto it = tctx_.find(p.id);
    if (it == tctx_.end()) {
      ctx.error("faas_event: no task storage for pid " + std::to_string(p.id));
      return;
    }
    TaskCtx& t = it->second;
    if (idle_polling(ctx, p)) {
      if (!t.parked) t.last_park_run = ctx.now();
      t.parked = true;
      ++nr_parked_;
      ctx.dsq_insert(p, kParkDsq, kParkSliceNs, enq_flags & ~scx::ENQ_LAST);
      return;
    }
    if ((enq_flags & scx::ENQ_WAKEUP) || t.parked || !t.deadline)
      t.deadline = new_deadline(p, ctx.now());
    else if (p.scx.slice == 0 && t.deadline < ctx.now())
      t.deadline = ctx.now();
    t.parked = false;
    if (enq_flags & scx::ENQ_LAST) {
      ctx.dsq_insert(p, scx::DSQ_LOCAL, kSliceNs, enq_flags);
      return;
    }
    ctx.dsq_insert_vtime(p, kReadyDsq, kSliceNs, t.deadline, enq_flags);
  }

  void dispatch(ScxContext& ctx, CpuId, Task*) override {
    const u64 now = ctx.now();
    rescue_fired(ctx, now);
    if (ctx.dsq_move_to_local(kFiredDsq)) return;
    if (ctx.dsq_move_to_local(kReadyDsq)) return;
    run_one_parked(ctx, now);
  }

  void tick(ScxContext& ctx, Task& p) override {
    if ((ctx.dsq_nr_queued(kReadyDsq) > 0 || ctx.dsq_nr_queued(kFiredDsq) > 0) && idle_polling(ctx, p)) {
      ++nr_yielded_;
      ctx.task_set_slice(p, 0);
    }
  }

  s32 init_task(ScxContext&, Task& p, const InitTaskArgs&) override {
    tctx_[p.id] = TaskCtx{};
    return 0;
  }
  void exit_task(ScxContext&, Task& p, const ExitTaskArgs&) override { tctx_.erase(p.id); }

  s32 init(ScxContext& ctx) override {
    if (s32 ret = ctx.create_dsq(kReadyDsq, -1)) return ret;
    if (s32 ret = ctx.create_dsq(kFiredDsq, -1)) return ret;
    return ctx.create_dsq(kParkDsq, -1);
  }

private:
  struct TaskCtx {
    u64 deadline = 0;
    u64 last_park_run = 0;  // last ran while parked, or was parked
    u64 last_scan = 0;
    bool parked = false;
  };

  // upsched_task_is_idle_polling (sdk/include/upsched/events.h).
  static bool idle_polling(ScxContext& ctx, const Task& p) { return ctx.task_is_spinning(p); }

  static u64 new_deadline(const Task& p, u64 now) {
    const u32 weight = p.scx.weight ? p.scx.weight : 1;
    return now + kBaseDeadlineNs * 100 / weight;
  }

  // Looks at up to kMaxRescues runtimes and sends those still polling to
  // the tail, once per instant each; a CPU with other work scans at most
  // once per slice, and lets one runtime parked without running for
  // kParkMaxWaitNs run here (see the BPF file).
  void rescue_fired(ScxContext& ctx, u64 now) {
    if (ctx.dsq_nr_queued(kParkDsq) <= 0) return;
    const bool has_work = ctx.dsq_nr_queued(kFiredDsq) > 0 || ctx.dsq_nr_queued(kReadyDsq) > 0;
    if (has_work && now - last_rescue_scan_ < kSliceNs) return;
    last_rescue_scan_ = now;
    DsqIter it;
    if (ctx.dsq_iter_new(it, kParkDsq, 0) != 0) return;
    int budget = kMaxRescues;
    bool overdue_ran = false;
    while (Task* p = ctx.dsq_iter_next(it)) {
      if (--budget < 0) break;
      auto tc = tctx_.find(p->id);
      if (tc == tctx_.end()) continue;
      if (idle_polling(ctx, *p)) {
        if (!overdue_ran && now - tc->second.last_park_run >= kParkMaxWaitNs) {
          it.move_slice = kParkSliceNs;
          if (ctx.dsq_move(it, *p, scx::DSQ_LOCAL, 0, false)) {
            tc->second.last_park_run = now;
            overdue_ran = true;
            ++nr_park_runs_;
          }
          continue;
        }
        if (tc->second.last_scan != now) {
          tc->second.last_scan = now;
          ctx.dsq_move(it, *p, kParkDsq, 0, false);
        }
        continue;
      }
      tc->second.deadline = new_deadline(*p, now);
      tc->second.parked = false;
      it.move_slice = kSliceNs;
      if (ctx.dsq_move(it, *p, kFiredDsq, 0, false)) ++nr_rescued_;
    }
    ctx.dsq_iter_destroy(it);
  }

  void run_one_parked(ScxContext& ctx, u64 now) {
    DsqIter it;
    if (ctx.dsq_iter_new(it, kParkDsq, 0) != 0) return;
    int budget = kMaxRescues;
    while (Task* p = ctx.dsq_iter_next(it)) {
      if (--budget < 0) break;
      auto tc = tctx_.find(p->id);
      if (tc == tctx_.end() || now - tc->second.last_park_run < kParkIntervalNs) continue;
      it.move_slice = kParkSliceNs;
      if (ctx.dsq_move(it, *p, scx::DSQ_LOCAL, 0, false)) {
        tc->second.last_park_run = now;
        ++nr_park_runs_;
        break;
      }
    }
    ctx.dsq_iter_destroy(it);
  }

  OpsConfig cfg_;
  std::map<TaskId, TaskCtx> tctx_;  // task storage
  u64 nr_parked_ = 0, nr_rescued_ = 0, nr_park_runs_ = 0, nr_yielded_ = 0;
  u64 last_rescue_scan_ = 0;
};
}  // namespace

std::unique_ptr<SchedOps> make_faas_event() { return std::make_unique<FaasEvent>(); }

}  // namespace ups::native
