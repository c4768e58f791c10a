// SVG charts of the HTML reports (see chart.h).
#include "report/chart.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace ups::report {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> distinct_colours(size_t n) {
  static const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#7f7f7f"};
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    if (i < std::size(kPalette)) {
      out.emplace_back(kPalette[i]);
      continue;
    }
    // Hue by the golden angle, tenths of a degree: never the same pair of
    // (hue, lightness) for i below 3600 * 3.
    const size_t k = i - std::size(kPalette);
    const double hue = std::fmod(static_cast<double>(k) * 137.508, 360.0);
    const int light = 35 + 15 * static_cast<int>(k % 3);
    out.push_back(fmt::format("hsl({:.1f},65%,{}%)", hue, light));
  }
  return out;
}

std::string tick_label(double v, bool compact) {
  const double a = std::fabs(v);
  if (compact && a >= 1e6) return fmt::format("{:g}M", std::round(v / 1e5) / 10);
  if (compact && a >= 1e3) return fmt::format("{:g}k", std::round(v / 1e2) / 10);
  if (a != 0 && a < 0.01) return fmt::format("{:.2g}", v);
  return fmt::format("{:.7g}", std::round(v * 1000) / 1000);
}

double label_width_px(std::string_view text) { return 7.0 * static_cast<double>(text.size()) + 4; }

namespace {

// 1, 2 or 5 times a power of ten, at least raw.
double nice_step(double raw) {
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * p * 1.0000001) return m * p;
  return 10 * p;
}

bool fits(const std::vector<double>& ticks, double lo, double hi, bool log, double pixels, bool vertical) {
  if (ticks.size() < 2) return true;
  const double l0 = log ? std::log10(lo) : lo, l1 = log ? std::log10(hi) : hi;
  auto px = [&](double v) { return ((log ? std::log10(v) : v) - l0) / (l1 - l0) * pixels; };
  for (size_t i = 1; i < ticks.size(); ++i) {
    const double need = vertical ? 14.0
                                 : (label_width_px(tick_label(ticks[i - 1], log)) + label_width_px(tick_label(ticks[i], log))) / 2;
    if (px(ticks[i]) - px(ticks[i - 1]) < need) return false;
  }
  return true;
}

}  // namespace

std::vector<double> axis_ticks(double lo, double hi, bool log, double pixels, bool vertical) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || (log && lo <= 0)) return {lo};
  if (log) {
    const int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    const int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    const std::vector<std::vector<double>> mantissas = {{1, 2, 5}, {1, 3}, {1}};
    for (auto& ms : mantissas) {
      ticks.clear();
      for (int d = d0; d <= d1 && ticks.size() < 200; ++d)
        for (double m : ms) {
          const double v = m * std::pow(10.0, d);
          if (v >= lo * 0.9999 && v <= hi * 1.0001) ticks.push_back(v);
        }
      if (fits(ticks, lo, hi, log, pixels, vertical)) return ticks;
    }
    // Decades only did not fit: every k-th decade.
    for (int every = 2; every < 64; ++every) {
      ticks.clear();
      for (int d = d0; d <= d1; ++d)
        if ((d - d0) % every == 0) {
          const double v = std::pow(10.0, d);
          if (v >= lo * 0.9999 && v <= hi * 1.0001) ticks.push_back(v);
        }
      if (fits(ticks, lo, hi, log, pixels, vertical)) return ticks;
    }
    return {ticks.empty() ? lo : ticks.front()};
  }
  for (int want = 10; want >= 1; --want) {
    const double step = nice_step((hi - lo) / want);
    ticks.clear();
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && ticks.size() < 100; v += step)
      ticks.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    if (fits(ticks, lo, hi, log, pixels, vertical)) return ticks;
  }
  return {lo};
}

namespace {

constexpr double kW = 640, kPlotH = 280, kL = 64, kR = 24, kT = 36, kB = 44;
constexpr double kLegendRow = 18;

struct LegendItem {
  std::string name, color;
  bool dashed = false;
  bool swatch_box = false;  // a filled square (timeline) instead of a line
};

// Lays legend items left to right in rows of `width` from (x0, y0); returns
// the SVG and sets *rows to the rows used.
std::string svg_legend(const std::vector<LegendItem>& items, double x0, double y0, double width, int* rows) {
  std::string s;
  double x = x0;
  int row = 0;
  for (const LegendItem& it : items) {
    const double w = 30 + label_width_px(it.name) + 12;
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      ++row;
    }
    const double y = y0 + row * kLegendRow;
    std::string swatch =
        it.swatch_box
            ? fmt::format(R"(<rect x="{:.0f}" y="{:.0f}" width="20" height="10" fill="{}"/>)", x, y - 5, it.color)
            : fmt::format(R"(<line x1="{0:.0f}" y1="{1:.0f}" x2="{2:.0f}" y2="{1:.0f}" stroke="{3}" stroke-width="3"{4}/>)",
                          x, y, x + 22, it.color, it.dashed ? R"( stroke-dasharray="6 4")" : "");
    s += fmt::format(
        R"(<g class="legend-item" data-series="{0}" data-colour="{1}">{2}<text class="legend" x="{3:.0f}" y="{4:.0f}">{0}</text></g>)"
        "\n",
        html_escape(it.name), it.color, swatch, x + 28, y + 4);
    x += w;
  }
  *rows = items.empty() ? 0 : row + 1;
  return s;
}

int legend_rows(const std::vector<LegendItem>& items, double width) {
  int rows = 0;
  svg_legend(items, 0, 0, width, &rows);
  return rows;
}

std::string svg_open(const char* cls, double w, double h, const std::string& title, double title_x) {
  return fmt::format(
      R"(<svg class="{0}" xmlns="http://www.w3.org/2000/svg" width="{1:.0f}" height="{2:.0f}" viewBox="0 0 {1:.0f} {2:.0f}" role="img" aria-label="{3}">)"
      "\n<title>{3}</title>\n"
      R"(<text class="title" x="{4:.0f}" y="20">{3}</text>)"
      "\n",
      cls, w, h, html_escape(title), title_x);
}

}  // namespace

std::string svg_line_chart(const std::string& title, const ChartAxes& axes,
                           const std::vector<ChartSeries>& series_in) {
  std::vector<ChartSeries> series = series_in;
  {
    const auto auto_colours = distinct_colours(series.size());
    for (size_t i = 0; i < series.size(); ++i)
      if (series[i].color.empty()) series[i].color = auto_colours[i];
  }
  double x0 = 0, x1 = 1, y1 = axes.y_max;
  bool first = true;
  for (auto& s : series)
    for (auto [x, y] : s.points) {
      // A non-finite point would make the ticks endless.
      if (!std::isfinite(x) || !std::isfinite(y) || (axes.log_x && x <= 0)) continue;
      x0 = first ? x : std::min(x0, x);
      x1 = first ? x : std::max(x1, x);
      first = false;
      if (axes.y_max <= 0) y1 = std::max(y1, y);
    }
  if (!axes.log_x) x0 = std::min(x0, 0.0);
  if (axes.log_x) {
    if (x0 <= 0) x0 = 1;  // no positive point: any decade will do
    // Whole decades at both ends, so the axis starts and ends on a tick.
    x0 = std::pow(10.0, std::floor(std::log10(x0) + 1e-9));
    x1 = std::pow(10.0, std::ceil(std::log10(std::max(x1, x0)) - 1e-9));
  }
  if (x1 <= x0) x1 = axes.log_x ? x0 * 10 : x0 + 1;
  if (y1 <= 0) y1 = 1;
  const double pw = kW - kL - kR, ph = kPlotH;
  if (axes.y_max <= 0) {  // round the top up to a tick
    const auto yt = axis_ticks(0, y1, false, ph, true);
    const double step = yt.size() > 1 ? yt[1] - yt[0] : y1;
    y1 = std::ceil(y1 / step - 1e-9) * step;
  }
  const double lx0 = axes.log_x ? std::log10(x0) : x0, lx1 = axes.log_x ? std::log10(x1) : x1;
  auto px = [&](double x) {
    double v = axes.log_x ? (x > 0 ? std::log10(x) : lx0) : x;
    v = std::clamp(v, lx0, lx1);
    return kL + (v - lx0) / (lx1 - lx0) * pw;
  };
  auto py = [&](double y) { return kT + ph - std::clamp(y, 0.0, y1) / y1 * ph; };

  std::vector<LegendItem> legend;
  for (auto& se : series) legend.push_back({se.name, se.color, se.dashed, false});
  const double legend_y = kT + ph + kB;
  const double h = legend_y + legend_rows(legend, kW - kL) * kLegendRow + 8;

  std::string s = svg_open("chart", kW, h, title, kL);
  for (double y : axis_ticks(0, y1, false, ph, true))
    s += fmt::format(R"(<line class="grid" x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}"/><text class="tick ytick" x="{3}" y="{4:.1f}" text-anchor="end">{5}</text>)"
                     "\n",
                     kL, py(y), kL + pw, kL - 6, py(y) + 4, tick_label(y, false));
  for (double x : axis_ticks(x0, x1, axes.log_x, pw))
    s += fmt::format(R"(<line class="grid" x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}"/><text class="tick xtick" x="{0:.1f}" y="{3}" text-anchor="middle">{4}</text>)"
                     "\n",
                     px(x), kT, kT + ph, kT + ph + 16, tick_label(x, axes.log_x));
  s += fmt::format(R"(<line class="axis" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/><line class="axis" x1="{0}" y1="{2}" x2="{3}" y2="{2}"/>)" "\n",
                   kL, kT, kT + ph, kL + pw);
  s += fmt::format(R"(<text class="label" x="{:.1f}" y="{}" text-anchor="middle">{}</text>)" "\n",
                   kL + pw / 2, kT + ph + 34, html_escape(axes.x_label));
  s += fmt::format(R"x(<text class="label" transform="translate(14,{:.1f}) rotate(-90)" text-anchor="middle">{}</text>)x" "\n",
                   kT + ph / 2, html_escape(axes.y_label));
  for (auto& se : series) {
    std::string pts;
    for (auto [x, y] : se.points)
      if (std::isfinite(x) && std::isfinite(y)) pts += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    s += fmt::format(R"(<polyline class="series" data-series="{}" fill="none" stroke="{}" stroke-width="2"{} points="{}"/>)" "\n",
                     html_escape(se.name), se.color, se.dashed ? R"( stroke-dasharray="6 4")" : "", pts);
    if (se.points.size() <= 24)  // markers only where points are few enough to tell apart
      for (auto [x, y] : se.points)
        if (std::isfinite(x) && std::isfinite(y))
          s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)", px(x), py(y), se.color);
  }
  int rows = 0;
  s += svg_legend(legend, kL, legend_y, kW - kL, &rows);
  s += "</svg>\n";
  return s;
}

std::vector<std::pair<double, double>> cdf_points(std::vector<double> v, size_t max_points) {
  std::vector<std::pair<double, double>> out;
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return out;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double pct = 100.0 / static_cast<double>(n);
  // The CDF steps up at each distinct value to the share at or below it.
  auto add = [&](size_t i) {  // i: index of the last sample of its value
    out.emplace_back(v[i], static_cast<double>(i + 1) * pct);
  };
  max_points = std::max<size_t>(max_points, 2);
  const size_t stride = std::max<size_t>(1, n / max_points);
  size_t last_bucket = static_cast<size_t>(-1);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && v[j + 1] == v[i]) ++j;  // the last sample equal to v[i]
    const size_t bucket = (j + 1) / stride;
    if (i == 0 || j + 1 == n || bucket != last_bucket) {
      // A step: up at v[j] from the share drawn last.
      if (!out.empty()) out.emplace_back(v[j], out.back().second);
      add(j);
      last_bucket = bucket;
    }
    i = j + 1;
  }
  return out;
}

std::string svg_cdf_chart(const std::string& title, const std::string& x_label,
                          const std::vector<CdfSeries>& series) {
  std::vector<ChartSeries> lines;
  for (const CdfSeries& c : series)
    lines.push_back({fmt::format("{} (n={})", c.name, c.samples.size()), "", c.dashed, cdf_points(c.samples)});
  return svg_line_chart(title, {x_label, "samples at or below (%)", true, 100}, lines);
}

std::string svg_timeline(const std::string& title, int cpus, double t0_ms, double t1_ms,
                         const std::vector<TimelineSlice>& slices) {
  const double lane = 22, w = 900, left = 60, top = 36;
  const double span = t1_ms > t0_ms ? t1_ms - t0_ms : 1;
  const double lanes_w = w - left - 10;
  // Keys drawn, in name order (deterministic), each its own colour.
  std::map<std::string, size_t> key_index;
  auto key_of = [](const TimelineSlice& sl) -> const std::string& { return sl.key.empty() ? sl.name : sl.key; };
  auto visible = [&](const TimelineSlice& sl) {
    return sl.cpu >= 0 && sl.cpu < cpus && std::min(sl.start_ms + sl.dur_ms, t1_ms) > std::max(sl.start_ms, t0_ms);
  };
  for (auto& sl : slices)
    if (visible(sl)) key_index.emplace(key_of(sl), 0);
  const auto colours = distinct_colours(key_index.size());
  std::vector<LegendItem> legend;
  {
    size_t i = 0;
    for (auto& [k, idx] : key_index) {
      idx = i;
      legend.push_back({k, colours[i++], false, true});
    }
  }
  const double axis_y = top + lane * cpus + 16;
  const double legend_y = axis_y + 22;
  const double h = legend_y + legend_rows(legend, lanes_w) * kLegendRow + 8;
  std::string s = svg_open("timeline", w, h, title, left);
  for (int c = 0; c < cpus; ++c)
    s += fmt::format(R"(<text class="tick" x="{}" y="{:.1f}" text-anchor="end">CPU {}</text><rect x="{}" y="{:.1f}" width="{}" height="{}" fill="#f4f4f4"/>)" "\n",
                     left - 6, top + lane * c + 15, c, left, top + lane * c, lanes_w, lane - 4);
  for (auto& sl : slices) {
    if (!visible(sl)) continue;
    const double a = std::max(sl.start_ms, t0_ms), b = std::min(sl.start_ms + sl.dur_ms, t1_ms);
    const double x = left + (a - t0_ms) / span * lanes_w;
    const double ww = std::max((b - a) / span * lanes_w, 0.5);
    s += fmt::format(R"(<rect class="slice" x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{}" fill="{}"><title>{} {:.3f}-{:.3f} ms</title></rect>)" "\n",
                     x, top + lane * sl.cpu, ww, lane - 4, colours[key_index[key_of(sl)]], html_escape(sl.name), a, b);
  }
  for (double t : axis_ticks(t0_ms, t1_ms, false, lanes_w))
    s += fmt::format(R"(<text class="tick xtick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)" "\n",
                     left + (t - t0_ms) / span * lanes_w, axis_y, tick_label(t, false));
  s += fmt::format(R"(<text class="label" x="{:.0f}" y="{:.1f}" text-anchor="end">simulated ms</text>)" "\n",
                   w - 10, axis_y + 14);
  int rows = 0;
  s += svg_legend(legend, left, legend_y, lanes_w, &rows);
  s += "</svg>\n";
  return s;
}

}  // namespace ups::report
