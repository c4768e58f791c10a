// `FILE.bpf.o[?NAME=VALUE[&...]][:USER]`: parameters set `const volatile`
// globals, `NAME[]=N` resizes a RESIZABLE_ARRAY (what a sched_ext
// scheduler's loader does before load), and malformed ones are refused
// naming the part.
#include <gtest/gtest.h>

#include "host/policy_spec.h"

namespace ups::host {
namespace {

TEST(PolicySpec, ParametersResizesAndUser) {
  auto s = parse_bpf_spec("central.bpf.o?nr_cpu_ids=8&cpu_gimme_task[]=8&central_cpu=0x1:alice");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  ASSERT_TRUE(s->has_value());
  const BpfSpec& b = **s;
  EXPECT_EQ(b.path, "central.bpf.o");
  EXPECT_EQ(b.user, "alice");
  ASSERT_EQ(b.params.size(), 2u);
  EXPECT_EQ(b.params[0], (std::pair<std::string, u64>{"nr_cpu_ids", 8}));
  EXPECT_EQ(b.params[1], (std::pair<std::string, u64>{"central_cpu", 1}));
  ASSERT_EQ(b.resizes.size(), 1u);
  EXPECT_EQ(b.resizes[0], (std::pair<std::string, u32>{"cpu_gimme_task", 8}));
}

TEST(PolicySpec, ArrayElementsByListOrIndex) {
  // scx_pair's loader fills pair_cpu[] per CPU: ?pair_cpu=1,0 is
  // pair_cpu[0]=1 and pair_cpu[1]=0; one element by index too.
  auto s = parse_bpf_spec("pair.bpf.o?pair_cpu[]=2&pair_cpu=1,0&pair_id[1]=7");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  const BpfSpec& b = **s;
  ASSERT_EQ(b.params.size(), 3u);
  EXPECT_EQ(b.params[0], (std::pair<std::string, u64>{"pair_cpu[0]", 1}));
  EXPECT_EQ(b.params[1], (std::pair<std::string, u64>{"pair_cpu[1]", 0}));
  EXPECT_EQ(b.params[2], (std::pair<std::string, u64>{"pair_id[1]", 7}));
  // Maps sized and filled as scx_pair.c does before and after load.
  auto m = parse_bpf_spec("pair.bpf.o?pair_ctx.max_entries=4&cgrp_q_arr.inner_maps=16");
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  ASSERT_EQ((*m)->resizes.size(), 2u);
  EXPECT_EQ((*m)->resizes[0], (std::pair<std::string, u32>{"pair_ctx.max_entries", 4}));
  EXPECT_EQ((*m)->resizes[1], (std::pair<std::string, u32>{"cgrp_q_arr.inner_maps", 16}));
}

TEST(PolicySpec, NativeNamesAreNotObjects) {
  auto s = parse_bpf_spec("fair");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->has_value());
}

TEST(PolicySpec, MalformedPartsAreNamed) {
  struct Case {
    const char* spec;
    const char* says;
  } cases[] = {
      {"p.bpf.o?slice", "parameter 'slice' is not NAME=VALUE"},
      {"p.bpf.o?slice=fast", "parameter 'slice': 'fast' is not a number"},
      {"p.bpf.o?arr[]=0", "parameter 'arr[]': 0 elements is not a size"},
      {"p.bpf.o?arr[]=4294967296", "parameter 'arr[]': 4294967296 elements is not a size"},
      {"p.bpf.o:", "no user after ':'"},
      {"p.bpf.o?arr=1,,2", "parameter 'arr': '1,,2' is not a number or a list of numbers"},
      {"p.bpf.o?arr[0]=1,2", "parameter 'arr[0]': one element takes one number"},
  };
  for (const Case& c : cases) {
    auto s = parse_bpf_spec(c.spec);
    ASSERT_FALSE(s.has_value()) << c.spec;
    EXPECT_NE(s.error().to_string().find(c.says), std::string::npos) << c.spec << ": " << s.error().to_string();
  }
}

}  // namespace
}  // namespace ups::host
