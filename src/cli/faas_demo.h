// `upsched demo`: the serverless comparison (docs/faas.md) of fair against
// faas_event on micro-VM and container runtimes, with a progress bar, a
// table, a self-contained HTML report and Perfetto timelines. Also the
// pieces `upsched faas` shares with it (chain lists, policy specs, rows).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "sim/faas_model.h"
#include "sim/policy_factory.h"

namespace ups::cli {

// "0,1,5,10,20,50" -> {0,1,5,10,20,50}; each in 0..200.
Result<std::vector<int>> parse_chain_counts(const std::string& list);
// fair, a native policy name, or FILE.bpf.o[:USER] (through the policy host,
// USER admitted by `admission_file`; empty: only root). Each sweep point
// (a World of its own) gets a fresh one, so that points share no state.
Result<sim::PolicyFactory> faas_policy_factory(const std::string& spec, const std::string& admission_file,
                                               u64 seed, int nr_cpus);

std::string faas_table_header();
std::string faas_table_row(const sim::FaasPoint& p);
// A JSON list of objects: chains, idle_ratio, latency_ms{p50,p99},
// throughput_rps, lost_tasks, wasted_cpu_s, requests, runtime, policy.
std::string faas_points_json(const std::vector<sim::FaasPoint>& rows, const std::string& runtime,
                             const std::string& policy);

void register_faas_demo_command(CLI::App& app);

}  // namespace ups::cli
