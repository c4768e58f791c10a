// Btf: the type information of a BPF object's `.BTF` section (kernel
// Documentation/bpf/btf.rst): types, names and their sizes. Parsing checks
// everything later code relies on: type ids in range, string offsets inside
// the string table, counts that fit the section, and no type that contains
// itself by value (loops through typedef/const/array/struct members), so
// size_of() and the walkers above never recurse forever.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace ups::bpf {

enum class BtfKind : u8 {
  void_ = 0, int_ = 1, ptr = 2, array = 3, struct_ = 4, union_ = 5, enum_ = 6,
  fwd = 7, typedef_ = 8, volatile_ = 9, const_ = 10, restrict_ = 11, func = 12,
  func_proto = 13, var = 14, datasec = 15, float_ = 16, decl_tag = 17,
  type_tag = 18, enum64 = 19,
};
const char* btf_kind_name(BtfKind k);

struct BtfMember {
  std::string name;
  u32 type = 0;
  u32 bit_offset = 0;
  u32 bitfield_size = 0;  // 0 = not a bitfield
};

struct BtfEnumValue {
  std::string name;
  s64 value = 0;
};

struct BtfSecInfo {
  u32 type = 0;  // a VAR (or FUNC for extern functions)
  u32 offset = 0;
  u32 size = 0;
};

struct BtfType {
  BtfKind kind = BtfKind::void_;
  std::string name;
  u32 size = 0;        // int, struct, union, enum, datasec, float
  u32 type = 0;        // ptr, typedef, cv, func, var, decl/type tag; func_proto: return
  bool kflag = false;
  // int
  bool is_signed = false;
  u32 int_bits = 0;
  u32 int_offset = 0;
  // array
  u32 elem_type = 0;
  u32 index_type = 0;
  u32 nelems = 0;
  // struct/union members, func_proto params (name, type), datasec entries
  std::vector<BtfMember> members;
  std::vector<BtfEnumValue> enumerators;
  std::vector<BtfSecInfo> secinfo;
  u32 linkage = 0;  // var: 0 static, 1 global, 2 extern; func: 0 static, 1 global, 2 extern
  s32 component = -1;  // decl_tag: the member (or parameter) tagged, -1 for the type or var itself
  bool enum_signed = false;
};

// "name___flavour" -> "name" (everything from the last "___" is dropped),
// the libbpf rule for CO-RE type names and kfunc externs.
std::string_view strip_flavour(std::string_view name);

class Btf {
public:
  // `what` names the section in errors (".BTF").
  static Result<Btf> parse(std::span<const u8> data, const std::string& what = ".BTF");

  bool empty() const { return types_.size() <= 1; }
  u32 count() const { return static_cast<u32>(types_.size()); }  // including void (id 0)
  const BtfType* type(u32 id) const { return id < types_.size() ? &types_[id] : nullptr; }
  // Follow typedef, const, volatile, restrict and type tags.
  u32 skip_modifiers(u32 id) const;
  // Like skip_modifiers but typedefs are kept.
  u32 skip_qualifiers(u32 id) const;
  // Size in bytes; nullopt for void, func, func_proto and forward declarations.
  std::optional<u32> size_of(u32 id) const;
  // "struct task_struct", "u32", "int *", "char[16]".
  std::string type_name(u32 id) const;
  // First type of `kind` named `name`.
  std::optional<u32> find(BtfKind kind, std::string_view name) const;
  // The string table entry at `off` (empty if out of range), for .BTF.ext.
  std::string_view string_at(u32 off) const;
  bool valid_string(u32 off) const { return off < strings_.size(); }
  // Gives FUNC `id` static linkage (libbpf's rule for a global function of
  // hidden visibility: the verifier then checks it as a static one).
  void make_func_static(u32 id) {
    if (id < types_.size() && types_[id].kind == BtfKind::func) types_[id].linkage = 0;
  }

private:
  std::vector<BtfType> types_;
  std::vector<std::optional<u32>> sizes_;
  std::string strings_;
};

}  // namespace ups::bpf
