// RunSamples: what a report draws is what the run did, in bounded memory.
#include <numeric>

#include <gtest/gtest.h>

#include "report/run_samples.h"

namespace ups::report {
namespace {

TEST(RunSamples, RunTimeIsSplitOverTheShareIntervals) {
  RunSamples s;
  s.begin({"a", "b"}, 2, 100 * kNsPerMs);  // 1 ms intervals
  s.on_run(0, 1, 0, 500 * kNsPerUs, 2500 * kNsPerUs);
  s.on_run(1, 2, 1, 0, 1000 * kNsPerUs);
  ASSERT_EQ(s.group_run().size(), 3u);
  EXPECT_EQ(s.group_run()[0][0], 500 * kNsPerUs);
  EXPECT_EQ(s.group_run()[1][0], 1000 * kNsPerUs);
  EXPECT_EQ(s.group_run()[2][0], 500 * kNsPerUs);
  EXPECT_EQ(s.group_run()[0][1], 1000 * kNsPerUs);
  EXPECT_EQ(s.group_run()[1][1], 0u);
}

TEST(RunSamples, TimelineKeepsTheLastSlicesAndSaysFromWhenItIsComplete) {
  RunSamples s;
  s.begin({"a"}, 1, kNsPerSec);
  const size_t n = RunSamples::kTimelineSlices + 10;
  for (size_t i = 0; i < n; ++i) s.on_run(0, 1, 0, i * 10, i * 10 + 10);
  auto t = s.timeline();
  ASSERT_EQ(t.size(), RunSamples::kTimelineSlices);
  EXPECT_EQ(t.front().start, 100u) << "the 10 oldest slices were dropped";
  EXPECT_EQ(t.back().end, n * 10);
  EXPECT_EQ(s.timeline_from(), 110u);
}

TEST(SampleList, ThinsEvenlyPastTheCapAndKeepsCounting) {
  SampleList l;
  const u64 n = 3 * SampleList::kMaxSamples;
  for (u64 i = 0; i < n; ++i) l.add(i);
  EXPECT_EQ(l.seen(), n);
  EXPECT_LE(l.kept().size(), SampleList::kMaxSamples);
  EXPECT_GE(l.kept().size(), SampleList::kMaxSamples / 2);
  // Evenly thinned: the kept mean is the mean of all.
  const double mean = std::accumulate(l.kept().begin(), l.kept().end(), 0.0) / l.kept().size();
  EXPECT_NEAR(mean, (n - 1) / 2.0, n * 0.01);
}

}  // namespace
}  // namespace ups::report
