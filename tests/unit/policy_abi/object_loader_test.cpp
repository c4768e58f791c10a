// The project's object loader (src/bpf/object) loads every policy against
// upsched's own types and kfunc table: the ops table binds by member name,
// every kfunc extern resolves through find_kfunc(), every CO-RE relocation
// resolves against host_types(), and parameters can be set. A policy built
// against a different task_struct layout is relocated onto ours.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "bpf/object/object.h"
#include "bpf_compile.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kernel_abi/scx_api.h"
#include "policy/kfuncs.h"
#include "policy_cases.h"
#include "test_paths.h"

namespace ups::kabi {
namespace {

using policy::find_kfunc;
using policy::kfuncs;

namespace fs = std::filesystem;

bpf::LoadOptions host_options(const std::string& file) {
  bpf::LoadOptions o;
  o.file_name = file;
  o.host = &host_types();
  o.kfunc_lookup = [](std::string_view name) -> std::optional<u32> {
    const KfuncInfo* k = find_kfunc(name);
    if (!k) return std::nullopt;
    return static_cast<u32>(k - kfuncs().data());
  };
  return o;
}

struct Param {
  PolicyCase policy;
  std::string suffix;  // ".bpf.o" or ".clang-19.bpf.o"
};

std::vector<Param> params() {
  std::vector<Param> out;
  for (const auto& c : policy_cases())
    for (const auto& clang : test::test_clangs()) {
      std::string tag = fs::path(clang).filename();
      out.push_back({c, tag == "clang-14" ? ".bpf.o" : "." + tag + ".bpf.o"});
    }
  return out;
}

class LoadedPolicy : public ::testing::TestWithParam<Param> {};

TEST_P(LoadedPolicy, LoadsAgainstTheHostWithNothingUnresolved) {
  if (!UPS_POLICIES_BUILT) GTEST_SKIP() << "configured with UPS_BUILD_POLICIES=OFF";
  const auto& p = GetParam();
  const std::string path = test::policy_dir() + "/" + p.policy.file + p.suffix;
  auto obj = bpf::load_object_file(path, host_options(path));
  ASSERT_TRUE(obj.has_value()) << obj.error().message;

  ASSERT_EQ(obj->struct_ops().size(), 1u);
  const auto& ops = obj->struct_ops()[0];
  EXPECT_EQ(ops.type_name, "sched_ext_ops");
  EXPECT_TRUE(ops.link);
  EXPECT_EQ(ops.name, p.policy.ops_name);
  EXPECT_EQ(ops.flags, p.policy.flags);
  EXPECT_EQ(ops.timeout_ms, p.policy.timeout_ms);
  Names bound;
  for (const auto& [member, prog] : ops.callbacks) {
    bound.insert(member);
    ASSERT_LT(prog, obj->programs().size());
    EXPECT_EQ(obj->programs()[prog].callback, member);
  }
  EXPECT_EQ(bound, p.policy.callbacks);

  for (const auto& prog : obj->programs()) {
    for (const auto& [slot, why] : prog.poisoned)
      ADD_FAILURE() << p.policy.file << ": " << prog.name << " slot " << slot << ": " << why;
    for (const auto& [index, name] : prog.kfuncs) {
      ASSERT_LT(index, kfuncs().size()) << name;
      EXPECT_EQ(find_kfunc(name), &kfuncs()[index]) << name;
    }
  }
  EXPECT_EQ(obj->license(), "GPL");
}

INSTANTIATE_TEST_SUITE_P(Policies, LoadedPolicy, ::testing::ValuesIn(params()),
                         [](const auto& info) {
                           return std::string(info.param.policy.file) +
                                  (info.param.suffix == ".bpf.o" ? "_clang14" : "_clang19");
                         });

TEST(LoadedPolicy, SimpleTakesFifoSchedAsAParameter) {
  if (!UPS_POLICIES_BUILT) GTEST_SKIP() << "configured with UPS_BUILD_POLICIES=OFF";
  const std::string path = test::policy_dir() + "/simple.bpf.o";
  auto obj = bpf::load_object_file(path, host_options(path));
  ASSERT_TRUE(obj.has_value()) << obj.error().message;
  const std::byte one{1};
  EXPECT_TRUE(obj->set_rodata("fifo_sched", std::span<const std::byte>(&one, 1)).has_value());
  EXPECT_FALSE(obj->set_rodata("vtime_now", std::span<const std::byte>(&one, 1)).has_value())
      << "vtime_now is not a parameter";
}

// A policy compiled against another kernel's layout: task_struct with the
// same field names at other offsets. After loading against host_types(),
// its loads must use upsched's offsets.
constexpr const char* kForeignLayout = R"(
typedef unsigned long long u64;
typedef unsigned int u32;
typedef int s32;
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct sched_ext_entity { u64 dsq_vtime; char pad[40]; u32 weight; u64 slice; };
struct task_struct { char other[1000]; struct sched_ext_entity scx; int x; s32 pid; };
#pragma clang attribute pop
#define SEC(n) __attribute__((section(n), used))
char _license[] SEC("license") = "GPL";
SEC("struct_ops/foreign_running") void foreign_running(unsigned long long *ctx)
{
	struct task_struct *p = (void *)ctx[0];
	volatile u64 sink;
	sink = p->pid;
	sink = p->scx.weight;
	p->scx.dsq_vtime = sink + p->scx.slice;
}
)";

class ForeignLayout : public ::testing::TestWithParam<std::string> {};

TEST_P(ForeignLayout, FieldAccessesAreRelocatedOntoTheHostLayout) {
  auto built = test::compile_bpf(GetParam(), "foreign_layout", kForeignLayout);
  ASSERT_TRUE(built.error.empty()) << built.error;
  auto obj = bpf::load_object_file(built.object, host_options(built.object));
  ASSERT_TRUE(obj.has_value()) << obj.error().message;
  const bpf::Program* prog = obj->find_program("foreign_running");
  ASSERT_NE(prog, nullptr);
  EXPECT_TRUE(prog->poisoned.empty());

  std::set<s64> load_offsets, store_offsets;
  for (const auto& insn : prog->code) {
    const u8 cls = insn.opcode & 0x07;
    if (cls == 0x01 /*LDX*/) load_offsets.insert(insn.off);
    if (cls == 0x03 /*STX*/ && insn.dst() != 10) store_offsets.insert(insn.off);
  }
  const s64 pid = offsetof(TaskStruct, pid);
  const s64 scx = offsetof(TaskStruct, scx);
  EXPECT_TRUE(load_offsets.count(pid)) << "p->pid not read at " << pid;
  EXPECT_TRUE(load_offsets.count(scx + offsetof(SchedExtEntity, weight)));
  EXPECT_TRUE(load_offsets.count(scx + offsetof(SchedExtEntity, slice)));
  EXPECT_TRUE(store_offsets.count(scx + offsetof(SchedExtEntity, dsq_vtime)))
      << "p->scx.dsq_vtime not written at its host offset";
  // The foreign offsets are gone.
  EXPECT_FALSE(load_offsets.count(1068)) << "foreign pid offset survived";  // 1000 + 64 + 4
}

INSTANTIATE_TEST_SUITE_P(Clangs, ForeignLayout, ::testing::ValuesIn(test::test_clangs()),
                         [](const auto& info) { return test::clang_test_name(info.param); });

}  // namespace
}  // namespace ups::kabi
