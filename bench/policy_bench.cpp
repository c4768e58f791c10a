// The policy host's cost against native C++, in one binary so both run on
// the same machine at the same moment:
//  - Cycle: one scheduling cycle of `simple` (select_cpu, enqueue,
//    dispatch, running, stopping) driven straight through the Core, with
//    the BPF object interpreted (Bpf), JITed (Jit) and with its native
//    twin. Targets: the interpreted cycle costs at most 4 times the native
//    one, the JITed one at most 1.5 times.
//  - Sim: simulator events per second with each, on the same workloads
//    and seeds. Targets: the interpreted run keeps at least half the
//    native throughput, the JITed one 0.85 of it.
// After the runs the ratios are printed against their targets.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "host/policy_spec.h"
#include "core/core.h"
#include "jit/jit_program.h"
#include "core/scx_constants.h"
#include "policy/native/registry.h"
#include "policy/policy_loader.h"
#include "workload/presets.h"
#include "sim/world.h"

namespace {

using namespace ups;

std::string simple_object() { return std::string(UPS_POLICY_DIR) + "/simple.bpf.o"; }

// --- one scheduling cycle ------------------------------------------------------

class NullHooks final : public CoreHooks {
public:
  void resched_cpu(CpuId) override {}
  void arm_timer(ClassId, u64, TimeNs) override {}
  void cancel_timer(ClassId, u64) override {}
};

// One CPU, two tasks of the class. Each iteration the sleeping task wakes
// while the other runs (select_cpu finds no idle CPU, so enqueue runs),
// the running one blocks (stopping), and the CPU schedules (dispatch moves
// the woken task to the local DSQ, running). Every callback of the cycle
// runs once per iteration.
void run_cycle(benchmark::State& state, bool bpf, bool confined = false, bool jit = false) {
  NullHooks hooks;
  CoreConfig cfg;
  cfg.check_invariants = false;
  Core core(*Topology::make(1), cfg, hooks);
  std::unique_ptr<SchedOps> ops;
  if (bpf) {
    policy::LoadPolicyOptions lo;
    lo.confine_always = confined;  // what an ordinary user's policy gets
    lo.backend = jit ? jit::backend : vm::interpreter_backend;
    auto lp = policy::load_bpf_policy(simple_object(), lo);
    if (!lp) {
      state.SkipWithError(lp.error().to_string().c_str());
      return;
    }
    ops = std::move(lp->ops);
  } else {
    ops = make_native_policy("simple");
  }
  auto cls = core.load_class(std::move(ops), ClassGrant{}, ChainSlot::below_fair, 0);
  if (!cls) {
    state.SkipWithError(cls.error().to_string().c_str());
    return;
  }
  TaskSpec spec;
  spec.comm = "cycle";
  Task* tasks[2];
  for (Task*& t : tasks) {
    t = *core.create_task(spec, 0);
    (void)core.attach_task(*t, *cls, 0);
  }
  TimeNs now = 1;
  core.wake_up(*tasks[0], scx::WAKE_FORK, now);
  core.schedule(0, now);
  Task* sleeping = tasks[1];
  for (auto _ : state) {
    now += 1000;
    core.wake_up(*sleeping, scx::WAKE_TTWU, now);
    sleeping = core.current(0);
    core.block_current(0, now);
    benchmark::DoNotOptimize(core.schedule(0, now));
  }
  if (!core.class_loaded(*cls)) state.SkipWithError("the class was ejected during the cycle");
}

void BM_CycleNativeSimple(benchmark::State& s) { run_cycle(s, false); }
void BM_CycleBpfSimple(benchmark::State& s) { run_cycle(s, true); }
void BM_CycleBpfSimpleConfined(benchmark::State& s) { run_cycle(s, true, true); }
void BM_CycleJitSimple(benchmark::State& s) { run_cycle(s, true, false, true); }
void BM_CycleJitSimpleConfined(benchmark::State& s) { run_cycle(s, true, true, true); }
BENCHMARK(BM_CycleNativeSimple);
BENCHMARK(BM_CycleBpfSimple);
BENCHMARK(BM_CycleBpfSimpleConfined);
BENCHMARK(BM_CycleJitSimple);
BENCHMARK(BM_CycleJitSimpleConfined);

// --- simulator throughput ----------------------------------------------------------

// Steady-state throughput: 20 simulated seconds per iteration (hogs: about
// 50k events). A 2 s hogs run is only ~5k events, so per-run costs (the
// first wake-ups, unloading the class and the report at the end) weighed
// as much as the simulation.
void run_sim(benchmark::State& state, bool bpf, const char* preset, bool jit = false) {
  u64 events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto w = workload::make_preset(preset, 8);
    sim::SimConfig cfg;
    cfg.nr_cpus = 8;
    cfg.seed = 1;
    cfg.duration = 20 * kNsPerSec;
    cfg.policies = {bpf ? simple_object() : "simple"};
    cfg.check_invariants = false;
    // The CLI's factory: simple.bpf.o through the policy host, "simple" native.
    auto factory = host::policy_spec_factory("", cfg.seed, cfg.nr_cpus, /*no_jit=*/!jit);
    if (!factory) {
      state.SkipWithError(factory.error().to_string().c_str());
      return;
    }
    auto world = sim::World::create(std::move(*w), cfg, *factory);
    if (!world) {
      state.SkipWithError(world.error().to_string().c_str());
      return;
    }
    state.ResumeTiming();
    auto st = (*world)->run();
    benchmark::DoNotOptimize(st);
    state.PauseTiming();  // tearing the world down is not simulation
    events += (*world)->events();
    world->reset();
    state.ResumeTiming();
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_SimNativeSimple(benchmark::State& s, const char* preset) { run_sim(s, false, preset); }
void BM_SimBpfSimple(benchmark::State& s, const char* preset) { run_sim(s, true, preset); }
void BM_SimJitSimple(benchmark::State& s, const char* preset) { run_sim(s, true, preset, true); }

BENCHMARK_CAPTURE(BM_SimNativeSimple, hogs, "hogs")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimBpfSimple, hogs, "hogs")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimJitSimple, hogs, "hogs")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimNativeSimple, schbench, "schbench")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimBpfSimple, schbench, "schbench")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimJitSimple, schbench, "schbench")->Unit(benchmark::kMillisecond);

// --- the ratios ---------------------------------------------------------------------

// The console output, and per benchmark the best CPU time per iteration
// and the best events_per_s over its repetitions (--benchmark_repetitions):
// on a shared machine the best run is the one least disturbed.
class RatioReporter final : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.iterations == 0 || r.run_type != Run::RT_Iteration) continue;
      const std::string name = r.benchmark_name();
      const double cpu = r.GetAdjustedCPUTime();
      if (!cpu_ns_.count(name) || cpu < cpu_ns_[name]) cpu_ns_[name] = cpu;
      auto it = r.counters.find("events_per_s");
      if (it != r.counters.end() && it->second.value > events_per_s_[name]) events_per_s_[name] = it->second.value;
    }
  }

  void print_summary() const {
    std::printf("\n");
    ratio("cycle cost, BPF / native", cpu_ns_, "BM_CycleBpfSimple", "BM_CycleNativeSimple", "<= 4");
    ratio("cycle cost, BPF confined / unconfined", cpu_ns_, "BM_CycleBpfSimpleConfined", "BM_CycleBpfSimple", "<= 1.10");
    ratio("cycle cost, JIT / native", cpu_ns_, "BM_CycleJitSimple", "BM_CycleNativeSimple", "<= 1.5");
    ratio("cycle cost, JIT / interpreted", cpu_ns_, "BM_CycleJitSimple", "BM_CycleBpfSimple", "< 1");
    ratio("cycle cost, JIT confined / unconfined", cpu_ns_, "BM_CycleJitSimpleConfined", "BM_CycleJitSimple", "<= 1.10");
    for (const char* preset : {"hogs", "schbench"}) {
      const std::string b = std::string("BM_SimBpfSimple/") + preset;
      const std::string n = std::string("BM_SimNativeSimple/") + preset;
      ratio((std::string("sim events/s on ") + preset + ", BPF / native").c_str(), events_per_s_, b, n, ">= 0.5");
      const std::string j = std::string("BM_SimJitSimple/") + preset;
      ratio((std::string("sim events/s on ") + preset + ", JIT / native").c_str(), events_per_s_, j, n, ">= 0.85");
    }
  }

private:
  static void ratio(const char* what, const std::map<std::string, double>& m, const std::string& num,
                    const std::string& den, const char* target) {
    auto a = m.find(num), b = m.find(den);
    if (a == m.end() || b == m.end() || b->second == 0) return;  // filtered out
    std::printf("%-40s %6.2f  (target %s)\n", what, a->second / b->second, target);
  }
  std::map<std::string, double> cpu_ns_, events_per_s_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
