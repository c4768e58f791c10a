// Object: a BPF ELF object (clang -target bpf) after loading: programs with
// their subprograms appended and every relocation applied, maps (BTF-defined
// `.maps` and global-data sections), the struct_ops table, BTF, line and
// function info. Everything above src/bpf works on this, never on ELF.
//
// What the loader rewrites (Linux/libbpf conventions):
//  - lddw to a map:                src=PSEUDO_MAP_IDX (5), imm=map index.
//  - lddw to global data:          src=PSEUDO_MAP_IDX_VALUE (6), imm=map index,
//                                  second slot imm = byte offset in the map value.
//  - lddw of a function (callback): src=PSEUDO_FUNC (4), imm = relative slot
//                                  offset to the callee (like a local call).
//  - call to a subprogram:         src=CALL_LOCAL (1), imm = relative offset
//                                  (target = pc + 1 + imm) inside Program::code.
//  - call to a kfunc extern:       src=CALL_KFUNC (2), imm = kfunc index from
//                                  LoadOptions::kfunc_lookup.
//  - call to an unresolved __weak kfunc: src=CALL_KFUNC, imm=kUnresolvedKfunc,
//    listed in Program::poisoned (the verifier rejects it if reachable; a
//    bpf_ksym_exists() guard makes it dead code).
//  - lddw of a kfunc's address (bpf_ksym_exists): constant 1 if resolved,
//    0 for an unresolved weak one.
//  - CO-RE relocations: patched with the host's (HostTypes) value. A relocation
//    that cannot be resolved (field missing on the host) turns the instruction
//    into a call to helper kPoisonCoreHelper, listed in Program::poisoned
//    with a message naming struct.field; a bpf_core_field_exists() guard makes
//    it dead code, otherwise the verifier reports the message.
//  - helper calls by id: untouched.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bpf/host_types.h"
#include "bpf/insn.h"
#include "bpf/map_def.h"
#include "bpf/object/btf.h"

namespace ups::bpf {

namespace loader {
class ObjectBuilder;  // object_builder.h
}

inline constexpr s32 kUnresolvedKfunc = -1;
inline constexpr s32 kPoisonCoreHelper = 0xbad2310;  // libbpf's value

struct LoadOptions {
  // Shown in errors ("policy.bpf.o: section .maps: ...").
  std::string file_name;
  // CO-RE target. Null: relocations resolve against the object's own BTF
  // (its local layout), which is what disassembly and tests without a host
  // want.
  const HostTypes* host = nullptr;
  // kfunc name -> index into the host's kfunc table. Asked for the
  // extern's exact name first, then for it without its flavour suffix
  // (`name___xxx` -> `name`). Null: no kfunc resolves.
  std::function<std::optional<u32>(std::string_view name)> kfunc_lookup;
  // `extern ... __kconfig` values by name (LINUX_KERNEL_VERSION, CONFIG_*).
  // Unknown weak ones are 0; unknown non-weak ones are an error.
  std::map<std::string, u64, std::less<>> kconfig;
  // For inspection tools (disassembly) that have no host: treat unknown
  // non-weak kfuncs and __kconfig externs like weak ones (poisoned call,
  // value 0) instead of failing the load. Never for running a policy.
  bool allow_unresolved_externs = false;
};

struct LineInfo {
  u32 insn = 0;       // slot index in Program::code
  std::string file;   // as the compiler recorded it (path of the .c file)
  u32 line = 0;       // 1-based
  u32 column = 0;     // 1-based; 0 = unknown
  std::string text;   // the source line, if the compiler kept it
};

struct FuncInfo {
  u32 insn = 0;         // first slot of the function in Program::code
  std::string name;     // C function name
  u32 btf_type_id = 0;  // BTF FUNC type in Object::btf()
};

struct Program {
  std::string name;     // C function name of the entry
  std::string section;  // ELF section, e.g. "struct_ops/enqueue", "tc"
  // The entry function followed by every subprogram it reaches (directly or
  // through callbacks), relocated. Slot indices are relative to this vector.
  std::vector<Insn> code;
  std::vector<FuncInfo> func_info;  // entry first, then each subprogram
  std::vector<LineInfo> line_info;  // sorted by insn; sparse (one per statement)
  bool sleepable = false;           // section struct_ops.s/..., *.s/...
  // The struct_ops member this program implements ("enqueue"), empty if none.
  std::string callback;
  // Slot -> why it must not run (unresolved weak kfunc, failed CO-RE
  // relocation). Dead code is fine; a reachable one is a verifier error.
  std::map<u32, std::string> poisoned;
  // kfunc index -> name for every kfunc this program calls (for messages).
  std::map<u32, std::string> kfuncs;

  // The line-info entry covering slot `insn` (the last one at or before it
  // inside the same function), or null.
  const LineInfo* line_at(size_t insn) const;
  // The function containing slot `insn` (entry or subprogram), or null.
  const FuncInfo* func_at(size_t insn) const;
};

// A struct_ops variable (SEC(".struct_ops") / SEC(".struct_ops.link")),
// bound by member name against its BTF type.
struct StructOps {
  std::string var_name;   // the C variable, e.g. "minimal_ops"
  std::string type_name;  // "sched_ext_ops"
  std::string section;    // ".struct_ops.link"
  bool link = false;      // from .struct_ops.link
  // member name ("enqueue") -> index into Object::programs().
  std::map<std::string, size_t, std::less<>> callbacks;
  // Data members of sched_ext_ops (0 / empty when absent).
  std::string name;
  u64 flags = 0;
  u32 timeout_ms = 0;
  u32 dispatch_max_batch = 0;
  u32 exit_dump_len = 0;
  u64 hotplug_seq = 0;
  std::vector<u8> image;  // the variable's raw bytes
};

// A variable in a global-data section (from the BTF DATASEC).
struct GlobalVar {
  std::string name;
  size_t map_index = 0;  // Object::maps() entry of its section
  u32 offset = 0;        // bytes into the map value
  u32 size = 0;
  u32 btf_type_id = 0;   // the VAR's type
  bool is_const = false; // in .rodata*: settable only via set_rodata
};

class Object {
public:
  const std::vector<Program>& programs() const { return programs_; }
  const Program* find_program(std::string_view name) const;
  const std::vector<MapDef>& maps() const { return maps_; }
  std::optional<size_t> find_map(std::string_view name) const;
  const std::vector<StructOps>& struct_ops() const { return struct_ops_; }
  const std::vector<GlobalVar>& globals() const { return globals_; }
  const GlobalVar* find_global(std::string_view name) const;
  const std::string& license() const { return license_; }
  const Btf& btf() const { return btf_; }
  const std::string& file_name() const { return file_name_; }

  // Set a `const volatile` global in .rodata* before the policy starts
  // (sched_ext parameters). Errors name the variable: unknown, not read-only
  // data, or a size that differs from the variable's.
  Status set_rodata(std::string_view name, std::span<const std::byte> bytes);
  // Resize an array global declared with RESIZABLE_ARRAY (the only variable
  // of its own section, .data.NAME, .bss.NAME or .rodata.NAME) to n
  // elements before the policy starts, as a sched_ext loader does with
  // bpf_map__set_value_size (scx_central sizes its per-CPU arrays to the CPU
  // count); the new elements are zero. Errors name the variable.
  Status resize_array(std::string_view name, u32 n);
  // libbpf's bpf_map__set_max_entries before load (scx_pair.c sizes
  // pair_ctx so); the map's limits are checked when it is made.
  Status set_max_entries(std::string_view map, u32 n);

  // "minimal.bpf.c:40" for slot `insn` of program `prog`, followed by
  // ": <source text>" when the object carries it; empty without line info.
  std::string source_line(size_t prog, size_t insn) const;
  std::string source_line(const Program& prog, size_t insn) const;

private:
  friend class loader::ObjectBuilder;
  std::vector<Program> programs_;
  std::vector<MapDef> maps_;
  std::vector<StructOps> struct_ops_;
  std::vector<GlobalVar> globals_;
  std::string license_;
  std::string file_name_;
  Btf btf_;
};

// Parse, validate and relocate an ELF object. Every malformed input gives an
// Error naming what and where; never a crash.
Result<Object> load_object(std::span<const std::byte> elf, const LoadOptions& opts = {});
Result<Object> load_object_file(const std::string& path, LoadOptions opts = {});

// Whether `path` is a readable file starting with the ELF magic (\x7fELF):
// how the command line tells an object from a name, whatever its suffix.
bool is_elf_file(const std::string& path);

}  // namespace ups::bpf
