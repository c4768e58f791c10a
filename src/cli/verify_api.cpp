// Translation of the sched_ext API tables into verifier inputs (see
// verify_api.h). TEMPORARY: the policy host takes this over.
#include "cli/verify_api.h"

#include <fmt/format.h>

#include "bpf/helpers/helper_protos.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kernel_abi/scx_api.h"

namespace ups::cli {
namespace {

using verifier::ArgKind;
using verifier::ArgSpec;
using verifier::FieldAccess;
using verifier::FieldRule;
using verifier::Prototype;
using verifier::RetKind;
using verifier::StructDesc;

// Struct descriptions by host type name; index = position.
class Structs {
public:
  explicit Structs(const bpf::HostTypes& host) : host_(host) {}
  std::vector<StructDesc>& list() { return list_; }

  // A struct every field of which may be read.
  s32 readable(const std::string& name) {
    for (size_t i = 0; i < list_.size(); ++i)
      if (list_[i].name == name) return static_cast<s32>(i);
    StructDesc d{name, 0, {}};
    if (const bpf::HostStruct* s = host_.find_struct(name)) {
      d.size = s->size;
      for (const auto& f : s->fields) d.fields.push_back(FieldRule{f.name, f.offset, f.size, FieldAccess::read, "", -1, false});
    }
    list_.push_back(std::move(d));
    return static_cast<s32>(list_.size() - 1);
  }

  // task_struct with the access table of scx_api.
  s32 task(const security::CapabilitySet& caps) {
    for (size_t i = 0; i < list_.size(); ++i)
      if (list_[i].name == "task_struct") return static_cast<s32>(i);
    const bpf::HostStruct* t = host_.find_struct("task_struct");
    StructDesc d{"task_struct", t ? t->size : 0, {}};
    list_.push_back(d);
    const s32 idx = static_cast<s32>(list_.size() - 1);
    const s32 mask = readable("cpumask");
    std::vector<FieldRule> rules;
    for (const auto& a : kabi::task_fields()) {
      auto loc = locate("task_struct", a.path);
      if (!loc) continue;
      FieldRule r{std::string(a.path), loc->first, loc->second, a.write ? FieldAccess::read_write : FieldAccess::read,
                  "", -1, false};
      if (a.cap && !caps.has(*a.cap)) r.denied = fmt::format("needs capability {}", security::capability_name(*a.cap));
      if (a.path == "cpus_ptr") r.points_to = mask;
      rules.push_back(std::move(r));
    }
    list_[idx].fields = std::move(rules);
    return idx;
  }

private:
  // Offset and size of a dotted field path.
  std::optional<std::pair<u32, u32>> locate(std::string_view type, std::string_view path) {
    u32 base = 0;
    const bpf::HostStruct* s = host_.find_struct(type);
    while (s) {
      auto dot = path.find('.');
      std::string_view head = path.substr(0, dot);
      const bpf::HostField* f = s->field(head);
      if (!f) return std::nullopt;
      if (dot == std::string_view::npos) return std::make_pair(base + f->offset, f->size);
      base += f->offset;
      path = path.substr(dot + 1);
      s = host_.find_struct(f->struct_type);
    }
    return std::nullopt;
  }

  const bpf::HostTypes& host_;
  std::vector<StructDesc> list_;
};

ArgSpec kfunc_arg(kabi::KArg a, Structs& structs, const security::CapabilitySet& caps) {
  ArgSpec s;
  switch (a) {
    case kabi::KArg::scalar: s.kind = ArgKind::scalar; break;
    case kabi::KArg::task: s.kind = ArgKind::struct_ptr; s.struct_index = structs.task(caps); break;
    case kabi::KArg::cpumask: s.kind = ArgKind::struct_ptr; s.struct_index = structs.readable("cpumask"); break;
    case kabi::KArg::bpf_cpumask: s.kind = ArgKind::struct_ptr; s.struct_index = structs.readable("bpf_cpumask"); break;
    case kabi::KArg::dsq_iter:
    case kabi::KArg::num_iter: s.kind = ArgKind::mem_uninit; s.size = 8; break;
    case kabi::KArg::out_bool: s.kind = ArgKind::mem_uninit; s.size = 1; break;
    case kabi::KArg::fmt_str: s.kind = ArgKind::mem; s.size = 1; break;
    case kabi::KArg::mem: s.kind = ArgKind::mem; break;
    case kabi::KArg::mem_size: s.kind = ArgKind::mem_size_or_zero; break;
    case kabi::KArg::opaque_ptr: s.kind = ArgKind::any; break;
  }
  return s;
}

Prototype kfunc_proto(const kabi::KfuncInfo& k, Structs& structs, const security::CapabilitySet& caps) {
  Prototype p;
  p.name = std::string(k.name);
  for (size_t i = 0; i < k.args.size() && i < 5; ++i) p.args[i] = kfunc_arg(k.args[i], structs, caps);
  if (k.flags & kabi::kf_release) {
    for (auto& a : p.args)
      if (a.kind == ArgKind::struct_ptr) {
        a.release = true;
        break;
      }
  }
  p.acquire = k.flags & kabi::kf_acquire;
  p.ret_null = k.flags & kabi::kf_ret_null;
  p.sleepable = k.flags & kabi::kf_sleepable;
  switch (k.ret) {
    case kabi::KRet::void_: p.ret = RetKind::void_; break;
    case kabi::KRet::scalar: p.ret = RetKind::scalar; p.ret_range = k.ret_range; break;
    case kabi::KRet::boolean: p.ret = RetKind::scalar; p.ret_range = {{0, 1}}; break;
    case kabi::KRet::task: p.ret = RetKind::struct_ptr; p.ret_struct = structs.task(caps); break;
    case kabi::KRet::cpumask: p.ret = RetKind::struct_ptr; p.ret_struct = structs.readable("cpumask"); break;
    case kabi::KRet::bpf_cpumask: p.ret = RetKind::struct_ptr; p.ret_struct = structs.readable("bpf_cpumask"); break;
    case kabi::KRet::int_ptr: p.ret = RetKind::scalar; break;  // open-coded iterators: not modelled yet
  }
  return p;
}

std::optional<Prototype> helper_proto(const bpf::HelperProto& h, Structs& structs, const security::CapabilitySet& caps,
                                      std::string* why) {
  Prototype p;
  p.name = h.name;
  for (int i = 0; i < 5; ++i) {
    ArgSpec& s = p.args[i];
    switch (h.args[i]) {
      case bpf::HelperArg::none: s.kind = ArgKind::none; break;
      case bpf::HelperArg::scalar: s.kind = ArgKind::scalar; break;
      case bpf::HelperArg::anything: s.kind = ArgKind::any; break;
      case bpf::HelperArg::const_map_ptr: s.kind = ArgKind::map_ptr; break;
      case bpf::HelperArg::map_key: s.kind = ArgKind::map_key; break;
      case bpf::HelperArg::map_value:
      case bpf::HelperArg::map_value_uninit: s.kind = ArgKind::map_value; break;
      case bpf::HelperArg::map_value_or_null: s.kind = ArgKind::map_value; s.nullable = true; break;
      case bpf::HelperArg::mem_readonly: s.kind = ArgKind::mem; break;
      case bpf::HelperArg::mem_readonly_or_null: s.kind = ArgKind::mem; s.nullable = true; break;
      case bpf::HelperArg::mem_uninit_or_null: s.kind = ArgKind::mem_uninit; s.nullable = true; break;
      case bpf::HelperArg::const_size: s.kind = ArgKind::mem_size; break;
      case bpf::HelperArg::const_size_or_zero: s.kind = ArgKind::mem_size_or_zero; break;
      case bpf::HelperArg::const_alloc_size_or_zero: s.kind = ArgKind::scalar; break;
      case bpf::HelperArg::const_str: s.kind = ArgKind::mem; s.size = 1; break;
      case bpf::HelperArg::callback: s.kind = ArgKind::callback; break;
      case bpf::HelperArg::stack_or_null: s.kind = ArgKind::any; break;
      case bpf::HelperArg::timer: s.kind = ArgKind::timer; break;
      case bpf::HelperArg::spin_lock: s.kind = ArgKind::spin_lock; break;
      case bpf::HelperArg::task_or_null: s.kind = ArgKind::struct_ptr; s.struct_index = structs.task(caps); s.nullable = true; break;
      case bpf::HelperArg::ringbuf_sample:
        *why = fmt::format("{} is not supported by the verifier yet (ring buffer samples)", h.name);
        return std::nullopt;
    }
  }
  switch (h.ret) {
    case bpf::HelperRet::integer:
      p.ret = RetKind::scalar;
      if (h.ret_min != 0 || h.ret_max != 0) p.ret_range = {{h.ret_min, h.ret_max}};
      break;
    case bpf::HelperRet::void_: p.ret = RetKind::void_; break;
    case bpf::HelperRet::map_value_or_null: p.ret = RetKind::map_value_or_null; break;
    case bpf::HelperRet::ringbuf_mem_or_null:
      *why = fmt::format("{} is not supported by the verifier yet (ring buffer samples)", h.name);
      return std::nullopt;
  }
  if (h.callback == bpf::HelperCallback::loop) p.special = verifier::Special::loop;
  if (h.callback == bpf::HelperCallback::timer) {
    *why = fmt::format("{} is not supported by the verifier yet (timer callbacks)", h.name);
    return std::nullopt;
  }
  std::string_view n = h.name;
  if (n == "bpf_spin_lock") p.special = verifier::Special::spin_lock;
  if (n == "bpf_spin_unlock") p.special = verifier::Special::spin_unlock;
  return p;
}

}  // namespace

bpf::LoadOptions verify_load_options(const std::string& file_name) {
  bpf::LoadOptions o;
  o.file_name = file_name;
  o.host = &kabi::host_types();
  o.kfunc_lookup = [](std::string_view name) -> std::optional<u32> {
    const kabi::KfuncInfo* k = kabi::find_kfunc(name);
    if (!k) return std::nullopt;
    return static_cast<u32>(k - kabi::kfuncs().data());
  };
  return o;
}

Result<VerifyInputs> verify_inputs(const bpf::Object& obj, const bpf::Program& prog, const std::string& callback,
                                   const security::CapabilitySet& caps) {
  const kabi::CallbackInfo* cb = kabi::find_callback(callback);
  if (!cb) return make_error(ErrorKind::not_found, fmt::format("{} is not a sched_ext_ops callback", callback));
  VerifyInputs in;
  Structs structs(kabi::host_types());
  verifier::ProgramInfo& info = in.info;
  info.insns = prog.code;
  info.maps = obj.maps();
  info.ctx.callback = callback;
  info.ctx.ret = cb->ret;
  info.ctx.sleepable = prog.sleepable && cb->sleepable_ok;
  for (const auto& a : cb->args) {
    verifier::ArgDesc d;
    d.name = std::string(a.name);
    switch (a.kind) {
      case kabi::CbArg::scalar:
        d.range = verifier::Scalar::srange(a.lo, a.hi);
        break;
      case kabi::CbArg::task:
      case kabi::CbArg::task_nullable:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = structs.task(caps);
        d.nullable = a.kind == kabi::CbArg::task_nullable;
        break;
      case kabi::CbArg::cpumask:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = structs.readable("cpumask");
        break;
      case kabi::CbArg::args_struct:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = structs.readable(std::string(a.struct_name));
        break;
      case kabi::CbArg::cgroup:
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = structs.readable("cgroup");
        break;
    }
    info.ctx.args.push_back(std::move(d));
  }
  const auto& kf = kabi::kfuncs();
  for (size_t i = 0; i < kf.size(); ++i) {
    auto why = kabi::kfunc_refusal(kf[i], cb, info.ctx.sleepable, caps);
    if (why) in.api.deny_kfunc(static_cast<u32>(i), *why);
    else in.api.allow_kfunc(static_cast<u32>(i), kfunc_proto(kf[i], structs, caps));
  }
  in.api.deny_kfunc(static_cast<u32>(bpf::kUnresolvedKfunc),
                    "calls a __weak kfunc that upsched does not provide; guard it with bpf_ksym_exists()");
  in.api.deny_helper(static_cast<u32>(bpf::kPoisonCoreHelper),
                     "uses a kernel field upsched's types do not have (failed CO-RE relocation); guard it with "
                     "bpf_core_field_exists()");
  for (const auto& h : bpf::helper_protos()) {
    const kabi::HelperInfo* hi = kabi::find_helper(h.id);
    if (hi && hi->cap && !caps.has(*hi->cap)) {
      in.api.deny_helper(h.id, fmt::format("{} needs capability {}", h.name, security::capability_name(*hi->cap)));
      continue;
    }
    std::string why;
    if (auto p = helper_proto(h, structs, caps, &why)) in.api.allow_helper(h.id, std::move(*p));
    else in.api.deny_helper(h.id, why);
  }
  for (const auto& [idx, name] : prog.kfuncs) {
    if (info.kfunc_names.size() <= idx) info.kfunc_names.resize(idx + 1);
    info.kfunc_names[idx] = name;
  }
  info.structs = std::move(structs.list());
  const bpf::Object* o = &obj;
  const bpf::Program* p = &prog;
  info.source_line = [o, p](u32 insn) { return o->source_line(*p, insn); };
  return in;
}

}  // namespace ups::cli
