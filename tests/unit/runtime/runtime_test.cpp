// The runtime schedules real fibers through the core: they run to
// completion on 2 workers under fair and under BPF policies, a CPU-bound
// fiber is preempted, bad policies are ejected with their tasks finishing
// under fair, idle workers sleep, and a fiber blocking its worker is named.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>

#include "runtime_test_support.h"

namespace ups::runtime::testing {
namespace {

// n fibers that each yield `rounds` times, recording the CPUs they ran on.
// (No std::mutex in a fiber: a preemption while holding it would block
// the next fiber of that worker on the OS lock.)
RunSummary run_yielders(Runtime& rt, int n, int rounds, std::atomic<u32>* cpus, std::atomic<int>* done) {
  for (int i = 0; i < n; ++i) {
    auto id = rt.spawn([=] {
      for (int r = 0; r < rounds; ++r) {
        cpus->fetch_or(1u << current_cpu());
        yield();
      }
      done->fetch_add(1);
    }, named("yielder" + std::to_string(i)));
    EXPECT_TRUE(id) << id.error().to_string();
  }
  return run_guarded(rt);
}

TEST(Runtime, FibersRunToCompletionUnderFairOnTwoWorkers) {
  auto rt = make_runtime({0, 1});
  std::atomic<u32> cpus{0};
  std::atomic<int> done{0};
  RunSummary s = run_yielders(*rt, 16, 50, &cpus, &done);
  expect_all_completed(s);
  EXPECT_EQ(done.load(), 16);
  EXPECT_EQ(s.spawned, 16u);
  EXPECT_NE(cpus.load(), 0u);
  EXPECT_EQ(cpus.load() & ~3u, 0u) << "a fiber ran on a CPU the runtime does not have";
  EXPECT_TRUE(s.exit_reports.empty());
}

TEST(Runtime, FibersRunToCompletionUnderTheSimpleBpfPolicy) {
  auto rt = make_runtime({0, 1}, {policy("simple")});
  std::atomic<u32> cpus{0};
  std::atomic<int> done{0};
  RunSummary s = run_yielders(*rt, 16, 50, &cpus, &done);
  expect_all_completed(s);
  EXPECT_EQ(done.load(), 16);
  EXPECT_TRUE(s.exit_reports.empty()) << s.exit_reports[0].to_string();
  // The work ran in the BPF class, not in fair.
  TimeNs simple_ns = 0, fair_ns = 0;
  for (auto& [name, ns] : s.class_runtime) (name == "fair" ? fair_ns : simple_ns) += ns;
  EXPECT_GT(simple_ns, 0u);
  EXPECT_EQ(fair_ns, 0u);
}

TEST(Runtime, SpawnFromAFiber) {
  auto rt = make_runtime({0, 1});
  std::atomic<int> children{0};
  Runtime* r = rt.get();
  rt->spawn([&, r] {
    for (int i = 0; i < 10; ++i) {
      auto id = r->spawn([&] { children.fetch_add(1); }, named("child"));
      EXPECT_TRUE(id);
    }
  }, named("parent"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_EQ(s.spawned, 11u);
  EXPECT_EQ(children.load(), 10);
}

// A fiber that spins without calling the runtime, and another on the same
// CPU (both pinned to the last one) that can only run again if a signal
// preempts the first.
void expect_hog_preempted(std::vector<std::string> policies, std::vector<int> cpus = {0}) {
  const CpuId last = static_cast<CpuId>(cpus.size() - 1);
  auto rt = make_runtime(std::move(cpus), std::move(policies));
  std::atomic<bool> released{false};
  std::atomic<u64> spins{0};
  TaskAttrs hog = named("hog"), releaser = named("releaser");
  hog.affinity.set(last);
  releaser.affinity.set(last);
  rt->spawn([&] {
    while (!released.load(std::memory_order_relaxed)) spins.fetch_add(1, std::memory_order_relaxed);
  }, hog);
  // Releases the hog only once it has spun: from then on, only a preemption
  // of the hog lets this fiber run again.
  rt->spawn([&] {
    while (spins.load() == 0) yield();
    released.store(true);
  }, releaser);
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_TRUE(released.load());
  EXPECT_GE(s.preemptions, 1u);
}

TEST(Runtime, CpuBoundFiberIsPreemptedUnderFair) { expect_hog_preempted({}); }

// With ticks 10 s apart, only the worker's slice timer can end the hog's
// slice (fair: 3 ms) within the run; the summary counts that overrun.
TEST(Runtime, TheSliceTimerEndsASliceBetweenTicks) {
  RuntimeOptions o;
  o.cpus = {0};
  o.tick_ns = 10 * kNsPerSec;
  o.check_invariants = true;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt) << rt.error().to_string();
  std::atomic<bool> released{false};
  std::atomic<u64> spins{0};
  (*rt)->spawn([&] {
    while (!released.load(std::memory_order_relaxed)) spins.fetch_add(1, std::memory_order_relaxed);
  }, named("hog"));
  (*rt)->spawn([&] {
    while (spins.load() == 0) yield();
    released.store(true);
  }, named("releaser"));
  RunSummary s = run_guarded(**rt, std::chrono::seconds(5));  // under the tick: no tick can do it
  expect_all_completed(s);
  EXPECT_TRUE(released.load());
  EXPECT_GE(s.slice_overrun.count, 1u);
}
// A task alone on its CPU runs on past its slice (the core finds nothing
// better): the slice timer fires once at the slice's end, not again and
// again for a slice already over.
TEST(Runtime, ALoneTaskPastItsSliceIsNotInterruptedOverAndOver) {
  RuntimeOptions o;
  o.cpus = {0};
  o.check_invariants = true;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt) << rt.error().to_string();
  const TimeNs slice = std::max(o.fair.base_slice_ns, o.fair.min_granularity_ns);
  (*rt)->spawn([&] {
    const TimeNs end = now() + 10 * slice;
    while (now() < end) {
    }
  }, named("alone"));
  RunSummary s = run_guarded(**rt, std::chrono::seconds(5));
  expect_all_completed(s);
  EXPECT_LT(s.preemptions, 10u) << "signals sent " << s.preempt_signals;
}

TEST(Runtime, CpuBoundFiberIsPreemptedUnderSimple) { expect_hog_preempted({policy("simple")}); }

TEST(Runtime, BadPolicyIsEjectedAndItsTasksFinishUnderFair) {
  auto rt = make_runtime({0, 1}, {policy("bad_calls_error")});
  std::atomic<u32> cpus{0};
  std::atomic<int> done{0};
  RunSummary s = run_yielders(*rt, 8, 20, &cpus, &done);
  expect_all_completed(s);
  EXPECT_EQ(done.load(), 8);
  ASSERT_EQ(s.exit_reports.size(), 1u);
  const ExitReport& e = s.exit_reports[0];
  EXPECT_EQ(e.kind, ExitKind::error_bpf);
  // The policy's own text, as the simulator reports it.
  EXPECT_EQ(e.message.rfind("bad_calls_error: giving up after 10 enqueues", 0), 0u) << e.message;
}

TEST(Runtime, StalledPolicyIsEjectedByTheWatchdogOnRealTime) {
  auto rt = make_runtime({0, 1}, {policy("bad_never_dispatch")});
  std::atomic<int> done{0};
  for (int i = 0; i < 4; ++i) rt->spawn([&] { done.fetch_add(1); }, named("stuck"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_EQ(done.load(), 4);
  ASSERT_EQ(s.exit_reports.size(), 1u);
  EXPECT_EQ(s.exit_reports[0].kind, ExitKind::error_stall);
  EXPECT_EQ(s.exit_reports[0].reason, "runnable task stall");
  EXPECT_GE(s.exit_reports[0].tasks_moved_to_fair, 1u);  // those it held (idle CPUs may have run some)
}

// The policy's BPF timer fires on real time (every millisecond) and its
// bad kick ejects the class; the tasks finish under fair.
TEST(Runtime, BpfTimerFiresOnRealTimeAndItsBadKickEjectsTheClass) {
  auto rt = make_runtime({0, 1}, {policy("bad_timer_kick")});
  std::atomic<int> done{0};
  // Tasks that outlive the first timer round (they sleep past it).
  for (int i = 0; i < 4; ++i)
    rt->spawn([&] {
      sleep_for(5 * kNsPerMs);
      done.fetch_add(1);
    }, named("sleeper"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_EQ(done.load(), 4);
  ASSERT_EQ(s.exit_reports.size(), 1u);
  EXPECT_EQ(s.exit_reports[0].kind, ExitKind::error);
  EXPECT_NE(s.exit_reports[0].to_string().find("scx_bpf_kick_cpu"), std::string::npos)
      << s.exit_reports[0].to_string();
}

// central gives tasks infinite slices; only its BPF timer, kicking the CPU
// of a task that ran past slice_ns, makes the hog give its CPU up.
TEST(Runtime, CentralsTimerPreemptsAHog) { expect_hog_preempted({policy("central")}, {0, 1}); }

TimeNs process_cpu_ns() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) { return static_cast<TimeNs>(tv.tv_sec) * kNsPerSec + static_cast<TimeNs>(tv.tv_usec) * 1000; };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

TEST(Runtime, IdleWorkersDoNotSpin) {
  auto rt = make_runtime({0, 1});
  constexpr TimeNs kIdle = 300 * kNsPerMs;
  TimeNs cpu_before = 0, cpu_after = 0;
  rt->spawn([&] {
    cpu_before = process_cpu_ns();
    sleep_for(kIdle);  // both workers idle, the monitor waiting on its timer
    cpu_after = process_cpu_ns();
  }, named("sleeper"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  // Two spinning workers would burn about 2 x kIdle; sleeping ones almost
  // nothing. The bound is generous for a loaded machine.
  EXPECT_LT(cpu_after - cpu_before, kIdle / 3) << "CPU time over " << kIdle / kNsPerMs << " ms idle";
}

TEST(Runtime, AFiberBlockingItsWorkerInASystemCallIsReported) {
  RuntimeOptions o;
  o.cpus = {0, 1};
  o.blocking_report_ns = 50 * kNsPerMs;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt);
  // A blocking read(2) on a pipe that a thread outside the runtime fills
  // later (read restarts after the runtime's SIGURG; a sleep would not).
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  (*rt)->spawn([&] {
    char c;
    [[maybe_unused]] ssize_t n = ::read(fds[0], &c, 1);
  }, named("blocking_reader"));
  (*rt)->spawn([] { sleep_for(10 * kNsPerMs); }, named("polite"));
  std::thread filler([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    [[maybe_unused]] ssize_t n = ::write(fds[1], "x", 1);
  });
  RunSummary s = run_guarded(**rt);
  filler.join();
  ::close(fds[0]);
  ::close(fds[1]);
  expect_all_completed(s);
  ASSERT_EQ(s.blocking.size(), 1u);
  EXPECT_NE(s.blocking[0].find("'blocking_reader'"), std::string::npos) << s.blocking[0];
}

TEST(Runtime, SigintEndsTheRunCleanly) {
  RuntimeOptions o;
  o.cpus = {0, 1};
  o.handle_sigint = true;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt);
  std::atomic<bool> running{false};
  (*rt)->spawn([&] {
    for (;;) {
      running.store(true);
      sleep_for(kNsPerMs);
    }
  }, named("forever_sleeping"));
  (*rt)->spawn([&] {
    for (;;) {
      running.store(true);  // never calls the runtime
#if defined(__SANITIZE_THREAD__)
      preempt_point();  // TSan delivers signals only at its interceptors (docs/runtime.md, Limits)
#endif
    }
  }, named("forever_spinning"));
  std::thread sender([&] {
    while (!running.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ::kill(::getpid(), SIGINT);
  });
  RunSummary s = run_guarded(**rt);
  sender.join();
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.unfinished, 2u);
  EXPECT_EQ(s.lost_tasks, 0u);
  EXPECT_TRUE(s.problems.empty()) << s.problems[0];
}

TEST(RuntimeCpus, ParsesListsRangesAndCounts) {
  EXPECT_EQ(*parse_cpus("0-1"), (std::vector<int>{0, 1}));
  EXPECT_EQ(*parse_cpus("3"), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(*parse_cpus("0,2-3"), (std::vector<int>{0, 2, 3}));
  for (const char* bad : {"", "a", "2-1", "0,0", "0-", "0"}) {
    auto r = parse_cpus(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find("--cpus"), std::string::npos);
    }
  }
}

TEST(RuntimeCpus, CreateRefusesNoCpus) {
  RuntimeOptions o;
  o.cpus = {};
  auto rt = Runtime::create(o);
  ASSERT_FALSE(rt);
  EXPECT_NE(rt.error().message.find("CPUs"), std::string::npos);
}

}  // namespace
}  // namespace ups::runtime::testing
