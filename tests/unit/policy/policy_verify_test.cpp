// Every example and test policy object (sdk/policies, built with each
// clang) verifies with all capabilities (but the test policies made to be
// refused, which are), and a policy that needs a
// capability is accepted with it and refused without it, the refusal
// naming the capability. `upsched verify` and the loader are one pipeline:
// what verifies loads, and a refusal reads the same in both.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../policy_abi/policy_cases.h"
#include "policy/api_sets.h"
#include "policy/policy_loader.h"

namespace ups::policy {
namespace {

namespace fs = std::filesystem;
using security::Capability;
using security::CapabilitySet;

std::vector<std::string> policy_objects() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(UPS_POLICY_DIR)) {
    const std::string n = e.path().filename().string();
    if (n.ends_with(".bpf.o")) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The first rejection's text, or "" when every callback verifies.
std::string verify_file(const std::string& file, const CapabilitySet& caps) {
  const std::string path = std::string(UPS_POLICY_DIR) + "/" + file;
  auto obj = bpf::load_object_file(path, host_load_options(path));
  if (!obj) return "load: " + obj.error().to_string();
  auto verdicts = verify_sched_ext_object(*obj, caps);
  if (!verdicts) return verdicts.error().message;
  if (verdicts->empty()) return "no callbacks";
  const auto& last = verdicts->back();
  return last.result.ok() ? std::string() : last.result.error->to_string();
}

CapabilitySet all_but(Capability c) {
  CapabilitySet s = CapabilitySet::all();
  s.remove(c);
  return s;
}

TEST(PolicyVerify, EveryPolicyObjectVerifiesWithAllCapabilities) {
  const auto files = policy_objects();
  ASSERT_FALSE(files.empty()) << "no policy objects in " << UPS_POLICY_DIR;
  for (const auto& f : files) {
    const std::string name = f.substr(0, f.find('.'));
    bool refused = false;
    for (const auto& pc : kabi::policy_cases()) refused = refused || (pc.file == name && pc.verifier_refuses);
    if (refused) EXPECT_NE(verify_file(f, CapabilitySet::all()), "") << f << " must be refused";
    else EXPECT_EQ(verify_file(f, CapabilitySet::all()), "") << f;
  }
}

// The capabilities each policy's header comment promises it needs (the
// policy ABI tests' table: central, faas_event, bad_kick_without_cap, ...).
struct NeedsCap {
  std::string name;
  Capability cap;
};
std::vector<NeedsCap> capability_cases() {
  std::vector<NeedsCap> out;
  for (const auto& pc : kabi::policy_cases())
    if (!pc.caps_behind_params)
      for (Capability c : pc.caps) out.push_back({pc.file, c});
  return out;
}

TEST(PolicyVerify, PolicyNeedingACapabilityIsRefusedWithoutItNamingIt) {
  const auto cases = capability_cases();
  ASSERT_FALSE(cases.empty());
  for (const auto& [name, cap] : cases) {
    for (const char* variant : {".bpf.o", ".clang-19.bpf.o"}) {
      const std::string file = name + variant;
      if (!fs::exists(std::string(UPS_POLICY_DIR) + "/" + file)) continue;
      const std::string cap_name(security::capability_name(cap));
      SCOPED_TRACE(file + " without " + cap_name);
      EXPECT_EQ(verify_file(file, CapabilitySet::all()), "");
      const std::string refused = verify_file(file, all_but(cap));
      EXPECT_NE(refused.find("needs capability " + cap_name), std::string::npos) << refused;
    }
  }
}

TEST(PolicyVerify, WhatVerifyAcceptsLoads) {
  int loaded = 0;
  for (const auto& f : policy_objects()) {
    if (verify_file(f, CapabilitySet::all()) != "") continue;
    const std::string path = std::string(UPS_POLICY_DIR) + "/" + f;
    auto lp = load_bpf_policy(path);  // as root, like verify's default
    EXPECT_TRUE(lp) << f << ": " << lp.error().message;
    ++loaded;
  }
  EXPECT_GT(loaded, 10);
}

// The loader refuses a principal lacking a capability with verify's text
// for those capabilities, after the file and who asked.
TEST(PolicyVerify, TheLoaderRefusesWithVerifysText) {
  int compared = 0;
  for (const auto& [name, cap] : capability_cases()) {
    const std::string file = name + ".bpf.o";
    const std::string path = std::string(UPS_POLICY_DIR) + "/" + file;
    if (!fs::exists(path) || cap == Capability::load) continue;
    const CapabilitySet caps = all_but(cap);
    std::string list;
    for (int c = 0; c < security::kNumCapabilities; ++c)
      if (caps.has(static_cast<Capability>(c)))
        list += (list.empty() ? "\"" : ", \"") + std::string(security::capability_name(static_cast<Capability>(c))) + "\"";
    auto adm = security::AdmissionConfig::parse(
        "[users.alice]\nuid = 1000\ngid = 1000\ncaps = [" + list + "]\n", "adm.toml");
    ASSERT_TRUE(adm) << adm.error().to_string();
    const std::string refused = verify_file(file, caps);
    ASSERT_NE(refused, "") << file << " verifies without " << security::capability_name(cap);
    LoadPolicyOptions o;
    o.principal = Principal{1000, 1000};
    o.admission = &*adm;
    auto lp = load_bpf_policy(path, o);
    ASSERT_FALSE(lp) << file;
    EXPECT_EQ(lp.error().message, path + ": verifier (" + adm->describe(o.principal) + "): " + refused);
    ++compared;
  }
  EXPECT_GE(compared, 3);
}

}  // namespace
}  // namespace ups::policy
