// The sched_ext kfuncs (and the upsched_ extensions, bpf_task_*,
// bpf_cpumask_*) as ExternFns over the ScxContext of the running callback.
// Indexed like kabi::kfuncs(), which is also the index the object loader
// gives each kfunc extern (see kfunc_index). Every argument is checked again
// at run time, behind the verifier: a pointer that is not a task mirror, an
// unknown cpumask, a CPU out of range fails the class with a report naming
// the kfunc, the argument and the call site.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "bpf/call_context.h"

namespace ups::policy {

// Index into kabi::kfuncs() for an extern symbol (exact name or alias
// first, then without its ___flavour), or nullopt.
std::optional<u32> kfunc_index(std::string_view symbol);

// The implementation of each kabi::kfuncs() entry (null: not implemented).
const std::vector<bpf::ExternFn>& kfunc_table();

}  // namespace ups::policy
