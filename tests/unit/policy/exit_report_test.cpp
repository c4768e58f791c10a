// Exit reports: every way a BPF class leaves the chain produces one, with
// its kind and what the loader needs to act on it: the scx_bpf_error
// message, the stalled task, or, for a failed run-time check, the kfunc,
// the argument, the callback and the source line. Meanwhile every task
// finishes under fair and the other classes keep running.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

// A finite scenario: `name` (loaded by root, with `params`) schedules the
// "own" tasks; bob's simple class schedules the "others"; the "victim"
// task (pid 1, spawned first) stays under fair.
report::RunReport run_next_to_others(const std::string& name, const std::string& params = {}) {
  const std::string text =
      "[[classes]]\nname = \"tested\"\npolicy = \"" + obj(name) + params + "\"\n"
      "[[classes]]\nname = \"other\"\npolicy = \"" + obj("simple") + ":bob\"\nuid = 1001\n"
      "[[tasks]]\nname = \"victim\"\ncount = 1\n"
      "program = [ { repeat = 100, body = [ { compute = \"200us\" }, { sleep = \"100us\" } ] } ]\n"
      "[[tasks]]\nname = \"own\"\ncount = 4\nclass = \"tested\"\n"
      "program = [ { repeat = 100, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n"
      "[[tasks]]\nname = \"others\"\ncount = 3\nuid = 1001\nclass = \"other\"\n"
      "program = [ { repeat = 100, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n";
  RunOptions o;
  o.duration = 5 * kNsPerSec;
  return run_scenario(text, cli_factory("[users.bob]\nuid = 1001\ngid = 1001\ncaps = [\"sched.load\"]\n"), o);
}

// The one exit report of the tested class, after checking that the run
// lost nothing, finished every task and left bob's class running to the
// end with a share of the CPUs (its report says so, and is no error).
ExitReport only_report(const report::RunReport& r) {
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_TRUE(r.completed) << "not every task finished";
  EXPECT_GT(class_share(r, "other"), 0.0);
  EXPECT_EQ(r.exit_reports.size(), 2u);
  std::vector<ExitReport> tested;
  for (const auto& e : r.exit_reports) {
    if (e.class_name.find("simple") == std::string::npos) {
      tested.push_back(e);
      continue;
    }
    EXPECT_EQ(e.kind, ExitKind::unreg_kern) << e.to_string();
    EXPECT_EQ(e.message, "still loaded when the run ended");
  }
  EXPECT_EQ(tested.size(), 1u);
  return tested.empty() ? ExitReport{} : tested.front();
}

// "bad_x.bpf.c:LINE" for the line of `needle` in the policy's source.
std::string source_at(const std::string& name, const std::string& needle) {
  const int line = line_of(src(name), needle);
  EXPECT_GT(line, 0) << needle << " not in " << src(name);
  return name + ".bpf.c:" + std::to_string(line);
}

TEST(ExitReport, ForeignDispatchNamesKfuncArgumentCallbackAndLine) {
  const ExitReport e = only_report(run_next_to_others("bad_foreign_dispatch", "?victim_pid=1"));
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error);
  EXPECT_NE(e.message.find("scx_bpf_dsq_insert"), std::string::npos);
  EXPECT_NE(e.message.find("argument 1"), std::string::npos);
  EXPECT_NE(e.message.find("victim (pid 1)"), std::string::npos);
  EXPECT_EQ(e.callback, "dispatch");
  EXPECT_NE(e.location.find(source_at("bad_foreign_dispatch", "scx_bpf_dsq_insert(victim")), std::string::npos);
  EXPECT_GT(e.tasks_moved_to_fair, 0u);
}

TEST(ExitReport, ForeignTaskInvisibleWithoutAllTasksIsHarmless) {
  // Loaded by alice (no sched.all_tasks), bpf_task_from_pid() does not
  // return root's victim: nothing to refuse, the class runs to the end.
  const std::string text =
      "[[classes]]\nname = \"tested\"\npolicy = \"" + obj("bad_foreign_dispatch") + "?victim_pid=1:alice\"\n"
      "uid = 1000\n"
      "[[tasks]]\nname = \"victim\"\ncount = 1\n"
      "program = [ { repeat = 50, body = [ { compute = \"200us\" }, { sleep = \"100us\" } ] } ]\n"
      "[[tasks]]\nname = \"own\"\ncount = 2\nuid = 1000\nclass = \"tested\"\n"
      "program = [ { repeat = 50, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n";
  RunOptions o;
  o.duration = 5 * kNsPerSec;
  report::RunReport r =
      run_scenario(text, cli_factory("[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n"), o);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.completed);
  EXPECT_GT(class_share(r, "tested"), 0.0);
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
}

TEST(ExitReport, VtimeInsertIntoFifoNamesKfuncCallbackAndLine) {
  const ExitReport e = only_report(run_next_to_others("bad_vtime_into_fifo"));
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error);
  EXPECT_NE(e.message.find("scx_bpf_dsq_insert_vtime"), std::string::npos);
  EXPECT_EQ(e.callback, "enqueue");
  EXPECT_NE(e.location.find(source_at("bad_vtime_into_fifo", "scx_bpf_dsq_insert_vtime(")), std::string::npos);
}

TEST(ExitReport, ScxBpfErrorCarriesTheFormattedMessage) {
  const ExitReport e = only_report(run_next_to_others("bad_calls_error"));
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error_bpf);
  EXPECT_EQ(e.reason, "scx_bpf_error");
  EXPECT_NE(e.message.find("bad_calls_error: giving up after"), std::string::npos);
  EXPECT_EQ(e.message.find("%u"), std::string::npos) << "the format was not applied";
  EXPECT_EQ(e.callback, "enqueue");
  EXPECT_NE(e.location.find("bad_calls_error.bpf.c:"), std::string::npos);
}

TEST(ExitReport, CheckFailureInATimerCallbackNamesKfuncTimerAndLine) {
  // The timer's loop kicks one CPU past the last: the check fails outside
  // any struct_ops callback, and the report still says where.
  const ExitReport e = only_report(run_next_to_others("bad_timer_kick"));
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error);
  EXPECT_NE(e.message.find("scx_bpf_kick_cpu"), std::string::npos);
  EXPECT_NE(e.message.find("invalid CPU"), std::string::npos);
  EXPECT_EQ(e.callback, "timer");
  EXPECT_NE(e.location.find(source_at("bad_timer_kick", "scx_bpf_kick_cpu(i, 0)")), std::string::npos);
  EXPECT_GT(e.tasks_moved_to_fair, 0u);
}

TEST(ExitReport, ScxBpfExitEndsTheClassWithItsCodeAndMessage) {
  const ExitReport e = only_report(run_next_to_others("bad_timer_kick", "?exit_after=5"));
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::unreg_bpf);
  EXPECT_FALSE(e.is_error()) << "scx_bpf_exit is the policy's own, normal exit";
  EXPECT_EQ(e.exit_code, 42);
  EXPECT_EQ(e.message, "bad_timer_kick: done after 5 rounds");
  EXPECT_EQ(e.callback, "timer");
  EXPECT_NE(e.location.find(source_at("bad_timer_kick", "scx_bpf_exit(EXIT_CODE")), std::string::npos);
  EXPECT_GT(e.tasks_moved_to_fair, 0u);
}

TEST(ExitReport, WatchdogStallNamesTheStall) {
  const ExitReport e = only_report(run_next_to_others("bad_never_dispatch"));
  SCOPED_TRACE(e.to_string());
  EXPECT_EQ(e.kind, ExitKind::error_stall);
  EXPECT_EQ(e.reason, "runnable task stall");
  EXPECT_NE(e.message.find("own"), std::string::npos) << "the stalled task is not named";
  EXPECT_GT(e.tasks_moved_to_fair, 0u);
}

TEST(ExitReport, NormalUnloadIsNotAnError) {
  const std::string text =
      "[[classes]]\nname = \"tested\"\npolicy = \"" + obj("simple") + "\"\nunload_at = \"20ms\"\n"
      "[[tasks]]\nname = \"own\"\ncount = 4\nclass = \"tested\"\n"
      "program = [ { repeat = 100, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n";
  RunOptions o;
  o.duration = 5 * kNsPerSec;
  report::RunReport r = run_scenario(text, cli_factory(), o);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.completed);
  ASSERT_EQ(r.exit_reports.size(), 1u);
  const ExitReport& e = r.exit_reports.front();
  EXPECT_EQ(e.kind, ExitKind::unreg) << e.to_string();
  EXPECT_FALSE(e.is_error());
  EXPECT_EQ(e.message, "unloaded by the scenario");
  EXPECT_GT(e.tasks_moved_to_fair, 0u);
}

TEST(ExitReport, AClassStillLoadedAtTheEndGetsANormalReport) {
  report::RunReport r = run_preset("hogs", obj("simple"), cli_factory());
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.exit_reports.size(), 1u);
  const ExitReport& e = r.exit_reports.front();
  EXPECT_EQ(e.kind, ExitKind::unreg_kern) << e.to_string();
  EXPECT_FALSE(e.is_error());
  EXPECT_EQ(e.reason, exit_kind_reason(ExitKind::unreg_kern));
  EXPECT_EQ(e.message, "still loaded when the run ended");
  EXPECT_NE(e.class_name.find("simple"), std::string::npos);
}

}  // namespace
}  // namespace ups::policy
