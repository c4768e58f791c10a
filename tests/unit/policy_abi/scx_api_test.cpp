// The sched_ext API table: name resolution as libbpf does it, the
// per-callback kfunc sets of Linux v7.2, capabilities, and the task field
// table that the verifier enforces.
#include "policy/kernel_abi/scx_api.h"
#include "policy/kfuncs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "policy/kernel_abi/kernel_types.h"

namespace ups::kabi {
namespace {

using policy::find_kfunc;
using policy::kfuncs;

using security::CapabilitySet;

const KfuncInfo& kf(std::string_view name) {
  const KfuncInfo* k = find_kfunc(name);
  EXPECT_NE(k, nullptr) << name;
  static KfuncInfo empty;
  return k ? *k : empty;
}

TEST(ScxApi, OldAndFlavouredNamesResolve) {
  struct Case {
    const char* symbol;
    const char* canonical;
  } cases[] = {
      {"scx_bpf_dsq_insert", "scx_bpf_dsq_insert"},
      {"scx_bpf_dispatch", "scx_bpf_dsq_insert"},
      {"scx_bpf_dispatch___compat", "scx_bpf_dsq_insert"},
      {"scx_bpf_dsq_insert___v2", "scx_bpf_dsq_insert___v2"},
      {"scx_bpf_dsq_insert___v2___compat", "scx_bpf_dsq_insert___v2"},
      {"scx_bpf_consume", "scx_bpf_dsq_move_to_local"},
      {"scx_bpf_consume___old", "scx_bpf_dsq_move_to_local"},
      {"scx_bpf_dispatch_vtime_from_dsq", "scx_bpf_dsq_move_vtime"},
      {"scx_bpf_dsq_move_to_local___v2", "scx_bpf_dsq_move_to_local___v2"},
  };
  for (const auto& c : cases) {
    const KfuncInfo* k = find_kfunc(c.symbol);
    ASSERT_NE(k, nullptr) << c.symbol;
    EXPECT_EQ(k->name, c.canonical) << c.symbol;
  }
  EXPECT_EQ(find_kfunc("scx_bpf_no_such_thing"), nullptr);
  EXPECT_EQ(find_kfunc("scx_bpf_no_such_thing___v2"), nullptr);
  EXPECT_EQ(strip_flavour("a___b___c"), "a___b");
  EXPECT_EQ(strip_flavour("plain"), "plain");
}

TEST(ScxApi, EveryRowHasItsOwnNamesAndAHostFunction) {
  std::set<std::string_view> symbols;
  for (const auto& k : kfuncs()) {
    EXPECT_NE(k.host, nullptr) << k.name;
    EXPECT_TRUE(symbols.insert(k.name).second) << k.name;
    for (auto a : k.aliases) EXPECT_TRUE(symbols.insert(a).second) << a << " used twice";
    EXPECT_LE(k.args.size(), 5u) << k.name << ": BPF passes at most five arguments";
    EXPECT_NE(k.sets, 0u) << k.name << " is callable from nowhere";
  }
}

TEST(ScxApi, CallbacksAreInKernelOrder) {
  const auto& cbs = callbacks();
  ASSERT_EQ(cbs.size(), static_cast<size_t>(kNumOpsCallbacks));
  for (u32 i = 0; i < cbs.size(); ++i) {
    EXPECT_EQ(cbs[i].index, i) << cbs[i].name;
    EXPECT_EQ(callback_at(i), &cbs[i]);
  }
  EXPECT_EQ(find_callback("dispatch")->index, 3u);
  EXPECT_EQ(find_callback("init")->index, 35u);
  EXPECT_EQ(find_callback("exit")->index, 36u);
  EXPECT_EQ(callback_at(37), nullptr);
  // Sleepable as bpf_scx_check_member allows.
  std::set<std::string_view> sleepable;
  for (const auto& c : cbs)
    if (c.sleepable_ok) sleepable.insert(c.name);
  EXPECT_EQ(sleepable, (std::set<std::string_view>{"init_task", "cgroup_init", "cgroup_exit",
                                                   "cgroup_prep_move", "cpu_online", "cpu_offline",
                                                   "init", "exit", "sub_attach", "sub_detach"}));
  // dispatch's prev and yield's to may be NULL.
  EXPECT_EQ(find_callback("dispatch")->args[1].kind, CbArg::task_nullable);
  EXPECT_EQ(find_callback("yield")->args[1].kind, CbArg::task_nullable);
  EXPECT_EQ(find_callback("init_task")->ret, (std::pair<s64, s64>{-4095, 0}));
}

TEST(ScxApi, KfuncsAllowedPerCallbackAsInLinux72) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(allowed_callbacks(kf("scx_bpf_dsq_move_to_local")), (V{"dispatch"}));
  EXPECT_EQ(allowed_callbacks(kf("scx_bpf_dsq_insert")), (V{"select_cpu", "enqueue", "dispatch"}));
  EXPECT_EQ(allowed_callbacks(kf("scx_bpf_select_cpu_dfl")),
            (V{"select_cpu", "enqueue", "init_task", "dump", "cgroup_init", "cgroup_exit",
               "cgroup_prep_move", "cgroup_cancel_move", "cgroup_set_weight",
               "cgroup_set_bandwidth", "cgroup_set_idle", "sub_attach", "sub_detach", "cpu_online",
               "cpu_offline", "init", "exit"}));
  auto create = allowed_callbacks(kf("scx_bpf_create_dsq"));
  EXPECT_NE(std::find(create.begin(), create.end(), "init"), create.end());
  EXPECT_NE(std::find(create.begin(), create.end(), "init_task"), create.end());
  EXPECT_EQ(std::find(create.begin(), create.end(), "enqueue"), create.end());
  // Every callback may call the `any` set.
  EXPECT_EQ(allowed_callbacks(kf("scx_bpf_now")).size(), callbacks().size());
}

TEST(ScxApi, RefusalsNameTheKfuncTheCallbackAndTheCapability) {
  const CapabilitySet all = CapabilitySet::all();
  const CapabilitySet none = CapabilitySet::none();
  const auto* enqueue = find_callback("enqueue");
  const auto* dispatch = find_callback("dispatch");
  const auto* init = find_callback("init");

  auto r = kfunc_refusal(kf("scx_bpf_kick_cpu"), enqueue, false, none);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "scx_bpf_kick_cpu needs capability sched.kick");
  EXPECT_FALSE(kfunc_refusal(kf("scx_bpf_kick_cpu"), enqueue, false, all));

  r = kfunc_refusal(kf("scx_bpf_dsq_move_to_local"), enqueue, false, all);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "scx_bpf_dsq_move_to_local may only be called from dispatch, not from enqueue()");
  EXPECT_FALSE(kfunc_refusal(kf("scx_bpf_dsq_move_to_local"), dispatch, false, all));

  r = kfunc_refusal(kf("scx_bpf_create_dsq"), init, false, all);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("sleepable"), std::string::npos) << *r;
  EXPECT_FALSE(kfunc_refusal(kf("scx_bpf_create_dsq"), init, true, all));

  // Timer callbacks: any, idle and the DSQ moves; never inserts.
  EXPECT_FALSE(kfunc_refusal(kf("scx_bpf_kick_cpu"), nullptr, false, all));
  EXPECT_FALSE(kfunc_refusal(kf("scx_bpf_dsq_move"), nullptr, false, all));
  r = kfunc_refusal(kf("scx_bpf_dsq_insert"), nullptr, false, all);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("a timer callback"), std::string::npos) << *r;

  // update_idle without SCX_OPS_KEEP_BUILTIN_IDLE: no idle kfuncs.
  EXPECT_FALSE(kfunc_refusal(kf("scx_bpf_pick_idle_cpu"), enqueue, false, all, true));
  r = kfunc_refusal(kf("scx_bpf_pick_idle_cpu"), enqueue, false, all, false);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("idle tracking"), std::string::npos) << *r;
}

TEST(ScxApi, ExtensionsNeedTheirCapabilities) {
  for (const char* n :
       {"upsched_task_wait_event", "upsched_task_is_spinning", "upsched_event_fired"}) {
    EXPECT_EQ(kf(n).cap, Capability::events) << n;
    auto r = kfunc_refusal(kf(n), find_callback("enqueue"), false, CapabilitySet::none());
    ASSERT_TRUE(r) << n;
    EXPECT_NE(r->find("sched.events"), std::string::npos) << *r;
  }
  EXPECT_EQ(kf("upsched_task_lock_holder").cap, Capability::locks);
  // A pid lookup verifies for anyone; sched.inspect widens it at run time.
  EXPECT_FALSE(kf("bpf_task_from_pid").cap.has_value());
  EXPECT_EQ(kf("bpf_task_from_pid").widened_by, Capability::inspect);
  EXPECT_EQ(kf("bpf_task_from_pid").flags & (kf_acquire | kf_ret_null), kf_acquire | kf_ret_null);
  EXPECT_EQ(kf("bpf_task_release").flags & kf_release, kf_release);
}

TEST(ScxApi, PreemptingInsertsNeedTheKickCapability) {
  for (const auto& k : kfuncs()) {
    const bool has_enq_flags = k.name.find("insert") != std::string_view::npos ||
                               k.name == "scx_bpf_dsq_move" || k.name == "scx_bpf_dsq_move_vtime" ||
                               k.name == "scx_bpf_dsq_move_to_local___v2";
    ASSERT_EQ(k.flag_cap.has_value(), has_enq_flags) << k.name;
    if (!k.flag_cap) continue;
    EXPECT_EQ(k.flag_cap->mask, u64{1} << 32) << k.name;  // SCX_ENQ_PREEMPT
    EXPECT_EQ(k.flag_cap->cap, Capability::kick) << k.name;
    ASSERT_LT(k.flag_cap->arg, k.args.size()) << k.name;
    EXPECT_EQ(k.args[k.flag_cap->arg], KArg::scalar) << k.name;
  }
  EXPECT_EQ(kf("scx_bpf_dsq_insert_vtime").flag_cap->arg, 4u);
}

TEST(ScxApi, OnlySliceVtimeAndDisallowAreWritable) {
  std::set<std::string_view> writable;
  for (const auto& f : task_fields())
    if (f.write) writable.insert(f.path);
  EXPECT_EQ(writable, (std::set<std::string_view>{"scx.slice", "scx.dsq_vtime", "scx.disallow"}));
  ASSERT_NE(find_task_field("comm"), nullptr);
  EXPECT_EQ(find_task_field("comm")->cap, Capability::inspect);
  EXPECT_FALSE(find_task_field("pid")->cap.has_value());
  EXPECT_EQ(find_task_field("scx.ops_state"), nullptr);
}

// Every leaf field of task_struct in vmlinux.h has exactly one rule, and
// every rule names a real field.
TEST(ScxApi, TaskFieldTableCoversTaskStruct) {
  const auto& types = host_types();
  std::set<std::string> leaves;
  const auto* task = types.find_struct("task_struct");
  ASSERT_NE(task, nullptr);
  for (const auto& f : task->fields) {
    if (f.struct_type.empty() || f.struct_type == "cpumask") {
      leaves.insert(f.name);
      continue;
    }
    const auto* inner = types.find_struct(f.struct_type);
    ASSERT_NE(inner, nullptr) << f.struct_type;
    for (const auto& g : inner->fields) leaves.insert(f.name + "." + g.name);
  }
  std::set<std::string> rules;
  for (const auto& r : task_fields()) rules.insert(std::string(r.path));
  EXPECT_EQ(rules, leaves);
}

TEST(ScxApi, TimerHelpersNeedTheTimerCapability) {
  std::set<u32> ids;
  for (const auto& h : helpers()) {
    EXPECT_TRUE(ids.insert(h.id).second) << h.name;
    bool timer = h.name.rfind("bpf_timer_", 0) == 0;
    EXPECT_EQ(h.cap.has_value(), timer) << h.name;
    if (timer) {
      EXPECT_EQ(*h.cap, Capability::timer);
    }
  }
  ASSERT_NE(find_helper(156), nullptr);
  EXPECT_EQ(find_helper(156)->name, "bpf_task_storage_get");
  EXPECT_EQ(find_helper(4), nullptr);
}

}  // namespace
}  // namespace ups::kabi
