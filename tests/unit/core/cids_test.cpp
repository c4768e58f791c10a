// Cid numbering (core/cids.h): a bijection between CPUs and [0, nr_cids),
// node by node, LLC by LLC, SMT siblings consecutive, so that a cid range
// is a topological unit.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/cids.h"

namespace ups {
namespace {

TEST(CidMap, NumbersEveryCpuOnceInTopologicalOrder) {
  // 2 nodes x 2 LLCs x 2 cores x 2 SMT threads
  auto topo = Topology::make(16, 2, 2, 2);
  ASSERT_TRUE(topo);
  const CidMap cids(*topo);
  ASSERT_EQ(cids.nr_cids(), 16u);
  std::vector<bool> seen(16, false);
  for (CpuId cpu = 0; cpu < 16; ++cpu) {
    const s32 cid = cids.cid_of(cpu);
    ASSERT_TRUE(cids.valid_cid(cid)) << cpu;
    EXPECT_FALSE(seen[static_cast<size_t>(cid)]) << "cid " << cid << " given twice";
    seen[static_cast<size_t>(cid)] = true;
    EXPECT_EQ(cids.cpu_of(cid), cpu);
  }
  // The cids of each core, LLC and node are one consecutive range.
  for (CpuId cpu = 0; cpu < 16; ++cpu)
    for (const CpuMask* unit : {&topo->smt_siblings(cpu), &topo->llc_cpus(cpu),
                                &topo->node_cpus(topo->cpu(cpu).node)}) {
      s32 lo = 16, hi = -1, n = 0;
      for (CpuId c = 0; c < 16; ++c)
        if (unit->test(c)) lo = std::min(lo, cids.cid_of(c)), hi = std::max(hi, cids.cid_of(c)), ++n;
      EXPECT_EQ(hi - lo + 1, n) << "the unit of cpu " << cpu << " is split: " << unit->to_string();
    }
  EXPECT_FALSE(cids.valid_cid(16));
  EXPECT_FALSE(cids.valid_cid(-1));
}

}  // namespace
}  // namespace ups
