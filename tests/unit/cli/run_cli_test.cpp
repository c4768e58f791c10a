// `upsched run`, run as a user would: a workload executed for real writes
// the same JSON fields as `upsched sim` of it, a bad --cpus is refused with
// exit 2, and a policy that gets ejected ends in exit 3 with a warning.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Out;
using ups::cli_test::run;

std::string tmp_file(const std::string& name) {
  return (fs::temp_directory_path() / ("upsched_run_cli_" + std::to_string(getpid()) + "_" + name)).string();
}

std::set<std::string> keys(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  std::set<std::string> out;
  for (auto& [k, v] : j.items()) out.insert(k);
  return out;
}

const std::string kPolicies = std::string(UPS_BINARY_DIR) + "/policies/";

TEST(RunCli, ImageWorkStandsForComputeAndAnUnknownKindIsRefused) {
  const std::string json = tmp_file("image.json");
  Out o = run("run --preset hogs --work image --cpus 2 --duration 300ms --json " + json);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("compute is image work"), std::string::npos) << o.text;
  std::ifstream in(json);
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["lost_tasks"], 0);
  EXPECT_GT(j["cpu_busy_ratio"].get<double>(), 0.5) << j.dump();  // the hogs kept both CPUs busy
  fs::remove(json);
  Out bad = run("run --preset hogs --work video --duration 100ms");
  EXPECT_NE(bad.rc, 0);
  EXPECT_NE(bad.text.find("--work"), std::string::npos) << bad.text;
}

TEST(RunCli, HogsUnderSimpleWriteTheSimulatorsJsonFields) {
  const std::string real = tmp_file("real.json"), sim = tmp_file("sim.json");
  const std::string args = "--preset hogs --policy " + kPolicies + "simple.bpf.o --cpus 2 --duration 300ms --json ";
  Out o = run("run " + args + real);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("calibration:"), std::string::npos) << o.text;
  Out s = run("sim " + args + sim);
  ASSERT_EQ(s.rc, 0) << s.text;
  EXPECT_EQ(keys(real), keys(sim));
  std::ifstream in(real);
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["lost_tasks"], 0);
  EXPECT_GT(j["per_class_share"]["simple"].get<double>(), 0.5) << j.dump();
  fs::remove(real);
  fs::remove(sim);
}

TEST(RunCli, ABadCpuListIsRefused) {
  Out o = run("run --preset hogs --cpus 3-1 --duration 100ms");
  EXPECT_EQ(o.rc, 2) << o.text;
  EXPECT_NE(o.text.find("--cpus 3-1"), std::string::npos) << o.text;
}

TEST(RunCli, AnEjectedPolicyEndsInExit3WithItsWarning) {
  // A finite workload with more than the 10 wakeups (enqueues) after which
  // the policy gives up, however slow the machine.
  Out o = run("run --workload " + std::string(UPS_SOURCE_DIR) + "/tests/data/sim/good/all_ops.toml --policy " +
              kPolicies + "bad_calls_error.bpf.o --cpus 2 --duration 60s");
  EXPECT_EQ(o.rc, 3) << o.text;
  EXPECT_NE(o.text.find("warning: class bad_calls_error was ejected"), std::string::npos) << o.text;
}

}  // namespace
