// Cgroups in the verifier, through the host's own tables (the kernel-type
// table's struct cgroup, the kfunc rows, the callbacks' cgroup arguments):
// scx_pair's pattern verifies; a cgroup reference not released, a release
// of a pointer never acquired, an unchecked possibly-NULL cgroup and a read
// out of struct cgroup's bounds are refused, each saying so. Cgroup storage
// (bpf_cgrp_storage_get/delete, scx_flatcg's pattern) takes a live cgroup
// pointer: a task pointer, a released cgroup or a map of another type is
// refused.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>

#include "verify_source.h"
#include "policy/api_sets.h"
#include "test_paths.h"

namespace ups::policy {
namespace {

const std::string kEnqueue = "void BPF_STRUCT_OPS(t_enqueue, struct task_struct *p, u64 enq_flags)";
const std::string kInit = "s32 BPF_STRUCT_OPS(t_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)";
const std::string kExit = "void BPF_STRUCT_OPS(t_cgroup_exit, struct cgroup *cgrp)";
const std::string kInsert = "scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);";

// The verdict on an object with `enqueue`, `cgroup_init`, `cgroup_exit`
// bodies: "" or the first refusal.
std::string verdict(const std::string& clang, const std::string& name, const std::string& enqueue,
                    const std::string& init = "return 0;", const std::string& exit = "",
                    const std::string& prelude = "") {
  const std::string src = "#include <scx/common.bpf.h>\n"
                          "char _license[] SEC(\"license\") = \"GPL\";\n"
                          "u64 seen;\n"
                          "struct {\n"
                          "  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE);\n"
                          "  __uint(map_flags, BPF_F_NO_PREALLOC);\n"
                          "  __type(key, int);\n"
                          "  __type(value, u64);\n"
                          "} cg_store SEC(\".maps\");\n"
                          "struct {\n"
                          "  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);\n"
                          "  __uint(map_flags, BPF_F_NO_PREALLOC);\n"
                          "  __type(key, int);\n"
                          "  __type(value, u64);\n"
                          "} task_store SEC(\".maps\");\n" + prelude +
                          kEnqueue + " {\n" + enqueue + "\n}\n" + kInit + " {\n" + init + "\n}\n" + kExit +
                          " {\n" + exit + "\n}\n"
                          "SCX_OPS_DEFINE(t_ops, .enqueue = (void *)t_enqueue, .cgroup_init = (void *)t_cgroup_init,\n"
                          "               .cgroup_exit = (void *)t_cgroup_exit, .name = \"t\");\n";
  return test::first_refusal(clang, name, src);
}

class CgroupVerify : public ::testing::TestWithParam<std::string> {};

TEST_P(CgroupVerify, ScxPairsPatternVerifies) {
  EXPECT_EQ(verdict(GetParam(), "cg_ok",
                    "struct cgroup *cgrp = scx_bpf_task_cgroup(p);\n"
                    "seen = cgrp->kn->id + cgrp->level;\n"
                    "bpf_cgroup_release(cgrp);\n" + kInsert,
                    "struct cgroup *a = bpf_cgroup_ancestor(cgrp, 0);\n"
                    "if (a) { seen = a->kn->id; bpf_cgroup_release(a); }\n"
                    "a = bpf_cgroup_from_id(cgrp->kn->id);\n"
                    "if (a) { seen += args->weight; bpf_cgroup_release(a); }\n"
                    "return 0;",
                    "seen = cgrp->kn->id;"),
            "");
}

TEST_P(CgroupVerify, AReferenceNotReleasedIsRefused) {
  const std::string v = verdict(GetParam(), "cg_leak",
                                "struct cgroup *cgrp = scx_bpf_task_cgroup(p);\n"
                                "seen = cgrp->kn->id;\n" + kInsert);
  EXPECT_NE(v.find("the reference from scx_bpf_task_cgroup"), std::string::npos) << v;
  EXPECT_NE(v.find("is not released"), std::string::npos) << v;
}

TEST_P(CgroupVerify, ReleasingTheCallbacksOwnCgroupIsRefused) {
  const std::string v = verdict(GetParam(), "cg_release_arg", kInsert, "return 0;", "bpf_cgroup_release(cgrp);");
  EXPECT_NE(v.find("must be a reference acquired earlier"), std::string::npos) << v;
}

TEST_P(CgroupVerify, AnUncheckedCgroupFromIdIsRefused) {
  const std::string v = verdict(GetParam(), "cg_from_id", kInsert,
                                "struct cgroup *a = bpf_cgroup_from_id(2);\n"
                                "seen = a->level;\n"
                                "bpf_cgroup_release(a);\n"
                                "return 0;");
  EXPECT_NE(v.find("may be NULL"), std::string::npos) << v;
}

TEST_P(CgroupVerify, AReadOutOfStructCgroupIsRefused) {
  // Past ancestors[] (16 levels): 24 + 16 * 8 = 152 bytes.
  const std::string v = verdict(GetParam(), "cg_oob", kInsert, "seen = *(volatile u64 *)((char *)cgrp + 160);\nreturn 0;");
  EXPECT_NE(v.find("out of bounds: 8 bytes at offset 160 of struct cgroup"), std::string::npos) << v;
}

// scx_flatcg: the value made in cgroup_init, found from the task's cgroup
// in enqueue, deleted in cgroup_exit.
TEST_P(CgroupVerify, CgroupStorageOfALiveCgroupVerifies) {
  EXPECT_EQ(verdict(GetParam(), "cg_store_ok",
                    "struct cgroup *cgrp = scx_bpf_task_cgroup(p);\n"
                    "u64 *v = bpf_cgrp_storage_get(&cg_store, cgrp, 0, 0);\n"
                    "if (v) seen = *v;\n"
                    "bpf_cgroup_release(cgrp);\n" + kInsert,
                    "u64 *v = bpf_cgrp_storage_get(&cg_store, cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);\n"
                    "if (!v) return -12;\n"
                    "*v = args->weight;\n"
                    "return 0;",
                    "bpf_cgrp_storage_delete(&cg_store, cgrp);"),
            "");
}

TEST_P(CgroupVerify, CgroupStorageOfATaskIsRefused) {
  const std::string v = verdict(GetParam(), "cg_store_task",
                                "u64 *v = bpf_cgrp_storage_get(&cg_store, (struct cgroup *)p, 0, 0);\n"
                                "if (v) seen = *v;\n" + kInsert);
  EXPECT_NE(v.find("bpf_cgrp_storage_get"), std::string::npos) << v;
  EXPECT_NE(v.find("must be a pointer to struct cgroup, but R2 is a pointer to struct task_struct"), std::string::npos) << v;
}

TEST_P(CgroupVerify, CgroupStorageOfAReleasedCgroupIsRefused) {
  const std::string v = verdict(GetParam(), "cg_store_released",
                                "struct cgroup *cgrp = scx_bpf_task_cgroup(p);\n"
                                "bpf_cgroup_release(cgrp);\n"
                                "u64 *v = bpf_cgrp_storage_get(&cg_store, cgrp, 0, 0);\n"
                                "if (v) seen = *v;\n" + kInsert);
  EXPECT_NE(v.find("has been released"), std::string::npos) << v;
}

TEST_P(CgroupVerify, CgroupStorageHelperOnATaskStorageMapIsRefused) {
  const std::string v = verdict(GetParam(), "cg_store_wrong_map", kInsert, "return 0;",
                                "bpf_cgrp_storage_delete(&task_store, cgrp);");
  EXPECT_NE(v.find("cannot be used with map `task_store`, a task_storage map"), std::string::npos) << v;
}

// scx_flatcg's cgrp_cap_budget(), when the compiler does not inline it: a
// static function called with a bpf_spin_lock held (Linux 6.9+); a global
// one is refused there, as Linux does, unless it is hidden.
const std::string kLockedStore =
    "struct cg_lock { struct bpf_spin_lock lock; u64 v; };\n"
    "struct {\n"
    "  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE);\n"
    "  __uint(map_flags, BPF_F_NO_PREALLOC);\n"
    "  __type(key, int);\n"
    "  __type(value, struct cg_lock);\n"
    "} cg_locked SEC(\".maps\");\n"
    "static __attribute__((noinline)) void bump_static(struct cg_lock *c) { c->v++; }\n"
    "__attribute__((noinline)) int bump_global(struct cg_lock *c) { c->v++; return 0; }\n"
    "__hidden __attribute__((noinline)) int bump_hidden(struct cg_lock *c) { c->v++; return 0; }\n";

std::string bump_under_lock(const std::string& call) {
  return "struct cgroup *cgrp = scx_bpf_task_cgroup(p);\n"
         "struct cg_lock *c = bpf_cgrp_storage_get(&cg_locked, cgrp, 0, 0);\n"
         "if (c) {\n"
         "  bpf_spin_lock(&c->lock);\n"
         "  " + call + ";\n"
         "  bpf_spin_unlock(&c->lock);\n"
         "}\n"
         "bpf_cgroup_release(cgrp);\n" + kInsert;
}

TEST_P(CgroupVerify, AStaticFunctionMayBeCalledUnderALock) {
  EXPECT_EQ(verdict(GetParam(), "lock_static", bump_under_lock("bump_static(c)"), "return 0;", "", kLockedStore), "");
}

// libbpf's rule: a global function of hidden visibility (`__hidden`, as
// scx_sdt's allocator calls under its lock) counts as static.
TEST_P(CgroupVerify, AHiddenGlobalFunctionMayBeCalledUnderALock) {
  EXPECT_EQ(verdict(GetParam(), "lock_hidden", bump_under_lock("bump_hidden(c)"), "return 0;", "", kLockedStore), "");
}

TEST_P(CgroupVerify, AGlobalFunctionUnderALockIsRefused) {
  const std::string v =
      verdict(GetParam(), "lock_global", bump_under_lock("bump_global(c)"), "return 0;", "", kLockedStore);
  EXPECT_NE(v.find("calling the global function"), std::string::npos) << v;
  EXPECT_NE(v.find("only static functions may be called there"), std::string::npos) << v;
}

INSTANTIATE_TEST_SUITE_P(Clangs, CgroupVerify, ::testing::ValuesIn(test::test_clangs()),
                         [](const auto& info) {
                           std::string n = std::filesystem::path(info.param).filename().string();
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace ups::policy
