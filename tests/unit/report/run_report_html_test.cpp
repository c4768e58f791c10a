// The run report's text: no path of the machine, run names without
// directories, one table for the terminal and the page.
#include <gtest/gtest.h>

#include "report/run_report_html.h"

namespace ups::report {
namespace {

TEST(StripPaths, CutsAbsolutePathsToTheirLastComponent) {
  EXPECT_EQ(strip_paths("/home/me/p/x.bpf.o:alice"), "x.bpf.o:alice");
  EXPECT_EQ(strip_paths("BPF /work/b/policies/simple.bpf.o (user faas)"), "BPF simple.bpf.o (user faas)");
  EXPECT_EQ(strip_paths("(/tmp/a/f.bpf.o not found)"), "(f.bpf.o not found)");
  EXPECT_EQ(strip_paths("at insn 12 (simple.bpf.c:40)"), "at insn 12 (simple.bpf.c:40)");
  EXPECT_EQ(strip_paths("a ratio 1/2 and w/o"), "a ratio 1/2 and w/o") << "not a path: no leading '/'";
}

TEST(RunLabels, NameEachRunByItsSpecWithoutDirectoriesAndUniquely) {
  RunReport a, b, c;
  a.policy = "/abs/dir/prio.bpf.o?kick=1:alice";
  b.policy = "fair";
  c.policy = "fair";
  auto l = run_labels({{&a, nullptr}, {&b, nullptr}, {&c, nullptr}});
  EXPECT_EQ(l, (std::vector<std::string>{"prio.bpf.o?kick=1:alice", "fair", "fair #2"}));
}

TEST(Tables, TerminalAndPageShareHeadersUnitsAndCells) {
  RunReport r;
  r.policy = "fair";
  r.wakeup_latency.count = 3;
  r.wakeup_latency.mean_us = 12.25;
  r.groups = {GroupReport::of("lat", 2, 100, 1'000'000'000, 4'000'000'000, "")};
  r.tasks = {{1, "lat", 0.5, 1, 10, 10}, {2, "lat", 0.5, 3, 20, 30}};
  const TextTable t = comparison_table({{&r, nullptr}});
  const std::string text = t.to_text(), html = t.to_html();
  for (auto& h : t.header) {
    EXPECT_NE(text.find(h), std::string::npos) << h;
    EXPECT_NE(html.find(h), std::string::npos) << h;
  }
  EXPECT_NE(text.find("wakeup mean (us)"), std::string::npos);
  EXPECT_NE(text.find("12.2"), std::string::npos);
  EXPECT_NE(html.find("<td>12.2</td>"), std::string::npos);
  // A group's wakeup mean is exact, weighted by each task's wakeups.
  const TextTable g = group_table({{&r, nullptr}});
  ASSERT_EQ(g.rows.size(), 1u);
  EXPECT_EQ(g.rows[0][3], "4");
  EXPECT_EQ(g.rows[0][4], "17.5");
  EXPECT_EQ(g.rows[0][6], "25.0");
}

TEST(Page, HasEverySectionEvenWithoutSamples) {
  RunReport r;
  r.policy = "fair";
  r.workload = "/somewhere/w.toml";
  const std::string page = run_report_html({{&r, nullptr}});
  for (const char* s : {"summary", "share", "wakeup", "requests", "timeline", "exits", "printk"})
    EXPECT_NE(page.find(std::string("<section id=\"") + s + "\""), std::string::npos) << s;
  EXPECT_EQ(page.find("/somewhere"), std::string::npos);
}

}  // namespace
}  // namespace ups::report
