// SchedOps: the callback table of a loadable scheduling policy, mirroring
// Linux's `struct sched_ext_ops` (sched_ext-abi.md §1). Native C++ policies
// implement it directly; policy/bpf_policy.cpp implements it by running
// verified BPF programs. The core hosts each SchedOps in an ExtClass that
// owns its DSQs, enforces ownership and ejects it on misbehaviour.
//
// Every callback receives the ScxContext of its class: the kfunc side
// (insert, move, kick, ...), which knows the caller implicitly, like the
// kernel's KF_IMPLICIT_ARGS. Callbacks never throw; a policy that misbehaves
// calls ctx.error() (or the context does it for a bad argument) and the class
// is ejected after the callback returns.
#pragma once

#include <string>
#include <string_view>

#include "base/cpumask.h"
#include "base/types.h"
#include "core/cgroup.h"
#include "core/exit_report.h"
#include "core/task.h"

namespace ups {

class ScxContext;
struct ScxCallRules;  // scx_call_rules.h

// Which optional callbacks a policy implements; a missing one gets the
// sched_ext default behaviour (select_cpu: select_cpu_dfl and direct insert
// when idle; enqueue: insert into the class's global DSQ).
enum class Op : u8 {
  select_cpu, enqueue, dequeue, dispatch, tick, runnable, running, stopping,
  quiescent, yield, set_weight, set_cpumask, update_idle, init_task, exit_task,
  enable, disable, init, exit, cgroup_init, cgroup_exit, cgroup_prep_move, cgroup_move,
  cgroup_cancel_move, cgroup_set_weight, nr_ops
};
const char* op_name(Op op);
inline constexpr u32 op_bit(Op op) { return 1u << static_cast<u32>(op); }

// The data fields of struct sched_ext_ops (sched_ext-abi.md §1.1).
struct OpsConfig {
  std::string name;
  u64 flags = 0;               // scx::OPS_*
  u32 timeout_ms = 0;          // 0 = 30000, max 30000
  u32 dispatch_max_batch = 0;  // 0 = 32
  // op_bit() set for each callback present. The default has every op but
  // update_idle: implementing update_idle turns built-in idle tracking off
  // (unless OPS_KEEP_BUILTIN_IDLE), as in the kernel.
  u32 implemented = ~op_bit(Op::update_idle);
  bool implements(Op op) const { return (implemented & op_bit(op)) != 0; }
  // Which callbacks may make the calls sched_ext restricts (scx_call_rules.h);
  // static data of the policy layer. Null: trusted code, not checked.
  const ScxCallRules* scx_calls = nullptr;
};

struct InitTaskArgs {
  bool fork = false;
  const Cgroup* cgroup = nullptr;  // the task's cgroup (Linux: args->cgroup)
};
struct CgroupInitArgs { u32 weight = kCgroupWeightDfl; };
struct ExitTaskArgs {
  bool cancelled = false;
  // The task is exiting (not only leaving the class): what the host keeps
  // for it, such as its task storage, goes too (Linux frees it with the task).
  bool exiting = false;
};

class SchedOps {
public:
  virtual ~SchedOps() = default;
  virtual const OpsConfig& config() const = 0;

  // Sleepable: create DSQs, timers. Non-zero = load fails (reported via exit).
  virtual s32 init(ScxContext&) { return 0; }
  // After unload or ejection; info says why.
  virtual void exit(ScxContext&, const ExitReport&) {}

  // On wakeup. Returns a hint; may insert p directly (then enqueue is skipped).
  virtual CpuId select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags);
  // p is runnable: insert it into a DSQ, or keep it (custody) to dispatch later.
  virtual void enqueue(ScxContext& ctx, Task& p, u64 enq_flags);
  // p leaves the policy's custody without being dispatched (property change, unload).
  virtual void dequeue(ScxContext&, Task&, u64 /*deq_flags*/) {}
  // cpu's local and global DSQs of this class are empty: fill them.
  virtual void dispatch(ScxContext&, CpuId /*cpu*/, Task* /*prev*/) {}
  virtual void tick(ScxContext&, Task&) {}
  virtual void runnable(ScxContext&, Task&, u64 /*enq_flags*/) {}
  virtual void running(ScxContext&, Task&) {}
  virtual void stopping(ScxContext&, Task&, bool /*runnable*/) {}
  virtual void quiescent(ScxContext&, Task&, u64 /*deq_flags*/) {}
  // Default: from's slice becomes 0.
  virtual bool yield(ScxContext& ctx, Task& from, Task* to);
  virtual void set_weight(ScxContext&, Task&, u32 /*weight*/) {}
  virtual void set_cpumask(ScxContext&, Task&, const CpuMask&) {}
  virtual void update_idle(ScxContext&, CpuId, bool /*idle*/) {}
  // Once per task when it joins the class. Negative errno = refuse the task.
  virtual s32 init_task(ScxContext&, Task&, const InitTaskArgs&) { return 0; }
  virtual void exit_task(ScxContext&, Task&, const ExitTaskArgs&) {}
  virtual void enable(ScxContext&, Task&) {}
  virtual void disable(ScxContext&, Task&) {}

  // Cgroups (core/cgroup.h), called as Linux's ext.c calls them: at load,
  // cgroup_init for every cgroup, parents first, before any init_task; on
  // creation while loaded; cgroup_exit children first on removal and at
  // unload (before exit). Non-zero from cgroup_init fails the load (or the
  // creation). A task of this class moving between cgroups: prep_move
  // (non-zero refuses the move, then cancel_move), then move.
  virtual s32 cgroup_init(ScxContext&, const Cgroup&, const CgroupInitArgs&) { return 0; }
  virtual void cgroup_exit(ScxContext&, const Cgroup&) {}
  virtual s32 cgroup_prep_move(ScxContext&, Task&, const Cgroup& /*from*/, const Cgroup& /*to*/) {
    return 0;
  }
  virtual void cgroup_move(ScxContext&, Task&, const Cgroup& /*from*/, const Cgroup& /*to*/) {}
  virtual void cgroup_cancel_move(ScxContext&, Task&, const Cgroup& /*from*/, const Cgroup& /*to*/) {}
  virtual void cgroup_set_weight(ScxContext&, const Cgroup&, u32 /*weight*/) {}

  // Substrate timer that the policy armed through ScxContext::arm_timer
  // fired (bpf_timer callbacks are routed through here).
  virtual void timer_fired(ScxContext&, u64 /*timer_id*/) {}
};

}  // namespace ups
