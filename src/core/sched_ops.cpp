// Op names and the sched_ext default behaviour of the optional callbacks
// (sched_ext-abi.md §1): what the kernel does when a policy leaves them out.
#include "core/sched_ops.h"

#include "core/scx_constants.h"
#include "core/scx_context.h"

namespace ups {

const char* op_name(Op op) {
  switch (op) {
    case Op::select_cpu: return "select_cpu";
    case Op::enqueue: return "enqueue";
    case Op::dequeue: return "dequeue";
    case Op::dispatch: return "dispatch";
    case Op::tick: return "tick";
    case Op::runnable: return "runnable";
    case Op::running: return "running";
    case Op::stopping: return "stopping";
    case Op::quiescent: return "quiescent";
    case Op::yield: return "yield";
    case Op::set_weight: return "set_weight";
    case Op::set_cpumask: return "set_cpumask";
    case Op::update_idle: return "update_idle";
    case Op::init_task: return "init_task";
    case Op::exit_task: return "exit_task";
    case Op::enable: return "enable";
    case Op::disable: return "disable";
    case Op::init: return "init";
    case Op::exit: return "exit";
    case Op::cgroup_init: return "cgroup_init";
    case Op::cgroup_exit: return "cgroup_exit";
    case Op::cgroup_prep_move: return "cgroup_prep_move";
    case Op::cgroup_move: return "cgroup_move";
    case Op::cgroup_cancel_move: return "cgroup_cancel_move";
    case Op::cgroup_set_weight: return "cgroup_set_weight";
    case Op::nr_ops: return "";
  }
  return "?";
}

// Default select_cpu: the built-in selection; an idle CPU gets p directly.
CpuId SchedOps::select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags) {
  bool is_idle = false;
  CpuId cpu = ctx.select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
  if (is_idle) ctx.dsq_insert(p, scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
  return cpu;
}

// Default enqueue: the class's global DSQ with the default slice.
void SchedOps::enqueue(ScxContext& ctx, Task& p, u64 enq_flags) {
  ctx.dsq_insert(p, scx::DSQ_GLOBAL, scx::SLICE_DFL, enq_flags);
}

// Default yield: from gives up the rest of its slice.
bool SchedOps::yield(ScxContext& ctx, Task& from, Task* to) {
  if (!to) ctx.task_set_slice(from, 0);
  return false;
}

}  // namespace ups
