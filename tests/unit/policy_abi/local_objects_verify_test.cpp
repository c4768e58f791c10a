// The verifier's rules for allocated objects, rbtrees and kptrs, on BPF C
// compiled at test time with each clang: one enqueue body per case, the
// same declarations around it (an rbtree of struct tnode under a private()
// lock, a __kptr field in a map value). Accepted shapes verify; each
// refused one fails with the message naming its rule.
#include <gtest/gtest.h>

#include <string>

#include "verify_source.h"

namespace ups::policy {
namespace {

const char* kPrelude = R"(#include <scx/common.bpf.h>
char _license[] SEC("license") = "GPL";
struct tnode {
	struct bpf_rb_node node;
	u64 vtime;
};
private(T) struct bpf_spin_lock lock;
private(T) struct bpf_rb_root root __contains(tnode, node);
struct stash {
	struct tnode __kptr *spare;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, struct stash);
	__uint(max_entries, 1);
} spares SEC(".maps");
struct tnode *tnode_in_btf;  /* every case's BTF defines struct tnode */
static bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct tnode, node)->vtime < container_of(b, struct tnode, node)->vtime;
}
void BPF_STRUCT_OPS(t_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 zero = 0;
	struct stash *s;
	struct tnode *n, *old;
	struct bpf_rb_node *rb;
)";
const char* kEpilogue = R"(}
SCX_OPS_DEFINE(t_ops, .enqueue = (void *)t_enqueue, .name = "t");
)";

// Allocates n (returning when NULL), sets its vtime.
#define NEW_NODE "n = bpf_obj_new(struct tnode); if (!n) return; n->vtime = p->scx.dsq_vtime;\n"

struct Case {
  const char* name;
  const char* body;
  const char* refusal;  // "" = verifies
};

const Case kCases[] = {
    {"add_under_lock", NEW_NODE "bpf_spin_lock(&lock); bpf_rbtree_add(&root, &n->node, less); bpf_spin_unlock(&lock);", ""},
    {"first_remove_drop",
     "bpf_spin_lock(&lock); rb = bpf_rbtree_first(&root); if (!rb) { bpf_spin_unlock(&lock); return; }\n"
     "rb = bpf_rbtree_remove(&root, rb); bpf_spin_unlock(&lock); if (rb) bpf_obj_drop(container_of(rb, struct tnode, node));",
     ""},
    {"kptr_stash",
     NEW_NODE "s = bpf_map_lookup_elem(&spares, &zero); if (!s) { bpf_obj_drop(n); return; }\n"
     "old = bpf_kptr_xchg(&s->spare, n); if (old) bpf_obj_drop(old);",
     ""},
    {"add_without_lock", NEW_NODE "bpf_rbtree_add(&root, &n->node, less);",
     "may only be used while holding the bpf_spin_lock of the same map value"},
    {"leaked_obj_new", NEW_NODE, "the reference from bpf_obj_new_impl acquired at instruction"},
    {"node_used_after_unlock",
     NEW_NODE "bpf_spin_lock(&lock); bpf_rbtree_add(&root, &n->node, less); bpf_spin_unlock(&lock); n->vtime = 1;",
     "which the bpf_spin_unlock at instruction"},
    {"node_added_twice",
     NEW_NODE "bpf_spin_lock(&lock); bpf_rbtree_add(&root, &n->node, less); bpf_rbtree_add(&root, &n->node, less);\n"
     "bpf_spin_unlock(&lock);",
     "must be an owning reference (from bpf_obj_new or bpf_rbtree_remove), but R2 is a node already in an rbtree"},
    {"kptr_read_directly",
     "s = bpf_map_lookup_elem(&spares, &zero); if (s && s->spare) scx_bpf_error(\"spare\");",
     "direct read of the __kptr field at offset 0 of a value of map `spares`; move its object in and out with bpf_kptr_xchg"},
    {"obj_drop_under_lock",
     NEW_NODE "bpf_spin_lock(&lock); bpf_obj_drop(n); bpf_spin_unlock(&lock);",
     "calling bpf_obj_drop_impl while holding the spin lock"},
    {"remove_of_an_owned_node",
     NEW_NODE "bpf_spin_lock(&lock); rb = bpf_rbtree_remove(&root, &n->node); bpf_spin_unlock(&lock);\n"
     "bpf_obj_drop(n); if (rb) bpf_obj_drop(container_of(rb, struct tnode, node));",
     "must be a node of the tree (from bpf_rbtree_first), but R2 is an owning reference, in no tree"},
};

// The first refusal's text, or "" when every callback verifies.
std::string verify_source(const std::string& clang, const Case& c) {
  const std::string src = std::string(kPrelude) + "\t" + c.body + "\n" + kEpilogue;
  return test::first_refusal(clang, std::string("local_objects_") + c.name, src);
}

TEST(LocalObjectsVerify, AcceptedShapesVerifyAndEachRefusalNamesItsRule) {
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
