// The daemon's session: loads verified for the peer's own grant, and the
// isolation between users (unload, exit reports), with peers made up here;
// tests/daemon/real_users.sh shows the same through real users and sockets.
#include "daemon/session.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "daemon_test_support.h"

namespace ups::daemon {
namespace {

using test::peer;
using test::read_object;

class SessionTest : public test::SessionFixture {
protected:
  void SetUp() override {
    start("session", R"(
[groups.sched]
gid = 7000
caps = ["sched.load", "sched.cpus=0-1"]
[users.bob]
uid = 5002
gid = 5002
caps = ["sched.load"]
max_classes = 1
)");
  }
  Response load(const Peer& who, const std::string& object, const std::string& name = "", const std::string& cpus = "") {
    Request r;
    r.verb = Verb::load;
    r.load.object = read_object(object);
    r.load.object_name = object;
    r.load.name = name;
    r.load.cpus = cpus;
    return session_->handle(who, r);
  }
  Response simple(Verb v, const Peer& who, const std::string& name = "") {
    Request r;
    r.verb = v;
    r.name = name;
    return session_->handle(who, r);
  }

  const Peer alice_ = peer(5001, "alice", {7000});
  const Peer bob_ = peer(5002, "bob");
  const Peer carol_ = peer(5003, "carol");
  const Peer root_ = peer(0, "root");
};

TEST_F(SessionTest, GroupMemberLoadsAndStrangerIsRefusedWithTheRule) {
  Response a = load(alice_, "simple.bpf.o", "", "0-1");
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(a.result["class"], "simple.5001");
  EXPECT_NE(a.rule.find("[groups.sched] grant sched.load,sched.cpus=0-1"), std::string::npos) << a.rule;
  Response c = load(carol_, "simple.bpf.o");
  ASSERT_FALSE(c.ok);
  EXPECT_NE(c.error.find("simple.bpf.o: uid 5003 gid 5003 lacks sched.load"), std::string::npos) << c.error;
  EXPECT_NE(c.rule.find("no entry for uid 5003"), std::string::npos) << c.rule;
  Response wide = load(alice_, "simple.bpf.o", "wide", "0-3");
  ASSERT_FALSE(wide.ok);
  EXPECT_NE(wide.error.find("CPUs 2-3 are not in the daemon's runtime"), std::string::npos) << wide.error;
  Response list = simple(Verb::list, carol_);
  ASSERT_TRUE(list.ok);
  ASSERT_EQ(list.result["classes"].size(), 2u);
  EXPECT_EQ(list.result["classes"][1]["name"], "simple.5001");
  EXPECT_EQ(list.result["classes"][1]["owner"], "alice");
}

TEST_F(SessionTest, KickNeedsTheCapability) {
  Response r = load(alice_, "bad_kick_without_cap.bpf.o");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("scx_bpf_kick_cpu needs capability sched.kick"), std::string::npos) << r.error;
  Response root = load(root_, "bad_kick_without_cap.bpf.o");
  EXPECT_TRUE(root.ok) << root.error;
}

TEST_F(SessionTest, UsersCannotUnloadOrReadEachOthersClasses) {
  ASSERT_TRUE(load(alice_, "simple.bpf.o").ok);
  ASSERT_TRUE(load(bob_, "simple.bpf.o", "bobs").ok);
  Response u = simple(Verb::unload, alice_, "bobs");
  ASSERT_FALSE(u.ok);
  EXPECT_NE(u.error.find("may not unload class bobs: it belongs to bob (uid 5002)"), std::string::npos) << u.error;
  EXPECT_EQ(u.rule.rfind("isolation:", 0), 0u) << u.rule;
  ASSERT_TRUE(simple(Verb::unload, bob_, "bobs").ok);
  Response l = simple(Verb::logs, alice_, "bobs");
  ASSERT_FALSE(l.ok);
  EXPECT_NE(l.error.find("may not read the exit reports of class bobs"), std::string::npos) << l.error;
  EXPECT_TRUE(simple(Verb::logs, alice_).result["reports"].empty());
  Response bl = simple(Verb::logs, bob_);
  ASSERT_EQ(bl.result["reports"].size(), 1u);
  EXPECT_EQ(bl.result["reports"][0]["kind"], "unreg");
  // Root unloads alice's class; the report goes to alice, not to bob.
  ASSERT_TRUE(simple(Verb::unload, root_, "simple.5001").ok);
  Response al = simple(Verb::logs, alice_);
  ASSERT_EQ(al.result["reports"].size(), 1u);
  EXPECT_NE(al.result["reports"][0]["message"].get<std::string>().find("unloaded by root"), std::string::npos);
  EXPECT_EQ(simple(Verb::logs, bob_).result["reports"].size(), 1u);
  EXPECT_EQ(simple(Verb::list, bob_).result["classes"].size(), 1u);  // fair only
  EXPECT_EQ(simple(Verb::logs, root_).result["reports"].size(), 2u);
}

TEST_F(SessionTest, MaxClassesCountsLoadedClassesOnly) {
  ASSERT_TRUE(load(bob_, "simple.bpf.o", "b1").ok);
  Response second = load(bob_, "simple.bpf.o", "b2");
  ASSERT_FALSE(second.ok);
  EXPECT_NE(second.error.find("may load at most 1 classes at once"), std::string::npos) << second.error;
  ASSERT_TRUE(simple(Verb::unload, bob_, "b1").ok);
  EXPECT_TRUE(load(bob_, "simple.bpf.o", "b2").ok);  // the count went with the class
}

TEST_F(SessionTest, ReplaceKeepsTheNameAndIsTheOwnersOnly) {
  ASSERT_TRUE(load(alice_, "simple.bpf.o", "mine").ok);
  Request r;
  r.verb = Verb::replace;
  r.load.object = read_object("simple.bpf.o");
  r.load.object_name = "simple.bpf.o";
  r.load.name = "mine";
  Response theirs = session_->handle(bob_, r);
  ASSERT_FALSE(theirs.ok);
  EXPECT_NE(theirs.error.find("may not replace class mine: it belongs to alice"), std::string::npos) << theirs.error;
  Response ok = session_->handle(alice_, r);
  ASSERT_TRUE(ok.ok) << ok.error;
  Response list = simple(Verb::list, alice_);
  ASSERT_EQ(list.result["classes"].size(), 2u);
  EXPECT_EQ(list.result["classes"][1]["name"], "mine");
  EXPECT_EQ(list.result["classes"][1]["owner"], "alice");
  Response logs = simple(Verb::logs, alice_, "mine");
  ASSERT_EQ(logs.result["reports"].size(), 1u);
  EXPECT_NE(logs.result["reports"][0]["message"].get<std::string>().find("replaced by mine"), std::string::npos);
  // A replacement is verified for the replacer's grant.
  r.load.object = read_object("bad_kick_without_cap.bpf.o");
  Response kick = session_->handle(alice_, r);
  ASSERT_FALSE(kick.ok);
  EXPECT_NE(kick.error.find("needs capability sched.kick"), std::string::npos) << kick.error;
  ASSERT_TRUE(simple(Verb::unload, alice_, "mine").ok);
  EXPECT_EQ(simple(Verb::list, alice_).result["classes"].size(), 1u);
}

TEST_F(SessionTest, BadObjectsAndNamesAreRefusedAndLeaveNoFile) {
  Request r;
  r.verb = Verb::load;
  r.load.object = "not an ELF file";
  r.load.object_name = "../../etc/junk.bpf.o";
  Response bad = session_->handle(alice_, r);
  ASSERT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("junk.bpf.o"), std::string::npos) << bad.error;
  EXPECT_EQ(bad.error.find(dir_.string()), std::string::npos) << bad.error;  // no daemon path shown
  EXPECT_FALSE(load(alice_, "simple.bpf.o", "../x").ok);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  EXPECT_FALSE(simple(Verb::unload, alice_, "fair").ok);
  EXPECT_FALSE(simple(Verb::unload, alice_, "nothing").ok);
}

}  // namespace
}  // namespace ups::daemon
