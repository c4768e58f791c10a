/* vmlinux.h: the kernel types a policy sees, as upsched defines them.
 *
 * Names, field names and enum values follow Linux sched_ext, so a policy
 * written for a sched_ext kernel builds against this file unchanged, and a
 * policy built here can be rebuilt against a real kernel's vmlinux.h.
 *
 * The layouts below (struct task_struct, struct sched_ext_entity,
 * struct cpumask, ...) are upsched's host layout: the policy host keeps a
 * per-task mirror with exactly these offsets (src/policy/kernel_abi/
 * kernel_types.h checks them at compile time, tests/unit/policy_abi checks
 * them against clang). Every record is marked preserve_access_index, so field
 * accesses become CO-RE relocations and an object compiled against another
 * layout is still relocated onto this one by the loader.
 *
 * Rules: extensions never appear here (they are upsched_* kfuncs in
 * the upsched/ headers); a field a policy must not touch is simply absent.
 */
#ifndef __UPSCHED_VMLINUX_H__
#define __UPSCHED_VMLINUX_H__

/* ---- basic types -------------------------------------------------------- */

typedef signed char s8;
typedef unsigned char u8;
typedef short s16;
typedef unsigned short u16;
typedef int s32;
typedef unsigned int u32;
typedef long long s64;
typedef unsigned long long u64;

typedef s8 __s8;
typedef u8 __u8;
typedef s16 __s16;
typedef u16 __u16;
typedef s32 __s32;
typedef u32 __u32;
typedef s64 __s64;
typedef u64 __u64;

typedef _Bool bool;
enum { false = 0, true = 1 };

typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned long uintptr_t;
typedef long long loff_t;

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct refcount_struct { atomic_t refs; } refcount_t;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* ---- CPU masks ------------------------------------------------------------
 * NR_CPUS is 1024 in upsched (ups::kMaxCpus): 16 words of 64 bits. */
struct cpumask {
	unsigned long bits[16];
};
typedef struct cpumask cpumask_t;

/* A reference-counted, writable mask (bpf_cpumask_create()). */
struct bpf_cpumask {
	cpumask_t cpumask;
	refcount_t usage;
};

/* ---- tasks ------------------------------------------------------------- */

/* Opaque kernel objects a policy only holds pointers to. */
struct scx_dispatch_q;
struct rq;

/* Fair-class accounting a policy may read (run time without using slice). */
struct sched_entity {
	u64 exec_start;
	u64 sum_exec_runtime;
	u64 vruntime;
	u64 prev_sum_exec_runtime;
};

/* p->scx: the sched_ext part of a task. Writable by policies: slice,
 * dsq_vtime, disallow (better through scx_bpf_task_set_slice/dsq_vtime). */
struct sched_ext_entity {
	struct scx_dispatch_q *dsq;	/* DSQ the task is queued on (opaque) */
	u32 flags;			/* SCX_TASK_* */
	u32 weight;			/* 1..10000, nice 0 = 100 */
	s32 sticky_cpu;
	s32 holding_cpu;
	unsigned long runnable_at;	/* ns in upsched (jiffies in Linux) */
	u64 core_sched_at;
	u64 ddsp_dsq_id;
	u64 ddsp_enq_flags;
	u64 slice;			/* ns left of the current slice */
	u64 dsq_vtime;			/* order key on a vtime DSQ */
	bool disallow;			/* set in init_task to refuse the task */
};

struct task_struct {
	unsigned int __state;
	unsigned int flags;		/* PF_* */
	int on_cpu;
	int prio;
	int static_prio;
	int normal_prio;
	unsigned int rt_priority;
	unsigned int policy;
	int nr_cpus_allowed;
	unsigned short migration_disabled;
	const cpumask_t *cpus_ptr;	/* points at cpus_mask */
	cpumask_t cpus_mask;
	pid_t pid;
	pid_t tgid;
	char comm[16];			/* readable with sched.inspect only */
	struct sched_entity se;
	struct sched_ext_entity scx;
};

/* ---- cgroups --------------------------------------------------------------
 * The part of Linux's cgroup objects a policy reads. A cgroup's id is its
 * kernfs node's (cgrp->kn->id, what bpf_cgroup_from_id() takes); the root
 * is level 0, id 1. ancestors[i] is the cgroup's ancestor at level i
 * (ancestors[level] is the cgroup itself), as in Linux. */
struct kernfs_node {
	u64 id;
};

struct cgroup;

struct cgroup_subsys_state {
	struct cgroup *cgroup;
};

struct cgroup {
	struct cgroup_subsys_state self;
	int level;
	int max_depth;
	struct kernfs_node *kn;
	struct cgroup *ancestors[];
};

/* ---- arguments of the callbacks ----------------------------------------- */

struct scx_init_task_args {
	bool fork;			/* called from fork, not at load */
	struct cgroup *cgroup;
};

struct scx_exit_task_args {
	bool cancelled;			/* exited before running on this class */
};

struct scx_cpu_acquire_args {
	u64 __reserved;
};

enum scx_cpu_preempt_reason {
	SCX_CPU_PREEMPT_RT = 0,
	SCX_CPU_PREEMPT_DL = 1,
	SCX_CPU_PREEMPT_STOP = 2,
	SCX_CPU_PREEMPT_UNKNOWN = 3,
};

struct scx_cpu_release_args {
	enum scx_cpu_preempt_reason reason;
	struct task_struct *task;
};

enum scx_exit_kind {
	SCX_EXIT_NONE = 0,
	SCX_EXIT_DONE = 1,
	SCX_EXIT_UNREG = 64,
	SCX_EXIT_UNREG_BPF = 65,
	SCX_EXIT_UNREG_KERN = 66,
	SCX_EXIT_SYSRQ = 67,
	SCX_EXIT_PARENT = 68,
	SCX_EXIT_ERROR = 1024,
	SCX_EXIT_ERROR_BPF = 1025,
	SCX_EXIT_ERROR_STALL = 1026,
};

struct scx_exit_info {
	enum scx_exit_kind kind;
	s64 exit_code;
	u64 flags;			/* SCX_EFLAG_* */
	const char *reason;
	unsigned long *bt;
	u32 bt_len;
	char *msg;
	char *dump;
};

struct scx_dump_ctx {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;
	u64 at_ns;
	u64 at_jiffies;
};

struct scx_cgroup_init_args {
	u32 weight;
	u64 bw_period_us;
	u64 bw_quota_us;
	u64 bw_burst_us;
};

struct sched_ext_ops;

struct scx_sub_attach_args {
	struct sched_ext_ops *ops;
	char *cgroup_path;
};

struct scx_sub_detach_args {
	struct sched_ext_ops *ops;
	char *cgroup_path;
};

/* Event counters (scx_bpf_events()). */
struct scx_event_stats {
	s64 SCX_EV_SELECT_CPU_FALLBACK;
	s64 SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE;
	s64 SCX_EV_DISPATCH_KEEP_LAST;
	s64 SCX_EV_ENQ_SKIP_EXITING;
	s64 SCX_EV_ENQ_SKIP_MIGRATION_DISABLED;
	s64 SCX_EV_REFILL_SLICE_DFL;
	s64 SCX_EV_BYPASS_DURATION;
	s64 SCX_EV_BYPASS_DISPATCH;
	s64 SCX_EV_BYPASS_ACTIVATE;
	s64 SCX_EV_INSERT_NOT_OWNED;
};

/* ---- the ops table ---------------------------------------------------------
 * Callbacks in the kernel's declaration order (with the cgroup and
 * sub-scheduler members), then the data fields. upsched binds members by
 * name, as libbpf does, so the order only matters for Linux. */
struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *p, s32 prev_cpu, u64 wake_flags);
	void (*enqueue)(struct task_struct *p, u64 enq_flags);
	void (*dequeue)(struct task_struct *p, u64 deq_flags);
	void (*dispatch)(s32 cpu, struct task_struct *prev);
	void (*tick)(struct task_struct *p);
	void (*runnable)(struct task_struct *p, u64 enq_flags);
	void (*running)(struct task_struct *p);
	void (*stopping)(struct task_struct *p, bool runnable);
	void (*quiescent)(struct task_struct *p, u64 deq_flags);
	bool (*yield)(struct task_struct *from, struct task_struct *to);
	bool (*core_sched_before)(struct task_struct *a, struct task_struct *b);
	void (*set_weight)(struct task_struct *p, u32 weight);
	void (*set_cpumask)(struct task_struct *p, const struct cpumask *cpumask);
	void (*update_idle)(s32 cpu, bool idle);
	void (*cpu_acquire)(s32 cpu, struct scx_cpu_acquire_args *args);
	void (*cpu_release)(s32 cpu, struct scx_cpu_release_args *args);
	s32 (*init_task)(struct task_struct *p, struct scx_init_task_args *args);
	void (*exit_task)(struct task_struct *p, struct scx_exit_task_args *args);
	void (*enable)(struct task_struct *p);
	void (*disable)(struct task_struct *p);
	void (*dump)(struct scx_dump_ctx *ctx);
	void (*dump_cpu)(struct scx_dump_ctx *ctx, s32 cpu, bool idle);
	void (*dump_task)(struct scx_dump_ctx *ctx, struct task_struct *p);
	s32 (*cgroup_init)(struct cgroup *cgrp, struct scx_cgroup_init_args *args);
	void (*cgroup_exit)(struct cgroup *cgrp);
	s32 (*cgroup_prep_move)(struct task_struct *p, struct cgroup *from, struct cgroup *to);
	void (*cgroup_move)(struct task_struct *p, struct cgroup *from, struct cgroup *to);
	void (*cgroup_cancel_move)(struct task_struct *p, struct cgroup *from, struct cgroup *to);
	void (*cgroup_set_weight)(struct cgroup *cgrp, u32 weight);
	void (*cgroup_set_bandwidth)(struct cgroup *cgrp, u64 period_us, u64 quota_us, u64 burst_us);
	void (*cgroup_set_idle)(struct cgroup *cgrp, bool idle);
	s32 (*sub_attach)(struct scx_sub_attach_args *args);
	void (*sub_detach)(struct scx_sub_detach_args *args);
	void (*cpu_online)(s32 cpu);
	void (*cpu_offline)(s32 cpu);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info *info);

	u32 dispatch_max_batch;
	u64 flags;
	u32 timeout_ms;
	u32 exit_dump_len;
	u64 hotplug_seq;
	u64 sub_cgroup_id;
	char name[128];
	void *priv;
};

/* ---- BPF runtime objects (opaque to the program) --------------------------- */

struct bpf_iter_scx_dsq {
	u64 __opaque[6];
} __attribute__((aligned(8)));

struct bpf_iter_num {
	u64 __opaque[1];
} __attribute__((aligned(8)));

struct bpf_timer {
	u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_spin_lock {
	u32 val;
};

struct bpf_res_spin_lock {
	u32 val;
};

/* Graph roots and nodes of allocated objects (bpf_obj_new): opaque, as in
 * Linux's uapi; only the bpf_rbtree_* kfuncs touch them. */
struct bpf_rb_root {
	u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_rb_node {
	u64 __opaque[4];
} __attribute__((aligned(8)));

#pragma clang attribute pop

/* A bitmap over topological CPU ids (cids, Linux 7.3): the cids [base,
 * base + nr_cids), bits[0] holding the 64-cid word that contains base;
 * alloc_words words of storage. The helpers are scx/cid.bpf.h's. Outside
 * the preserve_access_index records: policies keep it in their own arenas,
 * with storage past the struct, so its layout is fixed and not relocated. */
struct scx_cmask {
	u32 base;
	u32 nr_cids;
	u32 alloc_words;
	u64 bits[];
};

/* ---- sched_ext constants (kernel names and values) ------------------------ */

enum scx_public_consts {
	SCX_OPS_NAME_LEN = 128ULL,
	SCX_SLICE_DFL = 20000000ULL,		/* 20 ms */
	SCX_SLICE_BYPASS = 5000000ULL,		/* 5 ms */
	SCX_SLICE_INF = 18446744073709551615ULL,	/* U64_MAX: no tick */
};

enum scx_consts {
	SCX_DSP_DFL_MAX_BATCH = 32,
	SCX_DSP_MAX_LOOPS = 32,
	SCX_EXIT_BT_LEN = 64,
	SCX_EXIT_MSG_LEN = 1024,
	SCX_EXIT_DUMP_DFL_LEN = 32768,
	SCX_CPUPERF_ONE = 1024,
	SCX_TASK_ITER_BATCH = 32,
};

enum scx_dsq_id_flags {
	SCX_DSQ_FLAG_BUILTIN = 1ULL << 63,
	SCX_DSQ_FLAG_LOCAL_ON = 1ULL << 62,
	SCX_DSQ_INVALID = (1ULL << 63) | 0,
	SCX_DSQ_GLOBAL = (1ULL << 63) | 1,
	SCX_DSQ_LOCAL = (1ULL << 63) | 2,
	SCX_DSQ_BYPASS = (1ULL << 63) | 3,
	SCX_DSQ_LOCAL_ON = (1ULL << 63) | (1ULL << 62),
	SCX_DSQ_LOCAL_CPU_MASK = 0xffffffffULL,
};

enum scx_enq_flags {
	SCX_ENQ_WAKEUP = 0x1ULL,
	SCX_ENQ_HEAD = 0x10ULL,
	SCX_ENQ_CPU_SELECTED = 0x400ULL,
	SCX_ENQ_PREEMPT = 1ULL << 32,
	SCX_ENQ_IMMED = 1ULL << 33,
	SCX_ENQ_REENQ = 1ULL << 40,
	SCX_ENQ_LAST = 1ULL << 41,
	__SCX_ENQ_INTERNAL_MASK = 0xffULL << 56,
	SCX_ENQ_CLEAR_OPSS = 1ULL << 56,
	SCX_ENQ_DSQ_PRIQ = 1ULL << 57,
};

enum scx_deq_flags {
	SCX_DEQ_SLEEP = 0x1ULL,
	SCX_DEQ_CORE_SCHED_EXEC = 1ULL << 32,
	SCX_DEQ_SCHED_CHANGE = 1ULL << 33,
};

enum scx_wake_flags {
	SCX_WAKE_FORK = 0x04,
	SCX_WAKE_TTWU = 0x08,
	SCX_WAKE_SYNC = 0x10,
};

enum scx_kick_flags {
	SCX_KICK_IDLE = 1ULL << 0,
	SCX_KICK_PREEMPT = 1ULL << 1,
	SCX_KICK_WAIT = 1ULL << 2,
};

enum scx_pick_idle_cpu_flags {
	SCX_PICK_IDLE_CORE = 1ULL << 0,
	SCX_PICK_IDLE_IN_NODE = 1ULL << 1,
};

enum scx_dsq_iter_flags {
	SCX_DSQ_ITER_REV = 1U << 16,
	__SCX_DSQ_ITER_HAS_SLICE = 1U << 30,
	__SCX_DSQ_ITER_HAS_VTIME = 1U << 31,
	__SCX_DSQ_ITER_USER_FLAGS = 1U << 16,
	__SCX_DSQ_ITER_ALL_FLAGS = (1U << 16) | (1U << 30) | (1U << 31),
};

enum scx_ops_flags {
	SCX_OPS_KEEP_BUILTIN_IDLE = 1ULL << 0,
	SCX_OPS_ENQ_LAST = 1ULL << 1,
	SCX_OPS_ENQ_EXITING = 1ULL << 2,
	SCX_OPS_SWITCH_PARTIAL = 1ULL << 3,
	SCX_OPS_ENQ_MIGRATION_DISABLED = 1ULL << 4,
	SCX_OPS_ALLOW_QUEUED_WAKEUP = 1ULL << 5,
	SCX_OPS_BUILTIN_IDLE_PER_NODE = 1ULL << 6,
	SCX_OPS_ALWAYS_ENQ_IMMED = 1ULL << 7,
	SCX_OPS_ALL_FLAGS = 0xffULL,
	__SCX_OPS_INTERNAL_MASK = 0xffULL << 56,
	SCX_OPS_HAS_CPU_PREEMPT = 1ULL << 56,
};

enum scx_exit_flags {
	SCX_EFLAG_INITIALIZED = 1ULL << 0,
};

enum scx_exit_code {
	SCX_ECODE_RSN_HOTPLUG = 1ULL << 32,
	SCX_ECODE_RSN_CGROUP_OFFLINE = 2ULL << 32,
	SCX_ECODE_ACT_RESTART = 1ULL << 48,
};

enum scx_ent_flags {
	SCX_TASK_QUEUED = 1 << 0,
	SCX_TASK_IN_CUSTODY = 1 << 1,
	SCX_TASK_RESET_RUNNABLE_AT = 1 << 2,
	SCX_TASK_DEQD_FOR_SLEEP = 1 << 3,
	SCX_TASK_STATE_SHIFT = 8,
	SCX_TASK_STATE_BITS = 2,
	SCX_TASK_STATE_MASK = 3 << 8,
	SCX_TASK_CURSOR = 1U << 31,
};

enum scx_task_state {
	SCX_TASK_NONE = 0,
	SCX_TASK_INIT = 1,
	SCX_TASK_READY = 2,
	SCX_TASK_ENABLED = 3,
};

enum scx_reenq_flags {
	SCX_REENQ_ANY = 1ULL << 0,
};

enum scx_enable_state {
	SCX_ENABLING = 0,
	SCX_ENABLED = 1,
	SCX_DISABLING = 2,
	SCX_DISABLED = 3,
};

/* ---- BPF map types and flags (include/uapi/linux/bpf.h values) ----------- */

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC = 0,
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_HASH_OF_MAPS = 13,
	BPF_MAP_TYPE_DEVMAP = 14,
	BPF_MAP_TYPE_SOCKMAP = 15,
	BPF_MAP_TYPE_CPUMAP = 16,
	BPF_MAP_TYPE_XSKMAP = 17,
	BPF_MAP_TYPE_SOCKHASH = 18,
	BPF_MAP_TYPE_CGROUP_STORAGE = 19,
	BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
	BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_SK_STORAGE = 24,
	BPF_MAP_TYPE_DEVMAP_HASH = 25,
	BPF_MAP_TYPE_STRUCT_OPS = 26,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_INODE_STORAGE = 28,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
	BPF_MAP_TYPE_BLOOM_FILTER = 30,
	BPF_MAP_TYPE_USER_RINGBUF = 31,
	BPF_MAP_TYPE_CGRP_STORAGE = 32,
	BPF_MAP_TYPE_ARENA = 33,
};

/* map_flags */
enum {
	BPF_F_NO_PREALLOC = 1U << 0,
	BPF_F_NO_COMMON_LRU = 1U << 1,
	BPF_F_NUMA_NODE = 1U << 2,
	BPF_F_RDONLY = 1U << 3,
	BPF_F_WRONLY = 1U << 4,
	BPF_F_RDONLY_PROG = 1U << 7,
	BPF_F_WRONLY_PROG = 1U << 8,
	BPF_F_MMAPABLE = 1U << 10,
	BPF_F_INNER_MAP = 1U << 12,
};

/* flags of bpf_map_update_elem() */
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
	BPF_F_LOCK = 4,
};

/* BPF arenas (include/uapi/linux/bpf.h, include/linux/mm.h): the off of
 * MOV64 X that makes it addr_space_cast, and the page size arena pages
 * come in. */
enum {
	BPF_ADDR_SPACE_CAST = 1,
};

enum page_size_enum {
	__PAGE_SIZE = 4096,
};

/* flags of bpf_task_storage_get() */
enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1ULL << 0,
};

/* flags of bpf_timer_start() */
enum {
	BPF_F_TIMER_ABS = 1ULL << 0,
	BPF_F_TIMER_CPU_PIN = 1ULL << 1,
};

/* Limits of loops (include/linux/bpf.h: an enum, so in Linux's BTF too):
 * the most iterations of bpf_loop(), and of bpf_repeat() as schedulers
 * bound it. */
enum {
	BPF_MAX_LOOPS = 8 * 1024 * 1024,
	BPF_MAX_TIMED_LOOPS = 0xffff,
};

#endif /* __UPSCHED_VMLINUX_H__ */
