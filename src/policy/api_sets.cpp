#include "policy/api_sets.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <set>

#include <fmt/format.h>

#include "bpf/helpers/helper_protos.h"
#include "policy/kernel_abi/kernel_types.h"
#include "core/scx_constants.h"
#include "policy/cgroup_mirror.h"
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

FieldRule kernel_string(std::string name, u32 off) {
  FieldRule r = rule(std::move(name), off, 8);
  r.points_to = kStructKernelString;
  r.nullable = true;
  return r;
}

// struct cgroup as CgroupMirror lays it out: self.cgroup and kn lead to
// trusted objects, ancestors[i] to a cgroup or NULL (past the level).
StructDesc cgroup_struct() {
  StructDesc s{"cgroup", sizeof(CgroupMirror) - sizeof(kabi::KernfsNode), {}};
  FieldRule self = rule("self.cgroup", offsetof(kabi::CgroupStruct, self), 8);
  self.points_to = kStructCgroup;
  FieldRule kn = rule("kn", offsetof(kabi::CgroupStruct, kn), 8);
  kn.points_to = kStructKernfsNode;
  s.fields = {self, rule("level", offsetof(kabi::CgroupStruct, level), 4),
              rule("max_depth", offsetof(kabi::CgroupStruct, max_depth), 4), kn};
  for (u32 i = 0; i <= kCgroupMaxLevel; ++i) {
    FieldRule a = rule(fmt::format("ancestors[{}]", i), static_cast<u32>(offsetof(CgroupMirror, ancestors) + 8 * i), 8);
    a.points_to = kStructCgroup;
    a.nullable = true;
    s.fields.push_back(std::move(a));
  }
  return s;
}

std::vector<StructDesc> make_structs(const security::CapabilitySet& caps) {
  std::vector<StructDesc> s(kNumStructs);
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
  FieldRule task_cgroup = rule("cgroup", 8, 8);
  task_cgroup.points_to = kStructCgroup;
  s[kStructInitTaskArgs] = {"scx_init_task_args", sizeof(kabi::ScxInitTaskArgs),
                            {rule("fork", 0, 1), task_cgroup}};
  s[kStructCgroup] = cgroup_struct();
  s[kStructKernfsNode] = {"kernfs_node", sizeof(kabi::KernfsNode), {rule("id", 0, 8)}};
  s[kStructCgroupInitArgs] = {"scx_cgroup_init_args", sizeof(kabi::ScxCgroupInitArgs),
                              {rule("weight", 0, 4), rule("bw_period_us", 8, 8), rule("bw_quota_us", 16, 8),
                               rule("bw_burst_us", 24, 8)}};
  s[kStructExitTaskArgs] = {"scx_exit_task_args", sizeof(kabi::ScxExitTaskArgs), {rule("cancelled", 0, 1)}};
  s[kStructExitInfo] = {"scx_exit_info", sizeof(kabi::ScxExitInfo),
                        {rule("kind", 0, 4), rule("exit_code", 8, 8), rule("flags", 16, 8),
                         kernel_string("reason", 24), rule("bt", 32, 8), rule("bt_len", 40, 4),
                         kernel_string("msg", 48), kernel_string("dump", 56)}};
  s[kStructDumpCtx] = {"scx_dump_ctx", sizeof(kabi::ScxDumpCtx), {rule("kind", 0, 4), rule("exit_code", 8, 8),
                                                                  rule("reason", 16, 8), rule("at_ns", 24, 8),
                                                                  rule("at_jiffies", 32, 8)}};
  s[kStructInt] = {"int", 4, {rule("value", 0, 4)}};
  // No fields: such a string is read only through bpf_probe_read_kernel_str.
  s[kStructKernelString] = {"kernel string", 0, {}};
  // Iterators: only their kfuncs touch them.
  s[kStructIterNum] = {"bpf_iter_num", sizeof(kabi::BpfIterNum), {}};
  s[kStructIterScxDsq] = {"bpf_iter_scx_dsq", sizeof(kabi::BpfIterScxDsq), {}};
  return s;
}

// The program's structs that bpf_obj_new may allocate: those an rbtree root
// holds or a __kptr field points to. Their plain data is the program's to
// read and write; the bpf_rb_node belongs to the bpf_rbtree_* kfuncs, and
// pointers are not allowed in them (upsched tracks no pointer fields in
// allocated objects).
void append_local_structs(const bpf::Object& obj, std::vector<StructDesc>& out) {
  const bpf::Btf& btf = obj.btf();
  std::set<u32> types;
  for (const auto& m : obj.maps()) {
    for (const auto& r : m.rb_roots) types.insert(r.node_type);
    for (const auto& k : m.kptrs) types.insert(k.type);
  }
  for (u32 id : types) {
    const bpf::BtfType* t = btf.type(id);
    StructDesc d;
    d.name = t->name;
    d.size = btf.size_of(id).value_or(0);
    d.btf_id = id;
    for (const auto& mem : t->members) {
      const u32 ty = btf.skip_modifiers(mem.type);
      const bpf::BtfType* mt = btf.type(ty);
      FieldRule r = rule(mem.name, mem.bit_offset / 8, btf.size_of(ty).value_or(0), FieldAccess::read_write);
      if (mt && mt->kind == bpf::BtfKind::struct_ && mt->name == "bpf_rb_node")
        r.denied = "the bpf_rb_node of an allocated object is only for the bpf_rbtree_* kfuncs";
      else if (mt && (mt->kind == bpf::BtfKind::ptr || mt->kind == bpf::BtfKind::struct_ || mt->kind == bpf::BtfKind::union_))
        r.denied = "only number fields of allocated objects may be used (no pointers or nested structs)";
      d.fields.push_back(std::move(r));
    }
    out.push_back(std::move(d));
  }
}

s32 struct_of(std::string_view name) {
  if (name == "scx_init_task_args") return kStructInitTaskArgs;
  if (name == "scx_exit_task_args") return kStructExitTaskArgs;
  if (name == "scx_exit_info") return kStructExitInfo;
  if (name == "scx_dump_ctx") return kStructDumpCtx;
  if (name == "scx_cgroup_init_args") return kStructCgroupInitArgs;
  return -1;
}

ArgSpec arg(ArgKind k, s32 st = -1, u32 size = 0) {
  ArgSpec a;
  a.kind = k;
  a.struct_index = st;
  a.size = size;
  return a;
}

verifier::Prototype kfunc_proto(const kabi::KfuncInfo& k) {
  verifier::Prototype p;
  p.name = std::string(k.name);
  bool released = false;
  for (size_t i = 0; i < k.args.size() && i < 5; ++i) {
    ArgSpec a;
    switch (k.args[i]) {
      case kabi::KArg::scalar: a = arg(ArgKind::scalar); break;
      case kabi::KArg::task: a = arg(ArgKind::struct_ptr, kStructTask); break;
      case kabi::KArg::cpumask:
        // A const struct cpumask *: one the host handed out, or a
        // bpf_cpumask (which begins with its cpumask); never another type.
        a = arg(ArgKind::struct_ptr, kStructCpumask);
        a.struct_alt = kStructBpfCpumask;
        break;
      case kabi::KArg::bpf_cpumask: a = arg(ArgKind::struct_ptr, kStructBpfCpumask); break;
      case kabi::KArg::dsq_iter: a = arg(ArgKind::iter, kStructIterScxDsq); break;
      case kabi::KArg::num_iter: a = arg(ArgKind::iter, kStructIterNum); break;
      case kabi::KArg::out_bool: a = arg(ArgKind::mem_uninit, -1, 1); break;
      // The host reads the string up to its NUL within the readable bytes.
      // Like every kfunc memory argument in Linux, it must be writable too
      // (scx_bpf_error's format is a `static char[]` in .data, not .rodata).
      case kabi::KArg::fmt_str: a = arg(ArgKind::mem, -1, 1); a.writable = true; break;
      case kabi::KArg::mem: a = arg(ArgKind::mem); a.writable = true; break;
      case kabi::KArg::mem_size: a = arg(ArgKind::mem_size_or_zero); break;
      case kabi::KArg::opaque_ptr: a = arg(ArgKind::any); break;
      case kabi::KArg::local_type: a = arg(ArgKind::local_type); break;
      case kabi::KArg::local_obj: a = arg(ArgKind::local_ref); break;
      case kabi::KArg::rb_root: a = arg(ArgKind::rb_root); break;
      case kabi::KArg::rb_node: a = arg(ArgKind::rb_node_owned); break;
      case kabi::KArg::rb_node_ref: a = arg(ArgKind::rb_node_ref); break;
      case kabi::KArg::callback: a = arg(ArgKind::callback); break;
      case kabi::KArg::meta: a = arg(ArgKind::scalar); break;
      case kabi::KArg::cgroup: a = arg(ArgKind::struct_ptr, kStructCgroup); break;
      case kabi::KArg::arena_map:
        a = arg(ArgKind::map_ptr);
        p.map_types = bpf::map_type_bit(bpf::MapType::arena);
        break;
      // An arena pointer is a number to the verifier (Value::arena): never
      // a host pointer, which a scalar argument refuses.
      case kabi::KArg::arena: a = arg(ArgKind::scalar); break;
      case kabi::KArg::res_spin_lock: a = arg(ArgKind::res_spin_lock); break;
    }
    if ((k.flags & kabi::kf_release) && !released && (a.kind == ArgKind::struct_ptr || a.kind == ArgKind::local_ref)) {
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
    case kabi::KRet::local_obj:
    case kabi::KRet::rb_node: p.ret = verifier::RetKind::local_obj; break;
    case kabi::KRet::cgroup: p.ret = verifier::RetKind::struct_ptr; p.ret_struct = kStructCgroup; break;
    case kabi::KRet::arena: p.ret = verifier::RetKind::arena; break;
  }
  p.ret_null = (k.flags & kabi::kf_ret_null) != 0;
  p.acquire = (k.flags & kabi::kf_acquire) != 0;
  p.sleepable = (k.flags & kabi::kf_sleepable) != 0;
  p.ends_run = (k.flags & kabi::kf_ends_run) != 0;
  p.spinlock_safe = (k.flags & kabi::kf_spinlock_safe) != 0;
  if (k.flags & kabi::kf_iter_new) p.special = verifier::Special::iter_new;
  if (k.flags & kabi::kf_iter_next) p.special = verifier::Special::iter_next;
  if (k.flags & kabi::kf_iter_destroy) p.special = verifier::Special::iter_destroy;
  if (k.flags & kabi::kf_obj_new) p.special = verifier::Special::obj_new;
  if (k.flags & kabi::kf_rbtree_add) p.special = verifier::Special::rbtree_add;
  if (k.flags & kabi::kf_rbtree_first) p.special = verifier::Special::rbtree_first;
  if (k.flags & kabi::kf_rbtree_remove) p.special = verifier::Special::rbtree_remove;
  if (k.name == "bpf_res_spin_lock") p.special = verifier::Special::res_spin_lock;
  if (k.name == "bpf_rcu_read_lock") p.special = verifier::Special::rcu_read_lock;
  if (k.name == "bpf_rcu_read_unlock") p.special = verifier::Special::rcu_read_unlock;
  if (k.name == "bpf_res_spin_unlock") p.special = verifier::Special::res_spin_unlock;
  return p;
}

// A helper argument as the verifier checks it; nullopt for the kinds it
// cannot check yet (ring buffer samples).
std::optional<ArgSpec> helper_arg(bpf::HelperArg a) {
  using H = bpf::HelperArg;
  auto nullable = [](ArgSpec s) {
    s.nullable = true;
    return s;
  };
  switch (a) {
    case H::none: return arg(ArgKind::none);
    case H::scalar: return arg(ArgKind::scalar);
    case H::anything: return arg(ArgKind::any);
    case H::const_map_ptr: return arg(ArgKind::map_ptr);
    case H::map_key: return arg(ArgKind::map_key);
    case H::map_value: return arg(ArgKind::map_value);
    case H::map_value_uninit: return arg(ArgKind::map_value_out);
    case H::map_value_or_null: return nullable(arg(ArgKind::map_value));
    case H::mem_readonly: return arg(ArgKind::mem);
    case H::mem_readonly_or_null: return nullable(arg(ArgKind::mem));
    case H::mem_uninit_or_null: return nullable(arg(ArgKind::mem_uninit));
    case H::const_size: return arg(ArgKind::mem_size);
    case H::const_size_or_zero: return arg(ArgKind::mem_size_or_zero);
    case H::const_alloc_size_or_zero: return arg(ArgKind::scalar);
    case H::const_str: return arg(ArgKind::const_str);
    case H::format_value: return arg(ArgKind::none);  // checked against the format
    case H::callback: return arg(ArgKind::callback);
    case H::stack_or_null: return arg(ArgKind::any);
    case H::timer: return arg(ArgKind::timer);
    case H::spin_lock: return arg(ArgKind::spin_lock);
    case H::task_or_null: return nullable(arg(ArgKind::struct_ptr, kStructTask));
    case H::cgroup_or_null: return nullable(arg(ArgKind::struct_ptr, kStructCgroup));
    case H::ringbuf_sample: return std::nullopt;
    case H::kptr_slot: return arg(ArgKind::kptr_slot);
    case H::kptr_or_null: return nullable(arg(ArgKind::local_ref));
  }
  return std::nullopt;
}

// bpf_probe_read_kernel_str(dst, size, unsafe_ptr): the host implements it
// (policy_loader.cpp) for UEI_RECORD's copy of the exit strings, so its
// source is such a string, never an arbitrary address.
inline constexpr u32 kProbeReadKernelStr = 115;

verifier::Prototype probe_read_kernel_str_proto() {
  verifier::Prototype p;
  p.name = "bpf_probe_read_kernel_str";
  p.args[0] = arg(ArgKind::mem_uninit);
  p.args[1] = arg(ArgKind::mem_size);
  p.args[2] = arg(ArgKind::struct_ptr, kStructKernelString);
  p.args[2].nullable = true;  // the host copies an empty string for NULL
  p.ret_range = std::pair<s64, s64>{-4095, 1 << 20};
  return p;
}

// The prototype of helper h, or why the verifier cannot allow it.
tl::expected<verifier::Prototype, std::string> helper_proto(const bpf::HelperProto& h) {
  verifier::Prototype p;
  p.name = h.name;
  const std::string unsupported = std::string(h.name) + " is not supported by the verifier yet (ring buffer samples)";
  for (size_t i = 0; i < 5; ++i) {
    auto a = helper_arg(h.args[i]);
    if (!a) return tl::unexpected(unsupported);
    p.args[i] = *a;
  }
  switch (h.ret) {
    case bpf::HelperRet::integer:
      if (h.ret_min != 0 || h.ret_max != 0) p.ret_range = std::pair<s64, s64>{h.ret_min, h.ret_max};
      break;
    case bpf::HelperRet::void_: p.ret = verifier::RetKind::void_; break;
    case bpf::HelperRet::map_value_or_null: p.ret = verifier::RetKind::map_value_or_null; break;
    case bpf::HelperRet::ringbuf_mem_or_null: return tl::unexpected(unsupported);
    case bpf::HelperRet::kptr_or_null: p.ret = verifier::RetKind::local_obj; break;
  }
  p.map_types = h.map_types;
  if (h.format != bpf::HelperFormat::none) {
    verifier::FormatSpec f;
    for (u8 i = 0; i < 5; ++i)
      if (h.args[i] == bpf::HelperArg::mem_readonly || h.args[i] == bpf::HelperArg::const_str) {
        f.format = i;
        f.size = h.args[i] == bpf::HelperArg::const_str ? i : static_cast<u8>(i + 1);
        break;
      }
    f.first = static_cast<u8>(f.size + 1);
    f.values = h.format == bpf::HelperFormat::registers ? verifier::FormatSpec::Values::registers
                                                        : verifier::FormatSpec::Values::array;
    p.format = f;
  }
  if (h.callback == bpf::HelperCallback::loop) p.special = verifier::Special::loop;
  if (h.callback == bpf::HelperCallback::timer) p.special = verifier::Special::timer_set_callback;
  const std::string_view n = h.name;
  if (n == "bpf_spin_lock") p.special = verifier::Special::spin_lock;
  if (n == "bpf_spin_unlock") p.special = verifier::Special::spin_unlock;
  if (n == "bpf_kptr_xchg") p.special = verifier::Special::kptr_xchg;
  return p;
}

// The API set of a sched_ext callback, or of a timer callback (cb null).
verifier::ApiSet api_set_for(const kabi::CallbackInfo* cb, bool sleepable, const security::CapabilitySet& caps,
                             bool builtin_idle, const VirtPlace& place) {
  verifier::ApiSet api;
  const auto& ks = kfuncs();
  for (u32 i = 0; i < ks.size(); ++i) {
    const kabi::KfuncInfo& k = ks[i];
    if (auto why = kabi::kfunc_refusal(k, cb, sleepable, caps, builtin_idle, place)) {
      api.deny_kfunc(i, *why);
      continue;
    }
    api.allow_kfunc(i, kfunc_proto(k));
  }
  for (const auto& h : kabi::helpers()) {
    if (h.cap && !caps.has(*h.cap)) {
      api.deny_helper(h.id, std::string(h.name) + " " + cap_reason(*h.cap));
      continue;
    }
    if (h.id == kProbeReadKernelStr) {
      api.allow_helper(h.id, probe_read_kernel_str_proto());
      continue;
    }
    const bpf::HelperProto* hp = bpf::find_helper_proto(h.id);
    if (!hp) {
      api.deny_helper(h.id, std::string(h.name) + " is not implemented by the upsched host");
      continue;
    }
    auto p = helper_proto(*hp);
    if (!p) api.deny_helper(h.id, p.error());
    else api.allow_helper(h.id, std::move(*p));
  }
  return api;
}

}  // namespace

verifier::ApiSet callback_api_set(const kabi::CallbackInfo& cb, bool sleepable,
                                  const security::CapabilitySet& caps, bool builtin_idle,
                                  const VirtPlace& place) {
  verifier::ApiSet api = api_set_for(&cb, sleepable, caps, builtin_idle, place);
  api.set_timer_api(api_set_for(nullptr, false, caps, builtin_idle, place));
  return api;
}

bool keeps_builtin_idle(const bpf::StructOps& ops) {
  const bool implements_update_idle = ops.callbacks.count("update_idle") != 0;
  return !implements_update_idle || (ops.flags & scx::OPS_KEEP_BUILTIN_IDLE) != 0;
}

bpf::LoadOptions host_load_options(const std::string& file_name) {
  bpf::LoadOptions lo;
  lo.file_name = file_name;
  lo.host = &kabi::host_types();
  lo.kfunc_lookup = [](std::string_view name) { return kfunc_index(name); };
  return lo;
}

bool may_see_pointers(const security::CapabilitySet& caps) {
  return caps.has(security::Capability::all_tasks);
}

verifier::ProgramInfo callback_program_info(const bpf::Object& obj, size_t prog_index,
                                            const kabi::CallbackInfo& cb,
                                            const security::CapabilitySet& caps) {
  const bpf::Program& prog = obj.programs()[prog_index];
  verifier::ProgramInfo info;
  info.insns = prog.code;
  info.entry = 0;
  for (size_t i = 1; i < prog.func_info.size(); ++i) {
    const bpf::BtfType* t = obj.btf().type(prog.func_info[i].btf_type_id);
    if (!t) continue;
    if (t->linkage == 1) info.global_subprogs.push_back(prog.func_info[i].insn);
    if (const bpf::BtfType* proto = obj.btf().type(t->type); proto && proto->kind == bpf::BtfKind::func_proto &&
                                                             proto->type == 0)
      info.void_subprogs.push_back(prog.func_info[i].insn);
  }
  info.maps = obj.maps();
  info.structs = make_structs(caps);
  append_local_structs(obj, info.structs);
  for (const auto& k : kfuncs()) info.kfunc_names.emplace_back(k.name);
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
        d.kind = verifier::ArgDesc::Kind::struct_ptr;
        d.struct_index = kStructCgroup;
        break;
    }
    info.ctx.args.push_back(std::move(d));
  }
  info.source_line = [&obj, prog_index](u32 insn) {
    std::string s = obj.source_line(prog_index, insn);
    return s.substr(0, s.find(": "));
  };
  info.poisoned = prog.poisoned;
  info.allow_ptr_leaks = may_see_pointers(caps);
  info.allow_uninit_stack = info.allow_ptr_leaks;
  return info;
}

Result<const bpf::StructOps*> sched_ext_ops(const bpf::Object& obj) {
  const bpf::StructOps* ops = nullptr;
  for (const auto& so : obj.struct_ops())
    if (so.type_name == "sched_ext_ops") {
      if (ops)
        return make_error(ErrorKind::rejected,
                          "more than one sched_ext_ops table (" + ops->var_name + ", " + so.var_name + ")");
      ops = &so;
    }
  if (!ops) return make_error(ErrorKind::rejected, "no sched_ext_ops table (SCX_OPS_DEFINE)");
  return ops;
}

verifier::VerifyOptions verify_options(const security::Grant& grant) {
  verifier::VerifyOptions vo;
  vo.insn_budget = std::max<u64>(grant.limits.max_insns, vo.insn_budget);
  return vo;
}

Result<std::vector<CallbackVerdict>> verify_sched_ext_object(const bpf::Object& obj,
                                                             const security::CapabilitySet& caps,
                                                             const verifier::VerifyOptions& opts,
                                                             Callbacks which, const VirtPlace& place) {
  auto ops = sched_ext_ops(obj);
  if (!ops) return tl::unexpected(ops.error());
  const bool builtin_idle = keeps_builtin_idle(**ops);
  std::vector<CallbackVerdict> out;
  for (const auto& [name, index] : (*ops)->callbacks) {
    const kabi::CallbackInfo* cb = kabi::find_callback(name);
    if (!cb) return make_error(ErrorKind::rejected, "unknown sched_ext_ops callback '" + name + "'");
    if (which == Callbacks::hosted && !cb->hosted) continue;
    const bpf::Program& prog = obj.programs()[index];
    if (prog.sleepable && !cb->sleepable_ok)
      return make_error(ErrorKind::rejected, name + ": callback may not be sleepable (SEC(\"struct_ops.s/...\"))");
    CallbackVerdict v;
    v.callback = name;
    v.program = index;
    v.hosted = cb->hosted;
    const verifier::ProgramInfo info = callback_program_info(obj, index, *cb, caps);
    const verifier::ApiSet api = callback_api_set(*cb, prog.sleepable, caps, builtin_idle, place);
    const auto t0 = std::chrono::steady_clock::now();
    v.result = verifier::verify(info, api, opts);
    v.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (v.result.error && v.result.error->callback.empty()) v.result.error->callback = name;
    const bool rejected = !v.result.ok();
    out.push_back(std::move(v));
    if (rejected) break;
  }
  return out;
}

}  // namespace ups::policy
