// CO-RE: tests/bpf_objects/core.bpf.c is built against a "vmlinux" whose
// task_struct differs from the host's below (other offsets, a wider
// `prio`, no `legacy_field`, another enum value); the loader must patch
// every access with the host's layout, by name.
#include "test_objects.h"

namespace ups::bpf {
namespace {

HostTypes test_host() {
  HostTypes h;
  h.add_struct(HostStruct{"task_struct", 512,
                          {HostField{"prio", 8, 8, false, "", 0},
                           HostField{"pid", 100, 4, true, "", 0},
                           HostField{"scx", 200, 64, false, "sched_ext_entity", 0}}});
  h.add_struct(HostStruct{"sched_ext_entity", 64,
                          {HostField{"flags", 0, 4, false, "", 0},
                           HostField{"dsq_vtime", 8, 8, false, "", 0},
                           HostField{"slice", 16, 8, false, "", 0}}});
  h.add_enum(HostEnum{"scx_enq_flags", {{"SCX_ENQ_WAKEUP", 1}, {"SCX_ENQ_HEAD", 0x20}}});
  return h;
}

class CoreTest : public ::testing::TestWithParam<std::string> {
protected:
  Object load(const HostTypes* host) const {
    LoadOptions o;
    o.host = host;
    return test::load_ok(test::bpf_object_path("core", GetParam()), o);
  }
};

TEST_P(CoreTest, ConstantRelocationsTakeTheHostsValues) {
  HostTypes host = test_host();
  Object obj = load(&host);
  struct Row { const char* prog; s64 value; };
  for (auto r : {Row{"off_pid", 100}, Row{"size_slice", 8}, Row{"signed_pid", 1},
                 Row{"exists_legacy", 0}, Row{"exists_pid", 1}, Row{"type_size_task", 512},
                 Row{"type_exists_missing", 0}, Row{"enum_wakeup", 0x20}, Row{"enum_missing", 0}})
    EXPECT_EQ(test::returned_constant(test::program(obj, r.prog)), r.value) << r.prog;
}

TEST_P(CoreTest, LoadsUseHostOffsetsAndWidths) {
  HostTypes host = test_host();
  Object obj = load(&host);
  const Insn* pid = test::first_load(test::program(obj, "read_pid"));
  ASSERT_TRUE(pid);
  EXPECT_EQ(pid->off, 100);
  EXPECT_EQ(pid->opcode & op::SIZE_MASK, op::W);
  const Insn* prio = test::first_load(test::program(obj, "read_prio"));
  ASSERT_TRUE(prio);
  EXPECT_EQ(prio->off, 8);
  EXPECT_EQ(prio->opcode & op::SIZE_MASK, op::DW);  // u32 locally, u64 on the host
  const Insn* slice = test::first_load(test::program(obj, "read_slice"));
  ASSERT_TRUE(slice);
  EXPECT_EQ(slice->off, 216);  // scx (200) + slice (16)
  // task_struct___old is task_struct; its 8-byte pid is 4 bytes on the host.
  const Insn* old_pid = test::first_load(test::program(obj, "read_old_pid"));
  ASSERT_TRUE(old_pid);
  EXPECT_EQ(old_pid->off, 100);
  EXPECT_EQ(old_pid->opcode & op::SIZE_MASK, op::W);
}

TEST_P(CoreTest, GuardedMissingFieldLoadsWithThePoisonedAccessRecorded) {
  HostTypes host = test_host();
  Object obj = load(&host);
  const Program& g = test::program(obj, "guarded");
  ASSERT_EQ(g.poisoned.size(), 1u);
  auto [at, why] = *g.poisoned.begin();
  EXPECT_NE(why.find("task_struct.legacy_field"), std::string::npos) << why;
  EXPECT_TRUE(test::is_call(g.code[at]));
  EXPECT_EQ(g.code[at].imm, kPoisonCoreHelper);
}

TEST_P(CoreTest, UnguardedMissingFieldIsAnErrorNamingFieldAndInstruction) {
  HostTypes host = test_host();
  LoadOptions o;
  o.host = &host;
  auto obj = load_object_file(test::bpf_object_path("core_unguarded", GetParam()), o);
  ASSERT_FALSE(obj);
  std::string msg = obj.error().to_string();
  EXPECT_NE(msg.find("field task_struct.legacy_field does not exist on the host"), std::string::npos) << msg;
  EXPECT_NE(msg.find("section tc instruction 0 (core_unguarded.bpf.c:"), std::string::npos) << msg;
}

TEST_P(CoreTest, WithoutAHostTheObjectsOwnLayoutIsUsed) {
  Object obj = load(nullptr);
  EXPECT_EQ(test::returned_constant(test::program(obj, "off_pid")), 8);
  EXPECT_EQ(test::returned_constant(test::program(obj, "exists_legacy")), 1);
  EXPECT_EQ(test::returned_constant(test::program(obj, "enum_wakeup")), 16);
  EXPECT_TRUE(test::program(obj, "guarded").poisoned.empty());
}

UPS_INSTANTIATE_FOR_EACH_CLANG(CoreTest);

}  // namespace
}  // namespace ups::bpf
