// `upsched sim` failing loudly: a class ejected mid-run, or a loaded class
// that ran no task during the whole run, gives one warning per class on
// stderr naming it and the reason, the same sentences under "warnings" in
// --json, and exit status 3; a run where every class worked exits 0.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Out;
using ups::cli_test::run;

std::string scratch(const std::string& name) {
  return (fs::temp_directory_path() / ("upsched_warn_" + std::to_string(getpid()) + "_" + name)).string();
}

std::string policy(const std::string& name) { return std::string(UPS_POLICY_DIR) + "/" + name + ".bpf.o"; }

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string admission_for_alice() {
  const std::string path = scratch("adm.toml");
  std::ofstream(path) << "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\", \"sched.cpus=0-1\"]\n";
  return path;
}

TEST(SimWarnings, EveryClassWorkingExitsZeroWithoutWarnings) {
  const std::string js = scratch("ok.json");
  Out o = run("sim --preset hogs --cpus 2 --duration 200ms --policy " + policy("simple") + " --json " + js);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_EQ(o.text.find("warning"), std::string::npos) << o.text;
  const nlohmann::json j = read_json(js);
  fs::remove(js);
  ASSERT_TRUE(j.contains("warnings")) << j.dump(2);
  EXPECT_TRUE(j["warnings"].empty()) << j.dump(2);
}

TEST(SimWarnings, EjectedClassWarnsAndExitsThree) {
  const std::string js = scratch("eject.json");
  Out o = run("sim --preset hogs --cpus 2 --policy " + policy("bad_calls_error") + " --json " + js);
  ASSERT_EQ(o.rc, 3) << o.text;
  const std::string warning =
      "upsched sim: warning: class bad_calls_error was ejected at ";
  ASSERT_NE(o.text.find(warning), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("error_bpf (scx_bpf_error): bad_calls_error: giving up after 10 enqueues"), std::string::npos)
      << o.text;
  const nlohmann::json j = read_json(js);
  fs::remove(js);
  ASSERT_EQ(j["warnings"].size(), 1u) << j.dump(2);
  const std::string w = j["warnings"][0];
  EXPECT_EQ(w.rfind("class bad_calls_error was ejected at ", 0), 0u) << w;
  // The report (the summary and --json) still carries the exit report itself.
  bool error_exit = false;
  for (const auto& e : j["exit_reports"]) error_exit |= e["kind"] == "error_bpf";
  EXPECT_TRUE(error_exit) << j.dump(2);
}

TEST(SimWarnings, ClassRefusingEveryTaskNamesTheRefusal) {
  // The hogs preset's tasks belong to root; Alice's class may not manage them.
  const std::string adm = admission_for_alice();
  Out o = run("sim --preset hogs --cpus 4 --duration 200ms --admission " + adm + " --policy " + policy("tenant") +
              ":alice");
  fs::remove(adm);
  ASSERT_EQ(o.rc, 3) << o.text;
  EXPECT_NE(o.text.find("upsched sim: warning: class " + policy("tenant") +
                        ":alice ran no task during the whole run: it refused all 12 task(s) it was given, first: "
                        "class tenant.alice (owner uid 1000) may not manage task 1 of uid 0"),
            std::string::npos)
      << o.text;
}

TEST(SimWarnings, ClassNoGroupBelongsToSaysSo) {
  // Tasks of groups without `class` go to the first --policy class only.
  const std::string js = scratch("nogroup.json");
  Out o = run("sim --preset hogs --cpus 2 --duration 200ms --policy fifo --policy simple --json " + js);
  ASSERT_EQ(o.rc, 3) << o.text;
  EXPECT_NE(o.text.find("upsched sim: warning: class simple ran no task during the whole run: no task group is in it"),
            std::string::npos)
      << o.text;
  EXPECT_EQ(o.text.find("warning: class fifo"), std::string::npos) << o.text;
  const nlohmann::json j = read_json(js);
  fs::remove(js);
  ASSERT_EQ(j["warnings"].size(), 1u) << j.dump(2);
  EXPECT_EQ(std::string(j["warnings"][0]).rfind("class simple ran no task during the whole run", 0), 0u);
}

TEST(SimWarnings, ClassWhoseTasksNeverRanSaysSo) {
  // Alice's two tasks join her class (CPUs 0-1, below fair); root's two
  // hogs in fair take CPUs 0 and 1 and keep them, so hers never run.
  const std::string adm = admission_for_alice();
  const std::string wl = scratch("two_users.toml");
  std::ofstream(wl) << "name = \"two-users\"\n"
                       "[[tasks]]\nname = \"alice\"\ncount = 2\nuid = 1000\n"
                       "program = [ { forever = [ { compute = \"10ms\" } ] } ]\n"
                       "[[tasks]]\nname = \"root\"\ncount = 2\n"
                       "program = [ { forever = [ { compute = \"10ms\" } ] } ]\n";
  Out o = run("sim --workload " + wl + " --cpus 4 --duration 1s --admission " + adm + " --policy " +
              policy("tenant") + ":alice");
  fs::remove(adm);
  fs::remove(wl);
  ASSERT_EQ(o.rc, 3) << o.text;
  EXPECT_NE(o.text.find("ran no task during the whole run: 2 task(s) joined it but none ran in it"), std::string::npos)
      << o.text;
}

TEST(SimWarnings, HelpDocumentsTheExitStatus) {
  Out o = run("sim --help");
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("Exit status:"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("3  the run finished, but a class was ejected (unless --allow-eject) or a"), std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("loaded class ran no task"), std::string::npos) << o.text;
}

}  // namespace
