// The native C++ policies by name: the correctness twins of
// sdk/policies/*.bpf.c and the performance baseline for the BPF host.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/sched_ops.h"

namespace ups {

struct NativePolicyInfo {
  std::string name;
  std::string description;
};

// A fresh instance of the named policy, or nullptr for an unknown name.
std::unique_ptr<SchedOps> make_native_policy(std::string_view name);
// Every native policy, in a fixed order.
const std::vector<NativePolicyInfo>& native_policies();

}  // namespace ups
