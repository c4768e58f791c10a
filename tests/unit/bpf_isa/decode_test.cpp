// Decoding: every instruction form round-trips through encode; malformed
// slots (reserved fields set, bad opcodes, broken lddw, bad targets) are
// rejected with the instruction named.
#include <gtest/gtest.h>

#include <filesystem>

#include "bpf/isa/assembler.h"
#include "bpf/isa/data_file.h"
#include "bpf/isa/decode.h"
#include "bpf/isa/encode.h"

namespace ups::bpf {
namespace {

namespace fs = std::filesystem;
const fs::path kConformance = fs::path(UPS_SHARED_DIR) / "conformance/bpf";

TEST(Decode, EveryConformanceProgramDecodesAndReencodesExactly) {
  if (!fs::exists(kConformance / "tests")) GTEST_SKIP() << "no conformance suite";
  int files = 0;
  for (const auto& e : fs::directory_iterator(kConformance / "tests")) {
    if (e.path().extension() != ".data") continue;
    auto f = read_data_file(e.path().string());
    ASSERT_TRUE(f);
    auto code = f->raw_code();
    ASSERT_TRUE(code) << e.path();
    auto insns = decode_program(*code);
    ASSERT_TRUE(insns) << e.path().filename() << ": " << insns.error().to_string();
    const auto again = encode_all(*insns);
    ASSERT_EQ(again.size(), code->size());
    for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].to_u64(), (*code)[i].to_u64()) << e.path();
    ++files;
  }
  EXPECT_EQ(files, 313);
}

// negative-asm/unused-*.data: an instruction with a reserved field set.
TEST(Decode, RejectsEveryUnusedFieldCaseOfTheNegativeSuite) {
  if (!fs::exists(kConformance / "negative-asm")) GTEST_SKIP() << "no negative suite";
  int files = 0;
  for (const auto& e : fs::directory_iterator(kConformance / "negative-asm")) {
    if (e.path().filename().string().rfind("unused-", 0) != 0) continue;
    auto f = read_data_file(e.path().string());
    ASSERT_TRUE(f);
    auto code = f->raw_code();
    ASSERT_TRUE(code) << e.path();
    auto insns = decode_program(*code);
    EXPECT_FALSE(insns) << e.path().filename() << " decoded";
    if (!insns) {
      EXPECT_NE(insns.error().to_string().find("instruction 0"), std::string::npos);
    }
    ++files;
  }
  EXPECT_GT(files, 40);
}

struct BadCode {
  const char* name;
  std::vector<u64> words;
  const char* message;
};

class DecodeRejects : public ::testing::TestWithParam<BadCode> {};

TEST_P(DecodeRejects, NamingInstructionAndReason) {
  std::vector<Insn> code;
  for (u64 w : GetParam().words) code.push_back(Insn::from_u64(w));
  auto r = decode_program(code);
  ASSERT_FALSE(r) << GetParam().name;
  EXPECT_NE(r.error().to_string().find(GetParam().message), std::string::npos) << r.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeRejects,
    ::testing::Values(
        BadCode{"empty", {}, "empty program"},
        BadCode{"unknown opcode", {0x00000000000000ff, 0x95}, "instruction 0: unknown"},
        BadCode{"lddw cut off", {0x95, 0x0000000000000018}, "instruction 1: lddw without its second slot"},
        BadCode{"lddw bad second slot", {0x0000000000000018, 0x00000000000000b7, 0x95}, "second slot"},
        BadCode{"jump past end", {0x0000000000050005, 0x95}, "instruction 0: target 6 is outside"},
        BadCode{"jump into lddw", {0x0000000000010005, 0x0000000000000018, 0, 0x95}, "second slot of an lddw"},
        BadCode{"write r10", {0x00000001000000b7 | 0xa00, 0x95}, "read-only frame pointer"},
        BadCode{"register 11", {0x000000000000b0bf, 0x95}, "invalid source register r11"},
        BadCode{"falls off end", {0x00000001000000b7}, "fall off the end"},
        BadCode{"legacy packet load", {0x0000000000000020, 0x95}, "legacy packet access"},
        BadCode{"xchg without fetch", {0x000000e0000021db, 0x95}, "xchg without the fetch flag"},
        BadCode{"bad bswap width", {0x00000008000000d7, 0x95}, "byte swap width 8"},
        BadCode{"movsx32 from 32", {0x00000000002010bc, 0x95}, "sign-extension offset 32"},
        BadCode{"neg with register", {0x000000000000008f, 0x95}, "neg with a register source"},
        BadCode{"call in jmp32", {0x0000000100000086, 0x95}, "call in the JMP32 class"},
        BadCode{"local call outside", {0x0000006400001085, 0x95}, "outside the program"},
        BadCode{"memsx dw", {0x0000000000000099, 0x95}, "sign-extending load of 8 bytes"}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(Decode, ResolvesTargetsOfJumpsCallsAndCallbackAddresses) {
  auto code = assemble(R"(
    jne %r1, 0, +1
    ja32 end
    call local sub
  end:
    exit
  sub:
    exit
  )");
  ASSERT_TRUE(code);
  code->push_back(Insn::make(0x18, 2, op::PSEUDO_FUNC, 0, -3));  // -> slot 3
  code->push_back(Insn{});
  code->push_back(Insn::make(0x95, 0, 0, 0, 0));
  auto insns = decode_program(*code);
  ASSERT_TRUE(insns) << insns.error().to_string();
  EXPECT_EQ((*insns)[0].target, 2);
  EXPECT_EQ((*insns)[1].target, 3);
  EXPECT_FALSE((*insns)[1].is64);
  EXPECT_EQ((*insns)[2].call, CallKind::local);
  EXPECT_EQ((*insns)[2].target, 4);
  EXPECT_EQ((*insns)[5].target, 3);
  EXPECT_EQ((*insns)[5].slots, 2);
  const auto map = slot_to_index(*insns, code->size());
  EXPECT_EQ(map[5], 5);
  EXPECT_EQ(map[6], -1);
}

TEST(Decode, SignedDivModMovsxAndMemsxAreDistinguished) {
  auto code = assemble("sdiv32 %r0, %r1\nsmod %r0, 3\nmovsx1664 %r2, %r3\nldxsh %r4, [%r1-2]\nexit\n");
  ASSERT_TRUE(code);
  auto insns = decode_program(*code);
  ASSERT_TRUE(insns);
  EXPECT_EQ((*insns)[0].alu, AluOp::sdiv);
  EXPECT_FALSE((*insns)[0].is64);
  EXPECT_EQ((*insns)[1].alu, AluOp::smod);
  EXPECT_EQ((*insns)[2].alu, AluOp::movsx);
  EXPECT_EQ((*insns)[2].size, 2);
  EXPECT_TRUE((*insns)[3].sign_extend);
  EXPECT_EQ((*insns)[3].size, 2);
  EXPECT_EQ((*insns)[3].off, -2);
}

}  // namespace
}  // namespace ups::bpf
