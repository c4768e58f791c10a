// The kfunc table: one row per kfunc upsched implements, the one place a
// kfunc is described (kfuncs.h), and the host functions the rows name.
// Each host function reaches the core through the ScxContext of the
// callback now running and checks every argument again, behind the
// verifier: a pointer that is not a task mirror, an unknown cpumask, a CPU
// out of range fails the class with a report naming the kfunc (its row's
// name), the argument and, from BpfPolicy::finish, the call site.
#include "policy/kfuncs.h"

#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include <fmt/format.h>

#include "policy/policy_clock.h"

#include "base/assert.h"
#include "bpf/helpers/bpf_printf.h"
#include "bpf/helpers/helpers.h"
#include "bpf/maps/arena_map.h"
#include "core/ext_class.h"
#include "core/scx_constants.h"
#include "core/scx_context.h"
#include "policy/bpf_policy.h"

namespace ups::policy {

namespace {

BpfPolicy& host(bpf::CallContext& c) { return *static_cast<BpfPolicy*>(c.host); }

// A failed run-time check: the class fails and the program stops at the
// call, where BpfPolicy::finish adds the instruction and source line.
u64 fail(bpf::CallContext& c, std::string_view kfunc, const std::string& msg) {
  BpfPolicy& h = host(c);
  if (h.in_callback()) h.ctx().fail(fmt::format("{}: {}", kfunc, msg));
  c.abort = true;
  return 0;
}

// A host function: the call's arguments and the kfunc's name, from its
// row, for messages.
#define KF(fn)                                                                              \
  u64 fn([[maybe_unused]] bpf::CallContext& c, [[maybe_unused]] u64 a1, [[maybe_unused]] u64 a2, \
         [[maybe_unused]] u64 a3, [[maybe_unused]] u64 a4, [[maybe_unused]] u64 a5,           \
         [[maybe_unused]] std::string_view kfunc)
using HostFn = u64 (*)(bpf::CallContext&, u64, u64, u64, u64, u64, std::string_view);

// The Task behind a task_struct pointer argument, after writing the
// program's pending field writes into it (so the core sees them).
Task* task(bpf::CallContext& c, u64 addr, std::string_view kfunc, int argno) {
  BpfPolicy& h = host(c);
  Task* t = h.mirrors().task_of(addr);
  if (!t) {
    fail(c, kfunc, fmt::format("argument {}: 0x{:x} is not a task_struct", argno, addr));
    return nullptr;
  }
  h.mirrors().sync_out(*t);
  return t;
}
// A task argument the kfunc moves or changes: it must be one of the calling
// class's own tasks (attached to it), whoever else may see it.
Task* own_task(bpf::CallContext& c, u64 addr, std::string_view kfunc, int argno) {
  Task* t = task(c, addr, kfunc, argno);
  if (!t) return nullptr;
  const ExtClass& cls = host(c).ctx().ext_class();
  if (t->cls != cls.id()) {
    fail(c, kfunc, fmt::format("argument {}: task {} (pid {}) is not a task of class {}", argno,
                               std::string_view(t->comm.data()), t->id, cls.name()));
    return nullptr;
  }
  return t;
}
// After the core changed a task: refresh the mirror the program sees.
void refresh(bpf::CallContext& c, Task* t) {
  if (t) host(c).task_ptr(t);
}

CpuId cpu_arg(u64 v) { return static_cast<CpuId>(static_cast<s32>(v)); }

// A const struct cpumask * argument: a task's cpus_mask, a mask the host
// handed out, or an acquired bpf_cpumask.
const kabi::Cpumask* mask_ptr(bpf::CallContext& c, u64 addr, std::string_view kfunc, int argno) {
  BpfPolicy& h = host(c);
  const u64 off = offsetof(kabi::TaskStruct, cpus_mask);
  if (addr == reinterpret_cast<u64>(&h.idle_mirror) || addr == reinterpret_cast<u64>(&h.possible_mirror) ||
      h.is_cpumask(addr) || (addr >= off && h.mirrors().task_of(addr - off)))
    return reinterpret_cast<const kabi::Cpumask*>(addr);
  fail(c, kfunc, fmt::format("argument {}: 0x{:x} is not a cpumask", argno, addr));
  return nullptr;
}
bool mask_arg(bpf::CallContext& c, u64 addr, std::string_view kfunc, int argno, CpuMask& out) {
  const kabi::Cpumask* m = mask_ptr(c, addr, kfunc, argno);
  if (!m) return false;
  out.clear_all();
  for (int w = 0; w < kabi::kCpumaskWords; ++w)
    for (u64 bits = m->bits[w]; bits; bits &= bits - 1) out.set(w * 64 + std::countr_zero(bits));
  return true;
}
kabi::BpfCpumask* bpf_mask(bpf::CallContext& c, u64 addr, std::string_view kfunc, int argno) {
  if (host(c).is_cpumask(addr)) return reinterpret_cast<kabi::BpfCpumask*>(addr);
  fail(c, kfunc, fmt::format("argument {}: 0x{:x} is not a bpf_cpumask", argno, addr));
  return nullptr;
}
void mask_to(const CpuMask& m, kabi::Cpumask& out) {
  static_assert(sizeof(out.bits) == sizeof(u64) * (kMaxCpus / 64));
  std::memcpy(out.bits, m.words().data(), sizeof out.bits);
}
bool cpu_ok(bpf::CallContext& c, u64 cpu, std::string_view kfunc, int argno) {
  if (cpu < static_cast<u64>(host(c).ctx().nr_cpu_ids())) return true;
  fail(c, kfunc, fmt::format("argument {}: invalid CPU {}", argno, static_cast<s64>(cpu)));
  return false;
}

// --- DSQs ---------------------------------------------------------------------
KF(dsq_insert) {
  Task* p = own_task(c, a1, kfunc, 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().dsq_insert(*p, a2, a3, a4);
  refresh(c, p);
  return ok;
}
KF(dsq_insert_vtime) {
  Task* p = own_task(c, a1, kfunc, 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().dsq_insert_vtime(*p, a2, a3, a4, a5);
  refresh(c, p);
  return ok;
}
KF(dispatch_nr_slots) { return host(c).ctx().dispatch_nr_slots(); }
KF(dispatch_cancel) { host(c).ctx().dispatch_cancel(); return 0; }
KF(dsq_move_to_local) { return host(c).ctx().dsq_move_to_local(a1); }
KF(dsq_move_to_local_v2) {
  if (a2 != 0) return fail(c, kfunc, fmt::format("argument 2: unsupported enq_flags 0x{:x}", a2));
  return host(c).ctx().dsq_move_to_local(a1);
}
KF(create_dsq) { return static_cast<u64>(static_cast<s64>(host(c).ctx().create_dsq(a1, static_cast<s32>(a2)))); }
KF(destroy_dsq) { host(c).ctx().destroy_dsq(a1); return 0; }
KF(dsq_nr_queued) { return static_cast<u64>(static_cast<s64>(host(c).ctx().dsq_nr_queued(a1))); }
KF(dsq_peek) { return host(c).task_ptr(host(c).ctx().dsq_peek(a1)); }

// Iterators: the program's 48-byte bpf_iter_scx_dsq holds a magic word and
// the index of the host's DsqIter.
constexpr u64 kIterMagic = 0x5c7d5a17e4a00000ULL;
DsqIter* iter_of(bpf::CallContext& c, u64 addr, std::string_view kfunc) {
  if (!host(c).readable(addr, 16)) {
    fail(c, kfunc, fmt::format("argument 1: 0x{:x} is not an iterator", addr));
    return nullptr;
  }
  u64 w[2];
  std::memcpy(w, reinterpret_cast<const void*>(addr), sizeof w);
  auto& slots = host(c).iters;
  if (w[0] != kIterMagic || w[1] >= slots.size()) return nullptr;
  return &slots[w[1]];
}
KF(iter_dsq_new) {
  if (!host(c).readable(a1, sizeof(kabi::BpfIterScxDsq)))
    return fail(c, kfunc, "argument 1: not an iterator on the stack");
  auto& slots = host(c).iters;
  size_t i = 0;
  while (i < slots.size() && slots[i].active) ++i;
  if (i == slots.size()) slots.emplace_back();
  u64 w[2] = {kIterMagic, i};
  std::memcpy(reinterpret_cast<void*>(a1), w, sizeof w);
  const s32 r = host(c).ctx().dsq_iter_new(slots[i], a2, a3);
  if (r != 0) slots[i].active = false;
  return static_cast<u64>(static_cast<s64>(r));
}
KF(iter_dsq_next) {
  DsqIter* it = iter_of(c, a1, kfunc);
  if (!it || !it->active) return 0;
  return host(c).task_ptr(host(c).ctx().dsq_iter_next(*it));
}
KF(iter_dsq_destroy) {
  DsqIter* it = iter_of(c, a1, kfunc);
  if (it && it->active) host(c).ctx().dsq_iter_destroy(*it);
  if (it) it->active = false;
  return 0;
}
KF(dsq_move_set_slice) {
  if (DsqIter* it = iter_of(c, a1, kfunc)) it->move_slice = a2;
  return 0;
}
KF(dsq_move_set_vtime) {
  if (DsqIter* it = iter_of(c, a1, kfunc)) {
    it->move_vtime = a2;
    it->has_vtime = true;  // else the next move keeps the task's old vtime
  }
  return 0;
}
u64 move_impl(bpf::CallContext& c, u64 a1, u64 a2, u64 a3, u64 a4, bool vtime, std::string_view name) {
  DsqIter* it = iter_of(c, a1, name);
  if (!it || !it->active) return fail(c, name, "argument 1: not an active iterator");
  Task* p = own_task(c, a2, name, 2);
  if (!p) return 0;
  const bool ok = host(c).ctx().dsq_move(*it, *p, a3, a4, vtime);
  refresh(c, p);
  return ok;
}
KF(dsq_move) { return move_impl(c, a1, a2, a3, a4, false, kfunc); }
KF(dsq_move_vtime) { return move_impl(c, a1, a2, a3, a4, true, kfunc); }

// --- CPUs -----------------------------------------------------------------------
KF(select_cpu_dfl) {
  Task* p = own_task(c, a1, kfunc, 1);
  if (!p) return 0;
  if (!host(c).readable(a4, 1)) return fail(c, kfunc, "argument 4: not writable memory");
  bool idle = false;
  const CpuId cpu = host(c).ctx().select_cpu_dfl(*p, cpu_arg(a2), a3, &idle);
  *reinterpret_cast<u8*>(a4) = idle ? 1 : 0;
  refresh(c, p);
  return static_cast<u64>(static_cast<s64>(cpu));
}
KF(cpu_node) {
  if (!cpu_ok(c, a1, kfunc, 1)) return 0;
  return static_cast<u64>(static_cast<s64>(host(c).ctx().cpu_node(cpu_arg(a1))));
}
KF(get_idle_cpumask) {
  BpfPolicy& h = host(c);
  mask_to(h.ctx().idle_cpumask(), h.idle_mirror);
  return reinterpret_cast<u64>(&h.idle_mirror);
}
KF(get_possible_cpumask) {
  BpfPolicy& h = host(c);
  mask_to(h.ctx().possible_cpumask(), h.possible_mirror);
  return reinterpret_cast<u64>(&h.possible_mirror);
}
KF(put_cpumask) { return 0; }
KF(test_and_clear_cpu_idle) {
  if (!cpu_ok(c, a1, kfunc, 1)) return 0;
  return host(c).ctx().test_and_clear_cpu_idle(cpu_arg(a1));
}
KF(pick_idle_cpu) {
  CpuMask m;
  if (!mask_arg(c, a1, kfunc, 1, m)) return 0;
  return static_cast<u64>(static_cast<s64>(host(c).ctx().pick_idle_cpu(m, a2)));
}
KF(pick_any_cpu) {
  CpuMask m;
  if (!mask_arg(c, a1, kfunc, 1, m)) return 0;
  return static_cast<u64>(static_cast<s64>(host(c).ctx().pick_any_cpu(m, a2)));
}
KF(kick_cpu) {
  if (!cpu_ok(c, a1, kfunc, 1)) return 0;
  host(c).ctx().kick_cpu(cpu_arg(a1), a2);
  return 0;
}
KF(nr_cpu_ids) { return host(c).ctx().nr_cpu_ids(); }
KF(nr_node_ids) {
  int n = 0;
  for (u32 cpu = 0; cpu < host(c).ctx().nr_cpu_ids(); ++cpu)
    n = std::max(n, host(c).ctx().cpu_node(static_cast<CpuId>(cpu)) + 1);
  return static_cast<u64>(std::max(n, 1));
}

// --- resilient spin locks -------------------------------------------------------
// bpf_spin_lock's flag (one lock held at a time, faults for what would
// deadlock); never the failure Linux may return: see the verifier's
// Special::res_spin_lock.
KF(res_spin_lock) {
  bpf::helpers::spin_lock(c, a1, 0, 0, 0, 0);
  return 0;
}
KF(res_spin_unlock) { return bpf::helpers::spin_unlock(c, a1, 0, 0, 0, 0); }

// bpf_rcu_read_lock/unlock: the verifier pairs them and keeps what may
// sleep out; at run time there is nothing to do, since a policy's callback
// runs under the core's lock and no object it sees goes away meanwhile.
KF(rcu_read_lock) { return 0; }
KF(rcu_read_unlock) { return 0; }

// --- topological CPU ids (core/cids.h) ------------------------------------------
// An invalid cid or cpu is the policy's error, as Linux's scx_error().
bool cid_ok(bpf::CallContext& c, u64 cid, std::string_view kfunc, int argno) {
  if (host(c).ctx().cids().valid_cid(static_cast<s32>(cid))) return true;
  fail(c, kfunc, fmt::format("argument {}: invalid cid {}", argno, static_cast<s32>(cid)));
  return false;
}
u64 cid_ret(s32 cid) { return static_cast<u64>(static_cast<s64>(cid)); }
KF(nr_cids) { return host(c).ctx().cids().nr_cids(); }
KF(cpu_to_cid) {
  if (!cpu_ok(c, static_cast<u64>(static_cast<s64>(static_cast<s32>(a1))), kfunc, 1)) return 0;
  return cid_ret(host(c).ctx().cids().cid_of(cpu_arg(a1)));
}
KF(cid_to_cpu) {
  if (!cid_ok(c, a1, kfunc, 1)) return 0;
  return cid_ret(host(c).ctx().cids().cpu_of(static_cast<s32>(a1)));
}
KF(this_cid) { return cid_ret(host(c).ctx().cids().cid_of(host(c).ctx().this_cpu())); }
KF(task_cid) {
  Task* p = task(c, a1, kfunc, 1);
  if (!p) return 0;
  return cid_ret(host(c).ctx().cids().cid_of(host(c).ctx().task_cpu(*p)));
}
KF(kick_cid) {
  if (!cid_ok(c, a1, kfunc, 1)) return 0;
  host(c).ctx().kick_cpu(host(c).ctx().cids().cpu_of(static_cast<s32>(a1)), a2);
  return 0;
}

// --- tasks --------------------------------------------------------------------
// Linux answers false for a task of another scheduler (ScxContext::on_class).
KF(task_set_slice) {
  Task* p = task(c, a1, kfunc, 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().task_set_slice(*p, a2);
  refresh(c, p);
  return ok;
}
KF(task_set_dsq_vtime) {
  Task* p = task(c, a1, kfunc, 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().task_set_dsq_vtime(*p, a2);
  refresh(c, p);
  return ok;
}
// The kfuncs that ask the core one question about a task: a task_struct
// argument, the answer as a BPF register (signed answers sign-extended).
template <auto query>
KF(task_query) {
  Task* p = task(c, a1, kfunc, 1);
  if (!p) return 0;
  const auto answer = (host(c).ctx().*query)(*p);
  if constexpr (std::is_signed_v<decltype(answer)>) return static_cast<u64>(static_cast<s64>(answer));
  else return static_cast<u64>(answer);
}

KF(now) { return policy_clock(host(c).ctx().now()); }
// Guest/host hints (upsched/virt_hints.h): a host policy sets flags on one
// of the vCPU tasks it sees; a guest policy publishes about one of its CPUs.
KF(vcpu_set_host_flags) {
  Task* p = task(c, a1, kfunc, 1);
  if (!p) return 0;
  host(c).ctx().vcpu_set_host_flags(*p, a2);
  return 0;
}
KF(virt_publish) {
  if (!cpu_ok(c, a1, kfunc, 1)) return 0;
  host(c).ctx().virt_publish(cpu_arg(a1), a2, a3);
  return 0;
}
template <u64 (ScxContext::*query)(CpuId) const>
KF(virt_cpu_query) {
  if (!cpu_ok(c, a1, kfunc, 1)) return 0;
  return (host(c).ctx().*query)(cpu_arg(a1));
}
KF(task_from_pid) {
  return host(c).task_ptr(host(c).ctx().task_from_pid(static_cast<TaskId>(static_cast<s32>(a1))));
}
KF(task_release) {
  task(c, a1, kfunc, 1);
  return 0;
}

// --- cgroups -------------------------------------------------------------------
// The cgroup behind a struct cgroup pointer argument: a mirror the host
// handed out (else the class fails); null when the cgroup was removed since.
const Cgroup* cgroup_arg(bpf::CallContext& c, u64 addr, std::string_view kfunc, int argno, bool* bad) {
  const auto id = host(c).cgroups().id_of(addr);
  *bad = !id;
  if (!id) {
    fail(c, kfunc, fmt::format("argument {}: 0x{:x} is not a struct cgroup", argno, addr));
    return nullptr;
  }
  return host(c).ctx().cgroup_from_id(*id);
}
KF(task_cgroup) {
  Task* p = task(c, a1, kfunc, 1);
  return p ? host(c).cgroup_ptr(p->cgroup) : 0;
}
// References to cgroups: the mirrors live as long as the policy, so
// acquiring counts nothing; the verifier pairs each acquire with its release.
// A cgroup removed since is gone (NULL), as a css_tryget() that fails.
KF(cgroup_acquire) {
  bool bad = false;
  const Cgroup* cg = cgroup_arg(c, a1, kfunc, 1, &bad);
  return cg ? a1 : 0;
}
KF(cgroup_release) {
  bool bad = false;
  cgroup_arg(c, a1, kfunc, 1, &bad);
  return 0;
}
KF(cgroup_from_id) { return host(c).cgroup_ptr(host(c).ctx().cgroup_from_id(a1)); }
KF(cgroup_ancestor) {
  bool bad = false;
  const Cgroup* cg = cgroup_arg(c, a1, kfunc, 1, &bad);
  return cg ? host(c).cgroup_ptr(cg->ancestor(static_cast<s32>(a2))) : 0;
}

// --- errors ---------------------------------------------------------------------
// The message of scx_bpf_error/exit: fmt with its packed u64 arguments.
std::optional<std::string> format_bstr(bpf::CallContext& c, u64 fmt_addr, u64 data, u64 data_len,
                                       std::string_view kfunc) {
  BpfPolicy& h = host(c);
  const std::size_t fmt_size = h.env().readable_bytes(fmt_addr, bpf::kMaxBprintfBuf);
  if (fmt_size == 0) {
    fail(c, kfunc, "argument 1: format string is not readable");
    return std::nullopt;
  }
  if (data_len % 8 != 0 || data_len / 8 > bpf::kMaxBprintfVarargs || !h.readable(data, data_len)) {
    fail(c, kfunc, fmt::format("bad argument data ({} bytes)", data_len));
    return std::nullopt;
  }
  std::vector<u64> args(data_len / 8);
  if (!args.empty()) std::memcpy(args.data(), reinterpret_cast<const void*>(data), data_len);
  std::string out;
  if (bpf::bpf_format(reinterpret_cast<const char*>(fmt_addr), fmt_size, args, &h.env(), out) < 0) {
    fail(c, kfunc, "invalid format string");
    return std::nullopt;
  }
  return out;
}
KF(error_bstr) {
  // The error ends the class; the program stops here (run() adds where),
  // which the verifier counts on (kf_ends_run): no path goes on after it.
  c.abort = true;
  auto msg = format_bstr(c, a1, a2, a3, kfunc);
  if (msg) host(c).ctx().error(*msg);
  return 0;
}
KF(exit_bstr) {
  auto msg = format_bstr(c, a2, a3, a4, kfunc);
  if (msg) host(c).ctx().exit(static_cast<s64>(a1), *msg);
  return 0;
}

// --- bpf_cpumask ---------------------------------------------------------------
KF(cpumask_create) { return reinterpret_cast<u64>(host(c).new_cpumask()); }
KF(cpumask_acquire) {
  kabi::BpfCpumask* m = bpf_mask(c, a1, kfunc, 1);
  if (!m) return 0;
  ++m->usage.refs;
  return a1;
}
KF(cpumask_release) {
  if (bpf_mask(c, a1, kfunc, 1)) host(c).drop_cpumask(a1);
  return 0;
}
u64 set_bit(bpf::CallContext& c, u64 cpu, u64 mask, bool on, std::string_view name) {
  kabi::BpfCpumask* m = bpf_mask(c, mask, name, 2);
  if (!m || cpu >= static_cast<u64>(kMaxCpus)) return 0;
  if (on) m->cpumask.bits[cpu / 64] |= u64{1} << (cpu % 64);
  else m->cpumask.bits[cpu / 64] &= ~(u64{1} << (cpu % 64));
  return 0;
}
KF(cpumask_set_cpu) { return set_bit(c, a1, a2, true, kfunc); }
KF(cpumask_clear_cpu) { return set_bit(c, a1, a2, false, kfunc); }
KF(cpumask_test_cpu) {
  CpuMask m;
  return mask_arg(c, a2, kfunc, 2, m) && m.test(cpu_arg(a1));
}
KF(cpumask_clear) {
  if (kabi::BpfCpumask* m = bpf_mask(c, a1, kfunc, 1)) m->cpumask = {};
  return 0;
}
KF(cpumask_setall) {
  if (kabi::BpfCpumask* m = bpf_mask(c, a1, kfunc, 1))
    mask_to(CpuMask::first_n(static_cast<int>(host(c).ctx().nr_cpu_ids())), m->cpumask);
  return 0;
}
KF(cpumask_first) {
  CpuMask m;
  if (!mask_arg(c, a1, kfunc, 1, m)) return 0;
  const CpuId f = m.first();
  return f < 0 ? static_cast<u64>(kMaxCpus) : static_cast<u64>(f);
}
KF(cpumask_first_zero) {
  CpuMask m;
  if (!mask_arg(c, a1, kfunc, 1, m)) return 0;
  const CpuId f = (~m).first();
  return f < 0 ? static_cast<u64>(kMaxCpus) : static_cast<u64>(f);
}
KF(cpumask_empty) {
  CpuMask m;
  return mask_arg(c, a1, kfunc, 1, m) && m.empty();
}
KF(cpumask_weight) {
  CpuMask m;
  return mask_arg(c, a1, kfunc, 1, m) ? static_cast<u64>(m.count()) : 0;
}
u64 binop(bpf::CallContext& c, u64 dst, u64 s1, u64 s2, int op, std::string_view name) {
  kabi::BpfCpumask* d = bpf_mask(c, dst, name, 1);
  CpuMask x, y;
  if (!d || !mask_arg(c, s1, name, 2, x) || !mask_arg(c, s2, name, 3, y)) return 0;
  const CpuMask r = op == 0 ? (x & y) : (x | y);
  mask_to(r, d->cpumask);
  return op == 0 ? !r.empty() : 0;
}
KF(cpumask_and) { return binop(c, a1, a2, a3, 0, kfunc); }
KF(cpumask_or) { return binop(c, a1, a2, a3, 1, kfunc); }
KF(cpumask_copy) {
  kabi::BpfCpumask* d = bpf_mask(c, a1, kfunc, 1);
  CpuMask s;
  if (d && mask_arg(c, a2, kfunc, 2, s)) mask_to(s, d->cpumask);
  return 0;
}
KF(cpumask_subset) {
  CpuMask x, y;
  return mask_arg(c, a1, kfunc, 1, x) && mask_arg(c, a2, kfunc, 2, y) &&
         x.subset_of(y);
}
KF(cpumask_intersects) {
  CpuMask x, y;
  return mask_arg(c, a1, kfunc, 1, x) &&
         mask_arg(c, a2, kfunc, 2, y) && x.intersects(y);
}
KF(cpumask_any_distribute) {
  CpuMask m;
  if (!mask_arg(c, a1, kfunc, 1, m)) return 0;
  const CpuId f = m.first();
  return f < 0 ? static_cast<u64>(kMaxCpus) : static_cast<u64>(f);
}

// --- bpf_iter_num (bpf_for): {int cur; int end;} in the program's 8 bytes,
// as the kernel's bpf_iter_num_kern ---
struct IterNum {
  s32 cur, end;
};
static_assert(sizeof(IterNum) == sizeof(kabi::BpfIterNum));
IterNum* num_iter(bpf::CallContext& c, u64 addr, std::string_view kfunc) {
  if (host(c).readable(addr, sizeof(IterNum))) return reinterpret_cast<IterNum*>(addr);
  fail(c, kfunc, fmt::format("argument 1: 0x{:x} is not an iterator", addr));
  return nullptr;
}
KF(iter_num_new) {
  IterNum* it = num_iter(c, a1, kfunc);
  if (!it) return 0;
  const s64 start = static_cast<s32>(a2), end = static_cast<s32>(a3);
  // Linux: empty on start > end or more than BPF_MAX_LOOPS items.
  if (start > end || end - start > (s64{1} << 23)) {
    *it = {0, 0};
    return start > end ? static_cast<u64>(-22) : static_cast<u64>(-7);
  }
  *it = {static_cast<s32>(start - 1), static_cast<s32>(end)};
  return 0;
}
KF(iter_num_next) {
  IterNum* it = num_iter(c, a1, kfunc);
  if (!it || static_cast<s64>(it->cur) + 1 >= it->end) return 0;
  ++it->cur;
  return reinterpret_cast<u64>(&it->cur);
}
KF(iter_num_destroy) {
  if (IterNum* it = num_iter(c, a1, kfunc)) *it = {0, 0};
  return 0;
}

// --- allocated objects and rbtrees (policy/local_objects.h) ---------------------------
// Arenas (Linux kernel/bpf/arena.c). The verifier hands them an arena map;
// anything else gets what a failed call gives.
bpf::ArenaMap* arena_of(u64 map) {
  auto* m = reinterpret_cast<bpf::Map*>(map);
  return m && m->type() == bpf::MapType::arena ? static_cast<bpf::ArenaMap*>(m) : nullptr;
}
KF(arena_alloc_pages) {
  bpf::ArenaMap* a = arena_of(a1);
  if (!a || a5 != 0) return 0;  // no flags are defined
  return a->alloc_pages(a2, static_cast<u32>(a3));
}
KF(arena_free_pages) {
  if (bpf::ArenaMap* a = arena_of(a1); a && a2) a->free_pages(a2, static_cast<u32>(a3));
  return 0;
}
KF(arena_reserve_pages) {
  bpf::ArenaMap* a = arena_of(a1);
  return static_cast<u64>(static_cast<s64>(a ? a->reserve_pages(a2, static_cast<u32>(a3)) : -EINVAL));
}

KF(obj_new) { return host(c).objects().alloc(static_cast<u32>(a1)); }
KF(obj_drop) {
  if (auto why = host(c).objects().drop(a1); !why.empty()) return fail(c, kfunc, "argument 1: " + why);
  return 0;
}
KF(rbtree_add) {
  if (!c.invoker) return fail(c, kfunc, "no program to run the less callback");
  auto less = [&](u64 a, u64 b) -> std::optional<bool> {
    const u64 r = c.invoker->invoke(static_cast<u32>(a3), a, b, 0, 0, 0);
    if (c.abort) return std::nullopt;
    return (r & 0xff) != 0;  // a bool
  };
  if (auto why = host(c).objects().rbtree_add(a1, a2, less); !why.empty()) return fail(c, kfunc, "argument 2: " + why);
  return 0;
}
KF(rbtree_first) { return host(c).objects().rbtree_first(a1); }
KF(rbtree_remove) { return host(c).objects().rbtree_remove(a1, a2); }

// --- upsched extensions -----------------------------------------------------------
KF(event_fired) { return host(c).ctx().event_fired(a1); }

#undef KF


// --- the table -------------------------------------------------------------------

// A kfunc's name as a template argument, so that its row and its ExternFn
// are made from the one string.
template <std::size_t N>
struct KfuncName {
  char chars[N];
  constexpr KfuncName(const char (&s)[N]) {  // NOLINT: implicit from a literal
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const { return {chars, N - 1}; }
};

// The ExternFn of a row: runs the host function with the row's name, and
// stops the program when the class failed inside it (a check the core
// made, or scx_bpf_exit), so that BpfPolicy::finish can name the call's
// instruction and source line in the exit report.
template <KfuncName name, HostFn fn>
u64 entry(bpf::CallContext& c, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) {
  BpfPolicy& h = host(c);
  if (!h.in_callback()) {  // the host runs programs only inside callbacks and timers
    c.abort = true;
    return 0;
  }
  const ExtClass& cls = h.ctx().ext_class();
  const bool was_failing = cls.failing();
  const u64 r = fn(c, a1, a2, a3, a4, a5, name.view());
  if (!was_failing && cls.failing()) c.abort = true;
  return r;
}

using A = kabi::KArg;
using R = kabi::KRet;
using kabi::Capability;
using kabi::KfSets;
using kabi::KfuncInfo;
using namespace kabi;  // the KfSet and KfFlag bits

template <KfuncName name, HostFn fn>
KfuncInfo row(std::vector<std::string_view> aliases, KRet ret, std::optional<std::pair<s64, s64>> ret_range,
              std::vector<KArg> args, u32 flags, KfSets sets, std::optional<Capability> cap,
              std::optional<Capability> widened_by, std::string_view since,
              std::optional<KfuncInfo::FlagCap> flag_cap = std::nullopt) {
  KfuncInfo k;
  k.name = name.view();
  k.host = entry<name, fn>;
  k.aliases = std::move(aliases);
  k.ret = ret;
  k.ret_range = ret_range;
  k.args = std::move(args);
  k.flags = flags;
  k.sets = sets;
  k.cap = cap;
  k.widened_by = widened_by;
  k.since = since;
  k.flag_cap = flag_cap;
  return k;
}

// SCX_ENQ_PREEMPT (1 << 32) in the enq_flags argument kicks the target CPU.
KfuncInfo::FlagCap enq_preempt(u32 arg) { return KfuncInfo::FlagCap{arg, u64{1} << 32, Capability::kick}; }

// The callbacks (op_bit) and timers (kTimerCallers) whose kfunc sets
// include one of the row's: the core's view of a row. A sleepable kfunc
// only from the callbacks that may sleep (cgroup_set_weight may not,
// though its set is the unlocked one), as the verifier has it.
u32 callers_of(const KfuncInfo& k) {
  u32 callers = 0;
  for (u32 i = 0; i < static_cast<u32>(Op::nr_ops); ++i) {
    const CallbackInfo* cb = find_callback(op_name(static_cast<Op>(i)));
    UPS_ASSERT(cb != nullptr);
    if ((k.sets & callback_sets(*cb)) && (!(k.flags & kf_sleepable) || cb->sleepable_ok))
      callers |= op_bit(static_cast<Op>(i));
  }
  if (k.sets & kTimerSets) callers |= kTimerCallers;
  return callers;
}

struct KfuncTable {
  std::vector<KfuncInfo> rows;
  ScxCallRules core_rules;

  // A row; `core`: the ScxContext call it makes that the core restricts to
  // some callbacks (its flavours make the same call, from the same ones).
  void add(KfuncInfo k, std::optional<ScxCall> core = std::nullopt) {
    if (core) {
      ScxCallRule& rule = core_rules[*core];
      const u32 callers = callers_of(k);
      UPS_ASSERT(rule.kfunc.empty() || rule.callers == callers);
      if (rule.kfunc.empty()) rule = {k.name, callers};
    }
    rows.push_back(std::move(k));
  }
};

// Rows follow their declarations in sdk/include/scx/common.bpf.h,
// bpf/bpf_helpers.h and upsched/*.h (sdk_headers_test keeps them equal);
// per-callback sets follow Linux v7.2-rc2 (sched_ext-abi.md §1, §7).
KfuncTable make_table() {
  constexpr s64 kMaxCpuId = kMaxCpus - 1;
  constexpr s64 kMaxErrno = 4095;
  constexpr s64 kS32Max = std::numeric_limits<s32>::max();
  const auto cap_kick = std::optional<Capability>(Capability::kick);
  const auto cap_events = std::optional<Capability>(Capability::events);
  const auto cap_locks = std::optional<Capability>(Capability::locks);
  const auto cap_virt = std::optional<Capability>(Capability::virt);
  const auto none = std::optional<Capability>();
  const std::pair<s64, s64> cpu_or_errno{-kMaxErrno, kMaxCpuId};
  const std::pair<s64, s64> cpu_id{0, kMaxCpuId};
  const std::pair<s64, s64> zero_or_errno{-kMaxErrno, 0};
  const std::pair<s64, s64> count{-kMaxErrno, kS32Max};


  KfuncTable t;
  // --- inserting (select_cpu, enqueue, dispatch) ---
  t.add(row<"scx_bpf_dsq_insert", dsq_insert>({"scx_bpf_dispatch"}, R::void_, {},
      {A::task, A::scalar, A::scalar, A::scalar}, kf_rcu, kf_set_enqueue_dispatch, none, none,
      "v6.13", enq_preempt(3)), ScxCall::dsq_insert);
  t.add(row<"scx_bpf_dsq_insert___v2", dsq_insert>({}, R::boolean, {},
      {A::task, A::scalar, A::scalar, A::scalar}, kf_rcu, kf_set_enqueue_dispatch, none, none,
      "v6.19", enq_preempt(3)), ScxCall::dsq_insert);
  t.add(row<"scx_bpf_dsq_insert_vtime", dsq_insert_vtime>({"scx_bpf_dispatch_vtime"}, R::void_, {},
      {A::task, A::scalar, A::scalar, A::scalar, A::scalar}, kf_rcu, kf_set_enqueue_dispatch, none,
      none, "v6.13", enq_preempt(4)), ScxCall::dsq_insert_vtime);
  // --- dispatch only ---
  t.add(row<"scx_bpf_dispatch_nr_slots", dispatch_nr_slots>({}, R::scalar, std::pair<s64, s64>{0, 1 << 20}, {}, 0,
      kf_set_dispatch, none, none, "v6.12"), ScxCall::dispatch_nr_slots);
  t.add(row<"scx_bpf_dispatch_cancel", dispatch_cancel>({}, R::void_, {}, {}, 0, kf_set_dispatch, none, none, "v6.12"), ScxCall::dispatch_cancel);
  t.add(row<"scx_bpf_dsq_move_to_local", dsq_move_to_local>({"scx_bpf_consume"}, R::boolean, {}, {A::scalar}, 0,
      kf_set_dispatch, none, none, "v6.13"), ScxCall::dsq_move_to_local);
  t.add(row<"scx_bpf_dsq_move_to_local___v2", dsq_move_to_local_v2>({}, R::boolean, {}, {A::scalar, A::scalar}, 0,
      kf_set_dispatch, none, none, "v7.1", enq_preempt(1)), ScxCall::dsq_move_to_local);
  // --- moves from an iterated DSQ (dispatch; timers and other unlocked) ---
  t.add(row<"scx_bpf_dsq_move_set_slice", dsq_move_set_slice>({"scx_bpf_dispatch_from_dsq_set_slice"}, R::void_, {},
      {A::dsq_iter, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none, none, "v6.13"));
  t.add(row<"scx_bpf_dsq_move_set_vtime", dsq_move_set_vtime>({"scx_bpf_dispatch_from_dsq_set_vtime"}, R::void_, {},
      {A::dsq_iter, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none, none, "v6.13"));
  t.add(row<"scx_bpf_dsq_move", dsq_move>({"scx_bpf_dispatch_from_dsq"}, R::boolean, {},
      {A::dsq_iter, A::task, A::scalar, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none,
      none, "v6.13", enq_preempt(3)), ScxCall::dsq_move);
  t.add(row<"scx_bpf_dsq_move_vtime", dsq_move_vtime>({"scx_bpf_dispatch_vtime_from_dsq"}, R::boolean, {},
      {A::dsq_iter, A::task, A::scalar, A::scalar}, kf_rcu, kf_set_dispatch | kf_set_unlocked, none,
      none, "v6.13", enq_preempt(3)), ScxCall::dsq_move_vtime);
  // --- sleepable ---
  t.add(row<"scx_bpf_create_dsq", create_dsq>({}, R::scalar, zero_or_errno, {A::scalar, A::scalar}, kf_sleepable,
      kf_set_unlocked, none, none, "v6.12"), ScxCall::create_dsq);
  // --- CPU selection ---
  t.add(row<"scx_bpf_select_cpu_dfl", select_cpu_dfl>({}, R::scalar, cpu_id,
      {A::task, A::scalar, A::scalar, A::out_bool}, kf_rcu, kf_set_select_cpu | kf_set_unlocked,
      none, none, "v6.12"), ScxCall::select_cpu_dfl);
  // --- built-in idle tracking ---
  t.add(row<"scx_bpf_cpu_node", cpu_node>({}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::scalar}, 0,
      kf_set_idle, none, none, "v6.15"));
  t.add(row<"scx_bpf_get_idle_cpumask", get_idle_cpumask>({}, R::cpumask, {}, {}, kf_acquire, kf_set_idle, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_get_idle_smtmask", get_idle_cpumask>({}, R::cpumask, {}, {}, kf_acquire, kf_set_idle, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_put_idle_cpumask", put_cpumask>({}, R::void_, {}, {A::cpumask}, kf_release, kf_set_idle, none,
      none, "v6.12"));
  t.add(row<"scx_bpf_test_and_clear_cpu_idle", test_and_clear_cpu_idle>({}, R::boolean, {}, {A::scalar}, 0, kf_set_idle, none,
      none, "v6.12"));
  t.add(row<"scx_bpf_pick_idle_cpu", pick_idle_cpu>({}, R::scalar, cpu_or_errno, {A::cpumask, A::scalar}, kf_rcu,
      kf_set_idle, none, none, "v6.12"));
  t.add(row<"scx_bpf_pick_any_cpu", pick_any_cpu>({}, R::scalar, cpu_or_errno, {A::cpumask, A::scalar}, kf_rcu,
      kf_set_idle, none, none, "v6.12"));
  // --- any callback ---
  t.add(row<"scx_bpf_task_set_slice", task_set_slice>({}, R::boolean, {}, {A::task, A::scalar}, kf_rcu, kf_set_any,
      none, none, "v6.19"));
  t.add(row<"scx_bpf_task_set_dsq_vtime", task_set_dsq_vtime>({}, R::boolean, {}, {A::task, A::scalar}, kf_rcu,
      kf_set_any, none, none, "v6.19"));
  t.add(row<"scx_bpf_kick_cpu", kick_cpu>({}, R::void_, {}, {A::scalar, A::scalar}, 0, kf_set_any, cap_kick,
      none, "v6.12"));
  t.add(row<"scx_bpf_dsq_nr_queued", dsq_nr_queued>({}, R::scalar, count, {A::scalar}, 0, kf_set_any, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_destroy_dsq", destroy_dsq>({}, R::void_, {}, {A::scalar}, 0, kf_set_any, none, none, "v6.12"));
  t.add(row<"scx_bpf_dsq_peek", dsq_peek>({}, R::task, {}, {A::scalar}, kf_ret_null | kf_rcu, kf_set_any, none,
      none, "v6.19"));
  t.add(row<"bpf_iter_scx_dsq_new", iter_dsq_new>({}, R::scalar, zero_or_errno, {A::dsq_iter, A::scalar, A::scalar},
      kf_iter_new | kf_rcu, kf_set_any, none, none, "v6.12"));
  t.add(row<"bpf_iter_scx_dsq_next", iter_dsq_next>({}, R::task, {}, {A::dsq_iter},
      kf_iter_next | kf_ret_null | kf_rcu, kf_set_any, none, none, "v6.12"));
  t.add(row<"bpf_iter_scx_dsq_destroy", iter_dsq_destroy>({}, R::void_, {}, {A::dsq_iter}, kf_iter_destroy, kf_set_any,
      none, none, "v6.12"));
  t.add(row<"scx_bpf_exit_bstr", exit_bstr>({}, R::void_, {}, {A::scalar, A::fmt_str, A::mem, A::mem_size}, 0,
      kf_set_any, none, none, "v6.12"));
  t.add(row<"scx_bpf_error_bstr", error_bstr>({}, R::void_, {}, {A::fmt_str, A::mem, A::mem_size}, kf_ends_run, kf_set_any,
      none, none, "v6.12"));
  t.add(row<"scx_bpf_nr_node_ids", nr_node_ids>({}, R::scalar, std::pair<s64, s64>{1, kMaxCpus}, {}, 0, kf_set_any,
      none, none, "v6.15"));
  t.add(row<"scx_bpf_nr_cpu_ids", nr_cpu_ids>({}, R::scalar, std::pair<s64, s64>{1, kMaxCpus}, {}, 0, kf_set_any,
      none, none, "v6.12"));
  t.add(row<"scx_bpf_get_possible_cpumask", get_possible_cpumask>({}, R::cpumask, {}, {}, kf_acquire, kf_set_any, none,
      none, "v6.12"));
  t.add(row<"scx_bpf_get_online_cpumask", get_possible_cpumask>({}, R::cpumask, {}, {}, kf_acquire, kf_set_any, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_put_cpumask", put_cpumask>({}, R::void_, {}, {A::cpumask}, kf_release, kf_set_any, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_task_running", task_query<&ScxContext::task_running>>({}, R::boolean, {}, {A::task}, kf_rcu, kf_set_any, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_task_cpu", task_query<&ScxContext::task_cpu>>({}, R::scalar, cpu_id, {A::task}, kf_rcu, kf_set_any, none, none,
      "v6.12"));
  t.add(row<"scx_bpf_now", now>({}, R::scalar, {}, {}, 0, kf_set_any, none, none, "v6.14"));
  // --- topological CPU ids (an invalid one fails the policy: never negative) ---
  t.add(row<"scx_bpf_cpu_to_cid", cpu_to_cid>({}, R::scalar, cpu_id, {A::scalar}, 0, kf_set_any, none, none,
      "v7.3"));
  t.add(row<"scx_bpf_cid_to_cpu", cid_to_cpu>({}, R::scalar, cpu_id, {A::scalar}, 0, kf_set_any, none, none,
      "v7.3"));
  t.add(row<"scx_bpf_kick_cid", kick_cid>({}, R::void_, {}, {A::scalar, A::scalar}, 0, kf_set_any, cap_kick,
      none, "v7.3"));
  t.add(row<"scx_bpf_task_cid", task_cid>({}, R::scalar, cpu_id, {A::task}, kf_rcu, kf_set_any, none, none,
      "v7.3"));
  t.add(row<"scx_bpf_this_cid", this_cid>({}, R::scalar, cpu_id, {}, 0, kf_set_any, none, none, "v7.3"));
  t.add(row<"scx_bpf_nr_cids", nr_cids>({}, R::scalar, std::pair<s64, s64>{1, kMaxCpus}, {}, 0, kf_set_any, none,
      none, "v7.3"));
  t.add(row<"scx_bpf_nr_online_cids", nr_cids>({}, R::scalar, std::pair<s64, s64>{1, kMaxCpus}, {}, 0, kf_set_any,
      none, none, "v7.3"));
  // --- generic BPF kfuncs ---
  t.add(row<"bpf_task_from_pid", task_from_pid>({}, R::task, {}, {A::scalar}, kf_acquire | kf_ret_null, kf_set_any,
      none, Capability::inspect, "v6.2"));
  t.add(row<"bpf_task_release", task_release>({}, R::void_, {}, {A::task}, kf_release, kf_set_any, none, none,
      "v6.2"));
  // cgroups (Linux: scx_bpf_task_cgroup in the any set, KF_RCU | KF_ACQUIRE;
  // the bpf_cgroup_* generic kfuncs)
  t.add(row<"scx_bpf_task_cgroup", task_cgroup>({}, R::cgroup, {}, {A::task}, kf_acquire | kf_rcu, kf_set_any, none,
      none, "v6.12"));
  t.add(row<"bpf_cgroup_acquire", cgroup_acquire>({}, R::cgroup, {}, {A::cgroup}, kf_acquire | kf_rcu | kf_ret_null,
      kf_set_any, none, none, "v6.2"));
  t.add(row<"bpf_cgroup_release", cgroup_release>({}, R::void_, {}, {A::cgroup}, kf_release, kf_set_any, none, none,
      "v6.2"));
  t.add(row<"bpf_cgroup_ancestor", cgroup_ancestor>({}, R::cgroup, {}, {A::cgroup, A::scalar},
      kf_acquire | kf_rcu | kf_ret_null, kf_set_any, none, none, "v6.2"));
  t.add(row<"bpf_cgroup_from_id", cgroup_from_id>({}, R::cgroup, {}, {A::scalar}, kf_acquire | kf_ret_null, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_create", cpumask_create>({}, R::bpf_cpumask, {}, {}, kf_acquire | kf_ret_null, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_acquire", cpumask_acquire>({}, R::bpf_cpumask, {}, {A::bpf_cpumask}, kf_acquire, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_release", cpumask_release>({}, R::void_, {}, {A::bpf_cpumask}, kf_release, kf_set_any, none,
      none, "v6.3"));
  t.add(row<"bpf_cpumask_set_cpu", cpumask_set_cpu>({}, R::void_, {}, {A::scalar, A::bpf_cpumask}, 0, kf_set_any, none,
      none, "v6.3"));
  t.add(row<"bpf_cpumask_clear_cpu", cpumask_clear_cpu>({}, R::void_, {}, {A::scalar, A::bpf_cpumask}, 0, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_test_cpu", cpumask_test_cpu>({}, R::boolean, {}, {A::scalar, A::cpumask}, kf_rcu, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_clear", cpumask_clear>({}, R::void_, {}, {A::bpf_cpumask}, 0, kf_set_any, none, none,
      "v6.3"));
  t.add(row<"bpf_cpumask_setall", cpumask_setall>({}, R::void_, {}, {A::bpf_cpumask}, 0, kf_set_any, none, none,
      "v6.3"));
  t.add(row<"bpf_cpumask_first", cpumask_first>({}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::cpumask},
      kf_rcu, kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_cpumask_first_zero", cpumask_first_zero>({}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::cpumask},
      kf_rcu, kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_cpumask_empty", cpumask_empty>({}, R::boolean, {}, {A::cpumask}, kf_rcu, kf_set_any, none, none,
      "v6.3"));
  t.add(row<"bpf_cpumask_weight", cpumask_weight>({}, R::scalar, std::pair<s64, s64>{0, kMaxCpus}, {A::cpumask},
      kf_rcu, kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_cpumask_and", cpumask_and>({}, R::boolean, {}, {A::bpf_cpumask, A::cpumask, A::cpumask}, kf_rcu,
      kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_cpumask_or", cpumask_or>({}, R::void_, {}, {A::bpf_cpumask, A::cpumask, A::cpumask}, kf_rcu,
      kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_cpumask_copy", cpumask_copy>({}, R::void_, {}, {A::bpf_cpumask, A::cpumask}, kf_rcu, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_subset", cpumask_subset>({}, R::boolean, {}, {A::cpumask, A::cpumask}, kf_rcu, kf_set_any,
      none, none, "v6.3"));
  t.add(row<"bpf_cpumask_intersects", cpumask_intersects>({}, R::boolean, {}, {A::cpumask, A::cpumask}, kf_rcu,
      kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_cpumask_any_distribute", cpumask_any_distribute>({}, R::scalar, std::pair<s64, s64>{0, kMaxCpus},
      {A::cpumask}, kf_rcu, kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_iter_num_new", iter_num_new>({}, R::scalar, zero_or_errno, {A::num_iter, A::scalar, A::scalar},
      kf_iter_new | kf_spinlock_safe, kf_set_any, none, none, "v6.4"));
  t.add(row<"bpf_iter_num_next", iter_num_next>({}, R::int_ptr, {}, {A::num_iter}, kf_iter_next | kf_ret_null | kf_spinlock_safe,
      kf_set_any, none, none, "v6.4"));
  t.add(row<"bpf_iter_num_destroy", iter_num_destroy>({}, R::void_, {}, {A::num_iter}, kf_iter_destroy | kf_spinlock_safe, kf_set_any,
      none, none, "v6.4"));
  // --- allocated objects and rbtrees (the rbtree calls under the root's lock) ---
  t.add(row<"bpf_obj_new_impl", obj_new>({}, R::local_obj, {}, {A::local_type, A::meta}, kf_obj_new, kf_set_any, none,
      none, "v6.2"));
  t.add(row<"bpf_obj_drop_impl", obj_drop>({}, R::void_, {}, {A::local_obj, A::meta}, kf_release, kf_set_any, none,
      none, "v6.2"));
  t.add(row<"bpf_rbtree_remove", rbtree_remove>({}, R::rb_node, {}, {A::rb_root, A::rb_node_ref}, kf_rbtree_remove,
      kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_rbtree_add_impl", rbtree_add>({}, R::scalar, std::pair<s64, s64>{-22, 0},
      {A::rb_root, A::rb_node, A::callback, A::meta, A::scalar}, kf_rbtree_add, kf_set_any, none, none, "v6.3"));
  t.add(row<"bpf_rbtree_first", rbtree_first>({}, R::rb_node, {}, {A::rb_root}, kf_rbtree_first, kf_set_any, none,
      none, "v6.3"));
  // --- resilient spin locks (bpf_spin_lock's rules; never fail here) ---
  t.add(row<"bpf_res_spin_lock", res_spin_lock>({}, R::scalar, std::pair<s64, s64>{0, 0}, {A::res_spin_lock}, 0,
      kf_set_any, none, none, "v6.15"));
  t.add(row<"bpf_res_spin_unlock", res_spin_unlock>({}, R::void_, {}, {A::res_spin_lock}, 0, kf_set_any, none,
      none, "v6.15"));
  // --- RCU read sections (the verifier's rules: paired, nothing that may sleep inside) ---
  t.add(row<"bpf_rcu_read_lock", rcu_read_lock>({}, R::void_, {}, {}, 0, kf_set_any, none, none, "v6.2"));
  t.add(row<"bpf_rcu_read_unlock", rcu_read_unlock>({}, R::void_, {}, {}, 0, kf_set_any, none, none, "v6.2"));
  // --- arenas (scx/bpf_arena_common.bpf.h) ---
  t.add(row<"bpf_arena_alloc_pages", arena_alloc_pages>({}, R::arena, {},
      {A::arena_map, A::arena, A::scalar, A::scalar, A::scalar}, kf_spinlock_safe, kf_set_any, none, none, "v6.9"));
  t.add(row<"bpf_arena_free_pages", arena_free_pages>({}, R::void_, {}, {A::arena_map, A::arena, A::scalar},
      kf_spinlock_safe, kf_set_any, none, none, "v6.9"));
  t.add(row<"bpf_arena_reserve_pages", arena_reserve_pages>({}, R::scalar, std::pair<s64, s64>{-22, 0},
      {A::arena_map, A::arena, A::scalar}, kf_spinlock_safe, kf_set_any, none, none, "v6.16"));
  // --- upsched extensions (sdk/include/upsched/*.h) ---
  t.add(row<"upsched_task_wait_event", task_query<&ScxContext::task_wait_event>>({}, R::scalar, {}, {A::task}, kf_rcu, kf_set_any, cap_events,
      none, "upsched"));
  t.add(row<"upsched_task_is_spinning", task_query<&ScxContext::task_is_spinning>>({}, R::boolean, {}, {A::task}, kf_rcu, kf_set_any, cap_events,
      none, "upsched"));
  t.add(row<"upsched_event_fired", event_fired>({}, R::boolean, {}, {A::scalar}, 0, kf_set_any, cap_events, none,
      "upsched"));
  t.add(row<"upsched_task_lock_wait", task_query<&ScxContext::task_lock_wait>>({}, R::scalar, {}, {A::task}, kf_rcu, kf_set_any, cap_locks,
      none, "upsched"));
  t.add(row<"upsched_task_lock_holder", task_query<&ScxContext::task_lock_holder>>({}, R::scalar, std::pair<s64, s64>{0, kS32Max}, {A::task},
      kf_rcu, kf_set_any, cap_locks, none, "upsched"));
  t.add(row<"upsched_task_lock_waiters", task_query<&ScxContext::task_lock_waiters>>({}, R::scalar, std::pair<s64, s64>{0, kS32Max}, {A::task},
      kf_rcu, kf_set_any, cap_locks, none, "upsched"));
  // guest/host hints, host side: about a vCPU task (a policy in a guest
  // chain may not call them)
  const auto host_side = [](KfuncInfo k) { k.side = VirtSide::host; return k; };
  t.add(host_side(row<"upsched_vcpu_hint", task_query<&ScxContext::vcpu_hint>>({}, R::scalar, {}, {A::task}, kf_rcu,
      kf_set_any, cap_virt, none, "upsched")));
  t.add(host_side(row<"upsched_vcpu_next_deadline", task_query<&ScxContext::vcpu_next_deadline>>({}, R::scalar, {},
      {A::task}, kf_rcu, kf_set_any, cap_virt, none, "upsched")));
  t.add(host_side(row<"upsched_vcpu_vm", task_query<&ScxContext::vcpu_vm>>({}, R::scalar,
      std::pair<s64, s64>{-1, kS32Max}, {A::task}, kf_rcu, kf_set_any, cap_virt, none, "upsched")));
  t.add(host_side(row<"upsched_vcpu_set_host_flags", vcpu_set_host_flags>({}, R::void_, {}, {A::task, A::scalar},
      kf_rcu, kf_set_any, cap_virt, none, "upsched")));
  // guest/host hints, guest side: about one of this guest's CPUs (a policy
  // on the host chain may not call them)
  const auto guest_side = [](KfuncInfo k) { k.side = VirtSide::guest; return k; };
  t.add(guest_side(row<"upsched_virt_publish", virt_publish>({}, R::void_, {}, {A::scalar, A::scalar, A::scalar}, 0,
      kf_set_any, cap_virt, none, "upsched")));
  t.add(guest_side(row<"upsched_virt_host_flags", virt_cpu_query<&ScxContext::virt_host_flags>>({}, R::scalar, {},
      {A::scalar}, 0, kf_set_any, cap_virt, none, "upsched")));
  t.add(guest_side(row<"upsched_virt_steal_ns", virt_cpu_query<&ScxContext::virt_steal_ns>>({}, R::scalar, {},
      {A::scalar}, 0, kf_set_any, cap_virt, none, "upsched")));

  for (u32 c = 0; c < static_cast<u32>(ScxCall::nr_calls); ++c)
    UPS_ASSERT(!t.core_rules.calls[c].kfunc.empty());  // every restricted call has its row
  return t;
}

const KfuncTable& table() {
  static const KfuncTable t = make_table();
  return t;
}

}  // namespace

const std::vector<KfuncInfo>& kfuncs() { return table().rows; }

const KfuncInfo* find_kfunc(std::string_view symbol) {
  auto lookup = [](std::string_view s) -> const KfuncInfo* {
    for (const auto& k : kfuncs()) {
      if (k.name == s) return &k;
      for (auto a : k.aliases)
        if (a == s) return &k;
    }
    return nullptr;
  };
  if (const auto* k = lookup(symbol)) return k;
  auto base = strip_flavour(symbol);
  return base == symbol ? nullptr : lookup(base);
}

std::optional<u32> kfunc_index(std::string_view symbol) {
  const KfuncInfo* k = find_kfunc(symbol);
  if (!k) return std::nullopt;
  return static_cast<u32>(k - kfuncs().data());
}

std::vector<bpf::ExternFn> kfunc_externs() {
  std::vector<bpf::ExternFn> out;
  out.reserve(kfuncs().size());
  for (const auto& k : kfuncs()) out.push_back(k.host);
  return out;
}

const ScxCallRules& scx_call_rules() { return table().core_rules; }

}  // namespace ups::policy
