// Admission files: grants per user and group, limits, and errors that name
// the file, line and key.
#include "security/admission.h"

#include <gtest/gtest.h>

using namespace ups;
using namespace ups::security;

namespace {
const char* kFile = R"(
[users.alice]
uid = 1000
gid = 100
caps = ["sched.load", "sched.kick", "sched.cpus=0-3"]
max_insns = 5000
max_classes = 1

[users.bob]
uid = 1001
gid = 200
caps = []

[groups.faas]
gid = 200
caps = ["sched.load", "sched.events"]
)";

AdmissionConfig parse_ok(const char* text) {
  auto cfg = AdmissionConfig::parse(text, "admission.toml");
  EXPECT_TRUE(cfg) << cfg.error().to_string();
  return cfg ? *cfg : AdmissionConfig{};
}
}  // namespace

TEST(Admission, UserGrant) {
  auto cfg = parse_ok(kFile);
  auto alice = cfg.find_principal("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->principal.uid, 1000u);
  Grant g = cfg.grant_for(alice->principal);
  EXPECT_TRUE(g.caps.has(Capability::load));
  EXPECT_TRUE(g.caps.has(Capability::kick));
  EXPECT_FALSE(g.caps.has(Capability::events));
  EXPECT_EQ(g.caps.cpus().to_string(), "0-3");
  EXPECT_EQ(g.limits.max_insns, 5000u);
}

TEST(Admission, GroupGrantIsAddedToTheUsers) {
  auto cfg = parse_ok(kFile);
  auto bob = cfg.find_principal("bob");
  ASSERT_TRUE(bob);
  Grant g = cfg.grant_for(bob->principal);
  EXPECT_TRUE(g.caps.has(Capability::load));    // from group faas
  EXPECT_TRUE(g.caps.has(Capability::events));
  EXPECT_FALSE(g.caps.has(Capability::kick));
}

TEST(Admission, RootHoldsAllAndStrangersNothing) {
  auto cfg = parse_ok(kFile);
  EXPECT_TRUE(cfg.grant_for(Principal{0, 0}).caps.has(Capability::all_tasks));
  Grant g = cfg.grant_for(Principal{4242, 4242});
  EXPECT_FALSE(g.known);
  EXPECT_FALSE(g.caps.has(Capability::load));
}

TEST(Admission, AdmitRefusesWithTheMissingCapability) {
  auto cfg = parse_ok(kFile);
  auto st = admit(cfg, Principal{4242, 4242}, LoadRequest{});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::rejected);
  EXPECT_NE(st.error().message.find("lacks sched.load"), std::string::npos);

  Principal alice{1000, 100};
  EXPECT_TRUE(admit(cfg, alice, LoadRequest{Slot::below_fair, 100, 0, 0}));
  auto above = admit(cfg, alice, LoadRequest{Slot::above_fair, 100, 0, 0});
  ASSERT_FALSE(above);
  EXPECT_NE(above.error().message.find("sched.chain.above_fair"), std::string::npos);
  auto big = admit(cfg, alice, LoadRequest{Slot::below_fair, 6000, 0, 0});
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("at most 5000 instructions"), std::string::npos);
  auto second = admit(cfg, alice, LoadRequest{Slot::below_fair, 10, 0, 1});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("at most 1 classes"), std::string::npos);
}

TEST(Admission, UidGidPrincipalsAndUnknownNames) {
  auto cfg = parse_ok(kFile);
  auto p = cfg.find_principal("1234:55");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->principal.uid, 1234u);
  EXPECT_EQ(p->principal.gid, 55u);
  auto bad = cfg.find_principal("mallory");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("known: root, alice, bob"), std::string::npos);
}

// Each bad file names the line and the key.
TEST(Admission, BadFilesNameTheLine) {
  struct Case { const char* text; int line; const char* expect; };
  const Case cases[] = {
      {"[users.a]\nuid = 1\ncaps = [\"sched.nope\"]\n", 3, "unknown capability 'sched.nope'"},
      {"[users.a]\nuid = 1\ncolour = 3\n", 3, "unknown key"},
      {"[users.a]\ngid = 1\n", 1, "missing uid"},
      {"[users.a]\nuid = -4\n", 2, "out of range"},
      {"[users.a]\nuid = 1\nbandwidth = 1.5\n", 3, "not in (0, 1]"},
      {"[admins]\nx = 1\n", 1, "unknown section"},
      {"[users.a\nuid = 1\n", 1, ""},  // TOML syntax error
      {"[users.a]\nuid = \"one\"\n", 2, "must be an integer"},
      {"[users.a]\nuid = 1\ncaps = [\"sched.cpus=3-1\"]\n", 3, "runs backwards"},
  };
  for (const auto& c : cases) {
    auto cfg = AdmissionConfig::parse(c.text, "adm.toml");
    ASSERT_FALSE(cfg) << c.text;
    EXPECT_EQ(cfg.error().where.file, "adm.toml");
    EXPECT_EQ(cfg.error().where.line, c.line) << cfg.error().to_string();
    EXPECT_NE(cfg.error().message.find(c.expect), std::string::npos) << cfg.error().to_string();
  }
}

TEST(Admission, MissingFileIsAnIoError) {
  auto cfg = AdmissionConfig::load_file("/nonexistent/admission.toml");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().kind, ErrorKind::io);
  EXPECT_NE(cfg.error().to_string().find("/nonexistent/admission.toml"), std::string::npos);
}

// The daemon's peer: a group entry applies through a supplementary group
// too, and the entries that made the grant are named.
TEST(Admission, SupplementaryGroupsGrantTheirEntries) {
  AdmissionConfig cfg = parse_ok(kFile);
  const Principal carol{1002, 300};
  EXPECT_FALSE(cfg.grant_for(carol).caps.has(Capability::load));
  EXPECT_TRUE(cfg.entries_for(carol).empty());
  const std::vector<u32> groups = {300, 200};
  EXPECT_TRUE(cfg.grant_for(carol, groups).caps.has(Capability::events));
  EXPECT_EQ(cfg.entries_for(carol, groups), std::vector<std::string>{"groups.faas"});
  EXPECT_TRUE(admit(cfg, carol, LoadRequest{}, groups));
  EXPECT_FALSE(admit(cfg, carol, LoadRequest{}));
  EXPECT_EQ(cfg.entries_for(Principal{1000, 100}), std::vector<std::string>{"users.alice"});
  EXPECT_EQ(cfg.entries_for(Principal{0, 0}), std::vector<std::string>{"root"});
}
