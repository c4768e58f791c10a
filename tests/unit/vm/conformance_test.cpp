// The whole bpf_conformance suite passes on the interpreter, in fast and in
// CHECKED mode (where the suite's memory is the only region besides the
// stack, so a passing run also shows no access strayed outside it).
#include <gtest/gtest.h>

#include <filesystem>

#include "vm/conformance.h"

namespace ups::vm {
namespace {

const std::string kSuite = std::string(UPS_SHARED_DIR) + "/conformance/bpf/tests";

void expect_all_pass(ExecMode mode) {
  if (!std::filesystem::exists(kSuite)) GTEST_SKIP() << "no conformance suite at " << kSuite;
  auto outcomes = run_conformance_dir(kSuite, mode);
  ASSERT_TRUE(outcomes) << outcomes.error().to_string();
  int passed = 0;
  for (const auto& o : *outcomes) {
    EXPECT_TRUE(o.passed) << o.name << ": " << o.message;
    passed += o.passed;
  }
  EXPECT_EQ(passed, 313);
}

TEST(Conformance, AllFilesPassFast) { expect_all_pass(ExecMode::fast); }
TEST(Conformance, AllFilesPassChecked) { expect_all_pass(ExecMode::checked); }

TEST(Conformance, AWrongResultFails) {
  const std::string path = ::testing::TempDir() + "/wrong.data";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n", f);
    std::fclose(f);
  }
  const auto o = run_conformance_file(path);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.message, "r0 = 0x1, expected 0x2");
}

TEST(Conformance, ErrorFilesPassWhenTheProgramIsRejectedOrTraps) {
  const std::string path = ::testing::TempDir() + "/error.data";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    // Reads 8 bytes past a 4-byte memory: a trap in CHECKED mode.
    std::fputs("-- asm\nldxdw %r0, [%r1+4]\nexit\n-- mem\n00 01 02 03\n-- error\nout of bounds\n", f);
    std::fclose(f);
  }
  EXPECT_TRUE(run_conformance_file(path, ExecMode::checked).passed);
}

TEST(Conformance, UnwindHelperEndsTheProgramWithZero) {
  // call 5 (unwind) with r1 = 0 stops before r0 = 2.
  std::vector<bpf::Insn> code = {bpf::Insn::make(0xb7, 1, 0, 0, 0), bpf::Insn::make(0x85, 0, 0, 0, 5),
                                 bpf::Insn::make(0xb7, 0, 0, 0, 2), bpf::Insn::make(0x95, 0, 0, 0, 0)};
  auto r = run_conformance_program(code, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
}

}  // namespace
}  // namespace ups::vm
