// World: the deterministic discrete-event machine. N CPUs with a topology
// and MachineCosts, tasks running behaviour programs, named events and
// channels, open-loop arrivals and a scenario of classes (loaded by
// host::ClassHost, whose steps the world schedules as events), all driving
// one Core through its substrate API and CoreHooks. Virtual machines are
// guest Worlds whose CPUs run while the host runs their vCPU tasks
// (world_vm.cpp, docs/guest-host.md). One seed feeds one Rng;
// virtual time jumps from event to event; ties break by sequence number;
// nothing else (no pointer, clock or hash-map order) reaches the schedule,
// so the same seed gives the same trace_sha256 byte for byte.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/rng.h"
#include "core/core.h"
#include "host/class_host.h"
#include "host/policy_factory.h"
#include "policy/user_space_half.h"
#include "report/histogram.h"
#include "report/metrics.h"
#include "report/run_samples.h"
#include "report/trace.h"
#include "sim/event_queue.h"
#include "sim/machine_costs.h"
#include "workload/workload.h"

namespace ups::sim {

struct SimConfig {
  int nr_cpus = 2;
  int smt = 1;
  int cores_per_llc = 8;
  int llcs_per_node = 1;
  u64 seed = 1;
  TimeNs duration = 10 * kNsPerSec;
  MachineCosts costs;
  FairParams fair;
  // --policy specs in chain order; the first is the class of every task
  // whose group names none. Empty or {"fair"}: everything under fair.
  std::vector<std::string> policies;
  Principal policy_principal;  // who loads the --policy classes (root)
  bool check_invariants = UPS_DEBUG_CHECKS_ON;  // Core::check_invariants after every event
  std::ostream* ftrace = nullptr;  // sched_switch text for Perfetto
  std::ostream* chrome = nullptr;  // Chrome JSON for Perfetto
  // What an HTML report draws (--report): recorded only when set.
  report::RunSamples* samples = nullptr;
  std::ostream* printk = nullptr;  // the policies' bpf_printk lines, as they come
  // A VM's guest (set by the host world): its CPUs are vCPUs and run only
  // while the host runs them (docs/guest-host.md).
  bool start_paused = false;
  // The VM whose guest this world is (set by the host world); empty: the
  // host. Decides the side of the hint kfuncs its policies may call.
  std::string guest_of_vm;
};

// The reproduce line printed with every failure.
std::string reproduce_command(const std::string& workload_arg, const SimConfig& cfg);

class World final : private CoreHooks, private host::ClassHostHooks, private policy::UserSpaceHost {
public:
  static Result<std::unique_ptr<World>> create(workload::Workload w, SimConfig cfg,
                                               host::PolicyFactory factory = host::native_policy_factory());
  ~World() override;

  // Runs to the end of the duration, or until every task has exited.
  // Fails (with the time and why) if an invariant breaks or a task is lost.
  Status run();
  // Runs events up to and including time t (tests step through a run).
  Status run_until(TimeNs t);
  bool finished() const;

  // The metrics so far; per_task adds one entry per task (large runs: big).
  report::RunReport report(bool per_task = false);
  Core& core() { return *core_; }
  TimeNs now() const { return now_; }
  u64 events() const { return events_done_; }
  size_t live_tasks() const { return live_; }
  // Checked after every event when set (tests): a non-empty string fails the run.
  std::function<std::string(World&)> after_event;
  // "" if every live task is where the simulator expects it in the core
  // (none lost, none run twice), else the first problem (tests call it
  // after every event).
  std::string check_consistency() const;
  // Bytes the simulator holds per task (its own state only).
  static size_t sim_bytes_per_task();

  struct SimTask;
  struct SimCpu;
  struct SyncState;
  struct TimerSlot;
  struct Vm;

private:
  World(workload::Workload w, SimConfig cfg);
  Status init(host::PolicyFactory factory);

  // CoreHooks
  void resched_cpu(CpuId cpu) override;
  void arm_timer(ClassId cls, u64 timer_id, TimeNs at) override;
  void cancel_timer(ClassId cls, u64 timer_id) override;
  void on_exit_report(const ExitReport& r) override;
  void on_printk(const PrintkLine& line) override;

  // ClassHostHooks
  void schedule_class_step(u32 step, TimeNs at) override;
  void class_loaded(const std::string& name, ClassId id) override;
  void class_replaced(const std::string& name, ClassId id, const std::string& label) override;
  policy::UserSpaceHost* user_space_host() override { return this; }

  // UserSpaceHost: a policy's user-space half runs in a task of its own,
  // a group made for it (its program: a round, a yield, forever), that
  // does not keep the run going once the workload's tasks are done.
  Result<s32> reserve_task(const char* comm) override;
  void run_half(s32 pid, std::unique_ptr<policy::UserSpaceHalf> half) override;
  struct UserHalf {
    u32 task = 0;  // index in tasks_
    std::unique_ptr<policy::UserSpaceHalf> half;
    ClassId cls = kNoClass;  // set when its class loads
  };

  Result<u32> new_task(u32 g);  // in the core, not yet attached nor woken
  Status step(const Event& ev);
  Status handle(const Event& ev);  // step, then the checks after every event
  void run_program(CpuId cpu);
  void do_schedule(CpuId cpu);
  void switch_out(CpuId cpu, TimeNs now);
  // Accounts the running task's progress, spin and run time up to now.
  void close_slice(CpuId cpu, TimeNs now);
  // A spinning task (idx) stops spinning and goes on with its program.
  void end_spin(u32 idx);
  void switch_in(CpuId cpu, Task* next);
  void start_segment(CpuId cpu);
  void arm_tick(CpuId cpu);
  void give_token(u32 obj, TimeNs stamp);
  void arm_poll_burst(u32 idx);
  std::string where(const SimTask& t, const workload::Instr* in) const;
  void end_poll_burst(CpuId cpu);
  void wake_task(u32 idx, u64 flags);
  Status spawn(u32 group, TimeNs start, bool forked);
  void attach_group_tasks(const std::string& class_name, ClassId id);
  u32 share_slot(ClassId id, const std::string& name);
  // Attach task `p` to class `id`; a refusal leaves it where it was. Both
  // are counted per class for the report's idle-class warning.
  void attach(Task& p, ClassId id);
  // Why the class of share slot `slot` ran no task, for the warning.
  std::string idle_reason(u32 slot) const;
  std::string task_problem(const SimTask& t) const;
  u32 task_index(const Task* p) const;

  workload::Workload w_;
  SimConfig cfg_;
  Rng rng_;
  EventQueue events_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<host::ClassHost> host_;  // the scenario's classes
  TimeNs now_ = 0;
  CpuId event_cpu_ = kNoCpu;  // CPU whose event is being handled (no IPI to itself)
  TimeNs end_ = 0;
  u64 events_done_ = 0;
  size_t live_ = 0;
  size_t half_live_ = 0;  // of live_, user-space halves' tasks
  std::vector<UserHalf> halves_;
  bool halves_closed_ = false;  // once the start's classes have loaded
  u64 arrivals_left_ = 0;  // sources still producing (bounded ones)
  std::string failure_;    // set by code that cannot return an error

  std::vector<SimTask> tasks_;
  std::vector<SimCpu> cpus_;
  std::vector<SyncState> objs_;
  std::vector<u64> arrivals_sent_;
  std::vector<TimerSlot> timers_;

  // --- virtual machines (world_vm.cpp, docs/guest-host.md) ---
  // Host side.
  Status init_vms(const host::PolicyFactory& factory);
  void link_vcpu(u32 idx);           // a new task of a VM's vCPU group
  World* next_guest() const;         // the guest with the earliest event, or null
  Status run_guest_event(World& g);
  void vcpu_event(const Event& ev);  // vcpu_kick, vcpu_idle, vcpu_exit
  void vcpu_switched_in(u32 idx, TimeNs at);
  void vcpu_switched_out(u32 idx);
  // The VMs' reports; merges their requests into `requests`, adds their spin.
  void vm_reports(report::RunReport& r, report::LatencyHistogram& requests, TimeNs& spin);
  std::vector<std::unique_ptr<Vm>> vms_;
  std::vector<u32> group_vm_;  // by group: its VM, or ~0u
  // Guest side.
  void vcpu_resume(CpuId cpu, TimeNs at);
  void vcpu_pause(CpuId cpu);
  void notify_host(EventKind kind, CpuId cpu, TimeNs after = 0);
  void arm_ple(CpuId cpu);
  void publish_kernel_hints();
  void usage(TimeNs& run, TimeNs& spin) const;  // guest tasks' run and spin time so far
  World* host_world_ = nullptr;
  u32 vm_ = 0;
  TimeNs ple_window_ = 0;
  TimeNs halt_poll_ = 0;
  std::map<std::pair<ClassId, u64>, u32> timer_index_;
  std::vector<ExitReport> exit_reports_;
  std::vector<PrintkLine> printk_;  // at most RunReport::kMaxPrintkLines
  u64 printk_dropped_ = 0;

  // Metrics.
  report::LatencyHistogram wakeup_lat_, request_lat_;
  u64 switches_ = 0, migrations_ = 0, completed_ = 0, created_ = 0;
  TimeNs spin_ns_ = 0;
  std::vector<TimeNs> group_run_;
  std::vector<CgroupId> group_cgroup_;  // by group: the cgroup its new tasks join
  // CPU time of tasks while in each cgroup (their own, not below); the
  // group's cgroup is its tasks' (they move together, move_group).
  std::map<CgroupId, TimeNs> cgroup_run_;
  CgroupId cgroup_of_group(u32 g) const { return g < group_cgroup_.size() ? group_cgroup_[g] : kRootCgroupId; }
  Status init_cgroups();
  void move_group(u32 move);
  std::vector<std::pair<std::string, TimeNs>> class_share_;
  std::vector<u32> class_share_slot_;  // by ClassId
  struct Attaches {
    u32 accepted = 0, refused = 0;
    std::string first_refusal;  // its message
  };
  std::vector<Attaches> class_attaches_;  // by class_share_ slot
  report::ScheduleTrace trace_;
  bool finished_trace_ = false;
  bool finished_samples_ = false;  // the slices running at the end were added
  std::string trace_sha_;
};

}  // namespace ups::sim
