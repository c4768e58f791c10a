// Core::Impl: the state behind Core (core.h). Shared by core.cpp (entry
// points and the chain walk), fair_class.cpp, ext_class.cpp,
// scx_context.cpp, watchdog.cpp, invariants.cpp, events.cpp and locks.cpp. Not a
// public header: other modules use core.h.
#pragma once

#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/cids.h"
#include "core/core.h"
#include "core/sched_class.h"

namespace ups {

class FairClass;
class ExtClass;

struct CpuRq {
  CpuId id = 0;
  Task* curr = nullptr;
  Task* switched_out = nullptr;  // blocked/exited since the last schedule (on_switch's prev)
  bool need_resched = false;
  bool in_schedule = false;      // inside Core::schedule for this CPU
  TimeNs last_self_kick = ~TimeNs{0};  // dispatch loop exhausted (ExtClass::pick_task)
  TimeNs resched_at = ~TimeNs{0};      // instant of the last resched request
  u32 resched_count = 0;               // requests at that instant
};

struct EventState {
  bool fired = false;
  Task* head = nullptr;  // waiters, linked by Task::ev_prev/ev_next
};

struct LockState {
  Task* holder = nullptr;
  std::deque<Task*> waiters;  // FIFO: the first is handed the lock
};

// The substrate's hooks, reached only through this gate, which counts the
// hook calls in progress: a hook that calls back into the core breaks
// Core's threading contract (core.h) and trips EntryScope's assert.
class HookGate {
public:
  explicit HookGate(CoreHooks& h) : h_(h) {}
  void resched_cpu(CpuId cpu) { Call c(*this); h_.resched_cpu(cpu); }
  void arm_timer(ClassId cls, u64 timer_id, TimeNs at) { Call c(*this); h_.arm_timer(cls, timer_id, at); }
  void cancel_timer(ClassId cls, u64 timer_id) { Call c(*this); h_.cancel_timer(cls, timer_id); }
  void on_switch(CpuId cpu, const Task* prev, const Task* next, TimeNs now) {
    Call c(*this);
    h_.on_switch(cpu, prev, next, now);
  }
  void on_exit_report(const ExitReport& r) { Call c(*this); h_.on_exit_report(r); }
  void on_printk(const PrintkLine& l) { Call c(*this); h_.on_printk(l); }
  bool in_hook() const { return calls_ != 0; }

private:
  struct Call {
    explicit Call(HookGate& g) : g(g) { ++g.calls_; }
    ~Call() { --g.calls_; }
    HookGate& g;
  };
  CoreHooks& h_;
  int calls_ = 0;
};

struct Core::Impl {
  Impl(Core& self, Topology topo, CoreConfig cfg, CoreHooks& hooks);
  ~Impl();

  Core& self;
  Topology topo;
  CidMap cids;  // topo's cids (the cid kfuncs)
  CoreConfig cfg;
  HookGate hooks;
  TimeNs now = 0;
  int depth = 0;  // nesting of entry points

  std::vector<CpuRq> cpus;
  std::deque<Task> tasks;           // stable addresses
  std::vector<Task*> by_id;         // index = TaskId
  TaskId next_id = 1;
  size_t live = 0;

  std::vector<std::unique_ptr<SchedClass>> classes;  // by ClassId; kept after unload
  std::vector<std::string> class_names;              // kept after unload
  std::vector<bool> loaded;                          // by ClassId
  std::vector<SchedClass*> chain;                    // pick order
  FairClass* fair = nullptr;
  std::vector<ExtClass*> ext_live;                   // loaded ext classes, load order
  std::vector<ClassId> pending_eject;
  CgroupTree cgroups;

  CpuMask idle;       // CPUs running nothing
  CpuMask idle_free;  // idle and not yet claimed by a wakeup
  CpuMask below_fair; // CPUs running a class below fair

  CoreStats stats;
  std::vector<ExitReport> reports;
  std::unordered_map<u64, EventState> events;  // never iterated
  std::unordered_map<u64, LockState> locks;    // never iterated
  std::unordered_map<TaskId, VcpuRef> vcpus;   // never iterated (host side)
  VirtChannel* guest_channel = nullptr;        // guest side

  // --- helpers ---------------------------------------------------------------
  SchedClass& cls_of(const Task& p) { return *classes[p.cls]; }
  int nr_cpus() const { return topo.nr_cpus(); }
  bool valid_cpu(CpuId cpu) const { return cpu >= 0 && cpu < topo.nr_cpus(); }
  // p is one of this core's tasks (not a copy, not another core's).
  bool owns_task(const Task& p) const {
    return p.id > 0 && static_cast<size_t>(p.id) < by_id.size() && by_id[static_cast<size_t>(p.id)] == &p;
  }
  // Ask cpu to call schedule(); the hook is called once per request.
  void resched(CpuId cpu);
  // p became runnable with target as its CPU: preempt or wake it if needed.
  void wakeup_preempt(CpuId target, Task& p);
  // Claim an idle CPU in mask for a task that is about to wait (searching
  // from `from`); resched it. Returns it or kNoCpu.
  CpuId kick_idle(const CpuMask& mask, CpuId from);
  void update_curr(CpuRq& rq);
  // Move p from its class to `to` (running, queued, or sleeping).
  void switch_class(Task& p, SchedClass& to);
  void rebuild_chain();
  void set_below_fair(CpuId cpu, const Task* curr);
  // The CPU a runnable task joining class `to` queues on.
  CpuId join_target(const Task& p, SchedClass& to);
  ExtClass* ext(ClassId id);  // nullptr unless an ext class (loaded or not)
  Result<ClassId> load(std::unique_ptr<SchedOps> ops, ClassGrant grant, ChainSlot slot,
                       ExtClass* after);
  void eject(ExtClass& c, ExitReport report);
  void finish();  // end of an entry point: ejections, then invariants
  TimeNs shortest_timeout() const;
  void event_unlink(Task& p);
  // A runnable task stopped polling in vain (its event fired): get a CPU
  // to look at it now (events.cpp).
  void waiter_has_work(Task& p);
};

// Every public entry point holds one: it sets `now` and, when the outermost
// returns, runs pending ejections and (if configured) the invariant checker.
struct EntryScope {
  EntryScope(Core::Impl& i, TimeNs now) : impl(i) {
    UPS_ASSERT(!impl.hooks.in_hook());  // a hook called back into the core
    if (impl.depth++ == 0) {
      UPS_DASSERT(now >= impl.now);  // the substrate's clock never goes back
      impl.now = now;
    }
  }
  ~EntryScope() {
    // finish() has work only after an ejection or with the checker on.
    if (--impl.depth == 0 && (!impl.pending_eject.empty() || impl.cfg.check_invariants)) impl.finish();
  }
  Core::Impl& impl;
};

}  // namespace ups
