// Object queries: lookups by name, source lines, and setting `const
// volatile` parameters before the policy starts; is_elf_file.
#include "bpf/object/object.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "bpf/object/load_error.h"

namespace ups::bpf {

const LineInfo* Program::line_at(size_t insn) const {
  const FuncInfo* fn = func_at(insn);
  auto it = std::upper_bound(line_info.begin(), line_info.end(), insn,
                             [](size_t i, const LineInfo& l) { return i < l.insn; });
  if (it == line_info.begin()) return nullptr;
  const LineInfo* l = &*(it - 1);
  // Do not borrow a line from the previous function.
  if (fn && l->insn < fn->insn) return nullptr;
  return l;
}

const FuncInfo* Program::func_at(size_t insn) const {
  if (insn >= code.size()) return nullptr;
  const FuncInfo* best = nullptr;
  for (const auto& f : func_info)
    if (f.insn <= insn && (!best || f.insn > best->insn)) best = &f;
  return best;
}

const Program* Object::find_program(std::string_view name) const {
  for (const auto& p : programs_)
    if (p.name == name) return &p;
  return nullptr;
}

std::optional<size_t> Object::find_map(std::string_view name) const {
  for (size_t i = 0; i < maps_.size(); ++i)
    if (maps_[i].name == name) return i;
  return std::nullopt;
}

const GlobalVar* Object::find_global(std::string_view name) const {
  for (const auto& g : globals_)
    if (g.name == name) return &g;
  return nullptr;
}

Status Object::set_rodata(std::string_view name, std::span<const std::byte> bytes) {
  SourceLoc where = where_at(file_name_, fmt::format("variable {}", name));
  const GlobalVar* g = find_global(name);
  if (!g) return make_error(ErrorKind::not_found, "no such global variable", where);
  MapDef& m = maps_[g->map_index];
  if (m.global != GlobalKind::rodata)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("is in {}, not read-only data; only `const volatile` globals are parameters", m.name),
                      where);
  if (bytes.size() != g->size)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("is {} bytes, the value given is {}", g->size, bytes.size()), where);
  if (m.initial.size() < m.value_size) m.initial.resize(m.value_size);
  std::memcpy(m.initial.data() + g->offset, bytes.data(), bytes.size());
  return {};
}

Status Object::set_max_entries(std::string_view map, u32 n) {
  const auto i = find_map(map);
  if (!i) return make_error(ErrorKind::not_found, "no such map", where_at(file_name_, fmt::format("map {}", map)));
  if (maps_[*i].global != GlobalKind::none)
    return make_error(ErrorKind::invalid_argument, "is a global data section, sized by its variables",
                      where_at(file_name_, fmt::format("map {}", map)));
  maps_[*i].max_entries = n;
  return {};
}

Status Object::resize_array(std::string_view name, u32 n) {
  SourceLoc where = where_at(file_name_, fmt::format("variable {}", name));
  auto refuse = [&](std::string why) { return make_error(ErrorKind::invalid_argument, std::move(why), where); };
  auto it = std::find_if(globals_.begin(), globals_.end(), [&](const GlobalVar& g) { return g.name == name; });
  if (it == globals_.end()) return make_error(ErrorKind::not_found, "no such global variable", where);
  GlobalVar& g = *it;
  MapDef& m = maps_[g.map_index];
  const auto sharing = std::count_if(globals_.begin(), globals_.end(),
                                     [&](const GlobalVar& o) { return o.map_index == g.map_index; });
  if (m.global == GlobalKind::none || sharing != 1 || g.offset != 0)
    return refuse(fmt::format("is not the only variable of its section ({}): declare it with RESIZABLE_ARRAY", m.name));
  const BtfType* t = btf_.type(btf_.skip_modifiers(g.btf_type_id));
  if (!t || t->kind != BtfKind::array || t->nelems == 0)
    return refuse("is not an array: only arrays declared with RESIZABLE_ARRAY can be resized");
  const u64 elem = g.size / t->nelems;
  constexpr u64 kMaxBytes = u64{1} << 28;
  if (n == 0 || elem == 0 || elem * n > kMaxBytes)
    return refuse(fmt::format("cannot have {} elements of {} bytes (1 to {} bytes in all)", n, elem, kMaxBytes));
  g.size = static_cast<u32>(elem * n);
  m.value_size = g.size;
  // .bss stays empty (zero); initialised data keeps its first elements.
  if (!m.initial.empty()) m.initial.resize(m.value_size);
  return {};
}

std::string Object::source_line(size_t prog, size_t insn) const {
  if (prog >= programs_.size()) return {};
  return source_line(programs_[prog], insn);
}

std::string Object::source_line(const Program& prog, size_t insn) const {
  const LineInfo* l = prog.line_at(insn);
  if (!l) return {};
  std::string_view file = l->file;
  if (size_t slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  std::string out = fmt::format("{}:{}", file, l->line);
  std::string_view text = l->text;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (!text.empty()) out += fmt::format(": {}", text);
  return out;
}

bool is_elf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, sizeof magic) && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace ups::bpf
