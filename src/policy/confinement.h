// Confinement, the second wall: a policy whose loader is not an
// administrator (holds no sched.all_tasks, the capability that also lets a
// loader see pointer values) runs confined. Its interpreter checks every
// load, store and atomic against the memory that is the policy's own
// (vm::Interpreter::confine): its live stack frames first, then this
// PolicyMemory: the callback's argument array and argument struct, its
// maps' values, and the task mirrors and cpumasks handed to it. Helpers and
// kfuncs it calls get their pointer arguments checked against the same
// memory before they run (confined_externs), as the prototype tables
// describe them. A verifier bug then stops the program with an exit report
// instead of reaching the host's memory.
//
// The check is one range test per region, in order of how often programs
// touch them (map regions by binary search); the executor tests its stack
// and the last two regions found inline (vm/memory_guard.h), and a JIT
// emits the same tests, so both executors confine alike.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/call_context.h"
#include "bpf/helpers/helper_protos.h"
#include "vm/memory_guard.h"

namespace ups::policy {

class BpfPolicy;

class PolicyMemory final : public vm::MemoryGuard {
public:
  explicit PolicyMemory(const BpfPolicy& host) : host_(host) {}

  // Before each run: the callback's argument array and the struct one of
  // them points to (init_task's args, exit's info), if any; after it, empty
  // spans (timer callbacks run with neither).
  // Returns the run's regions it replaced, for leave_run: a callback may run
  // inside a kfunc of another one, whose regions come back after it.
  struct RunRegions {
    Span args, arg_struct;
  };
  // task: the task mirror handed out last (TaskMirrors::last_handed_out),
  // the run's second first guess. Inline: they run around every callback.
  RunRegions enter_run(std::span<const u64> args, std::span<const std::byte> arg_struct,
                       std::optional<std::pair<u64, u64>> task) {
    const RunRegions outer{args_, arg_struct_};
    const u64 a = reinterpret_cast<u64>(args.data()), s = reinterpret_cast<u64>(arg_struct.data());
    args_ = Region{a, a + args.size_bytes(), false};
    arg_struct_ = Region{s, s + arg_struct.size(), false};
    guesses_[0] = args_;
    guesses_[1] = task ? Region{task->first, task->second, true} : Region{};
    return outer;
  }
  void leave_run(const RunRegions& outer) {
    args_ = outer.args;
    arg_struct_ = outer.arg_struct;
    guesses_[0] = guesses_[1] = Region{};
  }

  Span region_of(u64 addr, u64 size, bool write) const override;
  // The sum of the maps', the task mirrors' and the cpumasks' generations:
  // each only grows, so the sum changes when any of them does.
  u64 generation() const override;
  // A pointer argument of a helper or kfunc that reaches memory the policy
  // does not own (argno 0: none). Found without building a message, which
  // only a refusal needs.
  struct ArgFault {
    int argno = 0;  // 1-5
    u64 addr = 0, size = 0;
    bool write = false;
    bool not_a_map = false;  // a map argument that is no map of the policy
    std::string_view callee;
    std::string message() const;  // "" when argno is 0
  };
  ArgFault helper_arg_fault(u32 id, const u64* a) const;
  ArgFault kfunc_arg_fault(u32 index, const u64* a) const;
  // Empty, or why a helper's (kfunc's) pointer argument reaches memory the
  // policy does not own. a: R1-R5.
  std::string check_helper_args(u32 id, const u64* a) const { return helper_arg_fault(id, a).message(); }
  std::string check_kfunc_args(u32 index, const u64* a) const { return kfunc_arg_fault(index, a).message(); }

private:
  using Region = Span;
  // Lists the maps' regions again if a map has new ones; true if it did.
  bool refresh_maps() const;
  bool mem_ok(u64 addr, u64 size, bool write) const { return size == 0 || allows(addr, size, write); }

  const BpfPolicy& host_;
  // Helper prototypes by id, looked up once (calls check them each time).
  mutable std::vector<const bpf::HelperProto*> protos_;
  Region args_{0, 0, false}, arg_struct_{0, 0, false};
  mutable std::vector<Region> maps_;  // every map's values
  mutable u64 maps_generation_ = ~u64{0};
};

// The policy's externs as a confined policy calls them: for each entry of
// `raw` (the host's table, BpfPolicy::externs()), one that first checks its
// pointer arguments (BpfPolicy::memory()) and then runs the host's function
// from that table.
// Calls whose arguments include none that check_*_args checks (numbers,
// tasks, cpumasks, callbacks) are the host's own function.
bpf::ExternTable confined_externs(const bpf::ExternTable& raw);
// Does PolicyMemory check an argument of this helper id (kfunc index)?
bool helper_args_checked(u32 id);
bool kfunc_args_checked(u32 index);

}  // namespace ups::policy
