// PolicyFactory: turns a `--policy` spec (or a scenario class's `policy`)
// into a SchedOps ready to load, with the grant its principal gets. The
// simulator only knows this interface; the native factory here serves the
// C++ policies of policy/native, and the BPF policy host later supplies a
// factory for `FILE.bpf.o[:USER]` that falls back to this one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/virt_place.h"
#include "core/core.h"
#include "policy/user_space_half.h"

namespace ups::host {

struct PolicyRequest {
  std::string spec;       // "fifo", "simple", "x.bpf.o:alice"
  Principal principal;    // who loads it
  ChainSlot slot = ChainSlot::below_fair;
  CpuMask cpus;           // empty = all CPUs
  // World::create checks every spec before the run: the instance is thrown
  // away, so a factory must not count it as loaded.
  bool check_only = false;
  // A replacement: the spec of the class it takes the place of, which is
  // still loaded while the factory runs (empty for a plain load).
  std::string replaces;
  // Where the class loads: a VM's guest chain, the host's, or not said
  // (base/virt_place.h); decides the side of the hint kfuncs it may call.
  VirtPlace place = {};
  // Where a policy's user-space half may run (scx_userland's); null: a
  // policy that needs one is refused, naming it.
  policy::UserSpaceHost* user_space = nullptr;
};

using PolicyInstance = LoadableClass;

using PolicyFactory = std::function<Result<PolicyInstance>(const PolicyRequest&)>;

// "fair" names the built-in class: nothing to load.
bool is_fair_spec(const std::string& spec);
// The native C++ policies (policy/native/registry.h). Root may use every
// CPU and every task; other principals manage their own tasks only.
PolicyFactory native_policy_factory();
// Name and one-line description of every policy the native factory knows,
// fair first.
std::vector<std::pair<std::string, std::string>> native_policy_list();

}  // namespace ups::host
