// check_toml_nesting(): TOML text nested past kMaxConfigNesting is refused
// before toml++ sees it, naming the line of the first level past the limit
// (issue 20: dotted keys or table headers 40k deep crashed inside toml++).
#include <gtest/gtest.h>

#include "base/toml_nesting.h"

namespace ups {
namespace {

std::string dotted(int levels) {
  std::string k = "a";
  for (int i = 1; i < levels; ++i) k += ".a";
  return k;
}

void expect_too_deep(const std::string& text, int line) {
  auto st = check_toml_nesting(text, "deep.toml");
  ASSERT_FALSE(st) << text.substr(0, 80);
  EXPECT_EQ(st.error().where.file, "deep.toml");
  EXPECT_EQ(st.error().where.line, line);
  EXPECT_NE(st.error().message.find("nested deeper than 64 levels"), std::string::npos) << st.error().message;
}

TEST(TomlNesting, DottedKeyFortyThousandDeepIsRefused) {
  expect_too_deep("name = \"x\"\n" + dotted(40'000) + " = 1\n", 2);
}

TEST(TomlNesting, TableHeaderFortyThousandDeepIsRefused) {
  expect_too_deep("[" + dotted(40'000) + "]\nx = 1\n", 1);
  expect_too_deep("[[" + dotted(40'000) + "]]\nx = 1\n", 1);
}

TEST(TomlNesting, KeysBelowADeepHeaderCountFromIt) {
  // 60 levels of header, then a 10-level key under it.
  expect_too_deep("[" + dotted(60) + "]\n# fine so far\n" + dotted(10) + " = 1\n", 3);
}

TEST(TomlNesting, NestedArraysAndInlineTablesAreCounted) {
  expect_too_deep("x = " + std::string(100, '[') + std::string(100, ']') + "\n", 1);
  std::string inl = "x = ";
  for (int i = 0; i < 100; ++i) inl += "{ a = ";
  inl += "1" + std::string(100, '}') + "\n";
  expect_too_deep(inl, 1);
}

TEST(TomlNesting, MultiLineArrayReportsTheLineOfTheDeepLevel) {
  std::string t = "x = [\n";
  for (int i = 0; i < 70; ++i) t += "[\n";
  expect_too_deep(t, 64);  // line L opens level L + 1
}

TEST(TomlNesting, OrdinaryFilesPass) {
  const std::string ok =
      "# a workload\n"
      "name = \"demo.v1\"  # dots in strings and comments do not count: a.b.c.d\n"
      "ratio = 1.5\n"
      "when = 1979-05-27T07:32:00Z\n"
      "text = '''\n[[[[ not a table ]]]]\n'''\n"
      "[tasks.defaults]\n"
      "slice = { us = 500, weight = 1.25 }\n"
      "[[groups]]\n"
      "phases = [[1, 2], [3, 4]]\n"
      "behaviour.run.ms = 3\n";
  auto st = check_toml_nesting(ok, "ok.toml");
  EXPECT_TRUE(st) << st.error().to_string();
  EXPECT_TRUE(check_toml_nesting(dotted(63) + " = 1\n", "edge.toml"));
  EXPECT_FALSE(check_toml_nesting(dotted(65) + " = 1\n", "edge.toml"));
}

}  // namespace
}  // namespace ups
