#include "policy/kfuncs.h"

#include <cstring>
#include <map>
#include <string>

#include <fmt/format.h>

#include "bpf/helpers/bpf_printf.h"
#include "core/scx_constants.h"
#include "core/ext_class.h"
#include "core/scx_context.h"
#include "policy/bpf_policy.h"
#include "policy/kernel_abi/scx_api.h"

namespace ups::policy {

std::optional<u32> kfunc_index(std::string_view symbol) {
  const kabi::KfuncInfo* k = kabi::find_kfunc(symbol);
  if (!k) return std::nullopt;
  return static_cast<u32>(k - kabi::kfuncs().data());
}

namespace {

BpfPolicy& host(bpf::CallContext& c) { return *static_cast<BpfPolicy*>(c.host); }

// A failed run-time check: the class fails and the program stops at the
// call, where BpfPolicy::run adds the instruction and source line.
u64 fail(bpf::CallContext& c, std::string_view kfunc, const std::string& msg) {
  BpfPolicy& h = host(c);
  if (h.in_callback()) h.ctx().fail(fmt::format("{}: {}", kfunc, msg));
  c.abort = true;
  return 0;
}

#define KF(name) u64 name(bpf::CallContext& c, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
#define UNUSED_ARGS (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

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
  UNUSED_ARGS;
  Task* p = own_task(c, a1, "scx_bpf_dsq_insert", 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().dsq_insert(*p, a2, a3, a4);
  refresh(c, p);
  return ok;
}
KF(dsq_insert_vtime) {
  UNUSED_ARGS;
  Task* p = own_task(c, a1, "scx_bpf_dsq_insert_vtime", 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().dsq_insert_vtime(*p, a2, a3, a4, a5);
  refresh(c, p);
  return ok;
}
KF(dispatch_nr_slots) { UNUSED_ARGS; return host(c).ctx().dispatch_nr_slots(); }
KF(dispatch_cancel) { UNUSED_ARGS; host(c).ctx().dispatch_cancel(); return 0; }
KF(dsq_move_to_local) { UNUSED_ARGS; return host(c).ctx().dsq_move_to_local(a1); }
KF(dsq_move_to_local_v2) {
  UNUSED_ARGS;
  if (a2 != 0) return fail(c, "scx_bpf_dsq_move_to_local___v2", fmt::format("argument 2: unsupported enq_flags 0x{:x}", a2));
  return host(c).ctx().dsq_move_to_local(a1);
}
KF(create_dsq) { UNUSED_ARGS; return static_cast<u64>(static_cast<s64>(host(c).ctx().create_dsq(a1, static_cast<s32>(a2)))); }
KF(destroy_dsq) { UNUSED_ARGS; host(c).ctx().destroy_dsq(a1); return 0; }
KF(dsq_nr_queued) { UNUSED_ARGS; return static_cast<u64>(static_cast<s64>(host(c).ctx().dsq_nr_queued(a1))); }
KF(dsq_peek) { UNUSED_ARGS; return host(c).task_ptr(host(c).ctx().dsq_peek(a1)); }

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
  UNUSED_ARGS;
  if (!host(c).readable(a1, sizeof(kabi::BpfIterScxDsq)))
    return fail(c, "bpf_iter_scx_dsq_new", "argument 1: not an iterator on the stack");
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
  UNUSED_ARGS;
  DsqIter* it = iter_of(c, a1, "bpf_iter_scx_dsq_next");
  if (!it || !it->active) return 0;
  return host(c).task_ptr(host(c).ctx().dsq_iter_next(*it));
}
KF(iter_dsq_destroy) {
  UNUSED_ARGS;
  DsqIter* it = iter_of(c, a1, "bpf_iter_scx_dsq_destroy");
  if (it && it->active) host(c).ctx().dsq_iter_destroy(*it);
  if (it) it->active = false;
  return 0;
}
KF(dsq_move_set_slice) {
  UNUSED_ARGS;
  if (DsqIter* it = iter_of(c, a1, "scx_bpf_dsq_move_set_slice")) it->move_slice = a2;
  return 0;
}
KF(dsq_move_set_vtime) {
  UNUSED_ARGS;
  if (DsqIter* it = iter_of(c, a1, "scx_bpf_dsq_move_set_vtime")) {
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
KF(dsq_move) { UNUSED_ARGS; return move_impl(c, a1, a2, a3, a4, false, "scx_bpf_dsq_move"); }
KF(dsq_move_vtime) { UNUSED_ARGS; return move_impl(c, a1, a2, a3, a4, true, "scx_bpf_dsq_move_vtime"); }

// --- CPUs -----------------------------------------------------------------------
KF(select_cpu_dfl) {
  UNUSED_ARGS;
  Task* p = own_task(c, a1, "scx_bpf_select_cpu_dfl", 1);
  if (!p) return 0;
  if (!host(c).readable(a4, 1)) return fail(c, "scx_bpf_select_cpu_dfl", "argument 4: not writable memory");
  bool idle = false;
  const CpuId cpu = host(c).ctx().select_cpu_dfl(*p, cpu_arg(a2), a3, &idle);
  *reinterpret_cast<u8*>(a4) = idle ? 1 : 0;
  refresh(c, p);
  return static_cast<u64>(static_cast<s64>(cpu));
}
KF(cpu_node) {
  UNUSED_ARGS;
  if (!cpu_ok(c, a1, "scx_bpf_cpu_node", 1)) return 0;
  return static_cast<u64>(static_cast<s64>(host(c).ctx().cpu_node(cpu_arg(a1))));
}
KF(get_idle_cpumask) {
  UNUSED_ARGS;
  BpfPolicy& h = host(c);
  mask_to(h.ctx().idle_cpumask(), h.idle_mirror);
  return reinterpret_cast<u64>(&h.idle_mirror);
}
KF(get_possible_cpumask) {
  UNUSED_ARGS;
  BpfPolicy& h = host(c);
  mask_to(h.ctx().possible_cpumask(), h.possible_mirror);
  return reinterpret_cast<u64>(&h.possible_mirror);
}
KF(put_cpumask) { UNUSED_ARGS; return 0; }
KF(test_and_clear_cpu_idle) {
  UNUSED_ARGS;
  if (!cpu_ok(c, a1, "scx_bpf_test_and_clear_cpu_idle", 1)) return 0;
  return host(c).ctx().test_and_clear_cpu_idle(cpu_arg(a1));
}
KF(pick_idle_cpu) {
  UNUSED_ARGS;
  CpuMask m;
  if (!mask_arg(c, a1, "scx_bpf_pick_idle_cpu", 1, m)) return 0;
  return static_cast<u64>(static_cast<s64>(host(c).ctx().pick_idle_cpu(m, a2)));
}
KF(pick_any_cpu) {
  UNUSED_ARGS;
  CpuMask m;
  if (!mask_arg(c, a1, "scx_bpf_pick_any_cpu", 1, m)) return 0;
  return static_cast<u64>(static_cast<s64>(host(c).ctx().pick_any_cpu(m, a2)));
}
KF(kick_cpu) {
  UNUSED_ARGS;
  if (!cpu_ok(c, a1, "scx_bpf_kick_cpu", 1)) return 0;
  host(c).ctx().kick_cpu(cpu_arg(a1), a2);
  return 0;
}
KF(nr_cpu_ids) { UNUSED_ARGS; return host(c).ctx().nr_cpu_ids(); }
KF(nr_node_ids) {
  UNUSED_ARGS;
  int n = 0;
  for (u32 cpu = 0; cpu < host(c).ctx().nr_cpu_ids(); ++cpu)
    n = std::max(n, host(c).ctx().cpu_node(static_cast<CpuId>(cpu)) + 1);
  return static_cast<u64>(std::max(n, 1));
}

// --- tasks --------------------------------------------------------------------
KF(task_set_slice) {
  UNUSED_ARGS;
  Task* p = own_task(c, a1, "scx_bpf_task_set_slice", 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().task_set_slice(*p, a2);
  refresh(c, p);
  return ok;
}
KF(task_set_dsq_vtime) {
  UNUSED_ARGS;
  Task* p = own_task(c, a1, "scx_bpf_task_set_dsq_vtime", 1);
  if (!p) return 0;
  const bool ok = host(c).ctx().task_set_dsq_vtime(*p, a2);
  refresh(c, p);
  return ok;
}
KF(task_running) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "scx_bpf_task_running", 1);
  return p ? host(c).ctx().task_running(*p) : 0;
}
KF(task_cpu) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "scx_bpf_task_cpu", 1);
  return p ? static_cast<u64>(static_cast<s64>(host(c).ctx().task_cpu(*p))) : 0;
}
KF(now) { UNUSED_ARGS; return static_cast<u64>(host(c).ctx().now()); }
KF(task_from_pid) {
  UNUSED_ARGS;
  return host(c).task_ptr(host(c).ctx().task_from_pid(static_cast<TaskId>(static_cast<s32>(a1))));
}
KF(task_release) {
  UNUSED_ARGS;
  task(c, a1, "bpf_task_release", 1);
  return 0;
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
  UNUSED_ARGS;
  auto msg = format_bstr(c, a1, a2, a3, "scx_bpf_error_bstr");
  if (!msg) return 0;
  host(c).ctx().error(*msg);
  c.abort = true;  // the error ends the class; stop here (run() adds where)
  return 0;
}
KF(exit_bstr) {
  UNUSED_ARGS;
  auto msg = format_bstr(c, a2, a3, a4, "scx_bpf_exit_bstr");
  if (msg) host(c).ctx().exit(static_cast<s64>(a1), *msg);
  return 0;
}

// --- bpf_cpumask ---------------------------------------------------------------
KF(cpumask_create) { UNUSED_ARGS; return reinterpret_cast<u64>(host(c).new_cpumask()); }
KF(cpumask_acquire) {
  UNUSED_ARGS;
  kabi::BpfCpumask* m = bpf_mask(c, a1, "bpf_cpumask_acquire", 1);
  if (!m) return 0;
  ++m->usage.refs;
  return a1;
}
KF(cpumask_release) {
  UNUSED_ARGS;
  if (bpf_mask(c, a1, "bpf_cpumask_release", 1)) host(c).drop_cpumask(a1);
  return 0;
}
u64 set_bit(bpf::CallContext& c, u64 cpu, u64 mask, bool on, std::string_view name) {
  kabi::BpfCpumask* m = bpf_mask(c, mask, name, 2);
  if (!m || cpu >= static_cast<u64>(kMaxCpus)) return 0;
  if (on) m->cpumask.bits[cpu / 64] |= u64{1} << (cpu % 64);
  else m->cpumask.bits[cpu / 64] &= ~(u64{1} << (cpu % 64));
  return 0;
}
KF(cpumask_set_cpu) { UNUSED_ARGS; return set_bit(c, a1, a2, true, "bpf_cpumask_set_cpu"); }
KF(cpumask_clear_cpu) { UNUSED_ARGS; return set_bit(c, a1, a2, false, "bpf_cpumask_clear_cpu"); }
KF(cpumask_test_cpu) {
  UNUSED_ARGS;
  CpuMask m;
  return mask_arg(c, a2, "bpf_cpumask_test_cpu", 2, m) && m.test(cpu_arg(a1));
}
KF(cpumask_clear) {
  UNUSED_ARGS;
  if (kabi::BpfCpumask* m = bpf_mask(c, a1, "bpf_cpumask_clear", 1)) m->cpumask = {};
  return 0;
}
KF(cpumask_setall) {
  UNUSED_ARGS;
  if (kabi::BpfCpumask* m = bpf_mask(c, a1, "bpf_cpumask_setall", 1))
    mask_to(CpuMask::first_n(static_cast<int>(host(c).ctx().nr_cpu_ids())), m->cpumask);
  return 0;
}
KF(cpumask_first) {
  UNUSED_ARGS;
  CpuMask m;
  if (!mask_arg(c, a1, "bpf_cpumask_first", 1, m)) return 0;
  const CpuId f = m.first();
  return f < 0 ? static_cast<u64>(kMaxCpus) : static_cast<u64>(f);
}
KF(cpumask_first_zero) {
  UNUSED_ARGS;
  CpuMask m;
  if (!mask_arg(c, a1, "bpf_cpumask_first_zero", 1, m)) return 0;
  const CpuId f = (~m).first();
  return f < 0 ? static_cast<u64>(kMaxCpus) : static_cast<u64>(f);
}
KF(cpumask_empty) {
  UNUSED_ARGS;
  CpuMask m;
  return mask_arg(c, a1, "bpf_cpumask_empty", 1, m) && m.empty();
}
KF(cpumask_weight) {
  UNUSED_ARGS;
  CpuMask m;
  return mask_arg(c, a1, "bpf_cpumask_weight", 1, m) ? static_cast<u64>(m.count()) : 0;
}
u64 binop(bpf::CallContext& c, u64 dst, u64 s1, u64 s2, int op, std::string_view name) {
  kabi::BpfCpumask* d = bpf_mask(c, dst, name, 1);
  CpuMask x, y;
  if (!d || !mask_arg(c, s1, name, 2, x) || !mask_arg(c, s2, name, 3, y)) return 0;
  const CpuMask r = op == 0 ? (x & y) : (x | y);
  mask_to(r, d->cpumask);
  return op == 0 ? !r.empty() : 0;
}
KF(cpumask_and) { UNUSED_ARGS; return binop(c, a1, a2, a3, 0, "bpf_cpumask_and"); }
KF(cpumask_or) { UNUSED_ARGS; return binop(c, a1, a2, a3, 1, "bpf_cpumask_or"); }
KF(cpumask_copy) {
  UNUSED_ARGS;
  kabi::BpfCpumask* d = bpf_mask(c, a1, "bpf_cpumask_copy", 1);
  CpuMask s;
  if (d && mask_arg(c, a2, "bpf_cpumask_copy", 2, s)) mask_to(s, d->cpumask);
  return 0;
}
KF(cpumask_subset) {
  UNUSED_ARGS;
  CpuMask x, y;
  return mask_arg(c, a1, "bpf_cpumask_subset", 1, x) && mask_arg(c, a2, "bpf_cpumask_subset", 2, y) &&
         x.subset_of(y);
}
KF(cpumask_intersects) {
  UNUSED_ARGS;
  CpuMask x, y;
  return mask_arg(c, a1, "bpf_cpumask_intersects", 1, x) &&
         mask_arg(c, a2, "bpf_cpumask_intersects", 2, y) && x.intersects(y);
}
KF(cpumask_any_distribute) {
  UNUSED_ARGS;
  CpuMask m;
  if (!mask_arg(c, a1, "bpf_cpumask_any_distribute", 1, m)) return 0;
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
  UNUSED_ARGS;
  IterNum* it = num_iter(c, a1, "bpf_iter_num_new");
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
  UNUSED_ARGS;
  IterNum* it = num_iter(c, a1, "bpf_iter_num_next");
  if (!it || static_cast<s64>(it->cur) + 1 >= it->end) return 0;
  ++it->cur;
  return reinterpret_cast<u64>(&it->cur);
}
KF(iter_num_destroy) {
  UNUSED_ARGS;
  if (IterNum* it = num_iter(c, a1, "bpf_iter_num_destroy")) *it = {0, 0};
  return 0;
}

// --- upsched extensions -----------------------------------------------------------
KF(task_wait_event) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "upsched_task_wait_event", 1);
  return p ? host(c).ctx().task_wait_event(*p) : 0;
}
KF(task_is_spinning) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "upsched_task_is_spinning", 1);
  return p ? host(c).ctx().task_is_spinning(*p) : 0;
}
KF(event_fired) { UNUSED_ARGS; return host(c).ctx().event_fired(a1); }
KF(task_lock_wait) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "upsched_task_lock_wait", 1);
  return p ? host(c).ctx().task_lock_wait(*p) : 0;
}
KF(task_lock_holder) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "upsched_task_lock_holder", 1);
  return p ? static_cast<u64>(host(c).ctx().task_lock_holder(*p)) : 0;
}
KF(task_lock_waiters) {
  UNUSED_ARGS;
  Task* p = task(c, a1, "upsched_task_lock_waiters", 1);
  return p ? host(c).ctx().task_lock_waiters(*p) : 0;
}

#undef KF
#undef UNUSED_ARGS

// Every kfunc stops the program when the class failed inside it (a check
// the core made, or scx_bpf_exit), so that BpfPolicy::run can name the
// call's instruction and source line in the exit report.
template <bpf::ExternFn kfunc>
u64 stop_on_failure(bpf::CallContext& c, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) {
  BpfPolicy& h = host(c);
  if (!h.in_callback()) {  // the host runs programs only inside callbacks and timers
    c.abort = true;
    return 0;
  }
  const ExtClass& cls = h.ctx().ext_class();
  const bool was_failing = cls.failing();
  const u64 r = kfunc(c, a1, a2, a3, a4, a5);
  if (!was_failing && cls.failing()) c.abort = true;
  return r;
}

const std::map<std::string_view, bpf::ExternFn>& impls() {
  static const std::map<std::string_view, bpf::ExternFn> m = {
      {"scx_bpf_dsq_insert", stop_on_failure<dsq_insert>},
      {"scx_bpf_dsq_insert_vtime", stop_on_failure<dsq_insert_vtime>},
      {"scx_bpf_dispatch_nr_slots", stop_on_failure<dispatch_nr_slots>},
      {"scx_bpf_dispatch_cancel", stop_on_failure<dispatch_cancel>},
      {"scx_bpf_dsq_move_to_local", stop_on_failure<dsq_move_to_local>},
      {"scx_bpf_dsq_move_to_local___v2", stop_on_failure<dsq_move_to_local_v2>},
      {"scx_bpf_dsq_move_set_slice", stop_on_failure<dsq_move_set_slice>},
      {"scx_bpf_dsq_move_set_vtime", stop_on_failure<dsq_move_set_vtime>},
      {"scx_bpf_dsq_move", stop_on_failure<dsq_move>},
      {"scx_bpf_dsq_move_vtime", stop_on_failure<dsq_move_vtime>},
      {"scx_bpf_create_dsq", stop_on_failure<create_dsq>},
      {"scx_bpf_select_cpu_dfl", stop_on_failure<select_cpu_dfl>},
      {"scx_bpf_cpu_node", stop_on_failure<cpu_node>},
      {"scx_bpf_get_idle_cpumask", stop_on_failure<get_idle_cpumask>},
      {"scx_bpf_get_idle_smtmask", stop_on_failure<get_idle_cpumask>},
      {"scx_bpf_put_idle_cpumask", stop_on_failure<put_cpumask>},
      {"scx_bpf_test_and_clear_cpu_idle", stop_on_failure<test_and_clear_cpu_idle>},
      {"scx_bpf_pick_idle_cpu", stop_on_failure<pick_idle_cpu>},
      {"scx_bpf_pick_any_cpu", stop_on_failure<pick_any_cpu>},
      {"scx_bpf_task_set_slice", stop_on_failure<task_set_slice>},
      {"scx_bpf_task_set_dsq_vtime", stop_on_failure<task_set_dsq_vtime>},
      {"scx_bpf_kick_cpu", stop_on_failure<kick_cpu>},
      {"scx_bpf_dsq_nr_queued", stop_on_failure<dsq_nr_queued>},
      {"scx_bpf_destroy_dsq", stop_on_failure<destroy_dsq>},
      {"scx_bpf_dsq_peek", stop_on_failure<dsq_peek>},
      {"bpf_iter_scx_dsq_new", stop_on_failure<iter_dsq_new>},
      {"bpf_iter_scx_dsq_next", stop_on_failure<iter_dsq_next>},
      {"bpf_iter_scx_dsq_destroy", stop_on_failure<iter_dsq_destroy>},
      {"scx_bpf_exit_bstr", stop_on_failure<exit_bstr>},
      {"scx_bpf_error_bstr", stop_on_failure<error_bstr>},
      {"scx_bpf_nr_node_ids", stop_on_failure<nr_node_ids>},
      {"scx_bpf_nr_cpu_ids", stop_on_failure<nr_cpu_ids>},
      {"scx_bpf_get_possible_cpumask", stop_on_failure<get_possible_cpumask>},
      {"scx_bpf_get_online_cpumask", stop_on_failure<get_possible_cpumask>},
      {"scx_bpf_put_cpumask", stop_on_failure<put_cpumask>},
      {"scx_bpf_task_running", stop_on_failure<task_running>},
      {"scx_bpf_task_cpu", stop_on_failure<task_cpu>},
      {"scx_bpf_now", stop_on_failure<now>},
      {"bpf_task_from_pid", stop_on_failure<task_from_pid>},
      {"bpf_task_release", stop_on_failure<task_release>},
      {"bpf_cpumask_create", stop_on_failure<cpumask_create>},
      {"bpf_cpumask_acquire", stop_on_failure<cpumask_acquire>},
      {"bpf_cpumask_release", stop_on_failure<cpumask_release>},
      {"bpf_cpumask_set_cpu", stop_on_failure<cpumask_set_cpu>},
      {"bpf_cpumask_clear_cpu", stop_on_failure<cpumask_clear_cpu>},
      {"bpf_cpumask_test_cpu", stop_on_failure<cpumask_test_cpu>},
      {"bpf_cpumask_clear", stop_on_failure<cpumask_clear>},
      {"bpf_cpumask_setall", stop_on_failure<cpumask_setall>},
      {"bpf_cpumask_first", stop_on_failure<cpumask_first>},
      {"bpf_cpumask_first_zero", stop_on_failure<cpumask_first_zero>},
      {"bpf_cpumask_empty", stop_on_failure<cpumask_empty>},
      {"bpf_cpumask_weight", stop_on_failure<cpumask_weight>},
      {"bpf_cpumask_and", stop_on_failure<cpumask_and>},
      {"bpf_cpumask_or", stop_on_failure<cpumask_or>},
      {"bpf_cpumask_copy", stop_on_failure<cpumask_copy>},
      {"bpf_cpumask_subset", stop_on_failure<cpumask_subset>},
      {"bpf_cpumask_intersects", stop_on_failure<cpumask_intersects>},
      {"bpf_cpumask_any_distribute", stop_on_failure<cpumask_any_distribute>},
      {"bpf_iter_num_new", stop_on_failure<iter_num_new>},
      {"bpf_iter_num_next", stop_on_failure<iter_num_next>},
      {"bpf_iter_num_destroy", stop_on_failure<iter_num_destroy>},
      {"upsched_task_wait_event", stop_on_failure<task_wait_event>},
      {"upsched_task_is_spinning", stop_on_failure<task_is_spinning>},
      {"upsched_event_fired", stop_on_failure<event_fired>},
      {"upsched_task_lock_wait", stop_on_failure<task_lock_wait>},
      {"upsched_task_lock_holder", stop_on_failure<task_lock_holder>},
      {"upsched_task_lock_waiters", stop_on_failure<task_lock_waiters>},
  };
  return m;
}

}  // namespace

const std::vector<bpf::ExternFn>& kfunc_table() {
  static const std::vector<bpf::ExternFn> table = [] {
    std::vector<bpf::ExternFn> t;
    for (const auto& k : kabi::kfuncs()) {
      auto it = impls().find(k.impl);
      t.push_back(it == impls().end() ? nullptr : it->second);
    }
    return t;
  }();
  return table;
}

}  // namespace ups::policy
