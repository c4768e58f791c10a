// HostTypes: the layout of the kernel types upsched exposes to policies
// (struct task_struct, sched_ext_entity, cpumask, ...) and the enum values
// it defines. CO-RE relocations in an object are resolved against this, so
// an object built with another kernel's vmlinux.h reads upsched's fields.
// The policy host fills it (policy/kernel_abi); the loader consumes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/types.h"

namespace ups::bpf {

struct HostField {
  std::string name;
  u32 offset = 0;         // bytes from the start of the struct
  u32 size = 0;           // bytes
  bool is_signed = false;
  std::string struct_type;  // non-empty when the member is itself a struct
  u32 array_len = 0;        // > 0 for arrays (size is the whole array)
};

struct HostStruct {
  std::string name;  // without "struct "
  u32 size = 0;
  std::vector<HostField> fields;
  const HostField* field(std::string_view n) const {
    for (const auto& f : fields)
      if (f.name == n) return &f;
    return nullptr;
  }
};

struct HostEnum {
  std::string name;  // enum type name, may be empty for anonymous enums
  std::vector<std::pair<std::string, s64>> values;
};

class HostTypes {
public:
  void add_struct(HostStruct s) { structs_.push_back(std::move(s)); }
  void add_enum(HostEnum e) { enums_.push_back(std::move(e)); }
  const HostStruct* find_struct(std::string_view name) const {
    for (const auto& s : structs_)
      if (s.name == name) return &s;
    return nullptr;
  }
  // Value of an enumerator, searched in `enum_name` (or all enums if empty).
  std::optional<s64> enum_value(std::string_view enum_name, std::string_view value) const {
    for (const auto& e : enums_) {
      if (!enum_name.empty() && e.name != enum_name) continue;
      for (const auto& [n, v] : e.values)
        if (n == value) return v;
    }
    return std::nullopt;
  }
  bool has_enum(std::string_view enum_name) const {
    for (const auto& e : enums_)
      if (e.name == enum_name) return true;
    return false;
  }
  const std::vector<HostStruct>& structs() const { return structs_; }
  const std::vector<HostEnum>& enums() const { return enums_; }

private:
  std::vector<HostStruct> structs_;
  std::vector<HostEnum> enums_;
};

}  // namespace ups::bpf
