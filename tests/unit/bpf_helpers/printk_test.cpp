// bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf: Linux's format
// checks (bpf_bprintf_prepare) and output.
#include <cstring>
#include <string>

#include "bpf/helpers/bpf_printf.h"
#include "helper_test_util.h"

namespace ups::bpf {
namespace {

using test::err;
using test::Prog;

struct FormatCase {
  const char* fmt;
  u64 a1, a2, a3;
  const char* expect;  // nullptr: -EINVAL
};

// trace_printk formats like Linux: %d %i %u %x %X with l/ll, %c, %%,
// flags and width; 32-bit conversions use the low 32 bits.
TEST(Printk, TracePrintkFormatsLikeLinux) {
  const FormatCase cases[] = {
      {"plain text", 0, 0, 0, "plain text"},
      {"%d %i %u", static_cast<u64>(-5), 7, static_cast<u64>(-1), "-5 7 4294967295"},
      {"%ld %lu %lld", static_cast<u64>(-5), static_cast<u64>(-1), 1ULL << 40,
       "-5 18446744073709551615 1099511627776"},
      {"%llu %llx %lx", 1ULL << 63, 0xdeadbeefcafeULL, 255, "9223372036854775808 deadbeefcafe ff"},
      {"%x %X", 0x1234abcdULL | (7ULL << 32), 0xabc, 0, "1234abcd ABC"},
      {"[%5d] [%-5d] [%05d]", 42, 42, 42, "[   42] [42   ] [00042]"},
      {"[%+d] [% d]", 3, 3, 0, "[+3] [ 3]"},
      {"%c%c%c", 'a', 'b', 0x163, "abc"},
      {"100%% sure %d", 1, 0, 0, "100% sure 1"},
      {"%p", 0x1234, 0, 0, "0000000000001234"},
      {"%px.", 0xabc, 0, 0, "0000000000000abc."},
      {"tab\there", 0, 0, 0, "tab\there"},
      // Linux refuses these:
      {"%d %d %d %d", 1, 2, 3, nullptr},  // more than 3 conversions
      {"%f", 0, 0, 0, nullptr},           // no floating point
      {"%.3d", 1, 0, 0, nullptr},         // no precision
      {"%lllu", 1, 0, 0, nullptr},        // at most ll
      {"%q", 1, 0, 0, nullptr},
      {"%sfoo", 0, 0, 0, nullptr},        // %s must end a word
      {"%pz", 0, 0, 0, nullptr},
      {"bell\a", 0, 0, 0, nullptr},       // non-printable character
  };
  for (const auto& c : cases) {
    Prog p;
    std::string fmt = c.fmt;
    u64 r = p.call(HelperId::trace_printk, fmt.c_str(), fmt.size() + 1, c.a1, c.a2, c.a3);
    if (!c.expect) {
      EXPECT_EQ(err(r), -EINVAL) << c.fmt;
      EXPECT_TRUE(p.env.trace_lines().empty()) << c.fmt;
      continue;
    }
    EXPECT_EQ(r, std::strlen(c.expect)) << c.fmt;
    ASSERT_EQ(p.env.trace_lines().size(), 1u) << c.fmt;
    EXPECT_EQ(p.env.trace_lines()[0], c.expect) << c.fmt;
  }
}

// Linux: the format must hold a NUL within fmt_size; a trailing newline
// ends the trace line (bpf_printk("...\n")).
TEST(Printk, FormatNeedsNulAndNewlineEndsTheLine) {
  Prog p;
  const char fmt[] = {'a', 'b', 'c'};
  EXPECT_EQ(err(p.call(HelperId::trace_printk, fmt, 3, 0, 0, 0)), -EINVAL);
  const char nl[] = "tick %d\n";
  EXPECT_EQ(p.call(HelperId::trace_printk, nl, sizeof nl, 9, 0, 0), 7u);
  EXPECT_EQ(p.env.trace_lines().back(), "tick 9");
  const char early[] = "ab\0cd";
  EXPECT_EQ(p.call(HelperId::trace_printk, early, sizeof early, 0, 0, 0), 2u);
  EXPECT_EQ(p.env.trace_lines().back(), "ab");
}

// %s reads a string only from memory the environment says is readable;
// elsewhere (or null) it prints nothing, like Linux's nofault copy.
TEST(Printk, StringArgumentsReadOnlyReadableMemory) {
  Prog p;
  const char name[] = "worker";
  const char fmt[] = "task=%s cpu=%d";
  p.call(HelperId::trace_printk, fmt, sizeof fmt, name, 3, 0);
  EXPECT_EQ(p.env.trace_lines().back(), "task= cpu=3");
  p.env.add_readable(name, sizeof name);
  p.call(HelperId::trace_printk, fmt, sizeof fmt, name, 3, 0);
  EXPECT_EQ(p.env.trace_lines().back(), "task=worker cpu=3");
  p.call(HelperId::trace_printk, fmt, sizeof fmt, 0, 3, 0);
  EXPECT_EQ(p.env.trace_lines().back(), "task= cpu=3");
  const u8 ip[4] = {10, 0, 0, 1};
  p.env.add_readable(ip, 4);
  const char ipfmt[] = "%pI4 %pi4";
  p.call(HelperId::trace_printk, ipfmt, sizeof ipfmt, ip, ip, 0);
  EXPECT_EQ(p.env.trace_lines().back(), "10.0.0.1 010.000.000.001");
}

// Strings in map memory (constant strings live in .rodata) print once the
// environment knows the maps.
TEST(Printk, StringsInMapsPrintWhenTheMapsAreReadable) {
  MapDef rodata;
  rodata.name = ".rodata";
  rodata.type = MapType::array;
  rodata.key_size = 4;
  rodata.value_size = 8;
  rodata.max_entries = 1;
  rodata.map_flags = BPF_F_RDONLY_PROG;
  rodata.global = GlobalKind::rodata;
  rodata.initial = {'i', 'd', 'l', 'e', 0};
  auto set = MapSet::create(std::vector<MapDef>{rodata}, 1);
  ASSERT_TRUE(set.has_value());
  Prog p;
  p.env.add_readable(*set);
  const char fmt[] = "state=%s";
  p.call(HelperId::trace_printk, fmt, sizeof fmt, set->value_bases()[0], 0, 0);
  EXPECT_EQ(p.env.trace_lines().back(), "state=idle");
}

// Linux truncates a message to MAX_BPRINTF_BUF - 1 bytes but returns the
// full length.
TEST(Printk, LongOutputIsCutAt511Bytes) {
  Prog p;
  const char fmt[] = "%500d%500d";
  EXPECT_EQ(p.call(HelperId::trace_printk, fmt, sizeof fmt, 1, 2, 0), 1000u);
  EXPECT_EQ(p.env.trace_lines().back().size(), 511u);
}

// bpf_trace_vprintk (bpf_printk with more than 3 arguments): arguments in
// an array of u64, at most 12, data_len a multiple of 8.
TEST(Printk, VprintkTakesAnArgumentArray) {
  Prog p;
  const char fmt[] = "%d %d %d %d %d";
  u64 args[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(p.call(HelperId::trace_vprintk, fmt, sizeof fmt, args, sizeof args), 9u);
  EXPECT_EQ(p.env.trace_lines().back(), "1 2 3 4 5");
  EXPECT_EQ(err(p.call(HelperId::trace_vprintk, fmt, sizeof fmt, args, 12)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::trace_vprintk, fmt, sizeof fmt, args, 32)), -EINVAL);  // 4 args for 5
  u64 many[13] = {};
  EXPECT_EQ(err(p.call(HelperId::trace_vprintk, fmt, sizeof fmt, many, sizeof many)), -EINVAL);
  const char none[] = "no args";
  EXPECT_EQ(p.call(HelperId::trace_vprintk, none, sizeof none, 0, 0), 7u);
}

// bpf_snprintf writes at most str_size bytes including the NUL and returns
// the length needed including the NUL.
TEST(Printk, SnprintfTruncatesAndReturnsNeededSize) {
  Prog p;
  const char fmt[] = "pid %d runs %llu";
  u64 args[2] = {42, 1000};
  char buf[8];
  std::memset(buf, 'x', sizeof buf);
  EXPECT_EQ(p.call(HelperId::snprintf, buf, sizeof buf, fmt, args, sizeof args), 17u);
  EXPECT_STREQ(buf, "pid 42 ");
  char big[64];
  EXPECT_EQ(p.call(HelperId::snprintf, big, sizeof big, fmt, args, sizeof args), 17u);
  EXPECT_STREQ(big, "pid 42 runs 1000");
  EXPECT_EQ(p.call(HelperId::snprintf, 0, 0, fmt, args, sizeof args), 17u);
  const char bad[] = "%f";
  EXPECT_EQ(err(p.call(HelperId::snprintf, big, sizeof big, bad, args, 8)), -EINVAL);
}

}  // namespace
}  // namespace ups::bpf
