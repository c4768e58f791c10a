// bpf_strncmp (bpf/bpf_helpers.h) under the verifier: scx_qmap's use, a
// task's comm against a string constant, verifies; a second argument that
// is no constant string, or a size past the first argument's memory, is
// refused naming the argument.
#include <gtest/gtest.h>

#include <string>

#include "verify_source.h"

namespace ups::policy {
namespace {

const char* kPrelude = R"(#include <scx/common.bpf.h>
char _license[] SEC("license") = "GPL";
u64 matched;
char name[8];
void BPF_STRUCT_OPS(t_enqueue, struct task_struct *p, u64 enq_flags)
{
	char buf[4] = {};
)";
const char* kEpilogue = R"(
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}
SCX_OPS_DEFINE(t_ops, .enqueue = (void *)t_enqueue, .name = "t");
)";

struct Case {
  const char* name;
  const char* body;
  const char* refusal;  // "" = verifies
};

const Case kCases[] = {
    {"comm_prefix", "if (!bpf_strncmp(p->comm, 6, \"qmfail\")) matched++;", ""},
    {"stack_buffer", "matched += bpf_strncmp(buf, sizeof(buf), \"abc\") < 0;", ""},
    {"not_a_constant_string", "matched += bpf_strncmp(buf, sizeof(buf), name);", "bpf_strncmp argument 3"},
    {"size_past_the_buffer", "matched += bpf_strncmp(buf, 8, \"abc\");", "bpf_strncmp"},
};

TEST(StrncmpVerify, CommAgainstAConstantVerifiesAndMisuseIsRefused) {
  const auto clangs = test::test_clangs();
  if (clangs.empty()) GTEST_SKIP() << "no clang to compile BPF C with";
  for (const auto& clang : clangs)
    for (const Case& c : kCases) {
      SCOPED_TRACE(clang + " " + c.name);
      const std::string src = std::string(kPrelude) + "\t" + c.body + kEpilogue;
      const std::string got = test::first_refusal(clang, std::string("strncmp_") + c.name, src);
      if (*c.refusal == '\0') EXPECT_EQ(got, "");
      else EXPECT_NE(got.find(c.refusal), std::string::npos) << got;
    }
}

}  // namespace
}  // namespace ups::policy
