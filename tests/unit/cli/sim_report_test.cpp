// `upsched sim --report DIR` and `upsched compare` as a user runs them: the
// report's sections, nothing of the machine in it, the terminal table and
// the report's table in the same units, and the page rendered by headless
// Chromium (legend entries equal to the series, distinct colours, a
// screenshot with drawn pixels). The Chromium parts skip without chromium.
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "chromium.h"
#include "report_dom.h"
#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Chromium;
using ups::cli_test::Out;
using ups::cli_test::run;
using ups::cli_test::slurp;
using ups::cli_test::svgs;
using ups::cli_test::SvgParts;

const std::string kWorkload = std::string(UPS_SOURCE_DIR) + "/workloads/latency-and-hogs.toml";
const std::string kPrio = std::string(UPS_BINARY_DIR) + "/policies/prio.bpf.o";

class Report : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("upsched_report_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Out compare(const std::string& extra = "") {
    return run("compare --workload " + kWorkload + " --cpus 2 --duration 500ms --seed 1 --policy fair --policy " +
               kPrio + " --policy '" + kPrio + "?kick=1' --report " + (dir_ / "cmp").string() + extra);
  }
  fs::path dir_;
};

const char* const kSections[] = {"summary", "share", "wakeup", "requests", "timeline", "exits", "printk"};

TEST_F(Report, SimWritesEverySectionAndNothingOfTheMachine) {
  Out o = run("sim --workload " + kWorkload + " --cpus 2 --duration 500ms --policy '" + kPrio +
              "?kick=1' --report " + (dir_ / "r").string());
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("report: " + (dir_ / "r").string() + "/index.html"), std::string::npos) << o.text;
  const std::string html = slurp(dir_ / "r" / "index.html");
  for (const char* s : kSections) EXPECT_NE(html.find(std::string("<section id=\"") + s + "\""), std::string::npos) << s;
  // Self-contained: no script, no link to another file, no path of this machine.
  for (const char* bad : {"<script", "src=", "href=", "<link"}) EXPECT_EQ(html.find(bad), std::string::npos) << bad;
  EXPECT_EQ(html.find(UPS_BINARY_DIR), std::string::npos);
  EXPECT_EQ(html.find(UPS_SOURCE_DIR), std::string::npos);
  EXPECT_EQ(html.find(fs::temp_directory_path().string() + "/upsched_report"), std::string::npos);
  EXPECT_NE(html.find("prio.bpf.o?kick=1"), std::string::npos) << "the policy, named without its directory";
  // One wakeup CDF per group and one of all tasks, each with its sample count.
  for (const char* s : {"all tasks (n=", "latency (n=", "hog (n="}) EXPECT_NE(html.find(s), std::string::npos) << s;
}

TEST_F(Report, SimWithoutReportWritesNoDirectory) {
  Out o = run("sim --preset hogs --duration 100ms --quiet");
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_EQ(o.text.find("report:"), std::string::npos);
}

TEST_F(Report, CompareTableInTheTerminalIsTheReportsTable) {
  Out o = compare();
  ASSERT_EQ(o.rc, 0) << o.text;
  const std::string html = slurp(dir_ / "cmp" / "index.html");
  ASSERT_FALSE(html.empty());
  // Same headers, units in them, in both.
  for (const char* h : {"wakeup mean (us)", "wakeup p99 (us)", "request p99 (us)", "cpu busy (%)", "cpu share (%)"}) {
    EXPECT_NE(o.text.find(h), std::string::npos) << h;
    EXPECT_NE(html.find(std::string("<th>") + h + "</th>"), std::string::npos) << h;
  }
  // Every row of the terminal table is a row of the report's, cell for cell.
  const std::regex row(R"re(\n(fair|prio\.bpf\.o\S*) +([0-9]+) +([0-9.]+) +([0-9.]+))re");
  int rows = 0;
  for (auto it = std::sregex_iterator(o.text.begin(), o.text.end(), row); it != std::sregex_iterator(); ++it, ++rows) {
    const std::string cells = "<td class=\"l\">" + (*it)[1].str() + "</td><td>" + (*it)[2].str() + "</td><td>" +
                              (*it)[3].str() + "</td><td>" + (*it)[4].str() + "</td>";
    EXPECT_NE(html.find(cells), std::string::npos) << cells;
  }
  EXPECT_EQ(rows, 3) << o.text;
  // The runs side by side: a share chart and a timeline per policy.
  for (const char* p : {"fair", "prio.bpf.o", "prio.bpf.o?kick=1"}) {
    EXPECT_NE(html.find(std::string("CPU share per group over time: ") + p + "<"), std::string::npos) << p;
    EXPECT_NE(html.find(std::string("Per-CPU timeline: ") + p + ","), std::string::npos) << p;
  }
}

TEST_F(Report, CompareNeedsTwoPoliciesAndOneWorkload) {
  Out o = run("compare --preset hogs --policy fair");
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.text.find("two or more --policy"), std::string::npos) << o.text;
  o = run("compare --policy fair --policy fifo");
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.text.find("exactly one of --preset NAME or --workload FILE"), std::string::npos) << o.text;
  o = run("compare --preset hogs --policy fair --policy no-such-policy");
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.text.find("no-such-policy"), std::string::npos) << o.text;
}

TEST_F(Report, ChromiumRendersLegendsColoursAndPixels) {
  if (!Chromium::present()) GTEST_SKIP() << "chromium is not installed (bash scripts/install-deps.sh installs it)";
  ASSERT_EQ(compare().rc, 0);
  Chromium chromium(dir_ / "chromium");
  const fs::path html = dir_ / "cmp" / "index.html";
  Out dom = chromium.dom(html);
  ASSERT_EQ(dom.rc, 0) << dom.text;
  for (const char* s : kSections) EXPECT_NE(dom.text.find(std::string("<section id=\"") + s + "\""), std::string::npos) << s;
  const auto parts = svgs(dom.text);
  int charts = 0, timelines = 0;
  for (const SvgParts& p : parts) {
    ASSERT_FALSE(p.legend.empty());
    EXPECT_EQ(std::set<std::string>(p.legend_colours.begin(), p.legend_colours.end()).size(), p.legend.size())
        << "no two legend entries share a colour";
    if (p.cls == "chart") {
      ++charts;
      EXPECT_EQ(p.legend.size(), p.series_colours.size()) << "one legend entry per series";
      EXPECT_EQ(p.series_colours, p.legend_colours);
    } else {
      ++timelines;
      EXPECT_EQ(p.slice_colours, std::set<std::string>(p.legend_colours.begin(), p.legend_colours.end()))
          << "every colour drawn is in the legend, every legend colour is drawn";
    }
  }
  EXPECT_EQ(charts, 3 + 3) << "3 share charts, wakeup CDFs of all tasks and of each of the 2 groups";
  EXPECT_EQ(timelines, 3);

  const fs::path png = dir_ / "shot.png";
  ASSERT_TRUE(chromium.screenshot(html, png));
  long long total = 0;
  const long long drawn = chromium.non_white_pixels(png, &total);
  ASSERT_GE(drawn, 0) << "Chromium could not decode its own screenshot";
  EXPECT_EQ(total, 1400LL * 3000);
  EXPECT_GT(drawn, total / 50) << "a blank page has no pixel that is not white";

  // The same check tells a blank page from a report.
  const fs::path blank = dir_ / "blank.html", blank_png = dir_ / "blank.png";
  std::ofstream(blank) << "<html><body></body></html>";
  ASSERT_TRUE(chromium.screenshot(blank, blank_png));
  EXPECT_EQ(chromium.non_white_pixels(blank_png, &total), 0);
}

}  // namespace

namespace {

// The --policy syntax is in the help of both commands that take it.
TEST(PolicyHelp, SimAndCompareExplainParamsAndUser) {
  for (const char* cmd : {"sim --help", "compare --help"}) {
    Out o = run(cmd);
    EXPECT_EQ(o.rc, 0) << cmd;
    for (const char* s : {"FILE.bpf.o[?NAME=VALUE[&NAME=VALUE...]][:USER]", "prio.bpf.o?kick=1", "--admission"})
      EXPECT_NE(o.text.find(s), std::string::npos) << cmd << " lacks " << s << "\n" << o.text;
  }
}

}  // namespace
