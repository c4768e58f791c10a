// The sched_ext API tables (see scx_api.h): callbacks, task fields, helpers,
// and the rules over a kfunc row. The kfunc rows are in policy/kfuncs.cpp.
#include "policy/kernel_abi/scx_api.h"

#include <fmt/format.h>

#include <limits>

#include "base/types.h"

namespace ups::kabi {
namespace {

constexpr s64 kMaxCpuId = kMaxCpus - 1;
constexpr s64 kMaxErrno = 4095;

// Callback sets from the v7.2-rc2 table (sched_ext-abi.md §1, §7).
constexpr KfSets kSelectEnqueue = kf_set_select_cpu | kf_set_enqueue_dispatch;
constexpr KfSets kDispatch = kf_set_enqueue_dispatch | kf_set_dispatch;
constexpr KfSets kUnlocked = kf_set_unlocked;

CallbackArg scalar(std::string_view name, s64 lo, s64 hi) {
  return {name, CbArg::scalar, {}, lo, hi};
}
CallbackArg u64_arg(std::string_view name) {
  // A u64 slot: the full range (the verifier treats it as unknown bits).
  return {
      name, CbArg::scalar, {}, std::numeric_limits<s64>::min(), std::numeric_limits<s64>::max()};
}
CallbackArg task(std::string_view name) { return {name, CbArg::task, {}, 0, 0}; }
CallbackArg task_or_null(std::string_view name) { return {name, CbArg::task_nullable, {}, 0, 0}; }
CallbackArg args(std::string_view name, std::string_view st) {
  return {name, CbArg::args_struct, st, 0, 0};
}
CallbackArg cgroup(std::string_view name) { return {name, CbArg::cgroup, {}, 0, 0}; }

std::vector<CallbackInfo> make_callbacks() {
  const auto cpu = [](std::string_view n) { return scalar(n, 0, kMaxCpuId); };
  const auto flag = [](std::string_view n) { return scalar(n, 0, 1); };
  const auto weight = [](std::string_view n) { return scalar(n, 1, 10000); };
  const std::pair<s64, s64> errno_or_zero{-kMaxErrno, 0};
  const std::pair<s64, s64> boolean{0, 1};
  const std::pair<s64, s64> cpu_id{0, kMaxCpuId};
  // name, index, sleepable, hosted, sets, args, ret
  return {
      {"select_cpu",
       0,
       false,
       true,
       kSelectEnqueue,
       {task("p"), cpu("prev_cpu"), u64_arg("wake_flags")},
       cpu_id},
      {"enqueue", 1, false, true, kSelectEnqueue, {task("p"), u64_arg("enq_flags")}, {}},
      {"dequeue", 2, false, true, 0, {task("p"), u64_arg("deq_flags")}, {}},
      {"dispatch", 3, false, true, kDispatch, {cpu("cpu"), task_or_null("prev")}, {}},
      {"tick", 4, false, true, 0, {task("p")}, {}},
      {"runnable", 5, false, true, 0, {task("p"), u64_arg("enq_flags")}, {}},
      {"running", 6, false, true, 0, {task("p")}, {}},
      {"stopping", 7, false, true, 0, {task("p"), flag("runnable")}, {}},
      {"quiescent", 8, false, true, 0, {task("p"), u64_arg("deq_flags")}, {}},
      {"yield", 9, false, true, 0, {task("from"), task_or_null("to")}, boolean},
      {"core_sched_before", 10, false, false, 0, {task("a"), task("b")}, boolean},
      {"set_weight", 11, false, true, 0, {task("p"), weight("weight")}, {}},
      {"set_cpumask", 12, false, true, 0, {task("p"), {"cpumask", CbArg::cpumask, {}, 0, 0}}, {}},
      {"update_idle", 13, false, true, 0, {cpu("cpu"), flag("idle")}, {}},
      {"cpu_acquire", 14, false, false, 0, {cpu("cpu"), args("args", "scx_cpu_acquire_args")}, {}},
      {"cpu_release",
       15,
       false,
       false,
       kf_set_cpu_release,
       {cpu("cpu"), args("args", "scx_cpu_release_args")},
       {}},
      {"init_task",
       16,
       true,
       true,
       kUnlocked,
       {task("p"), args("args", "scx_init_task_args")},
       errno_or_zero},
      {"exit_task", 17, false, true, 0, {task("p"), args("args", "scx_exit_task_args")}, {}},
      {"enable", 18, false, true, 0, {task("p")}, {}},
      {"disable", 19, false, true, 0, {task("p")}, {}},
      {"dump", 20, false, false, kUnlocked, {args("ctx", "scx_dump_ctx")}, {}},
      {"dump_cpu",
       21,
       false,
       false,
       0,
       {args("ctx", "scx_dump_ctx"), cpu("cpu"), flag("idle")},
       {}},
      {"dump_task", 22, false, false, 0, {args("ctx", "scx_dump_ctx"), task("p")}, {}},
      {"cgroup_init",
       23,
       true,
       true,
       kUnlocked,
       {cgroup("cgrp"), args("args", "scx_cgroup_init_args")},
       errno_or_zero},
      {"cgroup_exit", 24, true, true, kUnlocked, {cgroup("cgrp")}, {}},
      {"cgroup_prep_move",
       25,
       true,
       true,
       kUnlocked,
       {task("p"), cgroup("from"), cgroup("to")},
       errno_or_zero},
      {"cgroup_move", 26, false, true, 0, {task("p"), cgroup("from"), cgroup("to")}, {}},
      {"cgroup_cancel_move",
       27,
       false,
       true,
       kUnlocked,
       {task("p"), cgroup("from"), cgroup("to")},
       {}},
      {"cgroup_set_weight", 28, false, true, kUnlocked, {cgroup("cgrp"), weight("weight")}, {}},
      {"cgroup_set_bandwidth",
       29,
       false,
       false,
       kUnlocked,
       {cgroup("cgrp"), u64_arg("period_us"), u64_arg("quota_us"), u64_arg("burst_us")},
       {}},
      {"cgroup_set_idle", 30, false, false, kUnlocked, {cgroup("cgrp"), flag("idle")}, {}},
      {"sub_attach",
       31,
       true,
       false,
       kUnlocked,
       {args("args", "scx_sub_attach_args")},
       errno_or_zero},
      {"sub_detach", 32, true, false, kUnlocked, {args("args", "scx_sub_detach_args")}, {}},
      {"cpu_online", 33, true, false, kUnlocked, {cpu("cpu")}, {}},
      {"cpu_offline", 34, true, false, kUnlocked, {cpu("cpu")}, {}},
      {"init", 35, true, true, kUnlocked | kf_set_init, {}, errno_or_zero},
      {"exit", 36, true, true, kUnlocked, {args("info", "scx_exit_info")}, {}},
  };
}

std::vector<TaskFieldAccess> make_task_fields() {
  const auto inspect = std::optional<Capability>(Capability::inspect);
  const auto none = std::optional<Capability>();
  const auto ro = [&](std::string_view p) { return TaskFieldAccess{p, true, false, none}; };
  const auto rw = [&](std::string_view p) { return TaskFieldAccess{p, true, true, none}; };
  return {
      ro("__state"),
      ro("flags"),
      ro("on_cpu"),
      ro("prio"),
      ro("static_prio"),
      ro("normal_prio"),
      ro("rt_priority"),
      ro("policy"),
      ro("nr_cpus_allowed"),
      ro("migration_disabled"),
      ro("cpus_ptr"),
      ro("cpus_mask"),
      ro("pid"),
      ro("tgid"),
      // The command name says what a user runs: private to its owner.
      TaskFieldAccess{"comm", true, false, inspect},
      ro("se.exec_start"),
      ro("se.sum_exec_runtime"),
      ro("se.vruntime"),
      ro("se.prev_sum_exec_runtime"),
      ro("scx.dsq"),
      ro("scx.flags"),
      ro("scx.weight"),
      ro("scx.sticky_cpu"),
      ro("scx.holding_cpu"),
      ro("scx.runnable_at"),
      ro("scx.core_sched_at"),
      ro("scx.ddsp_dsq_id"),
      ro("scx.ddsp_enq_flags"),
      // The only writable fields, as in Linux (bpf_scx_btf_struct_access).
      rw("scx.slice"),
      rw("scx.dsq_vtime"),
      rw("scx.disallow"),
  };
}

std::vector<HelperInfo> make_helpers() {
  const auto timer = std::optional<Capability>(Capability::timer);
  return {
      {1, "bpf_map_lookup_elem", {}},
      {2, "bpf_map_update_elem", {}},
      {3, "bpf_map_delete_elem", {}},
      {5, "bpf_ktime_get_ns", {}},
      {6, "bpf_trace_printk", {}},
      {7, "bpf_get_prandom_u32", {}},
      {8, "bpf_get_smp_processor_id", {}},
      {87, "bpf_map_push_elem", {}},
      {88, "bpf_map_pop_elem", {}},
      {89, "bpf_map_peek_elem", {}},
      {93, "bpf_spin_lock", {}},
      {94, "bpf_spin_unlock", {}},
      {113, "bpf_probe_read_kernel", {}},
      {115, "bpf_probe_read_kernel_str", {}},
      {156, "bpf_task_storage_get", {}},
      {157, "bpf_task_storage_delete", {}},
      {165, "bpf_snprintf", {}},
      {169, "bpf_timer_init", timer},
      {170, "bpf_timer_set_callback", timer},
      {171, "bpf_timer_start", timer},
      {172, "bpf_timer_cancel", timer},
      {177, "bpf_trace_vprintk", {}},
      {181, "bpf_loop", {}},
      {182, "bpf_strncmp", {}},
      {194, "bpf_kptr_xchg", {}},
      {210, "bpf_cgrp_storage_get", {}},
      {211, "bpf_cgrp_storage_delete", {}},
  };
}

const char* set_context(KfSets sets) {
  // The callbacks each set opens, for messages.
  if (sets & kf_set_enqueue_dispatch) return "select_cpu, enqueue or dispatch";
  if (sets & kf_set_dispatch) return "dispatch";
  if (sets & kf_set_select_cpu) return "select_cpu or enqueue";
  if (sets & kf_set_cpu_release) return "cpu_release";
  if (sets & kf_set_init) return "init";
  if (sets & kf_set_unlocked) return "a sleepable callback";
  return "any callback";
}

}  // namespace

const std::vector<CallbackInfo>& callbacks() {
  static const std::vector<CallbackInfo> table = make_callbacks();
  return table;
}

const std::vector<TaskFieldAccess>& task_fields() {
  static const std::vector<TaskFieldAccess> table = make_task_fields();
  return table;
}

const std::vector<HelperInfo>& helpers() {
  static const std::vector<HelperInfo> table = make_helpers();
  return table;
}

std::string_view strip_flavour(std::string_view name) {
  auto pos = name.rfind("___");
  if (pos == std::string_view::npos || pos == 0) return name;
  return name.substr(0, pos);
}

const CallbackInfo* find_callback(std::string_view name) {
  for (const auto& c : callbacks())
    if (c.name == name) return &c;
  return nullptr;
}

const CallbackInfo* callback_at(u32 index) {
  const auto& cbs = callbacks();
  return index < cbs.size() ? &cbs[index] : nullptr;
}

const TaskFieldAccess* find_task_field(std::string_view path) {
  for (const auto& f : task_fields())
    if (f.path == path) return &f;
  return nullptr;
}

const HelperInfo* find_helper(u32 id) {
  for (const auto& h : helpers())
    if (h.id == id) return &h;
  return nullptr;
}

KfSets callback_sets(const CallbackInfo& cb, bool builtin_idle) {
  KfSets s = cb.sets | kf_set_any;
  if (builtin_idle) s |= kf_set_idle;
  return s;
}

std::optional<std::string> kfunc_refusal(const KfuncInfo& k, const CallbackInfo* cb, bool sleepable,
                                         const security::CapabilitySet& caps, bool builtin_idle,
                                         const VirtPlace& place) {
  const std::string where = cb ? fmt::format("{}()", cb->name) : std::string("a timer callback");
  if (k.cap && !caps.has(*k.cap))
    return fmt::format("{} needs capability {}", k.name, security::capability_name(*k.cap));
  if (!place.allows(k.side))
    return fmt::format("{} is a {}-side kfunc; this policy is loaded {}", k.name, virt_side_name(k.side),
                       place.describe());
  KfSets allowed = cb ? callback_sets(*cb, builtin_idle) : kTimerSets;
  if (!builtin_idle) allowed &= ~kf_set_idle;
  if ((k.sets & allowed) == 0) {
    if (k.sets == kf_set_idle)
      return fmt::format(
          "{} needs built-in idle tracking, which update_idle() without "
          "SCX_OPS_KEEP_BUILTIN_IDLE turns off",
          k.name);
    return fmt::format("{} may only be called from {}, not from {}", k.name, set_context(k.sets),
                       where);
  }
  if ((k.flags & kf_sleepable) && !sleepable)
    return fmt::format(
        "{} may sleep and is only allowed in a sleepable program "
        "(BPF_STRUCT_OPS_SLEEPABLE), not in {}",
        k.name, where);
  return std::nullopt;
}

std::vector<std::string_view> allowed_callbacks(const KfuncInfo& k) {
  std::vector<std::string_view> out;
  for (const auto& cb : callbacks()) {
    if ((k.sets & callback_sets(cb)) == 0) continue;
    if ((k.flags & kf_sleepable) && !cb.sleepable_ok) continue;
    out.push_back(cb.name);
  }
  return out;
}

}  // namespace ups::kabi
