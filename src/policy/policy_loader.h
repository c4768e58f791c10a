// load_bpf_policy: a sched_ext BPF object file -> a SchedOps ready for the
// chain, for one principal: read and relocate the object against the host's
// kernel types, admit it (sched.load, chain slot, limits), set its read-only
// parameters, verify every callback for the principal's capabilities,
// create its maps, prepare its programs. Every refusal names the file and
// what was refused (the principal and capability, or the instruction).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/virt_place.h"
#include "core/core.h"
#include "jit/default_backend.h"
#include "policy/user_space_half.h"
#include "security/admission.h"
#include "vm/threaded_program.h"

namespace ups::policy {

struct LoadPolicyOptions {
  Principal principal;  // who loads it (default: root)
  std::vector<u32> groups;  // its supplementary groups (admission's [groups.X])
  // Null: the default admission config (only root may load).
  const security::AdmissionConfig* admission = nullptr;
  ChainSlot slot = ChainSlot::below_fair;
  CpuMask cpus;  // requested CPUs; empty = what the grant allows
  // `const volatile` globals to set before load (name, value): the value
  // is stored in the variable's own size (1, 2, 4 or 8 bytes).
  std::vector<std::pair<std::string, u64>> params;
  // RESIZABLE_ARRAY globals resized before load (Object::resize_array).
  std::vector<std::pair<std::string, u32>> resizes;
  // The class name; empty: the object's ops name (class names are unique
  // in a chain, so a second copy of one object needs another).
  std::string name;
  // Appended to the class name (".alice" for a class its user loaded), so
  // that two principals can load the same object side by side.
  std::string name_suffix;
  u64 seed = 0;             // bpf_get_prandom_u32
  int nr_cpus = kMaxCpus;   // per-CPU map copies
  u32 classes_loaded = 0;   // by this principal already (admission limit)
  // Kept by the class until it goes (unload, ejection, replacement): a
  // loader that counts the classes loaded at once releases its count here.
  std::shared_ptr<const void> held_while_loaded;
  // Makes the callbacks' code executable: the JIT on x86-64 hosts, else the
  // interpreter (jit/default_backend.h); vm::interpreter_backend forces it.
  vm::Backend backend = jit::default_backend();
  // Confine the policy even when an administrator loads it (others' are
  // always confined, see confinement.h); the benchmarks compare both.
  bool confine_always = false;
  // Tests only (verifier::VerifyOptions::test_skip_map_value_bounds): a
  // stand-in for a verifier bug, to show the confinement stopping it.
  bool test_skip_map_value_bounds = false;
  // Where it loads: a VM's guest chain or the host's (base/virt_place.h);
  // a call to a guest/host hint kfunc of the other side is refused.
  VirtPlace virt_place;
  // Where the scheduler's user-space half may run (policy/user_space_half.h);
  // null: an object that needs one is refused, naming it.
  UserSpaceHost* user_space = nullptr;
};

using LoadedPolicy = LoadableClass;

Result<LoadedPolicy> load_bpf_policy(const std::string& path, const LoadPolicyOptions& opts = {});


}  // namespace ups::policy
