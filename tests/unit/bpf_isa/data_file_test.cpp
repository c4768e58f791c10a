// The .data test format: sections, comments, the upstream quirk of a
// section marker glued to the previous value, and the three encodings of
// code and memory.
#include <gtest/gtest.h>

#include "bpf/isa/data_file.h"

namespace ups::bpf {
namespace {

TEST(DataFile, SectionsAndCommentsAreSplitOut) {
  const DataFile f = parse_data_file(
      "# Copyright line\n-- asm\nmov %r0, 1 # keep\n# also kept in asm\nexit\n-- mem\n# comment\n01 02\nff\n"
      "-- result\n0x1\n");
  ASSERT_TRUE(f.has("asm"));
  EXPECT_EQ(*f.get("asm"), "mov %r0, 1 # keep\n# also kept in asm\nexit\n");
  auto mem = f.memory();
  ASSERT_TRUE(mem);
  EXPECT_EQ(*mem, (std::vector<u8>{1, 2, 0xff}));
  auto r = f.result();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(**r, 1u);
}

TEST(DataFile, AMarkerAfterAValueOnTheSameLineStillSplits) {
  const DataFile f = parse_data_file("-- result\n0x10000000A-- raw\n0x0000000000000095\n");
  auto r = f.result();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(**r, 0x10000000Au);
  auto code = f.raw_code();
  ASSERT_TRUE(code);
  ASSERT_EQ(code->size(), 1u);
  EXPECT_EQ(code->front().opcode, 0x95);
}

TEST(DataFile, RawAcceptsWordsOrEightBytesPerLine) {
  const DataFile f = parse_data_file("-- raw\n0x00000002000000b7\n95 00 00 00 00 00 00 00\n");
  auto code = f.raw_code();
  ASSERT_TRUE(code) << code.error().to_string();
  ASSERT_EQ(code->size(), 2u);
  EXPECT_EQ((*code)[0].imm, 2);
  EXPECT_EQ((*code)[1].opcode, 0x95);
  EXPECT_FALSE(parse_data_file("-- raw\n0xzz\n").raw_code());
  EXPECT_FALSE(parse_data_file("-- raw\n01 02 03\n").raw_code());
}

TEST(DataFile, CodeFallsBackToAssemblingAsm) {
  const DataFile f = parse_data_file("-- asm\nmov32 %r0, 7\nexit\n-- result\n7\n");
  auto code = f.code();
  ASSERT_TRUE(code);
  EXPECT_EQ(code->size(), 2u);
  EXPECT_EQ(**f.result(), 7u);
  EXPECT_FALSE(parse_data_file("-- result\n1\n").code());
}

TEST(DataFile, BadResultOrMemoryIsAnError) {
  EXPECT_FALSE(parse_data_file("-- result\n0xq\n").result());
  EXPECT_FALSE(parse_data_file("-- mem\n100\n").memory());
  EXPECT_FALSE(read_data_file("/nonexistent/file.data"));
}

}  // namespace
}  // namespace ups::bpf
