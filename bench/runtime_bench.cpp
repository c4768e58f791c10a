// The runtime's figures of issue 12, each next to what it is compared with,
// measured in one run so that the ratios hold on a shared, noisy machine:
// - a fiber switch through the core (yield -> Core::schedule -> the other
//   fiber, one worker) vs a raw Boost.Context fcontext switch vs a futex
//   ping-pong between two threads (goal: core <= 3x raw, futex >= 20x core);
// - slice overrun (how long after its slice's end a hog is switched out) on
//   2 workers with the per-worker slice timer and with ticks only (goal: p99
//   <= 100 us), next to the same timer's signal latency without the runtime
//   (the host's floor under it);
// - wake->run latency of a schbench-like workload (messengers wake workers
//   that compute 20 us) on fibers under `simple` vs the same on std::threads
//   (goal: p99 >= 5x lower);
// - a pipe ping-pong: runtime fibers vs two threads vs Boost.Fiber;
// - rpc-bimodal (the preset: Poisson arrivals at 70% load, 99.5% 4 us and
//   0.5% 10 ms requests, 8 workers on 2 CPUs) p99 request latency under
//   edf with 500 us slices (a preemptive BPF policy) vs the same on threads.
// BM_RuntimeRatios measures everything once and the end of the run prints
// the table (smaller of several rounds for the switch costs).
//   build/bench/runtime_bench --benchmark_filter=Ratios
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/context/detail/fcontext.hpp>
#ifdef UPS_HAVE_BOOST_FIBER
#include <boost/fiber/all.hpp>
#endif

#include "base/rng.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "runtime/workload_run.h"
#include "workload/distribution.h"
#include "workload/presets.h"

namespace {

namespace fctx = boost::context::detail;
namespace rt = ups::runtime;
using ups::TimeNs;
using Clock = std::chrono::steady_clock;

TimeNs mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * 1'000'000'000 + static_cast<TimeNs>(ts.tv_nsec);
}

void spin_for(TimeNs d) {
  const TimeNs end = mono_ns() + d;
  while (mono_ns() < end) {
  }
}

double pct(std::vector<TimeNs> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]);
}

std::unique_ptr<rt::Runtime> make_runtime(std::vector<int> cpus, const std::string& policy = "",
                                          bool slice_timer = true, TimeNs tick_ns = 0) {
  rt::RuntimeOptions o;
  o.cpus = std::move(cpus);
  o.slice_timer = slice_timer;
  if (tick_ns) o.tick_ns = tick_ns;
  auto r = rt::Runtime::create(o);
  if (!r) return nullptr;
  if (!policy.empty() && !(*r)->load({std::string(UPS_POLICY_DIR) + "/" + policy + ".bpf.o"})) return nullptr;
  return std::move(*r);
}

// --- switches --------------------------------------------------------------------------

struct RawPingPong {
  static void body(fctx::transfer_t t) {
    for (;;) t = fctx::jump_fcontext(t.fctx, nullptr);
  }
  alignas(64) char stack[64 * 1024];
  fctx::fcontext_t ctx = fctx::make_fcontext(stack + sizeof stack, sizeof stack, &RawPingPong::body);
  // n round trips = 2n one-way switches.
  double ns_per_switch(long n) {
    const TimeNs t0 = mono_ns();
    for (long i = 0; i < n; ++i) ctx = fctx::jump_fcontext(ctx, nullptr).fctx;
    return static_cast<double>(mono_ns() - t0) / (2.0 * static_cast<double>(n));
  }
};

// Two fibers on one worker, each yielding n times: 2n switches, each a
// Core::yield_current + Core::schedule + fcontext switch pair. `quiet`: no
// slice timer and ticks 10 s apart, so no signal interrupts the yields
// (callgrind cannot follow a switch out of a signal handler).
double core_ns_per_switch(long n, bool quiet = false) {
  auto r = quiet ? make_runtime({0}, "", false, 10 * ups::kNsPerSec) : make_runtime({0});
  if (!r) return 0;
  TimeNs t0 = 0, t1 = 0;
  std::atomic<int> started{0};
  for (int k = 0; k < 2; ++k)
    r->spawn([&] {
      if (started.fetch_add(1) == 0) t0 = mono_ns();
      for (long i = 0; i < n; ++i) rt::yield();
      t1 = mono_ns();
    });
  if (!r->run()) return 0;
  return static_cast<double>(t1 - t0) / (2.0 * static_cast<double>(n));
}

long futex(std::atomic<int>* addr, int op, int val) {
  return ::syscall(SYS_futex, reinterpret_cast<int*>(addr), op, val, nullptr, nullptr, 0);
}

// Two threads hand a turn back and forth n times each: 2n handoffs.
double futex_ns_per_switch(long n) {
  std::atomic<int> turn{0};
  auto player = [&](int me) {
    for (long i = 0; i < n; ++i) {
      int cur;
      while ((cur = turn.load()) != me) futex(&turn, FUTEX_WAIT_PRIVATE, cur);
      turn.store(1 - me);
      futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    }
  };
  const TimeNs t0 = mono_ns();
  std::thread other(player, 1);
  player(0);
  other.join();
  return static_cast<double>(mono_ns() - t0) / (2.0 * static_cast<double>(n));
}

// --- slice overrun ----------------------------------------------------------------------

// 4 hogs on 2 workers under fair (3 ms slices) for `d`.
struct Overrun {
  ups::report::Percentiles all, own;  // own: slices in which Linux left the worker alone
};
Overrun slice_overrun(bool slice_timer, TimeNs d) {
  auto r = make_runtime({0, 1}, "", slice_timer);
  if (!r) return {};
  std::atomic<bool> stop{false};
  for (int i = 0; i < 4; ++i)
    r->spawn([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::nanoseconds(d));
    stop.store(true);
  });
  auto s = r->run();
  stopper.join();
  return s ? Overrun{s->slice_overrun, s->slice_overrun_own} : Overrun{};
}

// The floor under the slice overrun: the same POSIX timer (SIGEV_THREAD_ID)
// without the runtime, armed 3 ms ahead for a thread that spins pinned to
// CPU 0 as a worker does; a sample is the handler's clock read minus the
// expiry. A signal of its own (the runtime owns SIGURG's handler).
std::atomic<TimeNs> g_raw_fired{0};
void on_raw_timer(int) { g_raw_fired.store(mono_ns(), std::memory_order_relaxed); }

long thread_switches() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nivcsw + ru.ru_nvcsw;
}

ups::report::Percentiles percentiles(const std::vector<TimeNs>& v) {
  ups::report::Percentiles p;
  p.count = v.size();
  p.p50_us = pct(v, 0.50) / 1e3;
  p.p90_us = pct(v, 0.90) / 1e3;
  p.p99_us = pct(v, 0.99) / 1e3;
  return p;
}

Overrun raw_timer_latency(int samples) {
  std::vector<TimeNs> all, own;
  std::thread t([&] {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    ::sched_setaffinity(0, sizeof set, &set);
    struct sigaction sa {};
    sa.sa_handler = on_raw_timer;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGRTMIN, &sa, nullptr);
    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGRTMIN;
    sev._sigev_un._tid = static_cast<pid_t>(::gettid());
    timer_t timer{};
    if (::timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) return;
    for (int i = 0; i < samples; ++i) {
      const long sw = thread_switches();
      const TimeNs at = mono_ns() + 3'000'000;
      itimerspec its{};
      its.it_value.tv_sec = static_cast<time_t>(at / 1'000'000'000);
      its.it_value.tv_nsec = static_cast<long>(at % 1'000'000'000);
      g_raw_fired.store(0);
      ::timer_settime(timer, TIMER_ABSTIME, &its, nullptr);
      while (g_raw_fired.load(std::memory_order_relaxed) == 0) {
      }
      all.push_back(g_raw_fired.load() - at);
      if (thread_switches() == sw) own.push_back(all.back());
    }
    ::timer_delete(timer);
  });
  t.join();
  return {percentiles(all), percentiles(own)};
}

// --- wake->run, schbench-like ------------------------------------------------------------

constexpr int kMessengers = 2, kWorkersPer = 4, kWorkers = kMessengers * kWorkersPer;
constexpr int kRounds = 300;
constexpr TimeNs kWorkNs = 20'000;

struct WakeLatency {
  double p50_us = 0, p99_us = 0;
};

WakeLatency summarise(const std::vector<std::vector<TimeNs>>& per_worker) {
  std::vector<TimeNs> all;
  for (const auto& v : per_worker) all.insert(all.end(), v.begin(), v.end());
  return {pct(all, 0.50) / 1e3, pct(all, 0.99) / 1e3};
}

// `Sem` has signal()/wait(); one body for fibers and threads.
template <class Sem, class Spawn>
void schbench_body(Sem* wake, Sem* done, std::atomic<TimeNs>* stamp, std::vector<std::vector<TimeNs>>& lat,
                   Spawn spawn) {
  for (int m = 0; m < kMessengers; ++m)
    spawn([=] {
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < kWorkersPer; ++k) {
          const int w = m * kWorkersPer + k;
          stamp[w].store(mono_ns());
          wake[w].signal();
        }
        for (int k = 0; k < kWorkersPer; ++k) done[m].wait();
      }
    });
  for (int w = 0; w < kWorkers; ++w)
    spawn([=, &lat] {
      for (int r = 0; r < kRounds; ++r) {
        wake[w].wait();
        lat[static_cast<size_t>(w)].push_back(mono_ns() - stamp[w].load());
        spin_for(kWorkNs);
        done[w / kWorkersPer].signal();
      }
    });
}

WakeLatency schbench_fibers(const std::string& policy) {
  auto r = make_runtime({0, 1}, policy);
  if (!r) return {};
  std::vector<rt::Event> wake(kWorkers), done(kMessengers);
  std::vector<std::atomic<TimeNs>> stamp(kWorkers);
  std::vector<std::vector<TimeNs>> lat(kWorkers);
  schbench_body(wake.data(), done.data(), stamp.data(), lat, [&](auto fn) { r->spawn(fn); });
  if (!r->run()) return {};
  return summarise(lat);
}

struct ThreadSem {
  std::counting_semaphore<1 << 20> s{0};
  void signal() { s.release(); }
  void wait() { s.acquire(); }
};

WakeLatency schbench_threads() {
  std::vector<ThreadSem> wake(kWorkers), done(kMessengers);
  std::vector<std::atomic<TimeNs>> stamp(kWorkers);
  std::vector<std::vector<TimeNs>> lat(kWorkers);
  std::vector<std::thread> threads;
  schbench_body(wake.data(), done.data(), stamp.data(), lat, [&](auto fn) { threads.emplace_back(fn); });
  for (auto& t : threads) t.join();
  return summarise(lat);
}

// --- pipe ping-pong -------------------------------------------------------------------------

struct Pipes {
  int a[2] = {-1, -1}, b[2] = {-1, -1};  // ping: a[1] -> a[0]; pong: b[1] -> b[0]
  explicit Pipes(bool nonblocking) {
    const int fl = O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0);
    if (::pipe2(a, fl) != 0 || ::pipe2(b, fl) != 0) std::perror("pipe2");
  }
  ~Pipes() {
    for (int fd : {a[0], a[1], b[0], b[1]})
      if (fd >= 0) ::close(fd);
  }
};

constexpr long kPipeRounds = 5000;

// The two sides of a round trip, with the I/O calls of the contender.
template <class Read, class Write>
void pinger(Pipes& p, Read rd, Write wr) {
  char c = 0;
  for (long i = 0; i < kPipeRounds; ++i) {
    wr(p.a[1], &c);
    rd(p.b[0], &c);
  }
}
template <class Read, class Write>
void ponger(Pipes& p, Read rd, Write wr) {
  char c = 0;
  for (long i = 0; i < kPipeRounds; ++i) {
    rd(p.a[0], &c);
    wr(p.b[1], &c);
  }
}

double pipe_us_fibers() {
  auto r = make_runtime({0});
  if (!r) return 0;
  Pipes p(true);
  auto rd = [](int fd, char* c) { (void)rt::read(fd, c, 1); };
  auto wr = [](int fd, char* c) { (void)rt::write(fd, c, 1); };
  TimeNs t0 = 0, t1 = 0;
  r->spawn([&] {
    t0 = mono_ns();
    pinger(p, rd, wr);
    t1 = mono_ns();
  });
  r->spawn([&] { ponger(p, rd, wr); });
  if (!r->run()) return 0;
  return static_cast<double>(t1 - t0) / kPipeRounds / 1e3;
}

double pipe_us_threads() {
  Pipes p(false);
  auto rd = [](int fd, char* c) { (void)!::read(fd, c, 1); };
  auto wr = [](int fd, char* c) { (void)!::write(fd, c, 1); };
  const TimeNs t0 = mono_ns();
  std::thread other([&] { ponger(p, rd, wr); });
  pinger(p, rd, wr);
  other.join();
  return static_cast<double>(mono_ns() - t0) / kPipeRounds / 1e3;
}

#ifdef UPS_HAVE_BOOST_FIBER
// Boost.Fiber has no fd readiness: both fibers on one thread, non-blocking
// pipes, a fiber yields while its read would block (how it is done there).
double pipe_us_boost_fiber() {
  Pipes p(true);
  auto rd = [](int fd, char* c) {
    while (::read(fd, c, 1) != 1) boost::this_fiber::yield();
  };
  auto wr = [](int fd, char* c) {
    while (::write(fd, c, 1) != 1) boost::this_fiber::yield();
  };
  const TimeNs t0 = mono_ns();
  boost::fibers::fiber f1([&] { pinger(p, rd, wr); });
  boost::fibers::fiber f2([&] { ponger(p, rd, wr); });
  f1.join();
  f2.join();
  return static_cast<double>(mono_ns() - t0) / kPipeRounds / 1e3;
}
#endif

// --- rpc-bimodal ------------------------------------------------------------------------------

constexpr TimeNs kRpcDuration = 2'000'000'000;
constexpr const char* kRpcPolicy = "edf";
constexpr const char* kRpcPolicyArgs = "?slice_ns=500000";

struct Rpc {
  double p99_us = 0;
  double per_s = 0;  // requests completed per second
};

Rpc rpc_runtime(const ups::runtime::Calibration& cal) {
  auto w = ups::workload::make_preset("rpc-bimodal", 2);
  if (!w) return {};
  rt::WorkloadRunConfig cfg;
  cfg.cpus = {0, 1};
  cfg.duration = kRpcDuration;
  cfg.policies = {std::string(UPS_POLICY_DIR) + "/" + kRpcPolicy + ".bpf.o" + kRpcPolicyArgs};
  cfg.handle_sigint = false;
  auto r = rt::run_workload(*w, cfg, cal);
  if (!r) return {};
  return {r->request_latency.p99_us, static_cast<double>(r->requests) * 1e9 / static_cast<double>(r->elapsed_ns)};
}

// The preset's shape on std::threads: an arrival thread queues stamps at
// Poisson times, 8 worker threads (Linux places them) take them and compute the
// same calibrated service times.
Rpc rpc_threads(const ups::runtime::Calibration& cal) {
  const auto service = ups::workload::Distribution::bimodal(4'000, 10'000'000, 0.005);
  const auto gap = ups::workload::Distribution::exponential(static_cast<TimeNs>(service.mean() / (0.7 * 2)));
  std::mutex mu;
  std::condition_variable cv;
  std::deque<TimeNs> queue;
  bool over = false;
  std::vector<TimeNs> lat;
  std::vector<std::thread> workers;
  for (int i = 0; i < 8; ++i)
    workers.emplace_back([&, i] {
      ups::Rng rng(1000 + static_cast<ups::u64>(i));
      std::unique_lock lk(mu);
      for (;;) {
        cv.wait(lk, [&] { return over || !queue.empty(); });
        if (queue.empty()) return;
        const TimeNs stamp = queue.front();
        queue.pop_front();
        lk.unlock();
        ups::runtime::busy_work(cal, service.sample(rng));
        const TimeNs done = mono_ns();
        lk.lock();
        lat.push_back(done - stamp);
      }
    });
  ups::Rng rng(1);
  const TimeNs start = mono_ns(), end = start + kRpcDuration;
  TimeNs next = mono_ns();
  while (next < end) {
    next += gap.sample(rng);
    const timespec ts{static_cast<time_t>(next / 1'000'000'000), static_cast<long>(next % 1'000'000'000)};
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    {
      std::lock_guard lk(mu);
      queue.push_back(mono_ns());
    }
    cv.notify_one();
  }
  {
    std::lock_guard lk(mu);
    over = true;
    queue.clear();  // unserved at the end, as the runtime's run leaves them
  }
  cv.notify_all();
  for (auto& t : workers) t.join();
  return {pct(lat, 0.99) / 1e3, static_cast<double>(lat.size()) * 1e9 / static_cast<double>(mono_ns() - start)};
}

// --- one run, all figures ------------------------------------------------------------------

struct Figures {
  bool done = false;
  double raw_ns = 0, core_ns = 0, futex_ns = 0;
  Overrun overrun_timer, overrun_tick, overrun_raw;
  WakeLatency wake_fibers, wake_threads;
  double pipe_fibers_us = 0, pipe_threads_us = 0, pipe_boost_us = 0;
  Rpc rpc_rt, rpc_thr;
};
Figures g_fig;

double smaller(double a, double b) { return a == 0 ? b : std::min(a, b); }

void BM_RuntimeRatios(benchmark::State& state) {
  Figures f;
  for (auto _ : state) {
    RawPingPong pp;
    for (int round = 0; round < 5; ++round) {  // interleaved; the least disturbed round counts
      f.raw_ns = smaller(f.raw_ns, pp.ns_per_switch(20000));
      f.core_ns = smaller(f.core_ns, core_ns_per_switch(20000));
      f.futex_ns = smaller(f.futex_ns, futex_ns_per_switch(20000));
    }
    f.overrun_timer = slice_overrun(true, 1'000'000'000);
    f.overrun_tick = slice_overrun(false, 1'000'000'000);
    f.overrun_raw = raw_timer_latency(300);
    f.wake_fibers = schbench_fibers("simple");
    f.wake_threads = schbench_threads();
    f.pipe_fibers_us = pipe_us_fibers();
    f.pipe_threads_us = pipe_us_threads();
#ifdef UPS_HAVE_BOOST_FIBER
    f.pipe_boost_us = pipe_us_boost_fiber();
#endif
    const auto cal = ups::runtime::calibrate_busy_work();
    f.rpc_rt = rpc_runtime(cal);
    f.rpc_thr = rpc_threads(cal);
  }
  f.done = true;
  state.counters["core_over_raw"] = f.raw_ns > 0 ? f.core_ns / f.raw_ns : 0;
  state.counters["futex_over_core"] = f.core_ns > 0 ? f.futex_ns / f.core_ns : 0;
  g_fig = f;
}
BENCHMARK(BM_RuntimeRatios)->Iterations(1)->Unit(benchmark::kMillisecond);

// Each switch alone, for profiling one of them.
void BM_RawFcontextSwitch(benchmark::State& state) {
  RawPingPong pp;
  for (auto _ : state) state.SetIterationTime(pp.ns_per_switch(10000) * 20000 / 1e9);
  state.SetItemsProcessed(state.iterations() * 20000);
}
BENCHMARK(BM_RawFcontextSwitch)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_CoreFiberSwitch(benchmark::State& state) {
  for (auto _ : state) state.SetIterationTime(core_ns_per_switch(10000) * 20000 / 1e9);
  state.SetItemsProcessed(state.iterations() * 20000);
}
BENCHMARK(BM_CoreFiberSwitch)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The same without signals, `range(0)` yields per fiber, for callgrind
// (scripts/switch_cost.sh: the difference of two lengths is the switches'
// cost alone, without the runtime's setup).
void BM_CoreFiberSwitchQuiet(benchmark::State& state) {
  const long n = state.range(0);
  for (auto _ : state) state.SetIterationTime(core_ns_per_switch(n, true) * 2e-9 * static_cast<double>(n));
  state.SetItemsProcessed(state.iterations() * 2 * n);
}
BENCHMARK(BM_CoreFiberSwitchQuiet)->Arg(10000)->Arg(30000)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_FutexPingPong(benchmark::State& state) {
  for (auto _ : state) state.SetIterationTime(futex_ns_per_switch(10000) * 20000 / 1e9);
  state.SetItemsProcessed(state.iterations() * 20000);
}
BENCHMARK(BM_FutexPingPong)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_PipeRuntime(benchmark::State& state) {
  for (auto _ : state) state.SetIterationTime(pipe_us_fibers() * kPipeRounds / 1e6);
  state.SetItemsProcessed(state.iterations() * kPipeRounds);
}
BENCHMARK(BM_PipeRuntime)->UseManualTime()->Unit(benchmark::kMicrosecond);

void ratio(const char* what, double num, double den, const char* goal) {
  std::printf("  %-52s %8.2f   (goal %s)\n", what, den > 0 ? num / den : 0.0, goal);
}

void print_figures(const Figures& f) {
  if (!f.done) return;
  std::printf("\nruntime figures (one run; the machine may be shared):\n");
  std::printf("  switch ns: raw fcontext %.1f, through the core %.1f, futex ping-pong %.1f\n", f.raw_ns,
              f.core_ns, f.futex_ns);
  ratio("core switch / raw fcontext", f.core_ns, f.raw_ns, "<= 3");
  ratio("futex ping-pong / core switch", f.futex_ns, f.core_ns, ">= 20");
  auto overrun = [](const char* what, const ups::report::Percentiles& p) {
    std::printf("  slice overrun us, %-44s p50 %7.1f p90 %7.1f p99 %8.1f (n %llu)\n", what, p.p50_us, p.p90_us,
                p.p99_us, static_cast<unsigned long long>(p.count));
  };
  overrun("slice timer, all slices:", f.overrun_timer.all);
  overrun("slice timer, Linux left the worker alone:", f.overrun_timer.own);
  overrun("ticks only, all slices:", f.overrun_tick.all);
  overrun("ticks only, Linux left the worker alone:", f.overrun_tick.own);
  overrun("bare POSIX timer signal, no runtime, all:", f.overrun_raw.all);
  overrun("bare POSIX timer signal, Linux left it alone:", f.overrun_raw.own);
  ratio("slice overrun p99, slice timer, worker left alone (us)", f.overrun_timer.own.p99_us, 1, "<= 100");
  ratio("slice overrun p99, slice timer, all slices (us)", f.overrun_timer.all.p99_us, 1, "<= 100");
  ratio("slice overrun p50 (worker left alone), runtime / bare timer", f.overrun_timer.own.p50_us,
        f.overrun_raw.own.p50_us, "(reported: what the runtime adds)");
  ratio("slice overrun p99 (worker left alone), runtime / bare timer", f.overrun_timer.own.p99_us,
        f.overrun_raw.own.p99_us, "(reported)");
  ratio("slice overrun p99 (worker left alone), ticks / timer", f.overrun_tick.own.p99_us,
        f.overrun_timer.own.p99_us, "> 1");
  std::printf("  wake->run us, fibers under simple: p50 %.1f p99 %.1f; std::threads: p50 %.1f p99 %.1f\n",
              f.wake_fibers.p50_us, f.wake_fibers.p99_us, f.wake_threads.p50_us, f.wake_threads.p99_us);
  ratio("wake->run p50, threads / fibers", f.wake_threads.p50_us, f.wake_fibers.p50_us, "> 1");
  ratio("wake->run p99, threads / fibers", f.wake_threads.p99_us, f.wake_fibers.p99_us, ">= 5");
  std::printf("  pipe round trip us: runtime fibers %.2f, threads %.2f, Boost.Fiber %.2f\n", f.pipe_fibers_us,
              f.pipe_threads_us, f.pipe_boost_us);
  ratio("pipe round trip, threads / runtime", f.pipe_threads_us, f.pipe_fibers_us, "> 1");
  ratio("pipe round trip, Boost.Fiber / runtime", f.pipe_boost_us, f.pipe_fibers_us, "(reported)");
  std::printf("  rpc-bimodal request p99 us: runtime under %s%s %.0f (%.0f req/s), std::threads %.0f (%.0f req/s)\n",
              kRpcPolicy, kRpcPolicyArgs, f.rpc_rt.p99_us, f.rpc_rt.per_s, f.rpc_thr.p99_us, f.rpc_thr.per_s);
  ratio("rpc-bimodal p99, threads / runtime", f.rpc_thr.p99_us, f.rpc_rt.p99_us, "> 1");
  ratio("rpc-bimodal requests/s, runtime / threads", f.rpc_rt.per_s, f.rpc_thr.per_s, "~1 (same load)");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  print_figures(g_fig);
  benchmark::Shutdown();
  return 0;
}
