// The chart library's promises (report/chart.h), as a reader of a report
// would notice them: every series in the legend with a colour of its own,
// tick labels that do not overlap, a CDF drawn from the samples.
#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "report/chart.h"

namespace ups::report {
namespace {

std::vector<std::string> all(const std::string& text, const std::string& re) {
  std::vector<std::string> out;
  const std::regex r(re);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), r); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

TEST(Colours, AreDistinctHoweverManySeries) {
  for (size_t n : {1u, 10u, 11u, 40u, 300u}) {
    auto c = distinct_colours(n);
    ASSERT_EQ(c.size(), n);
    EXPECT_EQ(std::set<std::string>(c.begin(), c.end()).size(), n) << n;
  }
}

TEST(LineChart, LegendNamesEverySeriesEachInItsOwnColour) {
  std::vector<ChartSeries> series;
  for (int i = 0; i < 15; ++i) series.push_back({"function-" + std::to_string(i), "", false, {{0, i}, {1, i + 1}}});
  const std::string svg = svg_line_chart("t", {"x", "y", false, 0}, series);
  const auto legend = all(svg, R"re(class="legend-item" data-series="([^"]*)")re");
  ASSERT_EQ(legend.size(), 15u) << "the old legend stopped at the chart's edge";
  const auto colours = all(svg, R"re(class="legend-item" data-series="[^"]*" data-colour="([^"]*)")re");
  EXPECT_EQ(std::set<std::string>(colours.begin(), colours.end()).size(), 15u);
  const auto strokes = all(svg, R"re(<polyline class="series" data-series="[^"]*" fill="none" stroke="([^"]*)")re");
  EXPECT_EQ(strokes, colours) << "a series is drawn in its legend colour";
}

TEST(Timeline, EveryKeyInTheLegendAndNoColourShared) {
  // 13 kinds of task: the old timeline coloured by index modulo 10 (two
  // functions shared a colour) and cut the legend at the right edge.
  std::vector<TimelineSlice> slices;
  for (int k = 0; k < 13; ++k)
    slices.push_back({k % 2, k * 1.0, 0.9, "task " + std::to_string(k), "kind-with-a-long-name-" + std::to_string(k)});
  const std::string svg = svg_timeline("t", 2, 0, 13, slices);
  const auto legend = all(svg, R"re(class="legend-item" data-series="([^"]*)")re");
  EXPECT_EQ(legend.size(), 13u);
  const auto colours = all(svg, R"re(class="legend-item" data-series="[^"]*" data-colour="([^"]*)")re");
  EXPECT_EQ(std::set<std::string>(colours.begin(), colours.end()).size(), 13u);
  const auto fills = all(svg, R"re(<rect class="slice" [^>]*fill="([^"]*)")re");
  EXPECT_EQ(std::set<std::string>(fills.begin(), fills.end()).size(), 13u);
  for (auto& f : fills) EXPECT_NE(std::find(colours.begin(), colours.end(), f), colours.end()) << f;
}

// Labels of adjacent ticks never overlap: their centres are at least half
// of both widths apart (at a generous 7 px per character).
void expect_no_overlap(const std::string& svg, const std::string& cls) {
  const std::regex r("<text class=\"tick " + cls + "\" x=\"([0-9.]+)\"[^>]*>([^<]*)</text>");
  std::vector<std::pair<double, std::string>> ticks;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), r); it != std::sregex_iterator(); ++it)
    ticks.emplace_back(std::stod((*it)[1].str()), (*it)[2].str());
  ASSERT_GE(ticks.size(), 2u) << svg;
  for (size_t i = 1; i < ticks.size(); ++i) {
    const double need = (ticks[i - 1].second.size() + ticks[i].second.size()) * 3.5;
    EXPECT_GE(ticks[i].first - ticks[i - 1].first, need)
        << "'" << ticks[i - 1].second << "' and '" << ticks[i].second << "' overlap";
  }
}

TEST(Ticks, LogAxisLabelsDoNotOverlapOverManyDecades) {
  for (double hi : {50.0, 2e3, 1e5, 1e7, 1e12}) {
    std::vector<ChartSeries> s = {{"a", "", false, {{0.5, 1}, {hi, 100}}}};
    expect_no_overlap(svg_line_chart("t", {"x", "y", true, 100}, s), "xtick");
  }
}

TEST(Ticks, LinearAxisLabelsDoNotOverlap) {
  // The FaaS chart once labelled every data x: 0 and 1 of 0..50 overlapped.
  std::vector<ChartSeries> s = {{"a", "", false, {{0, 1}, {1, 2}, {5, 3}, {10, 4}, {20, 5}, {50, 6}}}};
  expect_no_overlap(svg_line_chart("t", {"x", "y", false, 0}, s), "xtick");
  std::vector<TimelineSlice> sl = {{0, 1900.0, 100.0, "a", ""}};
  expect_no_overlap(svg_timeline("t", 1, 1900.0, 2000.0, sl), "xtick");
}

TEST(Ticks, LabelsOfACloseRangeAreAllDifferent) {
  const auto t = axis_ticks(1900, 2000, false, 800);
  std::set<std::string> labels;
  for (double v : t) labels.insert(tick_label(v, false));
  EXPECT_EQ(labels.size(), t.size()) << "a linear axis must not round 1910 and 1920 to one label";
}

TEST(Cdf, IsTheEmpiricalDistributionOfTheSamples) {
  // Few samples: a step at every distinct value, to the share at or below.
  auto p = cdf_points({3, 1, 2, 2});
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.front(), (std::pair<double, double>{1, 25}));
  EXPECT_EQ(p.back(), (std::pair<double, double>{3, 100}));
  EXPECT_NE(std::find(p.begin(), p.end(), std::pair<double, double>{2, 75}), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), std::pair<double, double>{2, 25}), p.end()) << "the step up at 2";
}

TEST(Cdf, ManySamplesGiveManyPointsNotFourPercentiles) {
  std::vector<double> v;
  for (int i = 1; i <= 100000; ++i) v.push_back(std::pow(1.0001, i));
  auto p = cdf_points(v, 400);
  EXPECT_GE(p.size(), 400u) << "the old CDF had 5 points";
  EXPECT_LE(p.size(), 1000u);
  for (size_t i = 1; i < p.size(); ++i) {
    EXPECT_GE(p[i].first, p[i - 1].first);
    EXPECT_GE(p[i].second, p[i - 1].second);
  }
  EXPECT_DOUBLE_EQ(p.back().second, 100);
  EXPECT_DOUBLE_EQ(p.back().first, v.back());
  // The median of the drawn curve is the samples' median (within a step).
  auto mid = std::find_if(p.begin(), p.end(), [](auto& q) { return q.second >= 50; });
  EXPECT_NEAR(mid->first, v[49999], v[49999] * 0.003);
}

}  // namespace
}  // namespace ups::report
