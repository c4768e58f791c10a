// Embedding the runtime: a producer and two consumers on 2 CPUs under the
// fair class, handing items over through a Mutex + CondVar, one consumer
// also sleeping. Prints the run's summary; exits non-zero if a task was
// lost or did not finish. (ctest runs it: example_runtime.)
#include <cstdio>
#include <deque>

#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace rt = ups::runtime;

static rt::TaskAttrs named(const char* name) {
  rt::TaskAttrs a;
  a.name = name;
  return a;
}

int main() {
  rt::RuntimeOptions opts;
  opts.cpus = {0, 1};
  auto runtime = rt::Runtime::create(opts);
  if (!runtime) {
    std::fprintf(stderr, "runtime: %s\n", runtime.error().message.c_str());
    return 1;
  }
  if (auto st = (*runtime)->load({"fair"}); !st) {
    std::fprintf(stderr, "load: %s\n", st.error().message.c_str());
    return 1;
  }
  rt::Mutex mu;
  rt::CondVar cv;
  std::deque<int> items;
  bool done = false;
  long consumed = 0;
  constexpr int kItems = 1000;

  (*runtime)->spawn([&] {
    for (int i = 0; i < kItems; ++i) {
      mu.lock();
      items.push_back(i);
      mu.unlock();
      cv.notify_one();
      if (i % 100 == 0) rt::yield();
    }
    mu.lock();
    done = true;
    mu.unlock();
    cv.notify_all();
  }, named("producer"));
  for (int c = 0; c < 2; ++c)
    (*runtime)->spawn([&, c] {
      for (;;) {
        mu.lock();
        while (items.empty() && !done) cv.wait(mu);
        if (items.empty()) {
          mu.unlock();
          return;
        }
        items.pop_front();
        const long n = ++consumed;  // read under mu: the other consumer writes it
        mu.unlock();
        if (c == 1 && n % 250 == 0) rt::sleep_for(100'000);  // 100 us
      }
    }, named(c == 0 ? "consumer0" : "consumer1"));

  auto sum = (*runtime)->run();
  if (!sum) {
    std::fprintf(stderr, "run: %s\n", sum.error().message.c_str());
    return 1;
  }
  std::printf("consumed %ld of %d items; tasks %llu spawned, %llu completed, %llu lost; "
              "%llu switches, %llu preemptions\n",
              consumed, kItems, (unsigned long long)sum->spawned, (unsigned long long)sum->completed,
              (unsigned long long)sum->lost_tasks, (unsigned long long)sum->switches,
              (unsigned long long)sum->preemptions);
  for (auto& p : sum->problems) std::printf("problem: %s\n", p.c_str());
  return consumed == kItems && sum->completed == sum->spawned && sum->lost_tasks == 0 ? 0 : 1;
}
