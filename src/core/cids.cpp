// Cid numbering (cids.h): Linux's walk, in our words. Take the lowest CPU
// not yet numbered; number its node's CPUs, taking within the node the
// lowest CPU's LLC, within that LLC the lowest CPU's core, and give the
// core's CPUs the next cids in CPU order. Topologies whose CPU numbers
// interleave nodes or siblings (cpu 0 and 4 on one core) get cids that
// do not.
#include "core/cids.h"

namespace ups {

CidMap::CidMap(const Topology& topo) {
  const int n = topo.nr_cpus();
  cid_of_.assign(static_cast<size_t>(n), -1);
  cpu_of_.reserve(static_cast<size_t>(n));
  CpuMask left = topo.all();
  auto number = [&](const CpuMask& unit) {
    for (CpuId cpu = 0; cpu < n; ++cpu)
      if (unit.test(cpu) && left.test(cpu)) {
        cid_of_[static_cast<size_t>(cpu)] = static_cast<s32>(cpu_of_.size());
        cpu_of_.push_back(cpu);
        left.clear(cpu);
      }
  };
  while (!left.empty()) {
    const CpuMask node = topo.node_cpus(topo.cpu(left.first()).node) & left;
    CpuMask node_left = node;
    while (!node_left.empty()) {
      const CpuMask llc = topo.llc_cpus(node_left.first()) & node_left;
      CpuMask llc_left = llc;
      while (!llc_left.empty()) {
        const CpuMask core = topo.smt_siblings(llc_left.first()) & llc_left;
        number(core);
        llc_left = llc_left & ~core;
      }
      node_left = node_left & ~llc;
    }
  }
}

}  // namespace ups
