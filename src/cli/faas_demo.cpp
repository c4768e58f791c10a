// `upsched demo` (see faas_demo.h): sweeps fair, simple and faas_event
// over both runtime kinds, prints the table, writes DIR/index.html (inline
// SVG), DIR/results.{json,md}, DIR/idle_ratio.svg and Perfetto timelines.
// simple and faas_event are the SDK's BPF objects, loaded through the
// policy host for a principal that the demo's admission file
// (DIR/admission.toml) grants sched.load and sched.events, exactly as
// `upsched faas --policy FILE.bpf.o:USER --admission FILE` would; a missing
// object falls back to the policy's native twin, and the output says so.
#include "cli/faas_demo.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/duration_option.h"
#include "cli/faas_sweep.h"
#include "host/policy_spec.h"
#include "report/report_html.h"
#include "report/run_report_html.h"
#include "sim/faas_model.h"

namespace ups::cli {

using report::ChartAxes;
using report::ChartSeries;
using report::html_escape;
using report::html_page;
using report::svg_line_chart;
using report::svg_timeline;
using report::TimelineSlice;

namespace {

struct DemoArgs {
  std::string out = "upsched-report", chains = "0,1,5,10,20,50", params, policy_dir = UPS_DEFAULT_POLICY_DIR;
  int cpus = 0;
  u64 seed = 1;
  TimeNs duration = 0;  // 0: the parameters'
};

constexpr int kNrPolicies = 3;
const char* kPolicies[kNrPolicies] = {"fair", "simple", "faas_event"};
const char* kRuntimes[] = {"microvm", "container"};
const char* kColours[2][kNrPolicies] = {{"#d62728", "#9467bd", "#1f77b4"},
                                         {"#ff7f0e", "#8c564b", "#2ca02c"}};  // [runtime][policy]

// How a runtime kind polls its input, for the parameters line.
std::string polling(const sim::RuntimeModel& rt) {
  using sim::PollFrom;
  if (rt.poll_from == PollFrom::never) return "never for input";
  const std::string how = rt.poll_burst_ms > 0
                              ? fmt::format("{} ms every {} ms", rt.poll_burst_ms, rt.poll_period_ms)
                              : std::string("spinning");
  if (rt.poll_from == PollFrom::always) return "whenever it has no input (" + how + ")";
  return fmt::format("from {} ({})", sim::poll_from_name(rt.poll_from), how);
}

// The principal the demo loads its BPF policies for (the platform user
// that owns the chains' tasks), and what it is granted.
constexpr const char* kDemoUser = "faas";
std::string demo_admission() {
  return fmt::format(
      "# Written by `upsched demo`: the user its BPF policies are loaded for.\n"
      "[users.{}]\nuid = {}\ngid = {}\ncaps = [\"sched.load\", \"sched.events\"]\n",
      kDemoUser, sim::kFaasPlatformUser.uid, sim::kFaasPlatformUser.gid);
}

// How the demo runs one policy: the spec given to the policy factory and a
// line for the user saying where it came from.
struct DemoPolicy {
  std::string spec, origin;
};

DemoPolicy demo_policy(const std::string& name, const std::filesystem::path& policy_dir) {
  if (name == "fair") return {"fair", "fair: the built-in fair class"};
  const std::filesystem::path obj = policy_dir / (name + ".bpf.o");
  std::error_code ec;
  if (std::filesystem::is_regular_file(obj, ec))
    return {obj.string() + ":" + kDemoUser,
            fmt::format("{}: BPF {} (user {}: sched.load, sched.events)", name, obj.string(), kDemoUser)};
  return {name, fmt::format("{}: native twin ({} not found; build the `policies` target or pass --policy-dir)",
                            name, obj.string())};
}

// One line per finished point with its figures, so the first result shows
// seconds after the start, not when the whole sweep is done; on a terminal
// a bar under those lines counts the points.
class Progress {
public:
  explicit Progress(int total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}
  void step(const std::string& what, const std::string& result = {}) {
    ++done_;
    const std::string line = result.empty() ? what : what + ": " + result;
    if (tty_) {
      const int width = 30, filled = done_ * width / total_;
      if (!result.empty()) std::fprintf(stderr, "\r\033[K  %s\n", line.c_str());
      std::fprintf(stderr, "\r\033[K[%s%s] %2d/%d %s", std::string(filled, '#').c_str(),
                   std::string(width - filled, '.').c_str(), done_, total_, what.c_str());
      if (done_ == total_) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "step %d/%d: %s\n", done_, total_, line.c_str());
    }
    std::fflush(stderr);
  }

private:
  int total_, done_ = 0;
  bool tty_;
};

// Paper's figures (SPMA'22, workloads-and-metrics.md §1.3).
std::string paper_column(const std::string& runtime, int chains) {
  if (runtime == "microvm") return chains <= 1 ? "16-27%" : chains == 50 ? "up to 69.25%" : "rising";
  return "17.8-31.6%";
}

std::vector<TimelineSlice> slices_from_chrome(const std::string& text, double* t_end_ms) {
  std::vector<TimelineSlice> out;
  *t_end_ms = 0;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("traceEvents")) return out;
  for (auto& e : j["traceEvents"]) {
    if (e.value("ph", "") != "X" || e.value("pid", 0) != 1) continue;
    TimelineSlice s;
    s.cpu = e.value("tid", 1) - 1;
    s.start_ms = e.value("ts", 0.0) / 1e3;
    s.dur_ms = e.value("dur", 0.0) / 1e3;
    s.name = e.value("name", "");
    // One colour per function kind ("vm3-extract" -> "extract"), not per chain.
    const auto dash = s.name.rfind('-');
    s.key = dash == std::string::npos ? s.name : s.name.substr(dash + 1);
    *t_end_ms = std::max(*t_end_ms, s.start_ms + s.dur_ms);
    out.push_back(std::move(s));
  }
  return out;
}

bool write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  return static_cast<bool>(out);
}

int run_demo(const DemoArgs& a) {
  sim::FaasParams prm;
  if (!a.params.empty()) {
    auto p = sim::load_faas_params(a.params);
    if (!p) {
      std::fprintf(stderr, "upsched demo: %s\n", p.error().to_string().c_str());
      return 2;
    }
    prm = *p;
  }
  if (a.cpus) prm.cpus = a.cpus;
  if (a.duration > 0) prm.duration_s = static_cast<double>(a.duration) / kNsPerSec;
  auto counts = parse_chain_counts(a.chains);
  if (!counts) {
    std::fprintf(stderr, "upsched demo: --chains: %s\n", counts.error().message.c_str());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) {
    std::fprintf(stderr, "upsched demo: cannot create %s: %s\n", a.out.c_str(), ec.message().c_str());
    return 2;
  }
  const std::filesystem::path dir(a.out);
  const int timeline_chains = std::min(20, counts->back());
  const std::string admission = (dir / "admission.toml").string();
  if (!write_file(admission, demo_admission())) {
    std::fprintf(stderr, "upsched demo: cannot write %s\n", admission.c_str());
    return 2;
  }
  DemoPolicy policies[kNrPolicies];
  for (int p = 0; p < kNrPolicies; ++p) {
    policies[p] = demo_policy(kPolicies[p], a.policy_dir);
    if (auto f = faas_policy_factory(policies[p].spec, admission, a.seed, prm.cpus); !f) {
      std::fprintf(stderr, "upsched demo: %s\n", f.error().to_string().c_str());
      return 2;
    }
  }

  std::printf("upsched demo: serverless chains (5 functions after the ServerlessBench image chain) on %d CPUs,\n"
              "fair vs simple vs faas_event, micro-VM and container runtimes, %.1f s simulated per point, seed %llu\n",
              prm.cpus, prm.duration_s, static_cast<unsigned long long>(a.seed));
  for (const DemoPolicy& p : policies) std::printf("  %s\n", p.origin.c_str());
  std::printf("\n");
  std::fflush(stdout);
  Progress progress(2 * kNrPolicies * static_cast<int>(counts->size()) + 2);
  // rows[runtime][policy][i]
  std::vector<sim::FaasPoint> rows[2][kNrPolicies];
  int rc = 0;
  for (int r = 0; r < 2; ++r)
    for (int p = 0; p < kNrPolicies; ++p)
      rows[r][p] = run_faas_sweep(prm, *prm.runtime(kRuntimes[r]), *counts, policies[p].spec, admission, a.seed,
                                  [&](const sim::FaasPoint& pt) {
                                    if (!pt.error.empty() || pt.lost_tasks) {
                                      std::fprintf(stderr, "\nupsched demo: %s/%s/%d chains: %s\n", kRuntimes[r],
                                                   kPolicies[p], pt.chains,
                                                   pt.error.empty() ? "tasks lost" : pt.error.c_str());
                                      rc = 1;
                                    }
                                    progress.step(fmt::format("{} {} {} chains", kRuntimes[r], kPolicies[p], pt.chains),
                                                  fmt::format("idle {:.1f}%, p99 {:.2f} s, {:.1f} chains/s",
                                                              pt.idle_ratio * 100, pt.p99_ms / 1e3,
                                                              pt.throughput_rps));
                                  });

  // Short timelines (fair and faas_event): Perfetto files and the report's
  // per-CPU view.
  std::string timeline_svg;
  for (int p : {0, kNrPolicies - 1}) {
    sim::FaasParams short_prm = prm;
    short_prm.duration_s = std::min(prm.duration_s, 10.0);
    std::ostringstream chrome;
    std::ofstream ftrace(dir / fmt::format("timeline-{}.ftrace.txt", kPolicies[p]));
    sim::FaasRunOptions opt;
    opt.policy = policies[p].spec;
    if (auto factory = faas_policy_factory(policies[p].spec, admission, a.seed, prm.cpus))
      opt.factory = std::move(*factory);
    opt.seed = a.seed;
    opt.chrome = &chrome;
    opt.ftrace = &ftrace;
    sim::run_faas_point(short_prm, prm.microvm, timeline_chains, opt);
    write_file(dir / fmt::format("timeline-{}.json", kPolicies[p]), chrome.str());
    double t_end = 0;
    auto slices = slices_from_chrome(chrome.str(), &t_end);
    const double t1 = t_end, t0 = std::max(0.0, t1 - 500.0);
    timeline_svg += svg_timeline(fmt::format("Per-CPU timeline, {} ({} micro-VM chains, last 500 ms)",
                                             kPolicies[p], timeline_chains),
                                 prm.cpus, t0, t1, slices);
    progress.step(fmt::format("timeline {}", kPolicies[p]));
  }

  // The table: per runtime and load, each metric for every policy.
  const auto per_policy = [](const std::string& metric) {
    std::vector<std::string> cols;
    for (const char* p : kPolicies) cols.push_back(metric + " " + p);
    return cols;
  };
  std::vector<std::string> header = {"runtime", "chains"};
  for (auto& c : per_policy("idle")) header.push_back(c);
  header.push_back("paper (fair)");
  for (auto& c : per_policy("p99 ms")) header.push_back(c);
  for (auto& c : per_policy("chains/s")) header.push_back(c);
  header.push_back("lost");
  std::string md = "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|---|---:|";
  for (int p = 0; p < kNrPolicies; ++p) md += "---:|";
  md += "---|";
  for (int p = 0; p < 2 * kNrPolicies + 1; ++p) md += "---:|";
  md += "\n";
  std::string html_rows = "<tr>";
  for (auto& h : header) html_rows += "<th>" + html_escape(h) + "</th>";
  html_rows += "</tr>\n";
  std::printf("%-9s %6s", "runtime", "chains");
  for (const char* what : {"idle", "p99 s", "rps"})
    for (const char* p : kPolicies) std::printf(" %11s", fmt::format("{} {}", what, p).substr(0, 11).c_str());
  std::printf(" %5s\n", "lost");
  for (int r = 0; r < 2; ++r)
    for (size_t i = 0; i < counts->size(); ++i) {
      std::vector<std::string> cells = {kRuntimes[r], std::to_string(rows[r][0][i].chains)};
      u64 lost = 0;
      std::printf("%-9s %6d", kRuntimes[r], rows[r][0][i].chains);
      for (int p = 0; p < kNrPolicies; ++p) {
        cells.push_back(fmt::format("{:.1f}%", rows[r][p][i].idle_ratio * 100));
        std::printf(" %10.1f%%", rows[r][p][i].idle_ratio * 100);
        lost += rows[r][p][i].lost_tasks;
      }
      cells.push_back(paper_column(kRuntimes[r], rows[r][0][i].chains));
      for (int p = 0; p < kNrPolicies; ++p) {
        cells.push_back(fmt::format("{:.2f}", rows[r][p][i].p99_ms));
        std::printf(" %11.2f", rows[r][p][i].p99_ms / 1e3);
      }
      for (int p = 0; p < kNrPolicies; ++p) {
        cells.push_back(fmt::format("{:.1f}", rows[r][p][i].throughput_rps));
        std::printf(" %11.1f", rows[r][p][i].throughput_rps);
      }
      cells.push_back(std::to_string(lost));
      std::printf(" %5llu\n", static_cast<unsigned long long>(lost));
      md += "| " + fmt::format("{}", fmt::join(cells, " | ")) + " |\n";
      html_rows += "<tr>";
      for (auto& c : cells) html_rows += "<td>" + html_escape(c) + "</td>";
      html_rows += "</tr>\n";
    }

  // Charts.
  std::vector<ChartSeries> idle, cdf;
  for (int r = 0; r < 2; ++r)
    for (int p = 0; p < kNrPolicies; ++p) {
      ChartSeries s{fmt::format("{} / {}", kRuntimes[r], kPolicies[p]), kColours[r][p], p > 0, {}};
      for (auto& pt : rows[r][p]) s.points.emplace_back(pt.chains, pt.idle_ratio * 100);
      idle.push_back(s);
      ChartSeries c{s.name, s.color, s.dashed, {}};
      const sim::FaasPoint& last = rows[r][p].back();
      for (auto [q, ms] : last.latency_cdf) c.points.emplace_back(ms, q * 100);
      cdf.push_back(c);
    }
  const std::string idle_svg = svg_line_chart("Idle-time ratio vs colocated chains",
                                              {"colocated chains", "idle-time ratio (%)", false, 0}, idle);
  const std::string cdf_svg = svg_line_chart(
      fmt::format("Chain latency CDF at {} chains", counts->back()),
      {"end-to-end latency (simulated ms, log)", "requests at or below (%)", true, 100}, cdf);

  nlohmann::json all = nlohmann::json::array();
  for (int r = 0; r < 2; ++r)
    for (int p = 0; p < kNrPolicies; ++p)
      for (auto& pt : rows[r][p]) all.push_back(faas_point_json(pt, kRuntimes[r], kPolicies[p]));
  const std::string params_line = fmt::format(
      "{} CPUs, {} Hz ticks; costs x{} (extract 600-800 ms, transform/handler/store 1-5 ms, thumbnail 400-500 ms before scaling); "
      "{}; object storage {} ms (micro-VM) / {} ms (container); "
      "micro-VM polls {} and during I/O: {}; container polls {} and during I/O: {}; seed {}; {} s simulated per point.",
      prm.cpus, prm.hz, prm.cost_scale,
      prm.arrival == "closed"
          ? fmt::format("closed-loop arrivals (one client per chain, {} ms think time)", prm.think_ms)
          : fmt::format("{} arrivals at {} requests/s per chain (unscaled)", prm.arrival, prm.rate_per_chain),
      prm.microvm.io_ms, prm.container.io_ms,
      polling(prm.microvm), prm.microvm.poll_io ? "yes" : "no", polling(prm.container),
      prm.container.poll_io ? "yes" : "no", a.seed, prm.duration_s);

  bool ok = write_file(dir / "results.json", all.dump(1) + "\n");
  std::string origins;
  // The report names no path of this machine: objects by file name.
  for (const DemoPolicy& p : policies) origins += "- " + report::strip_paths(p.origin) + "\n";
  ok &= write_file(dir / "results.md", "Parameters: " + params_line + "\n\nPolicies:\n" + origins + "\n" + md);
  ok &= write_file(dir / "idle_ratio.svg", idle_svg);
  ok &= write_file(
      dir / "index.html",
      html_page("upsched: serverless chains under fair, simple and faas_event",
                {"<p>" + html_escape(params_line) + "</p>", "<pre>" + html_escape(origins) + "</pre>",
                 "<p>Idle-time ratio = CPU time a function runtime holds while it only polls for input or I/O, "
                 "over the CPU time the application used. faas_event parks polling runtimes until their event fires.</p>",
                 "<table>" + html_rows + "</table>",
                 "<div class=\"charts\">" + idle_svg + cdf_svg + "</div>", timeline_svg,
                 "<p>Timelines for ui.perfetto.dev: timeline-fair.json, timeline-faas_event.json (Chrome JSON) and "
                 "timeline-*.ftrace.txt (ftrace sched_switch).</p>"}));
  if (!ok) {
    std::fprintf(stderr, "upsched demo: cannot write the report under %s\n", a.out.c_str());
    return 2;
  }
  std::printf("\nreport: %s\n", (dir / "index.html").c_str());
  return rc;
}

}  // namespace

void register_faas_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* demo = app.add_subcommand("demo", "serverless chains: fair vs simple vs faas_event (BPF), with an HTML report");
  demo->add_option("--out", a->out, "report directory")->capture_default_str();
  demo->add_option("--chains", a->chains, "comma-separated colocated chain counts")->capture_default_str();
  demo->add_option("--cpus", a->cpus, "simulated CPUs (default 8)");
  demo->add_option("--seed", a->seed, "seed")->capture_default_str();
  add_duration_option(demo, "--duration", a->duration, "simulated time per point (default from the parameters: 120s)");
  demo->add_option("--params", a->params, "TOML parameters (workloads/faas.toml)");
  demo->add_option("--policy-dir", a->policy_dir, "where simple.bpf.o and faas_event.bpf.o are")->capture_default_str();
  demo->callback([a] { set_exit_code(run_demo(*a)); });
}

}  // namespace ups::cli
