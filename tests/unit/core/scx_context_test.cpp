// Each bad ScxContext call (bad DSQ id, CPU outside the grant, FIFO/vtime
// mixing, foreign task, kfunc from the wrong callback, ...) ejects the
// class with a report that names the call and the argument, and no task is
// lost: every task then finishes under fair.
#include <gtest/gtest.h>

#include "core/scx_call_rules.h"
#include "scripted_policy.h"
#include "test_driver.h"

namespace ups::test {
namespace {

constexpr DsqId kFifoDsq = 5;
constexpr DsqId kVtimeDsq = 6;

struct Env {
  Task* fair_task = nullptr;  // a task of another class
  std::vector<Task*> held;    // tasks the policy keeps
  int n = 0;                  // enqueue counter
};

struct BadCase {
  const char* name;
  std::function<void(ScriptedPolicy&, Env&)> setup;
  ExitKind kind;
  const char* message;   // substring of the report's message
  const char* callback;  // the op that was running
  ClassGrant grant{};
};

// Enqueue keeps tasks in the FIFO user DSQ unless the case overrides it.
void keep_in_fifo(ScriptedPolicy& p) {
  p.on_enqueue = [](ScxContext& c, Task& t, u64 f) { c.dsq_insert(t, kFifoDsq, scx::SLICE_DFL, f); };
  p.on_dispatch = [](ScxContext& c, CpuId, Task*) { c.dsq_move_to_local(kFifoDsq); };
}

// Rules as a policy host derives them from its kfunc table (policy/kfuncs.h;
// the policy tests check that derivation); the core enforces whatever it is
// handed, and a class without rules is trusted code.
ScxCallRules some_rules() {
  ScxCallRules r;
  for (ScxCallRule& rule : r.calls) rule.callers = ~0u;
  r[ScxCall::dsq_move_to_local] = {"scx_bpf_dsq_move_to_local", op_bit(Op::dispatch)};
  r[ScxCall::create_dsq] = {"scx_bpf_create_dsq", op_bit(Op::init)};
  r[ScxCall::select_cpu_dfl] = {"scx_bpf_select_cpu_dfl", op_bit(Op::select_cpu) | op_bit(Op::enqueue)};
  return r;
}
const ScxCallRules kRules = some_rules();

ClassGrant grant_cpus(std::initializer_list<CpuId> cpus, bool may_kick = true) {
  ClassGrant g;
  for (CpuId c : cpus) g.cpus.set(c);
  g.may_kick = may_kick;
  return g;
}

const BadCase kCases[] = {
    {"InvalidBuiltinDsq",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_FLAG_BUILTIN | 3, scx::SLICE_DFL, f);
       };
     },
     ExitKind::error, "scx_bpf_dsq_insert: invalid DSQ ID 0x8000000000000003", "enqueue"},
    {"MissingUserDsq",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) { c.dsq_insert(t, 42, scx::SLICE_DFL, f); };
     },
     ExitKind::error, "scx_bpf_dsq_insert: DSQ 0x000000000000002a does not exist", "enqueue"},
    {"LocalOnInvalidCpu",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_LOCAL_ON | 99, scx::SLICE_DFL, f);
       };
     },
     ExitKind::error, "invalid CPU 99 in SCX_DSQ_LOCAL_ON", "enqueue"},
    {"LocalOnOutsideGrant",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_LOCAL_ON | 1, scx::SLICE_DFL, f);
       };
     },
     ExitKind::error, "CPU 1 in SCX_DSQ_LOCAL_ON is outside the class's CPUs 0", "enqueue",
     grant_cpus({0})},
    {"VtimeIntoGlobal",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert_vtime(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, 1, f);
       };
     },
     ExitKind::error, "scx_bpf_dsq_insert_vtime: cannot use vtime ordering for built-in DSQs",
     "enqueue"},
    {"VtimeIntoFifoDsq",
     [](ScriptedPolicy& p, Env& e) {
       p.on_enqueue = [&e](ScxContext& c, Task& t, u64 f) {
         if (e.n++ == 0) c.dsq_insert(t, kFifoDsq, scx::SLICE_DFL, f);
         else c.dsq_insert_vtime(t, kFifoDsq, scx::SLICE_DFL, 10, f);
       };
     },
     ExitKind::error, "DSQ ID 0x0000000000000005 already had FIFO-enqueued tasks", "enqueue"},
    {"FifoIntoVtimeDsq",
     [](ScriptedPolicy& p, Env& e) {
       p.on_enqueue = [&e](ScxContext& c, Task& t, u64 f) {
         if (e.n++ == 0) c.dsq_insert_vtime(t, kVtimeDsq, scx::SLICE_DFL, 10, f);
         else c.dsq_insert(t, kVtimeDsq, scx::SLICE_DFL, f);
       };
     },
     ExitKind::error, "DSQ ID 0x0000000000000006 already had PRIQ-enqueued tasks", "enqueue"},
    {"ForeignTask",
     [](ScriptedPolicy& p, Env& e) {
       p.on_enqueue = [&e](ScxContext& c, Task&, u64 f) {
         c.dsq_insert(*e.fair_task, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
       };
     },
     ExitKind::error, "is not attached to class bad", "enqueue"},
    {"OtherTaskInEnqueue",
     [](ScriptedPolicy& p, Env& e) {
       p.on_enqueue = [&e](ScxContext& c, Task& t, u64 f) {
         if (!e.held.empty()) c.dsq_insert(*e.held.front(), scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
         e.held.push_back(&t);
       };
     },
     ExitKind::error, "is not the task being enqueued", "enqueue"},
    {"DoubleDirectDispatch",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
         c.dsq_insert(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
       };
     },
     ExitKind::error, "already direct-dispatched", "enqueue"},
    {"MoveToLocalOutsideDispatch",
     [](ScriptedPolicy& p, Env&) {
       p.cfg.scx_calls = &kRules;
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, kFifoDsq, scx::SLICE_DFL, f);
         c.dsq_move_to_local(kFifoDsq);
       };
     },
     ExitKind::error, "scx_bpf_dsq_move_to_local called from enqueue (allowed only in dispatch)",
     "enqueue"},
    {"MoveToLocalFromUnknownDsq",
     [](ScriptedPolicy& p, Env&) {
       keep_in_fifo(p);
       p.on_dispatch = [](ScxContext& c, CpuId, Task*) { c.dsq_move_to_local(77); };
     },
     ExitKind::error, "scx_bpf_dsq_move_to_local: invalid DSQ ID 0x000000000000004d", "dispatch"},
    {"DispatchBufferOverflow",
     [](ScriptedPolicy& p, Env& e) {
       p.cfg.dispatch_max_batch = 2;
       p.on_enqueue = [&e](ScxContext&, Task& t, u64) { e.held.push_back(&t); };
       p.on_dispatch = [&e](ScxContext& c, CpuId, Task*) {
         for (int i = 0; i < 3 && !e.held.empty(); ++i)
           c.dsq_insert(*e.held.front(), scx::DSQ_LOCAL, scx::SLICE_DFL, 0);
       };
     },
     ExitKind::error, "dispatch buffer overflow (more than 2 inserts", "dispatch"},
    {"KickWithoutCapability",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
         c.kick_cpu(0, 0);
       };
     },
     ExitKind::error, "scx_bpf_kick_cpu: class bad may not kick CPUs", "enqueue",
     grant_cpus({0, 1}, false)},
    {"PreemptingInsertWithoutCapability",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_LOCAL, scx::SLICE_DFL, f | scx::ENQ_PREEMPT);
       };
     },
     ExitKind::error, "scx_bpf_dsq_insert: SCX_ENQ_PREEMPT: class bad may not preempt CPUs (needs sched.kick)", "enqueue",
     grant_cpus({0, 1}, false)},
    {"KickInvalidCpu",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
         c.kick_cpu(77, 0);
       };
     },
     ExitKind::error, "scx_bpf_kick_cpu: invalid CPU 77", "enqueue"},
    {"KickOutsideGrant",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
         c.kick_cpu(1, scx::KICK_PREEMPT);
       };
     },
     ExitKind::error, "scx_bpf_kick_cpu: CPU 1 is outside the class's CPUs 0", "enqueue",
     grant_cpus({0})},
    {"KickIdleWithPreempt",
     [](ScriptedPolicy& p, Env&) {
       p.on_enqueue = [](ScxContext& c, Task& t, u64 f) {
         c.dsq_insert(t, scx::DSQ_GLOBAL, scx::SLICE_DFL, f);
         c.kick_cpu(0, scx::KICK_IDLE | scx::KICK_PREEMPT);
       };
     },
     ExitKind::error, "SCX_KICK_IDLE cannot be combined", "enqueue"},
    {"SelectCpuReturnsInvalidCpu",
     [](ScriptedPolicy& p, Env&) {
       p.on_select_cpu = [](ScxContext&, Task&, CpuId, u64) { return CpuId{500}; };
     },
     ExitKind::error, "select_cpu returned invalid CPU 500", "select_cpu"},
    {"CreateDsqFromDispatch",
     [](ScriptedPolicy& p, Env&) {
       p.cfg.scx_calls = &kRules;
       keep_in_fifo(p);
       p.on_dispatch = [](ScxContext& c, CpuId, Task*) {
         c.create_dsq(9, -1);
         c.dsq_move_to_local(kFifoDsq);
       };
     },
     ExitKind::error, "scx_bpf_create_dsq called from dispatch", "dispatch"},
    {"DestroyDsqInUse",
     [](ScriptedPolicy& p, Env&) {
       keep_in_fifo(p);
       p.on_dispatch = [](ScxContext& c, CpuId, Task*) { c.destroy_dsq(kFifoDsq); };
     },
     ExitKind::error, "attempting to destroy in-use DSQ 0x0000000000000005", "dispatch"},
    {"PeekBuiltinDsq",
     [](ScriptedPolicy& p, Env&) {
       p.on_dispatch = [](ScxContext& c, CpuId, Task*) { c.dsq_peek(scx::DSQ_GLOBAL); };
       p.on_enqueue = [](ScxContext&, Task&, u64) {};
     },
     ExitKind::error, "scx_bpf_dsq_peek: built-in DSQ 0x8000000000000001", "dispatch"},
    {"SelectCpuDflFromDispatch",
     [](ScriptedPolicy& p, Env& e) {
       p.cfg.scx_calls = &kRules;
       p.on_enqueue = [&e](ScxContext&, Task& t, u64) { e.held.push_back(&t); };
       p.on_dispatch = [&e](ScxContext& c, CpuId cpu, Task*) {
         bool idle;
         if (!e.held.empty()) c.select_cpu_dfl(*e.held.front(), cpu, 0, &idle);
       };
     },
     ExitKind::error, "scx_bpf_select_cpu_dfl called from dispatch", "dispatch"},
    {"ReservedTimerId",
     [](ScriptedPolicy& p, Env&) {
       p.on_running = [](ScxContext& c, Task&) { c.arm_timer(~0ULL, c.now() + 1); };
     },
     ExitKind::error, "timer id 0xffffffffffffffff is reserved", "running"},
    {"PolicyCallsError",
     [](ScriptedPolicy& p, Env&) {
       p.on_tick = [](ScxContext& c, Task& t) { c.error("tick saw task " + std::to_string(t.id), "bad.bpf.c:12"); };
     },
     ExitKind::error_bpf, "tick saw task", "tick"},
    {"PolicyCallsExit",
     [](ScriptedPolicy& p, Env&) {
       p.on_stopping = [](ScxContext& c, Task&, bool) { c.exit(7, "done for now"); };
     },
     ExitKind::unreg_bpf, "done for now", "stopping"},
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadCall : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadCall, EjectsWithReportAndLosesNoTask) {
  const BadCase& bc = GetParam();
  TestDriver d(2);
  Env env;
  auto pol = std::make_unique<ScriptedPolicy>("bad");
  ScriptedPolicy* sp = pol.get();
  sp->on_init = [](ScxContext& c) {
    EXPECT_EQ(c.create_dsq(kFifoDsq, -1), 0);
    EXPECT_EQ(c.create_dsq(kVtimeDsq, -1), 0);
    return 0;
  };
  sp->on_select_cpu = [](ScxContext&, Task&, CpuId prev, u64) { return prev; };
  int exits_seen = 0;
  ExitReport seen;
  sp->on_exit = [&](const ExitReport& r) {
    ++exits_seen;
    seen = r;
  };
  bc.setup(*sp, env);
  env.fair_task = d.spawn(Behaviour::periodic(kNsPerMs, kNsPerMs, 20), spec("fairy"));
  auto cls = d.load(std::move(pol), ChainSlot::below_fair, bc.grant);
  ASSERT_TRUE(cls.has_value()) << cls.error().to_string();
  std::vector<Task*> ts;
  for (int i = 0; i < 4; ++i)
    ts.push_back(d.create(Behaviour::periodic(2 * kNsPerMs, kNsPerMs, 5), spec("w"), *cls));
  for (Task* t : ts) d.wake(t);
  d.run_for(2 * kNsPerSec);

  ASSERT_EQ(d.reports().size(), 1u);
  const ExitReport& r = d.reports()[0];
  EXPECT_EQ(r.class_name, "bad");
  EXPECT_EQ(r.kind, bc.kind) << r.to_string();
  EXPECT_NE(r.message.find(bc.message), std::string::npos) << r.to_string();
  EXPECT_EQ(r.callback, bc.callback) << r.to_string();
  EXPECT_EQ(r.reason, exit_kind_reason(bc.kind));
  EXPECT_EQ(exits_seen, 1);  // ops.exit saw the same report
  EXPECT_EQ(seen.message, r.message);
  EXPECT_FALSE(d.core().class_loaded(*cls));
  EXPECT_TRUE(d.all_exited()) << d.core().nr_live_tasks() << " tasks left";
  for (Task* t : ts) EXPECT_EQ(t->cls, d.core().fair_class());
  if (r.is_error()) {
    EXPECT_EQ(d.core().stats().ejections, 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(ScxContext, BadCall, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ScxContext, InitFailureRefusesTheLoad) {
  TestDriver d(1);
  auto pol = std::make_unique<ScriptedPolicy>("noinit");
  pol->on_init = [](ScxContext&) { return -scx::E_INVAL; };
  auto r = d.load(std::move(pol));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("ops.init() failed (-22)"), std::string::npos);
  ASSERT_EQ(d.reports().size(), 1u);
  EXPECT_EQ(d.reports()[0].callback, "init");
  EXPECT_EQ(d.core().find_class("noinit"), kNoClass);
}

TEST(ScxContext, LoadRejectsBadConfig) {
  TestDriver d(2);
  auto a = std::make_unique<ScriptedPolicy>("bad name!");
  EXPECT_FALSE(d.load(std::move(a)).has_value());
  auto b = std::make_unique<ScriptedPolicy>("slow");
  b->cfg.timeout_ms = 40000;
  EXPECT_FALSE(d.load(std::move(b)).has_value());
  ClassGrant g;
  g.bw_runtime_ns = g.bw_period_ns;
  EXPECT_FALSE(d.load(std::make_unique<ScriptedPolicy>("greedy"), ChainSlot::above_fair, g).has_value());
  ClassGrant far;
  far.cpus.set(5);
  EXPECT_FALSE(d.load(std::make_unique<ScriptedPolicy>("far"), ChainSlot::below_fair, far).has_value());
}

TEST(ScxContext, QueriesDoNotEject) {
  TestDriver d(2);
  auto pol = std::make_unique<ScriptedPolicy>("q");
  bool checked = false;
  pol->on_dispatch = [&](ScxContext& c, CpuId cpu, Task*) {
    EXPECT_EQ(c.dsq_nr_queued(12345), -scx::E_NOENT);
    EXPECT_EQ(c.dsq_nr_queued(scx::DSQ_LOCAL), 0);
    EXPECT_GE(c.dsq_nr_queued(scx::DSQ_GLOBAL), 0);
    EXPECT_EQ(c.this_cpu(), cpu);
    EXPECT_EQ(c.task_from_pid(99999), nullptr);
    EXPECT_EQ(c.current_op(), Op::dispatch);
    checked = true;
  };
  auto cls = d.load(std::move(pol));
  for (int i = 0; i < 4; ++i) d.spawn(Behaviour::work(kNsPerMs), {}, *cls);
  d.run_for(10 * kNsPerMs);
  EXPECT_TRUE(checked);
  EXPECT_TRUE(d.all_exited());
  EXPECT_TRUE(d.reports().empty());
}

TEST(ScxContext, CreateDsqErrorsAreReturned) {
  TestDriver d(1);
  auto pol = std::make_unique<ScriptedPolicy>("c");
  pol->on_init = [](ScxContext& c) {
    EXPECT_EQ(c.create_dsq(1, -1), 0);
    EXPECT_EQ(c.create_dsq(1, -1), -scx::E_EXIST);
    EXPECT_EQ(c.create_dsq(scx::DSQ_GLOBAL, -1), -scx::E_INVAL);
    EXPECT_EQ(c.create_dsq(2, 7), -scx::E_INVAL);
    EXPECT_EQ(c.dsq_nr_queued(1), 0);
    c.destroy_dsq(1);
    EXPECT_EQ(c.dsq_nr_queued(1), -scx::E_NOENT);
    c.destroy_dsq(99);  // unknown: ignored
    return 0;
  };
  EXPECT_TRUE(d.load(std::move(pol)).has_value());
  EXPECT_TRUE(d.reports().empty());
}

}  // namespace
}  // namespace ups::test
