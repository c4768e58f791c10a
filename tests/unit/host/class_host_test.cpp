// The class host on a real Core with the native policy factory: classes due
// at the start load at once, later steps come back through the substrate's
// hooks, a refused load is noted without failing the run, a replacement
// and an unload change the chain, and tasks find their class by name.
#include "host/class_host.h"

#include <gtest/gtest.h>

namespace ups::host {
namespace {

// The substrate's side: remembers what the host and the core asked for.
struct Substrate : CoreHooks, ClassHostHooks {
  void resched_cpu(CpuId) override {}
  void arm_timer(ClassId, u64, TimeNs) override {}
  void cancel_timer(ClassId, u64) override {}
  void schedule_class_step(u32 step, TimeNs at) override { steps.emplace_back(step, at); }
  void class_loaded(const std::string& name, ClassId id) override { loaded.emplace_back(name, id); }
  void class_replaced(const std::string& name, ClassId id, const std::string& label) override {
    replaced.emplace_back(label, id);
  }
  std::vector<std::pair<u32, TimeNs>> steps;
  std::vector<std::pair<std::string, ClassId>> loaded, replaced;
};

struct Fixture {
  Fixture() : core(*Topology::make(2), CoreConfig{}, substrate), host(core, native_policy_factory(), substrate, "t.toml") {}
  Substrate substrate;
  Core core;
  ClassHost host;
};

workload::ClassDecl decl(std::string name, std::string policy, TimeNs load_at = 0) {
  workload::ClassDecl d;
  d.name = std::move(name);
  d.policy = std::move(policy);
  d.load_at = load_at;
  d.line = 7;
  return d;
}

TEST(ClassHost, PolicyClassesLoadAtOnceInChainOrder) {
  Fixture f;
  auto st = f.host.start({"fifo", "fair", "simple"}, Principal{}, {}, 0);
  ASSERT_TRUE(st) << st.error().to_string();
  ASSERT_EQ(f.substrate.loaded.size(), 2u);  // fair is built in: nothing to load
  EXPECT_EQ(f.substrate.loaded[0].first, "fifo");
  EXPECT_EQ(f.substrate.loaded[1].first, "simple");
  EXPECT_TRUE(f.substrate.steps.empty());
  // The first --policy class is the default of groups that name none.
  EXPECT_EQ(f.host.class_name_for(""), "fifo");
  EXPECT_EQ(f.host.class_for(""), f.substrate.loaded[0].second);
  EXPECT_EQ(f.host.class_for("simple"), f.substrate.loaded[1].second);
  EXPECT_EQ(f.host.class_for("nobody"), f.core.fair_class());
  EXPECT_EQ(f.host.still_loaded_reports(0).size(), 2u);
}

TEST(ClassHost, SecondClassOfOnePolicyIsRefusedAtTheStart) {
  Fixture f;
  auto st = f.host.start({"fifo", "fifo"}, Principal{}, {}, 0);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().to_string().find("already loaded"), std::string::npos) << st.error().to_string();
  EXPECT_EQ(f.substrate.loaded.size(), 1u);
}

TEST(ClassHost, UnknownPolicyFailsBeforeTheRunAtItsLine) {
  Fixture f;
  auto st = f.host.start({}, Principal{}, {decl("late", "no_such_policy", 5 * kNsPerMs)}, 0);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().where.line, 7);
  EXPECT_NE(st.error().message.find("no_such_policy"), std::string::npos);
  EXPECT_TRUE(f.substrate.loaded.empty());
}

TEST(ClassHost, LaterStepsComeBackThroughTheSubstrate) {
  Fixture f;
  workload::ClassDecl d = decl("batch", "fifo", 10 * kNsPerMs);
  d.replace_at = 20 * kNsPerMs;
  d.replace_with = "simple";
  d.unload_at = 30 * kNsPerMs;
  ASSERT_TRUE(f.host.start({}, Principal{}, {d}, 0));
  ASSERT_EQ(f.substrate.steps.size(), 3u);
  EXPECT_EQ(f.substrate.steps[0].second, 10 * kNsPerMs);
  EXPECT_EQ(f.substrate.steps[1].second, 20 * kNsPerMs);
  EXPECT_EQ(f.substrate.steps[2].second, 30 * kNsPerMs);
  EXPECT_EQ(f.host.class_for("batch"), f.core.fair_class());  // not loaded yet

  f.host.apply_step(f.substrate.steps[0].first, 10 * kNsPerMs);
  ASSERT_EQ(f.substrate.loaded.size(), 1u);
  const ClassId first = f.substrate.loaded[0].second;
  EXPECT_EQ(f.host.class_for("batch"), first);

  f.host.apply_step(f.substrate.steps[1].first, 20 * kNsPerMs);
  ASSERT_EQ(f.substrate.replaced.size(), 1u);
  EXPECT_EQ(f.substrate.replaced[0].first, "batch/simple");
  EXPECT_FALSE(f.core.class_loaded(first));
  EXPECT_EQ(f.host.class_for("batch"), f.substrate.replaced[0].second);
  EXPECT_EQ(f.host.still_loaded_reports(25 * kNsPerMs).size(), 1u);

  f.host.apply_step(f.substrate.steps[2].first, 30 * kNsPerMs);
  EXPECT_EQ(f.host.class_for("batch"), f.core.fair_class());
  EXPECT_TRUE(f.host.still_loaded_reports(30 * kNsPerMs).empty());
  EXPECT_TRUE(f.host.refused().empty());
}

TEST(ClassHost, RefusedLoadDuringTheRunIsNotedAndTheRunGoesOn) {
  Fixture f;
  // Two classes of one name: the second load is refused by the core.
  ASSERT_TRUE(f.host.start({}, Principal{}, {decl("a", "fifo"), decl("b", "fifo", 5 * kNsPerMs)}, 0));
  ASSERT_EQ(f.substrate.steps.size(), 1u);
  f.host.apply_step(f.substrate.steps[0].first, 30 * kNsPerMs);
  ASSERT_EQ(f.host.refused().size(), 1u);
  EXPECT_EQ(f.host.refused()[0].rfind("at 0.030000000s: ", 0), 0u) << f.host.refused()[0];
  EXPECT_EQ(f.host.class_for("b"), f.core.fair_class());
  EXPECT_NE(f.host.class_for("a"), f.core.fair_class());
  auto reports = f.host.still_loaded_reports(40 * kNsPerMs);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, ExitKind::unreg_kern);
  EXPECT_EQ(reports[0].at, 40 * kNsPerMs);
}

}  // namespace
}  // namespace ups::host
