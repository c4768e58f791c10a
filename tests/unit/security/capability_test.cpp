// Capability names, CPU lists and the --caps argument.
#include "security/capability.h"

#include <gtest/gtest.h>

using namespace ups;
using namespace ups::security;

TEST(Capability, NamesRoundTrip) {
  for (int i = 0; i < kNumCapabilities; ++i) {
    auto c = static_cast<Capability>(i);
    EXPECT_EQ(capability_from_name(capability_name(c)), c);
  }
  EXPECT_FALSE(capability_from_name("sched.fly").has_value());
}

TEST(Capability, CpuListParsesRangesAndSingles) {
  auto m = parse_cpu_list("0-3, 8,10-11");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->count(), 7);
  EXPECT_TRUE(m->test(3));
  EXPECT_FALSE(m->test(4));
  EXPECT_EQ(m->to_string(), "0-3,8,10-11");
}

TEST(Capability, CpuListErrorsNameTheBadPart) {
  struct Case { const char* text; const char* expect; };
  for (auto c : {Case{"", "empty CPU list"}, Case{"1-x", "'x'"}, Case{"5-2", "runs backwards"},
                 Case{"4096", "out of range"}}) {
    auto m = parse_cpu_list(c.text);
    ASSERT_FALSE(m) << c.text;
    EXPECT_NE(m.error().message.find(c.expect), std::string::npos) << m.error().message;
  }
}

TEST(Capability, CapsArgument) {
  auto s = parse_capability_list("sched.load,sched.kick,sched.cpus=0-1+4");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->has(Capability::load));
  EXPECT_TRUE(s->has(Capability::kick));
  EXPECT_FALSE(s->has(Capability::events));
  ASSERT_TRUE(s->has_cpus());
  EXPECT_EQ(s->cpus().to_string(), "0-1,4");
  EXPECT_EQ(s->to_string(), "sched.load,sched.kick,sched.cpus=0-1,4");
}

TEST(Capability, UnknownCapabilityListsKnownOnes) {
  auto s = parse_capability_list("sched.load,sched.teleport");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("unknown capability 'sched.teleport'"), std::string::npos);
  EXPECT_NE(s.error().message.find("sched.events"), std::string::npos);
}

TEST(Capability, RootHasEverythingOnAllCpus) {
  auto all = CapabilitySet::all();
  for (int i = 0; i < kNumCapabilities; ++i) EXPECT_TRUE(all.has(static_cast<Capability>(i)));
  EXPECT_EQ(all.cpus_or(CpuMask::first_n(4)), CpuMask::first_n(4));
}
