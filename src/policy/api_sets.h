// What the verifier is told about one callback of a sched_ext object: the
// ProgramInfo (its code, maps, the kernel structs it may touch with the task
// field table of kabi::task_fields(), its arguments and return range) and
// the ApiSet (the helpers and kfuncs this callback, and the BPF timer
// callbacks it sets, may call for this capability set; a refused call
// carries the reason, naming the capability). The one translation of the
// sched_ext API tables into verifier inputs: the policy host and
// `upsched verify` both use it.
#pragma once

#include <string>
#include <vector>

#include "bpf/object/object.h"
#include "policy/kernel_abi/scx_api.h"
#include "security/admission.h"
#include "security/capability.h"
#include "verifier/api_set.h"
#include "verifier/program_info.h"
#include "verifier/verifier.h"

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
  kStructInt,           // the int * of bpf_iter_num_next
  kStructKernelString,  // a const char * the kernel hands out (exit info strings)
  kStructIterNum,       // struct bpf_iter_num (bpf_for, bpf_repeat)
  kStructIterScxDsq,    // struct bpf_iter_scx_dsq (bpf_for_each(scx_dsq, ...))
  kStructCgroup,        // struct cgroup (with its ancestors[] after it)
  kStructKernfsNode,    // struct kernfs_node (cgrp->kn)
  kStructCgroupInitArgs,
  kNumStructs,
};

// The pointer-leak rule, the one place it is decided: only a loader holding
// sched.all_tasks (the administrator's capability: it already manages every
// user's tasks) may see pointer values, i.e. print them, store them into
// maps, pass them to helpers and kfuncs as numbers, compare them with
// numbers. Every other loader's policy is refused each of these by the
// verifier (ProgramInfo::allow_ptr_leaks).
bool may_see_pointers(const security::CapabilitySet& caps);

// The ProgramInfo for program `prog_index` of `obj` bound to callback `cb`.
verifier::ProgramInfo callback_program_info(const bpf::Object& obj, size_t prog_index,
                                            const kabi::CallbackInfo& cb,
                                            const security::CapabilitySet& caps);

// The helpers and kfuncs callback `cb` may call, and (ApiSet::timer_api)
// those of the BPF timer callbacks it sets, in a policy loaded at `place`
// (the guest/host hint kfuncs of the other side are refused).
verifier::ApiSet callback_api_set(const kabi::CallbackInfo& cb, bool sleepable,
                                  const security::CapabilitySet& caps, bool builtin_idle,
                                  const VirtPlace& place = {});

// Whether the core's built-in idle tracking stays on for this ops table
// (it goes off when the policy implements update_idle without
// SCX_OPS_KEEP_BUILTIN_IDLE), which decides the idle kfunc set.
bool keeps_builtin_idle(const bpf::StructOps& ops);

// The object loader options that resolve kfunc externs and CO-RE
// relocations against upsched's host.
bpf::LoadOptions host_load_options(const std::string& file_name);

// The object's one sched_ext_ops table; an error for none or several.
Result<const bpf::StructOps*> sched_ext_ops(const bpf::Object& obj);

// The verifier's options for a loader holding `grant`: its instruction
// budget (the grant's max_insns, at least the verifier's default of one
// million, as Linux gives privileged loaders).
verifier::VerifyOptions verify_options(const security::Grant& grant);

// One callback's verdict.
struct CallbackVerdict {
  std::string callback;
  size_t program = 0;  // index in bpf::Object::programs()
  bool hosted = true;  // upsched's core calls it
  verifier::VerifyResult result;
  double ms = 0;       // time the verifier took
};

// Which callbacks verify_sched_ext_object checks: all that the table fills
// (`upsched verify`), or those upsched's core calls (loading; the others
// never run). Verify's verdict covers the loader's.
enum class Callbacks : u8 { all, hosted };

// The verification pipeline of `upsched verify` and of load_bpf_policy:
// verifies the callbacks of the object's sched_ext_ops table for `caps`, in
// table order, up to and including the first one rejected (whose error
// names its callback). An error for an object that is not a sched_ext
// policy (no or several tables, an unknown or wrongly sleepable callback).
// `place`: where it loads (a VM's guest chain, the host's), which decides
// the side of the hint kfuncs it may call.
Result<std::vector<CallbackVerdict>> verify_sched_ext_object(const bpf::Object& obj,
                                                             const security::CapabilitySet& caps,
                                                             const verifier::VerifyOptions& opts = {},
                                                             Callbacks which = Callbacks::all,
                                                             const VirtPlace& place = {});

}  // namespace ups::policy
