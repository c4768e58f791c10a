// Durations parse as users write them; distributions draw what they say,
// deterministically for a seed.
#include "workload/distribution.h"

#include <gtest/gtest.h>

#include "workload/duration.h"

namespace ups::workload {
namespace {

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(*parse_duration("10s"), 10 * kNsPerSec);
  EXPECT_EQ(*parse_duration("500ms"), 500 * kNsPerMs);
  EXPECT_EQ(*parse_duration("200us"), 200 * kNsPerUs);
  EXPECT_EQ(*parse_duration("50ns"), 50u);
  EXPECT_EQ(*parse_duration("1.5ms"), 1500 * kNsPerUs);
}

TEST(Duration, RejectsBadText) {
  for (const char* bad : {"", "10", "ms", "-5ms", "5 minutes", "5h", "1e400s", "abc"}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d) << bad;
    if (!d) {
      EXPECT_NE(d.error().message.find("duration"), std::string::npos);
    }
  }
  EXPECT_NE(parse_duration("-5ms").error().message.find("negative"), std::string::npos);
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(2 * kNsPerSec), "2s");
  EXPECT_EQ(format_duration(1500 * kNsPerUs), "1500us");
  EXPECT_EQ(format_duration(7), "7ns");
  EXPECT_EQ(*parse_duration(format_duration(123456789)), 123456789u);
}

double sample_mean(const Distribution& d, int n, u64 seed = 1) {
  Rng rng(seed);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(d.sample(rng));
  return sum / n;
}

TEST(Distribution, ConstantIsConstant) {
  Rng rng(1);
  auto d = Distribution::constant(1234);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.sample(rng), 1234u);
}

TEST(Distribution, UniformStaysInRange) {
  Rng rng(2);
  auto d = Distribution::uniform(100, 200);
  for (int i = 0; i < 1000; ++i) {
    TimeNs v = d.sample(rng);
    ASSERT_GE(v, 100u);
    ASSERT_LE(v, 200u);
  }
}

TEST(Distribution, MeansMatch) {
  EXPECT_NEAR(sample_mean(Distribution::exponential(10000), 200000), 10000, 150);
  EXPECT_NEAR(sample_mean(Distribution::lognormal(10000, 5000), 200000), 10000, 150);
  EXPECT_NEAR(sample_mean(Distribution::uniform(0, 20000), 200000), 10000, 150);
}

TEST(Distribution, BimodalMixesAtItsRatio) {
  Rng rng(5);
  auto d = Distribution::bimodal(4000, 10000000, 0.005);
  int high = 0, n = 200000;
  for (int i = 0; i < n; ++i) {
    TimeNs v = d.sample(rng);
    ASSERT_TRUE(v == 4000 || v == 10000000);
    high += v == 10000000;
  }
  EXPECT_NEAR(high / static_cast<double>(n), 0.005, 0.001);
  EXPECT_DOUBLE_EQ(d.mean(), 0.995 * 4000 + 0.005 * 10000000);
}

TEST(Distribution, SameSeedSameDraws) {
  auto d = Distribution::lognormal(50000, 20000);
  Rng a(9), b(9), c(10);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    TimeNs x = d.sample(a);
    ASSERT_EQ(x, d.sample(b));
    differs |= x != d.sample(c);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace ups::workload
