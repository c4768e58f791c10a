// Cgroups in the core: the tree (paths, weights, levels, ancestors), tasks
// placed and moved, and the order in which a loaded class hears of it all
// (Linux's ext.c: cgroup_init parents first before any init_task,
// cgroup_exit children first, prep_move / move / cancel_move).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_driver.h"

namespace ups::test {
namespace {

// Records every cgroup callback (and init_task with its cgroup) as a line.
class CgroupRecorder final : public SchedOps {
public:
  explicit CgroupRecorder(std::vector<std::string>& log) : log_(log) { cfg_.name = "rec"; }
  const OpsConfig& config() const override { return cfg_; }
  s32 init_task(ScxContext&, Task& p, const InitTaskArgs& a) override {
    log_.push_back("init_task " + std::string(p.comm.data()) + " " + (a.cgroup ? a.cgroup->path : "null"));
    return 0;
  }
  s32 cgroup_init(ScxContext&, const Cgroup& cg, const CgroupInitArgs& a) override {
    log_.push_back("cgroup_init " + cg.path + " " + std::to_string(a.weight));
    return cg.path == refuse_init ? -16 : 0;
  }
  void cgroup_exit(ScxContext&, const Cgroup& cg) override { log_.push_back("cgroup_exit " + cg.path); }
  s32 cgroup_prep_move(ScxContext&, Task& p, const Cgroup& from, const Cgroup& to) override {
    log_.push_back("prep_move " + std::string(p.comm.data()) + " " + from.path + " " + to.path);
    return std::string(p.comm.data()) == refuse_move ? -1 : 0;
  }
  void cgroup_move(ScxContext&, Task& p, const Cgroup& from, const Cgroup& to) override {
    log_.push_back("move " + std::string(p.comm.data()) + " " + from.path + " " + to.path);
  }
  void cgroup_cancel_move(ScxContext&, Task& p, const Cgroup& from, const Cgroup& to) override {
    log_.push_back("cancel_move " + std::string(p.comm.data()) + " " + from.path + " " + to.path);
  }
  void cgroup_set_weight(ScxContext&, const Cgroup& cg, u32 w) override {
    log_.push_back("set_weight " + cg.path + " " + std::to_string(w));
  }
  void exit(ScxContext&, const ExitReport&) override { log_.push_back("exit"); }

  std::string refuse_init;  // cgroup_init of this path fails
  std::string refuse_move;  // prep_move of this task fails

private:
  OpsConfig cfg_;
  std::vector<std::string>& log_;
};

using Log = std::vector<std::string>;

TEST(CgroupTree, PathsWeightsLevelsAncestors) {
  CgroupTree t;
  EXPECT_EQ(t.root().id, kRootCgroupId);
  EXPECT_EQ(t.root().path, "/");
  auto a = t.create("/a", 200);
  ASSERT_TRUE(a.has_value());
  auto ab = t.create("/a/b", 50);
  ASSERT_TRUE(ab.has_value());
  EXPECT_EQ((*ab)->level, 2);
  EXPECT_EQ((*ab)->weight, 50u);
  EXPECT_EQ((*ab)->ancestor(0), &t.root());
  EXPECT_EQ((*ab)->ancestor(1), *a);
  EXPECT_EQ((*ab)->ancestor(2), *ab);
  EXPECT_EQ((*ab)->ancestor(3), nullptr);
  EXPECT_EQ(t.find("/a/b"), *ab);
  EXPECT_EQ(t.find((*ab)->id), *ab);
  EXPECT_EQ(t.size(), 3u);
}

TEST(CgroupTree, RefusesBadPathsAndWeights) {
  CgroupTree t;
  struct Case {
    const char* path;
    u32 weight;
    const char* says;
  } cases[] = {
      {"a", 100, "must begin with '/'"},
      {"/a/", 100, "must not end with '/'"},
      {"/a//b", 100, "empty name"},
      {"/..", 100, "'.' and '..'"},
      {"/a b", 100, "outside [A-Za-z0-9_.-]"},
      {"/x/y", 100, "its parent '/x' does not exist"},
      {"/a", 0, "outside 1..10000"},
      {"/a", 10001, "outside 1..10000"},
      {"/", 100, "exists already"},
  };
  for (const auto& c : cases) {
    auto r = t.create(c.path, c.weight);
    ASSERT_FALSE(r.has_value()) << c.path;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

TEST(CgroupTree, RemoveOnlyEmptyLeaves) {
  CgroupTree t;
  Cgroup* a = *t.create("/a", 100);
  Cgroup* b = *t.create("/a/b", 100);
  EXPECT_FALSE(t.check_removable(t.root()).has_value());
  EXPECT_FALSE(t.check_removable(*a).has_value());  // has a child
  b->nr_tasks = 1;
  EXPECT_FALSE(t.check_removable(*b).has_value());  // has a task
  b->nr_tasks = 0;
  EXPECT_TRUE(t.check_removable(*b).has_value());
  t.remove(*b);
  EXPECT_EQ(t.find("/a/b"), nullptr);
  EXPECT_TRUE(t.check_removable(*a).has_value());
}

TEST(CoreCgroups, TasksStartInTheRootAndMove) {
  TestDriver d(2);
  Task* t = d.spawn(Behaviour::hog(), spec("t"));
  EXPECT_EQ(t->cgroup->id, kRootCgroupId);
  const CgroupId a = *d.core().create_cgroup("/a", 300, d.now());
  ASSERT_TRUE(d.core().move_task_cgroup(*t, a, d.now()).has_value());
  EXPECT_EQ(t->cgroup->path, "/a");
  EXPECT_EQ(d.core().find_cgroup(a)->nr_tasks, 1u);
  EXPECT_EQ(d.core().find_cgroup(kRootCgroupId)->nr_tasks, 0u);
  auto busy = d.core().remove_cgroup("/a", d.now());
  ASSERT_FALSE(busy.has_value());
  EXPECT_NE(busy.error().message.find("still has 1 task"), std::string::npos);
  d.run_for(10 * kNsPerMs);
}

TEST(CoreCgroups, LoadInitsCgroupsParentFirstBeforeTasks) {
  TestDriver d(2);
  ASSERT_TRUE(d.core().create_cgroup("/a", 200, d.now()).has_value());
  ASSERT_TRUE(d.core().create_cgroup("/b", 100, d.now()).has_value());
  const CgroupId ab = *d.core().create_cgroup("/a/x", 50, d.now());
  TaskSpec s = spec("t");
  s.cgroup = ab;
  auto t = d.core().create_task(s, d.now());
  ASSERT_TRUE(t.has_value());
  Log log;
  const ClassId cls = *d.load(std::make_unique<CgroupRecorder>(log));
  ASSERT_TRUE(d.core().attach_task(**t, cls, d.now()).has_value());
  EXPECT_EQ(log, (Log{"cgroup_init / 100", "cgroup_init /a 200", "cgroup_init /a/x 50", "cgroup_init /b 100",
                      "init_task t /a/x"}));
  log.clear();
  d.core().unload_class(cls, ExitKind::unreg, "done", d.now());
  // children first, then exit
  EXPECT_EQ(log, (Log{"cgroup_exit /b", "cgroup_exit /a/x", "cgroup_exit /a", "cgroup_exit /", "exit"}));
}

TEST(CoreCgroups, ChangesWhileLoadedReachTheClass) {
  TestDriver d(2);
  Log log;
  auto rec = std::make_unique<CgroupRecorder>(log);
  rec->refuse_init = "/no";
  const ClassId cls = *d.load(std::move(rec));
  Task* t = d.spawn(Behaviour::hog(), spec("t"), cls);
  log.clear();
  const CgroupId a = *d.core().create_cgroup("/a", 100, d.now());
  ASSERT_TRUE(d.core().set_cgroup_weight("/a", 400, d.now()).has_value());
  ASSERT_TRUE(d.core().set_cgroup_weight("/a", 400, d.now()).has_value());  // unchanged: no call
  ASSERT_TRUE(d.core().move_task_cgroup(*t, a, d.now()).has_value());
  d.run_for(10 * kNsPerMs);
  ASSERT_TRUE(d.core().move_task_cgroup(*t, kRootCgroupId, d.now()).has_value());
  ASSERT_TRUE(d.core().remove_cgroup("/a", d.now()).has_value());
  auto refused = d.core().create_cgroup("/no", 100, d.now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("class rec refused cgroup /no: cgroup_init returned -16"),
            std::string::npos);
  EXPECT_EQ(d.core().find_cgroup("/no"), nullptr);
  EXPECT_EQ(log, (Log{"cgroup_init /a 100", "set_weight /a 400", "prep_move t / /a", "move t / /a",
                      "prep_move t /a /", "move t /a /", "cgroup_exit /a", "cgroup_init /no 100"}));
  d.run_for(10 * kNsPerMs);
}

TEST(CoreCgroups, RefusedPrepMoveCancelsThePreparedAndMovesNone) {
  TestDriver d(2);
  Log log;
  auto rec = std::make_unique<CgroupRecorder>(log);
  rec->refuse_move = "u";
  const ClassId cls = *d.load(std::move(rec));
  Task* t = d.spawn(Behaviour::hog(), spec("t"), cls);
  Task* u = d.spawn(Behaviour::hog(), spec("u"), cls);
  const CgroupId a = *d.core().create_cgroup("/a", 100, d.now());
  log.clear();
  Task* both[] = {t, u};
  auto r = d.core().move_tasks_cgroup(both, a, d.now());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("cgroup_prep_move returned -1"), std::string::npos);
  EXPECT_EQ(log, (Log{"prep_move t / /a", "prep_move u / /a", "cancel_move t / /a"}));
  EXPECT_EQ(t->cgroup->id, kRootCgroupId);
  EXPECT_EQ(u->cgroup->id, kRootCgroupId);
  d.run_for(10 * kNsPerMs);
}

TEST(CoreCgroups, FailedCgroupInitFailsTheLoad) {
  TestDriver d(2);
  ASSERT_TRUE(d.core().create_cgroup("/a", 100, d.now()).has_value());
  ASSERT_TRUE(d.core().create_cgroup("/a/b", 100, d.now()).has_value());
  Log log;
  auto rec = std::make_unique<CgroupRecorder>(log);
  rec->refuse_init = "/a/b";
  auto r = d.core().load_class(std::move(rec), ClassGrant{}, ChainSlot::below_fair, d.now());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("ops.cgroup_init() failed (-16) for cgroup /a/b"), std::string::npos)
      << r.error().message;
  // those initialised are exited, children first, before exit
  EXPECT_EQ(log, (Log{"cgroup_init / 100", "cgroup_init /a 100", "cgroup_init /a/b 100", "cgroup_exit /a",
                      "cgroup_exit /", "exit"}));
}

}  // namespace
}  // namespace ups::test
