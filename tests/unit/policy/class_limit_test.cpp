// The admission file's max_classes through the CLI's factory, as `upsched
// sim` uses it: it limits the classes a user has loaded at once. A second
// class at the same time is refused naming the limit and the class (before
// the run when both load at its start); a class that was unloaded, or that
// is being replaced, leaves its place to the next one.
#include <gtest/gtest.h>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

const char* const kOneClassUser =
    "[users.erin]\nuid = 1004\ngid = 1004\ncaps = [\"sched.load\"]\nmax_classes = 1\n";

std::string erin_class(const std::string& name, const std::string& when = "") {
  return "[[classes]]\nname = \"" + name + "\"\npolicy = \"" + obj("simple") + ":erin\"\nuid = 1004\n" + when;
}
std::string tasks_of(const std::string& cls) {
  return "[[tasks]]\nname = \"in_" + cls + "\"\ncount = 2\nuid = 1004\nclass = \"" + cls + "\"\n"
         "program = [ { repeat = 50, body = [ { compute = \"1ms\" }, { sleep = \"1ms\" } ] } ]\n";
}
const std::string kTasks = tasks_of("one");

TEST(ClassLimit, AUserAllowedOneClassLoadsIt) {
  report::RunReport r = run_scenario(erin_class("one") + kTasks, cli_factory(kOneClassUser));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_GT(class_share(r, "one"), 0.0);
}

TEST(ClassLimit, ASecondClassIsRefusedBeforeTheRun) {
  auto w = workload::parse_workload(erin_class("one") + erin_class("two") + kTasks, "scenario.toml");
  ASSERT_TRUE(w) << w.error().to_string();
  sim::SimConfig cfg;
  cfg.nr_cpus = 4;
  cfg.duration = 100 * kNsPerMs;
  auto world = sim::World::create(std::move(*w), cfg, cli_factory(kOneClassUser));
  ASSERT_FALSE(world);
  EXPECT_NE(world.error().to_string().find("at most 1 classes"), std::string::npos) << world.error().to_string();
  EXPECT_NE(world.error().to_string().find("class 'two'"), std::string::npos) << world.error().to_string();
}

TEST(ClassLimit, AnUnloadedClassLeavesItsPlaceToTheNext) {
  const std::string text = erin_class("one", "unload_at = \"20ms\"\n") + erin_class("two", "load_at = \"30ms\"\n") +
                           tasks_of("one") + tasks_of("two");
  report::RunReport r = run_scenario(text, cli_factory(kOneClassUser));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_GT(class_share(r, "one"), 0.0);
  EXPECT_GT(class_share(r, "two"), 0.0);
}

TEST(ClassLimit, AReplacementTakesThePlaceOfTheClassItReplaces) {
  const std::string text =
      erin_class("one", "replace_at = \"20ms\"\nreplace_with = \"" + obj("qmap") + ":erin\"\n") + kTasks;
  report::RunReport r = run_scenario(text, cli_factory(kOneClassUser));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  ASSERT_EQ(r.exit_reports.size(), 2u) << "the replaced class and its replacement each report";
  EXPECT_FALSE(r.exit_reports[0].is_error()) << r.exit_reports[0].to_string();
  EXPECT_NE(r.exit_reports[1].class_name.find("qmap"), std::string::npos) << r.exit_reports[1].to_string();
}

TEST(ClassLimit, ASecondClassLoadedDuringTheRunIsRefusedAndTheRunGoesOn) {
  const std::string text = erin_class("one") + erin_class("two", "load_at = \"30ms\"\n") + tasks_of("one") +
                           tasks_of("two");
  report::RunReport r = run_scenario(text, cli_factory(kOneClassUser));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.completed) << "class two's tasks finish under fair";
  EXPECT_GT(class_share(r, "one"), 0.0);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_NE(r.refused[0].find("at 0.030000000s"), std::string::npos) << r.refused[0];
  EXPECT_NE(r.refused[0].find("at most 1 classes"), std::string::npos) << r.refused[0];
  EXPECT_NE(r.refused[0].find("class 'two'"), std::string::npos) << r.refused[0];
  EXPECT_NE(r.summary().find("refused: at 0.030000000s"), std::string::npos) << r.summary();
}

}  // namespace
}  // namespace ups::policy
