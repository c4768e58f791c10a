// The discrete-event loop and the behaviour interpreter's effects. See
// world.h for the determinism rules; docs/simulator.md for the timing model.
#include "sim/world.h"
#include "sim/world_state.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/scx_constants.h"
#include "workload/cgroups.h"
#include "workload/program_builder.h"
#include "workload/duration.h"

namespace ups::sim {

using namespace workload;  // the language whose programs the world executes
using namespace report;
using namespace host;

size_t World::sim_bytes_per_task() { return sizeof(SimTask); }

std::string reproduce_command(const std::string& workload_arg, const SimConfig& cfg) {
  std::string pol;
  for (auto& p : cfg.policies) pol += " --policy " + p;
  if (pol.empty()) pol = " --policy fair";
  return fmt::format("upsched sim {}{} --cpus {} --duration {} --seed={}", workload_arg, pol,
                     cfg.nr_cpus, format_duration(cfg.duration), cfg.seed);
}

World::World(Workload w, SimConfig cfg) : w_(std::move(w)), cfg_(std::move(cfg)), rng_(cfg_.seed) {}

World::~World() = default;

Result<std::unique_ptr<World>> World::create(Workload w, SimConfig cfg, PolicyFactory factory) {
  if (cfg.nr_cpus < 1 || cfg.nr_cpus > kMaxCpus)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("--cpus must be in 1..{}, not {}", kMaxCpus, cfg.nr_cpus));
  if (cfg.costs.hz < 1 || cfg.costs.hz > 10000)
    return make_error(ErrorKind::invalid_argument, "HZ must be in 1..10000");
  if (auto st = validate_workload(w); !st) return tl::unexpected(st.error());
  std::unique_ptr<World> wd(new World(std::move(w), std::move(cfg)));
  if (auto st = wd->init(std::move(factory)); !st) return tl::unexpected(st.error());
  return wd;
}

Status World::init(PolicyFactory factory) {
  auto topo = Topology::make(cfg_.nr_cpus, cfg_.smt, cfg_.cores_per_llc, cfg_.llcs_per_node);
  if (!topo) return tl::unexpected(topo.error());
  cpus_.assign(cfg_.nr_cpus, SimCpu{});
  for (SimCpu& c : cpus_) c.paused = cfg_.start_paused;
  CoreConfig cc;
  cc.fair = cfg_.fair;
  cc.tick_ns = cfg_.costs.tick_ns();
  // The world checks after every event (and says how to reproduce a
  // failure); the core's own check after every entry call would repeat it
  // several times per event.
  cc.check_invariants = false;
  core_ = std::make_unique<Core>(std::move(*topo), cc, static_cast<CoreHooks&>(*this));
  end_ = cfg_.duration;
  events_.reserve(4096);

  objs_.resize(w_.objects.size());
  for (size_t i = 0; i < w_.objects.size(); ++i) {
    objs_[i].kind = w_.objects[i].kind;
    if (objs_[i].kind == SyncKind::event) objs_[i].tokens = w_.objects[i].initial;
    else for (u32 k = 0; k < w_.objects[i].initial; ++k) objs_[i].msgs.push(0);
  }

  class_share_slot_.clear();
  class_share_.clear();
  class_attaches_.clear();
  class_share_slot_.resize(size_t{core_->fair_class()} + 1, kNone);
  class_share_slot_[core_->fair_class()] = 0;
  class_share_.emplace_back("fair", 0);

  // Cgroups before any class loads: a class's cgroup_init sees them all.
  if (auto st = init_cgroups(); !st) return st;

  // --policy classes first (chain order as given), then the workload's.
  const PolicyFactory guest_factory = w_.vms.empty() ? PolicyFactory{} : factory;
  host_ = std::make_unique<ClassHost>(*core_, std::move(factory), static_cast<ClassHostHooks&>(*this), w_.source,
                                      cfg_.guest_of_vm.empty() ? VirtPlace::host_chain()
                                                               : VirtPlace::guest_of(cfg_.guest_of_vm));
  if (auto st = host_->start(cfg_.policies, cfg_.policy_principal, w_.classes, now_); !st) return st;
  halves_closed_ = true;
  if (auto st = init_vms(guest_factory); !st) return st;

  group_run_.assign(w_.groups.size(), 0);
  if (cfg_.samples) {
    std::vector<std::string> names;
    for (auto& g : w_.groups) names.push_back(g.name);
    cfg_.samples->begin(std::move(names), cfg_.nr_cpus, cfg_.duration);
  }
  tasks_.reserve(w_.initial_tasks());
  for (u32 g = 0; g < w_.groups.size(); ++g)
    for (u32 k = 0; k < w_.groups[g].count; ++k)
      if (auto st = spawn(g, w_.groups[g].start, false); !st) return st;

  arrivals_sent_.assign(w_.arrivals.size(), 0);
  for (u32 i = 0; i < w_.arrivals.size(); ++i) {
    auto& a = w_.arrivals[i];
    if (a.count != 0) ++arrivals_left_;
    events_.push(a.start + a.interarrival.sample(rng_), EventKind::arrival, i);
  }
  events_.push(core_->watchdog_interval(), EventKind::watchdog, 0);

  trace_.set_ftrace(cfg_.ftrace);
  trace_.set_chrome(cfg_.chrome);
  trace_.begin(cfg_.nr_cpus);
  return {};
}

u32 World::task_index(const Task* p) const {
  return static_cast<u32>(reinterpret_cast<uintptr_t>(p->substrate_data) - 1);
}

u32 World::share_slot(ClassId id, const std::string& name) {
  if (id >= class_share_slot_.size()) class_share_slot_.resize(size_t{id} + 1, kNone);
  if (class_share_slot_[id] == kNone || !name.empty()) {
    // A new class (or a reused id): its own entry, named as the scenario
    // names it, so that two classes running one policy stay apart.
    std::string n = name.empty() ? std::string(core_->class_name(id)) : name;
    u32 slot = kNone;
    for (u32 i = 0; i < class_share_.size(); ++i)
      if (class_share_[i].first == n) slot = i;
    if (slot == kNone) {
      slot = static_cast<u32>(class_share_.size());
      class_share_.emplace_back(n, 0);
    }
    class_share_slot_[id] = slot;
  }
  return class_share_slot_[id];
}

// --- tasks -----------------------------------------------------------------

Status World::spawn(u32 g, TimeNs start, bool forked) {
  auto made = new_task(g);
  if (!made) return tl::unexpected(made.error());
  const u32 idx = *made;
  const TaskGroup& grp = w_.groups[g];
  SimTask& t = tasks_[idx];
  if (g < group_vm_.size() && group_vm_[g] != kNone) link_vcpu(idx);
  ClassId cls = host_->class_for(grp.class_name);
  if (cls != core_->fair_class()) attach(*t.task, cls);
  if (forked) {
    wake_task(idx, scx::WAKE_FORK);
  } else {
    events_.push(start, EventKind::wake, idx, t.wake_gen);
  }
  return {};
}

Result<u32> World::new_task(u32 g) {
  const TaskGroup& grp = w_.groups[g];
  TaskSpec spec;
  spec.owner = grp.owner;
  spec.weight = grp.weight;
  spec.affinity = grp.affinity;
  if (g < group_vm_.size() && group_vm_[g] != kNone) {  // a vCPU: its pin, if any
    const Vm& vm = *vms_[group_vm_[g]];
    if (vm.vcpu_task.size() < vm.pin.size()) spec.affinity = vm.pin[vm.vcpu_task.size()];
  }
  spec.comm = grp.name.c_str();
  if (g < group_cgroup_.size()) spec.cgroup = group_cgroup_[g];
  auto p = core_->create_task(spec, now_);
  if (!p) {
    Error e = p.error();
    e.where = SourceLoc{w_.source, grp.line, 0, "task group '" + grp.name + "'"};
    return tl::unexpected(e);
  }
  u32 idx = static_cast<u32>(tasks_.size());
  tasks_.emplace_back();
  SimTask& t = tasks_.back();
  t.task = *p;
  t.pid = (*p)->id;
  t.group = g;
  (*p)->substrate_data = reinterpret_cast<void*>(static_cast<uintptr_t>(idx) + 1);
  ++live_;
  ++created_;
  return idx;
}

Result<s32> World::reserve_task(const char* comm) {
  // Its group is the last one: the reports' per-group arrays are made
  // after the classes that load at the start.
  if (halves_closed_)
    return make_error(ErrorKind::unsupported,
                      "a policy with a user-space half (scx_userland) loads only at the start of a run here");
  TaskGroup g;
  g.name = comm;
  g.count = 0;
  g.class_name = "fair";  // attached to its policy's class by class_loaded, not by name
  g.program = ProgramBuilder().forever().user_half(static_cast<u32>(halves_.size())).yield().end().build();
  w_.groups.push_back(std::move(g));
  auto idx = new_task(static_cast<u32>(w_.groups.size() - 1));
  if (!idx) return tl::unexpected(idx.error());
  ++half_live_;
  halves_.push_back(UserHalf{*idx, nullptr, kNoClass});
  return static_cast<s32>(tasks_[*idx].pid);
}

void World::run_half(s32 pid, std::unique_ptr<policy::UserSpaceHalf> half) {
  for (UserHalf& h : halves_)
    if (tasks_[h.task].pid == static_cast<TaskId>(pid)) h.half = std::move(half);
}

void World::wake_task(u32 idx, u64 flags) {
  SimTask& t = tasks_[idx];
  t.status = TStatus::runnable;
  t.woke_at = now_;
  core_->wake_up(*t.task, flags, now_);
  if (cfg_.ftrace)
    trace_.on_wakeup(now_, TraceTask{t.pid, w_.groups[t.group].name.c_str()}, t.task->wake_cpu);
}

// --- events ----------------------------------------------------------------

void World::resched_cpu(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  if (c.paused) {  // a guest CPU whose vCPU is not running: kick the vCPU
    if (!c.resched_pending) notify_host(EventKind::vcpu_kick, cpu);
    c.resched_pending = true;
    return;
  }
  if (c.resched_pending) return;
  c.resched_pending = true;
  TimeNs delay = cpu == event_cpu_ ? 0 : cfg_.costs.ipi_ns;
  events_.push(now_ + delay, EventKind::resched, static_cast<u32>(cpu));
}

void World::arm_timer(ClassId cls, u64 timer_id, TimeNs at) {
  auto key = std::make_pair(cls, timer_id);
  auto it = timer_index_.find(key);
  u32 slot;
  if (it == timer_index_.end()) {
    slot = static_cast<u32>(timers_.size());
    timers_.push_back(TimerSlot{cls, timer_id, 0, false});
    timer_index_.emplace(key, slot);
  } else {
    slot = it->second;
  }
  TimerSlot& t = timers_[slot];
  ++t.gen;
  t.armed = true;
  events_.push(std::max(at, now_), EventKind::timer, slot, t.gen);
}

void World::cancel_timer(ClassId cls, u64 timer_id) {
  auto it = timer_index_.find(std::make_pair(cls, timer_id));
  if (it == timer_index_.end()) return;
  ++timers_[it->second].gen;
  timers_[it->second].armed = false;
}

void World::on_exit_report(const ExitReport& r) { exit_reports_.push_back(r); }

void World::on_printk(const PrintkLine& line) {
  trace_.on_printk(line);
  if (cfg_.printk) *cfg_.printk << report::format_printk(line) << '\n';
  if (printk_.size() < report::RunReport::kMaxPrintkLines) printk_.push_back(line);
  else ++printk_dropped_;
}

void World::arm_tick(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  if (c.tick_pending) return;
  c.tick_pending = true;
  TimeNs tick = cfg_.costs.tick_ns();
  events_.push((now_ / tick + 1) * tick, EventKind::tick, static_cast<u32>(cpu));
}

bool World::finished() const { return live_ == half_live_ && arrivals_left_ == 0; }

Status World::run_until(TimeNs t) {
  while (!finished()) {
    // A VM's guest events interleave with the host's in time order (the
    // host's first at a tie): one virtual clock for all.
    World* g = next_guest();
    const TimeNs guest_at = g ? g->events_.top().at : kForever;
    if (!events_.empty() && events_.top().at <= guest_at) {
      if (events_.top().at > t) break;
      Event ev = events_.pop();
      now_ = ev.at;
      if (auto st = handle(ev); !st) return st;
    } else {
      if (!g || guest_at > t) break;
      now_ = guest_at;
      if (auto st = run_guest_event(*g); !st) return st;
    }
  }
  return {};
}

Status World::handle(const Event& ev) {
  event_cpu_ = (ev.kind == EventKind::segment_end || ev.kind == EventKind::tick ||
                ev.kind == EventKind::resched)
                   ? static_cast<CpuId>(ev.target)
                   : kNoCpu;
  if (auto st = step(ev); !st) return st;
  if (failure_.empty() && cfg_.check_invariants) {
    std::string why;
    if (!core_->check_invariants(&why)) failure_ = "invariant broken: " + why;
  }
  if (failure_.empty() && after_event) failure_ = after_event(*this);
  if (!failure_.empty())
    return make_error(ErrorKind::internal,
                      fmt::format("at {} (event {}): {}", format_instant(now_), events_done_, failure_));
  return {};
}

Status World::run() {
  auto st = run_until(end_);
  if (st && !finished()) now_ = std::max(now_, end_);  // idle to the end
  return st;
}

Status World::step(const Event& ev) {
  switch (ev.kind) {
    case EventKind::segment_end: {
      SimCpu& c = cpus_[ev.target];
      if (ev.gen != c.seg_gen || c.cur_idx == kNone || c.paused) return {};  // superseded
      tasks_[c.cur_idx].remaining = 0;
      if (tasks_[c.cur_idx].polling_burst) end_poll_burst(static_cast<CpuId>(ev.target));
      else run_program(static_cast<CpuId>(ev.target));
      break;
    }
    case EventKind::poll_burst: {
      SimTask& t = tasks_[ev.target];
      if (ev.gen != t.wake_gen || !t.poll_waiting || t.status != TStatus::waiting) return {};
      const Program& prog = w_.groups[t.group].program;
      const TimeNs burst = std::max<TimeNs>(1, prog.dists[t.poll_dist].sample(rng_));
      // Still no message: it polls again, holding a CPU with nothing to do.
      core_->set_task_wait(*t.task, WaitKind::spinning, t.poll_obj + 1, now_);
      wake_task(ev.target, scx::WAKE_TTWU);
      SimTask& w = tasks_[ev.target];
      w.status = TStatus::spinning;
      w.remaining = burst;
      w.polling_burst = true;
      break;
    }
    case EventKind::tick: {
      SimCpu& c = cpus_[ev.target];
      c.tick_pending = false;
      if (c.cur_idx == kNone || c.paused) return {};  // nohz: an idle (or paused) CPU takes no ticks
      core_->tick(static_cast<CpuId>(ev.target), now_);
      arm_tick(static_cast<CpuId>(ev.target));
      break;
    }
    case EventKind::resched:
      if (cpus_[ev.target].paused) return {};  // stays pending: vcpu_resume schedules
      cpus_[ev.target].resched_pending = false;
      do_schedule(static_cast<CpuId>(ev.target));
      break;
    case EventKind::wake: {
      SimTask& t = tasks_[ev.target];
      if (ev.gen != t.wake_gen ||
          (t.status != TStatus::created && t.status != TStatus::sleeping))
        return {};
      wake_task(ev.target, t.status == TStatus::created ? scx::WAKE_FORK : scx::WAKE_TTWU);
      break;
    }
    case EventKind::arrival: {
      const ArrivalSource& a = w_.arrivals[ev.target];
      give_token(a.channel, now_);
      u64& sent = arrivals_sent_[ev.target];
      ++sent;
      if (a.count == 0 || sent < a.count)
        events_.push(now_ + std::max<TimeNs>(1, a.interarrival.sample(rng_)), EventKind::arrival,
                     ev.target);
      else
        --arrivals_left_;
      break;
    }
    case EventKind::timer: {
      TimerSlot& t = timers_[ev.target];
      if (ev.gen != t.gen || !t.armed) return {};
      t.armed = false;
      core_->fire_timer(t.cls, t.id, now_);
      break;
    }
    case EventKind::watchdog:
      core_->check_watchdog(now_);
      events_.push(now_ + std::max<TimeNs>(1, core_->watchdog_interval()), EventKind::watchdog, 0);
      break;
    case EventKind::scenario:
      host_->apply_step(ev.target, now_);
      break;
    case EventKind::cgroup_move:
      move_group(ev.target);
      break;
    case EventKind::vcpu_kick: case EventKind::vcpu_idle: case EventKind::vcpu_exit:
      vcpu_event(ev);
      break;
    case EventKind::ple: {
      const SimCpu& c = cpus_[ev.target];
      if (ev.gen != c.seg_gen || c.paused || c.cur_idx == kNone ||
          tasks_[c.cur_idx].status != TStatus::spinning)
        return {};
      notify_host(EventKind::vcpu_exit, static_cast<CpuId>(ev.target));
      break;
    }
  }
  ++events_done_;
  return {};
}

// --- the behaviour interpreter -----------------------------------------------

void World::start_segment(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  if (c.paused) return;  // vcpu_resume starts it
  c.seg_start = std::max(c.seg_start, now_);
  events_.push(c.seg_start + tasks_[c.cur_idx].remaining, EventKind::segment_end,
               static_cast<u32>(cpu), c.seg_gen);
}

void World::run_program(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  const u32 idx = c.cur_idx;
  const Program& prog = w_.groups[tasks_[idx].group].program;
  // Validation ensures loops take time; this bounds what it cannot see
  // (e.g. a task that keeps finding tokens another task keeps giving).
  for (int budget = 0; budget < 1000000; ++budget) {
    SimTask& t = tasks_[idx];  // fork may grow tasks_: take it afresh
    const Instr* in = next_action(prog, t.cur);
    // A user-space half ends with its class (scx_userland.c exits when
    // its BPF half has).
    const bool half_over = in && in->op == OpCode::user_half && !core_->class_loaded(halves_[in->arg].cls);
    if (!in || in->op == OpCode::exit || half_over) {
      if (t.task->lock.held > 0) {
        failure_ = fmt::format("{}: task {} ({}) exits holding {} lock(s)", where(t, in), t.pid,
                               w_.groups[t.group].name, t.task->lock.held);
        return;
      }
      t.status = TStatus::exited;
      --live_;
      if (half_over) --half_live_;
      ++completed_;
      core_->exit_current(cpu, now_);
      do_schedule(cpu);
      tasks_[idx].task = nullptr;  // the core may free it now
      return;
    }
    switch (in->op) {
      case OpCode::compute: {
        TimeNs d = prog.dists[in->arg].sample(rng_);
        if (d == 0) continue;
        t.remaining = d;
        start_segment(cpu);
        return;
      }
      case OpCode::sleep: {
        TimeNs d = prog.dists[in->arg].sample(rng_);
        t.status = TStatus::sleeping;
        ++t.wake_gen;
        events_.push(now_ + d, EventKind::wake, idx, t.wake_gen);
        core_->block_current(cpu, now_);
        do_schedule(cpu);
        return;
      }
      case OpCode::wait: case OpCode::recv: case OpCode::spin: case OpCode::poll_recv: {
        SyncState& s = objs_[in->arg];
        if (s.kind == SyncKind::event ? s.tokens > 0 : !s.msgs.empty()) {
          if (s.kind == SyncKind::event) --s.tokens;
          else t.stamp = s.msgs.pop();
          continue;
        }
        t.next_waiter = kNone;
        if (s.tail == kNone) s.head = idx;
        else tasks_[s.tail].next_waiter = idx;
        s.tail = idx;
        if (in->op == OpCode::spin) {
          t.status = TStatus::spinning;
          core_->set_task_wait(*t.task, WaitKind::spinning, in->arg + 1, now_);
          t.remaining = kForever;
          c.spin_since = std::max(c.seg_start, now_);
          arm_ple(cpu);
          return;  // burns the CPU until give_token ends the segment
        }
        t.status = TStatus::waiting;
        core_->set_task_wait(*t.task, WaitKind::blocked, in->arg + 1, now_);
        if (in->op == OpCode::poll_recv) {
          t.poll_waiting = true;
          t.poll_obj = in->arg;
          t.poll_dist = in->arg2;
          arm_poll_burst(idx);
        }
        core_->block_current(cpu, now_);
        do_schedule(cpu);
        return;
      }
      case OpCode::lock: {
        auto got = core_->lock_acquire(*t.task, in->arg + 1, now_);
        if (!got) {
          failure_ = fmt::format("{}: lock '{}': {}", where(t, in), w_.objects[in->arg].name, got.error().message);
          return;
        }
        if (*got) continue;
        t.status = TStatus::waiting;  // until the holder hands the lock over
        core_->block_current(cpu, now_);
        do_schedule(cpu);
        return;
      }
      case OpCode::spin_lock: {
        auto got = core_->lock_acquire(*t.task, in->arg + 1, now_);
        if (!got) {
          failure_ = fmt::format("{}: spin_lock '{}': {}", where(t, in), w_.objects[in->arg].name, got.error().message);
          return;
        }
        if (*got) continue;
        // Burns the CPU until the holder hands the lock over (unlock).
        t.status = TStatus::spinning;
        core_->set_task_wait(*t.task, WaitKind::spinning, in->arg + 1, now_);
        t.remaining = kForever;
        c.spin_since = std::max(c.seg_start, now_);
        arm_ple(cpu);
        return;
      }
      case OpCode::unlock: {
        auto next = core_->lock_release(*t.task, in->arg + 1, now_);
        if (!next) {
          failure_ = fmt::format("{}: unlock '{}': {}", where(t, in), w_.objects[in->arg].name, next.error().message);
          return;
        }
        if (*next) {
          const u32 n = task_index(*next);
          if (tasks_[n].status == TStatus::spinning) {  // a spin_lock waiter
            core_->set_task_wait(*tasks_[n].task, WaitKind::none, 0, now_);
            end_spin(n);
          } else {
            wake_task(n, scx::WAKE_TTWU);
          }
        }
        continue;
      }
      case OpCode::signal: case OpCode::send:
        for (u32 k = 0; k < in->arg2; ++k)
          give_token(in->arg, t.stamp != kForever ? t.stamp : now_);
        continue;
      case OpCode::fork:
        for (u32 k = 0; k < in->arg2; ++k) {
          if (auto st = spawn(in->arg, now_, true); !st) {
            failure_ = "fork failed: " + st.error().to_string();
            return;
          }
        }
        continue;
      case OpCode::user_half:
        t.remaining = std::max<TimeNs>(1, halves_[in->arg].half->round());
        start_segment(cpu);
        return;
      case OpCode::yield:
        core_->yield_current(cpu, now_);
        do_schedule(cpu);
        if (cpus_[cpu].cur_idx == idx) {
          tasks_[idx].remaining = cfg_.costs.yield_ns;
          start_segment(cpu);
        }
        return;
      case OpCode::begin:
        t.stamp = now_;
        continue;
      case OpCode::complete:
        if (t.stamp != kForever) {
          request_lat_.record(now_ - t.stamp);
          if (cfg_.samples) cfg_.samples->on_request(now_ - t.stamp);
        }
        t.stamp = kForever;
        continue;
      default:
        failure_ = fmt::format("bad instruction {} in group {}", op_name(in->op),
                               w_.groups[t.group].name);
        return;
    }
  }
  failure_ = fmt::format("task {} ({}) makes no progress: a million actions at one instant",
                         tasks_[idx].pid, w_.groups[tasks_[idx].group].name);
}

// "FILE:LINE" of the instruction `in` of t's program (or of its end).
std::string World::where(const SimTask& t, const Instr* in) const {
  const std::vector<Instr>& code = w_.groups[t.group].program.code;
  const int line = in ? in->line : code.empty() ? 0 : code.back().line;
  return fmt::format("{}:{}", w_.source, line);
}

// A poll_recv waiter sleeps until its next burst (a period from now).
void World::arm_poll_burst(u32 idx) {
  SimTask& t = tasks_[idx];
  const Program& prog = w_.groups[t.group].program;
  const TimeNs period = std::max<TimeNs>(1, prog.dists[t.poll_dist + 1].sample(rng_));
  events_.push(now_ + period, EventKind::poll_burst, idx, ++t.wake_gen);
}

// A poll_recv burst ran out with no message: back to waiting for it.
void World::end_poll_burst(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  const u32 idx = c.cur_idx;
  SimTask& t = tasks_[idx];
  if (now_ > c.spin_since) spin_ns_ += now_ - c.spin_since;
  c.spin_since = kForever;
  t.polling_burst = false;
  t.status = TStatus::waiting;
  core_->set_task_wait(*t.task, WaitKind::blocked, t.poll_obj + 1, now_);
  arm_poll_burst(idx);
  core_->block_current(cpu, now_);
  do_schedule(cpu);
}

// Hands one token (event) or message (channel) to the first waiter, or
// stores it. A spinning waiter stops burning its CPU now.
void World::give_token(u32 obj, TimeNs stamp) {
  SyncState& s = objs_[obj];
  if (s.head == kNone) {
    if (s.kind == SyncKind::event) ++s.tokens;
    else s.msgs.push(stamp);
    return;
  }
  u32 w = s.head;
  SimTask& t = tasks_[w];
  s.head = t.next_waiter;
  if (s.head == kNone) s.tail = kNone;
  t.next_waiter = kNone;
  t.poll_waiting = t.polling_burst = false;
  if (s.kind == SyncKind::channel) t.stamp = stamp;
  core_->set_task_wait(*t.task, WaitKind::none, 0, now_);
  if (t.status == TStatus::waiting) {
    core_->signal_event(obj + 1, now_);
    wake_task(w, scx::WAKE_TTWU);
    return;
  }
  UPS_ASSERT(t.status == TStatus::spinning);
  core_->signal_event(obj + 1, now_);
  end_spin(w);
}

void World::end_spin(u32 idx) {
  SimTask& t = tasks_[idx];
  t.status = TStatus::runnable;
  t.remaining = 0;
  if (t.on_cpu != kNoCpu) {
    SimCpu& c = cpus_[t.on_cpu];
    if (now_ > c.spin_since) spin_ns_ += now_ - c.spin_since;
    c.spin_since = kForever;
    ++c.seg_gen;
    start_segment(t.on_cpu);
  }
}

// --- CPUs --------------------------------------------------------------------

void World::do_schedule(CpuId cpu) {
  SimCpu& c = cpus_[cpu];
  if (c.paused) {  // a guest CPU whose vCPU is not running: vcpu_resume schedules
    c.resched_pending = true;
    return;
  }
  Task* next = core_->schedule(cpu, now_);
  // The vCPU halts, after polling for work for halt_poll_ (the host's
  // vcpu_idle does nothing if work came meanwhile).
  if (!next && host_world_) notify_host(EventKind::vcpu_idle, cpu, halt_poll_);
  const u32 prev_idx = c.cur_idx;
  const u32 next_idx = next ? task_index(next) : kNone;
  if (next_idx == prev_idx && (prev_idx == kNone || tasks_[prev_idx].status != TStatus::exited))
    return;  // keeps running (or stays idle)
  TraceTask prev_tt{}, next_tt{};
  SwitchState prev_state = SwitchState::idle;
  if (prev_idx != kNone) {
    const SimTask& p = tasks_[prev_idx];
    prev_tt = TraceTask{p.pid, w_.groups[p.group].name.c_str()};
    prev_state = p.status == TStatus::exited ? SwitchState::exited
               : (p.status == TStatus::sleeping || p.status == TStatus::waiting) ? SwitchState::sleeping
               : SwitchState::preempted;
    switch_out(cpu, now_);
  } else {
    c.busy_since = now_;
  }
  if (next) {
    switch_in(cpu, next);
    const SimTask& n = tasks_[next_idx];
    next_tt = TraceTask{n.pid, w_.groups[n.group].name.c_str()};
  } else {
    c.busy_ns += now_ - c.busy_since;
  }
  trace_.on_switch(now_, cpu, prev_tt, prev_state, next_tt);
}

void World::close_slice(CpuId cpu, TimeNs now) {
  SimCpu& c = cpus_[cpu];
  SimTask& t = tasks_[c.cur_idx];
  if (now > c.spin_since) spin_ns_ += now - c.spin_since;  // kForever unless spinning
  if (t.remaining != kForever) {
    TimeNs progress = now > c.seg_start ? now - c.seg_start : 0;
    t.remaining -= std::min(progress, t.remaining);
  }
  c.spin_since = kForever;
  TimeNs ran = now - c.in_since;
  t.run_ns += ran;
  group_run_[t.group] += ran;
  cgroup_run_[cgroup_of_group(t.group)] += ran;
  if (cfg_.samples) cfg_.samples->on_run(t.group, t.pid, cpu, c.in_since, now);
  class_share_[share_slot(t.cls, {})].second += ran;
  c.in_since = now;
  ++c.seg_gen;
}

void World::switch_out(CpuId cpu, TimeNs now) {
  SimCpu& c = cpus_[cpu];
  const u32 idx = c.cur_idx;
  SimTask& t = tasks_[idx];
  if (!c.paused) close_slice(cpu, now);  // a paused CPU's slice closed when it paused
  t.on_cpu = kNoCpu;
  t.last_cpu = cpu;
  c.curr = nullptr;
  c.cur_idx = kNone;
  ++c.seg_gen;
  if (t.vcpu != kNone) vcpu_switched_out(idx);
}

void World::switch_in(CpuId cpu, Task* next) {
  SimCpu& c = cpus_[cpu];
  const u32 idx = task_index(next);
  SimTask& t = tasks_[idx];
  if (t.on_cpu != kNoCpu) {
    failure_ = fmt::format("task {} picked on CPU {} while running on CPU {}", t.pid, cpu, t.on_cpu);
    return;
  }
  if (t.status != TStatus::runnable && t.status != TStatus::spinning) {
    failure_ = fmt::format("task {} picked on CPU {} but it is not runnable", t.pid, cpu);
    return;
  }
  const MachineCosts& mc = cfg_.costs;
  TimeNs overhead = mc.context_switch_ns;
  if (t.last_cpu != kNoCpu && t.last_cpu != cpu) {
    ++migrations_;
    overhead += mc.migration_ns + (core_->topology().share_llc(t.last_cpu, cpu)
                                       ? mc.cache_cold_llc_ns
                                       : mc.cache_cold_remote_ns);
  }
  ++switches_;
  c.curr = next;
  c.cur_idx = idx;
  c.in_since = now_;
  c.seg_start = now_ + overhead;
  t.on_cpu = cpu;
  t.cls = next->cls;
  if (t.woke_at != kForever) {
    TimeNs lat = now_ - t.woke_at;
    wakeup_lat_.record(lat);
    if (cfg_.samples) cfg_.samples->on_wakeup(t.group, lat);
    t.wake_lat_sum += lat;
    t.wake_lat_max_us = std::max<u32>(t.wake_lat_max_us, static_cast<u32>(std::min<TimeNs>(lat / kNsPerUs, ~0u)));
    ++t.wakeups;
    t.woke_at = kForever;
  }
  if (t.vcpu != kNone) {  // a VM's vCPU: its guest CPU runs from now on
    vcpu_switched_in(idx, c.seg_start);
    arm_tick(cpu);
    return;
  }
  if (t.remaining == kForever || t.polling_burst) {
    c.spin_since = c.seg_start;
    arm_ple(cpu);
  }
  if (t.remaining != kForever)
    events_.push(c.seg_start + t.remaining, EventKind::segment_end, static_cast<u32>(cpu),
                 c.seg_gen);
  arm_tick(cpu);
}

// --- the scenario's classes ------------------------------------------------------

Status World::init_cgroups() {
  if (auto st = workload::create_cgroups(*core_, w_, now_); !st) return st;
  group_cgroup_.assign(w_.groups.size(), kRootCgroupId);
  for (u32 g = 0; g < w_.groups.size(); ++g)
    if (const Cgroup* cg = core_->find_cgroup(w_.groups[g].cgroup)) group_cgroup_[g] = cg->id;
  for (u32 i = 0; i < w_.cgroup_moves.size(); ++i) events_.push(w_.cgroup_moves[i].at, EventKind::cgroup_move, i);
  return {};
}

// The group's live tasks move together (cgroup.procs); a class refusing
// the move (cgroup_prep_move) leaves them all where they were, and the
// group's later tasks start where its tasks are.
void World::move_group(u32 move) {
  const CgroupMove& m = w_.cgroup_moves[move];
  std::vector<Task*> moving;
  for (SimTask& t : tasks_)
    if (t.group == m.group && t.task->is_live()) moving.push_back(t.task);
  const CgroupId from = cgroup_of_group(m.group);
  if (!workload::move_group(*core_, moving, m, now_)) return;
  const CgroupId to = core_->find_cgroup(m.to)->id;
  group_cgroup_[m.group] = to;
  // A running task's slice so far was spent in `from`; its close counts the
  // whole slice to `to`, so move that part now (unsigned: the interim
  // wraps, the sums come out right).
  for (const SimCpu& c : cpus_)
    if (c.cur_idx != kNone && tasks_[c.cur_idx].group == m.group && !c.paused) {
      cgroup_run_[from] += now_ - c.in_since;
      cgroup_run_[to] -= now_ - c.in_since;
    }
}

void World::schedule_class_step(u32 step, TimeNs at) { events_.push(at, EventKind::scenario, step); }

void World::class_loaded(const std::string& name, ClassId id) {
  share_slot(id, name);
  attach_group_tasks(name, id);
  // The half its loader made runs in it (as scx_userland.c moves itself
  // to SCHED_EXT before it loads its BPF half).
  for (UserHalf& h : halves_)
    if (h.half && h.cls == kNoClass) {
      h.cls = id;
      attach(*tasks_[h.task].task, id);
      events_.push(now_, EventKind::wake, h.task, tasks_[h.task].wake_gen);
    }
}

void World::class_replaced(const std::string& name, ClassId id, const std::string& label) {
  share_slot(id, label);
}

void World::attach_group_tasks(const std::string& class_name, ClassId id) {
  for (auto& t : tasks_) {
    if (t.status == TStatus::exited) continue;
    if (host_->class_name_for(w_.groups[t.group].class_name) == class_name)
      attach(*t.task, id);
  }
}

void World::attach(Task& p, ClassId id) {
  auto st = core_->attach_task(p, id, now_);
  const u32 slot = share_slot(id, {});
  if (slot >= class_attaches_.size()) class_attaches_.resize(size_t{slot} + 1);
  Attaches& a = class_attaches_[slot];
  if (st) {
    ++a.accepted;
  } else if (a.refused++ == 0) {
    a.first_refusal = st.error().message;
  }
}

std::string World::idle_reason(u32 slot) const {
  const Attaches a = slot < class_attaches_.size() ? class_attaches_[slot] : Attaches{};
  if (a.accepted > 0)
    return fmt::format("{} task(s) joined it but none ran in it (a class below fair runs only on the CPUs "
                       "fair leaves idle; an ejection shows in the exit reports)",
                       a.accepted);
  if (a.refused > 0)
    return fmt::format("it refused all {} task(s) it was given, first: {}", a.refused, a.first_refusal);
  // A replacement's entry is labelled "name/new-spec": its groups are the name's.
  const std::string& entry = class_share_[slot].first;
  std::string groups;
  for (const auto& g : w_.groups) {
    const std::string& cls = host_->class_name_for(g.class_name);
    if (!cls.empty() && (entry == cls || entry.rfind(cls + "/", 0) == 0))
      groups += (groups.empty() ? "" : ", ") + g.name;
  }
  if (groups.empty())
    return "no task group is in it (a group's `class` names its class; groups without one go to the "
           "first --policy class)";
  return fmt::format("no task of group(s) {} joined it (they ended or moved before it loaded)", groups);
}

// --- checks and the report ---------------------------------------------------------

std::string World::task_problem(const SimTask& t) const {
  const Task* p = t.task;
  bool want_runnable = t.status == TStatus::runnable || t.status == TStatus::spinning;
  bool ok = p != nullptr && p->id == t.pid;
  if (ok) {
    if (t.status == TStatus::created)
      ok = p->state == TaskState::created || p->state == TaskState::blocked;
    else if (want_runnable)
      ok = p->is_runnable();
    else
      ok = p->state == TaskState::blocked;
  }
  if (ok && t.on_cpu != kNoCpu) ok = p->state == TaskState::running;
  if (ok) return {};
  return fmt::format("task {} ({}) is lost: simulator state {}, core state {}", t.pid,
                     w_.groups[t.group].name, static_cast<int>(t.status),
                     p ? task_state_name(p->state) : "gone");
}

std::string World::check_consistency() const {
  for (auto& t : tasks_) {
    if (t.status == TStatus::exited) continue;
    if (auto why = task_problem(t); !why.empty()) return why;
  }
  if (live_ != core_->nr_live_tasks())
    return fmt::format("the core has {} live tasks, the simulator {}", core_->nr_live_tasks(), live_);
  return {};
}

RunReport World::report(bool per_task) {
  RunReport r;
  r.workload = w_.name;
  for (auto& p : cfg_.policies) r.policy += (r.policy.empty() ? "" : ",") + p;
  if (r.policy.empty()) r.policy = "fair";
  r.nr_cpus = cfg_.nr_cpus;
  r.seed = cfg_.seed;
  r.duration_ns = cfg_.duration;
  r.elapsed_ns = now_;
  r.completed = finished();
  r.events = events_done_;
  r.tasks_created = created_;
  r.tasks_completed = completed_;
  std::string first_problem;
  for (auto& t : tasks_) {
    if (t.status == TStatus::exited) continue;
    if (auto why = task_problem(t); !why.empty()) {
      ++r.lost_tasks;
      if (first_problem.empty()) first_problem = why;
    }
  }
  if (core_->nr_live_tasks() > live_) r.lost_tasks += core_->nr_live_tasks() - live_;
  if (r.lost_tasks && r.error.empty()) r.error = first_problem.empty() ? "the core holds tasks the simulator does not know" : first_problem;
  r.context_switches = switches_;
  r.migrations = migrations_;
  r.dispatch_placements = core_->stats().dispatch_placements;

  r.requests = request_lat_.count();
  r.request_latency = percentiles_of(request_lat_);
  r.wakeup_latency = percentiles_of(wakeup_lat_);

  // Close the running slices so that busy time and shares count up to now.
  TimeNs busy = 0, used = 0;
  std::vector<TimeNs> group_run = group_run_;
  std::map<CgroupId, TimeNs> cgroup_run = cgroup_run_;
  std::vector<std::pair<std::string, TimeNs>> class_share = class_share_;
  TimeNs spin = spin_ns_;
  if (cfg_.samples && !finished_samples_) {
    // The slices still running, once: the first report() closes the samples.
    finished_samples_ = true;
    for (CpuId cpu = 0; cpu < static_cast<CpuId>(cpus_.size()); ++cpu)
      if (const SimCpu& c = cpus_[cpu]; c.cur_idx != kNone)
        cfg_.samples->on_run(tasks_[c.cur_idx].group, tasks_[c.cur_idx].pid, cpu, c.in_since, now_);
  }
  for (auto& c : cpus_) {
    TimeNs b = c.busy_ns;
    if (c.cur_idx != kNone) {
      b += now_ - c.busy_since;
      const SimTask& t = tasks_[c.cur_idx];
      group_run[t.group] += now_ - c.in_since;
      cgroup_run[cgroup_of_group(t.group)] += now_ - c.in_since;
      if (t.cls < class_share_slot_.size() && class_share_slot_[t.cls] != kNone)
        class_share[class_share_slot_[t.cls]].second += now_ - c.in_since;
      if (now_ > c.spin_since) spin += now_ - c.spin_since;
    }
    busy += b;
    r.cpu_busy.push_back(now_ ? static_cast<double>(b) / now_ : 0);
  }
  for (TimeNs g : group_run) used += g;
  if (!vms_.empty()) {
    LatencyHistogram requests = request_lat_;
    vm_reports(r, requests, spin);
    r.requests = requests.count();
    r.request_latency = percentiles_of(requests);
  }
  r.cpu_busy_ratio = now_ ? static_cast<double>(busy) / (static_cast<double>(now_) * cfg_.nr_cpus) : 0;
  r.wasted_cpu_ratio = used ? static_cast<double>(spin) / used : 0;
  for (auto& [name, ns] : class_share)
    if (ns > 0 || name == "fair") r.per_class_share.emplace_back(name, used ? static_cast<double>(ns) / used : 0);
  std::vector<u32> group_tasks(w_.groups.size(), 0);
  std::vector<double> per_weight;
  for (auto& t : tasks_) {
    ++group_tasks[t.group];
    TimeNs run = t.run_ns;
    if (t.on_cpu != kNoCpu) run += now_ - cpus_[t.on_cpu].in_since;
    per_weight.push_back(static_cast<double>(run) / w_.groups[t.group].weight);
    if (per_task)
      r.tasks.push_back(TaskReport{t.pid, w_.groups[t.group].name, run / 1e9, t.wakeups,
                                   t.wakeups ? t.wake_lat_sum / 1e3 / t.wakeups : 0,
                                   static_cast<double>(t.wake_lat_max_us)});
  }
  r.jain_index = jain_index(per_weight);
  for (size_t g = 0; g < w_.groups.size(); ++g)
    r.groups.push_back(GroupReport::of(w_.groups[g].name, group_tasks[g], w_.groups[g].weight,
                                       group_run[g], used, w_.groups[g].cgroup));
  // Per cgroup, when the workload has cgroups: the root, then each declared one.
  if (!w_.cgroups.empty()) {
    auto add = [&](const Cgroup& cg) {
      const TimeNs run = cgroup_run.count(cg.id) ? cgroup_run.at(cg.id) : 0;
      r.cgroups.push_back(report::CgroupReport{cg.path, cg.weight, used ? static_cast<double>(run) / used : 0,
                                               run / 1e9});
    };
    add(*core_->find_cgroup(kRootCgroupId));
    for (const CgroupDecl& d : w_.cgroups)
      if (const Cgroup* cg = core_->find_cgroup(d.path)) add(*cg);
  }
  r.exit_reports = exit_reports_;
  r.refused = host_->refused();
  r.printk = printk_;
  r.printk_dropped = printk_dropped_;
  for (ExitReport& e : host_->still_loaded_reports(now_)) r.exit_reports.push_back(std::move(e));
  for (const ExitReport& e : r.exit_reports)
    if (e.is_error())
      r.warnings.push_back(ejection_warning(e, workload::format_instant(e.at)));
  const u32 fair_slot = class_share_slot_[core_->fair_class()];
  for (u32 s = 0; s < class_share.size(); ++s)
    if (class_share[s].second == 0 && s != fair_slot)
      r.warnings.push_back(
          fmt::format("class {} ran no task during the whole run: {}", class_share[s].first, idle_reason(s)));
  if (!finished_trace_) {
    trace_sha_ = trace_.finish(now_);
    finished_trace_ = true;
  }
  r.trace_sha256 = trace_sha_;
  return r;
}

}  // namespace ups::sim
