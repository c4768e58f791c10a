// Paths and tools the policy_abi tests use (set by tests/policy_abi.cmake).
#pragma once

#include <string>
#include <vector>

namespace ups::test {

inline std::vector<std::string> test_clangs() {
  std::vector<std::string> out;
  std::string all = UPS_TEST_CLANGS, cur;
  for (char c : all + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

inline std::string sdk_include_dir() { return std::string(UPS_SOURCE_DIR) + "/sdk/include"; }
inline std::string policy_dir() { return UPS_POLICY_DIR; }

}  // namespace ups::test
