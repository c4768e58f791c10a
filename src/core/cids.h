// Topological CPU ids (cids): Linux 7.3's second numbering of the CPUs,
// which the cid kfuncs (scx_bpf_cpu_to_cid, scx_bpf_task_cid, ...) and the
// cmask helpers of scx/cid.bpf.h speak. Cids are dense and ordered by
// topology: node by node, within a node LLC by LLC, within an LLC core by
// core, the SMT siblings of a core consecutive. A policy can then treat a
// cid range as a topological unit (a core, an LLC) without looking up
// masks. The numbering is fixed for the core's lifetime, as Linux keeps it
// for a loaded scheduler's.
#pragma once

#include <vector>

#include "base/types.h"
#include "core/topology.h"

namespace ups {

class CidMap {
public:
  explicit CidMap(const Topology& topo);

  u32 nr_cids() const { return static_cast<u32>(cpu_of_.size()); }
  bool valid_cid(s64 cid) const { return cid >= 0 && cid < static_cast<s64>(cpu_of_.size()); }
  // Callers check validity first: both are table lookups.
  CpuId cpu_of(s32 cid) const { return cpu_of_[static_cast<size_t>(cid)]; }
  s32 cid_of(CpuId cpu) const { return cid_of_[static_cast<size_t>(cpu)]; }

private:
  std::vector<CpuId> cpu_of_;  // index: cid
  std::vector<s32> cid_of_;    // index: cpu
};

}  // namespace ups
