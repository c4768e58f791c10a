// The sched_ext API tables (see scx_api.h). Each kfunc row follows its
// declaration in sdk/include/scx/common.bpf.h, bpf/bpf_helpers.h or
// upsched/*.h; tests/unit/policy_abi/sdk_headers_test.cpp keeps them equal.
#include "policy/kernel_abi/scx_api.h"

#include <fmt/format.h>

#include <limits>

#include "base/types.h"

namespace ups::kabi {
namespace {

constexpr s64 kMaxCpuId = kMaxCpus - 1;
constexpr s64 kMaxErrno = 4095;
constexpr s64 kS32Max = std::numeric_limits<s32>::max();

using A = KArg;
using R = KRet;

// Callback sets from the v7.2-rc2 table (sched_ext-abi.md §1, §7).
constexpr KfSets kSelectEnqueue = kf_set_select_cpu | kf_set_enqueue_dispatch;
constexpr KfSets kDispatch = kf_set_enqueue_dispatch | kf_set_dispatch;
constexpr KfSets kUnlocked = kf_set_unlocked;

std::vector<KfuncInfo> make_kfuncs() {
  const auto cap_kick = std::optional<Capability>(Capability::kick);
  const auto cap_events = std::optional<Capability>(Capability::events);
  const auto cap_locks = std::optional<Capability>(Capability::locks);
  const auto none = std::optional<Capability>();
  const std::pair<s64, s64> cpu_or_errno{-kMaxErrno, kMaxCpuId};
  const std::pair<s64, s64> cpu_id{0, kMaxCpuId};
  const std::pair<s64, s64> zero_or_errno{-kMaxErrno, 0};
  const std::pair<s64, s64> count{-kMaxErrno, kS32Max};

  std::vector<KfuncInfo> v;
  // One row; impl defaults to the name.
  auto add = [&](std::string_view name, std::string_view impl,
                 std::vector<std::string_view> aliases, KRet ret,
                 std::optional<std::pair<s64, s64>> ret_range, std::vector<KArg> args, u32 flags,
                 KfSets sets, std::optional<Capability> cap, std::optional<Capability> widened_by,
                 std::string_view since) {
    KfuncInfo k;
    k.name = name;
    k.impl = impl.empty() ? name : impl;
    k.aliases = std::move(aliases);
    k.ret = ret;
    k.ret_range = ret_range;
    k.args = std::move(args);
    k.flags = flags;
    k.sets = sets;
    k.cap = cap;
    k.widened_by = widened_by;
    k.since = since;
    v.push_back(std::move(k));
  };
  // --- inserting (select_cpu, enqueue, dispatch) ---
  add("scx_bpf_dsq_insert", {}, {"scx_bpf_dispatch"}, R::void_, {},
      {A::task, A::scalar, A::scalar, A::scalar}, kf_rcu, kf_set_enqueue_dispatch, none, none,
      "v6.13");
  add("scx_bpf_dsq_insert___v2", "scx_bpf_dsq_insert", {}, R::boolean, {},
      {A::task, A::scalar, A::scalar, A::scalar}, kf_rcu, kf_set_enqueue_dispatch, none, none,
      "v6.19");
  add("scx_bpf_dsq_insert_vtime", {}, {"scx_bpf_dispatch_vtime"}, R::void_, {},
      {A::task, A::scalar, A::scalar, A::scalar, A::scalar}, kf_rcu, kf_set_enqueue_dispatch, none,
      none, "v6.13");
  // --- dispatch only ---
  add("scx_bpf_dispatch_nr_slots", {}, {}, R::scalar, std::pair<s64, s64>{0, 1 << 20}, {}, 0,
      kf_set_dispatch, none, none, "v6.12");
  add("scx_bpf_dispatch_cancel", {}, {}, R::void_, {}, {}, 0, kf_set_dispatch, none, none, "v6.12");
  add("scx_bpf_dsq_move_to_local", {}, {"scx_bpf_consume"}, R::boolean, {}, {A::scalar}, 0,
      kf_set_dispatch, none, none, "v6.13");
  add("scx_bpf_dsq_move_to_local___v2", {}, {}, R::boolean, {}, {A::scalar, A::scalar}, 0,
      kf_set_dispatch, none, none, "v7.1");
  // --- moves from an iterated DSQ (dispatch; timers and other unlocked) ---
  add("scx_bpf_dsq_move_set_slice", {}, {"scx_bpf_dispatch_from_dsq_set_slice"}, R::void_, {},
      {A::dsq_iter, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none, none, "v6.13");
  add("scx_bpf_dsq_move_set_vtime", {}, {"scx_bpf_dispatch_from_dsq_set_vtime"}, R::void_, {},
      {A::dsq_iter, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none, none, "v6.13");
  add("scx_bpf_dsq_move", {}, {"scx_bpf_dispatch_from_dsq"}, R::boolean, {},
      {A::dsq_iter, A::task, A::scalar, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none,
      none, "v6.13");
  add("scx_bpf_dsq_move_vtime", {}, {"scx_bpf_dispatch_vtime_from_dsq"}, R::boolean, {},
      {A::dsq_iter, A::task, A::scalar, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none,
      none, "v6.13");
  // --- sleepable ---
  add("scx_bpf_create_dsq", {}, {}, R::scalar, zero_or_errno, {A::scalar, A::scalar}, kf_sleepable,
      kf_set_unlocked, none, none, "v6.12");
  // --- CPU selection ---
  add("scx_bpf_select_cpu_dfl", {}, {}, R::scalar, cpu_id,
      {A::task, A::scalar, A::scalar, A::out_bool}, kf_rcu, kf_set_select_cpu | kf_set_unlocked,
      none, none, "v6.12");
  // --- built-in idle tracking ---
  add("scx_bpf_cpu_node", {}, {}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::scalar}, 0,
      kf_set_idle, none, none, "v6.15");
  add("scx_bpf_get_idle_cpumask", {}, {}, R::cpumask, {}, {}, kf_acquire, kf_set_idle, none, none,
      "v6.12");
  add("scx_bpf_get_idle_smtmask", {}, {}, R::cpumask, {}, {}, kf_acquire, kf_set_idle, none, none,
      "v6.12");
  add("scx_bpf_put_idle_cpumask", {}, {}, R::void_, {}, {A::cpumask}, kf_release, kf_set_idle, none,
      none, "v6.12");
  add("scx_bpf_test_and_clear_cpu_idle", {}, {}, R::boolean, {}, {A::scalar}, 0, kf_set_idle, none,
      none, "v6.12");
  add("scx_bpf_pick_idle_cpu", {}, {}, R::scalar, cpu_or_errno, {A::cpumask, A::scalar}, kf_rcu,
      kf_set_idle, none, none, "v6.12");
  add("scx_bpf_pick_any_cpu", {}, {}, R::scalar, cpu_or_errno, {A::cpumask, A::scalar}, kf_rcu,
      kf_set_idle, none, none, "v6.12");
  // --- any callback ---
  add("scx_bpf_task_set_slice", {}, {}, R::boolean, {}, {A::task, A::scalar}, kf_rcu, kf_set_any,
      none, none, "v6.19");
  add("scx_bpf_task_set_dsq_vtime", {}, {}, R::boolean, {}, {A::task, A::scalar}, kf_rcu,
      kf_set_any, none, none, "v6.19");
  add("scx_bpf_kick_cpu", {}, {}, R::void_, {}, {A::scalar, A::scalar}, 0, kf_set_any, cap_kick,
      none, "v6.12");
  add("scx_bpf_dsq_nr_queued", {}, {}, R::scalar, count, {A::scalar}, 0, kf_set_any, none, none,
      "v6.12");
  add("scx_bpf_destroy_dsq", {}, {}, R::void_, {}, {A::scalar}, 0, kf_set_any, none, none, "v6.12");
  add("scx_bpf_dsq_peek", {}, {}, R::task, {}, {A::scalar}, kf_ret_null | kf_rcu, kf_set_any, none,
      none, "v6.19");
  add("bpf_iter_scx_dsq_new", {}, {}, R::scalar, zero_or_errno, {A::dsq_iter, A::scalar, A::scalar},
      kf_iter_new | kf_rcu, kf_set_any, none, none, "v6.12");
  add("bpf_iter_scx_dsq_next", {}, {}, R::task, {}, {A::dsq_iter},
      kf_iter_next | kf_ret_null | kf_rcu, kf_set_any, none, none, "v6.12");
  add("bpf_iter_scx_dsq_destroy", {}, {}, R::void_, {}, {A::dsq_iter}, kf_iter_destroy, kf_set_any,
      none, none, "v6.12");
  add("scx_bpf_exit_bstr", {}, {}, R::void_, {}, {A::scalar, A::fmt_str, A::mem, A::mem_size}, 0,
      kf_set_any, none, none, "v6.12");
  add("scx_bpf_error_bstr", {}, {}, R::void_, {}, {A::fmt_str, A::mem, A::mem_size}, 0, kf_set_any,
      none, none, "v6.12");
  add("scx_bpf_nr_node_ids", {}, {}, R::scalar, std::pair<s64, s64>{1, kMaxCpus}, {}, 0, kf_set_any,
      none, none, "v6.15");
  add("scx_bpf_nr_cpu_ids", {}, {}, R::scalar, std::pair<s64, s64>{1, kMaxCpus}, {}, 0, kf_set_any,
      none, none, "v6.12");
  add("scx_bpf_get_possible_cpumask", {}, {}, R::cpumask, {}, {}, kf_acquire, kf_set_any, none,
      none, "v6.12");
  add("scx_bpf_get_online_cpumask", {}, {}, R::cpumask, {}, {}, kf_acquire, kf_set_any, none, none,
      "v6.12");
  add("scx_bpf_put_cpumask", {}, {}, R::void_, {}, {A::cpumask}, kf_release, kf_set_any, none, none,
      "v6.12");
  add("scx_bpf_task_running", {}, {}, R::boolean, {}, {A::task}, kf_rcu, kf_set_any, none, none,
      "v6.12");
  add("scx_bpf_task_cpu", {}, {}, R::scalar, cpu_id, {A::task}, kf_rcu, kf_set_any, none, none,
      "v6.12");
  add("scx_bpf_now", {}, {}, R::scalar, {}, {}, 0, kf_set_any, none, none, "v6.14");
  // --- generic BPF kfuncs ---
  add("bpf_task_from_pid", {}, {}, R::task, {}, {A::scalar}, kf_acquire | kf_ret_null, kf_set_any,
      none, Capability::inspect, "v6.2");
  add("bpf_task_release", {}, {}, R::void_, {}, {A::task}, kf_release, kf_set_any, none, none,
      "v6.2");
  add("bpf_cpumask_create", {}, {}, R::bpf_cpumask, {}, {}, kf_acquire | kf_ret_null, kf_set_any,
      none, none, "v6.3");
  add("bpf_cpumask_acquire", {}, {}, R::bpf_cpumask, {}, {A::bpf_cpumask}, kf_acquire, kf_set_any,
      none, none, "v6.3");
  add("bpf_cpumask_release", {}, {}, R::void_, {}, {A::bpf_cpumask}, kf_release, kf_set_any, none,
      none, "v6.3");
  add("bpf_cpumask_set_cpu", {}, {}, R::void_, {}, {A::scalar, A::bpf_cpumask}, 0, kf_set_any, none,
      none, "v6.3");
  add("bpf_cpumask_clear_cpu", {}, {}, R::void_, {}, {A::scalar, A::bpf_cpumask}, 0, kf_set_any,
      none, none, "v6.3");
  add("bpf_cpumask_test_cpu", {}, {}, R::boolean, {}, {A::scalar, A::cpumask}, kf_rcu, kf_set_any,
      none, none, "v6.3");
  add("bpf_cpumask_clear", {}, {}, R::void_, {}, {A::bpf_cpumask}, 0, kf_set_any, none, none,
      "v6.3");
  add("bpf_cpumask_setall", {}, {}, R::void_, {}, {A::bpf_cpumask}, 0, kf_set_any, none, none,
      "v6.3");
  add("bpf_cpumask_first", {}, {}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::cpumask},
      kf_rcu, kf_set_any, none, none, "v6.3");
  add("bpf_cpumask_first_zero", {}, {}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::cpumask},
      kf_rcu, kf_set_any, none, none, "v6.3");
  add("bpf_cpumask_empty", {}, {}, R::boolean, {}, {A::cpumask}, kf_rcu, kf_set_any, none, none,
      "v6.3");
  add("bpf_cpumask_weight", {}, {}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::cpumask},
      kf_rcu, kf_set_any, none, none, "v6.3");
  add("bpf_cpumask_and", {}, {}, R::boolean, {}, {A::bpf_cpumask, A::cpumask, A::cpumask}, kf_rcu,
      kf_set_any, none, none, "v6.3");
  add("bpf_cpumask_or", {}, {}, R::void_, {}, {A::bpf_cpumask, A::cpumask, A::cpumask}, kf_rcu,
      kf_set_any, none, none, "v6.3");
  add("bpf_cpumask_copy", {}, {}, R::void_, {}, {A::bpf_cpumask, A::cpumask}, kf_rcu, kf_set_any,
      none, none, "v6.3");
  add("bpf_cpumask_subset", {}, {}, R::boolean, {}, {A::cpumask, A::cpumask}, kf_rcu, kf_set_any,
      none, none, "v6.3");
  add("bpf_cpumask_intersects", {}, {}, R::boolean, {}, {A::cpumask, A::cpumask}, kf_rcu,
      kf_set_any, none, none, "v6.3");
  add("bpf_cpumask_any_distribute", {}, {}, R::scalar, std::pair<s64, s64>{0, kMaxCpus},
      {A::cpumask}, kf_rcu, kf_set_any, none, none, "v6.3");
  add("bpf_iter_num_new", {}, {}, R::scalar, zero_or_errno, {A::num_iter, A::scalar, A::scalar},
      kf_iter_new, kf_set_any, none, none, "v6.4");
  add("bpf_iter_num_next", {}, {}, R::int_ptr, {}, {A::num_iter}, kf_iter_next | kf_ret_null,
      kf_set_any, none, none, "v6.4");
  add("bpf_iter_num_destroy", {}, {}, R::void_, {}, {A::num_iter}, kf_iter_destroy, kf_set_any,
      none, none, "v6.4");
  // --- upsched extensions (sdk/include/upsched/*.h) ---
  add("upsched_task_wait_event", {}, {}, R::scalar, {}, {A::task}, kf_rcu, kf_set_any, cap_events,
      none, "upsched");
  add("upsched_task_is_spinning", {}, {}, R::boolean, {}, {A::task}, kf_rcu, kf_set_any, cap_events,
      none, "upsched");
  add("upsched_event_fired", {}, {}, R::boolean, {}, {A::scalar}, 0, kf_set_any, cap_events, none,
      "upsched");
  add("upsched_task_lock_wait", {}, {}, R::scalar, {}, {A::task}, kf_rcu, kf_set_any, cap_locks,
      none, "upsched");
  add("upsched_task_lock_holder", {}, {}, R::scalar, std::pair<s64, s64>{0, kS32Max}, {A::task},
      kf_rcu, kf_set_any, cap_locks, none, "upsched");
  add("upsched_task_lock_waiters", {}, {}, R::scalar, std::pair<s64, s64>{0, kS32Max}, {A::task},
      kf_rcu, kf_set_any, cap_locks, none, "upsched");

  // SCX_ENQ_PREEMPT (1 << 32) in enq_flags kicks the target CPU.
  constexpr u64 kEnqPreempt = u64{1} << 32;
  for (auto& k : v) {
    for (std::string_view n : {"scx_bpf_dsq_insert", "scx_bpf_dsq_insert___v2", "scx_bpf_dsq_move",
                               "scx_bpf_dsq_move_vtime"})
      if (k.name == n) k.flag_cap = KfuncInfo::FlagCap{3, kEnqPreempt, Capability::kick};
    if (k.name == "scx_bpf_dsq_insert_vtime")
      k.flag_cap = KfuncInfo::FlagCap{4, kEnqPreempt, Capability::kick};
    if (k.name == "scx_bpf_dsq_move_to_local___v2")
      k.flag_cap = KfuncInfo::FlagCap{1, kEnqPreempt, Capability::kick};
  }
  return v;
}

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
       false,
       kUnlocked,
       {cgroup("cgrp"), args("args", "scx_cgroup_init_args")},
       errno_or_zero},
      {"cgroup_exit", 24, true, false, kUnlocked, {cgroup("cgrp")}, {}},
      {"cgroup_prep_move",
       25,
       true,
       false,
       kUnlocked,
       {task("p"), cgroup("from"), cgroup("to")},
       errno_or_zero},
      {"cgroup_move", 26, false, false, 0, {task("p"), cgroup("from"), cgroup("to")}, {}},
      {"cgroup_cancel_move",
       27,
       false,
       false,
       kUnlocked,
       {task("p"), cgroup("from"), cgroup("to")},
       {}},
      {"cgroup_set_weight", 28, false, false, kUnlocked, {cgroup("cgrp"), weight("weight")}, {}},
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
      {181, "bpf_loop", {}},
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

const std::vector<KfuncInfo>& kfuncs() {
  static const std::vector<KfuncInfo> table = make_kfuncs();
  return table;
}

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

const KfuncInfo* find_kfunc(std::string_view symbol) {
  auto lookup = [](std::string_view s) -> const KfuncInfo* {
    for (const auto& k : kfuncs()) {
      if (k.name == s) return &k;
      for (auto a : k.aliases)
        if (a == s) return &k;
    }
    return nullptr;
  };
  if (const auto* k = lookup(symbol)) return k;
  auto base = strip_flavour(symbol);
  return base == symbol ? nullptr : lookup(base);
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
                                         const security::CapabilitySet& caps, bool builtin_idle) {
  const std::string where = cb ? fmt::format("{}()", cb->name) : std::string("a timer callback");
  if (k.cap && !caps.has(*k.cap))
    return fmt::format("{} needs capability {}", k.name, security::capability_name(*k.cap));
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
