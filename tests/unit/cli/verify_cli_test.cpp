// `upsched verify` run as a policy author would: one summary line per
// callback and exit 0 for a safe object; exit 1 with the callback, the
// instruction index, its disassembly, the source line and the reason for a
// rejected one; exit 2 for bad arguments. --as/--admission verifies with
// the capabilities an admission file grants a user.
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Out;
using ups::cli_test::run;

std::string policy(const std::string& name) { return std::string(UPS_POLICY_DIR) + "/" + name + ".bpf.o"; }

std::string admission_file() {
  const std::string path =
      (fs::temp_directory_path() / ("upsched_verify_" + std::to_string(getpid()) + ".toml")).string();
  std::ofstream(path) << "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [\"sched.load\"]\n"
                         "[users.carol]\nuid = 1002\ngid = 1002\n"
                         "caps = [\"sched.load\", \"sched.kick\", \"sched.timer\"]\n"
                         "[users.bob]\nuid = 1001\ngid = 1001\ncaps = [\"sched.kick\"]\n";
  return path;
}

TEST(VerifyCli, SafeObjectPrintsOneSummaryLinePerCallback) {
  Out o = run("verify " + policy("simple"));
  ASSERT_EQ(o.rc, 0) << o.text;
  const std::regex line(R"((^|\n)(\w+): (\d+) instructions, (\d+) processed, (\d+) states, [0-9.]+ ms)");
  int lines = 0;
  for (auto it = std::sregex_iterator(o.text.begin(), o.text.end(), line); it != std::sregex_iterator(); ++it) ++lines;
  // simple implements select_cpu, enqueue, dispatch, running, stopping, enable, init, exit.
  EXPECT_EQ(lines, 8) << o.text;
  EXPECT_NE(o.text.find("dispatch: "), std::string::npos) << o.text;
}

TEST(VerifyCli, RejectionNamesInstructionDisassemblySourceAndCapability) {
  Out o = run("verify " + policy("faas_event") + " --caps sched.load");
  ASSERT_EQ(o.rc, 1) << o.text;
  const std::regex error(R"(faas_event\.bpf\.o: dispatch: instruction \d+: `call kfunc 0x[0-9a-f]+` \(events\.h:\d+\): )"
                         R"(upsched_task_is_spinning needs capability sched\.events)");
  EXPECT_TRUE(std::regex_search(o.text, error)) << o.text;
  // The C source line the instruction comes from.
  EXPECT_NE(o.text.find("| if (!UPSCHED_CALL_OR(false, upsched_task_is_spinning, p))"), std::string::npos)
      << o.text;
}

// --virt-side: the guest/host hint kfuncs of the other side are refused.
TEST(VerifyCli, VirtSideRefusesTheOtherSidesKfuncs) {
  Out wrong = run("verify " + policy("virt_host") + " --virt-side guest");
  ASSERT_EQ(wrong.rc, 1) << wrong.text;
  EXPECT_TRUE(std::regex_search(wrong.text, std::regex(R"(instruction \d+: .*upsched_vcpu_\w+ is a host-side kfunc; )"
                                                       R"(this policy is loaded in a VM's guest chain)")))
      << wrong.text;
  EXPECT_EQ(run("verify " + policy("virt_host") + " --virt-side host").rc, 0);
  EXPECT_EQ(run("verify " + policy("virt_guest") + " --virt-side guest").rc, 0);
  EXPECT_EQ(run("verify " + policy("virt_guest") + " --virt-side host").rc, 1);
  EXPECT_EQ(run("verify " + policy("virt_guest")).rc, 0);  // no side said: both pass
  Out bad = run("verify " + policy("virt_guest") + " --virt-side sideways");
  EXPECT_EQ(bad.rc, 2) << bad.text;
  EXPECT_NE(bad.text.find("--virt-side must be host or guest"), std::string::npos) << bad.text;
}

TEST(VerifyCli, LogPrintsThePathTrace) {
  Out o = run("verify " + policy("simple") + " --log");
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("0: r"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("-- path ends"), std::string::npos) << o.text;
}

TEST(VerifyCli, AsUserUsesTheCapabilitiesTheAdmissionFileGrants) {
  const std::string adm = admission_file();
  Out alice = run("verify " + policy("central") + " --as alice --admission " + adm);
  EXPECT_EQ(alice.rc, 1) << alice.text;
  EXPECT_NE(alice.text.find("needs capability sched."), std::string::npos) << alice.text;
  Out carol = run("verify " + policy("central") + " --as carol --admission " + adm);
  EXPECT_EQ(carol.rc, 0) << carol.text;
  Out bob = run("verify " + policy("simple") + " --as bob --admission " + adm);
  EXPECT_EQ(bob.rc, 1) << bob.text;
  EXPECT_NE(bob.text.find("may not load policies: needs capability sched.load"), std::string::npos) << bob.text;
  fs::remove(adm);
}

TEST(VerifyCli, BadArgumentsExitWith2) {
  EXPECT_EQ(run("verify /nonexistent/policy.bpf.o").rc, 2);
  Out caps = run("verify " + policy("simple") + " --caps sched.nonsense");
  EXPECT_EQ(caps.rc, 2) << caps.text;
  Out as = run("verify " + policy("simple") + " --as alice");
  EXPECT_EQ(as.rc, 2) << as.text;
  EXPECT_NE(as.text.find("--as needs --admission"), std::string::npos) << as.text;
  const std::string adm = admission_file();
  Out who = run("verify " + policy("simple") + " --as nobody --admission " + adm);
  EXPECT_EQ(who.rc, 2) << who.text;
  fs::remove(adm);
}

}  // namespace
