// Arenas and may_goto on BPF C compiled at test time with each clang (the
// clang 14 path emits addr_space_cast and may_goto from the SDK's
// assembler macros, clang 18+ from __arena and its may_goto mnemonic):
// an arena pointer from bpf_arena_alloc_pages kept in a global is
// dereferenced after cast_kern, and a loop the verifier cannot bound is
// accepted with can_loop and refused without.
#include <gtest/gtest.h>

#include <string>

#include "verify_source.h"

namespace ups::policy {
namespace {

const char* kPrelude = R"(#include <scx/common.bpf.h>
#include <scx/bpf_arena_common.bpf.h>
char _license[] SEC("license") = "GPL";
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16);
	__ulong(map_extra, 1ull << 44);
} arena SEC(".maps");
u64 __arena *slab;
s32 BPF_STRUCT_OPS_SLEEPABLE(t_init)
{
	slab = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	return slab ? 0 : -12;
}
void BPF_STRUCT_OPS(t_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 __arena *s = slab;
	u64 i;
)";
const char* kEpilogue = R"(}
SCX_OPS_DEFINE(t_ops, .init = (void *)t_init, .enqueue = (void *)t_enqueue, .name = "t");
)";

struct Case {
  const char* name;
  const char* body;
  const char* refusal;  // "" = verifies
};

const Case kCases[] = {
    {"arena_counter", "if (!s) return; cast_kern(s); s[p->pid & 511] += 1; s[1000] = enq_flags;", ""},
    {"can_loop_bounds_any_loop",
     "for (i = 0; can_loop; i++) if (bpf_get_prandom_u32() == 7) break; if (s) { cast_kern(s); s[0] = i; }", ""},
    {"loop_without_can_loop",
     "for (i = 0;; i++) if (bpf_get_prandom_u32() == 7) break; if (s) { cast_kern(s); s[0] = i; }",
     "may not be bounded"},
};

std::string verify_source(const std::string& clang, const Case& c) {
  const std::string src = std::string(kPrelude) + c.body + "\n" + kEpilogue;
  return test::first_refusal(clang, std::string("arena_") + c.name, src);
}

TEST(ArenaVerify, ArenaPointersAndCanLoopVerifyAndAnUnboundedLoopDoesNot) {
  const auto clangs = test::test_clangs();
  if (clangs.empty()) GTEST_SKIP() << "no clang to compile BPF C with";
  for (const auto& clang : clangs)
    for (const Case& c : kCases) {
      SCOPED_TRACE(clang + " " + c.name);
      const std::string got = verify_source(clang, c);
      if (*c.refusal == '\0') EXPECT_EQ(got, "");
      else EXPECT_NE(got.find(c.refusal), std::string::npos) << got;
    }
}

}  // namespace
}  // namespace ups::policy
