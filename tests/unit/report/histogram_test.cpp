// The latency histogram answers percentiles within its bucket error and
// small values exactly.
#include "report/histogram.h"

#include <gtest/gtest.h>

namespace ups::report {
namespace {

TEST(Histogram, PercentilesWithinBucketError) {
  LatencyHistogram h;
  for (TimeNs v = 1; v <= 100000; ++v) h.record(v * 10);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 500000, 500000 * 0.02);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 990000, 990000 * 0.02);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.999)), 999000, 999000 * 0.02);
  EXPECT_EQ(h.max(), 1000000u);
}

TEST(Histogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int i = 0; i < 10; ++i) h.record(3);
  h.record(40);
  EXPECT_EQ(h.percentile(0.5), 3u);
  EXPECT_EQ(h.percentile(0.9999), 40u);
}

}  // namespace
}  // namespace ups::report
