// ObjectBuilder: the object loader's state while it turns an ELF image into
// an Object, one phase after another (load_object in object_loader.cpp runs
// them in order, as libbpf's bpf_object__open/load). Each phase lives in the
// file named for it:
//   read_btf.cpp           .BTF and .BTF.ext, the host types CO-RE resolves against
//   collect_functions.cpp  function symbols of the executable sections
//   collect_maps.cpp       BTF-defined maps in .maps and map-in-map initialisers
//   collect_globals.cpp    global data sections and __kconfig externs as maps
//   relocate_code.cpp      ELF relocations (maps, data, calls, kfuncs, callbacks) and CO-RE
//   assemble_programs.cpp  each program as its entry plus every subprogram it reaches
//   bind_struct_ops.cpp    struct_ops tables bound by member name
// Internal to src/bpf/object: nothing outside the loader includes it.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bpf/object/btf_ext.h"
#include "bpf/object/elf_reader.h"
#include "bpf/object/object.h"

namespace ups::bpf::loader {

// A function symbol in an executable section: [start, end) in slots.
struct Function {
  u32 section = 0;
  u32 start = 0;
  u32 end = 0;
  std::string name;
  bool global = false;
};

// What a relocated call or PSEUDO_FUNC lddw points at, before programs are
// assembled (section-relative).
struct CodeRef {
  u32 section = 0;
  u32 insn = 0;
};

// One executable section after ELF and CO-RE relocation.
struct SectionCode {
  u32 index = 0;
  std::string name;
  std::vector<Insn> code;
  std::map<u32, CodeRef> refs;            // insn -> callee / callback
  std::map<u32, std::string> poisoned;    // insn -> why
  std::map<u32, std::string> kfuncs;      // insn -> kfunc name (resolved calls)
};

class ObjectBuilder {
public:
  ObjectBuilder(std::span<const u8> data, const LoadOptions& opts) : data_(data), opts_(opts) {}
  Result<Object> build();
private:
  tl::unexpected<Error> fail(ErrorKind kind, std::string what, std::string msg);
  // An error from a lower layer (BTF, CO-RE), given this object's file name
  // when it names none.
  tl::unexpected<Error> with_file(Error e);
  // "instruction 12 (minimal.bpf.c:40)" for errors about section code.
  std::string insn_where(const std::string& sec, u32 insn) const;
  Status parse_btf();
  Status read_license();
  Status collect_functions();
  // functions_ is sorted by (section, start) and non-overlapping.
  const Function* function_at(u32 section, u32 insn) const;
  // Datasec of `name` in the BTF, or null.
  const BtfType* datasec(std::string_view name) const;
  Status collect_maps();
  // Byte offset of the `values` member (map-in-map initialiser) in a map
  // definition struct, if it has one.
  std::optional<u64> values_offset(u32 def_type) const;
  // `.values = { [i] = &inner, ... }` of a map-in-map: clang leaves the
  // slots zero and emits one R_BPF_64_ABS64 relocation in `.rel.maps` per
  // slot, against the inner map's symbol (libbpf collect_map_relos).
  Status collect_map_initialisers();
  Status add_inner_slot(const ElfSection& maps, const ElfFile::RelocSet& set, size_t n);
  Status collect_global_data();
  // `extern T name __kconfig [__weak]`: undefined symbols whose BTF VAR is
  // in the .kconfig datasec; laid out in one read-only map.
  Status collect_kconfig();
  // True if `name` is declared as an extern function (kfunc) in BTF, or is
  // an undefined symbol not found in .kconfig.
  bool is_extern_func(const std::string& name) const;
  Status relocate_sections();
  Status apply_reloc(SectionCode& sc, const ElfFile::RelocSet& set, size_t n);
  Status reloc_lddw(SectionCode& sc, u32 idx, const ElfSymbol& sym, const std::string& where);
  // An unresolved extern that may stay so: weak, or allowed by the options.
  bool weak_or_allowed(const ElfSymbol& sym) const;
  // The exact name first (the kernel has kfuncs named `x___v2`), then
  // without its flavour suffix (libbpf's essential name). `resolved` gets
  // the name that matched.
  std::optional<u32> lookup_kfunc(const std::string& name, std::string* resolved = nullptr) const;
  Status reloc_call(SectionCode& sc, u32 idx, const ElfSymbol& sym, const std::string& where);
  Status apply_core(SectionCode& sc);
  Status build_programs();
  const SectionCode* section_code(u32 index) const;
  // Entry function, then each reached subprogram once, in discovery order.
  Status assemble(Program& p, const Function& entry);
  void append_info(Program& p, const SectionCode& sc, const Function& f, u32 base);
  Status bind_struct_ops();
  // A program written for a struct_ops member (SEC("struct_ops/init")) that
  // no member points to would silently not run: a damaged relocation or
  // member refuses the load instead, naming the member.
  Status check_struct_ops_programs_bound();
  Status bind_one(const ElfSection& sec, const ElfSymbol& sym, const BtfType& var,
                  const ElfFile::RelocSet* rels);
  std::span<const u8> data_;
  const LoadOptions& opts_;
  ElfFile elf_;
  BtfExt ext_;
  HostTypes own_host_;
  const HostTypes* host_ = nullptr;
  Object obj_;
  std::vector<Function> functions_;
  std::vector<SectionCode> sections_;
  std::map<std::pair<u32, u64>, size_t> map_at_;  // (.maps section, offset) -> map
  // Where each `.maps` definition lies in the section (its symbol's extent).
  struct MapExtent {
    u64 start = 0;
    u64 size = 0;
    std::optional<u64> values_off;  // the `values` member, map-in-map only
    size_t map_index = 0;
  };
  std::vector<MapExtent> map_extents_;
  std::map<u32, size_t> data_map_;                 // data section -> map
  std::map<std::string, u32, std::less<>> kconfig_off_;
  size_t kconfig_map_ = 0;
  std::map<std::pair<u32, u32>, size_t> program_of_;  // (section, entry slot) -> program
  std::vector<std::string> unset_members_;  // "struct_ops ops.exit": function pointers left null
};

}  // namespace ups::bpf::loader
