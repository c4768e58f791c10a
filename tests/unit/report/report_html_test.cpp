// The demo report's SVG charts stay small whatever the data: a non-finite
// value (a latency of inf, a ratio of NaN) once made the tick loops endless
// and the demo die of std::bad_alloc.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "report/report_html.h"

namespace ups::report {
namespace {

TEST(DemoCharts, NonFinitePointsAreSkippedAndTheChartStaysSmall) {
  const double inf = std::numeric_limits<double>::infinity();
  for (bool log_x : {false, true}) {
    std::vector<ChartSeries> series = {
        {"a", "#000", false, {{1, 10}, {inf, 50}, {100, std::nan("")}, {1000, 99}}}};
    const std::string svg = svg_line_chart("t", {"x", "y", log_x, 0}, series);
    EXPECT_LT(svg.size(), 20000u) << log_x;
    EXPECT_NE(svg.find("<polyline"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos) << svg;
    EXPECT_EQ(svg.find("nan"), std::string::npos) << svg;
  }
}

}  // namespace
}  // namespace ups::report
