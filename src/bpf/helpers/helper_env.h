// HelperEnv: what the BPF helpers need from the substrate that runs the
// program (simulator, real runtime, tests): the clock, the current CPU, a
// seeded PRNG, a trace sink, task identity for task storage, and timers on
// the substrate's clock. The substrate implements the virtual functions;
// the non-virtual part (the bpf_timer table, the held spin lock, the last
// fault message) is helper state that lives as long as the environment.
// One HelperEnv per loaded policy (class): its timers and PRNG are that
// policy's.
//
// Contract with the VM (src/vm/linked_program.h, src/vm/executor.h):
//  - a map argument (r1 of map helpers) is the Map* the host passed as the
//    map's handle when linking the program (vm::LinkInputs::maps);
//  - a callback argument (bpf_loop, bpf_timer_set_callback) is what a
//    PSEUDO_FUNC `lddw` yields: the callback's instruction index in the
//    program image, passed unchanged to SubprogInvoker::invoke;
//  - CallContext::invoker runs a callback in the same program image as the
//    caller (invoke, during a run). A timer remembers the invoker (and
//    CallContext::host) of the bpf_timer_set_callback call and fires through
//    SubprogInvoker::run_callback, a top-level run; so that invoker must stay
//    valid while the timer may fire (one per loaded program, not per run);
//  - a helper that finds a fatal misuse (spin lock misuse, a callback with
//    no invoker) sets CallContext::abort and records the reason here
//    (last_fault()); the VM stops the program and the host reports it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/types.h"
#include "bpf/call_context.h"
#include "bpf/helpers/timer_table.h"

namespace ups::bpf {

class HelperEnv {
public:
  HelperEnv();
  virtual ~HelperEnv();
  HelperEnv(const HelperEnv&) = delete;
  HelperEnv& operator=(const HelperEnv&) = delete;

  // --- implemented by the substrate ---

  // bpf_ktime_get_ns: the substrate's monotonic clock.
  virtual u64 now_ns() = 0;
  // bpf_ktime_get_boot_ns: also counts suspend; the same clock by default.
  virtual u64 boot_ns() { return now_ns(); }
  // bpf_get_smp_processor_id: the CPU the program runs on.
  virtual u32 cpu() = 0;
  virtual u32 nr_cpus() = 0;
  // bpf_get_prandom_u32: from a seeded generator (deterministic per seed).
  virtual u32 prandom_u32() = 0;
  // bpf_trace_printk / bpf_printk output, one formatted message per call
  // (without a trailing newline).
  virtual void trace(std::string_view line) = 0;

  // Task identity. `task` is the value a program holds for a task (the
  // host's task pointer). task_key: a stable key for that task (the pid in
  // the simulator), or nullopt when it is not a live task.
  virtual std::optional<u64> task_key(u64 task) = 0;
  // The reverse (the task that owns a key's storage), 0 when it is gone.
  virtual u64 task_of_key(u64 key) { return 0; }
  // Cgroup identity, as for tasks: `cgrp` is the value a program holds for
  // a struct cgroup; its stable key (the cgroup id), or nullopt when it is
  // not a live cgroup. None by default (a substrate without cgroups).
  virtual std::optional<u64> cgroup_key(u64 cgrp) { return std::nullopt; }

  // Timers on the substrate's clock: call fire_timer(timer_id) once the
  // clock reaches at_ns (pin_cpu >= 0: on that CPU). Arming an armed id
  // moves it; cancel of an id that is not armed does nothing.
  virtual void arm_timer(u64 timer_id, u64 at_ns, int pin_cpu) = 0;
  virtual void cancel_timer(u64 timer_id) = 0;

  // How many bytes starting at addr a helper may read (for %s and %pI4
  // arguments of the printk helpers, which the verifier cannot check), at
  // most max. The default allows none, so those arguments print as empty;
  // a substrate that knows the program's memory (its RegionSet) overrides.
  virtual std::size_t readable_bytes(u64 addr, std::size_t max) { return 0; }

  // --- helper state ---

  TimerTable& timers() { return *timers_; }
  // Runs the callback of an armed timer, as the substrate's clock reached
  // it. False when the id is stale (cancelled, freed, re-armed elsewhere).
  // When the callback faulted, last_fault() says why and last_fault_pc()
  // at which instruction of its program, when known (both cleared first).
  bool fire_timer(u64 timer_id);

  // Stops the program: sets ctx.abort and records why.
  void fault(CallContext& ctx, std::string message);
  const std::string& last_fault() const { return fault_; }
  std::optional<u32> last_fault_pc() const { return fault_pc_; }
  void set_fault_pc(u32 pc) { fault_pc_ = pc; }
  void clear_fault() {
    fault_.clear();
    fault_pc_.reset();
  }

  // The bpf_spin_lock the running program holds, if any. A program must
  // not end holding it: the host calls release_held_lock() after a run
  // (true = one was still held, which is a fault for a program that ran to
  // its end; the lock is released either way).
  u32* held_lock() const { return held_lock_; }
  void set_held_lock(u32* lock) { held_lock_ = lock; }
  bool release_held_lock();

private:
  std::unique_ptr<TimerTable> timers_;
  u32* held_lock_ = nullptr;
  std::string fault_;
  std::optional<u32> fault_pc_;
};

}  // namespace ups::bpf
