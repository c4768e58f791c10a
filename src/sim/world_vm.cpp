// Virtual machines in the simulator (docs/guest-host.md). A VM is a group of
// vCPU tasks on the host world's chain and a guest world (a second World,
// with its own Core, chain and tasks) whose CPUs are those vCPUs. A guest
// CPU makes progress only while the host runs its vCPU task: switching the
// task in resumes the guest CPU, switching it out pauses it. The guest asks
// the host for things only through host events (kick a halted vCPU, halt
// an idle one, a pause-loop exit), so neither world calls into the other in
// the middle of an event. Both worlds share one virtual clock: the host's
// loop runs the earliest event of all of them.
#include <fmt/format.h>

#include "core/scx_constants.h"
#include "sim/world.h"
#include "sim/world_state.h"

namespace ups::sim {

using namespace workload;
using namespace host;

// --- host side ---------------------------------------------------------------

Status World::init_vms(const PolicyFactory& factory) {
  group_vm_.assign(w_.groups.size(), kNone);
  for (const VmDecl& d : w_.vms) {
    for (u32 k = 0; k < d.count; ++k) {
      auto vm = std::make_unique<Vm>();
      vm->name = d.count == 1 ? d.name : fmt::format("{}.{}", d.name, k);
      vm->channel.vm_id = static_cast<u32>(vms_.size());
      vm->channel.guest.assign(d.vcpus, VcpuHint{});
      vm->channel.host.assign(d.vcpus, HostHint{});
      vm->runnable_since.assign(d.vcpus, kForever);
      vm->pin = d.vcpu_pin;
      SimConfig gc;
      gc.nr_cpus = static_cast<int>(d.vcpus);
      gc.cores_per_llc = static_cast<int>(d.vcpus);
      gc.seed = rng_.next_u64();
      gc.duration = cfg_.duration;
      gc.costs = cfg_.costs;
      gc.fair = cfg_.fair;
      gc.policies = d.guest_policies;
      gc.policy_principal = cfg_.policy_principal;
      gc.check_invariants = cfg_.check_invariants;
      gc.start_paused = true;
      gc.guest_of_vm = vm->name;
      Workload gw = *d.guest;
      gw.name = vm->name;
      auto guest = World::create(std::move(gw), std::move(gc), factory);
      if (!guest) {
        Error e = guest.error();
        e.message = fmt::format("VM '{}': {}", vm->name, e.message);
        return tl::unexpected(e);
      }
      vm->guest = std::move(*guest);
      vm->guest->host_world_ = this;
      vm->guest->vm_ = vm->channel.vm_id;
      vm->guest->ple_window_ = d.ple_window;
      vm->guest->halt_poll_ = d.halt_poll;
      vm->guest->core_->set_guest_channel(&vm->channel);
      // The vCPU tasks: a group of their own, with no program (the world
      // never runs one for them: their guest CPU is what runs).
      TaskGroup g;
      g.name = vm->name;
      g.count = d.vcpus;
      g.weight = d.weight;
      g.class_name = d.class_name;
      g.line = d.line;
      w_.groups.push_back(std::move(g));
      group_vm_.push_back(vm->channel.vm_id);
      vms_.push_back(std::move(vm));
    }
  }
  return {};
}

void World::link_vcpu(u32 idx) {
  SimTask& t = tasks_[idx];
  Vm& vm = *vms_[group_vm_[t.group]];
  t.vcpu = static_cast<u32>(vm.vcpu_task.size());
  vm.vcpu_task.push_back(idx);
  vm.runnable_since[t.vcpu] = now_;  // its first wakeup makes it runnable
  core_->set_vcpu(*t.task, VcpuRef{&vm.channel, t.vcpu});
}

World* World::next_guest() const {
  World* best = nullptr;
  for (const auto& vm : vms_) {
    World& g = *vm->guest;
    if (g.events_.empty()) continue;
    if (!best || g.events_.top().at < best->events_.top().at) best = &g;
  }
  return best;
}

Status World::run_guest_event(World& g) {
  Event ev = g.events_.pop();
  g.now_ = ev.at;
  auto st = g.handle(ev);
  if (!st) {
    Error e = st.error();
    e.message = fmt::format("VM '{}': {}", vms_[g.vm_]->name, e.message);
    return tl::unexpected(e);
  }
  g.publish_kernel_hints();
  return {};
}

void World::vcpu_event(const Event& ev) {
  SimTask& t = tasks_[ev.target];
  if (t.vcpu == kNone || t.status == TStatus::exited) return;
  Vm& vm = *vms_[group_vm_[t.group]];
  World& g = *vm.guest;
  g.now_ = now_;
  switch (ev.kind) {
    case EventKind::vcpu_kick:
      if (t.status != TStatus::waiting) return;  // running or already runnable
      vm.runnable_since[t.vcpu] = now_;
      wake_task(ev.target, scx::WAKE_TTWU);
      return;
    case EventKind::vcpu_idle: {
      const SimCpu& gc = g.cpus_[t.vcpu];
      if (t.on_cpu == kNoCpu || gc.cur_idx != kNone || gc.resched_pending) return;  // got work since
      const CpuId cpu = t.on_cpu;
      t.status = TStatus::waiting;  // halted until kicked
      core_->block_current(cpu, now_);
      do_schedule(cpu);
      return;
    }
    case EventKind::vcpu_exit: {
      if (t.on_cpu == kNoCpu) return;
      const CpuId cpu = t.on_cpu;
      ++vm.ple_exits;
      core_->yield_current(cpu, now_);
      do_schedule(cpu);
      // Picked again (nothing better to run): it spins on, and exits again.
      if (tasks_[ev.target].on_cpu == cpu) g.arm_ple(static_cast<CpuId>(t.vcpu));
      return;
    }
    default:
      return;
  }
}

void World::vcpu_switched_in(u32 idx, TimeNs at) {
  const SimTask& t = tasks_[idx];
  Vm& vm = *vms_[group_vm_[t.group]];
  HostHint& hh = vm.channel.host[t.vcpu];
  if (vm.runnable_since[t.vcpu] != kForever) hh.steal_ns += now_ - vm.runnable_since[t.vcpu];
  vm.runnable_since[t.vcpu] = kForever;
  hh.flags &= ~kHostPreempted;
  vm.guest->now_ = now_;
  vm.guest->vcpu_resume(static_cast<CpuId>(t.vcpu), at);
}

void World::vcpu_switched_out(u32 idx) {
  const SimTask& t = tasks_[idx];
  Vm& vm = *vms_[group_vm_[t.group]];
  vm.guest->now_ = now_;
  vm.guest->vcpu_pause(static_cast<CpuId>(t.vcpu));
  if (t.status == TStatus::runnable) {  // preempted, not halted
    vm.channel.host[t.vcpu].flags |= kHostPreempted;
    vm.runnable_since[t.vcpu] = now_;
  }
}

void World::vm_reports(report::RunReport& r, report::LatencyHistogram& requests, TimeNs& spin) {
  for (const auto& vm : vms_) {
    World& g = *vm->guest;
    g.now_ = now_;
    report::VmReport v;
    v.name = vm->name;
    v.vcpus = static_cast<u32>(vm->vcpu_task.size());
    TimeNs host_ns = 0, steal = 0;
    for (u32 k = 0; k < vm->vcpu_task.size(); ++k) {
      const SimTask& t = tasks_[vm->vcpu_task[k]];
      host_ns += t.run_ns + (t.on_cpu != kNoCpu ? now_ - cpus_[t.on_cpu].in_since : 0);
      steal += vm->channel.host[k].steal_ns +
               (vm->runnable_since[k] != kForever ? now_ - vm->runnable_since[k] : 0);
    }
    TimeNs run = 0, guest_spin = 0;
    g.usage(run, guest_spin);
    v.host_cpu_s = host_ns / 1e9;
    v.guest_run_s = run / 1e9;
    v.spin_s = guest_spin / 1e9;
    v.steal_s = steal / 1e9;
    v.ple_exits = vm->ple_exits;
    v.requests = g.request_lat_.count();
    v.request_latency = report::percentiles_of(g.request_lat_);
    requests.merge(g.request_lat_);
    spin += guest_spin;
    r.vms.push_back(std::move(v));
  }
}

// --- guest side ----------------------------------------------------------------

void World::vcpu_resume(CpuId cpu, TimeNs at) {
  SimCpu& c = cpus_[cpu];
  c.paused = false;
  if (c.cur_idx != kNone) {
    const SimTask& t = tasks_[c.cur_idx];
    c.in_since = now_;
    c.seg_start = at;
    if (t.remaining == kForever || t.polling_burst) {
      c.spin_since = at;
      arm_ple(cpu);
    }
    if (t.remaining != kForever)
      events_.push(at + t.remaining, EventKind::segment_end, static_cast<u32>(cpu), c.seg_gen);
    arm_tick(cpu);
  }
  // Whatever came for it while paused (or nothing: it halts again).
  c.resched_pending = true;
  events_.push(now_, EventKind::resched, static_cast<u32>(cpu));
}

void World::vcpu_pause(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  if (c.paused) return;
  if (c.cur_idx != kNone) close_slice(cpu, now_);
  c.paused = true;
}

void World::notify_host(EventKind kind, CpuId cpu, TimeNs after) {
  if (!host_world_) return;
  host_world_->events_.push(now_ + after, kind, host_world_->vms_[vm_]->vcpu_task[static_cast<size_t>(cpu)]);
}

void World::arm_ple(CpuId cpu) {
  const SimCpu& c = cpus_[cpu];
  if (ple_window_ == 0 || c.paused || !host_world_) return;
  events_.push(std::max(now_, c.seg_start) + ple_window_, EventKind::ple, static_cast<u32>(cpu), c.seg_gen);
}

// What the guest kernel's spinlock code says about each vCPU (the lock bits
// of the hint record), as paravirtual spinlocks do, not the guest policy:
// a holder is flagged while others wait for its lock (only then does its
// preemption keep anyone waiting).
void World::publish_kernel_hints() {
  VirtChannel* ch = core_->guest_channel();
  if (!ch) return;
  for (size_t cpu = 0; cpu < cpus_.size(); ++cpu) {
    u64 bits = 0;
    if (const u32 idx = cpus_[cpu].cur_idx; idx != kNone) {
      const SimTask& t = tasks_[idx];
      if (t.task && t.task->lock.waiters > 0) bits |= kVcpuLockHolder;
      if (t.status == TStatus::spinning) bits |= kVcpuSpinning;
    }
    u64& f = ch->guest[cpu].flags;
    f = (f & ~kVcpuKernelFlags) | bits;
  }
}

void World::usage(TimeNs& run, TimeNs& spin) const {
  run = 0;
  for (TimeNs g : group_run_) run += g;
  spin = spin_ns_;
  for (const SimCpu& c : cpus_) {
    if (c.cur_idx == kNone || c.paused) continue;
    run += now_ - c.in_since;
    if (now_ > c.spin_since) spin += now_ - c.spin_since;
  }
}

}  // namespace ups::sim
