// BtfExt: the `.BTF.ext` section (kernel Documentation/bpf/btf.rst, "BTF.ext
// section"): per ELF section, function info, line info and CO-RE
// relocation records. Offsets are bytes into the ELF section, as clang
// writes them in an object file. Strings are resolved against `.BTF`.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "bpf/object/btf.h"

namespace ups::bpf {

struct BtfExtFunc {
  u32 insn_off = 0;  // bytes
  u32 type_id = 0;   // a FUNC
};

struct BtfExtLine {
  u32 insn_off = 0;  // bytes
  std::string file;
  std::string text;
  u32 line = 0;
  u32 column = 0;
};

// enum bpf_core_relo_kind (include/uapi/linux/bpf.h).
enum class CoreReloKind : u32 {
  field_byte_offset = 0,
  field_byte_size = 1,
  field_exists = 2,
  field_signed = 3,
  field_lshift_u64 = 4,
  field_rshift_u64 = 5,
  type_id_local = 6,
  type_id_target = 7,
  type_exists = 8,
  type_size = 9,
  enumval_exists = 10,
  enumval_value = 11,
  type_matches = 12,
};
const char* core_relo_kind_name(CoreReloKind k);

struct BtfExtCoreRelo {
  u32 insn_off = 0;  // bytes
  u32 type_id = 0;   // root type of the access, in the object's BTF
  std::string access;  // "0:1:2"
  CoreReloKind kind = CoreReloKind::field_byte_offset;
};

struct BtfExt {
  // ELF section name -> records, in file order.
  std::map<std::string, std::vector<BtfExtFunc>> func_info;
  std::map<std::string, std::vector<BtfExtLine>> line_info;
  std::map<std::string, std::vector<BtfExtCoreRelo>> core_relos;

  static Result<BtfExt> parse(std::span<const u8> data, const Btf& btf);
};

}  // namespace ups::bpf
