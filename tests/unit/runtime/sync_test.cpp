// The fiber-side waits: sleep, Mutex (its holder known to the core),
// CondVar, Event and fd readiness, each on ONE worker where it matters, so
// that a wait that blocked the worker thread would hang the run (and the
// guard would fail the test) instead of passing.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <vector>

#include "runtime_test_support.h"

namespace ups::runtime::testing {
namespace {

TEST(RuntimeSync, SleepLetsAnotherFiberRunAndLastsAtLeastItsTime) {
  auto rt = make_runtime({0});
  std::vector<std::string> order;  // one worker: fibers never run at once
  TimeNs slept = 0;
  rt->spawn([&] {
    const TimeNs t0 = now();
    sleep_for(20 * kNsPerMs);
    slept = now() - t0;
    order.push_back("sleeper");
  }, named("sleeper"));
  rt->spawn([&] {
    while (order.empty() && slept == 0) {
      order.push_back("runner");  // runs while the sleeper sleeps
    }
  }, named("runner"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "runner");
  EXPECT_EQ(order[1], "sleeper");
  EXPECT_GE(slept, 20 * kNsPerMs);
}

TEST(RuntimeSync, MutexExcludesAcrossWorkersAndPreemption) {
  auto rt = make_runtime({0, 1});
  Mutex mu;
  long counter = 0;  // guarded by mu only
  for (int i = 0; i < 4; ++i)
    rt->spawn([&] {
      for (int k = 0; k < 500; ++k) {
        mu.lock();
        const long v = counter;
        if (k % 50 == 0) yield();  // a switch inside the critical section
        counter = v + 1;
        mu.unlock();
      }
    }, named("incrementer"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_EQ(counter, 2000);
}

TEST(RuntimeSync, TheCoreKnowsWhoHoldsTheMutexAWaiterWaitsFor) {
  auto rt = make_runtime({0, 1});
  Runtime* r = rt.get();
  Mutex mu;
  Event locked, release;
  std::atomic<TaskId> holder{kNoTask}, waiter{kNoTask};
  TaskId seen_holder = kNoTask;
  rt->spawn([&] {
    mu.lock();
    holder = current_task();
    locked.signal();
    release.wait();
    mu.unlock();
  }, named("holder"));
  rt->spawn([&] {
    locked.wait();
    locked.signal();  // for the checker, if this fiber woke first
    waiter = current_task();
    mu.lock();
    mu.unlock();
  }, named("waiter"));
  rt->spawn([&, r] {
    locked.wait();
    locked.signal();  // for the waiter, if this fiber woke first
    // Until the waiter is queued on the mutex.
    for (bool queued = false; !queued;) {
      r->with_core([&](Core& core) {
        Task* w = waiter.load() == kNoTask ? nullptr : core.find_task(waiter.load());
        if (w && w->lock.waiting_for != 0) {
          queued = true;
          if (Task* h = core.lock_holder_for(*w)) seen_holder = h->id;
        }
      });
      if (!queued) yield();
    }
    release.signal();
  }, named("checker"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_NE(holder.load(), kNoTask);
  EXPECT_EQ(seen_holder, holder.load());
}

TEST(RuntimeSync, CondVarHandsItemsOverAndNotifyAllWakesEveryWaiter) {
  auto rt = make_runtime({0, 1});
  Mutex mu;
  CondVar cv;
  std::deque<int> items;
  bool closed = false;
  std::atomic<int> consumed{0};
  for (int c = 0; c < 3; ++c)
    rt->spawn([&] {
      mu.lock();
      for (;;) {
        while (items.empty() && !closed) cv.wait(mu);
        if (items.empty()) break;
        items.pop_front();
        consumed.fetch_add(1);
      }
      mu.unlock();
    }, named("consumer"));
  rt->spawn([&] {
    for (int i = 0; i < 300; ++i) {
      mu.lock();
      items.push_back(i);
      mu.unlock();
      cv.notify_one();
    }
    mu.lock();
    closed = true;
    mu.unlock();
    cv.notify_all();  // every consumer must see `closed`, or the run never ends
  }, named("producer"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_EQ(consumed.load(), 300);
}

TEST(RuntimeSync, EventPingPongOnOneWorker) {
  auto rt = make_runtime({0});
  Event ping, pong;
  int rounds = 0;
  rt->spawn([&] {
    for (int i = 0; i < 1000; ++i) {
      ping.signal();
      pong.wait();
      ++rounds;
    }
  }, named("pinger"));
  rt->spawn([&] {
    for (int i = 0; i < 1000; ++i) {
      ping.wait();
      pong.signal();
    }
  }, named("ponger"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_EQ(rounds, 1000);
}

TEST(RuntimeSync, PipeReadinessWaitsWithoutBlockingTheWorker) {
  auto rt = make_runtime({0});
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  constexpr size_t kBytes = 256 * 1024;  // more than a pipe holds: the writer waits too
  size_t got = 0;
  u64 sum_in = 0, sum_out = 0;
  rt->spawn([&] {
    char buf[4096];
    for (;;) {
      const ssize_t n = read(fds[0], buf, sizeof buf);
      ASSERT_GE(n, 0);
      if (n == 0) break;
      for (ssize_t i = 0; i < n; ++i) sum_in += static_cast<unsigned char>(buf[i]);
      got += static_cast<size_t>(n);
    }
  }, named("reader"));
  rt->spawn([&] {
    sleep_for(5 * kNsPerMs);  // the reader waits on an empty pipe first
    std::vector<char> data(kBytes);
    for (size_t i = 0; i < kBytes; ++i) {
      data[i] = static_cast<char>(i * 7);
      sum_out += static_cast<unsigned char>(data[i]);
    }
    size_t off = 0;
    while (off < kBytes) {
      const ssize_t n = write(fds[1], data.data() + off, kBytes - off);
      ASSERT_GT(n, 0);
      off += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  }, named("writer"));
  RunSummary s = run_guarded(*rt);
  ::close(fds[0]);
  expect_all_completed(s);
  EXPECT_EQ(got, kBytes);
  EXPECT_EQ(sum_in, sum_out);
}

TEST(RuntimeSync, SpinPollsRunnableUntilSignalledAndTheCoreCountsItsPollAsSpin) {
  // One worker: the signaller can run only if the poller, which never
  // blocks, is preempted; a spin that blocked would leave spin_ns at 0.
  auto rt = make_runtime({0});
  Runtime* r = rt.get();
  Event input;
  std::atomic<TaskId> poller{kNoTask};
  bool got = false, seen_spinning = false;
  rt->spawn([&] {
    poller = current_task();
    input.spin();
    got = true;
  }, named("poller"));
  rt->spawn([&, r] {
    sleep_for(5 * kNsPerMs);  // the poller has the CPU meanwhile
    r->with_core([&](Core& core) {
      if (Task* t = core.find_task(poller.load()))
        seen_spinning = t->wait.kind == WaitKind::spinning && t->state != TaskState::blocked;
    });
    input.signal();
  }, named("signaller"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_TRUE(got);
  EXPECT_TRUE(seen_spinning);
  EXPECT_GT(s.spin_ns, 0);
  EXPECT_LE(s.spin_ns, s.task_run_ns);
}

TEST(RuntimeSync, SpinTakesAStoredTokenWithoutPolling) {
  auto rt = make_runtime({0});
  Event input;
  bool got = false;
  rt->spawn([&] {
    input.signal();
    input.spin();
    got = true;
  }, named("poller"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_TRUE(got);
  EXPECT_EQ(s.spin_ns, 0);
  EXPECT_GT(s.task_run_ns, 0);
}

TEST(RuntimeSync, WaitUntilGivesUpAtItsDeadlineAndATokenAfterItIsKept) {
  // One worker: a wait_until that blocked the worker would hang the run.
  auto rt = make_runtime({0});
  Event input;
  bool first = true, second = false;
  TimeNs waited = 0;
  rt->spawn([&] {
    const TimeNs t0 = now();
    first = input.wait_until(t0 + 10 * kNsPerMs);  // nobody signals yet
    waited = now() - t0;
    sleep_for(10 * kNsPerMs);                      // the signal comes meanwhile
    second = input.wait_until(now() + kNsPerSec);  // takes the stored token
  }, named("waiter"));
  rt->spawn([&] {
    sleep_for(15 * kNsPerMs);
    input.signal();  // after the first deadline: no waiter, so a token
  }, named("signaller"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_FALSE(first);
  EXPECT_GE(waited, 10 * kNsPerMs);
  EXPECT_TRUE(second);
}

TEST(RuntimeSync, WaitUntilWokenBeforeItsDeadlineTakesTheToken) {
  auto rt = make_runtime({0});
  Event input;
  bool got = false;
  TimeNs waited = 0;
  rt->spawn([&] {
    const TimeNs t0 = now();
    got = input.wait_until(t0 + 10 * kNsPerSec);
    waited = now() - t0;
  }, named("waiter"));
  rt->spawn([&] {
    sleep_for(5 * kNsPerMs);
    input.signal();
  }, named("signaller"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_TRUE(got);
  EXPECT_LT(waited, 10 * kNsPerSec);  // the timer did not have to end it
}

TEST(RuntimeSync, SpinUntilPollsUntilItsDeadlineThenStopsSpinning) {
  auto rt = make_runtime({0});
  Runtime* r = rt.get();
  Event input;
  std::atomic<TaskId> poller{kNoTask};
  bool got = true;
  WaitKind after = WaitKind::spinning;
  rt->spawn([&, r] {
    poller = current_task();
    got = input.spin_until(now() + 5 * kNsPerMs);
    r->with_core([&](Core& core) {
      if (Task* t = core.find_task(poller.load())) after = t->wait.kind;
    });
  }, named("poller"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_FALSE(got);
  EXPECT_EQ(after, WaitKind::none);  // the core no longer sees it waiting
  EXPECT_GT(s.spin_ns, 0);           // the poll was counted as spin
}

TEST(RuntimeSync, WaitOnAnFdEpollRefusesIsAnError) {
  auto rt = make_runtime({0});
  std::string message;
  rt->spawn([&] {
    auto st = wait_readable(-1);
    if (!st) message = st.error().message;
  }, named("bad_fd"));
  RunSummary s = run_guarded(*rt);
  expect_all_completed(s);
  EXPECT_NE(message.find("wait_readable(-1)"), std::string::npos) << message;
}

}  // namespace
}  // namespace ups::runtime::testing
