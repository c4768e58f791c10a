// ConfigNode: a parsed TOML or JSON document with the source line of every
// value, so that one reader (workload.cpp) checks both syntaxes and names
// the file, line and field in every error. toml++ and nlohmann/json stay
// inside config_node.cpp.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace ups::workload {

struct ConfigField;

struct ConfigNode {
  enum class Type : u8 { null, boolean, integer, floating, string, array, table };
  Type type = Type::null;
  int line = 0;
  int column = 0;  // 1-based; 0 = unknown (JSON)
  bool b = false;
  s64 i = 0;
  double f = 0;
  std::string s;
  std::vector<ConfigNode> items;                           // array
  // A named struct rather than std::pair, which needs a complete
  // ConfigNode here (clang rejects it with libstdc++ 12).
  std::vector<ConfigField> fields;  // table, in file order

  const ConfigNode* find(std::string_view key) const;
  bool is_number() const { return type == Type::integer || type == Type::floating; }
  double number() const { return type == Type::integer ? static_cast<double>(i) : f; }
  const char* type_name() const;
};

struct ConfigField {
  std::string key;
  ConfigNode value;
};

inline const ConfigNode* ConfigNode::find(std::string_view key) const {
  for (auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

// Parses TOML or JSON (chosen by `name`'s extension; .json is JSON, anything
// else TOML). Syntax errors name the file and line.
Result<ConfigNode> parse_config(std::string_view text, const std::string& name);

}  // namespace ups::workload
