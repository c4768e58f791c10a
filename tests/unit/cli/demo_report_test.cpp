// `upsched demo --out DIR` as a user runs it: the table, the files it
// promises, and the HTML report rendered by headless Chromium (charts drawn,
// titles present, a real screenshot). Skips if chromium is not installed.
#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chromium.h"
#include "report_dom.h"
#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;

using ups::cli_test::Out;
using ups::cli_test::sh;
using ups::cli_test::upsched;

using ups::cli_test::slurp;

class DemoReport : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("upsched_demo_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Out demo(const std::string& extra = "") {
    return sh(upsched() + " demo --out " + (dir_ / "report").string() +
              " --chains 0,4 --cpus 2 --duration 30s --seed 3" + extra);
  }
  fs::path dir_;
};

TEST_F(DemoReport, WritesTableReportAndPerfettoTimelines) {
  Out o = demo();
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("idle fair"), std::string::npos) << o.text;
  // simple and faas_event run as the SDK's BPF objects, loaded for the
  // platform user that the demo's admission file grants sched.events.
  EXPECT_NE(o.text.find("faas_event: BPF "), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("simple: BPF "), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("step 1/"), std::string::npos) << "progress lines when stderr is no TTY\n" << o.text;
  // Each point's figures show as soon as it is done, not only in the
  // final table: the newcomer's first result.
  EXPECT_NE(o.text.find("step 1/14: microvm fair 0 chains: idle "), std::string::npos) << o.text;
  EXPECT_NE(o.text.find(" chains/s\n"), std::string::npos) << o.text;
  const fs::path r = dir_ / "report";
  for (const char* f : {"index.html", "results.json", "results.md", "idle_ratio.svg", "admission.toml",
                        "timeline-fair.json", "timeline-faas_event.json", "timeline-fair.ftrace.txt"})
    EXPECT_TRUE(fs::exists(r / f) && fs::file_size(r / f) > 0) << f;
  for (const char* f : {"index.html", "results.md"})
    EXPECT_EQ(slurp(r / f).find(UPS_BINARY_DIR), std::string::npos) << f << " names a path of this machine";
  auto rows = nlohmann::json::parse(slurp(r / "results.json"));
  ASSERT_EQ(rows.size(), 12u);  // 2 runtimes x 3 policies x 2 chain counts
  for (auto& row : rows) {
    EXPECT_EQ(row["lost_tasks"], 0);
    EXPECT_FALSE(row.contains("error")) << row.dump();
    EXPECT_TRUE(row["latency_ms"].contains("p99"));
    if (row["policy"] == "faas_event") EXPECT_LT(row["idle_ratio"], 0.05) << row.dump();
  }
  auto chrome = nlohmann::json::parse(slurp(r / "timeline-fair.json"));
  EXPECT_GT(chrome["traceEvents"].size(), 10u);
  EXPECT_NE(slurp(r / "timeline-fair.ftrace.txt").find("sched_switch: prev_comm="), std::string::npos);
}

// Without the BPF objects the demo still runs, on the native twins, and
// says so.
TEST_F(DemoReport, FallsBackToNativeTwinsNamingTheMissingObject) {
  Out o = demo(" --policy-dir " + (dir_ / "no-policies").string());
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("faas_event: native twin (" + (dir_ / "no-policies" / "faas_event.bpf.o").string() +
                        " not found"),
            std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("simple: native twin"), std::string::npos) << o.text;
}

TEST_F(DemoReport, ChromiumRendersTheCharts) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
  Out o = demo();
  ASSERT_EQ(o.rc, 0) << o.text;
  const fs::path html = dir_ / "report" / "index.html", png = dir_ / "shot.png";
  const std::string flags = std::string(chromium) +
                            " --headless --no-sandbox --disable-gpu --disable-background-networking"
                            " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                            (dir_ / "profile").string() + " --window-size=1280,2000 ";
  Out dom = sh(flags + "--dump-dom file://" + html.string());
  ASSERT_EQ(dom.rc, 0) << dom.text;
  for (const char* title : {"Idle-time ratio vs colocated chains", "Chain latency CDF", "Per-CPU timeline"})
    EXPECT_NE(dom.text.find(title), std::string::npos) << title;
  // Every chart drew something: polylines with points and timeline slices.
  std::smatch m;
  const std::regex poly(R"re(<polyline[^>]*points="([^"]*)")re");
  int drawn = 0;
  for (auto it = std::sregex_iterator(dom.text.begin(), dom.text.end(), poly); it != std::sregex_iterator(); ++it)
    drawn += (*it)[1].str().find(',') != std::string::npos;
  EXPECT_GE(drawn, 12) << "6 idle-ratio series and 6 latency CDFs";
  EXPECT_GT(std::count(dom.text.begin(), dom.text.end(), '\n'), 20);
  EXPECT_NE(dom.text.find("<rect x="), std::string::npos);

  // The FaaS report's old defects: legends missing colours, two functions
  // sharing one colour.
  for (const auto& p : ups::cli_test::svgs(dom.text)) {
    EXPECT_EQ(std::set<std::string>(p.legend_colours.begin(), p.legend_colours.end()).size(), p.legend.size());
    if (p.cls == "chart") {
      EXPECT_EQ(p.series_colours, p.legend_colours);
    } else {
      EXPECT_EQ(p.slice_colours, std::set<std::string>(p.legend_colours.begin(), p.legend_colours.end()));
    }
  }
  ups::cli_test::Chromium browser(dir_ / "browser");
  ASSERT_TRUE(browser.screenshot(html, png, 2000));
  long long total = 0;
  const long long pixels = browser.non_white_pixels(png, &total);
  ASSERT_GE(pixels, 0) << "Chromium could not decode its own screenshot";
  EXPECT_GT(pixels, total / 50) << "a blank page has no pixel that is not white";
}

}  // namespace
