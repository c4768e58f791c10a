// ScxCallRules: which callbacks may make each ScxContext call that
// sched_ext allows only in some of them (the kernel's scx_kf_allowed()).
// Plain data: the core knows no kfunc table. The policy layer derives the
// rules from its one (policy/kfuncs.h, scx_call_rules()) and hands them to
// the core with a class's OpsConfig; a call from any other callback then
// ejects the class, naming the kfunc and where it may be called.
//
// A class without rules (a native C++ policy: trusted code) is not checked
// against them; the core only asserts what its own mechanics need (a
// dispatch buffer exists in dispatch only, a direct dispatch needs the task
// being woken or enqueued).
#pragma once

#include <array>
#include <string_view>

#include "base/types.h"
#include "core/sched_ops.h"

namespace ups {

enum class ScxCall : u8 {
  dsq_insert,
  dsq_insert_vtime,
  dsq_move_to_local,
  dispatch_nr_slots,
  dispatch_cancel,
  create_dsq,
  dsq_move,
  dsq_move_vtime,
  select_cpu_dfl,
  nr_calls,
};

// A BPF timer callback runs outside every callback: this bit of
// ScxCallRule::callers says whether it may make the call.
inline constexpr u32 kTimerCallers = op_bit(Op::nr_ops);
static_assert(static_cast<u32>(Op::nr_ops) < 32);

struct ScxCallRule {
  std::string_view kfunc;  // the kfunc that makes the call, for messages
  u32 callers = 0;         // op_bit() of each callback that may, kTimerCallers
};

struct ScxCallRules {
  std::array<ScxCallRule, static_cast<size_t>(ScxCall::nr_calls)> calls{};
  ScxCallRule& operator[](ScxCall c) { return calls[static_cast<size_t>(c)]; }
  const ScxCallRule& operator[](ScxCall c) const { return calls[static_cast<size_t>(c)]; }
};

}  // namespace ups
