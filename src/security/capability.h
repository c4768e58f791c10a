// Capabilities: what a principal may do with the scheduler (DESIGN.md,
// "Capabilities"). A CapabilitySet is handed to the verifier (which kfuncs,
// helpers and task fields a policy may use) and to the core (CPUs, chain
// slot, all tasks).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/cpumask.h"
#include "base/result.h"
#include "base/types.h"

namespace ups::security {

enum class Capability : u8 {
  load,              // sched.load: load a class at all
  chain_above_fair,  // sched.chain.above_fair
  all_tasks,         // sched.all_tasks: manage other users' tasks
  kick,              // sched.kick: kick or preempt CPUs
  inspect,           // sched.inspect: comm, pid lookups of any task
  events,            // sched.events: event-wait information (FaaS)
  locks,             // sched.locks: lock-holder information
  virt,              // sched.virt: guest scheduler hints
  timer,             // sched.timer: BPF timers
  count
};

inline constexpr int kNumCapabilities = static_cast<int>(Capability::count);

std::string_view capability_name(Capability c);  // "sched.kick"
std::optional<Capability> capability_from_name(std::string_view name);

class CapabilitySet {
public:
  static CapabilitySet none() { return {}; }
  static CapabilitySet all();  // root: every capability, all CPUs

  bool has(Capability c) const { return (bits_ >> static_cast<int>(c)) & 1u; }
  void add(Capability c) { bits_ |= 1u << static_cast<int>(c); }
  void remove(Capability c) { bits_ &= ~(1u << static_cast<int>(c)); }
  CapabilitySet operator|(const CapabilitySet& o) const;

  // sched.cpus=<list>: the CPUs a class may run tasks on. Unset = none
  // granted explicitly; see cpus_or().
  bool has_cpus() const { return has_cpus_; }
  const CpuMask& cpus() const { return cpus_; }
  void set_cpus(const CpuMask& m) { cpus_ = m; has_cpus_ = true; }
  void add_cpus(const CpuMask& m);
  // The granted CPUs, or `fallback` when none were named.
  CpuMask cpus_or(const CpuMask& fallback) const { return has_cpus_ ? cpus_ : fallback; }

  // "sched.load,sched.kick,sched.cpus=0-3"
  std::string to_string() const;
  friend bool operator==(const CapabilitySet&, const CapabilitySet&) = default;

private:
  u32 bits_ = 0;
  bool has_cpus_ = false;
  CpuMask cpus_;
};

// "0-3,8,10-11" -> mask. Errors name the bad part.
Result<CpuMask> parse_cpu_list(std::string_view text);

// "sched.load,sched.kick,sched.cpus=0-3" (the --caps argument). Unknown
// names are errors that list the known ones.
Result<CapabilitySet> parse_capability_list(std::string_view text);

}  // namespace ups::security
