// CallContext: what an executing BPF program's helper and kfunc calls can
// reach. The VM passes it through untouched; helpers (bpf/helpers) use the
// HelperEnv; kfuncs (policy/) use `host`. ExternFn is the one calling
// convention for both, so the interpreter (and later the JIT) calls every
// extern through a table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/types.h"

namespace ups::bpf {

struct CallContext;
using ExternFn = u64 (*)(CallContext& ctx, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);

// Where and why a callback run by SubprogInvoker::run_callback stopped.
struct CallbackTrap {
  u32 pc = 0;        // slot index of the instruction
  std::string what;  // the trap, as the invoker describes it
};

// Lets a helper call back into BPF code (bpf_loop, timer callbacks): the
// entry is an instruction index in the same program image.
class SubprogInvoker {
public:
  virtual ~SubprogInvoker() = default;
  virtual u64 invoke(u32 entry_insn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) = 0;
  // Runs a callback outside any run of the program, as a top-level run with
  // its own context: a bpf_timer callback fired by the substrate's clock
  // (bpf/helpers/timer_table.h). A trap sets ctx.abort, and
  // last_callback_trap() says where. The default suits invokers that need
  // no active run.
  virtual u64 run_callback(CallContext& ctx, u32 entry_insn, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
    (void)ctx;
    return invoke(entry_insn, r1, r2, r3, r4, r5);
  }
  // The trap that stopped the last run_callback, if it trapped and the
  // invoker knows where.
  virtual std::optional<CallbackTrap> last_callback_trap() const { return std::nullopt; }
  // The memory the programs it runs use as their stack (r10 points into
  // it), so a host can accept stack arguments such as iterators and
  // out-parameters; empty when the invoker has no stack of its own.
  virtual std::span<const u8> stack() const { return {}; }
};

class HelperEnv;  // bpf/helper_env.h: clock, CPU, PRNG, trace, timers

struct CallContext {
  SubprogInvoker* invoker = nullptr;
  HelperEnv* env = nullptr;
  void* host = nullptr;  // the policy host's per-class state (kfuncs)
  // Set by an extern to stop the program at once (a fatal run-time check);
  // the VM returns and the host reports the message.
  bool abort = false;
};

// Helpers by id (bpf_func_id numbering), kfuncs by the index the loader
// assigned. A null entry is an unknown call (the verifier rejects it first).
struct ExternTable {
  std::vector<ExternFn> helpers;
  std::vector<ExternFn> kfuncs;
};

}  // namespace ups::bpf
