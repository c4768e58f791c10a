// sched_ext constants with the kernel's names and values (see
// shared/reference/sched_ext-abi.md §2, §3, §10, §12). The SDK's
// scx/common.bpf.h and the loader's BTF use the same numbers.
#pragma once

#include "base/types.h"

namespace ups::scx {

// Dispatch queue ids (§3).
inline constexpr DsqId DSQ_FLAG_BUILTIN = 1ULL << 63;
inline constexpr DsqId DSQ_FLAG_LOCAL_ON = 1ULL << 62;
inline constexpr DsqId DSQ_INVALID = DSQ_FLAG_BUILTIN | 0;
inline constexpr DsqId DSQ_GLOBAL = DSQ_FLAG_BUILTIN | 1;
inline constexpr DsqId DSQ_LOCAL = DSQ_FLAG_BUILTIN | 2;
inline constexpr DsqId DSQ_LOCAL_ON = DSQ_FLAG_BUILTIN | DSQ_FLAG_LOCAL_ON;
inline constexpr DsqId DSQ_LOCAL_CPU_MASK = 0xffffffffULL;

inline constexpr bool dsq_is_builtin(DsqId id) { return (id & DSQ_FLAG_BUILTIN) != 0; }
inline constexpr bool dsq_is_local_on(DsqId id) {
  return (id & (DSQ_FLAG_BUILTIN | DSQ_FLAG_LOCAL_ON)) == DSQ_LOCAL_ON;
}

// Slices.
inline constexpr u64 SLICE_DFL = 20'000'000;  // 20 ms
inline constexpr u64 SLICE_INF = ~0ULL;
inline constexpr u64 SLICE_BYPASS = 5'000'000;

inline constexpr u32 DSP_DFL_MAX_BATCH = 32;
inline constexpr u32 DSP_MAX_LOOPS = 32;
inline constexpr u32 WATCHDOG_MAX_TIMEOUT_MS = 30'000;
inline constexpr u32 EXIT_MSG_LEN = 1024;

// enq_flags (§12.2). The low bits follow v6.12; policies read them through
// the SDK constants, never hard-coded.
inline constexpr u64 ENQ_WAKEUP = 0x1;
inline constexpr u64 ENQ_HEAD = 0x10;
inline constexpr u64 ENQ_CPU_SELECTED = 0x400;
inline constexpr u64 ENQ_PREEMPT = 1ULL << 32;
inline constexpr u64 ENQ_REENQ = 1ULL << 40;
inline constexpr u64 ENQ_LAST = 1ULL << 41;

inline constexpr u64 DEQ_SLEEP = 0x1;
inline constexpr u64 DEQ_CORE_SCHED_EXEC = 1ULL << 32;
inline constexpr u64 DEQ_SCHED_CHANGE = 1ULL << 33;

inline constexpr u64 WAKE_FORK = 0x04;
inline constexpr u64 WAKE_TTWU = 0x08;
inline constexpr u64 WAKE_SYNC = 0x10;

inline constexpr u64 KICK_IDLE = 1ULL << 0;
inline constexpr u64 KICK_PREEMPT = 1ULL << 1;
inline constexpr u64 KICK_WAIT = 1ULL << 2;

inline constexpr u64 PICK_IDLE_CORE = 1ULL << 0;
inline constexpr u64 PICK_IDLE_IN_NODE = 1ULL << 1;

inline constexpr u64 DSQ_ITER_REV = 1ULL << 16;

// ops.flags (§12.1).
inline constexpr u64 OPS_KEEP_BUILTIN_IDLE = 1ULL << 0;
inline constexpr u64 OPS_ENQ_LAST = 1ULL << 1;
inline constexpr u64 OPS_ENQ_EXITING = 1ULL << 2;
inline constexpr u64 OPS_SWITCH_PARTIAL = 1ULL << 3;

// p->scx.flags (§6).
inline constexpr u32 TASK_QUEUED = 1U << 0;
inline constexpr u32 TASK_IN_CUSTODY = 1U << 1;  // the policy holds it: ops.dequeue when it leaves

// Errno values a policy sees (negative returns of kfuncs).
inline constexpr s32 E_NOENT = 2;
inline constexpr s32 E_BUSY = 16;
inline constexpr s32 E_EXIST = 17;
inline constexpr s32 E_INVAL = 22;
inline constexpr s32 E_ACCES = 13;
inline constexpr s32 E_NOMEM = 12;

}  // namespace ups::scx
