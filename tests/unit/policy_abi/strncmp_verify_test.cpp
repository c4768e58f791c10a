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

using Case = test::BodyCase;  // refusal "" = verifies

const Case kCases[] = {
    {"comm_prefix", "if (!bpf_strncmp(p->comm, 6, \"qmfail\")) matched++;", ""},
    {"stack_buffer", "matched += bpf_strncmp(buf, sizeof(buf), \"abc\") < 0;", ""},
    {"not_a_constant_string", "matched += bpf_strncmp(buf, sizeof(buf), name);", "bpf_strncmp argument 3"},
    {"size_past_the_buffer", "matched += bpf_strncmp(buf, 8, \"abc\");", "bpf_strncmp"},
};

TEST(StrncmpVerify, CommAgainstAConstantVerifiesAndMisuseIsRefused) {
  test::expect_verdicts("strncmp_", kPrelude, kEpilogue, kCases);
}

}  // namespace
}  // namespace ups::policy
