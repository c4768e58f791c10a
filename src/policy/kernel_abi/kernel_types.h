// The kernel types a policy sees, as upsched lays them out in memory: the C++
// side of sdk/include/vmlinux.h. The policy host keeps one TaskStruct mirror
// per task (and a Cpumask per affinity), hands BPF programs pointers to
// them, and copies the writable fields (scx.slice, scx.dsq_vtime,
// scx.disallow) back after each callback. Pointer fields are u64 addresses.
//
// Every offset below is pinned by a static_assert and, in
// tests/unit/policy_abi, compared with what clang computes for vmlinux.h.
// host_types() describes the same structs and the sched_ext enums to the
// object loader, which resolves CO-RE relocations against them.
#pragma once

#include <cstddef>

#include "base/types.h"
#include "bpf/host_types.h"

namespace ups::kabi {

inline constexpr int kCpumaskWords = 16;  // NR_CPUS = 1024 (ups::kMaxCpus)

struct Cpumask {
  u64 bits[kCpumaskWords];
};

struct RefCount {  // refcount_t
  s32 refs;
};

struct BpfCpumask {
  Cpumask cpumask;
  RefCount usage;
};

struct SchedEntity {
  u64 exec_start;
  u64 sum_exec_runtime;
  u64 vruntime;
  u64 prev_sum_exec_runtime;
};

struct SchedExtEntity {
  u64 dsq;  // struct scx_dispatch_q * (opaque; 0 in upsched)
  u32 flags;
  u32 weight;
  s32 sticky_cpu;
  s32 holding_cpu;
  u64 runnable_at;
  u64 core_sched_at;
  u64 ddsp_dsq_id;
  u64 ddsp_enq_flags;
  u64 slice;
  u64 dsq_vtime;
  bool disallow;
};

struct TaskStruct {
  u32 state;  // __state
  u32 flags;  // PF_*
  s32 on_cpu;
  s32 prio;
  s32 static_prio;
  s32 normal_prio;
  u32 rt_priority;
  u32 policy;
  s32 nr_cpus_allowed;
  u16 migration_disabled;
  u64 cpus_ptr;  // const struct cpumask *: the address of cpus_mask
  Cpumask cpus_mask;
  s32 pid;
  s32 tgid;
  char comm[16];
  SchedEntity se;
  SchedExtEntity scx;
};

// struct kernfs_node, struct cgroup_subsys_state, struct cgroup: what a
// policy reads of a cgroup (policy/cgroup_mirror.h keeps one per cgroup).
// In vmlinux.h struct cgroup ends with `struct cgroup *ancestors[]`, the
// ancestor pointers right after the struct (CgroupMirror places them).
struct KernfsNode {
  u64 id;
};

struct CgroupSubsysState {
  u64 cgroup;  // struct cgroup *
};

struct CgroupStruct {
  CgroupSubsysState self;
  s32 level;
  s32 max_depth;
  u64 kn;  // struct kernfs_node *
};

struct ScxInitTaskArgs {
  bool fork;
  u64 cgroup;  // struct cgroup *
};

struct ScxExitTaskArgs {
  bool cancelled;
};

struct ScxCpuAcquireArgs {
  u64 reserved;  // __reserved
};

struct ScxCpuReleaseArgs {
  u32 reason;  // enum scx_cpu_preempt_reason
  u64 task;    // struct task_struct *
};

struct ScxExitInfo {
  u32 kind;  // enum scx_exit_kind
  s64 exit_code;
  u64 flags;
  u64 reason;  // const char *
  u64 bt;      // unsigned long *
  u32 bt_len;
  u64 msg;   // char *
  u64 dump;  // char *
};

struct ScxDumpCtx {
  u32 kind;
  s64 exit_code;
  u64 reason;
  u64 at_ns;
  u64 at_jiffies;
};

struct ScxCgroupInitArgs {
  u32 weight;
  u64 bw_period_us;
  u64 bw_quota_us;
  u64 bw_burst_us;
};

struct ScxSubAttachArgs {
  u64 ops;  // struct sched_ext_ops *
  u64 cgroup_path;
};

struct ScxEventStats {
  s64 select_cpu_fallback;
  s64 dispatch_local_dsq_offline;
  s64 dispatch_keep_last;
  s64 enq_skip_exiting;
  s64 enq_skip_migration_disabled;
  s64 refill_slice_dfl;
  s64 bypass_duration;
  s64 bypass_dispatch;
  s64 bypass_activate;
  s64 insert_not_owned;
};

// struct sched_ext_ops as it sits in an object's .struct_ops.link section:
// one 8-byte slot per callback (filled by relocations), then the data fields.
inline constexpr int kNumOpsCallbacks = 37;
struct SchedExtOps {
  u64 callbacks[kNumOpsCallbacks];
  u32 dispatch_max_batch;
  u64 flags;
  u32 timeout_ms;
  u32 exit_dump_len;
  u64 hotplug_seq;
  u64 sub_cgroup_id;
  char name[128];
  u64 priv;
};

struct BpfIterScxDsq {
  u64 opaque[6];
};
struct BpfIterNum {
  u64 opaque[1];
};
struct BpfTimer {
  u64 opaque[2];
};
struct BpfSpinLock {
  u32 val;
};

// Structs, fields and enums of vmlinux.h for CO-RE resolution and for the
// verifier's field table. Built once, never changes.
const bpf::HostTypes& host_types();

// --- layout pins (must equal sdk/include/vmlinux.h) --------------------------
static_assert(sizeof(void*) == 8, "the host mirror assumes 64-bit pointers");
static_assert(sizeof(Cpumask) == 128);
static_assert(sizeof(BpfCpumask) == 136);
static_assert(sizeof(SchedEntity) == 32);
static_assert(offsetof(SchedExtEntity, dsq) == 0);
static_assert(offsetof(SchedExtEntity, flags) == 8);
static_assert(offsetof(SchedExtEntity, weight) == 12);
static_assert(offsetof(SchedExtEntity, sticky_cpu) == 16);
static_assert(offsetof(SchedExtEntity, holding_cpu) == 20);
static_assert(offsetof(SchedExtEntity, runnable_at) == 24);
static_assert(offsetof(SchedExtEntity, core_sched_at) == 32);
static_assert(offsetof(SchedExtEntity, ddsp_dsq_id) == 40);
static_assert(offsetof(SchedExtEntity, ddsp_enq_flags) == 48);
static_assert(offsetof(SchedExtEntity, slice) == 56);
static_assert(offsetof(SchedExtEntity, dsq_vtime) == 64);
static_assert(offsetof(SchedExtEntity, disallow) == 72);
static_assert(sizeof(SchedExtEntity) == 80);
static_assert(offsetof(TaskStruct, flags) == 4);
static_assert(offsetof(TaskStruct, nr_cpus_allowed) == 32);
static_assert(offsetof(TaskStruct, migration_disabled) == 36);
static_assert(offsetof(TaskStruct, cpus_ptr) == 40);
static_assert(offsetof(TaskStruct, cpus_mask) == 48);
static_assert(offsetof(TaskStruct, pid) == 176);
static_assert(offsetof(TaskStruct, tgid) == 180);
static_assert(offsetof(TaskStruct, comm) == 184);
static_assert(offsetof(TaskStruct, se) == 200);
static_assert(offsetof(TaskStruct, scx) == 232);
static_assert(sizeof(TaskStruct) == 312);
static_assert(sizeof(ScxInitTaskArgs) == 16);
static_assert(offsetof(CgroupStruct, level) == 8);
static_assert(offsetof(CgroupStruct, kn) == 16);
static_assert(sizeof(CgroupStruct) == 24);
static_assert(sizeof(ScxExitTaskArgs) == 1);
static_assert(sizeof(ScxCpuReleaseArgs) == 16);
static_assert(offsetof(ScxExitInfo, exit_code) == 8);
static_assert(offsetof(ScxExitInfo, bt_len) == 40);
static_assert(offsetof(ScxExitInfo, msg) == 48);
static_assert(sizeof(ScxExitInfo) == 64);
static_assert(sizeof(ScxDumpCtx) == 40);
static_assert(sizeof(ScxCgroupInitArgs) == 32);
static_assert(offsetof(SchedExtOps, dispatch_max_batch) == 8 * kNumOpsCallbacks);
static_assert(offsetof(SchedExtOps, flags) == 304);
static_assert(offsetof(SchedExtOps, timeout_ms) == 312);
static_assert(offsetof(SchedExtOps, name) == 336);
static_assert(sizeof(SchedExtOps) == 472);
static_assert(sizeof(BpfIterScxDsq) == 48);
static_assert(sizeof(BpfTimer) == 16);

}  // namespace ups::kabi
