// Events come out by time, and events at the same time in push order.
#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include "base/rng.h"

namespace ups::sim {
namespace {

TEST(EventQueue, OrdersByTimeThenPushOrder) {
  EventQueue q;
  q.push(30, EventKind::tick, 1);
  q.push(10, EventKind::tick, 2);
  q.push(10, EventKind::wake, 3);
  q.push(20, EventKind::tick, 4);
  q.push(10, EventKind::resched, 5);
  std::vector<u32> order;
  while (!q.empty()) order.push_back(q.pop().target);
  EXPECT_EQ(order, (std::vector<u32>{2, 3, 5, 4, 1}));
}

TEST(EventQueue, RandomPushesPopSorted) {
  EventQueue q;
  Rng rng(7);
  for (u32 i = 0; i < 5000; ++i) q.push(rng.uniform(0, 100), EventKind::tick, i);
  Event prev = q.pop();
  while (!q.empty()) {
    Event e = q.pop();
    ASSERT_TRUE(prev.at < e.at || (prev.at == e.at && prev.seq < e.seq));
    prev = e;
  }
}

TEST(EventQueue, InterleavedPushPopKeepsOrder) {
  EventQueue q;
  Rng rng(3);
  TimeNs now = 0;
  for (int i = 0; i < 2000; ++i) {
    q.push(now + rng.uniform(0, 50), EventKind::tick, 0);
    if (i % 3 == 0) {
      Event e = q.pop();
      ASSERT_GE(e.at, now);
      now = e.at;
    }
  }
}

}  // namespace
}  // namespace ups::sim
