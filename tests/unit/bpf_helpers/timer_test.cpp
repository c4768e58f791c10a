// bpf_timer_init/set_callback/start/cancel on the environment's clock.
#include <cstring>

#include "bpf/helpers/timer_table.h"
#include "helper_test_util.h"

namespace ups::bpf {
namespace {

using test::err;
using test::new_map;
using test::Prog;

// A map value { u64 counter; struct bpf_timer t; } as in scx_central.
struct Value {
  u64 counter;
  u8 timer[16];
};
constexpr u32 kCallback = 40;  // the callback's instruction index

std::unique_ptr<Map> timer_array(u32 entries = 2) {
  return new_map(MapType::array, 4, sizeof(Value), entries, 0, offsetof(Value, timer));
}

Value* value_at(Map& m, u32 k) { return static_cast<Value*>(m.lookup(&k, 0)); }

// Linux bpf_timer_init: a valid clock id; a second init gives -EBUSY.
TEST(Timer, InitChecksClockAndRefusesReinit) {
  Prog p;
  auto m = timer_array();
  Value* v = value_at(*m, 0);
  EXPECT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), 2)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), kClockMonotonic)), 0);
  EXPECT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), kClockMonotonic)), -EBUSY);
  Value* w = value_at(*m, 1);
  EXPECT_EQ(err(p.call(HelperId::timer_init, w->timer, m.get(), kClockBoottime)), 0);
  EXPECT_EQ(p.env.timers().live(), 2u);
}

// Linux: set_callback and start on an uninitialised timer give -EINVAL, so
// does start before a callback is set or with unknown flags.
TEST(Timer, StartNeedsInitAndCallback) {
  Prog p;
  auto m = timer_array();
  Value* v = value_at(*m, 0);
  EXPECT_EQ(err(p.call(HelperId::timer_set_callback, v->timer, kCallback)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::timer_start, v->timer, 100, 0)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::timer_cancel, v->timer)), -EINVAL);
  ASSERT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), kClockMonotonic)), 0);
  EXPECT_EQ(err(p.call(HelperId::timer_start, v->timer, 100, 0)), -EINVAL);
  ASSERT_EQ(err(p.call(HelperId::timer_set_callback, v->timer, kCallback)), 0);
  EXPECT_EQ(err(p.call(HelperId::timer_start, v->timer, 100, 8)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::timer_start, v->timer, 100, 0)), 0);
}

// A started timer fires once the substrate's clock reaches it, calling
// callback(map, key, value) with the element's key; a callback may re-arm
// its timer (a periodic timer, as scx_central does).
TEST(Timer, FiresOnTheClockWithMapKeyValueAndCanRearm) {
  Prog p;
  auto m = timer_array(4);
  u32 key = 3;
  Value* v = value_at(*m, key);
  std::vector<u64> fired_at;
  p.invoker.define(kCallback, [&](u64 map, u64 k, u64 val, u64, u64) {
    EXPECT_EQ(map, reinterpret_cast<u64>(m.get()));
    EXPECT_EQ(*reinterpret_cast<u32*>(k), 3u);
    EXPECT_EQ(val, reinterpret_cast<u64>(v));
    fired_at.push_back(p.env.now_ns());
    auto* value = reinterpret_cast<Value*>(val);
    if (++value->counter < 3) {
      EXPECT_EQ(err(p.call(HelperId::timer_start, value->timer, 1000, 0)), 0);
    }
    return 0;
  });
  p.env.advance_to(500);
  ASSERT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), kClockMonotonic)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_set_callback, v->timer, kCallback)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_start, v->timer, 1000, 0)), 0);
  EXPECT_EQ(p.env.advance_to(1499), 0);
  EXPECT_EQ(p.env.advance_to(10000), 3);
  EXPECT_EQ(fired_at, (std::vector<u64>{1500, 2500, 3500}));
  EXPECT_EQ(v->counter, 3u);
  EXPECT_EQ(p.env.pending_timers(), 0u);
}

// BPF_F_TIMER_ABS arms at an absolute time; BPF_F_TIMER_CPU_PIN runs the
// callback on the CPU that started it.
TEST(Timer, AbsoluteAndPinnedStart) {
  Prog p;
  auto m = timer_array();
  Value* v = value_at(*m, 0);
  u32 ran_on = 99;
  u64 ran_at = 0;
  p.invoker.define(kCallback, [&](u64, u64, u64, u64, u64) {
    ran_on = p.env.cpu();
    ran_at = p.env.now_ns();
    return 0;
  });
  p.env.set_cpu(2);
  p.env.advance_to(100);
  ASSERT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), kClockMonotonic)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_set_callback, v->timer, kCallback)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_start, v->timer, 700, BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN)), 0);
  p.env.set_cpu(0);
  p.env.advance_to(1000);
  EXPECT_EQ(ran_at, 700u);
  EXPECT_EQ(ran_on, 2u);
}

// Linux bpf_timer_cancel: 1 if it stopped an armed timer, 0 if it was not
// armed; -EDEADLK from the timer's own callback; the callback must be set
// again before the next start.
TEST(Timer, CancelReturnsWhetherArmedAndDeadlocksInOwnCallback) {
  Prog p;
  auto m = timer_array();
  Value* v = value_at(*m, 0);
  s64 cancel_in_callback = 0;
  p.invoker.define(kCallback, [&](u64, u64, u64 val, u64, u64) {
    cancel_in_callback = err(p.call(HelperId::timer_cancel, reinterpret_cast<Value*>(val)->timer));
    return 0;
  });
  ASSERT_EQ(err(p.call(HelperId::timer_init, v->timer, m.get(), kClockMonotonic)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_set_callback, v->timer, kCallback)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_start, v->timer, 50, 0)), 0);
  EXPECT_EQ(err(p.call(HelperId::timer_cancel, v->timer)), 1);
  EXPECT_EQ(err(p.call(HelperId::timer_cancel, v->timer)), 0);
  EXPECT_EQ(p.env.advance_to(100), 0);
  EXPECT_EQ(err(p.call(HelperId::timer_start, v->timer, 50, 0)), -EINVAL);
  ASSERT_EQ(err(p.call(HelperId::timer_set_callback, v->timer, kCallback)), 0);
  ASSERT_EQ(err(p.call(HelperId::timer_start, v->timer, 50, 0)), 0);
  EXPECT_EQ(p.env.advance_to(200), 1);
  EXPECT_EQ(cancel_in_callback, -EDEADLK);
}

// Linux bpf_obj_free_fields: deleting a hash element, overwriting an array
// element or destroying the map cancels and frees the timer in the value.
TEST(Timer, FreeingTheValueCancelsTheTimer) {
  Prog p;
  p.invoker.define(kCallback, [&](u64, u64, u64, u64, u64) -> u64 {
    ADD_FAILURE() << "a freed timer fired";
    return 0;
  });
  auto arm = [&](Map& m, void* value) {
    u8* t = static_cast<u8*>(value) + offsetof(Value, timer);
    ASSERT_EQ(err(p.call(HelperId::timer_init, t, &m, kClockMonotonic)), 0);
    ASSERT_EQ(err(p.call(HelperId::timer_set_callback, t, kCallback)), 0);
    ASSERT_EQ(err(p.call(HelperId::timer_start, t, 100, 0)), 0);
  };
  auto h = new_map(MapType::hash, 4, sizeof(Value), 4, 0, offsetof(Value, timer));
  u32 k = 1;
  Value zero{};
  ASSERT_EQ(h->update(&k, &zero, BPF_ANY, 0), 0);
  arm(*h, h->lookup(&k, 0));
  EXPECT_EQ(p.env.pending_timers(), 1u);
  ASSERT_EQ(h->remove(&k), 0);
  EXPECT_EQ(p.env.pending_timers(), 0u);

  auto a = timer_array();
  Value* v = value_at(*a, 0);
  arm(*a, v);
  ASSERT_EQ(a->update(&k, &zero, BPF_ANY, 0), 0);  // key 1: another element
  EXPECT_EQ(p.env.pending_timers(), 1u);
  u32 k0 = 0;
  ASSERT_EQ(a->update(&k0, &zero, BPF_ANY, 0), 0);
  EXPECT_EQ(p.env.pending_timers(), 0u);
  EXPECT_EQ(TimerTable::id_of(v->timer), 0u);  // can be initialised again

  arm(*a, v);
  a.reset();
  EXPECT_EQ(p.env.pending_timers(), 0u);
  EXPECT_EQ(p.env.timers().live(), 0u);

  // Hash replace (a new element in Linux) and LRU eviction free it too.
  ASSERT_EQ(h->update(&k, &zero, BPF_ANY, 0), 0);
  arm(*h, h->lookup(&k, 0));
  ASSERT_EQ(h->update(&k, &zero, BPF_EXIST, 0), 0);
  EXPECT_EQ(p.env.pending_timers(), 0u);
  auto lru = new_map(MapType::lru_hash, 4, sizeof(Value), 2, 0, offsetof(Value, timer));
  u32 k1 = 1, k2 = 2, k3 = 3;
  ASSERT_EQ(lru->update(&k1, &zero, BPF_ANY, 0), 0);
  arm(*lru, lru->lookup(&k1, 0));
  ASSERT_EQ(lru->update(&k2, &zero, BPF_ANY, 0), 0);
  EXPECT_EQ(p.env.pending_timers(), 1u);
  ASSERT_EQ(lru->update(&k3, &zero, BPF_ANY, 0), 0);  // evicts key 1
  EXPECT_EQ(lru->lookup(&k1, 0), nullptr);
  EXPECT_EQ(p.env.pending_timers(), 0u);
  p.env.advance_to(1000);
}

}  // namespace
}  // namespace ups::bpf

namespace ups::bpf {
namespace {

// The environment and the maps may be destroyed in either order, with
// armed timers, however the host tied them (attach, or a first
// bpf_timer_init), and forget_map leaves the map detached.
TEST(Timer, EnvironmentAndMapsDieInAnyOrder) {
  auto arm = [](test::Prog& p, Map& m) {
    u32 k = 0;
    u8* t = static_cast<u8*>(m.lookup(&k, 0)) + offsetof(Value, timer);
    p.invoker.define(kCallback, [](u64, u64, u64, u64, u64) -> u64 { return 0; });
    ASSERT_EQ(err(p.call(HelperId::timer_init, t, &m, kClockMonotonic)), 0);
    ASSERT_EQ(err(p.call(HelperId::timer_set_callback, t, kCallback)), 0);
    ASSERT_EQ(err(p.call(HelperId::timer_start, t, 100, 0)), 0);
  };
  {  // environment first, map tied by bpf_timer_init
    auto m = timer_array();
    auto p = std::make_unique<test::Prog>();
    arm(*p, *m);
    p.reset();
    EXPECT_EQ(m->timer_releaser(), nullptr);
    u32 k = 0;
    EXPECT_EQ(TimerTable::id_of(value_at(*m, k)->timer), 0u);
  }
  {  // environment first, map tied by attach before any timer
    auto m = timer_array();
    auto p = std::make_unique<test::Prog>();
    ASSERT_EQ(p->env.timers().attach(*m), 0);
    p.reset();
    EXPECT_EQ(m->timer_releaser(), nullptr);
  }
  {  // the host forgets the map, then the environment goes, then the map
    auto m = timer_array();
    auto p = std::make_unique<test::Prog>();
    m->set_timer_releaser(&p->env.timers());  // tied by hand, as a host may
    arm(*p, *m);
    p->env.timers().forget_map(*m);
    EXPECT_EQ(p->env.pending_timers(), 0u);
    EXPECT_EQ(m->timer_releaser(), nullptr);
    p.reset();
  }
  {  // map first
    auto p = std::make_unique<test::Prog>();
    auto m = timer_array();
    arm(*p, *m);
    m.reset();
    EXPECT_EQ(p->env.pending_timers(), 0u);
    EXPECT_EQ(p->env.timers().live(), 0u);
  }
  // A map tied to one environment's timers is refused by another's.
  auto m = timer_array();
  test::Prog a, b;
  ASSERT_EQ(a.env.timers().attach(*m), 0);
  EXPECT_EQ(b.env.timers().attach(*m), -EINVAL);
  u32 k = 0;
  EXPECT_EQ(err(b.call(HelperId::timer_init, value_at(*m, k)->timer, m.get(), kClockMonotonic)), -EINVAL);
  a.env.timers().forget_map(*m);
}

}  // namespace
}  // namespace ups::bpf
