// The disassembler prints what `llvm-objdump-19 -d --mcpu=v4` prints. The
// golden file tests/data/vm/disasm_llvm19.txt was made by assembling every
// instruction form with llvm-mc-19 and disassembling it with llvm-objdump-19
// (jump annotations `<f+0x..>` removed): "bytes<TAB>text" per line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bpf/isa/assembler.h"
#include "bpf/isa/decode.h"
#include "bpf/isa/disassembler.h"
#include "bpf/isa/encode.h"

namespace ups::bpf {
namespace {

std::vector<Insn> bytes_to_code(const std::string& hex) {
  std::istringstream in(hex);
  std::vector<u8> bytes;
  std::string b;
  while (in >> b) bytes.push_back(static_cast<u8>(std::stoul(b, nullptr, 16)));
  std::vector<Insn> code(bytes.size() / 8);
  std::memcpy(static_cast<void*>(code.data()), bytes.data(), code.size() * 8);
  return code;
}

TEST(Disassembler, MatchesLlvmObjdump19AndReencodesEveryInstructionForm) {
  std::ifstream in(UPS_SOURCE_DIR "/tests/data/vm/disasm_llvm19.txt");
  ASSERT_TRUE(in) << "missing golden file";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const auto code = bytes_to_code(line.substr(0, tab));
    const std::string expected = line.substr(tab + 1);
    auto d = decode_one(code, 0);
    ASSERT_TRUE(d) << expected << ": " << d.error().to_string();
    EXPECT_EQ(disassemble(*d), expected) << line.substr(0, tab);
    std::vector<Insn> again;
    encode(*d, again);  // and every form encodes back to its bytes
    ASSERT_EQ(again.size(), code.size()) << expected;
    for (size_t i = 0; i < code.size(); ++i) EXPECT_EQ(again[i].to_u64(), code[i].to_u64()) << expected;
    ++checked;
  }
  EXPECT_GT(checked, 80);
}

TEST(Disassembler, RelocatedPseudoLoadsAndKfuncCallsAreNamed) {
  std::vector<Insn> code = {Insn::make(0x18, 1, op::PSEUDO_MAP_IDX, 0, 2), Insn{},
                            Insn::make(0x18, 2, op::PSEUDO_MAP_IDX_VALUE, 0, 3), Insn::make(0, 0, 0, 0, 16),
                            Insn::make(0x85, 0, op::CALL_KFUNC, 0, 7)};
  EXPECT_EQ(disassemble_at(code, 0), "r1 = map[0x2] ll");
  EXPECT_EQ(disassemble_at(code, 2), "r2 = map_value[0x3] + 0x10 ll");
  EXPECT_EQ(disassemble_at(code, 4), "call kfunc 0x7");
}

TEST(Disassembler, ListingShowsSlotsBytesAndErrors) {
  auto code = assemble("mov %r0, 1\nlddw %r1, 0x100000002\nexit\n");
  ASSERT_TRUE(code);
  code->push_back(Insn::make(0xff, 0, 0, 0, 0));
  const std::string listing = disassemble_listing(*code);
  EXPECT_NE(listing.find("       0:\tb7 00 00 00 01 00 00 00\tr0 = 0x1"), std::string::npos) << listing;
  EXPECT_NE(listing.find("       1:\t18 01 00 00 02 00 00 00 00 00 00 00 01 00 00 00\tr1 = 0x100000002 ll"),
            std::string::npos)
      << listing;
  EXPECT_NE(listing.find("       4:\tff 00 00 00 00 00 00 00\t<invalid:"), std::string::npos) << listing;
}

}  // namespace
}  // namespace ups::bpf
