// Queue and stack maps: Linux queue_stack_maps.c behaviour.
#include "bpf/maps/queue_stack_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::make_map;

std::vector<u32> drain(Map& m) {
  std::vector<u32> out;
  u32 v;
  while (m.pop(&v) == 0) out.push_back(v);
  return out;
}

// A queue pops in push order, a stack in reverse; peek does not remove.
TEST(QueueStackMap, QueueIsFifoAndStackIsLifo) {
  for (MapType t : {MapType::queue, MapType::stack}) {
    auto m = make_map(make_def(t, 0, 4, 8));
    for (u32 v = 1; v <= 3; ++v) ASSERT_EQ(m->push(&v, BPF_ANY), 0);
    u32 top = 0;
    ASSERT_EQ(m->peek(&top), 0);
    EXPECT_EQ(top, t == MapType::queue ? 1u : 3u);
    EXPECT_EQ(drain(*m), t == MapType::queue ? (std::vector<u32>{1, 2, 3}) : (std::vector<u32>{3, 2, 1}));
  }
}

// Linux: pop and peek on an empty map return -ENOENT and zero the output.
TEST(QueueStackMap, PopOnEmptyReturnsEnoentAndZeroes) {
  for (MapType t : {MapType::queue, MapType::stack}) {
    auto m = make_map(make_def(t, 0, 4, 2));
    u32 v = 0xdeadbeef;
    EXPECT_EQ(m->pop(&v), -ENOENT);
    EXPECT_EQ(v, 0u);
    v = 0xdeadbeef;
    EXPECT_EQ(m->peek(&v), -ENOENT);
    EXPECT_EQ(v, 0u);
  }
}

// Linux queue_stack_map_push_elem: full gives -E2BIG; BPF_EXIST overwrites
// the oldest element; BPF_NOEXIST or unknown flags give -EINVAL.
TEST(QueueStackMap, PushOnFullAndFlags) {
  struct Case {
    MapType type;
    u64 flags;
    int expect;
    std::vector<u32> left;  // in pop order after pushing 1, 2, 3 then 4
  } cases[] = {
      {MapType::queue, BPF_ANY, -E2BIG, {1, 2, 3}},
      {MapType::queue, BPF_EXIST, 0, {2, 3, 4}},
      {MapType::stack, BPF_ANY, -E2BIG, {3, 2, 1}},
      {MapType::stack, BPF_EXIST, 0, {4, 3, 2}},
      {MapType::queue, BPF_NOEXIST, -EINVAL, {1, 2, 3}},
      {MapType::stack, 4, -EINVAL, {3, 2, 1}},
  };
  for (const auto& c : cases) {
    auto m = make_map(make_def(c.type, 0, 4, 3));
    for (u32 v = 1; v <= 3; ++v) ASSERT_EQ(m->push(&v, BPF_ANY), 0);
    u32 four = 4;
    EXPECT_EQ(m->push(&four, c.flags), c.expect);
    EXPECT_EQ(drain(*m), c.left);
  }
}

// Linux: queue and stack have no keys: lookup gives nothing, update,
// delete and get_next_key give -EINVAL.
TEST(QueueStackMap, KeyedOperationsAreRefused) {
  auto m = make_map(make_def(MapType::queue, 0, 4, 2));
  u32 v = 1;
  EXPECT_EQ(m->lookup(nullptr, 0), nullptr);
  EXPECT_EQ(m->update(nullptr, &v, BPF_ANY, 0), -EINVAL);
  EXPECT_EQ(m->remove(nullptr), -EINVAL);
  EXPECT_EQ(m->get_next_key(nullptr, &v), -EINVAL);
}

// Wrapping around the ring many times keeps FIFO order.
TEST(QueueStackMap, QueueWrapsAround) {
  auto m = make_map(make_def(MapType::queue, 0, 8, 3));
  u64 next_in = 0, next_out = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 2; ++i, ++next_in) ASSERT_EQ(m->push(&next_in, BPF_ANY), 0);
    for (int i = 0; i < 2; ++i, ++next_out) {
      u64 v;
      ASSERT_EQ(m->pop(&v), 0);
      ASSERT_EQ(v, next_out);
    }
  }
}

}  // namespace
}  // namespace ups::bpf
