// RegionSet: an access is allowed only if it lies wholly inside one region,
// writes only into writable ones; huge sizes or addresses never wrap.
#include <gtest/gtest.h>

#include "vm/region_set.h"

namespace ups::vm {
namespace {

TEST(RegionSet, AccessMustLieInsideOneRegion) {
  alignas(8) u8 buf[32];
  RegionSet s;
  s.add(buf, 16, true);
  s.add(buf + 16, 16, false);
  const u64 b = reinterpret_cast<u64>(buf);
  EXPECT_TRUE(s.allows(b, 16, true));
  EXPECT_TRUE(s.allows(b + 8, 8, true));
  EXPECT_FALSE(s.allows(b + 9, 8, false));  // straddles the two regions
  EXPECT_TRUE(s.allows(b + 16, 8, false));
  EXPECT_FALSE(s.allows(b + 16, 8, true));  // read-only
  EXPECT_FALSE(s.allows(b + 32, 1, false));
  EXPECT_FALSE(s.allows(b - 1, 1, false));
}

TEST(RegionSet, HugeSizesAndAddressesDoNotWrapAround) {
  alignas(8) u8 buf[16];
  RegionSet s;
  s.add(buf, sizeof buf, true);
  const u64 b = reinterpret_cast<u64>(buf);
  EXPECT_FALSE(s.allows(b + 8, ~u64{0}, false));
  EXPECT_FALSE(s.allows(~u64{0} - 2, 8, false));
  EXPECT_FALSE(s.allows(b, 17, false));
  s.clear();
  EXPECT_FALSE(s.allows(b, 1, false));
}

}  // namespace
}  // namespace ups::vm
