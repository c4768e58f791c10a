// Named locks in workloads: a lock serialises the tasks that take it, each
// waiter gets it in turn, and bad use (releasing a lock not held, exiting
// with one) stops the run with an error naming the file and line.
#include <gtest/gtest.h>

#include "workload/workload.h"
#include "sim_test_util.h"

namespace ups::sim {
namespace {

using testing::checked_config;
using testing::run_checked;

Workload parse(const std::string& text) {
  auto w = parse_workload(text, "locks.toml");
  EXPECT_TRUE(w) << w.error().to_string();
  return w ? *w : Workload{};
}

TEST(SimLocks, ALockSerialisesItsHolders) {
  // Four 10 ms critical sections on four CPUs: one at a time, so the last
  // ends after 40 ms; the same work without the lock ends after 10 ms.
  const std::string with_lock =
      "locks = [\"db\"]\n[[tasks]]\nname = \"t\"\ncount = 4\n"
      "program = [ { lock = \"db\" }, { compute = \"10ms\" }, { unlock = \"db\" } ]\n";
  const std::string without =
      "[[tasks]]\nname = \"t\"\ncount = 4\nprogram = [ { compute = \"10ms\" } ]\n";
  for (const char* policy : {"fair", "fifo"}) {
    SCOPED_TRACE(policy);
    auto locked = run_checked(parse(with_lock), checked_config(4, 1, kNsPerSec, policy));
    auto free = run_checked(parse(without), checked_config(4, 1, kNsPerSec, policy));
    ASSERT_EQ(locked.error, "");
    ASSERT_EQ(free.error, "");
    EXPECT_EQ(locked.report.tasks_completed, 4u);
    EXPECT_GE(locked.report.elapsed_ns, 40 * kNsPerMs);
    EXPECT_LT(free.report.elapsed_ns, 11 * kNsPerMs);
  }
}

TEST(SimLocks, ReleasingALockNotHeldIsALocatedError) {
  const std::string text =
      "locks = [\"db\"]\n[[tasks]]\nname = \"t\"\n"
      "program = [ { compute = \"1ms\" },\n { unlock = \"db\" } ]\n";
  auto r = run_checked(parse(text), checked_config(1, 1, kNsPerSec, "fair"));
  EXPECT_NE(r.error.find("locks.toml:5: unlock 'db': task"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("which it does not hold"), std::string::npos) << r.error;
}

TEST(SimLocks, ExitingWhileHoldingALockIsALocatedError) {
  const std::string text =
      "locks = [\"db\"]\n[[tasks]]\nname = \"t\"\n"
      "program = [ { lock = \"db\" }, { compute = \"1ms\" } ]\n";
  auto r = run_checked(parse(text), checked_config(1, 1, kNsPerSec, "fair"));
  EXPECT_NE(r.error.find("locks.toml:4: task"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("exits holding 1 lock(s)"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ups::sim
