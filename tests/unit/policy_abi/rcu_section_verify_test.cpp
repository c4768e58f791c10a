// bpf_rcu_read_lock/unlock (scx/common.bpf.h) under the verifier: sections
// that nest and close on every path verify, in a sleepable callback too;
// an unlock with no section open, a section left open at exit and a kfunc
// that may sleep called inside one are refused, naming the rule.
#include <gtest/gtest.h>

#include <string>

#include "verify_source.h"

namespace ups::policy {
namespace {

const char* kPrelude = R"(#include <scx/common.bpf.h>
char _license[] SEC("license") = "GPL";
u64 seen;
s32 BPF_STRUCT_OPS_SLEEPABLE(t_init)
{
)";
const char* kEpilogue = R"(
	return 0;
}
SCX_OPS_DEFINE(t_ops, .init = (void *)t_init, .name = "t");
)";

using Case = test::BodyCase;  // refusal "" = verifies

const Case kCases[] = {
    {"balanced", "bpf_rcu_read_lock(); seen++; bpf_rcu_read_unlock();", ""},
    {"nested",
     "bpf_rcu_read_lock(); bpf_rcu_read_lock(); seen++; bpf_rcu_read_unlock(); bpf_rcu_read_unlock();\n"
     "scx_bpf_create_dsq(1, -1);",
     ""},
    {"closed_on_each_branch",
     "bpf_rcu_read_lock(); if (seen & 1) { bpf_rcu_read_unlock(); return -22; } bpf_rcu_read_unlock();", ""},
    {"unlock_without_lock", "bpf_rcu_read_unlock();",
     "bpf_rcu_read_unlock without an open bpf_rcu_read_lock section"},
    {"left_open", "bpf_rcu_read_lock(); if (seen & 1) return -22; bpf_rcu_read_unlock();",
     "is still open at exit; close it with bpf_rcu_read_unlock"},
    {"sleeps_inside", "bpf_rcu_read_lock(); scx_bpf_create_dsq(1, -1); bpf_rcu_read_unlock();",
     "scx_bpf_create_dsq may sleep, inside the RCU read section"},
};

TEST(RcuSectionVerify, PairedSectionsVerifyAndEachMisuseNamesItsRule) {
  test::expect_verdicts("rcu_section_", kPrelude, kEpilogue, kCases);
}

}  // namespace
}  // namespace ups::policy
