// DispatchQueue order: FIFO with head inserts, vtime order with wrap-safe
// comparison and stable ties, and iteration that visits only the tasks
// queued before it began.
#include <gtest/gtest.h>

#include <deque>

#include "core/dispatch_queue.h"

namespace ups {
namespace {

struct Tasks {
  Task& make(u64 vtime = 0) {
    Task& t = store.emplace_back();
    t.id = static_cast<TaskId>(store.size());
    t.scx.dsq_vtime = vtime;
    t.affinity = CpuMask::first_n(4);
    return t;
  }
  std::deque<Task> store;
};

std::vector<TaskId> drain(DispatchQueue& q) {
  std::vector<TaskId> out;
  while (Task* t = q.first()) {
    out.push_back(t->id);
    q.remove(*t);
  }
  return out;
}

TEST(DispatchQueue, FifoOrderWithHeadInserts) {
  Tasks ts;
  DispatchQueue q(1, 0);
  Task &a = ts.make(), &b = ts.make(), &c = ts.make();
  q.push_fifo(a, false);
  q.push_fifo(b, false);
  q.push_fifo(c, true);
  EXPECT_EQ(q.nr(), 3u);
  EXPECT_TRUE(q.has_fifo());
  EXPECT_EQ(drain(q), (std::vector<TaskId>{c.id, a.id, b.id}));
  EXPECT_TRUE(q.empty());
}

TEST(DispatchQueue, VtimeOrderAndTies) {
  Tasks ts;
  DispatchQueue q(1, 0);
  Task &a = ts.make(30), &b = ts.make(10), &c = ts.make(20), &e = ts.make(10);
  for (Task* t : {&a, &b, &c, &e}) q.push_vtime(*t);
  EXPECT_TRUE(q.has_vtime());
  EXPECT_EQ(drain(q), (std::vector<TaskId>{b.id, e.id, c.id, a.id}));
}

TEST(DispatchQueue, VtimeOrderAcrossWrapAround) {
  Tasks ts;
  DispatchQueue q(1, 0);
  const u64 near_max = ~u64{0} - 5;
  Task& late = ts.make(near_max + 10);  // wrapped past zero: 4
  Task& early = ts.make(near_max);
  Task& mid = ts.make(near_max + 3);
  for (Task* t : {&late, &early, &mid}) q.push_vtime(*t);
  EXPECT_EQ(drain(q), (std::vector<TaskId>{early.id, mid.id, late.id}));
}

TEST(DispatchQueue, RemoveFromTheMiddle) {
  Tasks ts;
  DispatchQueue f(1, 0), v(2, 0);
  std::vector<Task*> fs, vs;
  for (int i = 0; i < 5; ++i) {
    fs.push_back(&ts.make());
    f.push_fifo(*fs.back(), false);
    vs.push_back(&ts.make(static_cast<u64>(100 - i)));
    v.push_vtime(*vs.back());
  }
  f.remove(*fs[2]);
  v.remove(*vs[2]);
  EXPECT_EQ(drain(f), (std::vector<TaskId>{fs[0]->id, fs[1]->id, fs[3]->id, fs[4]->id}));
  EXPECT_EQ(drain(v), (std::vector<TaskId>{vs[4]->id, vs[3]->id, vs[1]->id, vs[0]->id}));
}

TEST(DispatchQueue, FirstAllowedSkipsTasksThatMayNotRunThere) {
  Tasks ts;
  DispatchQueue q(1, 0);
  Task& a = ts.make();
  a.affinity = CpuMask::first_n(1);
  Task& b = ts.make();
  q.push_fifo(a, false);
  q.push_fifo(b, false);
  EXPECT_EQ(q.first_allowed(0), &a);
  EXPECT_EQ(q.first_allowed(2), &b);
  DispatchQueue v(2, 0);
  Task& c = ts.make(1);
  c.affinity = CpuMask::first_n(1);
  Task& e = ts.make(2);
  Task& g = ts.make(3);
  for (Task* t : {&c, &e, &g}) v.push_vtime(*t);
  EXPECT_EQ(v.first_allowed(3), &e);
}

TEST(DispatchQueue, IterationVisitsOnlyEarlierTasks) {
  Tasks ts;
  for (bool vtime : {false, true}) {
    DispatchQueue q(1, 0);
    std::vector<Task*> in;
    for (int i = 0; i < 4; ++i) {
      in.push_back(&ts.make(static_cast<u64>(i)));
      vtime ? q.push_vtime(*in.back()) : q.push_fifo(*in.back(), false);
    }
    const u64 limit = q.seq();
    Task& later = ts.make(0);  // first in vtime order, but after the iterator began
    vtime ? q.push_vtime(later) : q.push_fifo(later, true);
    std::vector<TaskId> seen;
    const Task* cur = nullptr;
    u64 cseq = 0, cvt = 0;
    while (Task* t = q.iter_next(cur, cseq, cvt, limit, false)) {
      seen.push_back(t->id);
      cur = t;
      cseq = t->dsq_seq;
      cvt = t->scx.dsq_vtime;
      if (seen.size() == 2) q.remove(*t);  // moving the current task away is fine
    }
    EXPECT_EQ(seen, (std::vector<TaskId>{in[0]->id, in[1]->id, in[2]->id, in[3]->id}))
        << (vtime ? "vtime" : "fifo");
    // Reverse order.
    seen.clear();
    cur = nullptr;
    while (Task* t = q.iter_next(cur, cseq, cvt, limit, true)) {
      seen.push_back(t->id);
      cur = t;
      cseq = t->dsq_seq;
      cvt = t->scx.dsq_vtime;
    }
    EXPECT_EQ(seen, (std::vector<TaskId>{in[3]->id, in[2]->id, in[0]->id})) << (vtime ? "vtime" : "fifo");
  }
}

}  // namespace
}  // namespace ups
