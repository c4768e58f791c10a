// JitExecutor: the JIT backend's Executor (vm/executor.h); runs a
// JitProgram's code with the interpreter's contract (vm/interpreter.h):
// the same stack of 8 frames x 512 bytes, the same traps at the same
// instruction index (call depth, back-edge budget, callx to an unknown id,
// an extern's abort, and in CHECKED mode every load, store and atomic
// outside the live frames and the guard's regions), the same nesting of
// callback runs through invoke() and run_callback().
//
// One run at a time, on one thread (one JitExecutor per thread). A nested
// run (a helper calling invoke()) re-enters the code through its trampoline
// on the next frame; a trap in it unwinds to that trampoline only, and the
// outer run reports it when the helper returns (as the interpreter does).
// Not counted here: RunResult::executed stays 0 (the interpreter's CHECKED
// mode counts instructions; the JIT's code does not).
#pragma once

#include <vector>

#include "bpf/call_context.h"
#include "jit/jit_program.h"
#include "jit/run_state.h"
#include "vm/executor.h"
#include "vm/trap.h"

namespace ups::jit {

class JitExecutor final : public vm::Executor {
public:
  // `program` must outlive the executor.
  explicit JitExecutor(const JitProgram& program)
      : program_(&program), fast_entry0_(program.fast().entry(0)), code_(&program.fast()) {
    // Fixed for the executor's life: set once, not at every run.
    st_.helpers = program.helpers().data();
    st_.helper_count = program.helpers().size();
    st_.stack_top = stack_top();
  }
  JitExecutor(const JitExecutor&) = delete;
  JitExecutor& operator=(const JitExecutor&) = delete;

  using Executor::run;
  vm::RunResult run_at(u32 entry, bpf::CallContext& ctx, u64 r1 = 0, u64 r2 = 0, u64 r3 = 0, u64 r4 = 0,
                       u64 r5 = 0) override;
  void set_backedge_budget(u64 budget) override { budget_limit_ = budget; }
  bool confine(const vm::MemoryGuard* guard) override;

  // SubprogInvoker (see vm::Interpreter for the contract).
  u64 invoke(u32 entry_insn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) override;
  u64 run_callback(bpf::CallContext& ctx, u32 entry_insn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) override;
  std::optional<bpf::CallbackTrap> last_callback_trap() const override;
  std::span<const u8> stack() const override { return {stack_, kStackBytes}; }

private:
  // Runs slot `entry` on frame `depth` of the code chosen for this run.
  vm::RunResult enter(u32 entry, u32 depth, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
  u64 stack_top() const { return reinterpret_cast<u64>(stack_ + kStackBytes); }
  // The trap the RunState's fields describe, after a run that set one.
  vm::Trap trap_of_run() const;

  const JitProgram* program_;
  const void* fast_entry0_;  // program_->fast().entry(0): null for an empty program
  const vm::MemoryGuard* confined_ = nullptr;
  const JitCode* code_;  // fast, or CHECKED while confined
  u64 budget_limit_ = ~u64{0};
  vm::Trap nested_trap_;    // a trap inside invoke(), reported by the outer run
  vm::Trap callback_trap_;  // how the last top-level run_callback ended
  std::vector<InsnRegion> insn_regions_;  // CHECKED mode, per slot; reset with the guard
  RunState st_;
  static constexpr std::size_t kStackBytes = bpf::kMaxCallDepth * bpf::kStackSize;
  alignas(16) u8 own_stack_[kStackBytes];
  u8* stack_ = own_stack_;  // own_stack_, or the guard's (confine)
};

}  // namespace ups::jit
