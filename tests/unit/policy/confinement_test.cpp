// The second wall: a policy the verifier wrongly accepts (here: its map
// bounds check switched off for the test, a stand-in for a verifier bug)
// writes far past a map value. Loaded by an ordinary user, it runs
// confined: the store traps instead of reaching the host's memory, the
// class is ejected with an exit report naming the callback, the
// instruction and the source line, every task finishes under fair, and the
// other user's class keeps running.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "bpf/helpers/helper_protos.h"
#include "jit/default_backend.h"
#include "policy/bpf_policy.h"
#include "policy/confinement.h"
#include "policy/kfuncs.h"
#include "policy/policy_loader.h"
#include "policy_test_support.h"
#include "security/admission.h"

namespace ups::policy {
namespace {

using namespace testing;

const char* kAdmission =
    "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n"
    "[users.bob]\nuid = 1001\ngid = 1001\ncaps = [\"sched.load\"]\n";

// The CLI's factory, except that the tested object is loaded with the
// verifier's map bounds check off.
host::PolicyFactory factory_with_verifier_bug(const std::string& tested, bool via_helper = false,
                                              vm::Backend backend = jit::default_backend()) {
  auto adm = std::make_shared<security::AdmissionConfig>(*security::AdmissionConfig::parse(kAdmission, "test"));
  host::PolicyFactory cli = cli_factory(kAdmission);
  return [adm, cli, tested, via_helper, backend](const host::PolicyRequest& req) -> Result<host::PolicyInstance> {
    if (req.spec != tested) return cli(req);
    LoadPolicyOptions o;
    o.principal = req.principal;
    o.admission = adm.get();
    o.slot = req.slot;
    o.cpus = req.cpus;
    o.name_suffix = ".alice";
    o.test_skip_map_value_bounds = true;
    o.backend = backend;
    if (via_helper) o.params = {{"via_helper", 1}};
    return load_bpf_policy(tested, o);
  };
}

TEST(Confinement, WithoutTheSwitchTheVerifierRefusesThePolicy) {
  // The test's premise: the write is one the verifier catches.
  auto adm = security::AdmissionConfig::parse(kAdmission, "test");
  ASSERT_TRUE(adm);
  LoadPolicyOptions o;
  o.principal = Principal{1000, 1000};
  o.admission = &*adm;
  auto lp = load_bpf_policy(obj("bad_map_oob_write"), o);
  ASSERT_FALSE(lp);
  EXPECT_NE(lp.error().message.find("out of bounds"), std::string::npos) << lp.error().to_string();
}

// Runs the tested class next to bob's and returns its exit report, after
// checking that the host survived: nothing lost, every task done, bob's
// class running to the end without an error.
ExitReport run_with_verifier_bug(bool via_helper, vm::Backend backend = jit::default_backend()) {
  const std::string tested = obj("bad_map_oob_write");
  const std::string text =
      "[[classes]]\nname = \"tested\"\npolicy = \"" + tested + "\"\nuid = 1000\n"
      "[[classes]]\nname = \"other\"\npolicy = \"" + obj("simple") + ":bob\"\nuid = 1001\n"
      "[[tasks]]\nname = \"own\"\ncount = 4\nuid = 1000\nclass = \"tested\"\n"
      "program = [ { repeat = 100, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n"
      "[[tasks]]\nname = \"others\"\ncount = 3\nuid = 1001\nclass = \"other\"\n"
      "program = [ { repeat = 100, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n";
  RunOptions o;
  o.duration = 5 * kNsPerSec;
  const report::RunReport r = run_scenario(text, factory_with_verifier_bug(tested, via_helper, backend), o);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.completed) << "not every task finished";
  EXPECT_GT(class_share(r, "other"), 0.0);
  ExitReport tested_report;
  for (const auto& e : r.exit_reports) {
    if (e.class_name.find("bad_map_oob_write") != std::string::npos) tested_report = e;
    else EXPECT_FALSE(e.is_error()) << e.to_string();
  }
  EXPECT_GT(tested_report.tasks_moved_to_fair, 0u);
  return tested_report;
}

TEST(Confinement, AWrongfullyAcceptedOutOfBoundsStoreTrapsAndTheHostSurvives) {
  const ExitReport e = run_with_verifier_bug(false);
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error);
  EXPECT_NE(e.message.find("out-of-bounds write of 8 bytes"), std::string::npos);
  EXPECT_EQ(e.callback, "enqueue");
  const int line = line_of(src("bad_map_oob_write"), "v[i] = enq_flags;");
  ASSERT_GT(line, 0);
  EXPECT_NE(e.location.find("bad_map_oob_write.bpf.c:" + std::to_string(line)), std::string::npos);
  EXPECT_NE(e.location.find("insn "), std::string::npos);
}

// The exit report names the same instruction and source line whether the
// policy ran JITed or interpreted.
TEST(Confinement, JitedAndInterpretedTrapsNameTheSameInstructionAndLine) {
  const ExitReport jited = run_with_verifier_bug(false, jit::backend);
  const ExitReport interpreted = run_with_verifier_bug(false, vm::interpreter_backend);
  EXPECT_EQ(jited.kind, ExitKind::error);
  EXPECT_NE(jited.location.find("insn "), std::string::npos) << jited.to_string();
  EXPECT_EQ(jited.location, interpreted.location);
  // The messages agree but for the address (each run has its own maps).
  auto without_address = [](const std::string& m) { return m.substr(0, m.find(" at 0x")); };
  EXPECT_EQ(without_address(jited.message), without_address(interpreted.message));
  EXPECT_NE(jited.message.find("out-of-bounds write of 8 bytes"), std::string::npos);
  EXPECT_EQ(jited.callback, interpreted.callback);
}

TEST(Confinement, AHelperGivenMemoryOutsideThePolicyRefusesItAndTheHostSurvives) {
  const ExitReport e = run_with_verifier_bug(true);
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error);
  EXPECT_NE(e.message.find("confinement: bpf_map_update_elem argument 3"), std::string::npos);
  EXPECT_NE(e.message.find("not memory of the policy"), std::string::npos);
  EXPECT_EQ(e.callback, "enqueue");
  const int line = line_of(src("bad_map_oob_write"), "bpf_map_update_elem(&vals");
  ASSERT_GT(line, 0);
  EXPECT_NE(e.location.find("bad_map_oob_write.bpf.c:" + std::to_string(line)), std::string::npos);
}

TEST(Confinement, AConfinedPolicysMemoryLiesInItsSandboxWritableOrNotAsTheProgramMayUseIt) {
  LoadPolicyOptions o;
  o.confine_always = true;
  auto lp = load_bpf_policy(obj("simple"), o);
  ASSERT_TRUE(lp) << lp.error().to_string();
  auto* policy = dynamic_cast<BpfPolicy*>(lp->ops.get());
  ASSERT_NE(policy, nullptr);
  const vm::MemoryGuard::SandboxSpan sb = policy->memory().sandbox();
  ASSERT_GT(sb.read_len, 0u);
  // Every map's values: loadable, and storable exactly when the program
  // may write them (.rodata may not).
  int writable = 0, read_only = 0;
  for (const auto& m : policy->maps())
    m->for_each_region([&](void* p, std::size_t size, bool w) {
      const u64 a = reinterpret_cast<u64>(p);
      EXPECT_TRUE(sb.holds(a, size, false)) << m->name();
      EXPECT_EQ(sb.holds(a, size, true), w) << m->name();
      ++(w ? writable : read_only);
    });
  EXPECT_GT(writable, 0);
  EXPECT_GT(read_only, 0);
  // A task's mirror: storable (the program writes its slice and vtime).
  Task t;
  t.id = 1;
  const u64 mirror = policy->task_ptr(&t);
  EXPECT_TRUE(sb.holds(mirror, sizeof(kabi::TaskStruct), true));
  // Without confinement the maps stay on the heap.
  auto plain = load_bpf_policy(obj("simple"), LoadPolicyOptions{});
  ASSERT_TRUE(plain) << plain.error().to_string();
  EXPECT_EQ(dynamic_cast<BpfPolicy*>(plain->ops.get())->memory().sandbox().read_len, 0u);
}

TEST(Confinement, ExactlyTheCallsWithNothingToCheckRunUnwrapped) {
  // confined_externs leaves a call unwrapped when helper_args_checked
  // (kfunc_args_checked) says none of its arguments is checked. Given 1 in
  // every argument (no memory of the policy, not a map, a size of 1), the
  // checks must refuse exactly the calls that are wrapped.
  LoadPolicyOptions o;
  o.confine_always = true;
  auto lp = load_bpf_policy(obj("simple"), o);
  ASSERT_TRUE(lp) << lp.error().to_string();
  const auto* policy = dynamic_cast<const BpfPolicy*>(lp->ops.get());
  ASSERT_NE(policy, nullptr);
  const u64 ones[5] = {1, 1, 1, 1, 1};
  int wrapped = 0, unwrapped = 0;
  for (const auto& hp : bpf::helper_protos()) {
    SCOPED_TRACE(hp.name);
    const bool refused = !policy->memory().check_helper_args(hp.id, ones).empty();
    EXPECT_EQ(refused, helper_args_checked(hp.id));
    ++(refused ? wrapped : unwrapped);
  }
  for (u32 i = 0; i < kfuncs().size(); ++i) {
    SCOPED_TRACE(std::string(kfuncs()[i].name));
    const bool refused = !policy->memory().check_kfunc_args(i, ones).empty();
    EXPECT_EQ(refused, kfunc_args_checked(i));
    ++(refused ? wrapped : unwrapped);
  }
  // Both kinds exist: the test compares something.
  EXPECT_GT(wrapped, 10);
  EXPECT_GT(unwrapped, 10);
}

}  // namespace
}  // namespace ups::policy
