// Work through the daemon's session: submitted workloads run as the
// submitter's tasks on the runtime and complete; attach moves one's own
// tasks only (root: any); stats shows another user's classes by their
// public columns only; the admission file's bandwidth bounds a class above
// fair (asking for more is refused, the class is throttled).
#include "daemon/session.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

#include "daemon_test_support.h"

namespace ups::daemon {
namespace {

using test::peer;
using test::read_object;

// Tasks that end by themselves: a few rounds of compute and sleep.
constexpr const char* kFinite = R"(
name = "short"
[[tasks]]
name = "w"
count = 3
program = [ { repeat = 5, body = [ { compute = "200us" }, { sleep = "200us" } ] } ]
)";
// Tasks that never end: they wait for an event nobody signals, or compute.
constexpr const char* kForever = R"(
name = "forever"
events = ["never"]
[[tasks]]
name = "hog"
count = 1
program = [ { forever = [ { compute = "1ms" } ] } ]
[[tasks]]
name = "waiter"
count = 2
program = [ { wait = "never" } ]
)";

class WorkTest : public test::SessionFixture {
protected:
  void SetUp() override {
    start("work", R"(
[users.alice]
uid = 5001
gid = 5001
caps = ["sched.load", "sched.chain.above_fair"]
bandwidth = 0.05
[users.bob]
uid = 5002
gid = 5002
caps = ["sched.load"]
)");
  }
  Response load(const Peer& who, const std::string& name, ChainSlot slot = ChainSlot::below_fair, double bw = 0) {
    Request r;
    r.verb = Verb::load;
    r.load.object = read_object("simple.bpf.o");
    r.load.object_name = "simple.bpf.o";
    r.load.name = name;
    r.load.slot = slot;
    r.load.bandwidth = bw;
    return session_->handle(who, r);
  }
  Response submit(const Peer& who, const std::string& text, const std::string& cls = "",
                  const std::string& duration = "") {
    Request r;
    r.verb = Verb::submit;
    r.submit.workload = text;
    r.submit.workload_name = "w.toml";
    r.submit.cls = cls;
    r.submit.duration = duration;
    return session_->handle(who, r);
  }
  Response attach(const Peer& who, const std::string& cls, u64 job, u64 task = 0) {
    Request r;
    r.verb = Verb::attach;
    r.attach.cls = cls;
    r.attach.job = job;
    r.attach.task = task;
    return session_->handle(who, r);
  }
  nlohmann::json stats(const Peer& who) {
    Request r;
    r.verb = Verb::stats;
    Response resp = session_->handle(who, r);
    EXPECT_TRUE(resp.ok) << resp.error;
    return resp.result;
  }
  static const nlohmann::json* find(const nlohmann::json& list, const std::string& key, const nlohmann::json& v) {
    for (const auto& e : list)
      if (e.value(key, nlohmann::json()) == v) return &e;
    return nullptr;
  }
  // Waits (up to 20 s) until who's job is done; its stats entry.
  nlohmann::json await_job(const Peer& who, u64 job) {
    for (int i = 0; i < 2000; ++i) {
      auto s = stats(who);
      if (const auto* j = find(s["jobs"], "job", job); j && (*j)["done"].get<bool>()) return *j;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "job " << job << " did not end";
    return {};
  }

  const Peer alice_ = peer(5001, "alice");
  const Peer bob_ = peer(5002, "bob");
  const Peer root_ = peer(0, "root");
};

TEST_F(WorkTest, SubmittedTasksRunAsTheSubmitterAndComplete) {
  ASSERT_TRUE(load(bob_, "bobs").ok);
  Response r = submit(bob_, kFinite, "bobs");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.result["tasks"], 3);
  EXPECT_EQ(r.result["class"], "bobs");
  const u64 job = r.result["job"];
  // While they run, bob's class holds them as bob's.
  const auto j = await_job(bob_, job);
  EXPECT_EQ(j["finished"], 3);
  EXPECT_EQ(j["tasks"], 3);
  // The class ran them: dispatches counted for its owner.
  const auto s = stats(bob_);
  const auto* c = find(s["classes"], "name", "bobs");
  ASSERT_NE(c, nullptr);
  EXPECT_GT((*c)["dispatches"].get<u64>(), 0u) << s.dump();
}

TEST_F(WorkTest, AWorkloadThatNeverEndsNeedsADurationAndEndsAtIt) {
  Response r = submit(alice_, kForever);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("give --duration"), std::string::npos) << r.error;
  EXPECT_EQ(r.rule, "workload: a job ends");
  r = submit(alice_, kForever, "", "50ms");
  ASSERT_TRUE(r.ok) << r.error;
  // The hog and the waiters (woken) all end at the deadline.
  const auto j = await_job(alice_, r.result["job"]);
  EXPECT_EQ(j["finished"], 3);
}

TEST_F(WorkTest, ABrokenWorkloadIsRefusedNamingTheFile) {
  Response r = submit(alice_, "[[tasks]]\nname = 3\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("w.toml"), std::string::npos) << r.error;
}

TEST_F(WorkTest, UsersAttachOnlyTheirOwnTasksToTheirOwnClasses) {
  ASSERT_TRUE(load(alice_, "alices").ok);
  ASSERT_TRUE(load(bob_, "bobs").ok);
  Response b = submit(bob_, kForever, "", "10s");
  ASSERT_TRUE(b.ok) << b.error;
  const u64 bob_job = b.result["job"];
  // alice cannot take bob's job into her class, nor put her tasks in his.
  Response r = attach(alice_, "alices", bob_job);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("may not attach job"), std::string::npos) << r.error;
  EXPECT_EQ(r.rule, "isolation: a task is attached by its owner or root");
  const nlohmann::json bob_stats = stats(bob_);
  const auto* fair = find(bob_stats["classes"], "name", "fair");
  ASSERT_TRUE(fair && !(*fair)["my_tasks"].empty()) << bob_stats.dump();
  const u64 task = (*fair)["my_tasks"][0]["id"];
  r = attach(alice_, "fair", 0, task);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("may not attach task"), std::string::npos) << r.error;
  r = submit(alice_, kFinite, "bobs");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.rule, "isolation: tasks go to the caller's own classes or fair");
  r = attach(bob_, "alices", bob_job);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.rule, "isolation: tasks are attached to the caller's own classes or fair");
  // bob moves his own.
  r = attach(bob_, "bobs", bob_job);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.result["moved"], 3);
  // alice sees them counted in bob's class, not their details nor the
  // class's dispatches; bob sees his, and his class's dispatches.
  const auto as = stats(alice_);
  const auto* ac = find(as["classes"], "name", "bobs");
  EXPECT_EQ((*ac)["tasks"], 3);
  EXPECT_TRUE((*ac)["my_tasks"].empty()) << as.dump();
  EXPECT_FALSE(ac->contains("dispatches"));
  EXPECT_TRUE(as["jobs"].empty());
  const auto bs = stats(bob_);
  const auto* bc = find(bs["classes"], "name", "bobs");
  EXPECT_EQ((*bc)["my_tasks"].size(), 3u);
  EXPECT_TRUE(bc->contains("dispatches"));
  EXPECT_FALSE(find(bs["classes"], "name", "alices")->contains("dispatches"));
  EXPECT_EQ(bs["jobs"].size(), 1u);
  // root moves anyone's tasks; but alice's class may not manage bob's
  // tasks (it lacks sched.all_tasks), root or not.
  r = attach(root_, "fair", bob_job);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.result["moved"], 3);
  r = attach(root_, "alices", bob_job);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.rule, "chain: a class manages its owner's tasks unless granted sched.all_tasks") << r.error;
  EXPECT_EQ(stats(root_)["jobs"].size(), 1u);
}

TEST_F(WorkTest, BandwidthAboveTheGrantIsRefused) {
  Response r = load(alice_, "a", ChainSlot::above_fair, 0.5);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("may take a CPU share of 0.05 above fair (bandwidth), not 0.5"), std::string::npos) << r.error;
  EXPECT_NE(r.rule.find("users.alice"), std::string::npos) << r.rule;
  r = load(alice_, "a", ChainSlot::below_fair, 0.1);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.rule, "protocol: bandwidth");
  r = load(alice_, "a", ChainSlot::above_fair, 0.02);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_DOUBLE_EQ(r.result["bandwidth"].get<double>(), 0.02);
  r = load(alice_, "b", ChainSlot::above_fair);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_DOUBLE_EQ(r.result["bandwidth"].get<double>(), 0.05);  // the grant's
}

// A class above fair with bandwidth 0.05 and one task that always computes,
// on CPU 0 (bandwidth is per CPU): per 1 s period it gets at most 50 ms, then is throttled, however
// long the run (unthrottled, it would get most of the 600 ms). Noise can
// only lower what it gets.
TEST_F(WorkTest, AClassAboveFairIsThrottledToItsBandwidth) {
  ASSERT_TRUE(load(alice_, "a", ChainSlot::above_fair).ok);
  Response r = submit(alice_, R"(
name = "hog"
[[tasks]]
name = "hog"
affinity = "0"
program = [ { forever = [ { compute = "1ms" } ] } ]
)", "a", "600ms");
  ASSERT_TRUE(r.ok) << r.error;
  await_job(alice_, r.result["job"]);
  const auto s = stats(alice_);
  const auto* c = find(s["classes"], "name", "a");
  ASSERT_NE(c, nullptr);
  const TimeNs used = (*c)["runtime_ns"];
  // The 600 ms may straddle two periods, and the task, throttled at its
  // deadline, ends early in a third: 50 ms each, plus slack for the ticks
  // and slices that overrun it (the monitor thread of a loaded machine is
  // late too). Far below the ~600 ms it would get unthrottled.
  EXPECT_LE(used, 3 * (50 + 20) * kNsPerMs) << s.dump();
  EXPECT_GT(used, 0) << s.dump();
}

}  // namespace
}  // namespace ups::daemon
