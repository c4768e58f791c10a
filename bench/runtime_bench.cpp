// The cost of a fiber switch through the core (yield -> Core::schedule ->
// the other fiber, on one worker) next to a raw Boost.Context fcontext
// switch and a futex ping-pong between two threads (a Linux thread
// handoff). Each is measured alone, and BM_SwitchRatios measures all three
// back to back in one process and reports the ratios (goal of issue 12:
// core <= 3x raw fcontext, futex >= 20x core). Numbers are per one-way
// switch.
//   build/bench/runtime_bench --benchmark_filter=Ratios
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <benchmark/benchmark.h>
#include <boost/context/detail/fcontext.hpp>

#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace {

namespace fctx = boost::context::detail;
using Clock = std::chrono::steady_clock;

// --- raw fcontext ------------------------------------------------------------------

struct RawPingPong {
  static void body(fctx::transfer_t t) {
    for (;;) t = fctx::jump_fcontext(t.fctx, nullptr);
  }
  alignas(64) char stack[64 * 1024];
  fctx::fcontext_t ctx = fctx::make_fcontext(stack + sizeof stack, sizeof stack, &RawPingPong::body);
  // n round trips = 2n one-way switches.
  double seconds_per_switch(long n) {
    const auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) ctx = fctx::jump_fcontext(ctx, nullptr).fctx;
    return std::chrono::duration<double>(Clock::now() - t0).count() / (2.0 * static_cast<double>(n));
  }
};

// --- through the core ----------------------------------------------------------------

// Two fibers on one worker, each yielding n times: 2n switches, each a
// Core::yield_current + Core::schedule + fcontext switch pair.
double core_seconds_per_switch(long n) {
  ups::runtime::RuntimeOptions o;
  o.cpus = {0};
  auto rt = ups::runtime::Runtime::create(o);
  if (!rt) return 0;
  Clock::time_point t0, t1;
  std::atomic<int> started{0};
  for (int k = 0; k < 2; ++k)
    (*rt)->spawn([&] {
      if (started.fetch_add(1) == 0) t0 = Clock::now();
      for (long i = 0; i < n; ++i) ups::runtime::yield();
      t1 = Clock::now();
    });
  auto s = (*rt)->run();
  if (!s) return 0;
  return std::chrono::duration<double>(t1 - t0).count() / (2.0 * static_cast<double>(n));
}

// --- futex ping-pong -------------------------------------------------------------------

long futex(std::atomic<int>* addr, int op, int val) {
  return ::syscall(SYS_futex, reinterpret_cast<int*>(addr), op, val, nullptr, nullptr, 0);
}

// Two threads hand a turn back and forth n times each: 2n handoffs.
double futex_seconds_per_switch(long n) {
  std::atomic<int> turn{0};
  auto player = [&](int me) {
    for (long i = 0; i < n; ++i) {
      int cur;
      while ((cur = turn.load()) != me) futex(&turn, FUTEX_WAIT_PRIVATE, cur);
      turn.store(1 - me);
      futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    }
  };
  const auto t0 = Clock::now();
  std::thread other(player, 1);
  player(0);
  other.join();
  return std::chrono::duration<double>(Clock::now() - t0).count() / (2.0 * static_cast<double>(n));
}

void BM_RawFcontextSwitch(benchmark::State& state) {
  RawPingPong pp;
  for (auto _ : state) state.SetIterationTime(pp.seconds_per_switch(10000) * 20000);
  state.SetItemsProcessed(state.iterations() * 20000);
}
BENCHMARK(BM_RawFcontextSwitch)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_CoreFiberSwitch(benchmark::State& state) {
  for (auto _ : state) state.SetIterationTime(core_seconds_per_switch(10000) * 20000);
  state.SetItemsProcessed(state.iterations() * 20000);
}
BENCHMARK(BM_CoreFiberSwitch)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_FutexPingPong(benchmark::State& state) {
  for (auto _ : state) state.SetIterationTime(futex_seconds_per_switch(10000) * 20000);
  state.SetItemsProcessed(state.iterations() * 20000);
}
BENCHMARK(BM_FutexPingPong)->UseManualTime()->Unit(benchmark::kMicrosecond);

// All three in one run; counters in ns per switch, and the ratios.
void BM_SwitchRatios(benchmark::State& state) {
  RawPingPong pp;
  double raw = 0, core = 0, fut = 0;
  for (auto _ : state) {
    raw = pp.seconds_per_switch(20000);
    core = core_seconds_per_switch(20000);
    fut = futex_seconds_per_switch(20000);
  }
  state.counters["raw_ns"] = raw * 1e9;
  state.counters["core_ns"] = core * 1e9;
  state.counters["futex_ns"] = fut * 1e9;
  state.counters["core_over_raw"] = raw > 0 ? core / raw : 0;
  state.counters["futex_over_core"] = core > 0 ? fut / core : 0;
}
BENCHMARK(BM_SwitchRatios)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
