// upsched's run of scx_userland's user-space half, on the protocol's BPF
// half (tests/policies/user_queue.bpf.c): the loader reserves the half's
// task and writes its pid and the CPU count into the read-only data, as
// scx_userland.c does; each round drains `enqueued`, hands tasks back
// through `dispatched` in order of weighted run time, at most a batch of 8,
// and keeps `nr_scheduled` current. Without a substrate that runs halves,
// the load is refused naming what is missing.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "policy/bpf_policy.h"
#include "policy/policy_loader.h"

namespace ups::policy {
namespace {

std::string user_queue() { return std::string(UPS_TEST_POLICY_DIR) + "/user_queue.bpf.o"; }

struct Enqueued {
  s32 pid;
  u64 sum_exec_runtime;
  u64 weight;
};

class RecordingHost final : public UserSpaceHost {
public:
  Result<s32> reserve_task(const char* comm) override {
    comms.push_back(comm);
    return 4242;
  }
  void run_half(s32 pid, std::unique_ptr<UserSpaceHalf> h) override {
    half_pid = pid;
    half = std::move(h);
  }
  std::vector<std::string> comms;
  s32 half_pid = 0;
  std::unique_ptr<UserSpaceHalf> half;
};

struct Loaded {
  LoadedPolicy policy;
  BpfPolicy* bpf = nullptr;
  bpf::Map* map(const char* name) const {
    for (size_t i = 0; i < bpf->object()->maps().size(); ++i)
      if (bpf->object()->maps()[i].name == name) return bpf->maps()[i].get();
    return nullptr;
  }
  u64 global(const char* name) const {
    const bpf::GlobalVar* g = bpf->object()->find_global(name);
    EXPECT_NE(g, nullptr) << name;
    if (!g) return 0;
    const u32 zero = 0;
    const u8* base = static_cast<const u8*>(bpf->maps()[g->map_index]->lookup(&zero, 0));
    u64 v = 0;
    std::memcpy(&v, base + g->offset, g->size);
    return v;
  }
};

Loaded load_with(RecordingHost* host) {
  LoadPolicyOptions o;
  o.nr_cpus = 2;
  o.user_space = host;
  auto lp = load_bpf_policy(user_queue(), o);
  EXPECT_TRUE(lp) << lp.error().to_string();
  Loaded l{std::move(*lp), nullptr};
  l.bpf = dynamic_cast<BpfPolicy*>(l.policy.ops.get());
  return l;
}

std::vector<s32> drain(bpf::Map& dispatched) {
  std::vector<s32> out;
  s32 pid = 0;
  while (dispatched.pop(&pid) == 0) out.push_back(pid);
  return out;
}

TEST(UserSpaceHalf, TheLoaderReservesItsTaskAndWritesItsPidAndTheCpuCount) {
  RecordingHost host;
  Loaded l = load_with(&host);
  ASSERT_NE(l.bpf, nullptr);
  EXPECT_EQ(host.comms, (std::vector<std::string>{"scx_userland"}));
  EXPECT_EQ(host.half_pid, 4242);
  ASSERT_NE(host.half, nullptr);
  EXPECT_STREQ(host.half->comm(), "scx_userland");
  EXPECT_EQ(l.global("usersched_pid"), 4242u);
  EXPECT_EQ(l.global("num_possible_cpus"), 2u);  // not the source's 64
}

TEST(UserSpaceHalf, ARoundHandsTasksBackInOrderOfWeightedRunTime) {
  RecordingHost host;
  Loaded l = load_with(&host);
  ASSERT_NE(host.half, nullptr);
  bpf::Map* enq = l.map("enqueued");
  bpf::Map* disp = l.map("dispatched");
  ASSERT_TRUE(enq && disp);
  // 10 ms at weight 100, 10 ms at weight 400, 1 ms at weight 100.
  for (Enqueued t : {Enqueued{1, 10'000'000, 100}, Enqueued{2, 10'000'000, 400}, Enqueued{3, 1'000'000, 100}})
    ASSERT_EQ(enq->push(&t, 0), 0);
  const TimeNs cost = host.half->round();
  EXPECT_EQ(drain(*disp), (std::vector<s32>{3, 2, 1}));
  EXPECT_EQ(l.global("nr_scheduled"), 0u);
  EXPECT_GT(cost, 0u);
  // Run time counts from when the half last saw the task, divided by its
  // weight: task 1 ran 1 ms more (vruntime 11 ms); task 2 ran 8 ms more at
  // weight 400 (2.5 + 2 = 4.5 ms, raised to the last task handed back,
  // task 1's 10 ms): 2 comes first.
  for (Enqueued t : {Enqueued{1, 11'000'000, 100}, Enqueued{2, 18'000'000, 400}}) ASSERT_EQ(enq->push(&t, 0), 0);
  host.half->round();
  EXPECT_EQ(drain(*disp), (std::vector<s32>{2, 1}));
}

TEST(UserSpaceHalf, ARoundHandsBackABatchOfEightAndCountsTheRest) {
  RecordingHost host;
  Loaded l = load_with(&host);
  ASSERT_NE(host.half, nullptr);
  bpf::Map* enq = l.map("enqueued");
  for (s32 pid = 1; pid <= 11; ++pid) {
    Enqueued t{pid, static_cast<u64>(pid) * 1000, 100};
    ASSERT_EQ(enq->push(&t, 0), 0);
  }
  host.half->round();
  EXPECT_EQ(drain(*l.map("dispatched")), (std::vector<s32>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(l.global("nr_scheduled"), 3u);
  host.half->round();
  EXPECT_EQ(drain(*l.map("dispatched")), (std::vector<s32>{9, 10, 11}));
  EXPECT_EQ(l.global("nr_scheduled"), 0u);
}

TEST(UserSpaceHalf, WithoutASubstrateToRunItTheLoadIsRefusedNamingIt) {
  LoadPolicyOptions o;
  o.nr_cpus = 2;
  auto lp = load_bpf_policy(user_queue(), o);
  ASSERT_FALSE(lp);
  EXPECT_NE(lp.error().to_string().find("needs its user-space scheduler"), std::string::npos)
      << lp.error().to_string();
}

}  // namespace
}  // namespace ups::policy
