// BpfPolicy: a verified, linked sched_ext BPF object as a SchedOps. Each
// callback the object's struct_ops table fills runs its program in the
// interpreter (task arguments as kernel-layout mirrors, see task_mirror.h);
// a callback it leaves empty falls back to the sched_ext default of the
// SchedOps base. The kfuncs (kfuncs.cpp) reach the core through the
// ScxContext of the callback now running, which this class records.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "bpf/helpers/helper_env.h"
#include "bpf/maps/map.h"
#include "bpf/object/object.h"
#include "core/sched_ops.h"
#include "core/scx_context.h"
#include "policy/cgroup_mirror.h"
#include "policy/confinement.h"
#include "policy/local_objects.h"
#include "policy/task_mirror.h"
#include "vm/executor.h"

namespace ups::policy {

// One callback's program, linked, made executable by a backend, and the
// executor that runs it. One executor suffices because this host runs its
// callbacks on one thread; a host running them on several threads at once
// makes one executor per thread from `code` (see vm/executor.h).
struct BoundProgram {
  size_t object_index = 0;  // into Object::programs()
  std::unique_ptr<vm::ExecutableProgram> code;
  std::unique_ptr<vm::Executor> executor;  // made from `code` by bind()
  std::span<const u8> stack;                // the executor's, kept by bind()
};

class BpfPolicy;

// HelperEnv on top of the ScxContext of the running callback.
class PolicyHelperEnv final : public bpf::HelperEnv {
public:
  PolicyHelperEnv(BpfPolicy& host, u64 seed) : host_(host), rng_(seed) {}
  u64 now_ns() override;
  u32 cpu() override;
  u32 nr_cpus() override;
  u32 prandom_u32() override { return static_cast<u32>(rng_.next_u64()); }
  void trace(std::string_view line) override;
  std::optional<u64> task_key(u64 task) override;
  std::optional<u64> cgroup_key(u64 cgrp) override;
  u64 task_of_key(u64 key) override;
  void arm_timer(u64 timer_id, u64 at_ns, int pin_cpu) override;
  void cancel_timer(u64 timer_id) override;
  std::size_t readable_bytes(u64 addr, std::size_t max) override;

private:
  BpfPolicy& host_;
  Rng rng_;
};

class BpfPolicy final : public SchedOps {
public:
  // `seed` is the run's: bpf_get_prandom_u32 draws from the class's own
  // stream, Rng::stream_seed(seed, class name).
  BpfPolicy(std::shared_ptr<const bpf::Object> object, OpsConfig cfg,
            std::vector<std::shared_ptr<bpf::Map>> maps, u64 seed);
  ~BpfPolicy() override;

  // Called by the loader once per callback program (Op or an unhosted name).
  void bind(Op op, BoundProgram prog);
  // Kept until the class goes (LoadPolicyOptions::held_while_loaded).
  void hold_while_loaded(std::shared_ptr<const void> held) { held_ = std::move(held); }
  // The host's helpers and kfuncs (must outlive the programs; owned here).
  bpf::ExternTable& externs() { return externs_; }
  // Runs every program confined (confinement.h); call after filling
  // externs() and before bind(). Programs then link against linked_externs().
  // sandbox: the one the maps' values were taken from (MapSet::create), for
  // the task mirrors, stacks and arguments too; null: regions only.
  void confine(std::shared_ptr<Sandbox> sandbox = nullptr);
  bool confined() const { return confined_; }
  const bpf::ExternTable& linked_externs() const { return confined_ ? confined_externs_ : externs_; }
  const PolicyMemory& memory() const { return memory_; }
  const std::vector<std::shared_ptr<bpf::Map>>& maps() const { return maps_; }
  const std::shared_ptr<const bpf::Object>& object() const { return object_; }

  const OpsConfig& config() const override { return cfg_; }
  s32 init(ScxContext&) override;
  void exit(ScxContext&, const ExitReport&) override;
  CpuId select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags) override;
  void enqueue(ScxContext& ctx, Task& p, u64 enq_flags) override;
  void dequeue(ScxContext&, Task&, u64) override;
  void dispatch(ScxContext&, CpuId, Task*) override;
  void tick(ScxContext&, Task&) override;
  void runnable(ScxContext&, Task&, u64) override;
  void running(ScxContext&, Task&) override;
  void stopping(ScxContext&, Task&, bool) override;
  void quiescent(ScxContext&, Task&, u64) override;
  bool yield(ScxContext& ctx, Task& from, Task* to) override;
  void set_weight(ScxContext&, Task&, u32) override;
  void set_cpumask(ScxContext&, Task&, const CpuMask&) override;
  void update_idle(ScxContext&, CpuId, bool) override;
  s32 init_task(ScxContext&, Task&, const InitTaskArgs&) override;
  void exit_task(ScxContext&, Task&, const ExitTaskArgs&) override;
  void enable(ScxContext&, Task&) override;
  void disable(ScxContext&, Task&) override;
  void timer_fired(ScxContext&, u64 timer_id) override;
  s32 cgroup_init(ScxContext&, const Cgroup&, const CgroupInitArgs&) override;
  void cgroup_exit(ScxContext&, const Cgroup&) override;
  s32 cgroup_prep_move(ScxContext&, Task&, const Cgroup& from, const Cgroup& to) override;
  void cgroup_move(ScxContext&, Task&, const Cgroup& from, const Cgroup& to) override;
  void cgroup_cancel_move(ScxContext&, Task&, const Cgroup& from, const Cgroup& to) override;
  void cgroup_set_weight(ScxContext&, const Cgroup&, u32 weight) override;

  // --- for the kfuncs ---
  ScxContext& ctx() { return *ctx_; }
  bool in_callback() const { return ctx_ != nullptr; }
  TaskMirrors& mirrors() { return mirrors_; }
  const TaskMirrors& mirrors() const { return mirrors_; }
  // The stack of the program running now (all its frames).
  std::span<const u8> running_stack() const { return stack_; }
  PolicyHelperEnv& env() { return env_; }
  // The task the running callback was called for (its first task
  // argument), null for none: what bpf_printk lines are tagged with.
  const Task* callback_task() const { return callback_task_; }
  // Hands a task to BPF: its mirror address (0 for null).
  u64 task_ptr(Task* t);
  // Hands a cgroup to BPF: its struct cgroup mirror's address (0 for null).
  u64 cgroup_ptr(const Cgroup* cg) { return cg ? cgroups_.hand_out(*cg) : 0; }
  const CgroupMirrors& cgroups() const { return cgroups_; }
  // Is [addr, addr+len) inside memory the program may read (stack or a map)?
  bool readable(u64 addr, u64 len) const;
  // Bytes readable from addr to the end of its region (0: none).
  u64 readable_extent(u64 addr) const;
  // Acquired bpf_cpumasks (owned here, freed when the policy goes).
  kabi::BpfCpumask* new_cpumask();
  bool is_cpumask(u64 addr) const;
  // The cpumask handed to the program (an acquired bpf_cpumask, or the idle
  // and possible masks, read-only) holding [addr, addr+size), as
  // [begin, end); nullopt if none.
  std::optional<std::pair<u64, u64>> cpumask_at(u64 addr, u64 size, bool write) const;
  void drop_cpumask(u64 addr);
  // Changes whenever an acquired cpumask is freed.
  u64 cpumasks_generation() const { return cpumasks_generation_; }
  // Allocated objects and their rbtrees (bpf_obj_new, bpf_rbtree_*).
  LocalObjects& objects() { return objects_; }
  const LocalObjects& objects() const { return objects_; }
  std::vector<DsqIter> iters;  // open bpf_iter_scx_dsq iterators
  kabi::Cpumask idle_mirror{}, possible_mirror{};

private:
  // Runs the program bound to `op` with args; returns r0. Sets up the
  // context, flushes touched mirrors after. task: the callback's task (its
  // first task argument; null for none), which printk lines are tagged with.
  // arg_struct: the struct one of the args points to (for confinement).
  // args: the caller's temporary, alive for the whole run (the program
  // gets its address).
  u64 run(Op op, ScxContext& ctx, const Task* task, const std::array<u64, 5>& args,
          std::span<const std::byte> arg_struct = {});
  bool has(Op op) const { return programs_[static_cast<size_t>(op)] != nullptr; }
  // After a program ran (a callback, or a timer callback: `what`): releases
  // a spin lock it still holds, and when it stopped early (a helper's or
  // kfunc's fault, a trap, the lock, an abort) fails the class with why and
  // where. The one place a stop becomes the exit report's message and
  // location.
  void finish(ScxContext& ctx, std::string_view what, const BoundProgram* bp, std::optional<u32> pc,
              std::optional<std::string> trap, bool aborted);
  // "insn 12 (simple.bpf.c:40)": where a run of `bp` stopped, for the exit report.
  std::string location(const BoundProgram& bp, u32 pc) const;
  // The bound program an invoker runs (a timer callback's), or null.
  const BoundProgram* program_run_by(const bpf::SubprogInvoker* invoker) const;

  std::shared_ptr<const bpf::Object> object_;
  OpsConfig cfg_;
  std::vector<std::shared_ptr<bpf::Map>> maps_;
  bpf::ExternTable externs_;
  bpf::ExternTable confined_externs_;
  bool confined_ = false;
  PolicyMemory memory_{*this};
  PolicyHelperEnv env_;
  std::array<std::unique_ptr<BoundProgram>, static_cast<size_t>(Op::nr_ops)> programs_{};
  TaskMirrors mirrors_;
  CgroupMirrors cgroups_;
  ScxContext* ctx_ = nullptr;
  std::span<const u8> stack_;  // of the program running now (a callback or a timer's)
  const Task* callback_task_ = nullptr;
  std::shared_ptr<const void> held_;
  std::vector<std::unique_ptr<kabi::BpfCpumask>> cpumasks_;
  u64 cpumasks_generation_ = 0;
  LocalObjects objects_;
  std::array<const std::string*, 2> exit_strings_{};  // during exit()
};

}  // namespace ups::policy
