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
// With a sandbox (sandbox.h), which every confined policy the loader makes
// gets, all of that memory lies in one span and the test is one range
// test; what a policy may touch outside it (acquired cpumasks, allocated
// objects, cgroup mirrors) is found among the regions below.
//
// Without one, the check is one range test per region, in order of how often programs
// touch them (map regions by binary search); the executor tests its stack
// and the last two regions found inline (vm/memory_guard.h), and a JIT
// emits the same tests, so both executors confine alike.
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/call_context.h"
#include "bpf/helpers/helper_protos.h"
#include "bpf/maps/map.h"
#include "policy/sandbox.h"
#include "policy/task_mirror.h"
#include "vm/memory_guard.h"

namespace ups::policy {

class BpfPolicy;

class PolicyMemory final : public vm::MemoryGuard {
public:
  explicit PolicyMemory(const BpfPolicy& host) : host_(host) {}

  // Around each run: the callback's argument array and the struct one of
  // them points to (init_task's args, exit's info), if any (timer
  // callbacks run with neither). Runs nest (a callback may run inside a
  // kfunc of another one), so leave_run brings back the outer run's.
  // Returns the address the program gets its arguments at: with a sandbox,
  // a copy of them in it (and of the struct, which the copied argument
  // then points to); otherwise args' own, listed as regions. mirrors:
  // their last handed out is then the run's second first guess.
  // Inline: they run around every callback.
  using Args = std::array<u64, 5>;
  u64 enter_run(const Args& args, std::span<const std::byte> arg_struct, const TaskMirrors& mirrors) {
    if (run_depth_ < sandbox_slots_ && arg_struct.empty()) [[likely]] {
      u8* slot = arg_slots_.data() + run_depth_++ * kSlotBytes;
      std::memcpy(slot, args.data(), sizeof args);
      return reinterpret_cast<u64>(slot);
    }
    return enter_run_slow(args, arg_struct, mirrors);
  }
  void leave_run() {
    if (--run_depth_ == outer_run_depth_) [[unlikely]] leave_run_slow();
  }

  // Every memory the policy may touch from now on lies in `sandbox` (its
  // maps' values, task mirrors, the executors' stacks and the callbacks'
  // arguments are taken from it), tested before any region. Set before
  // the executors are confined.
  void set_sandbox(std::shared_ptr<Sandbox> sandbox);
  u8* stack_memory(std::size_t bytes) const override;

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
  // The quick yes of helper_arg_fault for the calls programs make most, a
  // map and its key (and value) in the sandbox: bpf_map_lookup_elem,
  // update, delete and their kin. False means "ask helper_arg_fault".
  bool map_call_in_sandbox(u32 id, const u64* a) const {
    if (id >= map_calls_.size() || map_calls_[id] == MapCall::no || !sandbox_) return false;
    const bpf::Map* map = own_map(a[0]);
    const SandboxSpan sb = *sandbox_;
    return map && sb.holds(a[1], map->key_size(), false) &&
           (map_calls_[id] == MapCall::key || sb.holds(a[2], map->value_size(), false));
  }
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

  // enter_run's other cases: a struct to copy too, no sandbox, or nesting
  // deeper than the slots.
  u64 enter_run_slow(const Args& args, std::span<const std::byte> arg_struct, const TaskMirrors& mirrors);
  void leave_run_slow();
  // The regions a run without a slot replaced, with its nesting level.
  struct OuterRun {
    std::size_t depth;
    Span args, arg_struct;
  };
  std::vector<OuterRun> outer_runs_;
  std::size_t outer_run_depth_ = ~std::size_t{0};  // the last one's depth; none: all ones
  std::size_t sandbox_slots_ = 0;                  // kArgSlots with a sandbox, else 0

  // Argument slots in the sandbox's read-only half, one per nesting level
  // of runs: the arguments at 0, the struct one of them points to at
  // kSlotStructOff.
  static constexpr std::size_t kArgSlots = 16, kSlotBytes = 256, kSlotStructOff = 64;
  static_assert(sizeof(Args) <= kSlotStructOff);

  const BpfPolicy& host_;
  std::shared_ptr<Sandbox> owner_;
  bpf::ValueBlock arg_slots_;
  std::size_t run_depth_ = 0;
  // Helper prototypes by id, looked up once (calls check them each time).
  mutable std::vector<const bpf::HelperProto*> protos_;
  // Per helper id: does its prototype begin (map, key) or (map, key, value)
  // with nothing else to check (map_call_in_sandbox)?
  enum class MapCall : u8 { no, key, key_value };
  std::vector<MapCall> map_calls_ = map_call_shapes();
  static std::vector<MapCall> map_call_shapes();
  // The policy's map at addr, or null.
  const bpf::Map* own_map(u64 addr) const;
  // A reserved sample of one of the policy's ring buffers?
  bool ringbuf_sample_of_policy(u64 sample) const;
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
