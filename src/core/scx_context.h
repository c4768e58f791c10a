// ScxContext: what a policy may do to the core, the sched_ext kfuncs
// (sched_ext-abi.md §7) as C++ calls. One per loaded class; the caller's
// identity (class, grant, the callback now running, the CPU it runs on) is
// implicit. Every call checks its arguments: a bad one ejects the class with
// an ExitReport naming the call and the argument, never crashes the core,
// never loses a task. Foreign tasks, DSQs and CPUs outside the grant are
// refused the same way.
#pragma once

#include <string>

#include "base/cpumask.h"
#include "base/types.h"
#include "core/cids.h"
#include "core/sched_ops.h"
#include "core/task.h"

namespace ups {

class Core;
class ExtClass;

// State of one `bpf_for_each(scx_dsq, ...)` iteration (bpf_iter_scx_dsq).
struct DsqIter {
  DsqId dsq_id = 0;
  u64 flags = 0;
  u64 seq_limit = 0;       // visit only tasks inserted before the iterator
  Task* cursor = nullptr;  // last task returned
  u64 cursor_seq = 0;
  u64 cursor_vtime = 0;    // vtime of the cursor when returned (vtime DSQs)
  u64 move_slice = 0;      // applied by the next dsq_move (0 = keep)
  u64 move_vtime = 0;
  bool has_vtime = false;
  bool active = false;
};

class ScxContext {
public:
  ScxContext(Core& core, ExtClass& cls) : core_(core), cls_(cls) {}

  // --- DSQs ---------------------------------------------------------------
  // Direct in select_cpu/enqueue, buffered in dispatch. False if refused.
  bool dsq_insert(Task& p, DsqId dsq_id, u64 slice, u64 enq_flags);
  bool dsq_insert_vtime(Task& p, DsqId dsq_id, u64 slice, u64 vtime, u64 enq_flags);
  // dispatch only: move the head of a user or global DSQ to this CPU's local DSQ.
  bool dsq_move_to_local(DsqId dsq_id);
  u32 dispatch_nr_slots();
  void dispatch_cancel();
  s32 create_dsq(DsqId dsq_id, s32 node);  // 0 or -errno
  void destroy_dsq(DsqId dsq_id);
  s32 dsq_nr_queued(DsqId dsq_id);         // count or -ENOENT
  Task* dsq_peek(DsqId dsq_id);
  s32 dsq_iter_new(DsqIter& it, DsqId dsq_id, u64 flags);
  Task* dsq_iter_next(DsqIter& it);
  void dsq_iter_destroy(DsqIter& it);
  bool dsq_move(DsqIter& it, Task& p, DsqId dst, u64 enq_flags, bool vtime);

  // --- CPUs and idle tracking ----------------------------------------------
  CpuId select_cpu_dfl(Task& p, CpuId prev_cpu, u64 wake_flags, bool* is_idle);
  bool test_and_clear_cpu_idle(CpuId cpu);
  CpuId pick_idle_cpu(const CpuMask& allowed, u64 flags);  // or -EBUSY
  CpuId pick_any_cpu(const CpuMask& allowed, u64 flags);
  const CpuMask& idle_cpumask() const;
  const CpuMask& possible_cpumask() const;  // the class's granted CPUs
  void kick_cpu(CpuId cpu, u64 flags);
  u32 nr_cpu_ids() const;
  int cpu_node(CpuId cpu) const;
  CpuId this_cpu() const;  // bpf_get_smp_processor_id
  // Topological CPU ids (core/cids.h): all the core's CPUs, numbered once.
  const CidMap& cids() const;

  // --- tasks ----------------------------------------------------------------
  bool task_running(const Task& p) const;
  CpuId task_cpu(const Task& p) const;
  // bpf_task_from_pid: own tasks only (all with the all_tasks grant); null otherwise.
  Task* task_from_pid(TaskId pid);
  // scx_bpf_task_set_slice/dsq_vtime: false (nothing set) for a task that
  // is not on this class (on_class), as Linux.
  bool on_class(const Task& p) const;
  bool task_set_slice(Task& p, u64 slice);
  // --- cgroups (bpf_cgroup_from_id): a cgroup that exists now, or null ---
  const Cgroup* cgroup_from_id(u64 id) const;
  bool task_set_dsq_vtime(Task& p, u64 vtime);

  // --- time, timers, exit ----------------------------------------------------
  TimeNs now() const;
  // One-shot timer on the substrate's clock; fires SchedOps::timer_fired(id).
  // pin_cpu: the CPU its callback runs on (BPF_F_TIMER_CPU_PIN, the CPU
  // that armed it); kNoCpu: the class's first CPU.
  void arm_timer(u64 timer_id, TimeNs at, CpuId pin_cpu = kNoCpu);
  void cancel_timer(u64 timer_id);
  // scx_bpf_error / scx_bpf_exit: the class is ejected after the callback.
  void error(std::string message, std::string location = {});
  void exit(s64 code, std::string message);
  // A run-time argument check failed (used by the kfunc layer too).
  void fail(std::string message, std::string location = {});
  // bpf_printk: hands `text` to the substrate, tagged with the time, this
  // CPU, the class and `about` (else the task running on this CPU).
  void printk(const Task* about, std::string text);

  // --- upsched extensions (capability-gated by the verifier) ------------------
  u64 task_wait_event(const Task& p) const;   // 0 = not waiting
  bool task_is_spinning(const Task& p) const; // runnable but polling an event
  bool event_fired(u64 event) const;
  u64 task_lock_wait(const Task& p) const;     // the lock p waits for, 0 = none
  TaskId task_lock_holder(const Task& p) const;  // its holder's pid, 0 = none
  u32 task_lock_waiters(const Task& p) const;  // tasks waiting for p's locks
  // Guest/host hints (docs/guest-host.md). Host side, about vCPU task p:
  u64 vcpu_hint(const Task& p) const;           // its flags | kVcpuValid; 0: no vCPU
  u64 vcpu_next_deadline(const Task& p) const;  // 0: none
  s32 vcpu_vm(const Task& p) const;             // its VM's id, -1: no vCPU
  void vcpu_set_host_flags(const Task& p, u64 flags);  // kHostPolicyFlags only
  // Guest side, about this guest's vCPU `cpu` (no-ops / 0 on a core that is no guest):
  void virt_publish(CpuId cpu, u64 flags, u64 next_deadline_ns);  // kVcpuPolicyFlags only
  u64 virt_host_flags(CpuId cpu) const;
  u64 virt_steal_ns(CpuId cpu) const;

  // --- introspection for hosts ---------------------------------------------
  Op current_op() const;           // the callback now running
  ExtClass& ext_class() { return cls_; }
  Core& core() { return core_; }

private:
  bool insert_impl(Task& p, DsqId dsq_id, u64 slice, u64 vtime, u64 enq_flags, bool vtime_order);
  // False (the class failed, naming fn) for SCX_ENQ_PREEMPT without sched.kick.
  bool may_preempt(const char* fn, u64 enq_flags);
  Core& core_;
  ExtClass& cls_;
};

}  // namespace ups
