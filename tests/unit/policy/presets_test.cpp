// Every well-behaved SDK policy runs every simulator preset as the only
// loaded class (`upsched sim --preset P --policy FILE.bpf.o`): no task is
// lost, no invariant breaks, and the class leaves no error exit report.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "policy_test_support.h"

namespace ups::policy {
namespace {

using namespace testing;

struct PolicyCase {
  const char* label;  // test name part
  const char* object;
  const char* params;  // "?fifo_sched=1" or ""
};

const PolicyCase kPolicies[] = {
    {"simple", "simple", ""},       {"simple_fifo", "simple", "?fifo_sched=1"},
    {"qmap", "qmap", ""},           {"central", "central", ""},
    {"edf", "edf", ""},             {"tenant", "tenant", ""},
    {"faas_event", "faas_event", ""}, {"lock_boost", "lock_boost", ""},
    // virt_guest is a guest's policy: on the host's chain it is refused
    // (virt_test.cpp); virt_host with no VM has only tasks that are no vCPU.
    {"virt_host", "virt_host", ""},
};
const char* const kPresets[] = {"hogs", "pipes", "rpc-bimodal", "schbench"};

class EveryPolicyEveryPreset : public ::testing::TestWithParam<std::tuple<PolicyCase, const char*>> {};

TEST_P(EveryPolicyEveryPreset, RunsWithNoTaskLost) {
  const auto& [pc, preset] = GetParam();
  const std::string spec = obj(pc.object) + pc.params;
  report::RunReport r = run_preset(preset, spec, cli_factory());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lost_tasks, 0u);
  EXPECT_GT(r.context_switches, 0u);
  for (const auto& e : r.exit_reports) EXPECT_FALSE(e.is_error()) << e.to_string();
  double bpf_share = 0;
  for (const auto& [name, share] : r.per_class_share)
    if (name != "fair") bpf_share += share;
  EXPECT_GT(bpf_share, 0.5) << "the policy's class did not run the preset's tasks";
}

std::string case_name(const ::testing::TestParamInfo<EveryPolicyEveryPreset::ParamType>& info) {
  std::string n = std::string(std::get<0>(info.param).label) + "_" + std::get<1>(info.param);
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Sdk, EveryPolicyEveryPreset,
                         ::testing::Combine(::testing::ValuesIn(kPolicies), ::testing::ValuesIn(kPresets)),
                         case_name);

}  // namespace
}  // namespace ups::policy
