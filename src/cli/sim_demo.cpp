// The demo: the rpc-bimodal preset (microsecond requests stuck behind rare
// 10 ms ones) under the fair class and under the native FIFO policy, side
// by side, on the same seed.
#include "cli/sim_demo.h"

#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "sim/presets.h"
#include "sim/world.h"

namespace ups::cli {
namespace {

int run_demo(int cpus, u64 seed) {
  std::printf("upsched demo: rpc-bimodal (99.5%% 4us / 0.5%% 10ms, Poisson, 70%% load) on %d CPUs, 1s, seed %llu\n\n",
              cpus, static_cast<unsigned long long>(seed));
  std::printf("%-8s %10s %10s %10s %10s %9s %8s %8s\n", "policy", "requests", "p50 us", "p99 us",
              "p99.9 us", "busy", "jain", "lost");
  int rc = 0;
  for (const char* policy : {"fair", "fifo"}) {
    auto w = sim::make_preset("rpc-bimodal", cpus);
    sim::SimConfig cfg;
    cfg.nr_cpus = cpus;
    cfg.seed = seed;
    cfg.duration = kNsPerSec;
    cfg.check_invariants = false;
    cfg.policies = {policy};
    auto world = sim::World::create(std::move(*w), cfg);
    if (!world) {
      std::fprintf(stderr, "upsched demo: %s\n", world.error().to_string().c_str());
      return 1;
    }
    auto st = (*world)->run();
    auto r = (*world)->report();
    std::printf("%-8s %10llu %10.1f %10.1f %10.1f %8.1f%% %8.4f %8llu\n", policy,
                static_cast<unsigned long long>(r.requests), r.request_latency.p50_us,
                r.request_latency.p99_us, r.request_latency.p999_us, r.cpu_busy_ratio * 100,
                r.jain_index, static_cast<unsigned long long>(r.lost_tasks));
    if (!st || r.lost_tasks) {
      std::fprintf(stderr, "upsched demo: %s\nreproduce: %s\n",
                   st ? "tasks lost" : st.error().message.c_str(),
                   sim::reproduce_command("--preset rpc-bimodal", cfg).c_str());
      rc = 1;
    }
  }
  std::puts("\nfair preempts long requests so short ones keep a low tail; FIFO runs each to the end.");
  return rc;
}

}  // namespace

void register_demo_command(CLI::App& app) {
  auto cpus = std::make_shared<int>(4);
  auto seed = std::make_shared<u64>(1);
  CLI::App* demo = app.add_subcommand("demo", "compare two policies on a built-in workload");
  demo->add_option("--cpus", *cpus, "simulated CPUs")->capture_default_str()->check(CLI::Range(1, 1024));
  demo->add_option("--seed", *seed, "seed")->capture_default_str();
  demo->callback([cpus, seed] { set_exit_code(run_demo(*cpus, *seed)); });
}

}  // namespace ups::cli
