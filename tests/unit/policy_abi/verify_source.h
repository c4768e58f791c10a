// Verifying generated BPF C in a test: compiles it with one clang
// (bpf_compile.h), loads the object as the host loads policies, and verifies
// every callback with every capability. Returns the first refusal's text
// (or "compile: ..." / "load: ..."), or "" when every callback verifies.
#pragma once

#include <string>

#include "bpf/object/object.h"
#include "bpf_compile.h"
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

}  // namespace ups::test
