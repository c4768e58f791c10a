// Simulator throughput (events per second of wall time) with the native
// FIFO policy at 2, 64 and 1,024 CPUs, and memory per task. Targets
// (issue 2): >= 5M events/s at 2 CPUs, >= 1M events/s at 1,024 CPUs with
// 100,000 tasks, <= 1 KiB per task. Counters: events_per_s, bytes_per_task
// (heap growth of creating the world divided by its tasks), sim_bytes_per_task.
// BM_SimFifo_2cpus_report records what `--report` draws (report::RunSamples):
// its events_per_s over BM_SimFifo_2cpus's, in the same run, is the report's
// cost; without --report the simulator records nothing more.
#include <malloc.h>

#include <benchmark/benchmark.h>

#include "workload/program_builder.h"
#include "sim/world.h"

namespace ups::sim {
namespace {

using workload::Distribution;
using workload::ProgramBuilder;
using workload::TaskGroup;
using workload::Workload;

// `tasks` tasks that alternate exponential compute and sleep; `duty` is the
// fraction of time each wants a CPU, so tasks * duty / cpus is the load.
Workload churn(u32 tasks, TimeNs compute_mean, double duty) {
  Workload w;
  w.name = "churn";
  TaskGroup g;
  g.name = "churn";
  g.count = tasks;
  auto sleep_mean = static_cast<TimeNs>(compute_mean * (1 - duty) / duty);
  g.program = ProgramBuilder().forever()
                  .compute(Distribution::exponential(compute_mean))
                  .sleep(Distribution::exponential(sleep_mean)).end().build();
  w.groups.push_back(std::move(g));
  return w;
}

size_t heap_in_use() { return mallinfo2().uordblks; }

void run_bench(benchmark::State& state, int cpus, u32 tasks, TimeNs compute_mean, double duty,
               TimeNs sim_time, bool report = false) {
  u64 events = 0;
  double bytes_per_task = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SimConfig cfg;
    cfg.nr_cpus = cpus;
    cfg.seed = 1;
    cfg.duration = sim_time;
    cfg.check_invariants = false;
    cfg.policies = {"fifo"};
    report::RunSamples samples;
    if (report) cfg.samples = &samples;
    size_t before = heap_in_use();
    auto world = World::create(churn(tasks, compute_mean, duty), cfg);
    if (!world) {
      state.SkipWithError(world.error().to_string().c_str());
      return;
    }
    bytes_per_task = static_cast<double>(heap_in_use() - before) / tasks;
    state.ResumeTiming();
    auto st = (*world)->run();
    state.PauseTiming();
    if (!st) {
      state.SkipWithError(st.error().message.c_str());
      return;
    }
    events += (*world)->events();
    world->reset();
    state.ResumeTiming();
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["bytes_per_task"] = bytes_per_task;
  state.counters["sim_bytes_per_task"] = static_cast<double>(World::sim_bytes_per_task());
  state.counters["events"] = static_cast<double>(events);
}

// 2 CPUs, 8 tasks, 10 us compute bursts at full load.
void BM_SimFifo_2cpus(benchmark::State& s) { run_bench(s, 2, 8, 10 * kNsPerUs, 0.5, 200 * kNsPerMs); }
void BM_SimFifo_2cpus_report(benchmark::State& s) {
  run_bench(s, 2, 8, 10 * kNsPerUs, 0.5, 200 * kNsPerMs, true);
}
// 64 CPUs, 1,000 tasks.
void BM_SimFifo_64cpus(benchmark::State& s) { run_bench(s, 64, 1000, 50 * kNsPerUs, 0.1, 50 * kNsPerMs); }
// 1,024 CPUs, 100,000 tasks, each busy 1% of the time (~1,000 CPUs' worth).
void BM_SimFifo_1024cpus_100k(benchmark::State& s) {
  run_bench(s, 1024, 100000, 50 * kNsPerUs, 0.01, 20 * kNsPerMs);
}

BENCHMARK(BM_SimFifo_2cpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimFifo_2cpus_report)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimFifo_64cpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimFifo_1024cpus_100k)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace ups::sim

BENCHMARK_MAIN();
