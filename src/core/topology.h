// Topology: how CPUs group into SMT cores, LLC domains and NUMA nodes.
// Built once by the substrate (simulator config or the real machine).
#pragma once

#include <string>
#include <vector>

#include "base/cpumask.h"
#include "base/result.h"
#include "base/types.h"

namespace ups {

struct CpuTopo {
  CpuId id = 0;
  int core = 0;  // physical core; SMT siblings share it
  int llc = 0;   // last-level cache domain
  int node = 0;  // NUMA node
};

class Topology {
public:
  // nr_cpus CPUs, `smt` threads per core, `cores_per_llc` cores per LLC,
  // `llcs_per_node` LLCs per node. Errors name the bad parameter.
  static Result<Topology> make(int nr_cpus, int smt = 1, int cores_per_llc = 8,
                               int llcs_per_node = 1);

  int nr_cpus() const { return static_cast<int>(cpus_.size()); }
  int nr_nodes() const { return nr_nodes_; }
  int nr_llcs() const { return nr_llcs_; }
  const CpuTopo& cpu(CpuId c) const { return cpus_[c]; }
  const CpuMask& all() const { return all_; }
  const CpuMask& smt_siblings(CpuId c) const { return core_masks_[cpus_[c].core]; }
  const CpuMask& llc_cpus(CpuId c) const { return llc_masks_[cpus_[c].llc]; }
  const CpuMask& node_cpus(int node) const { return node_masks_[node]; }
  bool share_llc(CpuId a, CpuId b) const { return cpus_[a].llc == cpus_[b].llc; }
  std::string describe() const;  // "8 CPUs: 4 cores x 2 SMT, 1 LLC, 1 node"

private:
  std::vector<CpuTopo> cpus_;
  std::vector<CpuMask> core_masks_, llc_masks_, node_masks_;
  CpuMask all_;
  int nr_nodes_ = 1, nr_llcs_ = 1;
};

}  // namespace ups
