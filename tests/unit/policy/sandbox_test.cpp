// The confined policy's sandbox: writable memory above its middle and
// read-only memory below, bounds that cover what was allocated (rounded up
// to a granule) and nothing far from it, zeroed memory on reuse, and the
// heap once a side is full.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "policy/sandbox.h"

namespace ups::policy {
namespace {

u64 addr(const void* p) { return reinterpret_cast<u64>(p); }

TEST(Sandbox, WritableMemoryIsStorableReadOnlyMemoryOnlyLoadable) {
  auto sb = Sandbox::create();
  ASSERT_NE(sb, nullptr);
  u8* w = sb->allocate(100, true);
  u8* r = sb->allocate(100, false);
  ASSERT_NE(w, nullptr);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(addr(w) % 16, 0u);
  EXPECT_EQ(addr(r) % 16, 0u);
  const auto span = sb->span();
  EXPECT_TRUE(span.holds(addr(w), 100, true));
  EXPECT_TRUE(span.holds(addr(w), 100, false));
  EXPECT_TRUE(span.holds(addr(r), 100, false));
  EXPECT_FALSE(span.holds(addr(r), 8, true));
  EXPECT_FALSE(span.holds(addr(r), true));
  // Zeroed, and usable.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(w[i] | r[i], 0);
  std::memset(w, 0xab, 100);
  std::memset(r, 0xcd, 100);
}

TEST(Sandbox, AnAddressFarFromWhatWasAllocatedIsOutside) {
  auto sb = Sandbox::create();
  ASSERT_NE(sb, nullptr);
  u8* w = sb->allocate(64, true);
  const auto span = sb->span();
  // 256 MiB past a small policy's memory: outside, for loads and stores.
  EXPECT_FALSE(span.holds(addr(w) + (u64{256} << 20), false));
  EXPECT_FALSE(span.holds(addr(w) + (u64{256} << 20), true));
  EXPECT_FALSE(span.holds(addr(w) - (u64{256} << 20), false));
  // A helper's buffer must fit whole.
  EXPECT_FALSE(span.holds(addr(w), span.write_len + 1, true));
}

TEST(Sandbox, TheBoundsGrowWithWhatIsAllocated) {
  auto sb = Sandbox::create();
  ASSERT_NE(sb, nullptr);
  const u64 before = sb->span().write_len;
  u8* big = sb->allocate(Sandbox::kGranule + 4096, true);
  ASSERT_NE(big, nullptr);
  EXPECT_GT(sb->span().write_len, before);
  EXPECT_TRUE(sb->span().holds(addr(big) + Sandbox::kGranule, 4096, true));
  EXPECT_EQ(addr(big) % Sandbox::kPage, 0u);
}

TEST(Sandbox, ReleasedMemoryComesBackZeroed) {
  auto sb = Sandbox::create();
  ASSERT_NE(sb, nullptr);
  for (std::size_t n : {std::size_t{48}, std::size_t{128} * 1024}) {
    u8* p = sb->allocate(n, true);
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x5a, n);
    sb->release(p, n);
    EXPECT_EQ(sb->bytes_in_use(), 0u);
    u8* q = sb->allocate(n, true);
    EXPECT_EQ(q, p) << "reused by size";
    for (std::size_t i = 0; i < n; ++i)
      if (q[i] != 0) FAIL() << "byte " << i << " of " << n << " not zeroed";
    sb->release(q, n);
  }
}

TEST(Sandbox, AFullSideGivesNothingAndValueBlocksFallBackToTheHeap) {
  auto sb = Sandbox::create();
  ASSERT_NE(sb, nullptr);
  EXPECT_EQ(sb->allocate(Sandbox::kSideBytes, true), nullptr);
  EXPECT_EQ(sb->allocate(Sandbox::kSideBytes, false), nullptr);
  // All but a page of the writable side (address space: nothing touched).
  ASSERT_NE(sb->allocate(Sandbox::kSideBytes - 2 * Sandbox::kPage, true), nullptr);
  const bpf::ValueBlock b = bpf::ValueBlock::make(1 << 20, sb, true);
  ASSERT_NE(b.data(), nullptr);
  EXPECT_FALSE(sb->span().holds(addr(b.data()), false));
  // The sandbox still serves what fits.
  const bpf::ValueBlock small = bpf::ValueBlock::make(64, sb, true);
  EXPECT_TRUE(sb->span().holds(addr(small.data()), 64, true));
}

}  // namespace
}  // namespace ups::policy
