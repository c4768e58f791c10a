// The `--policy` factory of the CLI and of the runtime:
// `FILE.bpf.o[?NAME=VALUE[&...]][:USER]` loads a sched_ext BPF object
// through the policy host (its read-only globals set, admitted for USER, or
// the run's principal, by the admission config); any other name is a native
// policy. It lives in host/ so that both substrates (sim/ via the CLI, and
// runtime/) load policies through this one factory; tests use it too, so
// what they show holds for the command line.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "security/admission.h"
#include "host/policy_factory.h"
#include "policy/map_dump.h"

namespace ups::host {

// A parsed `FILE.bpf.o[?NAME=VALUE[&...]][:USER]`; `NAME[]=N` resizes the
// RESIZABLE_ARRAY global NAME to N elements.
struct BpfSpec {
  std::string path;
  std::vector<std::pair<std::string, u64>> params;  // `const volatile` globals
  std::vector<std::pair<std::string, u32>> resizes; // RESIZABLE_ARRAY globals, elements
  std::string user;                                 // empty: the run's principal
};

// nullopt when the spec names no .bpf.o file (a native policy); an error
// when its parameters are malformed.
Result<std::optional<BpfSpec>> parse_bpf_spec(const std::string& spec);

// `admission_file` empty: the default config (only root may load).
// `seed` seeds the policies' bpf_get_prandom_u32. `no_jit`: the BPF
// policies run on the interpreter, not JITed (jit/default_backend.h).
// `loaded`, when given, receives the maps of every BPF class the factory
// loads for a run (not for the checks before it), for --dump-maps.
Result<PolicyFactory> policy_spec_factory(const std::string& admission_file, u64 seed, int nr_cpus,
                                          bool no_jit = false,
                                          std::shared_ptr<std::vector<policy::ClassMaps>> loaded = nullptr);

}  // namespace ups::host
