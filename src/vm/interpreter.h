// Interpreter: the interpreter backend's Executor (executor.h); runs a
// ThreadedProgram. Computed-goto dispatch over pre-decoded VmInsns; no
// allocation per run.
//
// An Interpreter holds the state of the run in progress: the stack of 8
// frames x 512 bytes, the saved registers of bpf-to-bpf calls, the running
// CallContext, the back-edge budget. So it runs one program at a time, on
// one thread: a host that runs a program on several threads at once makes
// one Interpreter per thread (ThreadedProgram::new_executor), all sharing
// the one immutable ThreadedProgram. Starting a top-level run while one is
// in progress is a bug and asserts; nested runs go through invoke() and
// run_callback() only.
//
// Two instantiations of one loop:
//  - fast: trusts the verifier for memory safety.
//  - CHECKED (run_checked(), or every run after confine()): every load,
//    store and atomic is checked against the caller's MemoryGuard plus the
//    live stack frames, and a miss traps with a report instead of touching
//    memory. run_checked() also counts executed instructions, and calls a
//    StepObserver before each instruction if one is set (the verifier's
//    soundness tests and the benchmark's instruction counts use it);
//    confined policies (policy/confinement.h), whose guard has a sandbox,
//    run a loop of their own that tests the sandbox (and asks the guard
//    only when that fails), counts nothing and is threaded like the fast
//    one (ThreadedProgram::confined_insns), unless an observer is set.
// Both trap on call depth > 8, on an exhausted back-edge budget (a loop
// guard: every taken backward jump costs one unit), on callx to an unknown
// id, and when an extern sets CallContext::abort.
//
// Calling convention: r1-r5 are the arguments, r10 the top of the frame;
// bpf-to-bpf calls save r6-r9 and move r10 down by 512 bytes. The
// Interpreter is the CallContext's SubprogInvoker during a run, so helpers
// like bpf_loop can call BPF callbacks (entry = instruction index, as a
// PSEUDO_FUNC lddw yields); a callback runs on the next frame.
#pragma once

#include <vector>

#include "bpf/call_context.h"
#include "vm/executor.h"
#include "vm/region_set.h"
#include "vm/step_observer.h"
#include "vm/threaded_program.h"
#include "vm/trap.h"

namespace ups::vm {

class Interpreter final : public Executor {
public:
  // `program` must outlive the Interpreter.
  explicit Interpreter(const ThreadedProgram& program) : program_(&program) {}
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  using Executor::run;
  // Executor: fast, or CHECKED while confined.
  RunResult run_at(u32 entry, bpf::CallContext& ctx, u64 r1 = 0, u64 r2 = 0, u64 r3 = 0, u64 r4 = 0,
                   u64 r5 = 0) override;
  // Executor: later runs through run_at() are CHECKED; null: fast again.
  bool confine(const MemoryGuard* guard) override {
    confined_ = guard;
    lasting_of_ = nullptr;  // another guard's regions are not this one's
    // A sandboxed guard's stack lies inside its sandbox (memory_guard.h).
    u8* own = guard ? guard->stack_memory(kStackBytes) : nullptr;
    stack_ = own ? own : own_stack_;
    sandboxed_ = guard && guard->sandbox().read_len != 0;
    return true;
  }
  // One CHECKED run against `regions`, confined or not.
  RunResult run_checked(const MemoryGuard& regions, bpf::CallContext& ctx, u64 r1 = 0, u64 r2 = 0, u64 r3 = 0,
                        u64 r4 = 0, u64 r5 = 0, u32 entry = 0);
  // CHECKED runs call it before each instruction (null: none).
  void set_observer(StepObserver* observer) { observer_ = observer; }

  // SubprogInvoker: only valid while a run is in progress (from a helper).
  // A trap inside the callback stops the outer program too.
  u64 invoke(u32 entry_insn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) override;
  // SubprogInvoker: a timer callback fired between runs is a top-level run
  // of this interpreter; fired from inside a run (a helper advancing the
  // clock) it runs nested on the next frame, like invoke().
  u64 run_callback(bpf::CallContext& ctx, u32 entry_insn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) override {
    callback_trap_ = Trap{};
    if (ctx_ != nullptr) return invoke(entry_insn, r1, r2, r3, r4, r5);
    RunResult r = run_at(entry_insn, ctx, r1, r2, r3, r4, r5);
    callback_trap_ = r.trap;
    if (!r.ok()) ctx.abort = true;
    return r.r0;
  }
  std::optional<bpf::CallbackTrap> last_callback_trap() const override {
    if (callback_trap_.kind == TrapKind::none) return std::nullopt;
    return bpf::CallbackTrap{callback_trap_.pc, callback_trap_.to_string()};
  }

  // SubprogInvoker: all frames' stack memory.
  std::span<const u8> stack() const override { return {stack_, kStackBytes}; }
  // Executor: taken backward jumps allowed per top-level run (default: unlimited).
  void set_backedge_budget(u64 budget) override { budget_limit_ = budget; }

  // The fast loop's label per VmOp (ThreadedProgram::thread stores them).
  static const void* const* fast_handlers();
  // The confined loop's (ThreadedProgram::confined_insns).
  static const void* const* confined_handlers();

private:
  // entry == kExportLabels: returns the label table in r0 instead of running.
  static constexpr u32 kExportLabels = ~u32{0};
  // The loop's instantiations: fast; CHECKED; CHECKED with a StepObserver
  // (kept apart so that confined runs pay no test for it); confined: the
  // guard's sandbox tested alone, nothing counted (a confined policy's runs).
  enum class Mode : u8 { fast, checked, observed, confined };
  template <Mode kMode>
  static RunResult exec(Interpreter* self, u32 entry, int base_depth, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
  // A CHECKED run (kMode not fast) against `regions`.
  template <Mode kMode>
  RunResult guarded(const MemoryGuard& regions, u32 entry, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3, u64 r4,
                    u64 r5);
  template <Mode kMode>
  RunResult start(u32 entry, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
  u64 stack_top() const { return reinterpret_cast<u64>(stack_ + kStackBytes); }

  struct Frame {
    const VmInsn* ret;
    u64 saved[4];  // r6-r9
  };

  const ThreadedProgram* program_;
  const MemoryGuard* confined_ = nullptr;  // set by confine()
  bool sandboxed_ = false;                 // confined_ has a sandbox (which never goes)
  const MemoryGuard* regions_ = nullptr;   // CHECKED mode only: of the run in progress
  // CHECKED mode: per instruction, the lasting region (MemoryGuard::Span)
  // it last touched, kept across runs against the same guard, so that a
  // run does not ask the guard again for the maps it used before.
  std::vector<MemoryGuard::Span> lasting_;
  const MemoryGuard* lasting_of_ = nullptr;
  StepObserver* observer_ = nullptr;
  bpf::CallContext* ctx_ = nullptr;
  Mode mode_ = Mode::fast;  // of the run in progress (nested runs use it too)
  int depth_ = 0;           // frame of the instruction calling an extern
  u64 budget_limit_ = ~u64{0};
  u64 budget_left_ = ~u64{0};
  u64 executed_ = 0;        // CHECKED mode: instructions of nested runs
  Trap nested_trap_;        // a trap inside invoke(), reported by the outer run
  Trap callback_trap_;      // how the last top-level run_callback ended
  Frame frames_[bpf::kMaxCallDepth];
  u64 may_goto_[bpf::kMaxCallDepth] = {};  // each frame's may_goto budget left
  static constexpr std::size_t kStackBytes = bpf::kMaxCallDepth * bpf::kStackSize;
  alignas(16) u8 own_stack_[kStackBytes];
  u8* stack_ = own_stack_;  // own_stack_, or the guard's (confine)
};

}  // namespace ups::vm
