// load_object: ELF + BTF + BTF.ext -> Object. The order follows libbpf's
// bpf_object__open/load: collect maps (.maps, global data, .kconfig), then
// per executable section copy the code and apply ELF relocations (maps,
// data, calls, kfuncs, callbacks) and CO-RE relocations, then build each
// program as its entry function plus every subprogram it reaches, then bind
// the struct_ops tables by member name. Each phase is in the file named for
// it (object_builder.h lists them); this file runs them in order.
#include <algorithm>

#include <fmt/format.h>

#include "base/bounded_file.h"
#include "bpf/object/graph_fields.h"
#include "bpf/object/load_error.h"
#include "bpf/object/object_builder.h"

namespace ups::bpf {
namespace loader {

Result<Object> ObjectBuilder::build() {
  auto elf = ElfFile::parse(data_, opts_.file_name);
  if (!elf) return tl::unexpected(elf.error());
  elf_ = std::move(*elf);
  obj_.file_name_ = opts_.file_name;
  Status s = parse_btf();
  if (s) s = read_license();
  if (s) s = collect_functions();
  if (s) s = collect_maps();
  if (s) s = collect_map_initialisers();
  if (s) s = collect_global_data();
  if (s) s = collect_kconfig();
  if (s) untagged_kptrs(obj_.btf_, obj_.maps_);
  if (s) s = relocate_sections();
  if (s) s = build_programs();
  if (s) s = bind_struct_ops();
  if (!s) return tl::unexpected(s.error());
  return std::move(obj_);
}

tl::unexpected<Error> ObjectBuilder::fail(ErrorKind kind, std::string what, std::string msg) {
  return make_error(kind, std::move(msg), where_at(opts_.file_name, std::move(what)));
}

tl::unexpected<Error> ObjectBuilder::with_file(Error e) {
  if (e.where.file.empty()) e.where.file = opts_.file_name;
  return tl::unexpected(std::move(e));
}

// "instruction 12 (minimal.bpf.c:40)" for errors about section code.
std::string ObjectBuilder::insn_where(const std::string& sec, u32 insn) const {
  std::string w = fmt::format("section {} instruction {}", sec, insn);
  auto it = ext_.line_info.find(sec);
  if (it == ext_.line_info.end()) return w;
  // line_info is sorted by insn_off (parse_btf): the last entry at or
  // before the instruction.
  auto after = std::upper_bound(it->second.begin(), it->second.end(), u64{insn} * 8,
                                [](u64 off, const BtfExtLine& l) { return off < l.insn_off; });
  if (after == it->second.begin()) return w;
  const BtfExtLine* best = &*(after - 1);
  std::string_view file = best->file;
  if (size_t slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  return fmt::format("{} ({}:{})", w, file, best->line);
}

// Datasec of `name` in the BTF, or null.
const BtfType* ObjectBuilder::datasec(std::string_view name) const {
  auto id = obj_.btf_.find(BtfKind::datasec, name);
  return id ? obj_.btf_.type(*id) : nullptr;
}

Status ObjectBuilder::read_license() {
  const ElfSection* s = elf_.find_section("license");
  if (!s) return {};
  std::string_view text(reinterpret_cast<const char*>(s->data.data()), s->data.size());
  obj_.license_ = std::string(text.substr(0, text.find('\0')));
  return {};
}

}  // namespace loader

Result<Object> load_object(std::span<const std::byte> elf, const LoadOptions& opts) {
  std::span<const u8> bytes(reinterpret_cast<const u8*>(elf.data()), elf.size());
  return loader::ObjectBuilder(bytes, opts).build();
}

Result<Object> load_object_file(const std::string& path, LoadOptions opts) {
  auto buf = read_bounded_file(path, FileKind::object);
  if (!buf) return tl::unexpected(buf.error());
  if (opts.file_name.empty()) opts.file_name = path;
  return load_object(std::as_bytes(std::span<const char>(*buf)), opts);
}

}  // namespace ups::bpf

