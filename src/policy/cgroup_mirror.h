// CgroupMirrors: the `struct cgroup` images (kernel layout, kabi::CgroupStruct,
// then its ancestors[] pointers, then its kernfs_node) that BPF programs read.
// One per cgroup the policy is shown (a callback argument, a kfunc's
// return), made on first use and kept while the policy lives, so a pointer
// stays valid across callbacks; read-only to programs. A pointer a program
// hands back (a kfunc argument) is turned into its cgroup id only if it is
// the address of a mirror. Whether the cgroup still exists is the core's
// to say (bpf_cgroup_from_id of a removed cgroup is NULL).
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/cgroup.h"
#include "policy/kernel_abi/kernel_types.h"

namespace ups::policy {

struct CgroupMirror {
  kabi::CgroupStruct cg;
  u64 ancestors[kCgroupMaxLevel + 1];  // struct cgroup *ancestors[], 0 past level
  kabi::KernfsNode kn;
};
static_assert(offsetof(CgroupMirror, ancestors) == sizeof(kabi::CgroupStruct));

class CgroupMirrors {
public:
  // The mirror of cg (and of its ancestors), as the address of its
  // struct cgroup.
  u64 hand_out(const Cgroup& cg);
  // The cgroup id of the mirror at addr (its struct cgroup), or nullopt.
  std::optional<CgroupId> id_of(u64 addr) const;
  // The mirror holding [addr, addr+size), as [begin, end); nullopt if none.
  std::optional<std::pair<u64, u64>> region_of(u64 addr, u64 size) const;
  size_t size() const { return by_id_.size(); }

private:
  std::unordered_map<CgroupId, std::unique_ptr<CgroupMirror>> by_id_;
  std::unordered_map<u64, CgroupId> by_addr_;
};

}  // namespace ups::policy
