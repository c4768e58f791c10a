// TestDriver: a small deterministic substrate for core and policy tests. It
// implements CoreHooks, keeps one event queue in virtual time (ties broken
// by insertion order) and runs simple task behaviours: compute for `run`
// ns, sleep for `sleep` ns, repeat `cycles` times (0 = forever), then exit.
// A task with sleep == 0 is a CPU hog. After every event it checks the
// core's invariants and that no task is lost.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "core/core.h"
#include "core/scx_constants.h"

namespace ups::test {

struct Behaviour {
  TimeNs run = 0;      // CPU time per cycle; 0 with sleep == 0: forever
  TimeNs sleep = 0;    // blocked time after each run
  u64 cycles = 0;      // 0 = forever
  static Behaviour hog() { return Behaviour{~TimeNs{0} / 4, 0, 0}; }
  static Behaviour work(TimeNs total) { return Behaviour{total, 0, 1}; }
  static Behaviour periodic(TimeNs run, TimeNs sleep, u64 cycles = 0) {
    return Behaviour{run, sleep, cycles};
  }
};

// A TaskSpec without designated initialisers (they warn under -Wextra).
inline TaskSpec spec(const char* comm, u32 weight = 100, CpuMask affinity = {}, Principal owner = {}) {
  TaskSpec s;
  s.comm = comm;
  s.weight = weight;
  s.affinity = affinity;
  s.owner = owner;
  return s;
}

class TestDriver : public CoreHooks {
public:
  explicit TestDriver(int nr_cpus, CoreConfig cfg = {}, int smt = 1, int cores_per_llc = 8)
      : cfg_(cfg) {
    cfg_.check_invariants = true;
    auto topo = Topology::make(nr_cpus, smt, cores_per_llc);
    EXPECT_TRUE(topo.has_value());
    core_ = std::make_unique<Core>(std::move(*topo), cfg_, *this);
    cpus_.resize(static_cast<size_t>(nr_cpus));
    push(core_->watchdog_interval(), Kind::watchdog, 0, 0);
  }

  Core& core() { return *core_; }
  TimeNs now() const { return now_; }

  // Creates a task (attached to cls unless kNoClass) and wakes it.
  Task* spawn(Behaviour b, TaskSpec spec = {}, ClassId cls = kNoClass) {
    Task* t = create(b, spec, cls);
    if (t) wake(t);
    return t;
  }
  void wake(Task* t) { core_->wake_up(*t, scx::WAKE_FORK, now_); }

  // n tasks of cls that each run 1 ms and sleep 1 ms, ten times.
  void spawn_periodic(ClassId cls, int n) {
    for (int i = 0; i < n; ++i) spawn(Behaviour::periodic(kNsPerMs, kNsPerMs, 10), {}, cls);
  }

  // A 100 ms fair hog on every CPU, then a 1 ms task of cls: a below-fair
  // class's task that stays queued while the hogs run.
  Task* spawn_behind_fair_hogs(ClassId cls) {
    for (size_t i = 0; i < cpus_.size(); ++i) spawn(Behaviour::work(100 * kNsPerMs));
    return spawn(Behaviour::work(kNsPerMs), {}, cls);
  }

  // Creates a task (attached to cls unless kNoClass) without waking it.
  Task* create(Behaviour b, TaskSpec spec = {}, ClassId cls = kNoClass) {
    if (!spec.comm || !*spec.comm) spec.comm = "t";
    auto p = core_->create_task(spec, now_);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
    if (!p) return nullptr;
    Task* t = *p;
    if (static_cast<size_t>(t->id) >= tasks_.size()) tasks_.resize(static_cast<size_t>(t->id) + 1);
    tasks_[static_cast<size_t>(t->id)] = TaskRt{b, b.run, 0, true};
    if (cls != kNoClass) {
      auto st = core_->attach_task(*t, cls, now_);
      EXPECT_TRUE(st.has_value()) << (st ? "" : st.error().to_string());
    }
    return t;
  }

  Result<ClassId> load(std::unique_ptr<SchedOps> ops, ChainSlot slot = ChainSlot::below_fair,
                       ClassGrant grant = {}) {
    auto r = core_->load_class(std::move(ops), grant, slot, now_);
    if (r) push(now_ + core_->watchdog_interval(), Kind::watchdog, 0, ++watchdog_gen_);
    return r;
  }

  void run_until(TimeNs end) {
    while (!q_.empty() && q_.top().at <= end) {
      Ev ev = q_.top();
      q_.pop();
      now_ = ev.at;
      step(ev);
      std::string why;
      ASSERT_TRUE(core_->check_invariants(&why)) << "at " << now_ << ": " << why;
      ++events_;
    }
    if (now_ < end) now_ = end;
  }
  void run_for(TimeNs d) { run_until(now_ + d); }

  bool all_exited() const { return core_->nr_live_tasks() == 0; }
  u64 events() const { return events_; }
  const std::vector<ExitReport>& reports() const { return reports_; }
  // CPUs each task ran on (for affinity / grant checks).
  const std::map<TaskId, CpuMask>& ran_on() const { return ran_on_; }
  u64 timers_armed() const { return timers_armed_; }

  // CoreHooks
  void resched_cpu(CpuId cpu) override {
    CpuRt& c = cpus_[static_cast<size_t>(cpu)];
    if (c.resched_pending) return;
    c.resched_pending = true;
    push(now_, Kind::resched, static_cast<u64>(cpu), 0);
  }
  void arm_timer(ClassId cls, u64 id, TimeNs at) override {
    u64& gen = timer_gen_[{cls, id}];
    ++gen;
    ++timers_armed_;
    timer_keys_.push_back({cls, id});
    push(std::max(at, now_), Kind::timer, timer_keys_.size() - 1, gen);
  }
  void cancel_timer(ClassId cls, u64 id) override { ++timer_gen_[{cls, id}]; }
  void on_switch(CpuId cpu, const Task*, const Task* next, TimeNs) override {
    if (next) ran_on_[next->id].set(cpu);
  }
  void on_exit_report(const ExitReport& r) override { reports_.push_back(r); }

private:
  enum class Kind { resched, tick, seg_end, wake, timer, watchdog };
  struct Ev {
    TimeNs at;
    u64 seq;
    Kind kind;
    u64 target;
    u64 gen;
    bool operator<(const Ev& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct TaskRt {
    Behaviour b;
    TimeNs remaining = 0;
    u64 cycles_done = 0;
    bool used = false;
  };
  struct CpuRt {
    Task* curr = nullptr;
    TimeNs seg_start = 0;
    u64 seg_gen = 0;
    bool resched_pending = false;
    bool tick_pending = false;
  };

  void push(TimeNs at, Kind k, u64 target, u64 gen) { q_.push(Ev{at, seq_++, k, target, gen}); }

  void step(const Ev& ev) {
    switch (ev.kind) {
      case Kind::resched:
        cpus_[ev.target].resched_pending = false;
        do_schedule(static_cast<CpuId>(ev.target));
        break;
      case Kind::tick: {
        CpuRt& c = cpus_[ev.target];
        c.tick_pending = false;
        if (!c.curr) break;
        core_->tick(static_cast<CpuId>(ev.target), now_);
        arm_tick(static_cast<CpuId>(ev.target));
        break;
      }
      case Kind::seg_end: {
        CpuRt& c = cpus_[ev.target];
        if (ev.gen != c.seg_gen || !c.curr) break;
        end_run_phase(static_cast<CpuId>(ev.target));
        break;
      }
      case Kind::wake: {
        Task* t = core_->find_task(static_cast<TaskId>(ev.target));
        if (t && t->state == TaskState::blocked) core_->wake_up(*t, scx::WAKE_TTWU, now_);
        break;
      }
      case Kind::timer: {
        auto key = timer_keys_[ev.target];
        if (timer_gen_[key] != ev.gen) break;
        core_->fire_timer(key.first, key.second, now_);
        break;
      }
      case Kind::watchdog:
        if (ev.gen != watchdog_gen_) break;
        core_->check_watchdog(now_);
        push(now_ + std::max<TimeNs>(1, core_->watchdog_interval()), Kind::watchdog, 0, ev.gen);
        break;
    }
  }

  void arm_tick(CpuId cpu) {
    CpuRt& c = cpus_[static_cast<size_t>(cpu)];
    if (c.tick_pending || !c.curr) return;
    c.tick_pending = true;
    push(now_ + cfg_.tick_ns, Kind::tick, static_cast<u64>(cpu), 0);
  }

  TaskRt& rt(const Task* t) { return tasks_[static_cast<size_t>(t->id)]; }

  // The current task used its CPU up to now.
  void charge(CpuRt& c) {
    if (!c.curr) return;
    TaskRt& r = rt(c.curr);
    const TimeNs used = now_ - c.seg_start;
    r.remaining -= std::min(used, r.remaining);
    c.seg_start = now_;
  }

  void do_schedule(CpuId cpu) {
    CpuRt& c = cpus_[static_cast<size_t>(cpu)];
    charge(c);
    Task* next = core_->schedule(cpu, now_);
    if (next != c.curr) {
      ++c.seg_gen;
      c.curr = next;
      c.seg_start = now_;
      if (next) push(now_ + rt(next).remaining, Kind::seg_end, static_cast<u64>(cpu), c.seg_gen);
    }
    arm_tick(cpu);
  }

  void end_run_phase(CpuId cpu) {
    CpuRt& c = cpus_[static_cast<size_t>(cpu)];
    Task* t = c.curr;
    TaskRt& r = rt(t);
    r.remaining = 0;
    ++r.cycles_done;
    const bool done = r.b.cycles != 0 && r.cycles_done >= r.b.cycles;
    r.remaining = r.b.run;
    c.curr = nullptr;
    ++c.seg_gen;
    if (done) {
      core_->exit_current(cpu, now_);
    } else {
      core_->block_current(cpu, now_);
      push(now_ + std::max<TimeNs>(1, r.b.sleep), Kind::wake, static_cast<u64>(t->id), 0);
    }
    do_schedule(cpu);
  }

  CoreConfig cfg_;
  std::unique_ptr<Core> core_;
  std::priority_queue<Ev> q_;
  u64 seq_ = 0;
  TimeNs now_ = 0;
  u64 events_ = 0;
  u64 watchdog_gen_ = 0;
  std::vector<CpuRt> cpus_;
  std::vector<TaskRt> tasks_;
  std::map<std::pair<ClassId, u64>, u64> timer_gen_;
  std::vector<std::pair<ClassId, u64>> timer_keys_;
  u64 timers_armed_ = 0;
  std::vector<ExitReport> reports_;
  std::map<TaskId, CpuMask> ran_on_;
};

}  // namespace ups::test
