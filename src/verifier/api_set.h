// ApiSet: the helpers and kfuncs one callback may call, with their
// prototypes, and for the ones it may not call, the reason to print
// ("scx_bpf_kick_cpu needs capability sched.kick"). Handed to the verifier
// by the policy host, which derives it from the callback and the loader's
// capabilities; the verifier itself knows no names.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/types.h"

namespace ups::verifier {

enum class ArgKind : u8 {
  none,          // unused argument slot
  scalar,        // any initialised number
  any,           // any initialised value, pointers too (passed through, e.g. bpf_loop's ctx)
  map_ptr,       // a map (lddw of a map)
  map_key,       // pointer to key_size readable bytes (map from the map_ptr arg)
  map_value,     // pointer to value_size readable bytes
  map_value_out, // pointer to value_size writable bytes the call fills (pop, peek)
  mem,           // pointer to readable memory; the next argument is its size
                 // (or ArgSpec::size when that is fixed)
  mem_uninit,    // pointer to writable memory the call fills; size as for mem
  mem_size,      // size of the previous memory argument, > 0
  mem_size_or_zero,
  struct_ptr,    // typed pointer to struct_index (or struct_alt), trusted, nullable if said
  const_str,     // NUL-terminated string in read-only data (Linux ARG_PTR_TO_CONST_STR):
                 // a constant offset into a read-only map whose bytes hold a NUL there
  callback,      // a function address (lddw PSEUDO_FUNC)
  timer,         // pointer to the bpf_timer field of a map value
  spin_lock,     // pointer to the bpf_spin_lock field of a map value
  res_spin_lock, // pointer to the bpf_res_spin_lock field of a map value
  ref,           // any acquired reference (released by the call)
  iter,          // pointer to an open-coded iterator on the stack, of the
                 // type ArgSpec::struct_index names (its size is the
                 // struct's); Special says whether the call creates,
                 // advances or destroys it, otherwise it must be live
  // Allocated objects (bpf_obj_new), rbtrees and kptrs (local_objects.cpp):
  local_type,    // a constant BTF id of an allocatable struct of the program
  local_ref,     // an owning reference to an allocated object, at its start
                 // (nullable: or NULL, as bpf_kptr_xchg's second argument)
  rb_root,       // pointer to a bpf_rb_root in a map value, its lock held
  rb_node_owned, // an owning reference to an object, at its bpf_rb_node
  rb_node_ref,   // a non-owning reference to a node of that root's tree
  kptr_slot,     // pointer to a __kptr field of a map value
};

struct ArgSpec {
  ArgKind kind = ArgKind::none;
  s32 struct_index = -1;  // for struct_ptr and iter
  // struct_ptr: a second struct accepted, one that begins with struct_index
  // (a bpf_cpumask where a const struct cpumask * is read); -1: none.
  s32 struct_alt = -1;
  bool nullable = false;
  bool release = false;   // the call consumes this acquired reference
  u32 size = 0;           // mem/mem_uninit of a fixed size (no size argument)
  // mem: the memory must also be writable (Linux checks every kfunc memory
  // argument for BPF_READ | BPF_WRITE, so read-only data is refused).
  bool writable = false;
};

enum class RetKind : u8 {
  scalar,
  void_,
  map_value_or_null,
  struct_ptr,
  local_obj,  // an allocated object, its type from the Special (obj_new, rbtree_*, kptr_xchg)
  arena,      // an arena pointer (Value::arena), or 0
};

// What the call does beyond its prototype.
enum class Special : u8 {
  none,
  spin_lock,
  res_spin_lock,    // bpf_res_spin_lock: spin_lock's rules; returns 0 (see transformer.cpp)
  res_spin_unlock,
  spin_unlock,
  loop,                // bpf_loop: calls the callback (arg 2) with (index, arg 3)
  iter_new,            // the iter argument becomes a live iterator to destroy
  iter_next,           // returns the next element, or NULL once it is drained
  iter_destroy,        // the iter argument stops being an iterator
  timer_set_callback,  // the callback (arg 2) runs later as its own program
  obj_new,             // an object of the type arg 1 names (owning)
  rbtree_add,          // arg 2's node joins arg 1's tree (non-owning from now on);
                       // arg 3, the `less` callback, is called with two nodes
  rbtree_first,        // the leftmost node (non-owning) or NULL
  rbtree_remove,       // arg 2 leaves the tree: owning again (or NULL)
  kptr_xchg,           // arg 2 (owning or NULL) into the kptr slot arg 1, the old one out
  rcu_read_lock,       // opens an RCU read section (they nest)
  rcu_read_unlock,     // closes the innermost one
};

// Whether a call of this kind works on a graph root, which its spin lock
// must protect (and which may be called while holding it).
inline bool is_graph_call(Special s) {
  return s == Special::rbtree_add || s == Special::rbtree_first || s == Special::rbtree_remove;
}

// A printf-like call (bpf_trace_printk, bpf_snprintf, ...): which argument
// is the format and where the values it converts come from. When the format
// is constant (read-only data), the verifier checks the values against the
// conversions (bpf::bpf_format_args): as many as it takes, and a pointer
// only where its memory is read (%s) or the loader may see pointer values.
struct FormatSpec {
  enum class Values : u8 {
    registers,  // in the argument registers after the format's (at most 3)
    array,      // in an array of u64: argument `values` and its byte size after it
  };
  u8 format = 0;  // argument index (0-based) of the format string
  u8 size = 0;    // argument index of the format's byte size, or = format for a const_str format
  Values values = Values::registers;
  u8 first = 0;   // argument index of the first value, or of the array
};

struct Prototype {
  std::string name;
  std::array<ArgSpec, 5> args{};
  RetKind ret = RetKind::scalar;
  s32 ret_struct = -1;
  std::optional<std::pair<s64, s64>> ret_range;  // for scalars
  bool ret_null = false;  // the returned pointer may be NULL
  bool acquire = false;   // the returned pointer is a reference to release
  bool sleepable = false; // only in sleepable callbacks
  bool ends_run = false;  // the host stops the program at this call: no path goes on
  bool spinlock_safe = false;  // may be called while holding the spin lock
  Special special = Special::none;
  std::optional<FormatSpec> format;
  // The map types its map_ptr argument may have (bit 1 << bpf::MapType);
  // 0: any.
  u64 map_types = 0;
};

class ApiSet {
public:
  void allow_helper(u32 id, Prototype p) { helpers_[id] = std::move(p); }
  void allow_kfunc(u32 index, Prototype p) { kfuncs_[index] = std::move(p); }
  void deny_helper(u32 id, std::string why) { denied_helpers_[id] = std::move(why); }
  void deny_kfunc(u32 index, std::string why) { denied_kfuncs_[index] = std::move(why); }

  // What a BPF timer callback may call: it runs outside any sched_ext
  // callback, with the rights of a timer (Linux: kTimerSets). Without one,
  // timer callbacks are refused.
  void set_timer_api(const ApiSet& api) { timer_api_ = std::make_shared<const ApiSet>(api); }
  const ApiSet* timer_api() const { return timer_api_.get(); }

  const Prototype* helper(u32 id) const { return find(helpers_, id); }
  const Prototype* kfunc(u32 index) const { return find(kfuncs_, index); }
  // Why a call is refused, or empty when nobody said.
  std::string helper_denied(u32 id) const { return find_str(denied_helpers_, id); }
  std::string kfunc_denied(u32 index) const { return find_str(denied_kfuncs_, index); }

private:
  static const Prototype* find(const std::map<u32, Prototype>& m, u32 k) {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  }
  static std::string find_str(const std::map<u32, std::string>& m, u32 k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  }
  std::map<u32, Prototype> helpers_, kfuncs_;
  std::map<u32, std::string> denied_helpers_, denied_kfuncs_;
  std::shared_ptr<const ApiSet> timer_api_;
};

}  // namespace ups::verifier
