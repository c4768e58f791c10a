// VirtSide and VirtPlace: the two sides of the guest/host hint channel
// (docs/guest-host.md). Each virt kfunc serves one side (a row of the kfunc
// table says which); a policy is loaded at a place: a VM's guest chain, the
// host's chain, or a place its loader does not name (`upsched verify`
// without --virt-side, the runtime, the daemon: no VMs there), where the
// kfuncs of both sides verify. The verifier refuses a kfunc of the other
// side, naming it, the side and the place.
#pragma once

#include <string>

#include "base/types.h"

namespace ups {

enum class VirtSide : u8 { none, host, guest };

inline const char* virt_side_name(VirtSide s) {
  switch (s) {
    case VirtSide::host: return "host";
    case VirtSide::guest: return "guest";
    case VirtSide::none: break;
  }
  return "none";
}

struct VirtPlace {
  VirtSide side = VirtSide::none;
  std::string vm;  // the VM whose guest chain it is (side == guest)

  static VirtPlace host_chain() { return {VirtSide::host, {}}; }
  static VirtPlace guest_of(std::string vm) { return {VirtSide::guest, std::move(vm)}; }

  // Whether a kfunc of side `s` may be called here.
  bool allows(VirtSide s) const { return s == VirtSide::none || side == VirtSide::none || s == side; }
  // "in guest VM 'vm0'", "in a VM's guest chain" (no VM named), "on the
  // host chain".
  std::string describe() const {
    if (side == VirtSide::guest) return vm.empty() ? "in a VM's guest chain" : "in guest VM '" + vm + "'";
    if (side == VirtSide::host) return "on the host chain";
    return "where its side is not known";
  }
};

}  // namespace ups
