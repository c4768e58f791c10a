// Runs every tests/data/verifier/*.data file: a program (`-- asm`), the
// callback it is for (`-- callback`, default "prog"), its maps (`-- maps`),
// the loader's capabilities (`-- caps`, default all) and the verdict
// (`-- expect`: `accept`, or `reject <insn>: <part of the message>`), and
// the instructions the loader poisoned (`-- poisoned`: `<insn> <why>` lines).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "bpf/isa/data_file.h"
#include "test_env.h"
#include "verifier/verifier.h"

namespace ups::verifier::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> data_files() {
  std::vector<std::string> out;
  fs::path dir = fs::path(UPS_SOURCE_DIR) / "tests/data/verifier";
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".data") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

class DataFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(DataFiles, Verdict) {
  const std::string name = GetParam();
  const fs::path path = fs::path(UPS_SOURCE_DIR) / "tests/data/verifier" / (name + ".data");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  bpf::DataFile df = bpf::parse_data_file(text);
  const std::string* asm_text = df.get("asm");
  const std::string* expect = df.get("expect");
  ASSERT_TRUE(asm_text && expect) << path << ": needs -- asm and -- expect";
  // Line numbers in messages are the file's: offset the asm section.
  int first_line = 0;
  {
    std::istringstream lines(text);
    std::string l;
    int n = 0;
    while (std::getline(lines, l)) {
      ++n;
      if (trim(l) == "-- asm") {
        first_line = n;
        break;
      }
    }
  }
  std::string padded = std::string(static_cast<size_t>(first_line), '\n') + *asm_text;
  const std::string callback = df.get("callback") ? trim(*df.get("callback")) : "prog";
  auto prog = make_program(callback, df.get("maps") ? *df.get("maps") : "", df.get("caps"), padded, name + ".data");
  ASSERT_TRUE(prog) << prog.error().to_string();
  if (const std::string* poisoned = df.get("poisoned")) {
    // "<insn> <why>" per line: instructions the loader could not resolve.
    std::istringstream lines(*poisoned);
    std::string line;
    while (std::getline(lines, line)) {
      if (trim(line).empty()) continue;
      std::istringstream l(line);
      u32 insn = 0;
      l >> insn;
      std::string why;
      std::getline(l, why);
      prog->info.poisoned[insn] = trim(why);
    }
  }
  VerifyOptions opts;
  if (const std::string* b = df.get("budget")) opts.insn_budget = std::stoull(trim(*b));
  VerifyResult r = verify(prog->info, prog->api, opts);
  const std::string want = trim(*expect);
  if (want == "accept") {
    EXPECT_TRUE(r.ok()) << r.error->to_string();
    return;
  }
  ASSERT_TRUE(want.starts_with("reject ")) << "bad -- expect: " << want;
  auto colon = want.find(':');
  ASSERT_NE(colon, std::string::npos) << "bad -- expect: " << want;
  const u32 insn = static_cast<u32>(std::stoul(want.substr(7, colon - 7)));
  const std::string part = trim(want.substr(colon + 1));
  ASSERT_FALSE(r.ok()) << "accepted, but expected: " << want;
  EXPECT_EQ(r.error->insn, insn) << r.error->to_string();
  EXPECT_NE(r.error->message.find(part), std::string::npos) << r.error->to_string() << "\nexpected: " << part;
  EXPECT_NE(r.error->to_string().find(name + ".data:"), std::string::npos) << "no source line in " << r.error->to_string();
}

INSTANTIATE_TEST_SUITE_P(Verifier, DataFiles, ::testing::ValuesIn(data_files()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace_if(n.begin(), n.end(), [](char c) { return !isalnum(static_cast<unsigned char>(c)); }, '_');
                           return n;
                         });

}  // namespace
}  // namespace ups::verifier::test
