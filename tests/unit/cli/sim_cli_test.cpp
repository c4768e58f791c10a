// The `upsched` binary's simulator commands, run as a user would: output,
// --json contents and exit codes (0 ok, 2 bad arguments or input).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;

using ups::cli_test::Out;
using ups::cli_test::run;

std::string tmp_file(const std::string& name) {
  return (fs::temp_directory_path() / ("upsched_cli_" + std::to_string(getpid()) + "_" + name)).string();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

const std::string kData = std::string(UPS_SOURCE_DIR) + "/tests/data/sim/";

TEST(SimCli, HogsUnderFairPrintsASummaryAndWritesJson) {
  std::string js = tmp_file("hogs.json");
  Out o = run("sim --preset hogs --policy fair --cpus 2 --seed 3 --duration 500ms --json " + js);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("trace_sha256"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("w4"), std::string::npos);
  auto j = read_json(js);
  for (const char* k : {"events", "tasks_completed", "lost_tasks", "trace_sha256", "per_class_share",
                        "latency_us", "cpu_busy_ratio", "wasted_cpu_ratio", "jain_index"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["lost_tasks"], 0);
  EXPECT_GT(j["events"].get<long>(), 0);
  EXPECT_GT(j["cpu_busy_ratio"].get<double>(), 0.95);
  fs::remove(js);
}

TEST(SimCli, DispatchPlacementsSayWhichCpuMadeTheDecisions) {
  // central decides for every CPU from CPU 0; simple's CPUs each pull
  // their own work from the shared queue.
  auto placements = [](const std::string& policy) {
    std::string js = tmp_file("placements.json");
    Out o = run("sim --preset hogs --policy " + policy + " --cpus 4 --duration 500ms --json " + js);
    EXPECT_EQ(o.rc, 0) << o.text;
    auto v = read_json(js)["dispatch_placements"].get<std::vector<unsigned long long>>();
    fs::remove(js);
    return v;
  };
  const std::vector<unsigned long long> central = placements("central"), simple = placements("simple");
  ASSERT_EQ(central.size(), 4u);
  EXPECT_GT(central[0], 0u);
  EXPECT_EQ(central[1] + central[2] + central[3], 0u);
  ASSERT_EQ(simple.size(), 4u);
  for (unsigned long long n : simple) EXPECT_GT(n, 0u);
}

// CPU per cgroup: the root and each declared cgroup, the time of its own
// tasks while they were in it; a group moved halfway counts half in each.
TEST(SimCli, CgroupsReportTheCpuOfTheirTasksWhereItWasSpent) {
  const std::string wl = tmp_file("cgmove.toml"), js = tmp_file("cgmove.json");
  std::ofstream(wl) << "[[cgroups]]\npath = \"/x\"\nweight = 300\n\n[[cgroups]]\npath = \"/y\"\n\n"
                       "[[tasks]]\nname = \"a\"\ncount = 2\ncgroup = \"/x\"\n"
                       "program = [ { forever = [ { compute = \"3ms\" } ] } ]\n\n"
                       "[[tasks]]\nname = \"b\"\ncount = 2\nprogram = [ { forever = [ { compute = \"3ms\" } ] } ]\n\n"
                       "[[cgroup_moves]]\ngroup = \"a\"\nto = \"/y\"\nat = \"500ms\"\n";
  Out o = run("sim --workload " + wl + " --policy fair --cpus 2 --duration 1s --json " + js);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("/x"), std::string::npos) << o.text;
  auto cgs = read_json(js)["cgroups"];
  ASSERT_EQ(cgs.size(), 3u) << cgs.dump();
  EXPECT_EQ(cgs[0]["path"], "/");
  EXPECT_EQ(cgs[1]["path"], "/x");
  EXPECT_EQ(cgs[1]["weight"], 300);
  EXPECT_EQ(cgs[2]["path"], "/y");
  // The fair class ignores cgroups: each of the four hogs gets a quarter.
  EXPECT_NEAR(cgs[0]["cpu_share"].get<double>(), 0.5, 0.01);
  EXPECT_NEAR(cgs[1]["cpu_share"].get<double>(), 0.25, 0.01);
  EXPECT_NEAR(cgs[2]["cpu_share"].get<double>(), 0.25, 0.01);
  EXPECT_NEAR(cgs[1]["run_s"].get<double>() + cgs[2]["run_s"].get<double>(), 1.0, 0.001);
  fs::remove(wl);
  fs::remove(js);
}

TEST(SimCli, SameSeedSameHashDifferentSeedDifferentHash) {
  auto hash = [](int seed) {
    std::string js = tmp_file("det" + std::to_string(seed) + ".json");
    Out o = run("sim --preset rpc-bimodal --policy fifo --cpus 4 --duration 20ms --quiet --seed " +
                std::to_string(seed) + " --json " + js);
    EXPECT_EQ(o.rc, 0) << o.text;
    std::string h = read_json(js)["trace_sha256"];
    fs::remove(js);
    return h;
  };
  EXPECT_EQ(hash(5), hash(5));
  EXPECT_NE(hash(5), hash(6));
}

TEST(SimCli, WorkloadFileRuns) {
  Out o = run("sim --workload " + kData + "good/pingpong.json --policy simple --cpus 2 --duration 1s");
  EXPECT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("(finished)"), std::string::npos) << o.text;
}

TEST(SimCli, BadWorkloadFileNamesFileLineColumnAndField) {
  Out o = run("sim --workload " + kData + "bad/negative_duration.toml --cpus 2");
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.text.find("negative_duration.toml:5:13: field tasks[0].program[1].sleep"), std::string::npos)
      << o.text;
}

TEST(SimCli, BadArgumentsExitTwoWithAMessage) {
  struct Case { const char* args; const char* says; };
  for (Case c : {Case{"sim --preset hogs --duration 10", "no unit"},
                 Case{"sim --preset hogs --duration -5ms", "negative"},
                 Case{"sim --preset nope", "unknown preset 'nope'"},
                 Case{"sim --preset hogs --policy nope", "unknown policy 'nope'"},
                 Case{"sim --preset hogs --cpus 0", "--cpus must be in 1..1024"},
                 Case{"sim --preset hogs --cpus 5000", "--cpus must be in 1..1024"},
                 Case{"sim", "--preset NAME or --workload FILE"},
                 Case{"sim --preset hogs --workload x.toml", "exactly one"},
                 Case{"sim --preset hogs --cpus abc", "cpus"},
                 Case{"sim --bogus", "bogus"},
                 Case{"sim --workload /nonexistent.toml", "cannot open"}}) {
    Out o = run(c.args);
    EXPECT_EQ(o.rc, 2) << c.args << "\n" << o.text;
    EXPECT_NE(o.text.find(c.says), std::string::npos) << c.args << "\n" << o.text;
  }
}

TEST(SimCli, EveryCommandHasHelp) {
  for (const char* cmd : {"sim", "policies", "demo"}) {
    Out o = run(std::string(cmd) + " --help");
    EXPECT_EQ(o.rc, 0) << cmd;
    EXPECT_NE(o.text.find("Usage"), std::string::npos) << cmd << "\n" << o.text;
  }
  Out o = run("sim --help");
  for (const char* opt : {"--preset", "--workload", "--policy", "--cpus", "--seed", "--duration", "--json"})
    EXPECT_NE(o.text.find(opt), std::string::npos) << opt;
}

TEST(SimCli, PoliciesListsNativePoliciesAndPresets) {
  Out o = run("policies");
  ASSERT_EQ(o.rc, 0) << o.text;
  for (const char* name : {"fair", "fifo", "simple", "central", "hogs", "pipes", "rpc-bimodal", "schbench"})
    EXPECT_NE(o.text.find(name), std::string::npos) << name;
}

TEST(SimCli, DemoComparesTwoPolicies) {
#if defined(__SANITIZE_ADDRESS__)
  // The README's default demo takes minutes under ASan; the sanitizers see
  // the same code paths at a smaller size.
  Out o = run("demo --cpus 2 --chains 0,4 --duration 10s");
#else
  Out o = run("demo --cpus 2");
#endif
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("fair"), std::string::npos);
  // The demo (replaced by the FaaS study) names fair and its contender.
  EXPECT_NE(o.text.find("p99"), std::string::npos);
}

TEST(SimCli, TimelinesAreWritten) {
  std::string tr = tmp_file("t.txt"), ch = tmp_file("t.json");
  Out o = run("sim --preset pipes --cpus 2 --duration 2ms --quiet --trace " + tr + " --chrome " + ch);
  ASSERT_EQ(o.rc, 0) << o.text;
  std::ifstream t(tr);
  std::string first;
  std::getline(t, first);
  EXPECT_EQ(first, "# tracer: nop");
  auto j = read_json(ch);
  EXPECT_TRUE(j.contains("traceEvents"));
  fs::remove(tr);
  fs::remove(ch);
}

}  // namespace
