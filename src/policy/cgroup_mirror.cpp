#include "policy/cgroup_mirror.h"

namespace ups::policy {

u64 CgroupMirrors::hand_out(const Cgroup& cg) {
  auto& slot = by_id_[cg.id];
  if (!slot) {
    slot = std::make_unique<CgroupMirror>();
    CgroupMirror& m = *slot;
    const u64 addr = reinterpret_cast<u64>(&m.cg);
    m.cg.self.cgroup = addr;
    m.cg.level = cg.level;
    m.cg.max_depth = kCgroupMaxLevel;
    m.kn.id = cg.id;
    m.cg.kn = reinterpret_cast<u64>(&m.kn);
    by_addr_[addr] = cg.id;
    // Ancestors first made, then linked: a cgroup's ancestors outlive it.
    for (int lvl = 0; lvl < cg.level; ++lvl) m.ancestors[lvl] = hand_out(*cg.ancestor(lvl));
    m.ancestors[cg.level] = addr;
  }
  return reinterpret_cast<u64>(&slot->cg);
}

std::optional<CgroupId> CgroupMirrors::id_of(u64 addr) const {
  auto it = by_addr_.find(addr);
  if (it == by_addr_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<u64, u64>> CgroupMirrors::region_of(u64 addr, u64 size) const {
  for (const auto& [id, m] : by_id_) {
    const u64 b = reinterpret_cast<u64>(m.get());
    if (addr >= b && size <= sizeof(CgroupMirror) && addr - b <= sizeof(CgroupMirror) - size)
      return std::pair{b, b + sizeof(CgroupMirror)};
  }
  return std::nullopt;
}

}  // namespace ups::policy
