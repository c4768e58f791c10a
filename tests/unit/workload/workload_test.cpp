// Workload files: the good ones load with what they say; each bad one
// (tests/data/sim/bad/X, expectations in X.expect) gives an error naming
// the file, line, column and field, every error of a file at once, and
// never crashes.
#include "workload/workload.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "workload/presets.h"

namespace ups::workload {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(UPS_SOURCE_DIR) / "tests/data/sim";

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

TEST(Workload, EveryBadFileGivesItsError) {
  int n = 0;
  for (auto& e : fs::directory_iterator(kData / "bad")) {
    if (e.path().extension() == ".expect") continue;
    ++n;
    SCOPED_TRACE(e.path().filename().string());
    auto w = load_workload_file(e.path().string());
    ASSERT_FALSE(w) << "loaded a bad file";
    std::string msg = w.error().to_string();
    auto expect = read_lines(e.path().string() + ".expect");
    ASSERT_FALSE(expect.empty()) << "missing .expect file";
    for (auto& want : expect) EXPECT_NE(msg.find(want), std::string::npos) << msg;
  }
  EXPECT_GE(n, 10);
}

TEST(Workload, EveryErrorOfAFileIsReported) {
  // Three independent mistakes: an unknown top-level field, a count out of
  // range and a weight out of range in one group, an unknown event in
  // another. Each is reported with its line and column, in file order.
  const std::string text =
      "colour = \"red\"\n"                              // 1
      "[[tasks]]\n"                                      // 2
      "name = \"a\"\n"                                   // 3
      "count = -1\n"                                     // 4
      "weight = 0\n"                                     // 5
      "program = [ { compute = \"1ms\" } ]\n"            // 6
      "[[tasks]]\n"                                      // 7
      "name = \"b\"\n"                                   // 8
      "program = [ { wait = \"nosuch\" } ]\n";           // 9
  auto w = parse_workload(text, "many.toml");
  ASSERT_FALSE(w);
  const std::string msg = w.error().to_string();
  EXPECT_EQ(w.error().where.line, 1) << msg;
  for (const char* want : {"many.toml:1:10: field colour: unknown field 'colour'",
                           "many.toml:4:9: field tasks[0].count: must be in 0..1000000, not -1",
                           "many.toml:5:10: field tasks[0].weight: must be in 1..10000, not 0",
                           "many.toml:9:22: field tasks[1].program[0].wait: unknown event 'nosuch'", "\n4 errors"})
    EXPECT_NE(msg.find(want), std::string::npos) << want << "\n" << msg;
  EXPECT_LT(msg.find("tasks[0].count"), msg.find("tasks[0].weight")) << msg;
  EXPECT_LT(msg.find("tasks[0].weight"), msg.find("tasks[1].program")) << msg;
}

TEST(Workload, OneErrorIsReportedAlone) {
  auto w = parse_workload("[[tasks]]\nname = \"a\"\ncount = -1\nprogram = [ { compute = \"1ms\" } ]\n", "one.toml");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().to_string(), "one.toml:3:9: field tasks[0].count: must be in 0..1000000, not -1");
}

TEST(Workload, EveryGoodFileLoads) {
  int n = 0;
  for (auto& e : fs::directory_iterator(kData / "good")) {
    ++n;
    auto w = load_workload_file(e.path().string());
    ASSERT_TRUE(w) << w.error().to_string();
    EXPECT_FALSE(w->groups.empty());
  }
  EXPECT_GE(n, 3);
}

TEST(Workload, ReadsWhatTheFileSays) {
  auto w = load_workload_file((kData / "good/all_ops.toml").string());
  ASSERT_TRUE(w) << w.error().to_string();
  EXPECT_EQ(w->name, "all-ops");
  ASSERT_EQ(w->groups.size(), 3u);
  EXPECT_EQ(w->groups[1].name, "helper");
  EXPECT_EQ(w->groups[1].count, 0u);
  EXPECT_EQ(w->groups[1].weight, 200u);
  EXPECT_EQ(w->groups[2].weight, nice_to_weight(5));
  EXPECT_EQ(w->groups[2].start, 1 * kNsPerMs);
  EXPECT_TRUE(w->groups[2].affinity.test(0));
  EXPECT_EQ(w->groups[2].affinity.count(), 1);
  EXPECT_EQ(w->objects.size(), 3u);
  EXPECT_TRUE(w->is_finite());
  EXPECT_EQ(w->initial_tasks(), 4u);
}

TEST(Workload, JsonAndTomlAgree) {
  std::string toml = R"(
events = ["e"]
[[tasks]]
name = "t"
count = 3
program = [ { repeat = 2, body = [ { compute = "5us" }, { signal = "e" } ] } ]
)";
  std::string json = R"({"events": ["e"], "tasks": [{"name": "t", "count": 3, "program": [
    {"repeat": 2, "body": [{"compute": "5us"}, {"signal": "e"}]}]}]})";
  auto a = parse_workload(toml, "w.toml");
  auto b = parse_workload(json, "w.json");
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(b) << b.error().to_string();
  ASSERT_EQ(a->groups[0].program.code.size(), b->groups[0].program.code.size());
  for (size_t i = 0; i < a->groups[0].program.code.size(); ++i) {
    EXPECT_EQ(a->groups[0].program.code[i].op, b->groups[0].program.code[i].op);
    EXPECT_EQ(a->groups[0].program.code[i].arg, b->groups[0].program.code[i].arg);
  }
}

TEST(Workload, ArrivalsAndClasses) {
  auto w = load_workload_file((kData / "good/classes.toml").string());
  ASSERT_TRUE(w) << w.error().to_string();
  ASSERT_EQ(w->classes.size(), 2u);
  EXPECT_EQ(w->classes[0].principal.uid, 1000u);
  EXPECT_EQ(w->classes[0].replace_with, "simple");
  EXPECT_EQ(*w->classes[0].unload_at, 40 * kNsPerMs);
  auto r = load_workload_file((kData / "good/rpc.toml").string());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->arrivals.size(), 1u);
  EXPECT_NEAR(r->arrivals[0].interarrival.mean(), 20000, 1);
  EXPECT_FALSE(r->is_finite());
}

TEST(Workload, CgroupsTasksInThemAndMoves) {
  auto w = load_workload_file((kData / "good/cgroups.toml").string());
  ASSERT_TRUE(w) << w.error().to_string();
  ASSERT_EQ(w->cgroups.size(), 3u);
  EXPECT_EQ(w->cgroups[1].path, "/jobs/low");
  EXPECT_EQ(w->cgroups[0].weight, 100u);  // the default
  EXPECT_EQ(w->cgroups[2].weight, 300u);
  EXPECT_EQ(w->groups[w->find_group("batch")].cgroup, "/jobs/low");
  ASSERT_EQ(w->cgroup_moves.size(), 1u);
  EXPECT_EQ(w->cgroup_moves[0].group, static_cast<u32>(w->find_group("batch")));
  EXPECT_EQ(w->cgroup_moves[0].to, "/jobs/high");
  EXPECT_EQ(w->cgroup_moves[0].at, 50 * kNsPerMs);
  // a group without `cgroup` is in the root
  auto plain = parse_workload("[[tasks]]\nname = \"t\"\nprogram = [ { compute = \"1ms\" } ]\n", "p.toml");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->groups[0].cgroup, "/");
}

TEST(Presets, CgroupsPutEachHogGroupInItsWeightedCgroup) {
  auto w = make_preset("cgroups", 2);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->cgroups.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(w->groups[i].cgroup, w->cgroups[i].path);
    EXPECT_EQ(w->groups[i].count, 3u);
  }
  EXPECT_EQ(w->cgroups[0].weight * 4, w->cgroups[2].weight);
}

TEST(Workload, MissingFileIsAnError) {
  auto w = load_workload_file("/nonexistent/w.toml");
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().to_string().find("/nonexistent/w.toml"), std::string::npos);
}

// docs/workloads.md: every ```toml and ```json example loads.
TEST(Workload, DocumentationExamplesLoad) {
  std::ifstream in(fs::path(UPS_SOURCE_DIR) / "docs/workloads.md");
  ASSERT_TRUE(in);
  std::string line, lang, block;
  int n = 0;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && (line == "```toml" || line == "```json")) {
      inside = true;
      lang = line.substr(3);
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      ++n;
      auto w = parse_workload(block, "docs-example-" + std::to_string(n) + "." + lang);
      EXPECT_TRUE(w) << w.error().to_string() << "\n" << block;
    } else if (inside) {
      block += line + "\n";
    }
  }
  EXPECT_GE(n, 3);
}

// Damaged files (bytes flipped, cut short) give an error or a workload,
// never a crash.
TEST(Workload, MutatedFilesNeverCrash) {
  Rng rng(42);
  for (auto& e : fs::directory_iterator(kData / "good")) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    static constexpr char kBytes[] = "[]{}=\",:-0159.#\n ae";
    for (int i = 0; i < 300; ++i) {
      std::string m = text;
      for (u64 k = rng.uniform(1, 4); k > 0; --k)
        m[rng.uniform(0, m.size() - 1)] = kBytes[rng.uniform(0, sizeof(kBytes) - 2)];
      if (rng.chance(0.2)) m.resize(rng.uniform(0, m.size()));
      auto w = parse_workload(m, e.path().filename().string());
      if (!w) {
        EXPECT_FALSE(w.error().message.empty());
      }
    }
  }
}

TEST(Presets, AllBuildAndValidate) {
  for (auto& p : preset_list())
    for (int cpus : {1, 2, 64, 1024}) {
      auto w = make_preset(p.name, cpus);
      ASSERT_TRUE(w) << p.name;
      EXPECT_TRUE(validate_workload(*w)) << p.name;
    }
  EXPECT_FALSE(make_preset("nope", 2));
}

TEST(Presets, HogsHaveWeightsOneTwoFour) {
  auto w = make_preset("hogs", 2);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->groups.size(), 3u);
  EXPECT_EQ(w->groups[1].weight, 2 * w->groups[0].weight);
  EXPECT_EQ(w->groups[2].weight, 4 * w->groups[0].weight);
}

}  // namespace
}  // namespace ups::workload
