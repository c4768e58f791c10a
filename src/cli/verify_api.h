// verify_api: builds the verifier's inputs (ProgramInfo, ApiSet) for one
// struct_ops callback program of a loaded object, from the sched_ext API
// tables (policy/kernel_abi/scx_api.h), the helper prototypes
// (bpf/helpers/helper_protos.h) and the loader's capabilities.
// TEMPORARY home: the policy host takes this over when it verifies
// policies at load; `upsched verify` uses it until then.
#pragma once

#include <string>

#include "base/result.h"
#include "bpf/object/object.h"
#include "security/capability.h"
#include "verifier/api_set.h"
#include "verifier/program_info.h"

namespace ups::cli {

struct VerifyInputs {
  verifier::ProgramInfo info;
  verifier::ApiSet api;
};

// The loader options that resolve kfunc externs and CO-RE against upsched.
bpf::LoadOptions verify_load_options(const std::string& file_name);

// Inputs for program `prog` of `obj`, implementing callback `callback`.
Result<VerifyInputs> verify_inputs(const bpf::Object& obj, const bpf::Program& prog, const std::string& callback,
                                   const security::CapabilitySet& caps);

}  // namespace ups::cli
