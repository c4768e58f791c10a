// The kfunc table: one row per kfunc upsched implements (kabi::KfuncInfo:
// name and old names, prototype, flags, the callbacks that may call it, the
// capability it needs, the host function), defined in kfuncs.cpp next to
// the host functions. Each kfunc is described there and nowhere else;
// everything else is a view of the rows:
//  - the object loader binds kfunc externs by name (kfunc_index: the row's
//    index, which is the kfunc index in the bytecode);
//  - the interpreter calls kfunc_externs()[index];
//  - the verifier's ApiSet per callback and capability set (api_sets.cpp);
//  - the core's per-callback rules (scx_call_rules);
//  - the SDK headers declare exactly these names with these argument kinds
//    (tests/unit/policy_abi/kfunc_table_test.cpp).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "bpf/call_context.h"
#include "core/scx_call_rules.h"
#include "policy/kernel_abi/scx_api.h"

namespace ups::policy {

const std::vector<kabi::KfuncInfo>& kfuncs();

// The row an extern named `symbol` binds to: by name or alias, then with
// its flavour suffix removed (everything from the last "___", as libbpf
// does: scx_bpf_dsq_insert___v2___compat -> scx_bpf_dsq_insert___v2).
const kabi::KfuncInfo* find_kfunc(std::string_view symbol);
// Its index in kfuncs(), or nullopt.
std::optional<u32> kfunc_index(std::string_view symbol);

// The host function of each row, indexed like kfuncs(): the ExternTable's
// kfuncs.
std::vector<bpf::ExternFn> kfunc_externs();

// The callbacks from which the core accepts each call that sched_ext
// restricts, derived from the rows of the kfuncs that make them.
const ScxCallRules& scx_call_rules();

}  // namespace ups::policy
