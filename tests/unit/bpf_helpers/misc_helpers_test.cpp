// bpf_loop, bpf_spin_lock/unlock, the clock, CPU and PRNG helpers, and the
// helper table and prototypes.
#include <set>

#include "bpf/helpers/helper_protos.h"
#include "helper_test_util.h"

namespace ups::bpf {
namespace {

using test::err;
using test::Prog;

constexpr u32 kBody = 12;

// Linux bpf_loop: the callback gets (index, ctx); returning 1 stops the
// loop, and the helper returns the number of calls made.
TEST(Loop, StopsWhenTheCallbackReturnsOne) {
  Prog p;
  u64 ctx_value = 0;
  std::vector<u64> seen;
  p.invoker.define(kBody, [&](u64 i, u64 ctx, u64, u64, u64) -> u64 {
    seen.push_back(i);
    *reinterpret_cast<u64*>(ctx) += i;
    return i == 4 ? 1 : 0;
  });
  EXPECT_EQ(p.call(HelperId::loop, 100, kBody, &ctx_value, 0), 5u);
  EXPECT_EQ(seen, (std::vector<u64>{0, 1, 2, 3, 4}));
  EXPECT_EQ(ctx_value, 10u);
}

// Without an early stop it runs nr_loops times; 0 runs none; over
// BPF_MAX_LOOPS gives -E2BIG; non-zero flags give -EINVAL.
TEST(Loop, CountsLimitsAndFlags) {
  Prog p;
  p.invoker.define(kBody, [](u64, u64, u64, u64, u64) -> u64 { return 0; });
  EXPECT_EQ(p.call(HelperId::loop, 7, kBody, 0, 0), 7u);
  EXPECT_EQ(p.invoker.calls, 7);
  EXPECT_EQ(p.call(HelperId::loop, 0, kBody, 0, 0), 0u);
  EXPECT_EQ(err(p.call(HelperId::loop, kBpfMaxLoops + 1, kBody, 0, 0)), -E2BIG);
  EXPECT_EQ(err(p.call(HelperId::loop, 1, kBody, 0, 1)), -EINVAL);
  EXPECT_EQ(p.invoker.calls, 7);
}

// A callback that aborts the program ends the loop at once.
TEST(Loop, AbortInTheCallbackStopsTheLoop) {
  Prog p;
  p.invoker.define(kBody, [&](u64 i, u64, u64, u64, u64) -> u64 {
    if (i == 2) p.env.fault(p.ctx, "trap in callback");
    return 0;
  });
  p.call(HelperId::loop, 100, kBody, 0, 0);
  EXPECT_TRUE(p.ctx.abort);
  EXPECT_EQ(p.invoker.calls, 3);
  EXPECT_EQ(p.env.last_fault(), "trap in callback");
}

// bpf_spin_lock/unlock: the lock word is set while held; nesting locks or
// unlocking a lock that is not held (what Linux's verifier forbids) stops
// the program with a fault.
TEST(SpinLock, LockUnlockAndMisuseAborts) {
  Prog p;
  u32 a = 0, b = 0;
  p.call(HelperId::spin_lock, &a);
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(p.env.held_lock(), &a);
  p.call(HelperId::spin_unlock, &a);
  EXPECT_EQ(a, 0u);
  EXPECT_FALSE(p.ctx.abort);

  p.call(HelperId::spin_lock, &a);
  p.call(HelperId::spin_lock, &b);
  EXPECT_TRUE(p.ctx.abort);
  EXPECT_NE(p.env.last_fault().find("another bpf_spin_lock"), std::string::npos);
  EXPECT_TRUE(p.env.release_held_lock());  // the host cleans up after the abort
  EXPECT_EQ(a, 0u);

  Prog q;
  q.call(HelperId::spin_unlock, &a);
  EXPECT_TRUE(q.ctx.abort);
  EXPECT_NE(q.env.last_fault().find("not held"), std::string::npos);
}

// bpf_get_prandom_u32 is deterministic for a seed and differs across seeds.
TEST(Prandom, DeterministicForASeed) {
  auto draw = [](u64 seed) {
    Prog p(seed);
    std::vector<u64> v;
    for (int i = 0; i < 16; ++i) v.push_back(p.call(HelperId::get_prandom_u32));
    return v;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
  auto v = draw(7);
  EXPECT_GT(std::set<u64>(v.begin(), v.end()).size(), 12u);
  for (u64 x : v) EXPECT_LE(x, 0xffffffffu);
}

// bpf_strncmp compares like the kernel's strncmp: the sign of the first
// differing byte (unsigned), at most s1_sz bytes, equal past a shared NUL.
TEST(Strncmp, KernelStrncmpOverTheFirstArgumentsBytes) {
  Prog p;
  auto cmp = [&](const char* s1, u32 n, const char* s2) {
    return static_cast<s64>(p.call(HelperId::strncmp, s1, n, s2));
  };
  EXPECT_EQ(cmp("qmfail-7", 6, "qmfail"), 0);   // scx_qmap's use: a comm prefix
  EXPECT_EQ(cmp("qmfai", 6, "qmfail"), -1);     // shorter: its NUL sorts first
  EXPECT_EQ(cmp("qmfail", 7, "qmfai"), 1);
  EXPECT_EQ(cmp("abc", 0, "xyz"), 0);
  EXPECT_EQ(cmp("a\xff", 2, "a\x01"), 1);       // bytes compare unsigned
  EXPECT_EQ(cmp("same", 16, "same"), 0);        // stops at the shared NUL
}

// bpf_ktime_get_ns and bpf_ktime_get_boot_ns read the substrate's clock.
TEST(Clock, KtimeReadsTheEnvironmentClock) {
  Prog p;
  EXPECT_EQ(p.call(HelperId::ktime_get_ns), 0u);
  p.env.advance_to(123456);
  EXPECT_EQ(p.call(HelperId::ktime_get_ns), 123456u);
  EXPECT_EQ(p.call(HelperId::ktime_get_boot_ns), 123456u);
}

// A helper that needs the substrate, called without one, stops the program
// instead of crashing.
TEST(Clock, NoEnvironmentAborts) {
  CallContext ctx;
  helpers::ktime_get_ns(ctx, 0, 0, 0, 0, 0);
  EXPECT_TRUE(ctx.abort);
}

// The table has exactly the helpers with prototypes, at their Linux ids,
// and each prototype's map types are ones that helper handles.
TEST(HelperTable, EveryPrototypeHasAnImplementationAndViceVersa) {
  ExternTable t = make_helper_table();
  std::set<u32> implemented, described;
  for (u32 id = 0; id < t.helpers.size(); ++id)
    if (t.helpers[id]) implemented.insert(id);
  for (const auto& p : helper_protos()) {
    EXPECT_TRUE(described.insert(p.id).second) << p.name;
    EXPECT_EQ(find_helper_proto(p.name), &p);
    EXPECT_EQ(find_helper_proto(p.id), &p);
  }
  EXPECT_EQ(implemented, described);
  // Spot checks against Linux's bpf_func_id numbering.
  EXPECT_STREQ(find_helper_proto(1)->name, "bpf_map_lookup_elem");
  EXPECT_STREQ(find_helper_proto(156)->name, "bpf_task_storage_get");
  EXPECT_STREQ(find_helper_proto(181)->name, "bpf_loop");
  const HelperProto* push = find_helper_proto("bpf_map_push_elem");
  EXPECT_TRUE(helper_accepts_map(*push, MapType::queue));
  EXPECT_FALSE(helper_accepts_map(*push, MapType::hash));
  const HelperProto* lookup = find_helper_proto("bpf_map_lookup_elem");
  EXPECT_FALSE(helper_accepts_map(*lookup, MapType::ringbuf));
  EXPECT_TRUE(helper_accepts_map(*lookup, MapType::array_of_maps));
  EXPECT_EQ(find_helper_proto("bpf_timer_set_callback")->callback, HelperCallback::timer);
  EXPECT_EQ(find_helper_proto("bpf_loop")->args[1], HelperArg::callback);
  // fill_helpers keeps other slots.
  ExternTable other;
  other.kfuncs.push_back(nullptr);
  fill_helpers(other);
  EXPECT_EQ(other.kfuncs.size(), 1u);
  EXPECT_EQ(other.helpers[5], t.helpers[5]);
}

}  // namespace
}  // namespace ups::bpf
