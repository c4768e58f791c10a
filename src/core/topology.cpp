// Topology construction: CPUs numbered core by core (SMT siblings adjacent),
// cores grouped into LLCs, LLCs into NUMA nodes.
#include "core/topology.h"

#include <fmt/format.h>

namespace ups {

Result<Topology> Topology::make(int nr_cpus, int smt, int cores_per_llc, int llcs_per_node) {
  if (nr_cpus < 1 || nr_cpus > kMaxCpus)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("nr_cpus must be in 1..{}, got {}", kMaxCpus, nr_cpus),
                      SourceLoc{{}, 0, 0, "nr_cpus"});
  if (smt < 1 || nr_cpus % smt != 0)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("smt must be >= 1 and divide nr_cpus ({}), got {}", nr_cpus, smt),
                      SourceLoc{{}, 0, 0, "smt"});
  if (cores_per_llc < 1)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("cores_per_llc must be >= 1, got {}", cores_per_llc),
                      SourceLoc{{}, 0, 0, "cores_per_llc"});
  if (llcs_per_node < 1)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("llcs_per_node must be >= 1, got {}", llcs_per_node),
                      SourceLoc{{}, 0, 0, "llcs_per_node"});
  Topology t;
  const int nr_cores = nr_cpus / smt;
  t.nr_llcs_ = (nr_cores + cores_per_llc - 1) / cores_per_llc;
  t.nr_nodes_ = (t.nr_llcs_ + llcs_per_node - 1) / llcs_per_node;
  t.core_masks_.resize(nr_cores);
  t.llc_masks_.resize(t.nr_llcs_);
  t.node_masks_.resize(t.nr_nodes_);
  for (int c = 0; c < nr_cpus; ++c) {
    CpuTopo ct;
    ct.id = c;
    ct.core = c / smt;
    ct.llc = ct.core / cores_per_llc;
    ct.node = ct.llc / llcs_per_node;
    t.cpus_.push_back(ct);
    t.core_masks_[ct.core].set(c);
    t.llc_masks_[ct.llc].set(c);
    t.node_masks_[ct.node].set(c);
    t.all_.set(c);
  }
  return t;
}

std::string Topology::describe() const {
  const int nr_cores = static_cast<int>(core_masks_.size());
  const int smt = nr_cores ? nr_cpus() / nr_cores : 1;
  return fmt::format("{} CPUs: {} cores x {} SMT, {} LLC{}, {} node{}", nr_cpus(), nr_cores, smt,
                     nr_llcs_, nr_llcs_ == 1 ? "" : "s", nr_nodes_, nr_nodes_ == 1 ? "" : "s");
}

}  // namespace ups
