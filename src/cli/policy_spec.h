// The `--policy` factory of the CLI: `FILE.bpf.o[:USER]` loads a sched_ext
// BPF object through the policy host (admitted for USER, or the run's
// principal, by the admission config), any other name is a native policy.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "security/admission.h"
#include "sim/policy_factory.h"

namespace ups::cli {

// `admission_file` empty: the default config (only root may load).
// `seed` seeds the policies' bpf_get_prandom_u32.
Result<sim::PolicyFactory> policy_spec_factory(const std::string& admission_file, u64 seed, int nr_cpus);

// Splits "x.bpf.o:alice" into ("x.bpf.o", "alice"); false when the spec
// does not name a .bpf.o file.
bool split_bpf_spec(const std::string& spec, std::string& path, std::string& user);

}  // namespace ups::cli
