// The sched_ext API a policy may use, as plain data: what a kfunc row says
// (KfuncInfo: names, old names, prototype, flags, the callbacks that may
// call it, the capability it needs, the host function), every callback of
// struct sched_ext_ops (index, arguments, return range, sleepability), the
// task fields and what a policy may do with each, and the BPF helpers the
// SDK declares.
//
// This is the one place these facts live, but for the kfunc rows
// themselves: they sit next to their host functions in policy/kfuncs.cpp
// (policy::kfuncs()), which this module cannot see. The SDK headers
// (sdk/include/scx/common.bpf.h, sdk/include/upsched/*.h) declare the same
// kfuncs (a test keeps the two equal); the policy host turns the tables into
// the verifier's ApiSet and field rules for each callback and capability set.
//
// Per-callback kfunc sets follow Linux v7.2-rc2 (scx_kf_allow_flags[],
// sched_ext-abi.md §7); capabilities follow DESIGN.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/types.h"
#include "base/virt_place.h"
#include "bpf/call_context.h"
#include "security/capability.h"

namespace ups::kabi {

using security::Capability;

// Kfunc sets of sched_ext (a kfunc may belong to several). A callback
// allows some of them; every program also gets `any` and `idle`.
enum KfSet : u32 {
  kf_set_enqueue_dispatch = 1u << 0,  // insert: select_cpu, enqueue, dispatch
  kf_set_dispatch = 1u << 1,          // dispatch only
  kf_set_cpu_release = 1u << 2,       // cpu_release only
  kf_set_unlocked = 1u << 3,          // sleepable callbacks, timers
  kf_set_select_cpu = 1u << 4,        // select_cpu, enqueue
  kf_set_init = 1u << 5,              // init only
  kf_set_idle = 1u << 6,              // every program (needs built-in idle tracking)
  kf_set_any = 1u << 7,               // every program
};
using KfSets = u32;

// What a kfunc argument must be.
enum class KArg : u8 {
  scalar,       // any initialised number
  task,         // struct task_struct *, trusted, non-NULL
  cpumask,      // const struct cpumask *, trusted (p->cpus_ptr, acquired masks)
  bpf_cpumask,  // struct bpf_cpumask *, an acquired reference
  dsq_iter,     // struct bpf_iter_scx_dsq * on the stack
  num_iter,     // struct bpf_iter_num * on the stack
  out_bool,     // bool * to 1 writable, initialised byte (stack or map value)
  fmt_str,      // const char *: NUL-terminated string in the object's data
  mem,          // pointer to readable memory; the next argument is its size
  mem_size,     // size in bytes of the previous `mem` argument (may be 0)
  opaque_ptr,   // pointer to memory the host does not read (struct args)
  // Allocated objects and rbtrees (docs/writing-a-policy.md):
  local_type,   // u64 local_type_id: a constant BTF id of the program's struct
  local_obj,    // void *: an owning reference to an allocated object
  rb_root,      // struct bpf_rb_root *, its spin lock held
  rb_node,      // struct bpf_rb_node * of an owned object (bpf_rbtree_add)
  rb_node_ref,  // struct bpf_rb_node * of a node in the tree (bpf_rbtree_remove)
  callback,     // a static function of the program (bpf_rbtree_add's less)
  meta,         // void *meta of the *_impl kfuncs: NULL (Linux's verifier fills it in)
  cgroup,       // struct cgroup *, trusted (a callback argument, an acquired one)
  arena_map,    // void *map: the program's BPF_MAP_TYPE_ARENA map
  arena,        // void __arena *: an arena pointer or a number (never a host pointer)
  res_spin_lock,  // struct bpf_res_spin_lock * in a map value (or a .data section of its own)
};

enum class KRet : u8 {
  void_,
  scalar,       // see ret_range
  boolean,      // 0 or 1
  task,         // struct task_struct *
  cpumask,      // const struct cpumask *
  bpf_cpumask,  // struct bpf_cpumask *
  int_ptr,      // int * (bpf_iter_num_next)
  local_obj,    // void *: an allocated object (bpf_obj_new)
  rb_node,      // struct bpf_rb_node *: owning or not, as the kf_rbtree_* flag says
  cgroup,       // struct cgroup *
  arena,        // void __arena *: an arena pointer, 0 on failure
};

enum KfFlag : u32 {
  kf_acquire = 1u << 0,    // returns a reference that must be released
  kf_release = 1u << 1,    // consumes the reference passed as first pointer
  kf_ret_null = 1u << 2,   // the returned pointer may be NULL
  kf_sleepable = 1u << 3,  // only from sleepable programs
  kf_iter_new = 1u << 4,   // open-coded iterator protocol
  kf_iter_next = 1u << 5,
  kf_iter_destroy = 1u << 6,
  kf_rcu = 1u << 7,  // pointer arguments may be RCU-protected
  // The call ends the run (scx_bpf_error: the class is being ejected, the
  // host stops the program there), so no path goes on after it.
  kf_ends_run = 1u << 8,
  // Allocated objects and rbtrees: what the call does to ownership
  // (verifier::Special).
  kf_obj_new = 1u << 9,
  kf_rbtree_add = 1u << 10,
  kf_rbtree_first = 1u << 11,
  kf_rbtree_remove = 1u << 12,
  kf_spinlock_safe = 1u << 13,  // may be called while holding a bpf_spin_lock (Linux KF_SPINLOCK_SAFE)
};

struct KfuncInfo {
  std::string_view name;                  // canonical symbol, declared by the SDK
  bpf::ExternFn host = nullptr;           // what a call runs (policy/kfuncs.cpp)
  std::vector<std::string_view> aliases;  // other symbols bound to it
  KRet ret = KRet::void_;
  std::optional<std::pair<s64, s64>> ret_range;  // for KRet::scalar
  std::vector<KArg> args;
  u32 flags = 0;    // KfFlag
  KfSets sets = 0;  // which callbacks may call it (see callback_sets)
  // Needed to load a policy that calls it at all.
  std::optional<Capability> cap;
  // Widens what it does at run time (bpf_task_from_pid of other users'
  // tasks with sched.inspect); without it the call still verifies.
  std::optional<Capability> widened_by;
  std::string_view since;  // Linux version of the name, or "upsched"
  // A flag argument whose bit needs a capability at run time (the host
  // checks it; the verifier too when the value is a known constant):
  // SCX_ENQ_PREEMPT in enq_flags preempts a CPU, like a kick.
  struct FlagCap {
    u32 arg = 0;  // argument index
    u64 mask = 0;
    Capability cap = Capability::kick;
  };
  std::optional<FlagCap> flag_cap;
  // A guest/host hint kfunc serves one side (base/virt_place.h): loaded at
  // a place of the other side, a policy that calls it is refused.
  VirtSide side = VirtSide::none;
};

// A struct_ops callback argument (ctx[i]).
enum class CbArg : u8 {
  scalar,         // range [lo, hi]
  task,           // struct task_struct *, trusted, non-NULL
  task_nullable,  // dispatch's prev, yield's to
  cpumask,        // const struct cpumask *
  args_struct,    // pointer to struct `struct_name`, read-only
  cgroup,         // struct cgroup *, trusted, non-NULL
};

struct CallbackArg {
  std::string_view name;
  CbArg kind = CbArg::scalar;
  std::string_view struct_name;  // for args_struct
  s64 lo = 0, hi = 0;            // for scalar
};

struct CallbackInfo {
  std::string_view name;  // member of struct sched_ext_ops
  u32 index = 0;          // SCX_OP_IDX: member offset / 8
  bool sleepable_ok = false;
  // Whether upsched's core ever calls it. A policy may fill the others
  // (they build for Linux); upsched leaves them uncalled.
  bool hosted = false;
  KfSets sets = 0;  // allowed kfunc sets beyond any + idle
  std::vector<CallbackArg> args;
  std::optional<std::pair<s64, s64>> ret;  // nullopt: void
};

// A field of struct task_struct (path as written in C: "scx.slice").
struct TaskFieldAccess {
  std::string_view path;
  bool read = true;
  bool write = false;
  std::optional<Capability> cap;  // needed for any access
};

struct HelperInfo {
  u32 id = 0;  // Linux bpf_func_id
  std::string_view name;
  std::optional<Capability> cap;
};

const std::vector<CallbackInfo>& callbacks();
const std::vector<TaskFieldAccess>& task_fields();
const std::vector<HelperInfo>& helpers();

// `name` without its last "___suffix" (unchanged when it has none).
std::string_view strip_flavour(std::string_view name);

const CallbackInfo* find_callback(std::string_view name);
const CallbackInfo* callback_at(u32 index);
const TaskFieldAccess* find_task_field(std::string_view path);
const HelperInfo* find_helper(u32 id);

// Sets a BPF timer callback may use (Linux: like a non-struct_ops program,
// plus the DSQ moves that sched_ext allows from timers).
inline constexpr KfSets kTimerSets = kf_set_any | kf_set_idle | kf_set_unlocked;

// Sets a callback may use: its own plus any and idle. Implementing
// update_idle without SCX_OPS_KEEP_BUILTIN_IDLE turns built-in idle
// tracking off, and the idle set with it.
KfSets callback_sets(const CallbackInfo& cb, bool builtin_idle = true);

// Why `k` may not be called from callback `cb` (nullptr: a timer callback)
// in a program that is (not) sleepable, by a loader holding `caps`, loaded
// at `place`; nullopt when the call is allowed. Messages name the kfunc, the
// callback and the capability, e.g. "scx_bpf_kick_cpu needs capability
// sched.kick", or the side: "upsched_vcpu_hint is a host-side kfunc; this
// policy is loaded in guest VM 'vm0'".
std::optional<std::string> kfunc_refusal(const KfuncInfo& k, const CallbackInfo* cb, bool sleepable,
                                         const security::CapabilitySet& caps,
                                         bool builtin_idle = true, const VirtPlace& place = {});

// The callbacks (by name) from which `k` may be called.
std::vector<std::string_view> allowed_callbacks(const KfuncInfo& k);

}  // namespace ups::kabi
