// The assembler reproduces, for every conformance test, the bytecode that
// the suite lists in `-- raw` from its `-- asm` text; and rejects what the
// suite's negative-asm files call invalid.
#include <gtest/gtest.h>

#include <filesystem>

#include "bpf/isa/assembler.h"
#include "bpf/isa/data_file.h"
#include "bpf/isa/disassembler.h"

namespace ups::bpf {
namespace {

namespace fs = std::filesystem;
const fs::path kTests = fs::path(UPS_SHARED_DIR) / "conformance/bpf/tests";

TEST(Assembler, EveryConformanceAsmMatchesItsRawBytecode) {
  if (!fs::exists(kTests)) GTEST_SKIP() << "no conformance suite at " << kTests;
  int files = 0;
  for (const auto& e : fs::directory_iterator(kTests)) {
    if (e.path().extension() != ".data") continue;
    auto f = read_data_file(e.path().string());
    ASSERT_TRUE(f);
    if (!f->has("asm") || !f->has("raw")) continue;
    auto raw = f->raw_code();
    ASSERT_TRUE(raw) << e.path();
    auto asm_code = assemble(*f->get("asm"));
    ASSERT_TRUE(asm_code) << e.path().filename() << ": " << asm_code.error().to_string();
    ASSERT_EQ(asm_code->size(), raw->size()) << e.path().filename();
    for (size_t i = 0; i < raw->size(); ++i)
      EXPECT_EQ((*asm_code)[i].to_u64(), (*raw)[i].to_u64())
          << e.path().filename() << " slot " << i << ": " << disassemble_at(*raw, i) << " vs "
          << disassemble_at(*asm_code, i);
    ++files;
  }
  EXPECT_EQ(files, 313);
}

struct BadAsm {
  const char* text;
  const char* message;
};

class AssemblerRejects : public ::testing::TestWithParam<BadAsm> {};

TEST_P(AssemblerRejects, WithAMessageNamingTheProblem) {
  auto r = assemble(GetParam().text);
  ASSERT_FALSE(r) << GetParam().text;
  EXPECT_NE(r.error().to_string().find(GetParam().message), std::string::npos) << r.error().to_string();
}

// From negative-asm/*.data of bpf_conformance.
INSTANTIATE_TEST_SUITE_P(
    NegativeAsm, AssemblerRejects,
    ::testing::Values(BadAsm{"or %r0, %r50\nexit\n", "Invalid register"},
                      BadAsm{"lock\nexit\n", "Invalid number of operands for lock"},
                      BadAsm{"lock or [%r10-8]\nexit\n", "Invalid number of operands for lock"},
                      BadAsm{"ldxq %r0, %r1\nexit\n", "Invalid mnemonic"},
                      BadAsm{"ja NOT_A_LABEL\nexit\n", "Invalid label NOT_A_LABEL"},
                      BadAsm{"mov32 %r0, 2147483648\nexit\n", "out of 32-bit range"},
                      BadAsm{"mov32 %r0, 0x100000000\nexit\n", "out of 32-bit range"},
                      BadAsm{"ldxb %r0, [%r1+0x10000]\nexit\n", "Invalid offset"},
                      BadAsm{"lddw %r0\nexit\n", "Invalid number of operands for lddw"},
                      BadAsm{"mov %r0, 1\nexit\nfoo %r1\n", "line 3"}));

TEST(Assembler, LabelsResolveToSlotOffsetsAcrossLddw) {
  auto code = assemble(R"(
    jeq %r1, 0, skip      # 0
    lddw %r0, 0x1122334455667788  # 1-2
  skip:
    ja32 done             # 3
    mov %r0, 1            # 4
  done:
    exit                  # 5
  )");
  ASSERT_TRUE(code) << code.error().to_string();
  ASSERT_EQ(code->size(), 6u);
  EXPECT_EQ((*code)[0].off, 2);
  EXPECT_EQ((*code)[3].opcode, 0x06);
  EXPECT_EQ((*code)[3].imm, 1);
}

}  // namespace
}  // namespace ups::bpf
