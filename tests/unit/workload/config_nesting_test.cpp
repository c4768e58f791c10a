// Workload files nested past kMaxConfigNesting are refused with the file and
// line of the first level past the limit, in JSON and TOML alike (issue 20:
// JSON 500k deep crashed in ConfigNode's recursive destructor, TOML dotted
// keys 40k deep inside toml++), and no file that is not a regular one is
// read.
#include <gtest/gtest.h>

#include "base/toml_nesting.h"
#include "workload/config_node.h"
#include "workload/workload.h"

namespace ups::workload {
namespace {

// Level k (the top object is level 1) opens on line k.
std::string deep_json(int levels) {
  std::string t = "{\n";
  for (int i = 1; i < levels; ++i) t += "\"a\": {\n";
  return t;  // unterminated: the parser must stop at the limit first
}

TEST(ConfigNesting, JsonHalfAMillionDeepIsRefusedNamingTheLine) {
  auto r = parse_config(deep_json(500'000), "deep.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where.file, "deep.json");
  EXPECT_EQ(r.error().where.line, kMaxConfigNesting + 1);
  EXPECT_NE(r.error().message.find("nested deeper than 64 levels"), std::string::npos) << r.error().message;
}

TEST(ConfigNesting, JsonDeepArraysAreRefused) {
  auto r = parse_config("{\"a\": " + std::string(500'000, '[') + std::string(500'000, ']') + "}", "arr.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nested deeper"), std::string::npos) << r.error().message;
}

TEST(ConfigNesting, JsonAtTheLimitParses) {
  std::string t = deep_json(kMaxConfigNesting) + "\"x\": 1\n" + std::string(kMaxConfigNesting, '}');
  auto r = parse_config(t, "edge.json");
  EXPECT_TRUE(r) << r.error().to_string();
}

TEST(ConfigNesting, TomlDottedKeysAndHeadersFortyThousandDeepAreRefused) {
  std::string key = "a";
  for (int i = 0; i < 40'000; ++i) key += ".a";
  for (const std::string& text : {"name = \"x\"\n" + key + " = 1\n", "name = \"x\"\n[" + key + "]\n"}) {
    auto r = parse_config(text, "deep.toml");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().where.file, "deep.toml");
    EXPECT_EQ(r.error().where.line, 2);
    EXPECT_NE(r.error().message.find("nested deeper"), std::string::npos) << r.error().message;
  }
}

TEST(ConfigNesting, WorkloadFileThatIsNotARegularFileIsRefused) {
  for (const char* path : {"/dev/zero", "/"}) {
    auto w = load_workload_file(path);
    ASSERT_FALSE(w) << path;
    EXPECT_EQ(w.error().where.file, path);
    EXPECT_NE(w.error().message.find("not a regular file"), std::string::npos) << w.error().message;
  }
}

}  // namespace
}  // namespace ups::workload
