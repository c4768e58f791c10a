// host_types(): the structs and enums of sdk/include/vmlinux.h, described
// from the C++ mirrors in kernel_types.h (offsets and sizes come from the
// compiler, so the description cannot drift from the mirror; the test
// compares both with clang's view of vmlinux.h).
#include "policy/kernel_abi/kernel_types.h"

#include <type_traits>

#include "policy/kernel_abi/scx_api.h"

namespace ups::kabi {
namespace {

template <class T>
constexpr u32 array_len() {
  return std::is_array_v<T> ? static_cast<u32>(std::extent_v<T>) : 0;
}
template <class T>
constexpr bool is_signed_scalar() {
  return std::is_signed_v<std::remove_all_extents_t<T>> &&
         !std::is_same_v<std::remove_all_extents_t<T>, char>;
}

// One field of struct Mirror, named as in vmlinux.h; `nested` is the struct
// type of a struct-valued member.
#define UPS_FIELD(Mirror, member, btf_name, nested)                                             \
  bpf::HostField {                                                                              \
    btf_name, static_cast<u32>(offsetof(Mirror, member)),                                       \
        static_cast<u32>(sizeof(Mirror::member)), is_signed_scalar<decltype(Mirror::member)>(), \
        nested, array_len<decltype(Mirror::member)>()                                           \
  }
#define UPS_F(Mirror, member) UPS_FIELD(Mirror, member, #member, "")

bpf::HostStruct sched_ext_ops_struct() {
  bpf::HostStruct s{"sched_ext_ops", sizeof(SchedExtOps), {}};
  for (const auto& cb : callbacks())
    s.fields.push_back({std::string(cb.name), cb.index * 8, 8, false, "", 0});
  s.fields.push_back(UPS_F(SchedExtOps, dispatch_max_batch));
  s.fields.push_back(UPS_F(SchedExtOps, flags));
  s.fields.push_back(UPS_F(SchedExtOps, timeout_ms));
  s.fields.push_back(UPS_F(SchedExtOps, exit_dump_len));
  s.fields.push_back(UPS_F(SchedExtOps, hotplug_seq));
  s.fields.push_back(UPS_F(SchedExtOps, sub_cgroup_id));
  s.fields.push_back(UPS_F(SchedExtOps, name));
  s.fields.push_back(UPS_F(SchedExtOps, priv));
  return s;
}

void add_structs(bpf::HostTypes& t) {
  t.add_struct({"cpumask", sizeof(Cpumask), {UPS_F(Cpumask, bits)}});
  t.add_struct({"bpf_cpumask",
                sizeof(BpfCpumask),
                {UPS_FIELD(BpfCpumask, cpumask, "cpumask", "cpumask"),
                 UPS_FIELD(BpfCpumask, usage, "usage", "refcount_struct")}});
  t.add_struct({"sched_entity",
                sizeof(SchedEntity),
                {UPS_F(SchedEntity, exec_start), UPS_F(SchedEntity, sum_exec_runtime),
                 UPS_F(SchedEntity, vruntime), UPS_F(SchedEntity, prev_sum_exec_runtime)}});
  t.add_struct({"sched_ext_entity",
                sizeof(SchedExtEntity),
                {UPS_F(SchedExtEntity, dsq), UPS_F(SchedExtEntity, flags),
                 UPS_F(SchedExtEntity, weight), UPS_F(SchedExtEntity, sticky_cpu),
                 UPS_F(SchedExtEntity, holding_cpu), UPS_F(SchedExtEntity, runnable_at),
                 UPS_F(SchedExtEntity, core_sched_at), UPS_F(SchedExtEntity, ddsp_dsq_id),
                 UPS_F(SchedExtEntity, ddsp_enq_flags), UPS_F(SchedExtEntity, slice),
                 UPS_F(SchedExtEntity, dsq_vtime), UPS_F(SchedExtEntity, disallow)}});
  t.add_struct(
      {"task_struct",
       sizeof(TaskStruct),
       {UPS_FIELD(TaskStruct, state, "__state", ""), UPS_F(TaskStruct, flags),
        UPS_F(TaskStruct, on_cpu), UPS_F(TaskStruct, prio), UPS_F(TaskStruct, static_prio),
        UPS_F(TaskStruct, normal_prio), UPS_F(TaskStruct, rt_priority), UPS_F(TaskStruct, policy),
        UPS_F(TaskStruct, nr_cpus_allowed), UPS_F(TaskStruct, migration_disabled),
        UPS_F(TaskStruct, cpus_ptr), UPS_FIELD(TaskStruct, cpus_mask, "cpus_mask", "cpumask"),
        UPS_F(TaskStruct, pid), UPS_F(TaskStruct, tgid), UPS_F(TaskStruct, comm),
        UPS_FIELD(TaskStruct, se, "se", "sched_entity"),
        UPS_FIELD(TaskStruct, scx, "scx", "sched_ext_entity")}});
  t.add_struct({"kernfs_node", sizeof(KernfsNode), {UPS_F(KernfsNode, id)}});
  t.add_struct({"cgroup_subsys_state", sizeof(CgroupSubsysState), {UPS_F(CgroupSubsysState, cgroup)}});
  // ancestors[], a flexible array, is left out: CO-RE cannot size it.
  t.add_struct({"cgroup",
                sizeof(CgroupStruct),
                {UPS_FIELD(CgroupStruct, self, "self", "cgroup_subsys_state"), UPS_F(CgroupStruct, level),
                 UPS_F(CgroupStruct, max_depth), UPS_F(CgroupStruct, kn)}});
  t.add_struct({"scx_init_task_args",
                sizeof(ScxInitTaskArgs),
                {UPS_F(ScxInitTaskArgs, fork), UPS_F(ScxInitTaskArgs, cgroup)}});
  t.add_struct(
      {"scx_exit_task_args", sizeof(ScxExitTaskArgs), {UPS_F(ScxExitTaskArgs, cancelled)}});
  t.add_struct({"scx_cpu_acquire_args",
                sizeof(ScxCpuAcquireArgs),
                {UPS_FIELD(ScxCpuAcquireArgs, reserved, "__reserved", "")}});
  t.add_struct({"scx_cpu_release_args",
                sizeof(ScxCpuReleaseArgs),
                {UPS_F(ScxCpuReleaseArgs, reason), UPS_F(ScxCpuReleaseArgs, task)}});
  t.add_struct({"scx_exit_info",
                sizeof(ScxExitInfo),
                {UPS_F(ScxExitInfo, kind), UPS_F(ScxExitInfo, exit_code), UPS_F(ScxExitInfo, flags),
                 UPS_F(ScxExitInfo, reason), UPS_F(ScxExitInfo, bt), UPS_F(ScxExitInfo, bt_len),
                 UPS_F(ScxExitInfo, msg), UPS_F(ScxExitInfo, dump)}});
  t.add_struct({"scx_dump_ctx",
                sizeof(ScxDumpCtx),
                {UPS_F(ScxDumpCtx, kind), UPS_F(ScxDumpCtx, exit_code), UPS_F(ScxDumpCtx, reason),
                 UPS_F(ScxDumpCtx, at_ns), UPS_F(ScxDumpCtx, at_jiffies)}});
  t.add_struct({"scx_cgroup_init_args",
                sizeof(ScxCgroupInitArgs),
                {UPS_F(ScxCgroupInitArgs, weight), UPS_F(ScxCgroupInitArgs, bw_period_us),
                 UPS_F(ScxCgroupInitArgs, bw_quota_us), UPS_F(ScxCgroupInitArgs, bw_burst_us)}});
  t.add_struct({"scx_sub_attach_args",
                sizeof(ScxSubAttachArgs),
                {UPS_F(ScxSubAttachArgs, ops), UPS_F(ScxSubAttachArgs, cgroup_path)}});
  t.add_struct({"scx_sub_detach_args",
                sizeof(ScxSubAttachArgs),
                {UPS_F(ScxSubAttachArgs, ops), UPS_F(ScxSubAttachArgs, cgroup_path)}});
  t.add_struct({"scx_event_stats",
                sizeof(ScxEventStats),
                {UPS_FIELD(ScxEventStats, select_cpu_fallback, "SCX_EV_SELECT_CPU_FALLBACK", ""),
                 UPS_FIELD(ScxEventStats, dispatch_local_dsq_offline,
                           "SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE", ""),
                 UPS_FIELD(ScxEventStats, dispatch_keep_last, "SCX_EV_DISPATCH_KEEP_LAST", ""),
                 UPS_FIELD(ScxEventStats, enq_skip_exiting, "SCX_EV_ENQ_SKIP_EXITING", ""),
                 UPS_FIELD(ScxEventStats, enq_skip_migration_disabled,
                           "SCX_EV_ENQ_SKIP_MIGRATION_DISABLED", ""),
                 UPS_FIELD(ScxEventStats, refill_slice_dfl, "SCX_EV_REFILL_SLICE_DFL", ""),
                 UPS_FIELD(ScxEventStats, bypass_duration, "SCX_EV_BYPASS_DURATION", ""),
                 UPS_FIELD(ScxEventStats, bypass_dispatch, "SCX_EV_BYPASS_DISPATCH", ""),
                 UPS_FIELD(ScxEventStats, bypass_activate, "SCX_EV_BYPASS_ACTIVATE", ""),
                 UPS_FIELD(ScxEventStats, insert_not_owned, "SCX_EV_INSERT_NOT_OWNED", "")}});
  t.add_struct(sched_ext_ops_struct());
  t.add_struct({"bpf_iter_scx_dsq",
                sizeof(BpfIterScxDsq),
                {UPS_FIELD(BpfIterScxDsq, opaque, "__opaque", "")}});
  t.add_struct(
      {"bpf_iter_num", sizeof(BpfIterNum), {UPS_FIELD(BpfIterNum, opaque, "__opaque", "")}});
  t.add_struct({"bpf_timer", sizeof(BpfTimer), {UPS_FIELD(BpfTimer, opaque, "__opaque", "")}});
  t.add_struct({"bpf_spin_lock", sizeof(BpfSpinLock), {UPS_F(BpfSpinLock, val)}});
}

constexpr s64 bit(int n) { return static_cast<s64>(u64{1} << n); }

void add_enums(bpf::HostTypes& t) {
  // Values above INT64_MAX (SCX_SLICE_INF, DSQ ids with bit 63) are stored
  // as their two's-complement s64, as BTF's enum64 does.
  const s64 builtin = static_cast<s64>(u64{1} << 63);
  t.add_enum({"scx_public_consts",
              {{"SCX_OPS_NAME_LEN", 128},
               {"SCX_SLICE_DFL", 20000000},
               {"SCX_SLICE_BYPASS", 5000000},
               {"SCX_SLICE_INF", -1}}});
  t.add_enum({"scx_consts",
              {{"SCX_DSP_DFL_MAX_BATCH", 32},
               {"SCX_DSP_MAX_LOOPS", 32},
               {"SCX_EXIT_BT_LEN", 64},
               {"SCX_EXIT_MSG_LEN", 1024},
               {"SCX_EXIT_DUMP_DFL_LEN", 32768},
               {"SCX_CPUPERF_ONE", 1024},
               {"SCX_TASK_ITER_BATCH", 32}}});
  t.add_enum({"scx_dsq_id_flags",
              {{"SCX_DSQ_FLAG_BUILTIN", builtin},
               {"SCX_DSQ_FLAG_LOCAL_ON", bit(62)},
               {"SCX_DSQ_INVALID", builtin | 0},
               {"SCX_DSQ_GLOBAL", builtin | 1},
               {"SCX_DSQ_LOCAL", builtin | 2},
               {"SCX_DSQ_BYPASS", builtin | 3},
               {"SCX_DSQ_LOCAL_ON", builtin | bit(62)},
               {"SCX_DSQ_LOCAL_CPU_MASK", 0xffffffffLL}}});
  t.add_enum({"scx_enq_flags",
              {{"SCX_ENQ_WAKEUP", 0x1},
               {"SCX_ENQ_HEAD", 0x10},
               {"SCX_ENQ_CPU_SELECTED", 0x400},
               {"SCX_ENQ_PREEMPT", bit(32)},
               {"SCX_ENQ_IMMED", bit(33)},
               {"SCX_ENQ_REENQ", bit(40)},
               {"SCX_ENQ_LAST", bit(41)},
               {"__SCX_ENQ_INTERNAL_MASK", static_cast<s64>(0xffULL << 56)},
               {"SCX_ENQ_CLEAR_OPSS", bit(56)},
               {"SCX_ENQ_DSQ_PRIQ", bit(57)}}});
  t.add_enum({"scx_deq_flags",
              {{"SCX_DEQ_SLEEP", 0x1},
               {"SCX_DEQ_CORE_SCHED_EXEC", bit(32)},
               {"SCX_DEQ_SCHED_CHANGE", bit(33)}}});
  t.add_enum({"scx_wake_flags",
              {{"SCX_WAKE_FORK", 0x04}, {"SCX_WAKE_TTWU", 0x08}, {"SCX_WAKE_SYNC", 0x10}}});
  t.add_enum(
      {"scx_kick_flags",
       {{"SCX_KICK_IDLE", bit(0)}, {"SCX_KICK_PREEMPT", bit(1)}, {"SCX_KICK_WAIT", bit(2)}}});
  t.add_enum({"scx_pick_idle_cpu_flags",
              {{"SCX_PICK_IDLE_CORE", bit(0)}, {"SCX_PICK_IDLE_IN_NODE", bit(1)}}});
  t.add_enum({"scx_dsq_iter_flags",
              {{"SCX_DSQ_ITER_REV", bit(16)},
               {"__SCX_DSQ_ITER_HAS_SLICE", bit(30)},
               {"__SCX_DSQ_ITER_HAS_VTIME", bit(31)},
               {"__SCX_DSQ_ITER_USER_FLAGS", bit(16)},
               {"__SCX_DSQ_ITER_ALL_FLAGS", bit(16) | bit(30) | bit(31)}}});
  t.add_enum({"scx_ops_flags",
              {{"SCX_OPS_KEEP_BUILTIN_IDLE", bit(0)},
               {"SCX_OPS_ENQ_LAST", bit(1)},
               {"SCX_OPS_ENQ_EXITING", bit(2)},
               {"SCX_OPS_SWITCH_PARTIAL", bit(3)},
               {"SCX_OPS_ENQ_MIGRATION_DISABLED", bit(4)},
               {"SCX_OPS_ALLOW_QUEUED_WAKEUP", bit(5)},
               {"SCX_OPS_BUILTIN_IDLE_PER_NODE", bit(6)},
               {"SCX_OPS_ALWAYS_ENQ_IMMED", bit(7)},
               {"SCX_OPS_ALL_FLAGS", 0xff},
               {"__SCX_OPS_INTERNAL_MASK", static_cast<s64>(0xffULL << 56)},
               {"SCX_OPS_HAS_CPU_PREEMPT", bit(56)}}});
  t.add_enum({"scx_exit_kind",
              {{"SCX_EXIT_NONE", 0},
               {"SCX_EXIT_DONE", 1},
               {"SCX_EXIT_UNREG", 64},
               {"SCX_EXIT_UNREG_BPF", 65},
               {"SCX_EXIT_UNREG_KERN", 66},
               {"SCX_EXIT_SYSRQ", 67},
               {"SCX_EXIT_PARENT", 68},
               {"SCX_EXIT_ERROR", 1024},
               {"SCX_EXIT_ERROR_BPF", 1025},
               {"SCX_EXIT_ERROR_STALL", 1026}}});
  t.add_enum({"scx_exit_flags", {{"SCX_EFLAG_INITIALIZED", bit(0)}}});
  t.add_enum({"scx_exit_code",
              {{"SCX_ECODE_RSN_HOTPLUG", bit(32)},
               {"SCX_ECODE_RSN_CGROUP_OFFLINE", 2 * bit(32)},
               {"SCX_ECODE_ACT_RESTART", bit(48)}}});
  t.add_enum({"scx_ent_flags",
              {{"SCX_TASK_QUEUED", bit(0)},
               {"SCX_TASK_RESET_RUNNABLE_AT", bit(2)},
               {"SCX_TASK_DEQD_FOR_SLEEP", bit(3)},
               {"SCX_TASK_STATE_SHIFT", 8},
               {"SCX_TASK_STATE_BITS", 2},
               {"SCX_TASK_STATE_MASK", 3 << 8},
               {"SCX_TASK_CURSOR", bit(31)}}});
  t.add_enum({"scx_task_state",
              {{"SCX_TASK_NONE", 0},
               {"SCX_TASK_INIT", 1},
               {"SCX_TASK_READY", 2},
               {"SCX_TASK_ENABLED", 3}}});
  t.add_enum({"scx_reenq_flags", {{"SCX_REENQ_ANY", bit(0)}}});
  t.add_enum(
      {"scx_enable_state",
       {{"SCX_ENABLING", 0}, {"SCX_ENABLED", 1}, {"SCX_DISABLING", 2}, {"SCX_DISABLED", 3}}});
  t.add_enum({"scx_cpu_preempt_reason",
              {{"SCX_CPU_PREEMPT_RT", 0},
               {"SCX_CPU_PREEMPT_DL", 1},
               {"SCX_CPU_PREEMPT_STOP", 2},
               {"SCX_CPU_PREEMPT_UNKNOWN", 3}}});
  t.add_enum({"bpf_map_type",
              {{"BPF_MAP_TYPE_UNSPEC", 0},
               {"BPF_MAP_TYPE_HASH", 1},
               {"BPF_MAP_TYPE_ARRAY", 2},
               {"BPF_MAP_TYPE_PROG_ARRAY", 3},
               {"BPF_MAP_TYPE_PERF_EVENT_ARRAY", 4},
               {"BPF_MAP_TYPE_PERCPU_HASH", 5},
               {"BPF_MAP_TYPE_PERCPU_ARRAY", 6},
               {"BPF_MAP_TYPE_STACK_TRACE", 7},
               {"BPF_MAP_TYPE_CGROUP_ARRAY", 8},
               {"BPF_MAP_TYPE_LRU_HASH", 9},
               {"BPF_MAP_TYPE_LRU_PERCPU_HASH", 10},
               {"BPF_MAP_TYPE_LPM_TRIE", 11},
               {"BPF_MAP_TYPE_ARRAY_OF_MAPS", 12},
               {"BPF_MAP_TYPE_HASH_OF_MAPS", 13},
               {"BPF_MAP_TYPE_DEVMAP", 14},
               {"BPF_MAP_TYPE_SOCKMAP", 15},
               {"BPF_MAP_TYPE_CPUMAP", 16},
               {"BPF_MAP_TYPE_XSKMAP", 17},
               {"BPF_MAP_TYPE_SOCKHASH", 18},
               {"BPF_MAP_TYPE_CGROUP_STORAGE", 19},
               {"BPF_MAP_TYPE_REUSEPORT_SOCKARRAY", 20},
               {"BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE", 21},
               {"BPF_MAP_TYPE_QUEUE", 22},
               {"BPF_MAP_TYPE_STACK", 23},
               {"BPF_MAP_TYPE_SK_STORAGE", 24},
               {"BPF_MAP_TYPE_DEVMAP_HASH", 25},
               {"BPF_MAP_TYPE_STRUCT_OPS", 26},
               {"BPF_MAP_TYPE_RINGBUF", 27},
               {"BPF_MAP_TYPE_INODE_STORAGE", 28},
               {"BPF_MAP_TYPE_TASK_STORAGE", 29},
               {"BPF_MAP_TYPE_BLOOM_FILTER", 30},
               {"BPF_MAP_TYPE_USER_RINGBUF", 31},
               {"BPF_MAP_TYPE_CGRP_STORAGE", 32},
               {"BPF_MAP_TYPE_ARENA", 33}}});
}

bpf::HostTypes build() {
  bpf::HostTypes t;
  add_structs(t);
  add_enums(t);
  return t;
}

}  // namespace

const bpf::HostTypes& host_types() {
  static const bpf::HostTypes types = build();
  return types;
}

}  // namespace ups::kabi
