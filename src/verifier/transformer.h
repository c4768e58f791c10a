// Transformer: the abstract semantics of each instruction on a State. It
// asks the checker (checker.h) whether the instruction is safe in that
// state first, and reports the first violation as a message for the policy
// author. Used by the analyzer, which decides which states to explore.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "verifier/api_set.h"
#include "verifier/cfg_builder.h"
#include "verifier/domain/state.h"
#include "verifier/program_info.h"

namespace ups::verifier {

struct StepOut {
  enum class Flow : u8 { next, exit, error };
  Flow flow = Flow::next;
  u32 pc = 0;                               // next instruction (Flow::next)
  std::vector<std::pair<State, u32>> forks; // more successors to explore
  std::string error;
};

class Transformer {
public:
  Transformer(const ProgramInfo& info, const ApiSet& api, const Cfg& cfg)
      : info_(info), api_(api), cfg_(cfg) {}

  State initial_state();
  // Executes the instruction at pc on st (st becomes the fall-through or
  // jump successor; other successors go to forks).
  StepOut step(State& st, u32 pc);

  std::string describe(const Value& v) const;
  std::string describe_regs(const State& st) const;
  // The name of a call target, for messages ("bpf_map_lookup_elem").
  std::string call_name(const Call& c) const;

private:
  friend struct StepVisitor;
  u32 fresh_id() { return ++next_id_; }

  // Memory (memory.cpp). Each returns an error message or "".
  std::string load(State& st, const Mem& m, u32 pc);
  std::string store(State& st, const Mem& m);
  std::string atomic(State& st, const Atomic& a);
  std::string check_region(const State& st, int reg, const Value& base, s64 off, u32 width,
                           bool write) const;
  std::string check_stack_readable(const State& st, const Value& ptr, s64 lo_off, s64 hi_off,
                                   u32 width, bool allow_spilled_ptr) const;
  void mark_stack_written(State& st, const Value& ptr, s64 lo, s64 hi, u32 width);

  // Calls (transformer.cpp / checker.cpp).
  struct MapRefs {
    s32 map = -1;  // the map argument of the call, if any
  };
  MapRefs call_maps(const State& st, const Prototype& p) const;
  std::string check_return(const Value& r0) const;
  std::string check_call_args(const State& st, const Prototype& p, const std::string& name) const;
  StepOut call(State& st, const Call& c, u32 pc);
  StepOut exit(State& st, u32 pc);
  void release_ref(State& st, u32 ref);
  void mark_null(State& st, u32 id, bool is_null);

  const ProgramInfo& info_;
  const ApiSet& api_;
  const Cfg& cfg_;
  u32 next_id_ = 0;
};

// "R3" names for messages.
std::string reg_label(int r);
// Why reading register r, which holds nothing usable, is refused.
std::string uninit_text(int r, const Value& v);

}  // namespace ups::verifier
