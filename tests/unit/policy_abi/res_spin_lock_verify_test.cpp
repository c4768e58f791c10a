// bpf_res_spin_lock/unlock (scx/common.bpf.h) under the verifier: a lock in
// a section of its own (as scx_qmap keeps its queue locks) or in a map
// value, taken with Linux's idiom (test the result, bail out on failure),
// verifies; each misuse is refused naming its rule, as bpf_spin_lock's:
// a lock not released, taken twice, a call while it is held, the other
// kind of lock's functions on it.
#include <gtest/gtest.h>

#include <string>

#include "verify_source.h"

namespace ups::policy {
namespace {

const char* kPrelude = R"(#include <scx/common.bpf.h>
char _license[] SEC("license") = "GPL";
private(QL) struct bpf_res_spin_lock qlock;
private(QL) u64 queued;
private(PL) struct bpf_spin_lock plain;
struct val {
	struct bpf_res_spin_lock lock;
	u64 n;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, struct val);
	__uint(max_entries, 4);
} vals SEC(".maps");
void BPF_STRUCT_OPS(t_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 key = p->pid & 3;
	struct val *v = bpf_map_lookup_elem(&vals, &key);
)";
const char* kEpilogue = R"(
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}
SCX_OPS_DEFINE(t_ops, .enqueue = (void *)t_enqueue, .name = "t");
)";

using Case = test::BodyCase;  // refusal "" = verifies

const Case kCases[] = {
    {"section_lock",
     "if (bpf_res_spin_lock(&qlock)) { scx_bpf_error(\"lock\"); return; }\n"
     "queued++; bpf_res_spin_unlock(&qlock);",
     ""},
    {"map_value_lock",
     "if (!v || bpf_res_spin_lock(&v->lock)) return;\n"
     "v->n++; bpf_res_spin_unlock(&v->lock);",
     ""},
    {"not_released", "if (bpf_res_spin_lock(&qlock)) return;\nqueued++;", "spin lock"},
    {"taken_twice",
     "if (!v || bpf_res_spin_lock(&qlock)) return;\n"
     "bpf_res_spin_lock(&v->lock); bpf_res_spin_unlock(&v->lock); bpf_res_spin_unlock(&qlock);",
     "the spin lock is already held"},
    {"call_while_held",
     "if (bpf_res_spin_lock(&qlock)) return;\n"
     "queued += bpf_ktime_get_ns(); bpf_res_spin_unlock(&qlock);",
     "while holding the spin lock"},
    {"plain_unlock_of_res_lock",
     "if (bpf_res_spin_lock(&qlock)) return;\nbpf_spin_unlock((struct bpf_spin_lock *)&qlock);",
     "is a bpf_res_spin_lock; use bpf_res_spin_lock/unlock"},
    {"res_lock_of_plain_lock",
     "if (bpf_res_spin_lock((struct bpf_res_spin_lock *)&plain)) return;\n"
     "bpf_res_spin_unlock((struct bpf_res_spin_lock *)&plain);",
     "is a bpf_spin_lock; use bpf_spin_lock/unlock"},
    {"unlock_of_another_lock",
     "if (!v || bpf_res_spin_lock(&qlock)) return;\nbpf_res_spin_unlock(&v->lock);",
     "unlocks a different spin lock"},
};

TEST(ResSpinLockVerify, LinuxIdiomVerifiesAndEachMisuseNamesItsRule) {
  test::expect_verdicts("res_spin_lock_", kPrelude, kEpilogue, kCases);
}

}  // namespace
}  // namespace ups::policy
