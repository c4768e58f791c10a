// Core throughput: scheduling events per second driven straight through
// Core (no simulator), with the native fifo policy or the fair class, at
// 2, 64 and 1,024 CPUs. One "event" is one core entry point: a wakeup, a
// block, a tick or a schedule. Also reports the size of a Task.
#include <benchmark/benchmark.h>

#include <vector>

#include "base/rng.h"
#include "core/core.h"
#include "core/scx_constants.h"
#include "policy/native/registry.h"

namespace ups {
namespace {

class NullHooks final : public CoreHooks {
public:
  void resched_cpu(CpuId) override {}
  void arm_timer(ClassId, u64, TimeNs) override {}
  void cancel_timer(ClassId, u64) override {}
};

// Per iteration: on one CPU, block (or tick) its task, wake a sleeping
// task, and schedule; CPUs round robin, tasks picked by a seeded Rng.
void run_core(benchmark::State& state, const char* policy) {
  const int nr_cpus = static_cast<int>(state.range(0));
  const int nr_tasks = static_cast<int>(state.range(1));
  NullHooks hooks;
  CoreConfig cfg;
  cfg.check_invariants = false;
  Core core(*Topology::make(nr_cpus), cfg, hooks);
  ClassId cls = core.fair_class();
  if (policy) cls = *core.load_class(make_native_policy(policy), ClassGrant{}, ChainSlot::below_fair, 0);
  std::vector<Task*> tasks;
  TaskSpec spec;
  spec.comm = "b";
  for (int i = 0; i < nr_tasks; ++i) {
    Task* p = *core.create_task(spec, 0);
    if (cls != core.fair_class()) (void)core.attach_task(*p, cls, 0);
    tasks.push_back(p);
  }
  TimeNs now = 1;
  // Half the tasks start runnable.
  for (int i = 0; i < nr_tasks / 2; ++i) core.wake_up(*tasks[static_cast<size_t>(i)], scx::WAKE_FORK, now);
  for (int c = 0; c < nr_cpus; ++c) core.schedule(c, now);
  Rng rng(42);
  u64 events = 0;
  CpuId cpu = 0;
  for (auto _ : state) {
    now += 1000;
    if (core.current(cpu)) {
      if (rng.chance(0.5)) {
        core.block_current(cpu, now);
      } else {
        core.tick(cpu, now);
      }
      ++events;
    }
    Task* w = tasks[rng.uniform(0, static_cast<u64>(nr_tasks - 1))];
    if (w->state == TaskState::blocked || w->state == TaskState::created) {
      core.wake_up(*w, scx::WAKE_TTWU, now);
      ++events;
    }
    core.schedule(cpu, now);
    ++events;
    if (++cpu == nr_cpus) cpu = 0;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["task_bytes"] = static_cast<double>(sizeof(Task));
}

void BM_CoreFifo(benchmark::State& s) { run_core(s, "fifo"); }
void BM_CoreSimple(benchmark::State& s) { run_core(s, "simple"); }
void BM_CoreFair(benchmark::State& s) { run_core(s, nullptr); }

BENCHMARK(BM_CoreFifo)->Args({2, 64})->Args({64, 4096})->Args({1024, 100000});
BENCHMARK(BM_CoreSimple)->Args({2, 64})->Args({64, 4096})->Args({1024, 100000});
BENCHMARK(BM_CoreFair)->Args({2, 64})->Args({64, 4096})->Args({1024, 100000});

}  // namespace
}  // namespace ups

BENCHMARK_MAIN();
