// CpuMask: set operations and iteration over up to 1,024 CPUs.
#include "base/cpumask.h"

#include <gtest/gtest.h>

using ups::CpuMask;
using ups::kNoCpu;

TEST(CpuMask, SetTestClearCount) {
  CpuMask m;
  EXPECT_TRUE(m.empty());
  m.set(0);
  m.set(63);
  m.set(64);
  m.set(1023);
  EXPECT_EQ(m.count(), 4);
  EXPECT_TRUE(m.test(1023));
  EXPECT_FALSE(m.test(1024));  // out of range is simply not set
  EXPECT_FALSE(m.test(-1));
  m.clear(63);
  EXPECT_FALSE(m.test(63));
  EXPECT_EQ(m.count(), 3);
}

TEST(CpuMask, NextWalksInOrder) {
  CpuMask m;
  for (int c : {5, 64, 200, 1023}) m.set(c);
  std::vector<int> seen;
  for (int c = m.first(); c != kNoCpu; c = m.next(c + 1)) seen.push_back(c);
  EXPECT_EQ(seen, (std::vector<int>{5, 64, 200, 1023}));
  EXPECT_EQ(m.next(201), 1023);
  EXPECT_EQ(CpuMask{}.first(), kNoCpu);
}

TEST(CpuMask, Algebra) {
  CpuMask a = CpuMask::first_n(8), b;
  b.set(6);
  b.set(9);
  EXPECT_EQ((a & b).count(), 1);
  EXPECT_EQ((a | b).count(), 9);
  EXPECT_TRUE((a & b).subset_of(a));
  EXPECT_FALSE(b.subset_of(a));
  EXPECT_TRUE(a.intersects(b));
  EXPECT_EQ((a & ~b).count(), 7);
}

TEST(CpuMask, ToStringCompressesRanges) {
  CpuMask m = CpuMask::first_n(4);
  m.set(8);
  m.set(10);
  m.set(11);
  EXPECT_EQ(m.to_string(), "0-3,8,10-11");
  EXPECT_EQ(CpuMask{}.to_string(), "");
}
