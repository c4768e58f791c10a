// Guest/host hints (upsched_ virt extension): which VM channel a guest core
// publishes into, and which host tasks are vCPUs of which VM. The records
// themselves are the substrate's (core/virt_channel.h); the core only says
// where they are, and ScxContext reads and writes them for policies holding
// sched.virt.
#include "core/core_impl.h"

namespace ups {

void Core::set_guest_channel(VirtChannel* ch) { impl_->guest_channel = ch; }

VirtChannel* Core::guest_channel() const { return impl_->guest_channel; }

void Core::set_vcpu(const Task& p, VcpuRef ref) {
  if (ref.channel) impl_->vcpus[p.id] = ref;
  else impl_->vcpus.erase(p.id);
}

VcpuRef Core::vcpu_of(const Task& p) const {
  auto it = impl_->vcpus.find(p.id);
  return it == impl_->vcpus.end() ? VcpuRef{} : it->second;
}

}  // namespace ups
