#include "policy/api_sets.h"

#include <cstddef>

#include "bpf/helpers/helper_protos.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kfuncs.h"

namespace ups::policy {

namespace {

using verifier::ArgKind;
using verifier::ArgSpec;
using verifier::FieldAccess;
using verifier::FieldRule;
using verifier::StructDesc;

std::string cap_reason(security::Capability c) {
  return "needs capability " + std::string(security::capability_name(c));
}

// Byte range of each task_struct field path in kabi::TaskStruct.
struct FieldPlace {
  std::string_view path;
  u32 offset, size;
};
#define TF(path, member) \
  FieldPlace{path, static_cast<u32>(offsetof(kabi::TaskStruct, member)), \
             static_cast<u32>(sizeof(kabi::TaskStruct::member))}
#define SF(path, member) \
  FieldPlace{path, static_cast<u32>(offsetof(kabi::TaskStruct, scx) + offsetof(kabi::SchedExtEntity, member)), \
             static_cast<u32>(sizeof(kabi::SchedExtEntity::member))}
#define EF(path, member) \
  FieldPlace{path, static_cast<u32>(offsetof(kabi::TaskStruct, se) + offsetof(kabi::SchedEntity, member)), \
             static_cast<u32>(sizeof(kabi::SchedEntity::member))}
const FieldPlace kTaskPlaces[] = {
    TF("__state", state), TF("flags", flags), TF("on_cpu", on_cpu), TF("prio", prio),
    TF("static_prio", static_prio), TF("normal_prio", normal_prio), TF("rt_priority", rt_priority),
    TF("policy", policy), TF("nr_cpus_allowed", nr_cpus_allowed),
    TF("migration_disabled", migration_disabled), TF("cpus_ptr", cpus_ptr), TF("cpus_mask", cpus_mask),
    TF("pid", pid), TF("tgid", tgid), TF("comm", comm), EF("se.exec_start", exec_start),
    EF("se.sum_exec_runtime", sum_exec_runtime), EF("se.vruntime", vruntime),
    EF("se.prev_sum_exec_runtime", prev_sum_exec_runtime), SF("scx.dsq", dsq), SF("scx.flags", flags),
    SF("scx.weight", weight), SF("scx.sticky_cpu", sticky_cpu), SF("scx.holding_cpu", holding_cpu),
    SF("scx.runnable_at", runnable_at), SF("scx.core_sched_at", core_sched_at),
    SF("scx.ddsp_dsq_id", ddsp_dsq_id), SF("scx.ddsp_enq_flags", ddsp_enq_flags), SF("scx.slice", slice),
    SF("scx.dsq_vtime", dsq_vtime), SF("scx.disallow", disallow),
};
#undef TF
#undef SF
#undef EF

FieldRule rule(std::string name, u32 off, u32 size, FieldAccess acc = FieldAccess::read) {
  FieldRule r;
  r.name = std::move(name);
  r.offset = off;
  r.size = size;
  r.access = acc;
  return r;
}

std::vector<StructDesc> make_structs(const security::CapabilitySet& caps) {
  std::vector<StructDesc> s(kStructInt + 1);
  StructDesc& task = s[kStructTask];
  task.name = "task_struct";
  task.size = sizeof(kabi::TaskStruct);
  for (const auto& fa : kabi::task_fields()) {
    for (const auto& pl : kTaskPlaces) {
      if (pl.path != fa.path) continue;
      FieldRule r = rule(std::string(pl.path), pl.offset, pl.size,
                         fa.write ? FieldAccess::read_write : FieldAccess::read);
      if (fa.cap && !caps.has(*fa.cap)) r.denied = cap_reason(*fa.cap);
      if (pl.path == "cpus_ptr") r.points_to = kStructCpumask;
      task.fields.push_back(std::move(r));
    }
  }
  s[kStructCpumask] = {"cpumask", sizeof(kabi::Cpumask), {rule("bits", 0, sizeof(kabi::Cpumask))}};
  s[kStructBpfCpumask] = {"bpf_cpumask", sizeof(kabi::BpfCpumask), {rule("cpumask", 0, sizeof(kabi::Cpumask))}};
  s[kStructInitTaskArgs] = {"scx_init_task_args", sizeof(kabi::ScxInitTaskArgs),
                            {rule("fork", 0, 1), rule("cgroup", 8, 8)}};
  s[kStructExitTaskArgs] = {"scx_exit_task_args", sizeof(kabi::ScxExitTaskArgs), {rule("cancelled", 0, 1)}};
  s[kStructExitInfo] = {"scx_exit_info", sizeof(kabi::ScxExitInfo),
                        {rule("kind", 0, 4), rule("exit_code", 8, 8), rule("flags", 16, 8),
                         rule("reason", 24, 8), rule("bt", 32, 8), rule("bt_len", 40, 4), rule("msg", 48, 8),
                         rule("dump", 56, 8)}};
  s[kStructDumpCtx] = {"scx_dump_ctx", sizeof(kabi::ScxDumpCtx), {rule("kind", 0, 4), rule("exit_code", 8, 8),
                                                                  rule("reason", 16, 8), rule("at_ns", 24, 8),
                                                                  rule("at_jiffies", 32, 8)}};
  s[kStructInt] = {"int", 4, {rule("value", 0, 4)}};
  return s;
}

s32 struct_of(std::string_view name) {
  if (name == "scx_init_task_args") return kStructInitTaskArgs;
  if (name == "scx_exit_task_args") return kStructExitTaskArgs;
  if (name == "scx_exit_info") return kStructExitInfo;
  if (name == "scx_dump_ctx") return kStructDumpCtx;
  return -1;
}

ArgSpec arg(ArgKind k, s32 st = -1, u32 size = 0) {
  ArgSpec a;
  a.kind = k;
  a.struct_index = st;
  a.size = size;
  return a;
}

std::optional<verifier::Prototype> kfunc_proto(const kabi::KfuncInfo& k) {
  verifier::Prototype p;
  p.name = std::string(k.name);
  bool released = false;
  for (size_t i = 0; i < k.args.size() && i < 5; ++i) {
    ArgSpec a;
    switch (k.args[i]) {
      case kabi::KArg::scalar: a = arg(ArgKind::scalar); break;
      case kabi::KArg::task: a = arg(ArgKind::struct_ptr, kStructTask); break;
      case kabi::KArg::cpumask: a = arg(ArgKind::struct_ptr, -1); break;
      case kabi::KArg::bpf_cpumask: a = arg(ArgKind::struct_ptr, kStructBpfCpumask); break;
      case kabi::KArg::dsq_iter:
        a = arg((k.flags & kabi::kf_iter_new) ? ArgKind::mem_uninit : ArgKind::mem, -1,
                sizeof(kabi::BpfIterScxDsq));
        break;
      case kabi::KArg::num_iter:
        a = arg((k.flags & kabi::kf_iter_new) ? ArgKind::mem_uninit : ArgKind::mem, -1,
                sizeof(kabi::BpfIterNum));
        break;
      case kabi::KArg::out_bool: a = arg(ArgKind::mem_uninit, -1, 1); break;
      case kabi::KArg::fmt_str: a = arg(ArgKind::any); break;
      case kabi::KArg::mem: a = arg(ArgKind::mem); break;
      case kabi::KArg::mem_size: a = arg(ArgKind::mem_size_or_zero); break;
      case kabi::KArg::opaque_ptr: a = arg(ArgKind::any); break;
    }
    if ((k.flags & kabi::kf_release) && !released && a.kind == ArgKind::struct_ptr) {
      a.release = true;
      released = true;
    }
    p.args[i] = a;
  }
  switch (k.ret) {
    case kabi::KRet::void_: p.ret = verifier::RetKind::void_; break;
    case kabi::KRet::scalar: p.ret_range = k.ret_range; break;
    case kabi::KRet::boolean: p.ret_range = std::pair<s64, s64>{0, 1}; break;
    case kabi::KRet::task: p.ret = verifier::RetKind::struct_ptr; p.ret_struct = kStructTask; break;
    case kabi::KRet::cpumask: p.ret = verifier::RetKind::struct_ptr; p.ret_struct = kStructCpumask; break;
    case kabi::KRet::bpf_cpumask:
      p.ret = verifier::RetKind::struct_ptr;
      p.ret_struct = kStructBpfCpumask;
      break;
    case kabi::KRet::int_ptr: p.ret = verifier::RetKind::struct_ptr; p.ret_struct = kStructInt; break;
  }
  p.ret_null = (k.flags & kabi::kf_ret_null) != 0;
  p.acquire = (k.flags & kabi::kf_acquire) != 0;
  p.sleepable = (k.flags & kabi::kf_sleepable) != 0;
  return p;
}

ArgSpec nullable(ArgSpec a) {
  a.nullable = true;
  return a;
}

std::optional<ArgSpec> helper_arg(bpf::HelperArg a) {
  using H = bpf::HelperArg;
  switch (a) {
    case H::none: return arg(ArgKind::none);
    case H::scalar: return arg(ArgKind::scalar);
    case H::anything: return arg(ArgKind::any);
    case H::const_map_ptr: return arg(ArgKind::map_ptr);
    case H::map_key: return arg(ArgKind::map_key);
    case H::map_value: return arg(ArgKind::map_value);
    case H::map_value_uninit: return arg(ArgKind::map_value);
    case H::map_value_or_null: return nullable(arg(ArgKind::map_value));
    case H::mem_readonly: return arg(ArgKind::mem);
    case H::mem_uninit_or_null: return arg(ArgKind::mem_uninit);
    case H::const_size: return arg(ArgKind::mem_size);
    case H::const_size_or_zero: return arg(ArgKind::mem_size_or_zero);
    case H::const_str: return arg(ArgKind::any);
    case H::callback: return arg(ArgKind::callback);
    case H::stack_or_null: return arg(ArgKind::any);
    case H::timer: return arg(ArgKind::timer);
    case H::spin_lock: return arg(ArgKind::spin_lock);
    // bpf_task_storage_get/delete: the task a callback was handed (or NULL).
    case H::task_or_null: return nullable(arg(ArgKind::struct_ptr, kStructTask));
    default: return std::nullopt;
  }
}

std::optional<verifier::Prototype> helper_proto(const bpf::HelperProto& h) {
  verifier::Prototype p;
  p.name = h.name;
  for (size_t i = 0; i < 5; ++i) {
    auto a = helper_arg(h.args[i]);
    if (!a) return std::nullopt;
    p.args[i] = *a;
  }
  switch (h.ret) {
    case bpf::HelperRet::integer:
      if (h.ret_min != 0 || h.ret_max != 0) p.ret_range = std::pair<s64, s64>{h.ret_min, h.ret_max};
      break;
    case bpf::HelperRet::void_: p.ret = verifier::RetKind::void_; break;
    case bpf::HelperRet::map_value_or_null: p.ret = verifier::RetKind::map_value_or_null; break;
    default: return std::nullopt;
  }
  if (h.id == static_cast<u32>(93)) p.special = verifier::Special::spin_lock;
  if (h.id == static_cast<u32>(94)) p.special = verifier::Special::spin_unlock;
  if (h.id == static_cast<u32>(181)) p.special = verifier::Special::loop;
  return p;
}

}  // namespace

// bpf_probe_read_kernel_str(dst, size, unsafe_ptr): the host implements it
// (policy_helpers) for UEI_RECORD's copy of the exit strings.
inline constexpr u32 kProbeReadKernelStr = 115;

verifier::ApiSet callback_api_set(const kabi::CallbackInfo& cb, bool sleepable,
                                  const security::CapabilitySet& caps, bool builtin_idle) {
  verifier::ApiSet api;
  const auto& ks = kabi::kfuncs();
  const auto& impl = kfunc_table();
  for (u32 i = 0; i < ks.size(); ++i) {
    const kabi::KfuncInfo& k = ks[i];
    if (auto why = kabi::kfunc_refusal(k, &cb, sleepable, caps, builtin_idle)) {
      api.deny_kfunc(i, *why);
      continue;
    }
    auto p = kfunc_proto(k);
    if (!p || !impl[i]) {
      api.deny_kfunc(i, std::string(k.name) + " is not implemented by the upsched host");
      continue;
    }
    api.allow_kfunc(i, std::move(*p));
  }
  for (const auto& h : kabi::helpers()) {
    if (h.cap && !caps.has(*h.cap)) {
      api.deny_helper(h.id, std::string(h.name) + " " + cap_reason(*h.cap));
      continue;
    }
    if (h.id == kProbeReadKernelStr) {
      verifier::Prototype p;
      p.name = "bpf_probe_read_kernel_str";
      p.args[0] = arg(ArgKind::mem_uninit);
      p.args[1] = arg(ArgKind::mem_size);
      p.args[2] = arg(ArgKind::any);
      api.allow_helper(h.id, std::move(p));
      continue;
    }
    const bpf::HelperProto* hp = bpf::find_helper_proto(h.id);
    auto p = hp ? helper_proto(*hp) : std::nullopt;
    if (!p) {
      api.deny_helper(h.id, std::string(h.name) + " is not implemented by the upsched host");
      continue;
    }
    api.allow_helper(h.id, std::move(*p));
  }
  return api;
}

verifier::ProgramInfo callback_program_info(const bpf::Object& obj, size_t prog_index,
                                            const kabi::CallbackInfo& cb,
                                            const security::CapabilitySet& caps) {
  const bpf::Program& prog = obj.programs()[prog_index];
  verifier::ProgramInfo info;
  info.insns = prog.code;
  info.entry = 0;
  info.maps = obj.maps();
  info.structs = make_structs(caps);
  for (const auto& k : kabi::kfuncs()) info.kfunc_names.emplace_back(k.name);
  info.ctx.callback = std::string(cb.name);
  info.ctx.sleepable = prog.sleepable;
  info.ctx.ret = cb.ret;
  for (const auto& a : cb.args) {
    verifier::ArgDesc d;
    d.name = std::string(a.name);
    switch (a.kind) {
      case kabi::CbArg::scalar:
        d.range = verifier::Scalar::srange(a.lo, a.hi);
        break;
      case kabi::CbArg::task:
      case kabi::CbArg::task_nullable:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = kStructTask;
        d.nullable = a.kind == kabi::CbArg::task_nullable;
        break;
      case kabi::CbArg::cpumask:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = kStructCpumask;
        break;
      case kabi::CbArg::args_struct:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = struct_of(a.struct_name);
        if (d.struct_index < 0) d.kind = verifier::ArgDesc::Kind::scalar;
        break;
      case kabi::CbArg::cgroup:
        break;
    }
    info.ctx.args.push_back(std::move(d));
  }
  info.source_line = [&obj, prog_index](u32 insn) {
    std::string s = obj.source_line(prog_index, insn);
    return s.substr(0, s.find(": "));
  };
  return info;
}

}  // namespace ups::policy
