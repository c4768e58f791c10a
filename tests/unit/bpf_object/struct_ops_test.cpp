// The `.struct_ops.link` table of tests/bpf_objects/struct_ops.bpf.c: which
// program implements which callback (bound by member name) and the data
// fields.
#include "test_objects.h"

namespace ups::bpf {
namespace {

class StructOpsTest : public ::testing::TestWithParam<std::string> {
protected:
  Object load() const { return test::load_ok(test::bpf_object_path("struct_ops", GetParam()), {}); }
};

TEST_P(StructOpsTest, CallbacksBoundByMemberName) {
  Object obj = load();
  ASSERT_EQ(obj.struct_ops().size(), 1u);
  const StructOps& ops = obj.struct_ops()[0];
  EXPECT_EQ(ops.var_name, "test_ops");
  EXPECT_EQ(ops.type_name, "sched_ext_ops");
  EXPECT_EQ(ops.section, ".struct_ops.link");
  EXPECT_TRUE(ops.link);
  std::map<std::string, std::string> bound;
  for (const auto& [member, prog] : ops.callbacks) bound[member] = obj.programs()[prog].name;
  EXPECT_EQ(bound, (std::map<std::string, std::string>{{"select_cpu", "my_select_cpu"},
                                                       {"enqueue", "my_enqueue"},
                                                       {"dispatch", "my_dispatch"},
                                                       {"init", "my_init"}}));
  EXPECT_EQ(test::program(obj, "my_enqueue").callback, "enqueue");
  EXPECT_EQ(test::program(obj, "my_enqueue").section, "struct_ops/enqueue");
}

TEST_P(StructOpsTest, SleepableFromSectionName) {
  Object obj = load();
  EXPECT_TRUE(test::program(obj, "my_init").sleepable);
  EXPECT_FALSE(test::program(obj, "my_dispatch").sleepable);
}

TEST_P(StructOpsTest, DataFields) {
  Object obj = load();
  ASSERT_EQ(obj.struct_ops().size(), 1u);
  const StructOps& ops = obj.struct_ops()[0];
  EXPECT_EQ(ops.name, "test_ops");
  EXPECT_EQ(ops.flags, 4u);
  EXPECT_EQ(ops.timeout_ms, 5000u);
  EXPECT_EQ(ops.dispatch_max_batch, 16u);
  EXPECT_EQ(ops.exit_dump_len, 0u);
}

TEST_P(StructOpsTest, UnknownNonZeroMemberIsAnErrorNamingIt) {
  auto obj = load_object_file(test::bpf_object_path("struct_ops_unknown_member", GetParam()));
  ASSERT_FALSE(obj);
  EXPECT_EQ(obj.error().kind, ErrorKind::unsupported);
  std::string msg = obj.error().to_string();
  EXPECT_NE(msg.find("struct_ops bad_ops.sub_cgroup_id: member is set, but upsched does not support it"),
            std::string::npos) << msg;
}

UPS_INSTANTIATE_FOR_EACH_CLANG(StructOpsTest);

}  // namespace
}  // namespace ups::bpf
