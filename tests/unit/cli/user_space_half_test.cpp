// A scheduler whose decisions are made in user space (scx_userland's
// protocol; tests/policies/user_queue.bpf.c) runs in `upsched sim`: upsched
// runs the user-space half in a task of its own in the policy's class, the
// tasks it hands back run, and that task shows in the report (its order of
// the tasks is tested in tests/unit/policy/user_space_half_test.cpp). Where upsched does not run
// the half (upschedd's `load`), the load is refused naming it; `upsched run`
// runs it in a fiber of its own.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Out;
using ups::cli_test::run;

std::string user_queue() { return std::string(UPS_TEST_POLICY_DIR) + "/user_queue.bpf.o"; }

std::string tmp_file(const std::string& name) {
  return (fs::temp_directory_path() / ("upsched_uq_" + std::to_string(getpid()) + "_" + name)).string();
}

TEST(UserSpaceHalf, TheSimulatorRunsItInItsOwnTaskAndEveryGroupGetsCpu) {
  if (!fs::exists(user_queue())) GTEST_SKIP() << "no clang built " << user_queue();
  const std::string json = tmp_file("sim.json");
  Out o = run("sim --preset hogs --policy " + user_queue() + " --cpus 2 --duration 2s --json " + json);
  ASSERT_EQ(o.rc, 0) << o.text;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  fs::remove(json);
  EXPECT_EQ(j["lost_tasks"], 0);
  std::map<std::string, double> share;
  for (const auto& g : j["groups"]) share[g["name"]] = g["cpu_share"].get<double>();
  // The half ran (in the policy's class: all of the CPU time is the class's), and took little.
  ASSERT_TRUE(share.count("scx_userland")) << j["groups"].dump();
  EXPECT_GT(share["scx_userland"], 0.0);
  EXPECT_LT(share["scx_userland"], 0.05);
  EXPECT_LT(j["per_class_share"]["fair"].get<double>(), 0.01) << j["per_class_share"].dump();
  // Every task it was handed went back to a CPU.
  for (const char* g : {"w1", "w2", "w4"}) EXPECT_GT(share[g], 0.1) << g << ": " << j["groups"].dump();
}

TEST(UserSpaceHalf, AFiniteWorkloadEndsThoughTheHalfRunsForever) {
  if (!fs::exists(user_queue())) GTEST_SKIP() << "no clang built " << user_queue();
  const std::string json = tmp_file("finite.json");
  Out o = run("sim --workload " + std::string(UPS_SOURCE_DIR) + "/tests/data/sim/good/all_ops.toml --policy " +
              user_queue() + " --cpus 2 --duration 60s --json " + json);
  ASSERT_EQ(o.rc, 0) << o.text;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  fs::remove(json);
  EXPECT_TRUE(j["completed"].get<bool>()) << "the run waited for the user-space half";
  EXPECT_EQ(j["lost_tasks"], 0);
  EXPECT_LT(j["elapsed_s"].get<double>(), 60.0);
}

TEST(UserSpaceHalf, TheRealRuntimeRunsItInAFiberOfItsOwn) {
  if (!fs::exists(user_queue())) GTEST_SKIP() << "no clang built " << user_queue();
  const std::string json = tmp_file("run.json");
  Out o = run("run --preset hogs --policy " + user_queue() + " --cpus 2 --duration 500ms --json " + json);
  ASSERT_EQ(o.rc, 0) << o.text;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  fs::remove(json);
  EXPECT_EQ(j["lost_tasks"], 0);
  std::map<std::string, double> share;
  for (const auto& g : j["groups"]) share[g["name"]] = g["cpu_share"].get<double>();
  // The BPF half runs a hog only when the user-space half hands it back:
  // every group's CPU came through it.
  for (const char* g : {"w1", "w2", "w4"}) EXPECT_GT(share[g], 0.05) << g << ": " << j["groups"].dump();
  EXPECT_LT(j["per_class_share"]["fair"].get<double>(), 0.01) << j["per_class_share"].dump();
}

TEST(UserSpaceHalf, LoadingIntoTheDaemonOrVerifyingSaysItIsNotRunThere) {
  if (!fs::exists(user_queue())) GTEST_SKIP() << "no clang built " << user_queue();
  Out o = run("verify " + user_queue());
  EXPECT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("needs its user-space scheduler"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("`upsched sim` and `upsched run` run upsched's own version of it"), std::string::npos) << o.text;
}

}  // namespace
