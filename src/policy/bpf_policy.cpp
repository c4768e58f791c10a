#include "policy/bpf_policy.h"

#include <algorithm>

#include <fmt/format.h>

#include "bpf/maps/local_storage_map.h"
#include "bpf/object/graph_fields.h"
#include "core/scx_context.h"
#include "policy/policy_clock.h"

namespace ups::policy {

// --- PolicyHelperEnv ---------------------------------------------------------

u64 PolicyHelperEnv::now_ns() { return policy_clock(host_.in_callback() ? host_.ctx().now() : 0); }
u32 PolicyHelperEnv::cpu() {
  if (!host_.in_callback()) return 0;
  const CpuId c = host_.ctx().this_cpu();
  return c < 0 ? 0 : static_cast<u32>(c);
}
u32 PolicyHelperEnv::nr_cpus() { return host_.in_callback() ? host_.ctx().nr_cpu_ids() : 1; }
void PolicyHelperEnv::trace(std::string_view line) {
  // Every program runs inside a callback (or a timer's), whose context
  // tags the line and hands it to the substrate.
  if (host_.in_callback()) host_.ctx().printk(host_.callback_task(), std::string(line));
}
std::optional<u64> PolicyHelperEnv::task_key(u64 task) {
  Task* t = host_.mirrors().task_of(task);
  if (!t) return std::nullopt;
  return t->id;
}
std::optional<u64> PolicyHelperEnv::cgroup_key(u64 cgrp) {
  const auto id = host_.cgroups().id_of(cgrp);
  if (!id || !host_.in_callback() || !host_.ctx().cgroup_from_id(*id)) return std::nullopt;
  return *id;
}
u64 PolicyHelperEnv::task_of_key(u64 key) {
  return reinterpret_cast<u64>(host_.mirrors().find(static_cast<TaskId>(key)));
}
void PolicyHelperEnv::arm_timer(u64 timer_id, u64 at_ns, int pin_cpu) {
  if (host_.in_callback())
    host_.ctx().arm_timer(timer_id,
                          at_ns > policy_clock(0) ? static_cast<TimeNs>(at_ns) - kPolicyClockBootNs : TimeNs{0},
                          pin_cpu < 0 ? kNoCpu : static_cast<CpuId>(pin_cpu));
}
void PolicyHelperEnv::cancel_timer(u64 timer_id) {
  if (host_.in_callback()) host_.ctx().cancel_timer(timer_id);
}
std::size_t PolicyHelperEnv::readable_bytes(u64 addr, std::size_t max) {
  return static_cast<std::size_t>(std::min<u64>(host_.readable_extent(addr), max));
}

// --- BpfPolicy -----------------------------------------------------------------

BpfPolicy::BpfPolicy(std::shared_ptr<const bpf::Object> object, OpsConfig cfg,
                     std::vector<std::shared_ptr<bpf::Map>> maps, u64 seed)
    : object_(std::move(object)), cfg_(std::move(cfg)), maps_(std::move(maps)),
      env_(*this, Rng::stream_seed(seed, cfg_.name)) {  // the class's own stream
  for (auto& m : maps_) {
    if (m->has_timer()) m->set_timer_releaser(&env_.timers());
    // An object left in a __kptr field goes with its value.
    if (!m->def().kptrs.empty()) m->set_kptr_releaser([this](u64 obj) { (void)objects_.drop(obj); });
  }
  // The types bpf_obj_new may allocate: what the verifier allows
  // (api_sets.cpp append_local_structs).
  const bpf::Btf& btf = object_->btf();
  for (const auto& m : object_->maps()) {
    for (const auto& r : m.rb_roots)
      objects_.add_type(r.node_type, {btf.size_of(r.node_type).value_or(0), static_cast<s32>(r.node_off)});
    for (const auto& k : m.kptrs)
      if (!objects_.type(k.type))
        objects_.add_type(k.type, {btf.size_of(k.type).value_or(0), bpf::rb_node_offset_any(btf, k.type)});
  }
}

BpfPolicy::~BpfPolicy() {
  // Timers refer to maps and interpreters: drop them first.
  for (auto& m : maps_) {
    if (m->has_timer()) env_.timers().forget_map(*m);
    m->set_kptr_releaser(nullptr);  // the objects go with objects_
  }
}

void BpfPolicy::confine(std::shared_ptr<Sandbox> sandbox) {
  confined_ = true;
  confined_externs_ = confined_externs(externs_);
  if (sandbox) mirrors_.set_memory(sandbox);
  memory_.set_sandbox(std::move(sandbox));
}

void BpfPolicy::bind(Op op, BoundProgram prog) {
  if (!prog.executor) prog.executor = prog.code->new_executor();
  // Confined first: a sandboxed executor's stack is the sandbox's.
  if (confined_) prog.executor->confine(&memory_);
  prog.stack = prog.executor->stack();
  programs_[static_cast<size_t>(op)] = std::make_unique<BoundProgram>(std::move(prog));
}

u64 BpfPolicy::run(Op op, ScxContext& ctx, const Task* task, const std::array<u64, 5>& args,
                   std::span<const std::byte> arg_struct) {
  const BoundProgram* bp = programs_[static_cast<size_t>(op)].get();
  // Runs nest (a kfunc's core call may run another callback): the outer
  // run's state comes back after this one.
  ScxContext* saved_ctx = ctx_;
  const std::span<const u8> saved_stack = stack_;
  const Task* saved_task = callback_task_;
  ctx_ = &ctx;
  stack_ = bp->stack;
  callback_task_ = task;
  bpf::CallContext cc;
  cc.invoker = bp->executor.get();
  cc.env = &env_;
  cc.host = this;
  // struct_ops programs receive a pointer to their arguments as u64 slots.
  const u64 program_args =
      confined_ ? memory_.enter_run(args, arg_struct, mirrors_) : reinterpret_cast<u64>(args.data());
  vm::RunResult r = bp->executor->run(cc, program_args);
  if (confined_) memory_.leave_run();
  // Most runs end cleanly: only the mirrors go back. Anything else (a trap,
  // an abort, a helper's fault, a lock still held) takes the full finish.
  if (!r.ok() || cc.abort || env_.held_lock() || !env_.last_fault().empty()) [[unlikely]]
    finish(ctx, op_name(op), bp, r.trap.pc, r.ok() ? std::nullopt : std::optional<std::string>(r.trap.to_string()),
           cc.abort);
  else
    mirrors_.sync_out_touched();
  ctx_ = saved_ctx;
  stack_ = saved_stack;
  callback_task_ = saved_task;
  return r.r0;
}

void BpfPolicy::finish(ScxContext& ctx, std::string_view what, const BoundProgram* bp, std::optional<u32> pc,
                       std::optional<std::string> trap, bool aborted) {
  // Released before anything else: a program that stopped early (a failed
  // kfunc check, a trap) may still hold it, and the class's exit callback
  // and timers run after this one.
  const bool ended_holding_lock = env_.release_held_lock();
  // The helpers' fault says most (a trap it caused names the call), then
  // the VM's trap.
  std::optional<std::string> why;
  if (!env_.last_fault().empty()) why = env_.last_fault();
  else if (trap) why = std::move(trap);
  else if (ended_holding_lock) why = "returned holding a bpf_spin_lock";
  else if (aborted) why = "program stopped";
  if (why) ctx.fail(fmt::format("{}: {}", what, *why), bp && pc ? location(*bp, *pc) : std::string());
  env_.clear_fault();
  mirrors_.sync_out_touched();
}

std::string BpfPolicy::location(const BoundProgram& bp, u32 pc) const {
  const std::string src = object_->source_line(bp.object_index, pc);
  return fmt::format("insn {}{}", pc, src.empty() ? "" : " (" + src + ")");
}

const BoundProgram* BpfPolicy::program_run_by(const bpf::SubprogInvoker* invoker) const {
  for (const auto& bp : programs_)
    if (bp && bp->executor.get() == invoker) return bp.get();
  return nullptr;
}

u64 BpfPolicy::task_ptr(Task* t) {
  if (!t) return 0;
  return reinterpret_cast<u64>(mirrors_.hand_out(*t));
}

u64 BpfPolicy::readable_extent(u64 addr) const {
  if (!stack_.empty()) {
    const u64 lo = reinterpret_cast<u64>(stack_.data());
    const u64 hi = lo + stack_.size();
    if (addr >= lo && addr < hi) return hi - addr;
  }
  u64 extent = 0;
  for (const auto& m : maps_) {
    m->for_each_region([&](void* p, std::size_t size, bool) {
      const u64 b = reinterpret_cast<u64>(p);
      if (addr >= b && addr < b + size) extent = b + size - addr;
    });
    if (extent) return extent;
  }
  for (const std::string* s : exit_strings_)
    if (s && addr == reinterpret_cast<u64>(s->c_str())) return s->size() + 1;
  return 0;
}

bool BpfPolicy::readable(u64 addr, u64 len) const {
  if (len == 0) return true;
  if (addr + len < addr) return false;
  return readable_extent(addr) >= len;
}

kabi::BpfCpumask* BpfPolicy::new_cpumask() {
  cpumasks_.push_back(std::make_unique<kabi::BpfCpumask>());
  cpumasks_.back()->usage.refs = 1;
  return cpumasks_.back().get();
}

bool BpfPolicy::is_cpumask(u64 addr) const {
  for (const auto& m : cpumasks_)
    if (reinterpret_cast<u64>(m.get()) == addr) return true;
  return false;
}

std::optional<std::pair<u64, u64>> BpfPolicy::cpumask_at(u64 addr, u64 size, bool write) const {
  auto at = [&](const void* p, u64 n) -> std::optional<std::pair<u64, u64>> {
    const u64 b = reinterpret_cast<u64>(p);
    if (addr >= b && size <= n && addr - b <= n - size) return std::pair{b, b + n};
    return std::nullopt;
  };
  for (const auto& m : cpumasks_)
    if (auto r = at(m.get(), sizeof *m)) return r;
  if (write) return std::nullopt;
  if (auto r = at(&idle_mirror, sizeof idle_mirror)) return r;
  return at(&possible_mirror, sizeof possible_mirror);
}

void BpfPolicy::drop_cpumask(u64 addr) {
  for (size_t i = 0; i < cpumasks_.size(); ++i)
    if (reinterpret_cast<u64>(cpumasks_[i].get()) == addr) {
      if (--cpumasks_[i]->usage.refs <= 0) {
        cpumasks_.erase(cpumasks_.begin() + static_cast<long>(i));
        ++cpumasks_generation_;
      }
      return;
    }
}

static u64 tp(BpfPolicy& h, Task& t) { return h.task_ptr(&t); }

s32 BpfPolicy::init(ScxContext& ctx) {
  if (!has(Op::init)) return 0;
  return static_cast<s32>(run(Op::init, ctx, nullptr, {}));
}

void BpfPolicy::exit(ScxContext& ctx, const ExitReport& report) {
  if (!has(Op::exit)) return;
  // struct scx_exit_info with its strings, valid for the call.
  std::string reason = report.reason, msg = report.message;
  kabi::ScxExitInfo ei{};
  ei.kind = static_cast<u32>(report.kind);
  ei.exit_code = report.exit_code;
  ei.reason = reinterpret_cast<u64>(reason.c_str());
  ei.msg = reinterpret_cast<u64>(msg.c_str());
  exit_strings_ = {&reason, &msg};  // readable by bpf_probe_read_kernel_str
  run(Op::exit, ctx, nullptr, {reinterpret_cast<u64>(&ei)}, std::as_bytes(std::span(&ei, 1)));
  exit_strings_ = {nullptr, nullptr};
}

CpuId BpfPolicy::select_cpu(ScxContext& ctx, Task& p, CpuId prev_cpu, u64 wake_flags) {
  if (!has(Op::select_cpu)) return SchedOps::select_cpu(ctx, p, prev_cpu, wake_flags);
  const u64 ptr = tp(*this, p);
  return static_cast<CpuId>(static_cast<s32>(
      run(Op::select_cpu, ctx, &p, {ptr, static_cast<u64>(static_cast<s64>(prev_cpu)), wake_flags})));
}

void BpfPolicy::enqueue(ScxContext& ctx, Task& p, u64 enq_flags) {
  if (!has(Op::enqueue)) return SchedOps::enqueue(ctx, p, enq_flags);
  run(Op::enqueue, ctx, &p, {tp(*this, p), enq_flags});
}

void BpfPolicy::dequeue(ScxContext& ctx, Task& p, u64 f) {
  if (has(Op::dequeue)) run(Op::dequeue, ctx, &p, {tp(*this, p), f});
}

void BpfPolicy::dispatch(ScxContext& ctx, CpuId cpu, Task* prev) {
  if (has(Op::dispatch))
    run(Op::dispatch, ctx, prev, {static_cast<u64>(static_cast<s64>(cpu)), task_ptr(prev)});
}

void BpfPolicy::tick(ScxContext& ctx, Task& p) {
  if (has(Op::tick)) run(Op::tick, ctx, &p, {tp(*this, p)});
}
void BpfPolicy::runnable(ScxContext& ctx, Task& p, u64 f) {
  if (has(Op::runnable)) run(Op::runnable, ctx, &p, {tp(*this, p), f});
}
void BpfPolicy::running(ScxContext& ctx, Task& p) {
  if (has(Op::running)) run(Op::running, ctx, &p, {tp(*this, p)});
}
void BpfPolicy::stopping(ScxContext& ctx, Task& p, bool r) {
  if (has(Op::stopping)) run(Op::stopping, ctx, &p, {tp(*this, p), r ? 1u : 0u});
}
void BpfPolicy::quiescent(ScxContext& ctx, Task& p, u64 f) {
  if (has(Op::quiescent)) run(Op::quiescent, ctx, &p, {tp(*this, p), f});
}
bool BpfPolicy::yield(ScxContext& ctx, Task& from, Task* to) {
  if (!has(Op::yield)) return SchedOps::yield(ctx, from, to);
  const u64 a = tp(*this, from);
  return run(Op::yield, ctx, &from, {a, task_ptr(to)}) != 0;
}
void BpfPolicy::set_weight(ScxContext& ctx, Task& p, u32 w) {
  if (has(Op::set_weight)) run(Op::set_weight, ctx, &p, {tp(*this, p), w});
}
void BpfPolicy::set_cpumask(ScxContext& ctx, Task& p, const CpuMask&) {
  if (!has(Op::set_cpumask)) return;
  kabi::TaskStruct* ts = mirrors_.hand_out(p);
  run(Op::set_cpumask, ctx, &p, {reinterpret_cast<u64>(ts), ts->cpus_ptr});
}
void BpfPolicy::update_idle(ScxContext& ctx, CpuId cpu, bool idle) {
  if (has(Op::update_idle))
    run(Op::update_idle, ctx, nullptr, {static_cast<u64>(static_cast<s64>(cpu)), idle ? 1u : 0u});
}
s32 BpfPolicy::init_task(ScxContext& ctx, Task& p, const InitTaskArgs& a) {
  if (!has(Op::init_task)) return 0;
  kabi::ScxInitTaskArgs args{};
  args.fork = a.fork;
  args.cgroup = cgroup_ptr(a.cgroup);
  const u64 ptr = tp(*this, p);
  return static_cast<s32>(run(Op::init_task, ctx, &p, {ptr, reinterpret_cast<u64>(&args)}, std::as_bytes(std::span(&args, 1))));
}
void BpfPolicy::exit_task(ScxContext& ctx, Task& p, const ExitTaskArgs& a) {
  if (has(Op::exit_task)) {
    kabi::ScxExitTaskArgs args{};
    args.cancelled = a.cancelled;
    const u64 ptr = tp(*this, p);
    run(Op::exit_task, ctx, &p, {ptr, reinterpret_cast<u64>(&args)}, std::as_bytes(std::span(&args, 1)));
  }
  // The task leaves the class: its mirror goes, so a stale pointer is refused.
  mirrors_.forget(p);
  // An exiting task's storage goes with it (Linux's bpf_task_storage_free).
  if (a.exiting) bpf::forget_owner(maps_, bpf::MapType::task_storage, static_cast<u64>(p.id));
}
void BpfPolicy::enable(ScxContext& ctx, Task& p) {
  if (has(Op::enable)) run(Op::enable, ctx, &p, {tp(*this, p)});
}
void BpfPolicy::disable(ScxContext& ctx, Task& p) {
  if (has(Op::disable)) run(Op::disable, ctx, &p, {tp(*this, p)});
}

s32 BpfPolicy::cgroup_init(ScxContext& ctx, const Cgroup& cg, const CgroupInitArgs& a) {
  if (!has(Op::cgroup_init)) return 0;
  kabi::ScxCgroupInitArgs args{};
  args.weight = a.weight;
  args.bw_quota_us = ~u64{0};  // no cpu.max limit (Linux's RUNTIME_INF in us)
  args.bw_period_us = 100000;  // cpu.max's default period
  const u64 ptr = cgroup_ptr(&cg);
  return static_cast<s32>(
      run(Op::cgroup_init, ctx, nullptr, {ptr, reinterpret_cast<u64>(&args)}, std::as_bytes(std::span(&args, 1))));
}
void BpfPolicy::cgroup_exit(ScxContext& ctx, const Cgroup& cg) {
  if (has(Op::cgroup_exit)) run(Op::cgroup_exit, ctx, nullptr, {cgroup_ptr(&cg)});
  // The cgroup leaves the policy: its storage goes with it.
  bpf::forget_owner(maps_, bpf::MapType::cgrp_storage, cg.id);
}
s32 BpfPolicy::cgroup_prep_move(ScxContext& ctx, Task& p, const Cgroup& from, const Cgroup& to) {
  if (!has(Op::cgroup_prep_move)) return 0;
  const u64 ptr = tp(*this, p);
  return static_cast<s32>(run(Op::cgroup_prep_move, ctx, &p, {ptr, cgroup_ptr(&from), cgroup_ptr(&to)}));
}
void BpfPolicy::cgroup_move(ScxContext& ctx, Task& p, const Cgroup& from, const Cgroup& to) {
  if (has(Op::cgroup_move)) run(Op::cgroup_move, ctx, &p, {tp(*this, p), cgroup_ptr(&from), cgroup_ptr(&to)});
}
void BpfPolicy::cgroup_cancel_move(ScxContext& ctx, Task& p, const Cgroup& from, const Cgroup& to) {
  if (has(Op::cgroup_cancel_move))
    run(Op::cgroup_cancel_move, ctx, &p, {tp(*this, p), cgroup_ptr(&from), cgroup_ptr(&to)});
}
void BpfPolicy::cgroup_set_weight(ScxContext& ctx, const Cgroup& cg, u32 weight) {
  if (has(Op::cgroup_set_weight)) run(Op::cgroup_set_weight, ctx, nullptr, {cgroup_ptr(&cg), weight});
}

void BpfPolicy::timer_fired(ScxContext& ctx, u64 timer_id) {
  ScxContext* saved = ctx_;
  const std::span<const u8> saved_stack = stack_;
  const Task* saved_task = callback_task_;
  ctx_ = &ctx;
  callback_task_ = nullptr;
  // The callback runs on the stack of the interpreter that set it.
  const bpf::SubprogInvoker* invoker = env_.timers().invoker_of(timer_id);
  stack_ = invoker ? invoker->stack() : std::span<const u8>{};
  env_.fire_timer(timer_id);
  // A callback's code lives in the program that set it: its source line
  // names where the callback stopped (TimerTable turns a trap into a fault
  // with its instruction).
  finish(ctx, "timer callback", program_run_by(invoker), env_.last_fault_pc(), std::nullopt, false);
  ctx_ = saved;
  stack_ = saved_stack;
  callback_task_ = saved_task;
}

}  // namespace ups::policy
