// The admission file's max_classes through the CLI's factory, as `upsched
// sim` uses it: the check the simulator makes of every class before the run
// and the real load count one class once, so a user allowed one class runs
// one, and a second is refused before the run, naming the limit.
#include <gtest/gtest.h>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

const char* const kOneClassUser =
    "[users.erin]\nuid = 1004\ngid = 1004\ncaps = [\"sched.load\"]\nmax_classes = 1\n";

std::string erin_class(const std::string& name) {
  return "[[classes]]\nname = \"" + name + "\"\npolicy = \"" + obj("simple") + ":erin\"\nuid = 1004\n";
}
const char* const kTasks =
    "[[tasks]]\nname = \"w\"\ncount = 2\nuid = 1004\nclass = \"one\"\n"
    "program = [ { repeat = 5, body = [ { compute = \"1ms\" }, { sleep = \"1ms\" } ] } ]\n";

TEST(ClassLimit, AUserAllowedOneClassLoadsIt) {
  sim::SimReport r = run_scenario(erin_class("one") + kTasks, cli_factory(kOneClassUser));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_GT(class_share(r, "one"), 0.0);
}

TEST(ClassLimit, ASecondClassIsRefusedBeforeTheRun) {
  auto w = sim::parse_workload(erin_class("one") + erin_class("two") + kTasks, "scenario.toml");
  ASSERT_TRUE(w) << w.error().to_string();
  sim::SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.duration = 100 * kNsPerMs;
  auto world = sim::World::create(std::move(*w), cfg, cli_factory(kOneClassUser));
  ASSERT_FALSE(world);
  EXPECT_NE(world.error().to_string().find("at most 1 classes"), std::string::npos) << world.error().to_string();
  EXPECT_NE(world.error().to_string().find("class 'two'"), std::string::npos) << world.error().to_string();
}

}  // namespace
}  // namespace ups::policy
