#include "policy/policy_loader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/helpers.h"
#include "bpf/maps/arena_map.h"
#include "bpf/maps/map_factory.h"
#include "bpf/maps/map_set.h"
#include "bpf/object/object.h"
#include "core/scx_constants.h"
#include "policy/api_sets.h"
#include "policy/bpf_policy.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kernel_abi/scx_api.h"
#include "policy/kfuncs.h"
#include "policy/load_parameters.h"
#include "policy/sandbox.h"
#include "verifier/verifier.h"

namespace ups::policy {

namespace {

// The arena accesses the verifier found in program idx (the same
// instructions whichever callback of it was verified).
std::vector<u32> arena_insns_of(const std::vector<CallbackVerdict>& verdicts, size_t idx) {
  std::vector<u32> out;
  for (const auto& v : verdicts)
    if (v.program == idx) out.insert(out.end(), v.result.arena_insns.begin(), v.result.arena_insns.end());
  return out;
}

// The code with those accesses marked (mode PROBE_MEM32), as Linux's
// verifier rewrites them for its JIT.
std::vector<bpf::Insn> marked_code(std::span<const bpf::Insn> code, const std::vector<u32>& arena_insns) {
  std::vector<bpf::Insn> out(code.begin(), code.end());
  for (u32 pc : arena_insns)
    if (pc < out.size())
      out[pc].opcode = static_cast<u8>((out[pc].opcode & ~bpf::op::MODE_MASK) | bpf::op::PROBE_MEM32);
  return out;
}

}  // namespace

namespace {

// bpf_probe_read_kernel_str(dst, size, src) for UEI_RECORD: copies a
// NUL-terminated string the host may read (the exit info strings, map
// data); anything else reads as empty, like a faulting kernel read.
u64 probe_read_kernel_str(bpf::CallContext& c, u64 dst, u64 size, u64 src, u64, u64) {
  if (size == 0 || dst == 0) return static_cast<u64>(-22);
  auto* out = reinterpret_cast<char*>(dst);
  const std::size_t n = c.env ? c.env->readable_bytes(src, size) : 0;
  if (n == 0) {
    out[0] = 0;
    return static_cast<u64>(-14);  // -EFAULT
  }
  const auto* in = reinterpret_cast<const char*>(src);
  std::size_t len = strnlen(in, n);
  if (len >= size) len = size - 1;
  std::memcpy(out, in, len);
  out[len] = 0;
  return len + 1;
}

std::optional<Op> op_of(std::string_view name) {
  for (u32 i = 0; i < static_cast<u32>(Op::nr_ops); ++i)
    if (name == op_name(static_cast<Op>(i))) return static_cast<Op>(i);
  return std::nullopt;
}

tl::unexpected<Error> refused(const std::string& file, const std::string& msg) {
  return make_error(ErrorKind::rejected, file + ": " + msg);
}

}  // namespace

Result<LoadedPolicy> load_bpf_policy(const std::string& path, const LoadPolicyOptions& opts) {
  static const security::AdmissionConfig kDefaultAdmission;
  const security::AdmissionConfig& adm = opts.admission ? *opts.admission : kDefaultAdmission;

  auto loaded = bpf::load_object_file(path, host_load_options(path));
  if (!loaded) return tl::unexpected(loaded.error());
  auto object = std::make_shared<bpf::Object>(std::move(*loaded));

  auto found = sched_ext_ops(*object);
  if (!found) return refused(path, found.error().message);
  const bpf::StructOps* ops = *found;

  // Arrays resized first: the admission counts the maps' bytes.
  const LoadParameters lp{opts.params, opts.resizes};
  if (auto st = apply_resizes(*object, lp); !st) return refused(path, st.error().message);

  // Admission: the principal, the slot and the limits.
  security::LoadRequest req;
  req.slot = opts.slot == ChainSlot::above_fair ? security::Slot::above_fair : security::Slot::below_fair;
  for (const auto& [name, idx] : ops->callbacks) req.insns += object->programs()[idx].code.size();
  for (const auto& m : object->maps()) req.map_bytes += bpf::map_value_bytes(m, opts.nr_cpus);
  req.classes_loaded = opts.classes_loaded;
  if (auto st = security::admit(adm, opts.principal, req, opts.groups); !st)
    return refused(path, st.error().message);
  const security::Grant grant = adm.grant_for(opts.principal, opts.groups);
  const security::CapabilitySet& caps = grant.caps;

  if (auto st = apply_params(*object, lp); !st) return refused(path, st.error().message);
  s32 half_pid = 0;
  if (opts.user_space) {
    auto pid = reserve_user_space_half(*object, lp, opts.nr_cpus, *opts.user_space, "scx_userland");
    if (!pid) return refused(path, pid.error().message);
    half_pid = *pid;
  }
  if (auto why = missing_user_space_half(*object)) return refused(path, *why);

  OpsConfig cfg;
  cfg.name = !opts.name.empty() ? opts.name : ops->name.empty() ? ops->var_name : ops->name;
  cfg.name += opts.name_suffix;
  cfg.flags = ops->flags;
  cfg.timeout_ms = ops->timeout_ms;
  cfg.dispatch_max_batch = ops->dispatch_max_batch;
  cfg.scx_calls = &scx_call_rules();
  cfg.implemented = 0;
  for (const auto& [name, idx] : ops->callbacks)
    if (auto op = op_of(name)) cfg.implemented |= op_bit(*op);
  // Verify every callback the core calls, for this principal's
  // capabilities: `upsched verify`'s pipeline, with the same options.
  verifier::VerifyOptions vo = verify_options(grant);
  vo.test_skip_map_value_bounds = opts.test_skip_map_value_bounds;
  auto verdicts = verify_sched_ext_object(*object, caps, vo, Callbacks::hosted, opts.virt_place);
  if (!verdicts) return refused(path, verdicts.error().message);
  if (!verdicts->empty() && !verdicts->back().result.ok())
    return refused(path, fmt::format("verifier ({}): {}", adm.describe(opts.principal),
                                     verdicts->back().result.error->to_string()));

  // Maps, then the programs linked against them.
  // The set fills map-in-map initialisers; the policy keeps the maps.
  // The second wall, for every loader who is no administrator (the same
  // line as the pointer-leak rule): see confinement.h. Its sandbox holds
  // the maps' values, so it comes first.
  const bool confined = !may_see_pointers(caps) || opts.confine_always;
  std::shared_ptr<Sandbox> sandbox = confined ? Sandbox::create() : nullptr;
  auto set = bpf::MapSet::create(object->maps(), opts.nr_cpus, sandbox);
  if (!set) return refused(path, set.error().to_string());
  if (auto st = fill_inner_maps(*object, *set, lp, opts.nr_cpus); !st) return refused(path, st.error().message);
  std::vector<std::shared_ptr<bpf::Map>> maps;
  for (std::size_t i = 0; i < set->size(); ++i) maps.push_back(set->shared(i));
  const std::vector<void*> handles(set->handles().begin(), set->handles().end());
  const std::vector<void*> values(set->value_bases().begin(), set->value_bases().end());

  std::unique_ptr<UserSpaceHalf> half;
  if (half_pid) {
    auto made = make_user_space_half(*object, maps);
    if (!made) return refused(path, made.error().message);
    half = std::move(*made);
  }
  auto policy = std::make_unique<BpfPolicy>(object, cfg, std::move(maps), opts.seed);
  policy->hold_while_loaded(opts.held_while_loaded);
  bpf::ExternTable& ext = policy->externs();
  bpf::fill_helpers(ext);
  if (ext.helpers.size() <= 115) ext.helpers.resize(116);
  ext.helpers[115] = probe_read_kernel_str;
  ext.kfuncs = kfunc_externs();
  if (confined) policy->confine(std::move(sandbox));

  // The program's arena, if any: its accesses are linked to it.
  vm::LinkInputs link{handles, values, &policy->linked_externs()};
  for (std::size_t i = 0; i < set->size(); ++i)
    if (set->shared(i)->type() == bpf::MapType::arena) {
      const auto* arena = static_cast<const bpf::ArenaMap*>(set->shared(i).get());
      link.arena_base = reinterpret_cast<u64>(arena->base());
      link.arena_user = arena->user_vm_start();
    }
  for (const auto& [name, idx] : ops->callbacks) {
    auto op = op_of(name);
    const kabi::CallbackInfo* cb = kabi::find_callback(name);
    if (!op || !cb || !cb->hosted) continue;
    auto linked = vm::LinkedProgram::link(marked_code(object->programs()[idx].code, arena_insns_of(*verdicts, idx)), link);
    if (!linked) return refused(path, fmt::format("{}: {}", name, linked.error().message));
    auto code = opts.backend(*linked);
    if (!code) return refused(path, fmt::format("{}: {}", name, code.error().message));
    policy->bind(*op, BoundProgram{idx, std::move(*code), nullptr, {}});
  }

  LoadedPolicy out;
  out.grant.owner = opts.principal;
  out.grant.cpus = caps.cpus_or(opts.cpus);
  if (!opts.cpus.empty() && caps.has_cpus()) out.grant.cpus = caps.cpus() & opts.cpus;
  out.grant.all_tasks = caps.has(security::Capability::all_tasks);
  out.grant.may_kick = caps.has(security::Capability::kick);
  out.grant.max_dsqs = grant.limits.max_dsqs;
  if (opts.slot == ChainSlot::above_fair) {
    const double bw = std::clamp(grant.limits.bandwidth, 0.0, 1.0);
    out.grant.bw_runtime_ns = static_cast<TimeNs>(static_cast<double>(out.grant.bw_period_ns) * bw);
  }
  out.slot = opts.slot;
  out.ops = std::move(policy);
  if (half) opts.user_space->run_half(half_pid, std::move(half));
  return out;
}

}  // namespace ups::policy
