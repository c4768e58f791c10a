// Seeing what a policy does, and failing loudly (issue 19): bpf_printk with
// 0 to 5 values verifies and its lines reach stderr (--printk), the --json
// report and the trace, each tagged with time, CPU, class and task;
// --dump-maps shows maps and globals typed from BTF; --allow-eject; an
// object is known by its ELF header; one duration syntax; the verifier pins
// an unbounded loop to its back edge and source line and shows progress.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ups::cli_test::Out;
using ups::cli_test::run;
using ups::cli_test::slurp;

std::string scratch(const std::string& name) {
  return (fs::temp_directory_path() / ("upsched_see_" + std::to_string(getpid()) + "_" + name)).string();
}

std::string test_policy(const std::string& name) { return std::string(UPS_TEST_POLICY_DIR) + "/" + name + ".bpf.o"; }
std::string sdk_policy(const std::string& name) { return std::string(UPS_POLICY_DIR) + "/" + name + ".bpf.o"; }

json read_json(const std::string& path) {
  std::ifstream in(path);
  json j = json::parse(in);
  fs::remove(path);
  return j;
}

// --- printk ------------------------------------------------------------------------

TEST(Printk, EveryNumberOfValuesVerifies) {
  Out o = run("verify " + test_policy("printk_args"));
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("enqueue:"), std::string::npos) << o.text;
}

TEST(Printk, LinesGoToStderrTaggedWithTimeCpuClassAndTask) {
  Out o = run("sim --preset hogs --cpus 2 --duration 20ms --quiet --printk --policy " + test_policy("printk_args"));
  ASSERT_EQ(o.rc, 0) << o.text;
  // "0.000000000 cpu 0 printk_args pid 1 (hog): one: pid 1": the pid the
  // line is tagged with is the task the callback was called for.
  const std::regex line(R"((\d+)\.(\d{9}) cpu (\d+) printk_args pid (\d+) \(([^)]*)\): one: pid (\d+))");
  int lines = 0;
  for (std::sregex_iterator it(o.text.begin(), o.text.end(), line), end; it != end; ++it) {
    ++lines;
    EXPECT_EQ((*it)[4], (*it)[6]) << it->str();
    EXPECT_LT(std::stoi((*it)[3]), 2) << it->str();
  }
  EXPECT_GT(lines, 0) << o.text;
  for (const char* text : {": no values\n", ": two: pid ", " weight 200\n", ": three: ", " 3 str\n", ": five: 1 2 3 4 pid "})
    EXPECT_NE(o.text.find(text), std::string::npos) << text << "\n" << o.text;
}

TEST(Printk, LinesAreInTheJsonReportAndTheTrace) {
  const std::string js = scratch("printk.json"), tr = scratch("printk.trace");
  Out o = run("sim --preset hogs --cpus 2 --duration 20ms --quiet --policy " + test_policy("printk_args") +
              " --json " + js + " --trace " + tr);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_EQ(o.text.find("no values"), std::string::npos) << "printed without --printk:\n" << o.text;
  const json j = read_json(js);
  ASSERT_TRUE(j["printk"].is_array()) << j.dump(2);
  ASSERT_GE(j["printk"].size(), 5u) << j.dump(2);
  const json& first = j["printk"][0];
  EXPECT_EQ(first["class"], "printk_args");
  EXPECT_EQ(first["text"], "no values");
  EXPECT_GE(first["pid"].get<int>(), 1);
  EXPECT_LT(first["cpu"].get<int>(), 2);
  EXPECT_EQ(j["printk"][4]["text"], "five: 1 2 3 4 pid " + std::to_string(first["pid"].get<int>()));
  std::uint64_t prev = 0;
  for (const json& l : j["printk"]) {
    EXPECT_GE(l["at_ns"].get<std::uint64_t>(), prev) << "not in time order";
    prev = l["at_ns"].get<std::uint64_t>();
  }
  const std::string trace = slurp(tr);
  fs::remove(tr);
  EXPECT_NE(trace.find("bpf_trace_printk: [printk_args] one: pid "), std::string::npos) << trace.substr(0, 2000);
}

// --- --dump-maps -----------------------------------------------------------------------

// The entries of `map` in the class's dump of a run's JSON j.
std::size_t dumped_entries(const json& j, const std::string& map) {
  for (const json& cls : j["maps"])
    for (const json& m : cls["maps"])
      if (m["name"] == map) return m["entries"].size();
  ADD_FAILURE() << "no map " << map << " in " << j["maps"].dump();
  return 0;
}

TEST(DumpMaps, ATasksStorageGoesWithTheTask) {
  // edf keeps a task_ctx per task in task storage. Hogs still run at the
  // end: their entries are there. A finite workload's tasks have all
  // exited: nothing is left (Linux frees task storage with the task).
  const std::string live = scratch("live.json"), done = scratch("done.json");
  Out a = run("sim --preset hogs --cpus 2 --duration 50ms --dump-maps --policy " + sdk_policy("edf") + " --json " + live);
  ASSERT_EQ(a.rc, 0) << a.text;
  EXPECT_GT(dumped_entries(read_json(live), "task_ctx_stor"), 0u);
  Out b = run("sim --workload " + std::string(UPS_SOURCE_DIR) + "/tests/data/sim/good/all_ops.toml --cpus 2 --duration 60s"
              " --dump-maps --policy " + sdk_policy("edf") + " --json " + done);
  ASSERT_EQ(b.rc, 0) << b.text;
  const json j = read_json(done);
  EXPECT_TRUE(j["completed"].get<bool>());
  EXPECT_EQ(dumped_entries(j, "task_ctx_stor"), 0u);
}

TEST(DumpMaps, MapsAndGlobalsAreTypedFromBtf) {
  const std::string js = scratch("maps.json");
  Out o = run("sim --preset hogs --cpus 2 --duration 50ms --dump-maps --policy '" + test_policy("dump_maps") +
              "?param=9' --json " + js);
  ASSERT_EQ(o.rc, 0) << o.text;
  // The text: a header per map, bpftool's JSON-like lines under it.
  EXPECT_NE(o.text.find("class dump_maps ("), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("map by_pid (hash, key 4 B, value 24 B, max_entries 64):"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("\"tag\": \"task\""), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("\"label\": \"hello\""), std::string::npos) << o.text;

  const json j = read_json(js);
  ASSERT_EQ(j["maps"].size(), 1u) << j.dump(2);
  const json& cls = j["maps"][0];
  EXPECT_EQ(cls["class"], "dump_maps");
  std::map<std::string, json> maps;
  for (const json& m : cls["maps"]) maps[m["name"]] = m;
  ASSERT_TRUE(maps.count("by_pid") && maps.count(".bss") && maps.count(".data") && maps.count(".rodata") &&
              maps.count("per_cpu"))
      << cls.dump(2);

  // Every task's entry, keyed by its pid, a struct by field name.
  std::uint64_t by_pid_total = 0;
  ASSERT_FALSE(maps["by_pid"]["entries"].empty());
  for (const json& e : maps["by_pid"]["entries"]) {
    EXPECT_TRUE(e["key"].is_number_integer()) << e.dump();
    EXPECT_EQ(e["value"]["tag"], "task") << e.dump();
    EXPECT_LT(e["value"]["last_cpu"].get<int>(), 2) << e.dump();
    by_pid_total += e["value"]["enqueues"].get<std::uint64_t>();
  }
  // Globals by name: the counters agree with the map, .data keeps its
  // initial values, the enum shows its enumerator, .rodata the parameter.
  const std::uint64_t total = maps[".bss"]["globals"]["total_enqueues"];
  EXPECT_GT(total, 0u);
  EXPECT_EQ(total, by_pid_total);
  EXPECT_EQ(maps[".data"]["globals"]["magic"], 42);
  EXPECT_EQ(maps[".data"]["globals"]["label"], "hello");
  EXPECT_EQ(maps[".data"]["globals"]["current_mode"], "MODE_VTIME");
  EXPECT_EQ(maps[".rodata"]["globals"]["param"], 9);
  // A per-CPU value per CPU, summing to the same count.
  ASSERT_EQ(maps["per_cpu"]["entries"].size(), 1u);
  std::uint64_t per_cpu_total = 0;
  for (const json& v : maps["per_cpu"]["entries"][0]["values"]) per_cpu_total += v["value"].get<std::uint64_t>();
  EXPECT_EQ(maps["per_cpu"]["entries"][0]["values"].size(), 2u);
  EXPECT_EQ(per_cpu_total, total);
}

TEST(DumpMaps, WithoutTheFlagNothingIsDumped) {
  const std::string js = scratch("nomaps.json");
  Out o = run("sim --preset hogs --cpus 2 --duration 20ms --policy " + test_policy("dump_maps") + " --json " + js);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_EQ(o.text.find("class dump_maps ("), std::string::npos) << o.text;
  EXPECT_FALSE(read_json(js).contains("maps"));
}

TEST(DumpMaps, BpfMapsShowsAnObjectAsLoaded) {
  Out o = run("bpf maps " + test_policy("dump_maps"));
  ASSERT_EQ(o.rc, 0) << o.text;
  for (const char* text : {"map by_pid (hash, key 4 B, value 24 B, max_entries 64):", "\"total_enqueues\": 0",
                           "\"magic\": 42", "\"label\": \"hello\"", "\"current_mode\": \"MODE_VTIME\"",
                           "\"param\": 7"})
    EXPECT_NE(o.text.find(text), std::string::npos) << text << "\n" << o.text;
}

// --- failing loudly --------------------------------------------------------------------

TEST(AllowEject, AnEjectionStillWarnsButExitsZero) {
  Out o = run("sim --preset hogs --cpus 2 --allow-eject --policy " + sdk_policy("bad_calls_error"));
  EXPECT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("upsched sim: warning: class bad_calls_error was ejected at "), std::string::npos) << o.text;
}

TEST(ErrorEndsTheRun, AnErrnoReturnedAfterScxBpfErrorLoadsAndTheClassIsEjected) {
  // As sched_ext: the policy loads, and the error ejects it at run time
  // with its message; the errno after the error is never taken for a CPU.
  Out v = run("verify " + test_policy("error_then_errno"));
  EXPECT_EQ(v.rc, 0) << v.text;
  const std::string js = scratch("error_then_errno.json");
  Out o = run("sim --preset hogs --cpus 2 --duration 200ms --policy " + test_policy("error_then_errno") + " --json " + js);
  EXPECT_EQ(o.rc, 3) << o.text;
  EXPECT_NE(o.text.find("giving up on pid "), std::string::npos) << o.text;
  EXPECT_EQ(o.text.find("invalid CPU"), std::string::npos) << o.text;
  const json j = read_json(js);
  fs::remove(js);
  EXPECT_EQ(j["lost_tasks"], 0) << j.dump();
  ASSERT_EQ(j["exit_reports"].size(), 1u) << j.dump();
  EXPECT_EQ(j["exit_reports"][0]["reason"], "scx_bpf_error") << j.dump();
  EXPECT_EQ(j["exit_reports"][0]["tasks_moved_to_fair"], j["tasks_created"]) << j.dump();
}

TEST(AllowEject, AnIdleClassStillExitsThree) {
  // --allow-eject covers ejections only: a class that ran nothing is still
  // an error of the scenario (the hogs are root's; Alice may not manage them).
  const std::string adm = scratch("adm.toml");
  std::ofstream(adm) << "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\", \"sched.cpus=0-1\"]\n";
  Out o = run("sim --preset hogs --cpus 4 --duration 100ms --allow-eject --admission " + adm + " --policy " +
              sdk_policy("tenant") + ":alice");
  fs::remove(adm);
  EXPECT_EQ(o.rc, 3) << o.text;
  EXPECT_NE(o.text.find("ran no task during the whole run"), std::string::npos) << o.text;
}

TEST(VerifierLoop, AnUnboundedLoopIsPinnedToItsBackEdgeAndSourceLine) {
  Out o = run("verify " + test_policy("unbounded_loop"));
  ASSERT_EQ(o.rc, 1) << o.text;
  // The line of the `while` in the source, found by its marker comment.
  const std::string src = slurp(std::string(UPS_SOURCE_DIR) + "/tests/policies/unbounded_loop.bpf.c");
  const size_t marker = src.find("/* the loop */");
  ASSERT_NE(marker, std::string::npos);
  const int line = 1 + static_cast<int>(std::count(src.begin(), src.begin() + static_cast<long>(marker), '\n'));
  EXPECT_NE(o.text.find("infinite loop"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("unbounded_loop.bpf.c:" + std::to_string(line)), std::string::npos) << line << "\n" << o.text;
  EXPECT_EQ(o.text.find("instruction 0:"), std::string::npos) << o.text;
  // The refusal names the jump that repeats the loop, and where it goes back to.
  EXPECT_TRUE(std::regex_search(o.text, std::regex(R"(instruction \d+: `if [^`]*goto)"))) << o.text;
  EXPECT_TRUE(std::regex_search(o.text, std::regex(R"(come back to instruction \d+ \(unbounded_loop\.bpf\.c:)")))
      << o.text;
}

TEST(VerifierProgress, VerboseShowsProgressOfALongVerification) {
  // Without -v, progress shows only once a verification has run 2 s, which
  // depends on the machine (an ASan build takes that long): not tested here.
  Out v = run("verify -v " + test_policy("long_verify"));
  ASSERT_EQ(v.rc, 0) << v.text;
  EXPECT_NE(v.text.find("upsched verify: enqueue: 100000 instructions processed, "), std::string::npos) << v.text;
}

// --- objects by their ELF header, one duration syntax ----------------------------------

TEST(ElfHeader, AnObjectWithoutTheBpfOSuffixLoads) {
  const std::string copy = scratch("my_policy.o");
  fs::copy_file(test_policy("printk_args"), copy, fs::copy_options::overwrite_existing);
  Out o = run("sim --preset hogs --cpus 2 --duration 20ms --policy " + copy);
  Out params = run("sim --preset hogs --cpus 2 --duration 20ms --policy '" + copy + "?nosuch=1'");
  fs::remove(copy);
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("printk_args"), std::string::npos) << o.text;
  // Its parameters are the object's: an unknown one is refused by name.
  EXPECT_EQ(params.rc, 2) << params.text;
  EXPECT_NE(params.text.find("nosuch"), std::string::npos) << params.text;
}

TEST(ElfHeader, ANameThatIsNoObjectIsANativePolicy) {
  const std::string text = scratch("fifo");
  std::ofstream(text) << "not an object\n";
  Out o = run("sim --preset hogs --cpus 2 --duration 20ms --policy " + text);
  fs::remove(text);
  EXPECT_EQ(o.rc, 2) << o.text;
  EXPECT_NE(o.text.find("unknown policy"), std::string::npos) << o.text;
}

TEST(Durations, EveryCommandTakesTheSameSyntax) {
  for (const char* cmd : {"faas --chains 1 --cpus 2 --policy fair --duration", "demo --chains 0 --cpus 2 --duration",
                          "sim --preset hogs --duration"}) {
    Out bare = run(std::string(cmd) + " 5");
    EXPECT_EQ(bare.rc, 2) << cmd << "\n" << bare.text;
    EXPECT_NE(bare.text.find("--duration"), std::string::npos) << cmd << "\n" << bare.text;
    EXPECT_NE(bare.text.find("unit"), std::string::npos) << cmd << "\n" << bare.text;
  }
  Out fractional = run("sim --preset hogs --cpus 2 --duration 1.5ms --quiet");
  EXPECT_EQ(fractional.rc, 0) << fractional.text;
  Out faas = run("faas --runtime container --chains 1 --cpus 2 --policy fair --duration 250ms");
  EXPECT_EQ(faas.rc, 0) << faas.text;
}

}  // namespace
