// Shared by the runtime tests: a runtime on given CPUs, and a run that a
// guard thread stops after a long time, so a broken runtime fails its test
// (interrupted) instead of hanging it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace ups::runtime::testing {

inline TaskAttrs named(const std::string& name) {
  TaskAttrs a;
  a.name = name;
  return a;
}

inline std::string policy(const std::string& name) { return std::string(UPS_POLICY_DIR) + "/" + name + ".bpf.o"; }

inline std::unique_ptr<Runtime> make_runtime(std::vector<int> cpus = {0, 1},
                                             std::vector<std::string> policies = {}) {
  RuntimeOptions o;
  o.cpus = std::move(cpus);
  o.check_invariants = true;
  auto rt = Runtime::create(o);
  EXPECT_TRUE(rt) << rt.error().to_string();
  if (!rt) return nullptr;
  if (!policies.empty()) {
    auto st = (*rt)->load(policies);
    EXPECT_TRUE(st) << st.error().to_string();
  }
  return std::move(*rt);
}

// Runs rt; stops it after `guard` (then the summary says interrupted).
inline RunSummary run_guarded(Runtime& rt, std::chrono::seconds guard = std::chrono::seconds(60)) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread g([&] {
    std::unique_lock lk(mu);
    if (!cv.wait_for(lk, guard, [&] { return done; })) rt.stop();
  });
  auto s = rt.run();
  {
    std::lock_guard lk(mu);
    done = true;
  }
  cv.notify_all();
  g.join();
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? *s : RunSummary{};
}

// Every task spawned finished and none was lost.
inline void expect_all_completed(const RunSummary& s) {
  EXPECT_FALSE(s.interrupted) << "the guard stopped the run";
  EXPECT_EQ(s.completed, s.spawned);
  EXPECT_EQ(s.unfinished, 0u);
  EXPECT_EQ(s.lost_tasks, 0u);
}

}  // namespace ups::runtime::testing
