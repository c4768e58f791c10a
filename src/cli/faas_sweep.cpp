#include "cli/faas_sweep.h"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/policy_spec.h"

namespace ups::cli {

Result<std::vector<int>> parse_chain_counts(const std::string& list) {
  std::vector<int> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0 || v > 200)
      return make_error(ErrorKind::invalid_argument, "'" + item + "' is not a chain count in 0..200");
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) return make_error(ErrorKind::invalid_argument, "no chain counts given");
  return out;
}

Result<host::PolicyFactory> faas_policy_factory(const std::string& spec, const std::string& admission_file,
                                               u64 seed, int nr_cpus) {
  auto bpf = host::parse_bpf_spec(spec);
  if (!bpf) return tl::unexpected(bpf.error());
  if (*bpf) return host::policy_spec_factory(admission_file, seed, nr_cpus);
  if (!host::is_fair_spec(spec)) {
    bool known = false;
    for (auto& [name, desc] : host::native_policy_list()) known |= name == spec;
    if (!known) return make_error(ErrorKind::not_found, "unknown policy '" + spec + "' (see upsched policies)");
  }
  return host::native_policy_factory();
}

std::string faas_table_header() {
  return fmt::format("{:>6} {:>8} {:>10} {:>10} {:>10} {:>9} {:>10} {:>5}", "chains", "idle %",
                     "p50 ms", "p99 ms", "chains/s", "requests", "wasted s", "lost");
}

std::string faas_table_row(const sim::FaasPoint& p) {
  return fmt::format("{:>6} {:>7.1f}% {:>10.2f} {:>10.2f} {:>10.1f} {:>9} {:>10.3f} {:>5}", p.chains,
                     p.idle_ratio * 100, p.p50_ms, p.p99_ms, p.throughput_rps, p.requests,
                     p.wasted_cpu_s, p.lost_tasks);
}

nlohmann::json faas_point_json(const sim::FaasPoint& p, const std::string& runtime, const std::string& policy) {
  nlohmann::json cdf = nlohmann::json::array();
  for (auto [q, ms] : p.latency_cdf) cdf.push_back({{"q", q}, {"ms", ms}});
  nlohmann::json j = {{"chains", p.chains},
                      {"runtime", runtime},
                      {"policy", policy},
                      {"idle_ratio", p.idle_ratio},
                      {"latency_ms", {{"p50", p.p50_ms}, {"p99", p.p99_ms}}},
                      {"latency_cdf", cdf},
                      {"throughput_rps", p.throughput_rps},
                      {"requests", p.requests},
                      {"wasted_cpu_s", p.wasted_cpu_s},
                      {"used_cpu_s", p.used_cpu_s},
                      {"lost_tasks", p.lost_tasks}};
  if (!p.error.empty()) j["error"] = p.error;
  return j;
}


std::string faas_points_json(const std::vector<sim::FaasPoint>& rows, const std::string& runtime,
                             const std::string& policy) {
  nlohmann::json j = nlohmann::json::array();
  for (auto& p : rows) j.push_back(faas_point_json(p, runtime, policy));
  return j.dump(1);
}

std::vector<sim::FaasPoint> run_faas_sweep(const sim::FaasParams& prm, const sim::RuntimeModel& rt,
                                           const std::vector<int>& counts, const std::string& spec,
                                           const std::string& admission_file, u64 seed,
                                           const std::function<void(const sim::FaasPoint&)>& each) {
  std::vector<sim::FaasPoint> rows;
  for (int chains : counts) {
    sim::FaasRunOptions opt;
    opt.policy = spec;
    opt.seed = seed;
    auto factory = faas_policy_factory(spec, admission_file, seed, prm.cpus);
    sim::FaasPoint pt;
    pt.chains = chains;
    if (factory) {
      opt.factory = std::move(*factory);
      pt = sim::run_faas_point(prm, rt, chains, opt);
    } else {
      pt.error = factory.error().to_string();
    }
    each(pt);
    rows.push_back(std::move(pt));
  }
  return rows;
}

}  // namespace ups::cli
