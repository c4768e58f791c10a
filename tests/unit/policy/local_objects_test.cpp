// LocalObjects: the allocator behind bpf_obj_new is bounded and checks what
// it is handed; its rbtree keeps nodes in the order of the `less` it is
// given, equal keys in insertion order, as Linux's rb_add_cached.
#include "policy/local_objects.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace ups::policy {
namespace {

constexpr u32 kNode = 7;  // a type id: {bpf_rb_node (32 bytes), u64 key}

u64 key_of(u64 node) {
  u64 k;
  std::memcpy(&k, reinterpret_cast<const void*>(node + 32), 8);
  return k;
}

LocalObjects::Less by_key() {
  return [](u64 a, u64 b) { return std::optional<bool>(key_of(a) < key_of(b)); };
}

u64 new_node(LocalObjects& lo, u64 key) {
  const u64 o = lo.alloc(kNode);
  if (o) std::memcpy(reinterpret_cast<void*>(o + 32), &key, 8);
  return o;
}

TEST(LocalObjects, AllocationStopsAtItsBoundAndObjectsAreZeroed) {
  LocalObjects lo(LocalObjects::Limits{2, 1 << 20});
  lo.add_type(kNode, {40, 0});
  const u64 a = lo.alloc(kNode), b = lo.alloc(kNode);
  ASSERT_NE(a, 0u);
  ASSERT_NE(b, 0u);
  EXPECT_EQ(key_of(a), 0u);
  EXPECT_EQ(lo.alloc(kNode), 0u);  // the program sees NULL
  EXPECT_EQ(lo.alloc(99), 0u);      // not an allocatable type
  EXPECT_EQ(lo.drop(a), "");
  EXPECT_NE(lo.alloc(kNode), 0u);
  EXPECT_EQ(lo.live(), 2u);
}

TEST(LocalObjects, DropRefusesWhatIsNotAnOwnedObject) {
  LocalObjects lo;
  lo.add_type(kNode, {40, 0});
  const u64 a = new_node(lo, 1);
  EXPECT_NE(lo.drop(a + 8), "");  // not its start
  ASSERT_EQ(lo.rbtree_add(0x1000, a, by_key()), "");
  EXPECT_NE(lo.drop(a).find("in an rbtree"), std::string::npos);
  EXPECT_NE(lo.rbtree_add(0x1000, a, by_key()).find("already in an rbtree"), std::string::npos);
  EXPECT_EQ(lo.rbtree_remove(0x2000, a), 0u);  // another tree's root
  EXPECT_EQ(lo.rbtree_remove(0x1000, a), a);
  EXPECT_EQ(lo.drop(a), "");
  EXPECT_NE(lo.drop(a), "");  // twice
  EXPECT_EQ(lo.region_at(a, 8), std::nullopt);
}

TEST(LocalObjects, TreeKeepsLessOrderAndEqualKeysInInsertionOrder) {
  LocalObjects lo;
  lo.add_type(kNode, {40, 0});
  const u64 root = 0x1000;
  std::vector<u64> nodes;
  for (u64 key : {5, 3, 9, 3, 1, 5}) {
    nodes.push_back(new_node(lo, key));
    ASSERT_EQ(lo.rbtree_add(root, nodes.back(), by_key()), "");
  }
  std::vector<u64> order;
  while (u64 n = lo.rbtree_first(root)) order.push_back(lo.rbtree_remove(root, n));
  const std::vector<u64> want = {nodes[4], nodes[1], nodes[3], nodes[0], nodes[5], nodes[2]};
  EXPECT_EQ(order, want);
}

TEST(LocalObjects, AFailedLessLeavesTheTreeUnchanged) {
  LocalObjects lo;
  lo.add_type(kNode, {40, 0});
  const u64 a = new_node(lo, 1), b = new_node(lo, 2);
  ASSERT_EQ(lo.rbtree_add(0x1000, a, by_key()), "");
  EXPECT_EQ(lo.rbtree_add(0x1000, b, [](u64, u64) { return std::optional<bool>(); }), "");
  EXPECT_EQ(lo.rbtree_remove(0x1000, b), 0u);
  EXPECT_EQ(lo.rbtree_first(0x1000), a);
}

}  // namespace
}  // namespace ups::policy
