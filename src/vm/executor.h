// The executor seam: how a host runs a linked program without knowing which
// backend made the code (the interpreter today, the x86-64 JIT later).
//
//   LinkedProgram --Backend--> ExecutableProgram --new_executor()--> Executor
//   (backend-neutral)          (code: immutable,    (per-run state: stack,
//                               shared)               frames; one per thread)
//
// A host calls the Executor once per program run (one indirect call per
// run; nothing per BPF instruction). An Executor holds the state of the
// run in progress, so it runs one program at a time: a host that runs a
// program on several threads at once makes one Executor per thread from
// the same ExecutableProgram. Runs nest only through the SubprogInvoker
// calls a helper makes (bpf_loop, timer callbacks).
#pragma once

#include <memory>

#include "base/result.h"
#include "bpf/call_context.h"
#include "vm/linked_program.h"
#include "vm/memory_guard.h"
#include "vm/region_set.h"
#include "vm/trap.h"

namespace ups::vm {

class Executor : public bpf::SubprogInvoker {
public:
  // Runs the program from slot `entry` with r1-r5 as arguments. A trap
  // names its instruction (Trap::pc); an entry outside the program is a
  // bad_call trap. During the run the executor is ctx.invoker.
  virtual RunResult run_at(u32 entry, bpf::CallContext& ctx, u64 r1 = 0, u64 r2 = 0, u64 r3 = 0, u64 r4 = 0,
                           u64 r5 = 0) = 0;
  RunResult run(bpf::CallContext& ctx, u64 r1 = 0, u64 r2 = 0, u64 r3 = 0, u64 r4 = 0, u64 r5 = 0) {
    return run_at(0, ctx, r1, r2, r3, r4, r5);
  }
  // Taken backward jumps allowed per top-level run (default: unlimited).
  virtual void set_backedge_budget(u64 budget) = 0;
  // Every later run checks each load, store and atomic against `guard`
  // (a RegionSet, or a confined policy's memory; it must outlive those
  // runs) and the executor's own stack, and traps on a miss instead of
  // touching memory; null lifts it. False when this backend cannot check
  // accesses (then nothing changes).
  virtual bool confine(const MemoryGuard* guard) = 0;
};

// A backend's code for one linked program. Immutable; outlives every
// Executor it made.
class ExecutableProgram {
public:
  virtual ~ExecutableProgram() = default;
  virtual std::unique_ptr<Executor> new_executor() const = 0;
};

// A backend: makes executable code from a linked program (which it need
// not keep). Errors name the instruction the backend cannot handle.
using Backend = Result<std::unique_ptr<ExecutableProgram>> (*)(const LinkedProgram& program);

}  // namespace ups::vm
