// Workload: everything one simulation runs, independent of where it came
// from (a TOML or JSON file, or a built-in preset): task groups with their
// behaviour programs, named events and channels, open-loop arrival sources
// and the scenario's classes (which policy, whose, loaded, unloaded or
// replaced when). The file format is documented in docs/workloads.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/cpumask.h"
#include "base/result.h"
#include "base/types.h"
#include "core/core.h"
#include "workload/behaviour.h"
#include "workload/distribution.h"

namespace ups::workload {

enum class SyncKind : u8 { event, channel, lock };

// A named event (a counting semaphore: signal adds a token or wakes one
// waiter), channel (a FIFO of messages carrying a request stamp) or lock
// (one holder; waiters block and get it in FIFO order; the core records
// holder and waiters for policies with sched.locks).
struct SyncDecl {
  std::string name;
  SyncKind kind = SyncKind::event;
  u32 initial = 0;  // tokens (event) or messages stamped at 0 (channel)
};

// A cgroup ([[cgroups]]): created before anything runs, parents before
// children (core/cgroup.h).
struct CgroupDecl {
  std::string path;  // "/a/b"
  u32 weight = kCgroupWeightDfl;
  int line = 0;
};

// A task group's live tasks move to another cgroup at a time
// ([[cgroup_moves]]); tasks it creates later start there too.
struct CgroupMove {
  u32 group = 0;
  std::string to;  // cgroup path
  TimeNs at = 0;
  int line = 0;
};

// Tasks of one kind: they share a program.
struct TaskGroup {
  std::string name;
  u32 count = 1;      // created at start; 0 = only created by fork
  u32 weight = 100;
  Principal owner;
  CpuMask affinity;   // empty = all CPUs
  std::string class_name;  // empty: the default class (first --policy, or fair)
  std::string cgroup = "/";  // a declared cgroup's path, or the root
  TimeNs start = 0;   // first wakeup
  Program program;
  int line = 0;
};

// Open-loop requests: each arrival puts one message stamped with its time
// into a channel (Poisson arrivals when interarrival is exponential).
struct ArrivalSource {
  u32 channel = 0;  // sync object index
  Distribution interarrival;
  u64 count = 0;    // 0 = until the end of the run
  TimeNs start = 0;
};

// A class of the scenario: a policy loaded by a principal at a time, maybe
// replaced or unloaded later.
struct ClassDecl {
  std::string name;          // the scenario's name for it (tasks refer to it)
  std::string policy;        // spec for the PolicyFactory: "fifo", "x.bpf.o"
  Principal principal;
  ChainSlot slot = ChainSlot::below_fair;
  CpuMask cpus;              // empty = all
  TimeNs load_at = 0;
  std::optional<TimeNs> unload_at;
  std::optional<TimeNs> replace_at;
  std::string replace_with;  // policy spec
  int line = 0;
};

struct Workload;

// Virtual machines (docs/guest-host.md): `count` VMs alike, each a group of
// `vcpus` vCPU tasks on the host's chain running a guest core with its own
// chain (`guest_policies`, --policy specs) and its own workload.
struct VmDecl {
  std::string name;
  u32 count = 1;
  u32 vcpus = 1;
  u32 weight = 100;          // of each vCPU task on the host
  std::string class_name;    // host class of the vCPU tasks; empty: the default
  // Pause-loop exiting: a vCPU that spins this long exits and the host
  // yields it (0 = off, the default).
  TimeNs ple_window = 0;
  // Halt polling (KVM's halt_poll_ns): a vCPU with nothing to run polls
  // this long, keeping its host CPU, before it halts (0 = halts at once).
  TimeNs halt_poll = 0;
  // vCPU pinning (libvirt's vcpupin): by vCPU, the host CPUs it may run
  // on; vCPUs past the list, or with an empty mask, run anywhere.
  std::vector<CpuMask> vcpu_pin;
  std::vector<std::string> guest_policies;  // empty: fair
  std::shared_ptr<const Workload> guest;
  int line = 0;
};

struct Workload {
  std::string name;
  std::string source;  // file name or "preset NAME"
  std::vector<TaskGroup> groups;
  std::vector<SyncDecl> objects;
  std::vector<ArrivalSource> arrivals;
  std::vector<ClassDecl> classes;
  std::vector<VmDecl> vms;
  std::vector<CgroupDecl> cgroups;
  std::vector<CgroupMove> cgroup_moves;

  // Index of a group / sync object by name, or -1.
  int find_group(std::string_view name) const;
  int find_object(std::string_view name) const;
  // True if every task ends by itself (no forever loop, no unbounded
  // arrivals): the run must then complete before its duration.
  bool is_finite() const;
  u64 initial_tasks() const;
};

// Checks what the parser cannot see locally (loop bodies that never take
// time, forks of unknown groups...). Errors name the group and line.
Status validate_workload(const Workload& w);

// Loads a workload file, TOML (.toml) or JSON (.json). Errors name the
// file, line and field.
Result<Workload> load_workload_file(const std::string& path);
// Same from text; `name` is used in messages and picks the syntax by its
// extension.
Result<Workload> parse_workload(std::string_view text, const std::string& name);

}  // namespace ups::workload
