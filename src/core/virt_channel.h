// VirtChannel: the hints one VM's guest core and the host core share (the
// guest/host extension, docs/guest-host.md). One record per vCPU in each
// direction, plain data in memory both cores see, as KVM's steal-time page
// is: the guest's side is written by its policy (idle, latency-critical,
// next deadline) and by its kernel's spinlock code (lock holder, spinning),
// the host's by the hypervisor (preempted, steal time) and its policy
// (descheduled soon). Policies reach it through ScxContext with sched.virt.
// The flag values are the ABI of sdk/include/upsched/virt_hints.h.
#pragma once

#include <vector>

#include "base/types.h"

namespace ups {

inline constexpr u32 kVirtHintsVersion = 1;

// Guest -> host flags (struct upsched_vcpu_hint.flags).
inline constexpr u64 kVcpuIdle = 1u << 0;
inline constexpr u64 kVcpuLatCritical = 1u << 1;
inline constexpr u64 kVcpuLockHolder = 1u << 2;
inline constexpr u64 kVcpuSpinning = 1u << 3;
inline constexpr u64 kVcpuValid = 1u << 31;  // set in every answer about a vCPU
// What a guest policy may publish; the lock bits are the guest kernel's.
inline constexpr u64 kVcpuPolicyFlags = kVcpuIdle | kVcpuLatCritical;
inline constexpr u64 kVcpuKernelFlags = kVcpuLockHolder | kVcpuSpinning;

// Host -> guest flags (struct upsched_host_hint.flags).
inline constexpr u64 kHostPreempted = 1u << 0;
inline constexpr u64 kHostDeschedSoon = 1u << 1;
inline constexpr u64 kHostPolicyFlags = kHostDeschedSoon;  // what a host policy may set

struct VcpuHint {
  u32 version = kVirtHintsVersion;
  u64 flags = 0;
  TimeNs next_deadline_ns = 0;
};

struct HostHint {
  u32 version = kVirtHintsVersion;
  u64 flags = 0;
  TimeNs steal_ns = 0;
};

struct VirtChannel {
  u32 vm_id = 0;
  std::vector<VcpuHint> guest;  // by vCPU
  std::vector<HostHint> host;   // by vCPU
};

// A host task that is vCPU `vcpu` of the VM behind `channel`.
struct VcpuRef {
  VirtChannel* channel = nullptr;
  u32 vcpu = 0;
};

}  // namespace ups
