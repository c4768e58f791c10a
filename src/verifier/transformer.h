// Transformer: the abstract semantics of each instruction on a State. It
// asks the checker (checker.h) whether the instruction is safe in that
// state first, and reports the first violation as a message for the policy
// author. Used by the analyzer, which decides which states to explore.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "verifier/api_set.h"
#include "verifier/cfg_builder.h"
#include "verifier/domain/state.h"
#include "verifier/program_info.h"

namespace ups::verifier {

// The largest offset pointer arithmetic may give a pointer, either way
// (like Linux's BPF_MAX_VAR_OFF).
inline constexpr s64 kMaxPtrOff = 1 << 29;

struct StepOut {
  enum class Flow : u8 { next, exit, error };
  Flow flow = Flow::next;
  u32 pc = 0;                               // next instruction (Flow::next)
  std::vector<std::pair<State, u32>> forks; // more successors to explore
  // Programs of their own to explore (timer callbacks): not part of this
  // path, so not loops of it either.
  std::vector<std::pair<State, u32>> roots;
  std::string error;
};

class Transformer {
public:
  // object_maps: how many of info.maps the program's own lddw may name;
  // the rest are the inner maps of its maps of maps (see inner_map()).
  Transformer(const ProgramInfo& info, const ApiSet& api, const Cfg& cfg, size_t object_maps);

  State initial_state();
  // Executes the instruction at pc on st (st becomes the fall-through or
  // jump successor; other successors go to forks).
  StepOut step(State& st, u32 pc);

  // VerifyOptions::test_skip_map_value_bounds.
  void skip_map_value_bounds_for_tests(bool on) { skip_map_value_bounds_ = on; }
  // Bytes of stack each function (by entry instruction) was seen to use,
  // on any path: the lowest offset below r10 it wrote.
  const std::map<u32, u32>& stack_depths() const { return stack_depths_; }

  std::string describe(const Value& v) const;
  std::string describe_regs(const State& st) const;
  // The name of a call target, for messages ("bpf_map_lookup_elem").
  std::string call_name(const Call& c) const;
  // The prototype of a helper or kfunc call on this path, or null.
  const Prototype* prototype(const State& st, const Call& c) const;
  // Whether the call at pc advances an iterator that st holds live (not
  // drained): the head of a loop the iterator bounds.
  bool advances_live_iterator(const State& st, u32 pc) const;
  // The loads and stores seen through an arena pointer (the loader marks
  // them, verifier.h VerifyResult::arena_insns).
  const std::map<u32, bool>& arena_accesses() const { return arena_access_; }

private:
  std::map<u32, u32> stack_depths_;
  std::map<u32, bool> arena_access_;  // load/store pc -> through an arena pointer
  bool has_arena() const;
  // Records that the access at pc is (or is not) through an arena pointer;
  // an error when another path used it the other way (Linux: one
  // instruction, one kind of pointer).
  std::string note_arena_access(u32 pc, bool arena);
  std::string arena_store(const State& st, const Mem& m, const Value& v) const;
  // A write reaching `lowest` (below r10) in frame f.
  void note_stack_depth(const Frame& f, s64 lowest);
  friend struct StepVisitor;
  u32 fresh_id() { return ++next_id_; }

  // Memory (memory.cpp). Each returns an error message or "".
  std::string load(State& st, const Mem& m, u32 pc);
  std::string store(State& st, const Mem& m, u32 pc);
  std::string atomic(State& st, const Atomic& a);
  std::string check_region(const State& st, int reg, const Value& base, s64 off, u32 width,
                           bool write) const;
  std::string check_stack_readable(const State& st, const Value& ptr, s64 lo_off, s64 hi_off,
                                   u32 width, bool allow_spilled_ptr, bool allow_uninit = false) const;
  std::string check_stack_writable(const State& st, const Value& ptr, s64 lo, s64 hi, u32 width) const;
  // Unknown bytes written at [lo, hi] + [0, width): a width from min_width
  // to max_width at any offset from lo to hi (a store, an atomic, a helper
  // filling a buffer). Bytes surely written become data; bytes that may be
  // written lose what was known about them (a zero, a spilled number); a
  // spilled pointer only partly or maybe overwritten is no pointer any
  // more, and what is left of it is unreadable (it would leak the address)
  // unless the loader may see pointer values.
  void write_stack(State& st, const Value& ptr, s64 lo, s64 hi, u64 min_width, u64 max_width);
  // Whether two pointers are into one object, so that their offsets differ
  // as their addresses do: one stack frame, or the one value of a
  // single-element array (global data).
  bool same_object(const Value& a, const Value& b) const;
  // The bytes from v to the end of its map value, when v is a constant
  // offset into read-only data whose contents the loader gave; else empty.
  std::string_view constant_bytes(const Value& v) const;

  // Calls (transformer.cpp / checker.cpp).
  struct MapRefs {
    s32 map = -1;  // the map argument of the call, if any
  };
  MapRefs call_maps(const State& st, const Prototype& p) const;
  std::string check_return(const Value& r0) const;
  std::string check_call_args(const State& st, const Prototype& p, const std::string& name) const;
  std::string check_const_str(const Value& v, int r, const std::string& name) const;
  std::string check_format_values(const State& st, const Prototype& p, const std::string& name) const;
  StepOut call(State& st, const Call& c, u32 pc);
  StepOut exit(State& st, u32 pc);
  void release_ref(State& st, u32 ref);
  void mark_null(State& st, u32 id, bool is_null);
  const ApiSet& api_for(const State& st) const;
  s32 inner_map(s32 map) const;

  // Open-coded iterators (iterators.cpp).
  std::string check_iter_arg(const State& st, int r, const ArgSpec& a, Special sp, const std::string& name) const;
  const IterSlot* iter_at(const State& st, const Value& ptr) const;
  void iter_create(State& st, const Value& ptr, s32 type, u32 pc);
  void iter_destroy(State& st, const Value& ptr);
  void iter_drain(State& st, const Value& ptr);
  void iter_advance(State& st, const Value& ptr);  // one more element yielded
  // A fresh path for a timer callback set at pc (bpf_timer_set_callback).
  std::string timer_callback_state(const State& st, State& out) const;

  // Allocated objects, rbtrees and kptrs (local_objects.cpp).
  s32 local_struct(u32 btf_id) const;  // its ProgramInfo::structs index, or -1
  bool is_local(const Value& v) const;  // a pointer to an allocated object
  const bpf::GraphRoot* root_at(const Value& v) const;
  const bpf::KptrField* kptr_at(const Value& v) const;
  std::string struct_label(u32 btf_id) const;
  std::string check_local_arg(const State& st, int r, const ArgSpec& a, const Prototype& p,
                              const std::string& name) const;
  // The effects of obj_new, rbtree_* and kptr_xchg; r0 is the result.
  std::string local_call(State& st, const Prototype& p, u32 pc, const std::string& name,
                         std::vector<std::pair<State, u32>>& forks, Value& r0);
  std::string less_callback_exit(const State& st) const;
  // The reference leaves the program: copies of it become non-owning
  // (keep: it joined a tree) or unusable (moved into a kptr field).
  void disown(State& st, u32 ref, bool keep);
  // bpf_spin_unlock at pc: the non-owning nodes it protected are gone.
  void drop_non_owning(State& st, u32 pc);

  const ProgramInfo& info_;
  const ApiSet& api_;
  const Cfg& cfg_;
  size_t object_maps_;
  std::vector<s32> inner_of_;  // by map index: its inner map's index, or -1
  u32 next_id_ = 0;
  bool skip_map_value_bounds_ = false;
};

// Read-only maps: .rodata, .kconfig and maps frozen for programs.
bool is_read_only(const bpf::MapDef& m);

// "R3" names for messages.
std::string reg_label(int r);
// Why reading register r, which holds nothing usable, is refused.
std::string uninit_text(int r, const Value& v);

}  // namespace ups::verifier
