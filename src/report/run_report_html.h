// The report of `upsched sim --report DIR` (one run) and `upsched compare`
// (several policies on one workload and seed, side by side): a summary table,
// per-group CPU share over time, wakeup- and request-latency CDFs from the
// recorded samples, per-CPU timelines, exit reports and printk lines. Built
// from RunReport (the numbers `sim` prints) and RunSamples (what the charts
// draw); the terminal table and the HTML table are one table, so their units
// are the same. Nothing in it names a file of the machine: paths are cut to
// their last component.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/metrics.h"
#include "report/run_samples.h"

namespace ups::report {

struct RunView {
  const RunReport* report = nullptr;  // with per-task entries (World::report(true))
  const RunSamples* samples = nullptr;
};

// Rows and columns with their units in the header ("wakeup p99 (us)").
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string to_text() const;  // aligned columns for a terminal
  std::string to_html() const;
};

// One row per run: policy, wakeup and request latency (us), CPU busy (%),
// Jain's index, switches, ejections.
TextTable comparison_table(const std::vector<RunView>& runs);
// One row per task group and run: tasks, wakeups, wakeup mean (exact, from
// the per-task entries) and p99 (us, from the samples), CPU share (%).
TextTable group_table(const std::vector<RunView>& runs);

// The whole page (index.html of the report directory).
std::string run_report_html(const std::vector<RunView>& runs);

// A run's name in tables and legends: its policy chain with directories cut,
// made unique among `runs` ("fair", "prio.bpf.o?kick=1").
std::vector<std::string> run_labels(const std::vector<RunView>& runs);

// `text` with every absolute path cut to its last component
// ("/home/me/p/x.bpf.o:alice" -> "x.bpf.o:alice").
std::string strip_paths(std::string_view text);

// HOOK(printk): the policy's bpf_printk lines of a run, each tagged with
// time, CPU, class and task. Empty until RunReport carries them (the
// printk work of issue 19); the report's printk section renders whatever
// this returns.
std::vector<std::string> printk_lines(const RunReport& r);

}  // namespace ups::report
