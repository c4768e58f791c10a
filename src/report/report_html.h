// Self-contained HTML and inline SVG for the demo report (upsched demo):
// line charts, a per-CPU timeline and the page around them. No scripts,
// no external files, so the report opens anywhere and renders headless.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ups::report {

std::string html_escape(std::string_view s);

struct ChartSeries {
  std::string name;
  std::string color;  // CSS colour
  bool dashed = false;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in order
};

struct ChartAxes {
  std::string x_label, y_label;
  bool log_x = false;  // x > 0 required; non-positive x are drawn at the left edge
  double y_max = 0;    // 0 = from the data
};

// A titled <svg> line chart with axes, ticks and a legend.
std::string svg_line_chart(const std::string& title, const ChartAxes& axes,
                           const std::vector<ChartSeries>& series);

struct TimelineSlice {
  int cpu = 0;
  double start_ms = 0, dur_ms = 0;
  std::string name;  // task comm; the part after the last '-' picks the colour
};

// A titled <svg> with one lane per CPU over [t0_ms, t1_ms].
std::string svg_timeline(const std::string& title, int cpus, double t0_ms, double t1_ms,
                         const std::vector<TimelineSlice>& slices);

// The page: a title, a style sheet and the given HTML sections in order.
std::string html_page(const std::string& title, const std::vector<std::string>& sections);

}  // namespace ups::report
