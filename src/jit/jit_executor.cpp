// JitExecutor: entering JITed code, nested runs, and turning the RunState's
// trap fields into a vm::Trap (see jit_executor.h).
#include "jit/jit_executor.h"

#include <utility>

#include "base/assert.h"

namespace ups::jit {

vm::RunResult JitExecutor::run_at(u32 entry, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  // One run at a time (see jit_executor.h).
  UPS_ASSERT(st_.ctx == nullptr);
  bpf::SubprogInvoker* saved_invoker = ctx.invoker;
  ctx.invoker = this;
  ctx.abort = false;
  st_.ctx = &ctx;
  st_.budget = budget_limit_;
  if (confined_ && st_.sandbox.read_len == 0) seed_regions(st_, confined_);
  nested_trap_.kind = vm::TrapKind::none;
  vm::RunResult r;
  // Hosts mostly enter at slot 0 (a callback's program): through the
  // callback trampoline, which takes r1-r5 in registers and sets the frame,
  // depth and trap fields itself. A top-level run has no outer trampoline
  // whose saved_rsp it would have to keep.
  if (entry == 0 && fast_entry0_ != nullptr) [[likely]] {
    r.r0 = code_->enter_slot0(st_, r1, r2, r3, r4, r5);
    if (st_.trap_kind != static_cast<u32>(vm::TrapKind::none)) [[unlikely]] r.trap = trap_of_run();
  } else {
    r = enter(entry, 0, r1, r2, r3, r4, r5);
  }
  ctx.invoker = saved_invoker;
  st_.ctx = nullptr;
  return r;
}

bool JitExecutor::confine(const vm::MemoryGuard* guard) {
  confined_ = guard;
  // Regions found under another guard are not this one's.
  insn_regions_.assign(guard ? program_->checked().slots() : 0, InsnRegion{});
  // Fixed until the next confine(): set here, not at every run.
  st_.guard = guard;
  st_.insn_regions = guard ? insn_regions_.data() : nullptr;
  st_.sandbox = guard ? guard->sandbox() : vm::MemoryGuard::SandboxSpan{};
  // A sandboxed guard's stack lies inside its sandbox (memory_guard.h).
  u8* own = guard ? guard->stack_memory(kStackBytes) : nullptr;
  stack_ = own ? own : own_stack_;
  st_.stack_top = stack_top();
  code_ = guard ? &program_->checked() : &program_->fast();
  return true;
}

vm::RunResult JitExecutor::enter(u32 entry, u32 depth, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  vm::RunResult r;
  const void* target = code_->entry(entry);
  if (!target) {
    r.trap = vm::Trap{vm::TrapKind::bad_call, entry, entry, 0, false};
    return r;
  }
  st_.args[0] = r1, st_.args[1] = r2, st_.args[2] = r3, st_.args[3] = r4, st_.args[4] = r5;
  st_.depth = depth;
  st_.may_goto[depth] = bpf::kMayGotoBudget;
  st_.frame_top = stack_top() - u64{depth} * bpf::kStackSize;
  st_.trap_kind = static_cast<u32>(vm::TrapKind::none);
  const u64 outer_rsp = st_.saved_rsp;
  r.r0 = code_->enter(st_, target);
  st_.saved_rsp = outer_rsp;
  if (st_.trap_kind != static_cast<u32>(vm::TrapKind::none)) r.trap = trap_of_run();
  return r;
}

vm::Trap JitExecutor::trap_of_run() const {
  const auto kind = static_cast<vm::TrapKind>(st_.trap_kind);
  // An abort after a callback trapped reports the callback's trap.
  if (kind == vm::TrapKind::aborted && nested_trap_.kind != vm::TrapKind::none) return nested_trap_;
  return vm::Trap{kind, st_.trap_pc, st_.trap_addr, static_cast<u8>(st_.trap_size), st_.trap_write != 0};
}

u64 JitExecutor::invoke(u32 entry, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  UPS_ASSERT(st_.ctx != nullptr);
  const u32 depth = st_.depth + 1;
  vm::RunResult r;
  if (depth >= bpf::kMaxCallDepth || !code_->entry(entry)) {
    r.trap = vm::Trap{depth >= bpf::kMaxCallDepth ? vm::TrapKind::call_depth : vm::TrapKind::bad_call, entry, entry,
                      0, false};
  } else {
    // The outer code forgets its cached regions when the helper returns.
    const u32 saved_depth = st_.depth;
    r = enter(entry, depth, r1, r2, r3, r4, r5);
    st_.depth = saved_depth;
  }
  if (!r.ok()) {
    if (nested_trap_.kind == vm::TrapKind::none) nested_trap_ = r.trap;
    st_.ctx->abort = true;
  }
  return r.r0;
}

u64 JitExecutor::run_callback(bpf::CallContext& ctx, u32 entry, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  callback_trap_ = vm::Trap{};
  if (st_.ctx != nullptr) return invoke(entry, r1, r2, r3, r4, r5);
  vm::RunResult r = run_at(entry, ctx, r1, r2, r3, r4, r5);
  callback_trap_ = r.trap;
  if (!r.ok()) ctx.abort = true;
  return r.r0;
}

std::optional<bpf::CallbackTrap> JitExecutor::last_callback_trap() const {
  if (callback_trap_.kind == vm::TrapKind::none) return std::nullopt;
  return bpf::CallbackTrap{callback_trap_.pc, callback_trap_.to_string()};
}

namespace {
CachedRegion cached(const vm::MemoryGuard::Span& s) { return CachedRegion{s.begin, s.end - s.begin, s.writable}; }
}  // namespace

u64 check_access(RunState* st, u64 addr, u64 info) {
  const u64 size = info & 0xff;
  const bool write = (info & 0x100) != 0;
  const u32 pc = static_cast<u32>(info >> 32);
  // The sandbox grew since the code last saw it (the policy allocated):
  // seen from now on.
  if (st->sandbox.read_len != 0) st->sandbox = st->guard->sandbox();
  const vm::MemoryGuard::Span r = st->guard ? st->guard->region_of(addr, size, write) : vm::MemoryGuard::Span{};
  if (!r.holds(addr, size, write)) return 0;
  // Programs alternate between objects (a task and a map value): the one
  // found replaces the older of the two. With a sandbox the code does not
  // revalidate them after calls, so a region that may go is not cached.
  if (st->sandbox.read_len == 0) {
    st->other = st->last;
    st->last = cached(r);
  }
  if (r.lasting && st->insn_regions) st->insn_regions[pc] = InsnRegion{r.begin, r.end - size};
  return 1;
}

void revalidate_regions(RunState* st) {
  if (!st->guard) return;
  const u64 generation = st->guard->generation();
  if (generation == st->generation) return;
  st->generation = generation;
  st->last = st->other = CachedRegion{};
}

void seed_regions(RunState& st, const vm::MemoryGuard* guard) {
  if (!guard || st.sandbox.read_len != 0) {
    st.last = st.other = CachedRegion{};
    return;
  }
  st.generation = guard->generation();
  st.last = cached(guard->first_guess(0));
  st.other = cached(guard->first_guess(1));
}

}  // namespace ups::jit
