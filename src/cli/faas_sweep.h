// The sweep of `upsched faas` (docs/faas.md), shared with `upsched demo`:
// one FaaS point per count of colocated chains under one policy, and the
// table rows and JSON both commands print.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "host/policy_factory.h"
#include "sim/faas_model.h"

namespace ups::cli {

// "0,1,5,10,20,50" -> {0,1,5,10,20,50}; each in 0..200.
Result<std::vector<int>> parse_chain_counts(const std::string& list);
// fair, a native policy name, or FILE.bpf.o[:USER] (through the policy host,
// USER admitted by `admission_file`; empty: only root). Each sweep point
// (a World of its own) gets a fresh one, so that points share no state.
Result<host::PolicyFactory> faas_policy_factory(const std::string& spec, const std::string& admission_file,
                                               u64 seed, int nr_cpus);

// One point per chain count, in order, under the policy `spec`; `each` sees
// every point as it is done (a table row, a progress step). A point whose
// policy cannot be made carries the error and runs nothing.
std::vector<sim::FaasPoint> run_faas_sweep(const sim::FaasParams& prm, const sim::RuntimeModel& rt,
                                           const std::vector<int>& counts, const std::string& spec,
                                           const std::string& admission_file, u64 seed,
                                           const std::function<void(const sim::FaasPoint&)>& each);

std::string faas_table_header();
std::string faas_table_row(const sim::FaasPoint& p);
// One point as a JSON object: chains, runtime, policy, idle_ratio,
// latency_ms{p50,p99}, latency_cdf, throughput_rps, requests, wasted_cpu_s,
// used_cpu_s, lost_tasks (and error).
nlohmann::json faas_point_json(const sim::FaasPoint& p, const std::string& runtime, const std::string& policy);
// A JSON list of objects: chains, idle_ratio, latency_ms{p50,p99},
// throughput_rps, lost_tasks, wasted_cpu_s, requests, runtime, policy.
std::string faas_points_json(const std::vector<sim::FaasPoint>& rows, const std::string& runtime,
                             const std::string& policy);

}  // namespace ups::cli
