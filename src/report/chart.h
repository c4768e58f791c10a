// The chart library of every HTML report (`upsched sim --report`, `upsched
// compare`, `upsched demo`): inline SVG line charts, empirical CDFs on a
// log axis, per-CPU timelines. No scripts and no external files, so a report
// opens anywhere and renders headless. Three promises, tested:
// - every series has its own colour (distinct_colours) and its own legend
//   entry, however many there are (the legend wraps, the chart grows);
// - tick labels never overlap (ticks are thinned until they fit);
// - a CDF is drawn from the recorded samples (cdf_points), not from a few
//   percentiles.
// Tests and the headless-browser check find the parts by class:
// `series`/`legend-item` (with data-series and data-colour), `xtick`, `ytick`.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ups::report {

std::string html_escape(std::string_view s);

// n colours, pairwise different: a ten-colour qualitative palette, then
// hues spread by the golden angle at alternating lightness.
std::vector<std::string> distinct_colours(size_t n);

struct ChartSeries {
  std::string name;
  std::string color;  // CSS colour; empty: the chart assigns a distinct one
  bool dashed = false;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in order
};

struct ChartAxes {
  std::string x_label, y_label;
  bool log_x = false;  // non-positive x are drawn at the left edge
  double y_max = 0;    // 0 = from the data
};

// A titled <svg> line chart with axes, non-overlapping ticks and a legend
// below it naming every series.
std::string svg_line_chart(const std::string& title, const ChartAxes& axes,
                           const std::vector<ChartSeries>& series);

// The empirical CDF of `samples` (any order) as (value, % at or below)
// points: every distinct value when there are few, else at most
// `max_points` evenly spaced ranks, always with the smallest and largest.
std::vector<std::pair<double, double>> cdf_points(std::vector<double> samples, size_t max_points = 400);

struct CdfSeries {
  std::string name;
  std::vector<double> samples;
  bool dashed = false;
};
// One CDF per series on a log x axis (y: % of samples at or below x); the
// legend says how many samples each has.
std::string svg_cdf_chart(const std::string& title, const std::string& x_label,
                          const std::vector<CdfSeries>& series);

struct TimelineSlice {
  int cpu = 0;
  double start_ms = 0, dur_ms = 0;
  std::string name;  // the task, shown on hover
  std::string key;   // what picks the colour and the legend entry (empty: name)
};

// A titled <svg> with one lane per CPU over [t0_ms, t1_ms]; one colour per
// key and a legend listing every key drawn.
std::string svg_timeline(const std::string& title, int cpus, double t0_ms, double t1_ms,
                         const std::vector<TimelineSlice>& slices);

// Tick positions for an axis of `pixels` from lo to hi: the densest "nice"
// set (1/2/5 steps; on a log axis 1-2-5 per decade, then decades, then every
// other decade, ...) whose labels do not overlap.
std::vector<double> axis_ticks(double lo, double hi, bool log, double pixels, bool vertical = false);
// A tick's label: 0.25, 3, 1950.5; compact (log axes): 20, 1.5k, 10k, 2M.
std::string tick_label(double v, bool compact);
// The width a label takes in the charts' 11px font (generous, so that
// labels judged apart are apart on screen).
double label_width_px(std::string_view text);

}  // namespace ups::report
