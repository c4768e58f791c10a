// Verifying generated BPF C in a test: compiles it with one clang
// (bpf_compile.h), loads the object as the host loads policies, and verifies
// every callback with every capability. Returns the first refusal's text
// (or "compile: ..." / "load: ..."), or "" when every callback verifies.
#pragma once

#include <span>
#include <string>

#include <gtest/gtest.h>

#include "bpf/object/object.h"
#include "bpf_compile.h"
#include "test_paths.h"
#include "policy/api_sets.h"
#include "policy/policy_loader.h"

namespace ups::test {

inline std::string first_refusal(const std::string& clang, const std::string& name, const std::string& source) {
  auto built = compile_bpf(clang, name, source);
  if (built.object.empty()) return "compile: " + built.error;
  auto obj = bpf::load_object_file(built.object, policy::host_load_options(built.object));
  if (!obj) return "load: " + obj.error().to_string();
  auto verdicts = policy::verify_sched_ext_object(*obj, security::CapabilitySet::all());
  if (!verdicts) return verdicts.error().message;
  for (const auto& v : *verdicts)
    if (!v.result.ok()) return v.result.error->to_string();
  return "";
}

// A C body verified inside a prelude and an epilogue, and what its refusal
// must say ("" = it verifies).
struct BodyCase {
  const char* name;
  const char* body;
  const char* refusal;
};

// Each case, with every clang the tests have: compiled as prelude + "\t" +
// body + epilogue (named prefix + the case's name), verified, and its
// refusal checked.
inline void expect_verdicts(const std::string& prefix, const char* prelude, const char* epilogue,
                            std::span<const BodyCase> cases) {
  const auto clangs = test_clangs();
  if (clangs.empty()) GTEST_SKIP() << "no clang to compile BPF C with";
  for (const auto& clang : clangs)
    for (const BodyCase& c : cases) {
      SCOPED_TRACE(clang + " " + c.name);
      const std::string src = std::string(prelude) + "\t" + c.body + epilogue;
      const std::string got = first_refusal(clang, prefix + c.name, src);
      if (*c.refusal == '\0') EXPECT_EQ(got, "");
      else EXPECT_NE(got.find(c.refusal), std::string::npos) << got;
    }
}

}  // namespace ups::test
