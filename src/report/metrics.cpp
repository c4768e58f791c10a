// The report's two forms: the JSON document (--json) and the summary table.
#include "report/metrics.h"

#include "report/histogram.h"

#include <nlohmann/json.hpp>
#include <fmt/format.h>

namespace ups::report {

double jain_index(const std::vector<double>& xs) {
  if (xs.empty()) return 1.0;
  double sum = 0, sq = 0;
  for (double x : xs) {
    sum += x;
    sq += x * x;
  }
  if (sq == 0) return 1.0;
  return sum * sum / (static_cast<double>(xs.size()) * sq);
}

namespace {
nlohmann::ordered_json percentiles_json(const Percentiles& p) {
  return {{"count", p.count}, {"mean", p.mean_us}, {"p50", p.p50_us}, {"p90", p.p90_us},
          {"p99", p.p99_us},  {"p999", p.p999_us}, {"max", p.max_us}};
}
}  // namespace

std::string RunReport::to_json() const {
  nlohmann::ordered_json j;
  j["workload"] = workload;
  j["policy"] = policy;
  j["cpus"] = nr_cpus;
  j["seed"] = seed;
  j["duration_s"] = duration_ns / 1e9;
  j["elapsed_s"] = elapsed_ns / 1e9;
  j["completed"] = completed;
  j["events"] = events;
  j["tasks_created"] = tasks_created;
  j["tasks_completed"] = tasks_completed;
  j["lost_tasks"] = lost_tasks;
  j["context_switches"] = context_switches;
  j["migrations"] = migrations;
  j["trace_sha256"] = trace_sha256;
  nlohmann::ordered_json share = nlohmann::ordered_json::object();
  for (auto& [name, s] : per_class_share) share[name] = s;
  j["per_class_share"] = share;
  j["requests"] = requests;
  // latency_us: end-to-end request latency when the workload marks
  // requests, else wakeup latency (what schbench reports).
  j["latency_us"] = percentiles_json(requests ? request_latency : wakeup_latency);
  j["request_latency_us"] = percentiles_json(request_latency);
  j["wakeup_latency_us"] = percentiles_json(wakeup_latency);
  j["cpu_busy_ratio"] = cpu_busy_ratio;
  j["cpu_busy"] = cpu_busy;
  j["dispatch_placements"] = dispatch_placements;
  j["wasted_cpu_ratio"] = wasted_cpu_ratio;
  j["jain_index"] = jain_index;
  nlohmann::ordered_json groups_j = nlohmann::ordered_json::array();
  for (auto& g : groups)
  {
    groups_j.push_back({{"name", g.name}, {"tasks", g.tasks}, {"weight", g.weight},
                        {"cpu_share", g.cpu_share}, {"run_s", g.run_s}});
    if (!g.cgroup.empty()) groups_j.back()["cgroup"] = g.cgroup;
  }
  j["groups"] = groups_j;
  if (!cgroups.empty()) {
    nlohmann::ordered_json cgroups_j = nlohmann::ordered_json::array();
    for (auto& c : cgroups)
      cgroups_j.push_back({{"path", c.path}, {"weight", c.weight}, {"cpu_share", c.cpu_share}, {"run_s", c.run_s}});
    j["cgroups"] = cgroups_j;
  }
  if (!vms.empty()) {
    nlohmann::ordered_json vms_j = nlohmann::ordered_json::array();
    for (auto& v : vms)
      vms_j.push_back({{"name", v.name}, {"vcpus", v.vcpus}, {"host_cpu_s", v.host_cpu_s},
                       {"guest_run_s", v.guest_run_s}, {"spin_s", v.spin_s}, {"useful_ratio", v.useful_ratio()},
                       {"steal_s", v.steal_s}, {"ple_exits", v.ple_exits}, {"requests", v.requests},
                       {"request_latency_us", percentiles_json(v.request_latency)}});
    j["vms"] = vms_j;
  }
  if (!tasks.empty()) {
    nlohmann::ordered_json tasks_j = nlohmann::ordered_json::array();
    for (auto& t : tasks)
      tasks_j.push_back({{"pid", t.pid}, {"group", t.group}, {"run_s", t.run_s},
                         {"wakeups", t.wakeups}, {"wakeup_mean_us", t.wakeup_mean_us},
                         {"wakeup_max_us", t.wakeup_max_us}});
    j["tasks"] = tasks_j;
  }
  nlohmann::ordered_json exits = nlohmann::ordered_json::array();
  for (auto& e : exit_reports)
    exits.push_back({{"class", e.class_name}, {"kind", std::string(exit_kind_name(e.kind))},
                     {"reason", e.reason}, {"message", e.message}, {"at_s", e.at / 1e9},
                     {"tasks_moved_to_fair", e.tasks_moved_to_fair}});
  j["exit_reports"] = exits;
  j["refused"] = refused;
  j["warnings"] = warnings;
  nlohmann::json lines = nlohmann::json::array();
  for (const PrintkLine& l : printk)
    lines.push_back({{"at_ns", l.at}, {"cpu", l.cpu}, {"class", l.class_name}, {"pid", l.task}, {"comm", l.comm},
                     {"text", l.text}});
  j["printk"] = lines;
  j["printk_dropped"] = printk_dropped;
  if (!error.empty()) j["error"] = error;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RunReport::summary() const {
  std::string s;
  s += fmt::format("workload {}  policy {}  cpus {}  seed {}\n", workload, policy, nr_cpus, seed);
  s += fmt::format("simulated {:.6f}s of {:.6f}s{}  events {}  tasks {}/{} completed  lost {}\n",
                   elapsed_ns / 1e9, duration_ns / 1e9, completed ? " (finished)" : "", events,
                   tasks_completed, tasks_created, lost_tasks);
  s += fmt::format("cpu busy {:.1f}%  wasted (spin) {:.1f}%  jain {:.4f}  switches {}  migrations {}\n",
                   cpu_busy_ratio * 100, wasted_cpu_ratio * 100, jain_index, context_switches,
                   migrations);
  auto row = [&](const char* name, const Percentiles& p) {
    if (p.count == 0) return;
    s += fmt::format("  {:<18} {:>10} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n", name,
                     p.count, p.p50_us, p.p90_us, p.p99_us, p.p999_us, p.max_us);
  };
  s += fmt::format("  {:<18} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "latency (us)", "count",
                   "p50", "p90", "p99", "p99.9", "max");
  row("request", request_latency);
  row("wakeup", wakeup_latency);
  s += fmt::format("  {:<18} {:>6} {:>7} {:>10} {:>10}\n", "group", "tasks", "weight", "cpu share",
                   "cpu s");
  for (auto& g : groups)
    s += fmt::format("  {:<18} {:>6} {:>7} {:>9.2f}% {:>10.3f}\n", g.name, g.tasks, g.weight,
                     g.cpu_share * 100, g.run_s);
  if (!cgroups.empty())
    s += fmt::format("  {:<18} {:>6} {:>7} {:>10} {:>10}\n", "cgroup", "", "weight", "cpu share", "cpu s");
  for (auto& c : cgroups)
    s += fmt::format("  {:<18} {:>6} {:>7} {:>9.2f}% {:>10.3f}\n", c.path, "", c.weight, c.cpu_share * 100, c.run_s);
  if (!vms.empty())
    s += fmt::format("  {:<18} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "vm", "vcpus", "host cpu s",
                     "useful", "spin s", "steal s", "p99 us");
  for (auto& v : vms)
    s += fmt::format("  {:<18} {:>6} {:>10.3f} {:>9.1f}% {:>10.3f} {:>10.3f} {:>10.1f}\n", v.name, v.vcpus,
                     v.host_cpu_s, v.useful_ratio() * 100, v.spin_s, v.steal_s, v.request_latency.p99_us);
  s += "  class share:";
  for (auto& [name, v] : per_class_share) s += fmt::format(" {} {:.1f}%", name, v * 100);
  s += "\n";
  for (auto& e : exit_reports) s += "  exit: " + e.to_string() + "\n";
  for (auto& why : refused) s += "  refused: " + why + "\n";
  if (!printk.empty())
    s += fmt::format("  printk: {} line(s) from bpf_printk (--printk prints them, --json has them){}\n",
                     printk.size() + printk_dropped,
                     printk_dropped ? fmt::format(", {} past the first {} not kept", printk_dropped, printk.size()) : "");
  s += "trace_sha256 " + trace_sha256 + "\n";
  return s;
}

Percentiles percentiles_of(const LatencyHistogram& h) {
  Percentiles p;
  p.count = h.count();
  p.mean_us = h.mean() / 1e3;
  p.p50_us = h.percentile(0.50) / 1e3;
  p.p90_us = h.percentile(0.90) / 1e3;
  p.p99_us = h.percentile(0.99) / 1e3;
  p.p999_us = h.percentile(0.999) / 1e3;
  p.max_us = h.max() / 1e3;
  return p;
}

std::string ejection_warning(const ExitReport& e, const std::string& at) {
  return fmt::format("class {} was ejected at {}: {} ({}): {}; {} task(s) moved to fair", e.class_name, at,
                     exit_kind_name(e.kind), e.reason, e.message, e.tasks_moved_to_fair);
}

}  // namespace ups::report
