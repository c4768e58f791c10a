// Cgroups for real: `upsched run` places a workload's tasks in their
// groups' cgroups and makes its timed [[cgroup_moves]] on the run's clock,
// as the simulator does, so that a cgroup-aware policy sees the same tree.
#include <gtest/gtest.h>

#include <map>

#include "runtime/workload_run.h"
#include "runtime/workload_tasks.h"
#include "runtime_test_support.h"
#include "workload/presets.h"
#include "workload/workload.h"

namespace ups::runtime::testing {
namespace {

const Calibration& cal() {
  static const Calibration c = calibrate_busy_work();
  return c;
}

// Tasks that never end (they wait for an event nobody signals), so that
// where they are can be read when the run has been stopped.
const char* kTree = R"(
events = ["never"]
[[cgroups]]
path = "/a"
[[cgroups]]
path = "/b"
weight = 400
[[tasks]]
name = "movers"
count = 2
cgroup = "/a"
program = [ { compute = "1ms" }, { wait = "never" } ]
[[tasks]]
name = "stayer"
cgroup = "/a"
program = [ { wait = "never" } ]
[[tasks]]
name = "rooted"
program = [ { wait = "never" } ]
[[cgroup_moves]]
group = "movers"
to = "/b"
at = "50ms"
)";

TEST(WorkloadCgroups, TasksStartInTheirCgroupsAndATimedMoveMovesItsGroupOnly) {
  auto w = workload::parse_workload(kTree, "tree.toml");
  ASSERT_TRUE(w) << w.error().to_string();
  auto rt = make_runtime();
  ASSERT_TRUE(rt);
  ASSERT_TRUE(WorkloadTasks::create_cgroups(*w, *rt));
  WorkloadTasks tasks(*w, {}, cal(), *rt);
  ASSERT_TRUE(tasks.spawn_all());
  const RunSummary s = run_guarded(*rt, std::chrono::seconds(1));
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.lost_tasks, 0u);
  std::map<std::string, std::vector<std::string>> where;  // task name -> cgroup paths
  rt->with_core([&](Core& core) {
    ASSERT_NE(core.find_cgroup("/b"), nullptr);
    EXPECT_EQ(core.find_cgroup("/b")->weight, 400u);
    for (TaskId id : tasks.task_ids()) {
      Task* t = core.find_task(id);
      ASSERT_NE(t, nullptr);
      where[t->comm.data()].push_back(t->cgroup->path);
    }
  });
  EXPECT_EQ(where["movers"], (std::vector<std::string>{"/b", "/b"}));
  EXPECT_EQ(where["stayer"], (std::vector<std::string>{"/a"}));
  EXPECT_EQ(where["rooted"], (std::vector<std::string>{"/"}));
}

TEST(WorkloadCgroups, TheCgroupsPresetRunsForRealWithNothingLost) {
  auto w = workload::make_preset("cgroups", 2);
  ASSERT_TRUE(w) << w.error().to_string();
  WorkloadRunConfig cfg;
  cfg.duration = 200 * kNsPerMs;
  cfg.policies = {policy("simple")};
  cfg.handle_sigint = false;
  auto r = run_workload(*w, cfg, cal());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->lost_tasks, 0u);
  ASSERT_EQ(r->groups.size(), 3u);
  EXPECT_EQ(r->groups[2].cgroup, "/cg4");
}

}  // namespace
}  // namespace ups::runtime::testing
