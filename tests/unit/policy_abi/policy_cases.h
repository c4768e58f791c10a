// The example and test policies of sdk/policies and what each must
// contain: its ops name, the callbacks it implements, the data fields it
// sets, and the capabilities it needs (as its header comment promises).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "policy/kernel_abi/scx_api.h"

namespace ups::kabi {

using Names = std::set<std::string>;

struct PolicyCase {
  const char* file;  // sdk/policies/<file>.bpf.c
  const char* ops_name;
  Names callbacks;
  std::set<Capability> caps;
  u64 flags = 0;       // sched_ext_ops.flags
  u32 timeout_ms = 0;  // sched_ext_ops.timeout_ms
  // The verifier must refuse it: a test policy that only runs with a
  // verifier check switched off (confinement tests).
  bool verifier_refuses = false;
  // `caps` are used only with a parameter set (prio?kick=1): with its
  // defaults the verifier drops that code, and the policy loads without them.
  bool caps_behind_params = false;
};

inline const std::vector<PolicyCase>& policy_cases() {
  static const std::vector<PolicyCase> v = {
      {"simple",
       "simple",
       {"select_cpu", "enqueue", "dispatch", "running", "stopping", "enable", "init", "exit"},
       {}},
      {"qmap",
       "qmap",
       {"select_cpu", "enqueue", "dequeue", "dispatch", "init_task", "exit_task", "exit"},
       {},
       0,
       5000},
      {"central",
       "central",
       {"select_cpu", "enqueue", "dispatch", "running", "stopping", "init", "exit"},
       {Capability::kick, Capability::timer},
       1u << 1 /* SCX_OPS_ENQ_LAST */},
      {"edf",
       "edf",
       {"select_cpu", "enqueue", "dispatch", "running", "set_weight", "init_task", "exit_task",
        "init", "exit"},
       {}},
      {"prio",
       "prio",
       {"select_cpu", "enqueue", "dispatch", "running", "stopping", "init", "exit"},
       {Capability::kick},
       0,
       0,
       false,
       true},
      {"tenant", "tenant", {"select_cpu", "enqueue", "dispatch", "init_task", "init", "exit"}, {}},
      {"faas_event",
       "faas_event",
       {"select_cpu", "enqueue", "dispatch", "tick", "init_task", "exit_task", "init", "exit"},
       {Capability::events},
       1u << 1 /* SCX_OPS_ENQ_LAST */,
       30000},
      {"lock_boost",
       "lock_boost",
       {"select_cpu", "enqueue", "dispatch", "tick", "running", "stopping", "enable", "init", "exit"},
       {Capability::locks}},
      {"virt_host",
       "virt_host",
       {"select_cpu", "enqueue", "dispatch", "tick", "yield", "running", "stopping", "enable", "init", "exit"},
       {Capability::virt}},
      {"virt_guest",
       "virt_guest",
       {"select_cpu", "enqueue", "dispatch", "running", "stopping", "update_idle", "enable", "init", "exit"},
       {Capability::virt},
       1u << 0 /* SCX_OPS_KEEP_BUILTIN_IDLE */},
      {"bad_never_dispatch", "bad_never_dispatch", {"enqueue"}, {}, 0, 1000},
      {"bad_foreign_dispatch", "bad_foreign_dispatch", {"enqueue", "dispatch", "init"}, {}},
      {"bad_vtime_into_fifo", "bad_vtime_into_fifo", {"enqueue", "dispatch", "init"}, {}},
      {"bad_calls_error", "bad_calls_error", {"enqueue"}, {}},
      {"bad_kick_without_cap", "bad_kick_without_cap", {"enqueue"}, {Capability::kick}},
      {"bad_timer_kick",
       "bad_timer_kick",
       {"enqueue", "dispatch", "init"},
       {Capability::kick, Capability::timer}},
      {"bad_map_oob_write", "bad_map_oob_write", {"enqueue"}, {}, 0, 0, true},
  };
  return v;
}

}  // namespace ups::kabi
