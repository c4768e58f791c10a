/* upsched/virt_hints.h: guest/host scheduler hints (the virt extension).
 *
 * Capability: sched.virt. A policy that calls these kfuncs is refused at
 * load for a principal without sched.virt, naming the capability.
 *
 * Each vCPU of a VM has two small records shared by the guest's scheduler
 * and the host's (docs/guest-host.md): what the guest says about the vCPU
 * (struct upsched_vcpu_hint) and what the host says back (struct
 * upsched_host_hint). The guest scheduler stays in charge of the guest; the
 * host only learns what it cannot see (a guest spinlock held, a
 * latency-critical task running), and the guest learns what it cannot see
 * (its vCPU preempted, about to be, the time stolen from it).
 *
 * The records are versioned: a reader checks `version` against
 * UPSCHED_VIRT_HINTS_VERSION; new fields are only ever appended. Policies
 * read and write them through the kfuncs below, never by address.
 *
 * Each kfunc belongs to one side: the host-side ones (upsched_vcpu_*) to a
 * policy on the host's chain, the guest-side ones (upsched_virt_*) to a
 * policy in a VM's guest chain. A policy that calls a kfunc of the other
 * side is refused at load, naming the kfunc, its side and where the policy
 * loads ("upsched_vcpu_hint is a host-side kfunc; this policy is loaded in
 * guest VM 'vm0'"); where the loader names no side (upsched verify without
 * --virt-side) both verify. About a task that is no vCPU the host-side
 * reads return 0 and the write does nothing.
 *
 * These are upsched extensions. Called through upsched/optional.h's macros
 * (UPSCHED_CALL_OR, UPSCHED_CALL_IF), they let the same object load into
 * Linux's sched_ext too, where the calls are skipped and the policy sees
 * every task as one the extension knows nothing of.
 */
#ifndef __UPSCHED_VIRT_HINTS_H__
#define __UPSCHED_VIRT_HINTS_H__

#include "../scx/common.bpf.h"
#include "optional.h"

#define UPSCHED_VIRT_HINTS_VERSION 1

/* Guest -> host: struct upsched_vcpu_hint.flags. */
enum upsched_vcpu_flags {
	UPSCHED_VCPU_IDLE = 1 << 0,	    /* guest policy: nothing to run */
	UPSCHED_VCPU_LAT_CRITICAL = 1 << 1, /* guest policy: runs or gets a latency-critical task */
	UPSCHED_VCPU_LOCK_HOLDER = 1 << 2,  /* guest kernel: holds a spinlock others spin for */
	UPSCHED_VCPU_SPINNING = 1 << 3,	    /* guest kernel: spins for a spinlock */
	UPSCHED_VCPU_VALID = 1u << 31,	    /* in every answer about a vCPU */
};

/* Host -> guest: struct upsched_host_hint.flags. */
enum upsched_host_flags {
	UPSCHED_HOST_PREEMPTED = 1 << 0,    /* hypervisor: runnable, not running */
	UPSCHED_HOST_DESCHED_SOON = 1 << 1, /* host policy: will be descheduled soon */
};

struct upsched_vcpu_hint {
	__u32 version;
	__u32 flags;		 /* enum upsched_vcpu_flags */
	__u64 next_deadline_ns;	 /* the guest's next deadline, 0 = none */
};

struct upsched_host_hint {
	__u32 version;
	__u32 flags;		 /* enum upsched_host_flags */
	__u64 steal_ns;		 /* runnable but not running, in total */
};

/* --- host side (a policy on the host's chain): about vCPU task p --- */
/* Its guest's flags | UPSCHED_VCPU_VALID; 0 if p is no vCPU. */
u64 upsched_vcpu_hint(struct task_struct *p) __ksym __weak;
/* Its guest's next deadline (ns), 0 = none. */
u64 upsched_vcpu_next_deadline(struct task_struct *p) __ksym __weak;
/* Its VM's id, -1 if p is no vCPU. */
s32 upsched_vcpu_vm(struct task_struct *p) __ksym __weak;
/* Sets the host policy's flags (UPSCHED_HOST_DESCHED_SOON) for its guest. */
void upsched_vcpu_set_host_flags(struct task_struct *p, u64 flags) __ksym __weak;

/* --- guest side (a policy in a VM's guest chain): about this guest's vCPU cpu --- */
/* Publishes the guest policy's flags (UPSCHED_VCPU_IDLE,
 * UPSCHED_VCPU_LAT_CRITICAL) and next deadline (ns, 0 = none). */
void upsched_virt_publish(s32 cpu, u64 flags, u64 next_deadline_ns) __ksym __weak;
/* The host's flags for cpu (enum upsched_host_flags). */
u64 upsched_virt_host_flags(s32 cpu) __ksym __weak;
/* Time cpu was runnable on the host but not running, in total (ns). */
u64 upsched_virt_steal_ns(s32 cpu) __ksym __weak;

#endif /* __UPSCHED_VIRT_HINTS_H__ */
