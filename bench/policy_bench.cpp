// The policy host's cost: simulator events per second with the interpreted
// BPF `simple` against its native C++ twin, in the same benchmark, on the
// same workloads and seeds (target: the BPF run keeps at least half the
// native throughput). Counter "events_per_s" is the figure to compare.
#include <benchmark/benchmark.h>

#include <string>

#include "policy/policy_loader.h"
#include "sim/presets.h"
#include "sim/world.h"

namespace {

using namespace ups;

sim::PolicyFactory bpf_simple_factory() {
  return [](const sim::PolicyRequest& req) -> Result<sim::PolicyInstance> {
    auto lp = policy::load_bpf_policy(std::string(UPS_POLICY_DIR) + "/simple.bpf.o");
    if (!lp) return tl::unexpected(lp.error());
    sim::PolicyInstance inst;
    inst.ops = std::move(lp->ops);
    inst.grant = lp->grant;
    inst.slot = req.slot;
    return inst;
  };
}

void run_sim(benchmark::State& state, bool bpf, const char* preset) {
  u64 events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto w = sim::make_preset(preset, 8);
    sim::SimConfig cfg;
    cfg.nr_cpus = 8;
    cfg.seed = 1;
    cfg.duration = 2 * kNsPerSec;
    cfg.policies = {"simple"};
    cfg.check_invariants = false;
    auto world = sim::World::create(std::move(*w), cfg,
                                    bpf ? bpf_simple_factory() : sim::native_policy_factory());
    if (!world) {
      state.SkipWithError(world.error().to_string().c_str());
      return;
    }
    state.ResumeTiming();
    auto st = (*world)->run();
    benchmark::DoNotOptimize(st);
    events += (*world)->events();
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_SimNativeSimple(benchmark::State& s, const char* preset) { run_sim(s, false, preset); }
void BM_SimBpfSimple(benchmark::State& s, const char* preset) { run_sim(s, true, preset); }

BENCHMARK_CAPTURE(BM_SimNativeSimple, hogs, "hogs")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimBpfSimple, hogs, "hogs")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimNativeSimple, schbench, "schbench")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimBpfSimple, schbench, "schbench")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
