// tests/data/vm/*.data: interpreter behaviour as data files in the
// conformance format (-- asm / -- mem / -- result or -- error), one ctest
// test per file, each run in fast and in CHECKED mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "vm/conformance.h"

namespace ups::vm {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> data_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(UPS_SOURCE_DIR) / "tests/data/vm"))
    if (e.path().extension() == ".data") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class VmDataFile : public ::testing::TestWithParam<std::string> {};

TEST_P(VmDataFile, PassesFastAndChecked) {
  for (ExecMode mode : {ExecMode::fast, ExecMode::checked}) {
    const ConformanceOutcome o = run_conformance_file(GetParam(), mode);
    EXPECT_TRUE(o.passed) << (mode == ExecMode::fast ? "fast: " : "checked: ") << o.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, VmDataFile, ::testing::ValuesIn(data_files()), [](const auto& info) {
  std::string n = fs::path(info.param).stem().string();
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

}  // namespace
}  // namespace ups::vm
