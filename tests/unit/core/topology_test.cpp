// Topology: CPUs grouped into SMT cores, LLCs and nodes; bad parameters
// are named in the error.
#include <gtest/gtest.h>

#include "core/task.h"
#include "core/topology.h"

namespace ups {
namespace {

TEST(Topology, GroupsCpus) {
  auto t = Topology::make(16, 2, 4, 1);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->nr_cpus(), 16);
  EXPECT_EQ(t->nr_llcs(), 2);
  EXPECT_EQ(t->nr_nodes(), 2);
  EXPECT_EQ(t->smt_siblings(5).to_string(), "4-5");
  EXPECT_EQ(t->llc_cpus(9).to_string(), "8-15");
  EXPECT_TRUE(t->share_llc(0, 7));
  EXPECT_FALSE(t->share_llc(7, 8));
  EXPECT_EQ(t->cpu(12).node, 1);
  EXPECT_EQ(t->describe(), "16 CPUs: 8 cores x 2 SMT, 2 LLCs, 2 nodes");
}

TEST(Topology, RejectsBadParameters) {
  EXPECT_NE(Topology::make(0).error().where.what, "");
  EXPECT_EQ(Topology::make(2000).error().where.what, "nr_cpus");
  EXPECT_EQ(Topology::make(6, 4).error().where.what, "smt");
  EXPECT_EQ(Topology::make(4, 1, 0).error().where.what, "cores_per_llc");
  EXPECT_EQ(Topology::make(4, 1, 2, 0).error().where.what, "llcs_per_node");
  EXPECT_TRUE(Topology::make(1024).has_value());
}

TEST(Topology, NiceToWeight) {
  EXPECT_EQ(nice_to_weight(0), 100u);
  EXPECT_EQ(nice_to_weight(-20), 8668u);
  EXPECT_EQ(nice_to_weight(19), 1u);
}

}  // namespace
}  // namespace ups
