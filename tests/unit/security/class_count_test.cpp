// The per-principal count of loaded classes: a hold counts until its last
// handle goes, principals (uid and gid) count apart, a replacement of one's
// own class does not count the class it replaces, and a handle may outlive
// the counter.
#include "security/class_count.h"

#include <gtest/gtest.h>

namespace ups::security {
namespace {

const Principal kAlice{1000, 1000};
const Principal kBob{1001, 1000};
const Principal kAliceOtherGroup{1000, 2000};

TEST(ClassCount, HoldCountsUntilTheLastHandleGoes) {
  ClassCount count;
  EXPECT_EQ(count.loaded(kAlice), 0u);
  auto a = count.hold(kAlice);
  auto copy = a;
  auto b = count.hold(kAlice);
  EXPECT_EQ(count.loaded(kAlice), 2u);
  a.reset();
  EXPECT_EQ(count.loaded(kAlice), 2u);  // copy still holds it
  copy.reset();
  EXPECT_EQ(count.loaded(kAlice), 1u);
  b.reset();
  EXPECT_EQ(count.loaded(kAlice), 0u);
}

TEST(ClassCount, PrincipalsCountApart) {
  ClassCount count;
  auto a = count.hold(kAlice);
  auto b1 = count.hold(kBob);
  auto b2 = count.hold(kBob);
  EXPECT_EQ(count.loaded(kAlice), 1u);
  EXPECT_EQ(count.loaded(kBob), 2u);
  EXPECT_EQ(count.loaded(kAliceOtherGroup), 0u);
}

TEST(ClassCount, ReplacingOwnClassDoesNotCountIt) {
  ClassCount count;
  EXPECT_EQ(count.before_load(kAlice, true), 0u);  // nothing held: nothing to discount
  auto a = count.hold(kAlice);
  auto b = count.hold(kAlice);
  EXPECT_EQ(count.before_load(kAlice, false), 2u);
  EXPECT_EQ(count.before_load(kAlice, true), 1u);
}

TEST(ClassCount, HandleMayOutliveTheCounter) {
  std::shared_ptr<const void> h;
  {
    ClassCount count;
    h = count.hold(kAlice);
    EXPECT_EQ(count.loaded(kAlice), 1u);
  }
  h.reset();  // must not touch freed memory (ASan build)
}

TEST(ClassCount, CopiesShareOneCount) {
  ClassCount count;
  ClassCount same = count;  // the policy factory is copied into each request
  auto a = same.hold(kAlice);
  EXPECT_EQ(count.loaded(kAlice), 1u);
}

}  // namespace
}  // namespace ups::security
