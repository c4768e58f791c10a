// RunState: the memory JITed code and its executor share during a run. The
// emitted code keeps a pointer to it in r12 and reaches every field by a
// fixed offset (offsetof), so the layout is the contract between
// emitter.cpp and jit_executor.cpp and nothing else.
#pragma once

#include <cstddef>

#include "base/types.h"
#include "bpf/call_context.h"
#include "vm/memory_guard.h"

namespace ups::jit {

// CHECKED mode: a region the guard allowed, as the inline test wants it
// ([begin, begin + len); len 0 never holds).
struct CachedRegion {
  u64 begin = 0;
  u64 len = 0;
  u64 writable = 0;
};

// CHECKED mode: the lasting region (a map value) one load or store
// instruction last touched, kept across runs as the interpreter's
// Span::lasting is. The access holds when begin <= addr <= last_start
// (last_start = end - the instruction's size), so the inline test needs no
// scratch register; it is filled only with regions that allow the
// instruction's access (its size, and a write for a store).
struct InsnRegion {
  u64 begin = ~u64{0};
  u64 last_start = 0;
};

struct RunState {
  // Set by the executor before entering the code.
  u64 args[5] = {};         // r1-r5
  u64 frame_top = 0;        // r10 of the entry frame
  u64 stack_top = 0;        // top of frame 0 (CHECKED mode's stack test)
  bpf::CallContext* ctx = nullptr;
  const bpf::ExternFn* helpers = nullptr;  // callx table
  u64 helper_count = 0;
  const vm::MemoryGuard* guard = nullptr;  // CHECKED mode
  // CHECKED mode: the guard's sandbox, tested first (MemoryGuard::SandboxSpan);
  // refreshed when the slow path runs, so memory it gained since it was
  // last copied costs one slow check.
  vm::MemoryGuard::SandboxSpan sandbox;
  // Shared by the code and nested runs (see jit_executor.h).
  u64 budget = ~u64{0};     // back-edge budget left; in r10 while code runs
  u64 saved_rsp = 0;        // the entry trampoline's stack: where a trap unwinds to
  u32 depth = 0;            // frame index of the running subprogram
  // Written by the trap path.
  u32 trap_kind = 0;        // vm::TrapKind
  u32 trap_pc = 0;
  u32 trap_size = 0;
  u32 trap_write = 0;
  u64 trap_addr = 0;
  // CHECKED mode: the last region allowed and the one before it, both
  // tested inline, valid while the guard's generation stays `generation`
  // (checked after each extern call: revalidate_regions); and each
  // instruction's lasting region (insn_regions[pc]).
  CachedRegion last;
  CachedRegion other;
  u64 generation = 0;
  InsnRegion* insn_regions = nullptr;
  // Each frame's may_goto budget left (bpf::kMayGotoBudget when it starts).
  u64 may_goto[bpf::kMaxCallDepth] = {};
};

// Offsets for the emitter.
namespace state {
inline constexpr int kArgs = offsetof(RunState, args);
inline constexpr int kFrameTop = offsetof(RunState, frame_top);
inline constexpr int kStackTop = offsetof(RunState, stack_top);
inline constexpr int kCtx = offsetof(RunState, ctx);
inline constexpr int kHelpers = offsetof(RunState, helpers);
inline constexpr int kHelperCount = offsetof(RunState, helper_count);
inline constexpr int kSandboxReadBase = offsetof(RunState, sandbox) + offsetof(vm::MemoryGuard::SandboxSpan, read_base);
inline constexpr int kSandboxReadLen = offsetof(RunState, sandbox) + offsetof(vm::MemoryGuard::SandboxSpan, read_len);
inline constexpr int kSandboxWriteBase = offsetof(RunState, sandbox) + offsetof(vm::MemoryGuard::SandboxSpan, write_base);
inline constexpr int kSandboxWriteLen = offsetof(RunState, sandbox) + offsetof(vm::MemoryGuard::SandboxSpan, write_len);
inline constexpr int kBudget = offsetof(RunState, budget);
inline constexpr int kSavedRsp = offsetof(RunState, saved_rsp);
inline constexpr int kDepth = offsetof(RunState, depth);
inline constexpr int kTrapKind = offsetof(RunState, trap_kind);
inline constexpr int kTrapPc = offsetof(RunState, trap_pc);
inline constexpr int kTrapSize = offsetof(RunState, trap_size);
inline constexpr int kTrapWrite = offsetof(RunState, trap_write);
inline constexpr int kTrapAddr = offsetof(RunState, trap_addr);
inline constexpr int kLastBegin = offsetof(RunState, last) + offsetof(CachedRegion, begin);
inline constexpr int kLastLen = offsetof(RunState, last) + offsetof(CachedRegion, len);
inline constexpr int kLastWritable = offsetof(RunState, last) + offsetof(CachedRegion, writable);
inline constexpr int kOtherBegin = offsetof(RunState, other) + offsetof(CachedRegion, begin);
inline constexpr int kOtherLen = offsetof(RunState, other) + offsetof(CachedRegion, len);
inline constexpr int kOtherWritable = offsetof(RunState, other) + offsetof(CachedRegion, writable);
inline constexpr int kInsnRegions = offsetof(RunState, insn_regions);
inline constexpr int kInsnRegionSize = sizeof(InsnRegion);
inline constexpr int kMayGoto = offsetof(RunState, may_goto);
}  // namespace state

// CHECKED mode's slow path, called by the code when the inline tests miss:
// the guard (MemoryGuard::region_of), as the interpreter's CHECK does.
// info = size | write << 8 | pc << 32. 1 if [addr, addr+size) may be
// accessed (and the region is cached: as the last region, and as the
// instruction's when it is lasting), 0 for a trap.
u64 check_access(RunState* st, u64 addr, u64 info);
// After an extern call in CHECKED mode: forgets the last two regions when
// the guard's generation changed (a region may have gone or shrunk).
void revalidate_regions(RunState* st);
// The guard's regions an executor starts a top-level run with.
void seed_regions(RunState& st, const vm::MemoryGuard* guard);

}  // namespace ups::jit
