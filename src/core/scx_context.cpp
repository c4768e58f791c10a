// ScxContext: the sched_ext kfuncs on top of an ExtClass. Every call checks
// that it is made from a callback that may make it, that the task belongs
// to the calling class and that DSQ ids and CPUs are valid and granted; a
// failed check marks the class for ejection with a report naming the call
// and the argument (the class is ejected when the callback has returned).
// Once the class is failing or unloading, calls have no effect.
#include "core/scx_context.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "base/assert.h"
#include "core/ext_class.h"
#include "core/scx_call_rules.h"

namespace ups {

namespace {
const CpuMask kEmptyMask{};

std::string callers_list(u32 callers) {
  std::string s;
  for (u32 i = 0; i <= static_cast<u32>(Op::nr_ops); ++i) {
    if (!(callers & (1u << i))) continue;
    if (!s.empty()) s += ", ";
    s += i == static_cast<u32>(Op::nr_ops) ? "timers" : op_name(static_cast<Op>(i));
  }
  return s;
}

// Whether the running callback may make `call`. With the class's rules, a
// call from elsewhere fails the class; without (trusted native code) it is
// allowed, and the mechanics below assert what they need.
bool kf_allowed(ExtClass& c, const ScxCallRules* rules, Op cur, ScxCall call) {
  if (!rules) return true;
  const ScxCallRule& rule = (*rules)[call];
  if (rule.callers & (1u << static_cast<u32>(cur))) return true;
  c.fail(ExitKind::error, fmt::format("{} called from {} (allowed only in {})", rule.kfunc,
                                      cur == Op::nr_ops ? "outside a callback" : op_name(cur),
                                      callers_list(rule.callers)));
  return false;
}
}  // namespace

// --- DSQs -----------------------------------------------------------------------

bool ScxContext::dsq_insert(Task& p, DsqId dsq_id, u64 slice, u64 enq_flags) {
  return insert_impl(p, dsq_id, slice, 0, enq_flags, false);
}

bool ScxContext::dsq_insert_vtime(Task& p, DsqId dsq_id, u64 slice, u64 vtime, u64 enq_flags) {
  return insert_impl(p, dsq_id, slice, vtime, enq_flags, true);
}

// SCX_ENQ_PREEMPT ends the slice of what runs on the target CPU: a kick, so
// it needs what scx_bpf_kick_cpu needs (sched.kick).
bool ScxContext::may_preempt(const char* fn, u64 enq_flags) {
  if (!(enq_flags & scx::ENQ_PREEMPT) || cls_.grant_.may_kick) return true;
  cls_.fail(ExitKind::error, fmt::format("{}: SCX_ENQ_PREEMPT: class {} may not preempt CPUs (needs sched.kick)", fn,
                                         cls_.name()));
  return false;
}

bool ScxContext::insert_impl(Task& p, DsqId dsq_id, u64 slice, u64 vt, u64 enq_flags, bool vtime) {
  ExtClass& c = cls_;
  if (!c.live()) return false;
  const char* fn = vtime ? "scx_bpf_dsq_insert_vtime" : "scx_bpf_dsq_insert";
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, vtime ? ScxCall::dsq_insert_vtime : ScxCall::dsq_insert)) return false;
  if (!may_preempt(fn, enq_flags)) return false;
  // A buffered insert needs dispatch, a direct one the task being woken or enqueued.
  UPS_ASSERT(c.cur_op_ == Op::dispatch || c.cur_op_ == Op::select_cpu || c.cur_op_ == Op::enqueue);
  if (p.cls != c.id()) {
    c.fail(ExitKind::error, fmt::format("{}: task {} is not attached to class {}", fn,
                                        c.task_name(p), c.name()));
    return false;
  }
  if (!c.check_insert_target(fn, dsq_id, vtime)) return false;
  if (c.cur_op_ == Op::dispatch) {
    if (c.dsp_buf_.size() >= c.max_batch_) {
      c.fail(ExitKind::error, fmt::format("{}: dispatch buffer overflow (more than {} inserts in one "
                                          "dispatch)", fn, c.max_batch_));
      return false;
    }
    c.dsp_buf_.push_back(ExtClass::DspEntry{&p, p.scx.ops_qseq, dsq_id, enq_flags, slice, vt, vtime});
    ++c.dsp_nr_;
    return true;
  }
  // select_cpu / enqueue: a direct dispatch of the task being woken or enqueued.
  if (&p != c.cur_task_) {
    c.fail(ExitKind::error, fmt::format("{}: task {} is not the task being {}ed", fn, c.task_name(p),
                                        c.cur_op_ == Op::enqueue ? "enqueu" : "select_cpu"));
    return false;
  }
  if (c.ddsp_.task) {
    c.fail(ExitKind::error, fmt::format("{}: task {} already direct-dispatched", fn, c.task_name(p)));
    return false;
  }
  if (slice) p.scx.slice = slice;
  else if (!p.scx.slice) p.scx.slice = 1;
  if (vtime) p.scx.dsq_vtime = vt;
  c.ddsp_ = ExtClass::DirectDispatch{&p, dsq_id, enq_flags, vtime};
  return true;
}

bool ScxContext::dsq_move_to_local(DsqId dsq_id) {
  ExtClass& c = cls_;
  if (!c.live()) return false;
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, ScxCall::dsq_move_to_local)) return false;
  UPS_ASSERT(c.cur_op_ == Op::dispatch);  // moves to the dispatching CPU
  if (dsq_id != scx::DSQ_GLOBAL && (scx::dsq_is_builtin(dsq_id) || !c.find_user_dsq(dsq_id))) {
    c.fail(ExitKind::error,
           fmt::format("scx_bpf_dsq_move_to_local: invalid DSQ ID 0x{:016x}", dsq_id));
    return false;
  }
  return c.move_to_local(dsq_id, c.cur_cpu_);
}

u32 ScxContext::dispatch_nr_slots() {
  ExtClass& c = cls_;
  if (!c.live()) return 0;
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, ScxCall::dispatch_nr_slots)) return 0;
  UPS_ASSERT(c.cur_op_ == Op::dispatch);  // the dispatch buffer
  return c.max_batch_ - static_cast<u32>(c.dsp_buf_.size());
}

void ScxContext::dispatch_cancel() {
  ExtClass& c = cls_;
  if (!c.live()) return;
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, ScxCall::dispatch_cancel)) return;
  UPS_ASSERT(c.cur_op_ == Op::dispatch);  // the dispatch buffer
  if (!c.dsp_buf_.empty()) c.dsp_buf_.pop_back();
}

s32 ScxContext::create_dsq(DsqId dsq_id, s32 node) {
  ExtClass& c = cls_;
  if (!c.live()) return -scx::E_INVAL;
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, ScxCall::create_dsq)) return -scx::E_INVAL;
  if (scx::dsq_is_builtin(dsq_id)) return -scx::E_INVAL;
  if (node != -1 && (node < 0 || node >= c.core_.topo.nr_nodes())) return -scx::E_INVAL;
  if (c.user_.count(dsq_id)) return -scx::E_EXIST;
  if (c.user_.size() >= c.grant_.max_dsqs) return -scx::E_NOMEM;
  c.user_.emplace(dsq_id, std::make_unique<DispatchQueue>(dsq_id, c.id()));
  return 0;
}

void ScxContext::destroy_dsq(DsqId dsq_id) {
  ExtClass& c = cls_;
  if (!c.live()) return;
  auto it = c.user_.find(dsq_id);
  if (it == c.user_.end()) return;  // unknown ids are ignored, as in the kernel
  if (!it->second->empty()) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_destroy_dsq: attempting to destroy in-use DSQ "
                                        "0x{:016x} (nr={})", dsq_id, it->second->nr()));
    return;
  }
  c.user_.erase(it);
}

s32 ScxContext::dsq_nr_queued(DsqId dsq_id) {
  ExtClass& c = cls_;
  if (!scx::dsq_is_builtin(dsq_id) || dsq_id == scx::DSQ_GLOBAL || dsq_id == scx::DSQ_LOCAL ||
      scx::dsq_is_local_on(dsq_id)) {
    if (DispatchQueue* d = c.find_dsq(dsq_id, c.cur_cpu_)) return static_cast<s32>(d->nr());
  }
  return -scx::E_NOENT;
}

Task* ScxContext::dsq_peek(DsqId dsq_id) {
  ExtClass& c = cls_;
  if (!c.live()) return nullptr;
  if (scx::dsq_is_builtin(dsq_id)) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_dsq_peek: built-in DSQ 0x{:016x} cannot be peeked",
                                        dsq_id));
    return nullptr;
  }
  DispatchQueue* d = c.find_user_dsq(dsq_id);
  if (!d) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_dsq_peek: DSQ 0x{:016x} does not exist", dsq_id));
    return nullptr;
  }
  return d->first();
}

s32 ScxContext::dsq_iter_new(DsqIter& it, DsqId dsq_id, u64 flags) {
  ExtClass& c = cls_;
  it = DsqIter{};
  if (flags & ~scx::DSQ_ITER_REV) return -scx::E_INVAL;
  DispatchQueue* d = dsq_id == scx::DSQ_GLOBAL ? &c.global_ : c.find_user_dsq(dsq_id);
  if (!d) return -scx::E_NOENT;
  it.dsq_id = dsq_id;
  it.flags = flags;
  it.seq_limit = d->seq();
  it.active = true;
  return 0;
}

Task* ScxContext::dsq_iter_next(DsqIter& it) {
  ExtClass& c = cls_;
  if (!it.active) return nullptr;
  DispatchQueue* d = it.dsq_id == scx::DSQ_GLOBAL ? &c.global_ : c.find_user_dsq(it.dsq_id);
  if (!d) return nullptr;
  Task* p = d->iter_next(it.cursor, it.cursor_seq, it.cursor_vtime, it.seq_limit,
                         (it.flags & scx::DSQ_ITER_REV) != 0);
  if (!p) {
    it.active = false;
    return nullptr;
  }
  it.cursor = p;
  it.cursor_seq = p->dsq_seq;
  it.cursor_vtime = p->scx.dsq_vtime;
  return p;
}

void ScxContext::dsq_iter_destroy(DsqIter& it) { it.active = false; }

bool ScxContext::dsq_move(DsqIter& it, Task& p, DsqId dst, u64 enq_flags, bool vtime) {
  ExtClass& c = cls_;
  if (!c.live()) return false;
  const char* fn = vtime ? "scx_bpf_dsq_move_vtime" : "scx_bpf_dsq_move";
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, vtime ? ScxCall::dsq_move_vtime : ScxCall::dsq_move)) return false;
  if (!may_preempt(fn, enq_flags)) return false;
  DispatchQueue* src = it.dsq_id == scx::DSQ_GLOBAL ? &c.global_ : c.find_user_dsq(it.dsq_id);
  // A task that left the iterated DSQ (or arrived after the iterator) is
  // not moved; the call is harmless, as in the kernel.
  if (!src || p.dsq != src || p.dsq_seq >= it.seq_limit) return false;
  if (!c.check_insert_target(fn, dst, vtime)) return false;
  const CpuId cpu = c.cur_cpu_ != kNoCpu ? c.cur_cpu_ : c.cpus_.first();
  src->remove(p);
  if (it.move_slice) p.scx.slice = it.move_slice;
  if (it.has_vtime) p.scx.dsq_vtime = it.move_vtime;
  it.move_slice = 0;
  it.has_vtime = false;
  c.dispatch_enqueue(p, dst, cpu, enq_flags, vtime);
  if (c.cur_op_ == Op::dispatch) ++c.dsp_nr_;
  return true;
}

// --- CPUs and idle tracking --------------------------------------------------------

CpuId ScxContext::select_cpu_dfl(Task& p, CpuId prev_cpu, u64 wake_flags, bool* is_idle) {
  ExtClass& c = cls_;
  bool dummy;
  if (!is_idle) is_idle = &dummy;
  *is_idle = false;
  if (!c.live()) return prev_cpu;
  if (!kf_allowed(c, c.cfg_.scx_calls, c.cur_op_, ScxCall::select_cpu_dfl)) return prev_cpu;
  if (!c.builtin_idle()) {
    c.fail(ExitKind::error, "scx_bpf_select_cpu_dfl: built-in idle tracking is disabled");
    return prev_cpu;
  }
  if (p.cls != c.id()) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_select_cpu_dfl: task {} is not attached to class {}",
                                        c.task_name(p), c.name()));
    return prev_cpu;
  }
  if (!c.cpu_valid(prev_cpu)) return prev_cpu;
  return c.select_cpu_dfl(p, prev_cpu, wake_flags, is_idle);
}

bool ScxContext::test_and_clear_cpu_idle(CpuId cpu) {
  ExtClass& c = cls_;
  if (!c.live()) return false;
  if (!c.builtin_idle()) {
    c.fail(ExitKind::error, "scx_bpf_test_and_clear_cpu_idle: built-in idle tracking is disabled");
    return false;
  }
  if (!c.cpu_valid(cpu)) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_test_and_clear_cpu_idle: invalid CPU {}", cpu));
    return false;
  }
  if (!c.idle_.test(cpu)) return false;
  c.idle_.clear(cpu);
  return true;
}

CpuId ScxContext::pick_idle_cpu(const CpuMask& allowed, u64 flags) {
  ExtClass& c = cls_;
  if (!c.live()) return -scx::E_BUSY;
  if (!c.builtin_idle()) {
    c.fail(ExitKind::error, "scx_bpf_pick_idle_cpu: built-in idle tracking is disabled");
    return -scx::E_BUSY;
  }
  return c.pick_idle(allowed & c.cpus_, flags, 0);
}

CpuId ScxContext::pick_any_cpu(const CpuMask& allowed, u64 flags) {
  ExtClass& c = cls_;
  if (!c.live()) return -scx::E_BUSY;
  if (c.builtin_idle()) {
    CpuId cpu = c.pick_idle(allowed & c.cpus_, flags, 0);
    if (cpu >= 0) return cpu;
  }
  CpuId cpu = (allowed & c.cpus_).first();
  return cpu != kNoCpu ? cpu : -scx::E_BUSY;
}

const CpuMask& ScxContext::idle_cpumask() const {
  ExtClass& c = cls_;
  if (!c.builtin_idle()) {
    c.fail(ExitKind::error, "scx_bpf_get_idle_cpumask: built-in idle tracking is disabled");
    return kEmptyMask;
  }
  return c.idle_;
}

const CpuMask& ScxContext::possible_cpumask() const { return cls_.cpus_; }

void ScxContext::kick_cpu(CpuId cpu, u64 flags) {
  ExtClass& c = cls_;
  if (!c.live()) return;
  if (!c.grant_.may_kick) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_kick_cpu: class {} may not kick CPUs (needs "
                                        "sched.kick)", c.name()));
    return;
  }
  if (!c.cpu_valid(cpu)) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_kick_cpu: invalid CPU {}", cpu));
    return;
  }
  if (!c.cpus_.test(cpu)) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_kick_cpu: CPU {} is outside the class's CPUs {}",
                                        cpu, c.cpus_.to_string()));
    return;
  }
  if ((flags & scx::KICK_IDLE) && (flags & (scx::KICK_PREEMPT | scx::KICK_WAIT))) {
    c.fail(ExitKind::error, fmt::format("scx_bpf_kick_cpu: SCX_KICK_IDLE cannot be combined with "
                                        "PREEMPT or WAIT (flags 0x{:x})", flags));
    return;
  }
  Core::Impl& core = c.core_;
  CpuRq& rq = core.cpus[static_cast<size_t>(cpu)];
  if (flags & scx::KICK_IDLE) {
    if (!rq.curr) core.resched(cpu);
    return;
  }
  if ((flags & scx::KICK_PREEMPT) && rq.curr && rq.curr->cls == c.id()) rq.curr->scx.slice = 0;
  core.resched(cpu);
}

u32 ScxContext::nr_cpu_ids() const { return static_cast<u32>(cls_.core_.nr_cpus()); }

int ScxContext::cpu_node(CpuId cpu) const {
  if (!cls_.cpu_valid(cpu)) return -1;
  return cls_.core_.topo.cpu(cpu).node;
}

CpuId ScxContext::this_cpu() const {
  return cls_.cur_cpu_ != kNoCpu ? cls_.cur_cpu_ : cls_.cpus_.first();
}

const CidMap& ScxContext::cids() const { return cls_.core_.cids; }

// --- tasks ------------------------------------------------------------------------------

bool ScxContext::task_running(const Task& p) const { return p.state == TaskState::running; }

// Linux's task_cpu(): a queued task is on the run queue its wakeup chose
// (select_cpu's CPU, already during ops.enqueue) or it was re-queued on; a
// running or sleeping one is where it runs or last ran.
CpuId ScxContext::task_cpu(const Task& p) const {
  if (p.state != TaskState::running && (p.scx.flags & scx::TASK_QUEUED) && p.wake_cpu != kNoCpu)
    return p.wake_cpu;
  if (p.cpu != kNoCpu) return p.cpu;
  return p.wake_cpu != kNoCpu ? p.wake_cpu : p.affinity.first();
}

Task* ScxContext::task_from_pid(TaskId pid) {
  ExtClass& c = cls_;
  Task* p = core_.find_task(pid);
  if (!p || !p->is_live()) return nullptr;
  if (p->cls == c.id() || c.grant_.all_tasks || p->owner.uid == c.grant_.owner.uid) return p;
  return nullptr;
}

const Cgroup* ScxContext::cgroup_from_id(u64 id) const { return core_.find_cgroup(id); }

// Linux's scx_task_on_sched(): the task is this class's, or this class's
// init_task for it runs now (Linux sets p->scx.sched after ops.init_task,
// and a root scheduler's kfuncs see every task; scx_flatcg sets the first
// vtime there).
bool ScxContext::on_class(const Task& p) const {
  if (!cls_.live()) return false;
  return p.cls == cls_.id() || (cls_.cur_op_ == Op::init_task && cls_.cur_task_ == &p);
}

bool ScxContext::task_set_slice(Task& p, u64 slice) {
  if (!on_class(p)) return false;
  p.scx.slice = slice;
  return true;
}

bool ScxContext::task_set_dsq_vtime(Task& p, u64 vtime) {
  if (!on_class(p)) return false;
  p.scx.dsq_vtime = vtime;
  if (p.dsq) p.dsq->vtime_changed(p);
  return true;
}

// --- time, timers, exit -----------------------------------------------------------------

TimeNs ScxContext::now() const { return cls_.core_.now; }

void ScxContext::arm_timer(u64 timer_id, TimeNs at, CpuId pin_cpu) {
  ExtClass& c = cls_;
  if (!c.live()) return;
  if (timer_id >= kFirstCoreTimerId) {
    c.fail(ExitKind::error, fmt::format("arm_timer: timer id 0x{:x} is reserved", timer_id));
    return;
  }
  auto it = c.find_timer(timer_id);
  if (it == c.timers_.end()) c.timers_.push_back({timer_id, pin_cpu});
  else it->pin_cpu = pin_cpu;
  c.core_.hooks.arm_timer(c.id(), timer_id, at);
}

void ScxContext::cancel_timer(u64 timer_id) {
  ExtClass& c = cls_;
  auto it = c.find_timer(timer_id);
  if (it == c.timers_.end()) return;
  c.timers_.erase(it);
  c.core_.hooks.cancel_timer(c.id(), timer_id);
}

void ScxContext::error(std::string message, std::string location) {
  cls_.fail(ExitKind::error_bpf, std::move(message), std::move(location));
}

void ScxContext::exit(s64 code, std::string message) {
  cls_.fail(ExitKind::unreg_bpf, std::move(message), {}, code);
}

void ScxContext::fail(std::string message, std::string location) {
  cls_.fail(ExitKind::error, std::move(message), std::move(location));
}

void ScxContext::printk(const Task* about, std::string text) {
  auto& core = cls_.core_;
  const CpuId cpu = this_cpu();
  if (!about && core.valid_cpu(cpu)) about = core.cpus[static_cast<size_t>(cpu)].curr;
  PrintkLine line{core.now, cpu, std::string(cls_.name()), 0, {}, std::move(text)};
  if (about) {
    line.task = about->id;
    line.comm.assign(about->comm.data(), strnlen(about->comm.data(), about->comm.size()));
  }
  core.hooks.on_printk(line);
}

// --- upsched extensions -----------------------------------------------------------------

u64 ScxContext::task_wait_event(const Task& p) const {
  return p.wait.kind != WaitKind::none ? p.wait.event : 0;
}

bool ScxContext::task_is_spinning(const Task& p) const {
  return p.wait.kind == WaitKind::spinning && !p.wait.fired;
}

bool ScxContext::event_fired(u64 event) const { return core_.event_fired(event); }

u64 ScxContext::task_lock_wait(const Task& p) const { return p.lock.waiting_for; }

TaskId ScxContext::task_lock_holder(const Task& p) const {
  const Task* h = core_.lock_holder_for(p);
  return h ? h->id : kNoTask;
}

u32 ScxContext::task_lock_waiters(const Task& p) const { return p.lock.waiters; }

namespace {
VcpuHint* guest_hint(const VcpuRef& r) {
  return r.channel && r.vcpu < r.channel->guest.size() ? &r.channel->guest[r.vcpu] : nullptr;
}
VcpuRef guest_ref(const Core& core, CpuId cpu) {
  VirtChannel* ch = core.guest_channel();
  if (!ch || cpu < 0 || static_cast<size_t>(cpu) >= ch->host.size()) return {};
  return VcpuRef{ch, static_cast<u32>(cpu)};
}
}  // namespace

u64 ScxContext::vcpu_hint(const Task& p) const {
  const VcpuHint* h = guest_hint(core_.vcpu_of(p));
  return h ? h->flags | kVcpuValid : 0;
}

u64 ScxContext::vcpu_next_deadline(const Task& p) const {
  const VcpuHint* h = guest_hint(core_.vcpu_of(p));
  return h ? h->next_deadline_ns : 0;
}

s32 ScxContext::vcpu_vm(const Task& p) const {
  const VcpuRef r = core_.vcpu_of(p);
  return r.channel ? static_cast<s32>(r.channel->vm_id) : -1;
}

void ScxContext::vcpu_set_host_flags(const Task& p, u64 flags) {
  const VcpuRef r = core_.vcpu_of(p);
  if (!r.channel || r.vcpu >= r.channel->host.size()) return;
  u64& f = r.channel->host[r.vcpu].flags;
  f = (f & ~kHostPolicyFlags) | (flags & kHostPolicyFlags);
}

void ScxContext::virt_publish(CpuId cpu, u64 flags, u64 next_deadline_ns) {
  VcpuHint* h = guest_hint(guest_ref(core_, cpu));
  if (!h) return;
  h->flags = (h->flags & ~kVcpuPolicyFlags) | (flags & kVcpuPolicyFlags);
  h->next_deadline_ns = next_deadline_ns;
}

u64 ScxContext::virt_host_flags(CpuId cpu) const {
  const VcpuRef r = guest_ref(core_, cpu);
  return r.channel ? r.channel->host[r.vcpu].flags : 0;
}

u64 ScxContext::virt_steal_ns(CpuId cpu) const {
  const VcpuRef r = guest_ref(core_, cpu);
  return r.channel ? r.channel->host[r.vcpu].steal_ns : 0;
}

Op ScxContext::current_op() const { return cls_.cur_op_; }

}  // namespace ups
