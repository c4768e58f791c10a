// HTML and SVG for the demo report (see report_html.h).
#include "report/report_html.h"

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

namespace {

constexpr double kW = 640, kH = 360, kL = 64, kR = 170, kT = 36, kB = 48;

// "Nice" tick step for a range: 1, 2 or 5 times a power of ten.
double tick_step(double range, int want) {
  const double raw = range / std::max(want, 1);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string fmt_num(double v) {
  if (v != 0 && std::fabs(v) < 0.01) return fmt::format("{:.3g}", v);
  return fmt::format("{:g}", std::round(v * 1000) / 1000);
}

}  // namespace

std::string svg_line_chart(const std::string& title, const ChartAxes& axes,
                           const std::vector<ChartSeries>& series) {
  double x0 = 0, x1 = 1, y1 = axes.y_max;
  bool first = true;
  for (auto& s : series)
    for (auto [x, y] : s.points) {
      // A non-finite point would make the tick loops below endless.
      if (!std::isfinite(x) || !std::isfinite(y) || (axes.log_x && x <= 0)) continue;
      x0 = first ? x : std::min(x0, x);
      x1 = first ? x : std::max(x1, x);
      first = false;
      if (axes.y_max <= 0) y1 = std::max(y1, y);
    }
  if (!axes.log_x) x0 = std::min(x0, 0.0);
  if (axes.log_x && x0 <= 0) x0 = 1;  // no positive point: any decade will do
  if (x1 <= x0) x1 = axes.log_x ? x0 * 10 : x0 + 1;
  if (y1 <= 0) y1 = 1;
  const double lx0 = axes.log_x ? std::log10(x0) : x0, lx1 = axes.log_x ? std::log10(x1) : x1;
  const double pw = kW - kL - kR, ph = kH - kT - kB;
  auto px = [&](double x) {
    double v = axes.log_x ? (x > 0 ? std::log10(x) : lx0) : x;
    return kL + (lx1 > lx0 ? (v - lx0) / (lx1 - lx0) : 0) * pw;
  };
  auto py = [&](double y) { return kT + ph - std::min(y, y1) / y1 * ph; };

  std::string s = fmt::format(
      R"(<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)"
      "\n<title>{2}</title>\n"
      R"(<text class="title" x="{3}" y="20">{2}</text>)"
      "\n",
      kW, kH, html_escape(title), kL);
  // Axes, grid and ticks.
  const double ys = tick_step(y1, 5);
  for (double y = 0; y <= y1 + 1e-12 && y <= 100 * ys; y += ys)
    s += fmt::format(R"(<line class="grid" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/><text class="tick" x="{}" y="{:.1f}" text-anchor="end">{}</text>)"
                     "\n",
                     kL, py(y), kL + pw, py(y), kL - 6, py(y) + 4, fmt_num(y));
  if (axes.log_x) {
    for (double d = std::pow(10.0, std::floor(lx0)); d <= x1 * 1.0001 && d <= x0 * 1e30; d *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (d * m >= x0 * 0.9999 && d * m <= x1 * 1.0001)
          s += fmt::format(R"(<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>)" "\n",
                           px(d * m), kT + ph + 16, fmt_num(d * m));
  } else {
    std::vector<double> xs;
    for (auto& se : series)
      for (auto [x, y] : se.points)
        if (std::isfinite(x)) xs.push_back(x);
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    if (xs.size() > 12 || xs.empty()) {
      xs.clear();
      const double step = tick_step(x1 - x0, 6);
      for (double x = 0; x <= x1 + 1e-12 && xs.size() < 100; x += step) xs.push_back(x);
    }
    for (double x : xs)
      s += fmt::format(R"(<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>)" "\n",
                       px(x), kT + ph + 16, fmt_num(x));
  }
  s += fmt::format(R"(<line class="axis" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/><line class="axis" x1="{0}" y1="{2}" x2="{3}" y2="{2}"/>)" "\n",
                   kL, kT, kT + ph, kL + pw);
  s += fmt::format(R"(<text class="label" x="{:.1f}" y="{}" text-anchor="middle">{}</text>)" "\n",
                   kL + pw / 2, kH - 8, html_escape(axes.x_label));
  s += fmt::format(R"x(<text class="label" transform="translate(14,{:.1f}) rotate(-90)" text-anchor="middle">{}</text>)x" "\n",
                   kT + ph / 2, html_escape(axes.y_label));
  // Series and legend.
  int row = 0;
  for (auto& se : series) {
    std::string pts;
    for (auto [x, y] : se.points)
      if (std::isfinite(x) && std::isfinite(y)) pts += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    s += fmt::format(R"(<polyline class="series" fill="none" stroke="{}" stroke-width="2"{} points="{}"/>)" "\n",
                     se.color, se.dashed ? R"( stroke-dasharray="6 4")" : "", pts);
    for (auto [x, y] : se.points)
      if (std::isfinite(x) && std::isfinite(y))
        s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)", px(x), py(y), se.color);
    const double ly = kT + 10 + 18 * row++;
    s += fmt::format("\n" R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}" stroke-width="2"{4}/><text class="legend" x="{5}" y="{6}">{7}</text>)" "\n",
                     kL + pw + 12, ly, kL + pw + 36, se.color, se.dashed ? R"( stroke-dasharray="6 4")" : "",
                     kL + pw + 42, ly + 4, html_escape(se.name));
  }
  s += "</svg>\n";
  return s;
}

std::string svg_timeline(const std::string& title, int cpus, double t0_ms, double t1_ms,
                         const std::vector<TimelineSlice>& slices) {
  static const char* palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  const double lane = 22, w = 900, left = 60, top = 36;
  const double h = top + lane * cpus + 70;
  const double span = t1_ms > t0_ms ? t1_ms - t0_ms : 1;
  std::map<std::string, int> colour;  // by kind (suffix after the last '-'), first seen first
  auto kind_of = [](const std::string& n) {
    auto p = n.rfind('-');
    return p == std::string::npos ? n : n.substr(p + 1);
  };
  for (auto& sl : slices) colour.emplace(kind_of(sl.name), static_cast<int>(colour.size()) % 10);
  std::string s = fmt::format(
      R"(<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)"
      "\n<title>{2}</title>\n" R"(<text class="title" x="{3}" y="20">{2}</text>)" "\n",
      w, h, html_escape(title), left);
  for (int c = 0; c < cpus; ++c)
    s += fmt::format(R"(<text class="tick" x="{}" y="{:.1f}" text-anchor="end">CPU {}</text><rect x="{}" y="{:.1f}" width="{}" height="{}" fill="#f4f4f4"/>)" "\n",
                     left - 6, top + lane * c + 15, c, left, top + lane * c, w - left - 10, lane - 4);
  for (auto& sl : slices) {
    if (sl.cpu < 0 || sl.cpu >= cpus) continue;
    const double a = std::max(sl.start_ms, t0_ms), b = std::min(sl.start_ms + sl.dur_ms, t1_ms);
    if (b <= a) continue;
    const double x = left + (a - t0_ms) / span * (w - left - 10);
    const double ww = std::max((b - a) / span * (w - left - 10), 0.5);
    s += fmt::format(R"(<rect x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{}" fill="{}"><title>{} {:.3f}-{:.3f} ms</title></rect>)" "\n",
                     x, top + lane * sl.cpu, ww, lane - 4, palette[colour[kind_of(sl.name)]],
                     html_escape(sl.name), a, b);
  }
  const double ly = top + lane * cpus + 16;
  s += fmt::format(R"(<text class="tick" x="{}" y="{:.1f}">{:.1f} ms</text><text class="tick" x="{}" y="{:.1f}" text-anchor="end">{:.1f} ms</text>)" "\n",
                   left, ly, t0_ms, w - 10, ly, t1_ms);
  double lx = left;
  for (auto& [k, ci] : colour) {
    s += fmt::format(R"(<rect x="{:.0f}" y="{:.1f}" width="12" height="12" fill="{}"/><text class="legend" x="{:.0f}" y="{:.1f}">{}</text>)" "\n",
                     lx, ly + 14, palette[ci], lx + 16, ly + 24, html_escape(k));
    lx += 110;
    if (lx > w - 110) break;
  }
  s += "</svg>\n";
  return s;
}

std::string html_page(const std::string& title, const std::vector<std::string>& sections) {
  std::string s = fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{0}</title>
<style>
body {{ font-family: sans-serif; margin: 24px auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 12px 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
th {{ background: #f0f0f0; }}
svg {{ display: block; margin: 12px 0; background: #fff; }}
.title {{ font-size: 15px; font-weight: bold; }}
.tick, .legend {{ font-size: 11px; }}
.label {{ font-size: 12px; }}
.grid {{ stroke: #e4e4e4; }}
.axis {{ stroke: #333; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; }}
</style></head><body>
<h1>{0}</h1>
)",
                              html_escape(title));
  for (auto& sec : sections) s += sec + "\n";
  s += "</body></html>\n";
  return s;
}

}  // namespace ups::report
