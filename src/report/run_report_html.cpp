// The run and comparison report (see run_report_html.h).
#include "report/run_report_html.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/chart.h"
#include "report/report_html.h"
#include "report/trace.h"

namespace ups::report {

std::string strip_paths(std::string_view text) {
  // An absolute path starts at the text's start or after a separator and
  // holds at least one more '/': keep what follows its last '/'.
  static const std::regex path(R"re((^|[\s(=,'"\[])/[^\s'"(),\[\]]*/)re");
  return std::regex_replace(std::string(text), path, "$1");
}

std::vector<std::string> printk_lines(const RunReport& r) {
  // As the trace and `sim --printk` show them: time, CPU, class, task, text.
  std::vector<std::string> out;
  out.reserve(r.printk.size() + 1);
  for (const PrintkLine& l : r.printk) out.push_back(format_printk(l));
  if (r.printk_dropped > 0) out.push_back(fmt::format("({} more lines not kept)", r.printk_dropped));
  return out;
}

std::vector<std::string> run_labels(const std::vector<RunView>& runs) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (const RunView& v : runs) {
    // The chain's specs without their directories: "prio.bpf.o?kick=1".
    std::string l;
    for (size_t a = 0; a <= v.report->policy.size();) {
      size_t b = v.report->policy.find(',', a);
      if (b == std::string::npos) b = v.report->policy.size();
      std::string spec = v.report->policy.substr(a, b - a);
      const size_t q = spec.find('?');
      const size_t slash = spec.rfind('/', q);
      if (slash != std::string::npos) spec = spec.substr(slash + 1);
      l += (l.empty() ? "" : ",") + spec;
      a = b + 1;
    }
    if (int n = ++seen[l]; n > 1) l += fmt::format(" #{}", n);
    out.push_back(l);
  }
  return out;
}

std::string TextTable::to_text() const {
  std::vector<size_t> w(header.size(), 0);
  for (size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size() && i < w.size(); ++i) {
      if (i) s += "  ";
      s += i == 0 ? fmt::format("{:<{}}", cells[i], w[i]) : fmt::format("{:>{}}", cells[i], w[i]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string s = line(header);
  for (auto& r : rows) s += line(r);
  return s;
}

std::string TextTable::to_html() const { return html_table(header, rows); }

namespace {

std::string us(double v) { return fmt::format("{:.1f}", v); }

// The wakeup samples of group g (or of all groups: g = -1) in us.
std::vector<double> wakeup_us(const RunSamples& s, int g) {
  if (g >= 0) return s.wakeup(static_cast<u32>(g)).micros();
  std::vector<double> all;
  for (u32 i = 0; i < s.groups().size(); ++i) {
    auto v = s.wakeup(i).micros();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

// The exact wakeup mean of a group from the per-task entries (us).
double group_wakeup_mean(const RunReport& r, const std::string& group, u64* count) {
  double sum = 0;
  u64 n = 0;
  for (const TaskReport& t : r.tasks)
    if (t.group == group) {
      sum += t.wakeup_mean_us * static_cast<double>(t.wakeups);
      n += t.wakeups;
    }
  *count = n;
  return n ? sum / static_cast<double>(n) : 0;
}

double quantile_us(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size()));
  return v[std::min(i, v.size() - 1)];
}

std::string side_by_side(const std::vector<std::string>& parts) {
  std::string s = "<div class=\"side\">\n";
  for (auto& p : parts) s += "<div>\n" + p + "</div>\n";
  return s + "</div>\n";
}

std::string section(const char* id, const std::string& heading, const std::string& body) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, html_escape(heading), body);
}

// Groups drawn on their own in the share chart: the ten with the most CPU
// time; the rest are summed as "other groups".
std::vector<int> top_groups(const RunSamples& s, size_t keep) {
  std::vector<TimeNs> total(s.groups().size(), 0);
  for (auto& iv : s.group_run())
    for (size_t g = 0; g < iv.size(); ++g) total[g] += iv[g];
  std::vector<int> order(total.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return total[a] > total[b]; });
  if (order.size() > keep) order.resize(keep);
  std::sort(order.begin(), order.end());
  return order;
}

std::string share_chart(const RunReport& r, const RunSamples& s, const std::string& label) {
  const auto keep = top_groups(s, 9);
  const bool other = keep.size() < s.groups().size();
  std::vector<ChartSeries> series;
  for (int g : keep) series.push_back({s.groups()[g], "", false, {}});
  if (other) series.push_back({"other groups", "", true, {}});
  const double cap = static_cast<double>(s.share_interval()) * s.nr_cpus();
  for (size_t i = 0; i < s.group_run().size(); ++i) {
    const TimeNs from = static_cast<TimeNs>(i) * s.share_interval();
    if (from >= r.elapsed_ns) break;
    // The last interval may be cut short by the end of the run.
    const double len = static_cast<double>(std::min(s.share_interval(), r.elapsed_ns - from));
    const double x = (static_cast<double>(from) + len / 2) / 1e9;
    const auto& iv = s.group_run()[i];
    TimeNs rest = std::accumulate(iv.begin(), iv.end(), TimeNs{0});
    for (size_t k = 0; k < keep.size(); ++k) {
      series[k].points.emplace_back(x, static_cast<double>(iv[keep[k]]) / (cap * len / s.share_interval()) * 100);
      rest -= iv[keep[k]];
    }
    if (other) series.back().points.emplace_back(x, static_cast<double>(rest) / (cap * len / s.share_interval()) * 100);
  }
  return svg_line_chart(fmt::format("CPU share per group over time: {}", label),
                        {fmt::format("simulated s ({} ms intervals)", s.share_interval() / 1e6),
                         fmt::format("share of {} CPU(s) (%)", s.nr_cpus()), false, 100},
                        series);
}

std::string timeline_chart(const RunReport& r, const RunSamples& s, const std::string& label) {
  const auto slices = s.timeline();
  constexpr int kMaxLanes = 64;
  constexpr TimeNs kWindow = 20 * kNsPerMs;  // a few slices of 4 ms, wakeups still visible
  const TimeNs t1 = r.elapsed_ns;
  const TimeNs t0 = std::max(s.timeline_from(), t1 > kWindow ? t1 - kWindow : 0);
  std::vector<TimelineSlice> out;
  for (const CpuSlice& c : slices)
    if (c.end > t0)
      out.push_back({c.cpu, c.start / 1e6, (c.end - c.start) / 1e6,
                     fmt::format("{} (pid {})", s.groups()[c.group], c.pid), s.groups()[c.group]});
  const int lanes = std::min(s.nr_cpus(), kMaxLanes);
  return svg_timeline(fmt::format("Per-CPU timeline: {}, simulated {:.1f}-{:.1f} ms{}", label, t0 / 1e6, t1 / 1e6,
                                  lanes < s.nr_cpus() ? fmt::format(" (first {} CPUs)", lanes) : ""),
                      lanes, t0 / 1e6, t1 / 1e6, out);
}

std::string exits_html(const RunReport& r) {
  std::string s;
  if (r.exit_reports.empty()) s += "<p>No exit report: no class was loaded or unloaded.</p>\n";
  std::vector<std::vector<std::string>> rows;
  for (const ExitReport& e : r.exit_reports)
    rows.push_back({strip_paths(e.class_name), std::string(exit_kind_name(e.kind)), fmt::format("{:.6f}", e.at / 1e9),
                    strip_paths(e.reason), strip_paths(e.message), strip_paths(e.callback), strip_paths(e.location),
                    std::to_string(e.tasks_moved_to_fair)});
  if (!rows.empty())
    s += html_table({"class", "kind", "at (simulated s)", "reason", "message", "callback", "where", "tasks moved to fair"},
                    rows, "exits");
  for (const std::string& w : r.warnings) s += "<p class=\"warning\">warning: " + html_escape(strip_paths(w)) + "</p>\n";
  for (const std::string& w : r.refused) s += "<p class=\"warning\">refused: " + html_escape(strip_paths(w)) + "</p>\n";
  if (!r.error.empty()) s += "<p class=\"warning\">run failed: " + html_escape(strip_paths(r.error)) + "</p>\n";
  return s;
}

std::string printk_html(const RunReport& r) {
  const auto lines = printk_lines(r);
  if (lines.empty()) return "<p class=\"printk-none\">No printk lines recorded for this run.</p>\n";
  std::string s = "<pre class=\"printk\">";
  for (auto& l : lines) s += html_escape(strip_paths(l)) + "\n";
  return s + "</pre>\n";
}

}  // namespace

TextTable comparison_table(const std::vector<RunView>& runs) {
  TextTable t;
  t.header = {"policy",           "wakeups",           "wakeup mean (us)", "wakeup p50 (us)", "wakeup p99 (us)",
              "wakeup max (us)",  "requests",          "request p50 (us)", "request p99 (us)", "cpu busy (%)",
              "jain",             "switches",          "ejected"};
  const auto labels = run_labels(runs);
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunReport& r = *runs[i].report;
    u64 ejected = 0;
    for (auto& e : r.exit_reports) ejected += e.is_error();
    t.rows.push_back({labels[i], std::to_string(r.wakeup_latency.count), us(r.wakeup_latency.mean_us),
                      us(r.wakeup_latency.p50_us), us(r.wakeup_latency.p99_us), us(r.wakeup_latency.max_us),
                      std::to_string(r.requests), us(r.request_latency.p50_us), us(r.request_latency.p99_us),
                      fmt::format("{:.1f}", r.cpu_busy_ratio * 100), fmt::format("{:.4f}", r.jain_index),
                      std::to_string(r.context_switches), std::to_string(ejected)});
  }
  return t;
}

TextTable group_table(const std::vector<RunView>& runs) {
  TextTable t;
  t.header = {"group", "policy", "tasks", "wakeups", "wakeup mean (us)", "wakeup p99 (us)", "cpu share (%)"};
  if (runs.empty()) return t;
  const auto labels = run_labels(runs);
  const RunReport& first = *runs[0].report;
  for (size_t g = 0; g < first.groups.size(); ++g)
    for (size_t i = 0; i < runs.size(); ++i) {
      const RunReport& r = *runs[i].report;
      if (g >= r.groups.size()) continue;
      u64 n = 0;
      const double mean = group_wakeup_mean(r, r.groups[g].name, &n);
      const RunSamples* s = runs[i].samples;
      const double p99 = s && g < s->groups().size() ? quantile_us(wakeup_us(*s, static_cast<int>(g)), 0.99) : 0;
      t.rows.push_back({r.groups[g].name, labels[i], std::to_string(r.groups[g].tasks), std::to_string(n), us(mean),
                        us(p99), fmt::format("{:.1f}", r.groups[g].cpu_share * 100)});
    }
  return t;
}

std::string run_report_html(const std::vector<RunView>& runs) {
  if (runs.empty()) return html_page("upsched report", {"<p>No run.</p>"});
  const auto labels = run_labels(runs);
  const RunReport& r0 = *runs[0].report;
  const bool compare = runs.size() > 1;
  std::string title = compare ? fmt::format("upsched compare: {}", strip_paths(r0.workload))
                              : fmt::format("upsched sim: {} under {}", strip_paths(r0.workload), labels[0]);
  std::vector<std::string> sections;

  std::string summary = fmt::format(
      "<p>Workload <b>{}</b>, {} CPU(s), seed {}, {:.3f} simulated s{}. Latencies in microseconds of simulated time. "
      "Reproduce: <code>upsched {} ... --seed {}</code>.</p>\n",
      html_escape(strip_paths(r0.workload)), r0.nr_cpus, r0.seed, r0.elapsed_ns / 1e9,
      r0.completed ? " (every task exited)" : "", compare ? "compare" : "sim", r0.seed);
  summary += comparison_table(runs).to_html();
  summary += "<h3>Per task group</h3>\n" + group_table(runs).to_html();
  sections.push_back(section("summary", "Summary", summary));

  std::vector<std::string> shares, timelines, exits, printks;
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunReport& r = *runs[i].report;
    if (runs[i].samples) {
      shares.push_back(share_chart(r, *runs[i].samples, labels[i]));
      timelines.push_back(timeline_chart(r, *runs[i].samples, labels[i]));
    }
    exits.push_back("<h3>" + html_escape(labels[i]) + "</h3>\n" + exits_html(r));
    printks.push_back("<h3>" + html_escape(labels[i]) + "</h3>\n" + printk_html(r));
  }
  sections.push_back(section("share", "CPU share per task group over time", side_by_side(shares)));

  // Wakeup latency: a single run, one CDF per group and one of all; a
  // comparison, all tasks per policy, then each group per policy.
  std::vector<std::string> wake;
  const size_t nr_groups = runs[0].samples ? runs[0].samples->groups().size() : 0;
  constexpr size_t kMaxGroupCharts = 8;
  if (!compare) {
    std::vector<CdfSeries> cdfs;
    if (runs[0].samples) {
      if (nr_groups > 1) cdfs.push_back({"all tasks", wakeup_us(*runs[0].samples, -1), true});
      for (size_t g = 0; g < nr_groups; ++g)
        cdfs.push_back({runs[0].samples->groups()[g], wakeup_us(*runs[0].samples, static_cast<int>(g)), false});
    }
    wake.push_back(svg_cdf_chart("Wakeup latency CDF (wakeup to running)", "wakeup latency (us, log scale)", cdfs));
  } else {
    for (int g = -1; g < static_cast<int>(std::min(nr_groups, kMaxGroupCharts)); ++g) {
      if (g == -1 && nr_groups == 1) continue;  // "all" is the only group
      std::vector<CdfSeries> cdfs;
      for (size_t i = 0; i < runs.size(); ++i)
        if (runs[i].samples && (g < 0 || static_cast<size_t>(g) < runs[i].samples->groups().size()))
          cdfs.push_back({labels[i], wakeup_us(*runs[i].samples, g), false});
      const std::string who = g < 0 ? "all tasks" : "group " + runs[0].samples->groups()[g];
      wake.push_back(svg_cdf_chart("Wakeup latency CDF, " + who, "wakeup latency (us, log scale)", cdfs));
    }
  }
  sections.push_back(section("wakeup", "Wakeup latency", "<div class=\"charts\">" + fmt::format("{}", fmt::join(wake, "")) + "</div>\n"));

  std::string req;
  if (std::none_of(runs.begin(), runs.end(), [](const RunView& v) { return v.report->requests > 0; })) {
    req = "<p>No request latency: the workload marks no requests (<code>begin</code>/<code>complete</code>, "
          "see docs/workloads.md).</p>\n";
  } else {
    std::vector<CdfSeries> cdfs;
    for (size_t i = 0; i < runs.size(); ++i)
      if (runs[i].samples) cdfs.push_back({labels[i], runs[i].samples->requests().micros(), false});
    req = svg_cdf_chart("Request latency CDF (begin to complete)", "request latency (us, log scale)", cdfs);
  }
  sections.push_back(section("requests", "Request latency", req));
  sections.push_back(section("timeline", "Per-CPU timeline", side_by_side(timelines)));
  sections.push_back(section("exits", "Exit reports and warnings", side_by_side(exits)));
  sections.push_back(section("printk", "printk", side_by_side(printks)));
  return html_page(title, sections);
}

}  // namespace ups::report
