// What a scheduler's user-space half does before load, given on the command
// line: `upsched verify --set NAME=V` (or FILE?NAME=V) verifies the object
// with its read-only globals as the loader sets them (the verifier reads
// them: a branch they close is not explored), and an object whose BPF half
// waits for a user-space scheduler upsched does not run is named, with the
// reason: a warning from verify, a refusal from the loader.
#include <string>

#include <gtest/gtest.h>

#include "run_upsched.h"

namespace {

using ups::cli_test::Out;
using ups::cli_test::run;

std::string params_policy() { return std::string(UPS_TEST_POLICY_DIR) + "/loader_params.bpf.o"; }

TEST(LoadParamsCli, VerifySetsReadOnlyGlobalsBeforeVerifying) {
  // kick_on_enqueue = 0: the kick is dead code, a loader without
  // sched.kick may load it.
  Out off = run("verify --caps sched.load --set usersched_pid=1 " + params_policy());
  EXPECT_EQ(off.rc, 0) << off.text;
  Out on = run("verify --caps sched.load --set usersched_pid=1 --set kick_on_enqueue=1 " + params_policy());
  EXPECT_EQ(on.rc, 1) << on.text;
  EXPECT_NE(on.text.find("sched.kick"), std::string::npos) << on.text;
  // The same through the --policy spelling.
  Out spec = run("verify --caps sched.load '" + params_policy() + "?kick_on_enqueue=1&usersched_pid=1'");
  EXPECT_EQ(spec.rc, 1) << spec.text;
}

TEST(LoadParamsCli, VerifyRefusesAnUnknownParameterOrABadValueNamingIt) {
  Out o = run("verify --set no_such_knob=1 " + params_policy());
  EXPECT_EQ(o.rc, 2) << o.text;
  EXPECT_NE(o.text.find("no_such_knob"), std::string::npos) << o.text;
  Out bad = run("verify --set kick_on_enqueue=yes " + params_policy());
  EXPECT_EQ(bad.rc, 2) << bad.text;
  EXPECT_NE(bad.text.find("not a number"), std::string::npos) << bad.text;
}

TEST(LoadParamsCli, MissingUserSpaceSchedulerIsNamedNotMisrun) {
  Out v = run("verify " + params_policy());
  EXPECT_EQ(v.rc, 0) << v.text;
  EXPECT_NE(v.text.find("warning: upsched will not load it: scx_userland needs its user-space scheduler"),
            std::string::npos)
      << v.text;
  // The simulator runs scx_userland's half, but this object lacks its maps.
  Out s = run("sim --preset hogs --cpus 2 --duration 100ms --policy " + params_policy());
  EXPECT_NE(s.rc, 0) << s.text;
  EXPECT_NE(s.text.find("scx_userland's user-space half needs the queue maps `enqueued`"), std::string::npos)
      << s.text;
  // With the pid set (as its loader would), there is nothing to warn of.
  Out set = run("verify --set usersched_pid=1 " + params_policy());
  EXPECT_EQ(set.rc, 0) << set.text;
  EXPECT_EQ(set.text.find("warning"), std::string::npos) << set.text;
}

}  // namespace
