// What the verifier is told about one callback of a sched_ext object: the
// ProgramInfo (its code, maps, the kernel structs it may touch with the task
// field table of kabi::task_fields(), its arguments and return range) and
// the ApiSet (the helpers and kfuncs this callback may call for this
// capability set; a refused call carries the reason, naming the capability).
#pragma once

#include <string>

#include "bpf/object/object.h"
#include "policy/kernel_abi/scx_api.h"
#include "security/capability.h"
#include "verifier/api_set.h"
#include "verifier/program_info.h"

namespace ups::policy {

// Struct indices in ProgramInfo::structs.
enum StructIndex : s32 {
  kStructTask = 0,
  kStructCpumask,
  kStructBpfCpumask,
  kStructInitTaskArgs,
  kStructExitTaskArgs,
  kStructExitInfo,
  kStructDumpCtx,
  kStructInt,  // the int * of bpf_iter_num_next
};

// The ProgramInfo for program `prog_index` of `obj` bound to callback `cb`.
verifier::ProgramInfo callback_program_info(const bpf::Object& obj, size_t prog_index,
                                            const kabi::CallbackInfo& cb,
                                            const security::CapabilitySet& caps);

// The helpers and kfuncs callback `cb` may call.
verifier::ApiSet callback_api_set(const kabi::CallbackInfo& cb, bool sleepable,
                                  const security::CapabilitySet& caps, bool builtin_idle);

}  // namespace ups::policy
