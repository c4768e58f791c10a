// Loader phase: the struct_ops tables (.struct_ops, .struct_ops.link), bound
// by member name against their BTF type; every program written for a
// member must be bound to it.
#include "bpf/object/object_builder.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "bpf/object/load_error.h"

namespace ups::bpf::loader {

Status ObjectBuilder::bind_struct_ops() {
  for (const auto& sec : elf_.sections()) {
    if (sec.name != ".struct_ops" && sec.name != ".struct_ops.link") continue;
    const BtfType* ds = datasec(sec.name);
    if (!ds) return fail(ErrorKind::malformed, "section " + sec.name, "no BTF for the struct_ops variables (build with -g)");
    const auto* rels = elf_.relocations_for(sec.index);
    for (const auto& sym : elf_.symbols()) {
      if (sym.shndx != sec.index || sym.type != elf::STT_OBJECT) continue;
      const BtfType* var = nullptr;
      for (const auto& v : ds->secinfo) {
        const BtfType* t = obj_.btf_.type(v.type);
        if (t && t->kind == BtfKind::var && t->name == sym.name) var = t;
      }
      if (!var) return fail(ErrorKind::malformed, "struct_ops " + sym.name, "no BTF variable in the datasec");
      if (auto s = bind_one(sec, sym, *var, rels); !s) return s;
    }
  }
  return check_struct_ops_programs_bound();
}

// A program written for a struct_ops member (SEC("struct_ops/init")) that
// no member points to would silently not run: a damaged relocation or
// member refuses the load instead, naming the member (the one its section
// names, else the members left unset). An object with no table at all binds
// nothing by design (a CO-RE or unit-test object); a policy host refuses it
// for having no table.
Status ObjectBuilder::check_struct_ops_programs_bound() {
  if (obj_.struct_ops_.empty()) return {};
  for (const auto& p : obj_.programs_) {
    if (!p.callback.empty() || !p.section.starts_with("struct_ops")) continue;
    const size_t slash = p.section.find('/');
    const std::string suffix = slash == std::string::npos ? std::string() : p.section.substr(slash + 1);
    for (const std::string& m : unset_members_)
      if (!suffix.empty() && m.ends_with("." + suffix))
        return fail(ErrorKind::malformed, m,
                    fmt::format("the member does not point to program {} (section {}), which is written for it",
                                p.name, p.section));
    std::string unset;
    for (const std::string& m : unset_members_) unset += (unset.empty() ? "" : ", ") + m;
    return fail(ErrorKind::malformed, "program " + p.name,
                fmt::format("no struct_ops member points to it (section {}); members left unset: {}", p.section,
                            unset.empty() ? "none" : unset));
  }
  return {};
}

Status ObjectBuilder::bind_one(const ElfSection& sec, const ElfSymbol& sym, const BtfType& var,
                               const ElfFile::RelocSet* rels) {
  const Btf& btf = obj_.btf_;
  u32 tid = btf.skip_modifiers(var.type);
  const BtfType* st = btf.type(tid);
  std::string what = "struct_ops " + sym.name;
  if (!st || st->kind != BtfKind::struct_)
    return fail(ErrorKind::malformed, what, "the variable is not a struct");
  if (sec.type != elf::SHT_PROGBITS)
    return fail(ErrorKind::malformed, what, fmt::format("section {} has no contents (type {})", sec.name, sec.type));
  if (sym.value > sec.data.size() || st->size > sec.data.size() - sym.value)
    return fail(ErrorKind::malformed, what, fmt::format("{} bytes at offset {} outside section {}", st->size, sym.value, sec.name));
  StructOps ops;
  ops.var_name = sym.name;
  ops.type_name = std::string(strip_flavour(st->name));
  ops.section = sec.name;
  ops.link = sec.name == ".struct_ops.link";
  ops.image.assign(sec.data.begin() + static_cast<std::ptrdiff_t>(sym.value),
                   sec.data.begin() + static_cast<std::ptrdiff_t>(sym.value + st->size));
  // Relocations inside this variable: member offset -> function symbol.
  std::map<u64, const ElfSymbol*> funcs;
  if (rels)
    for (const auto& r : rels->relocs) {
      if (r.offset < sym.value || r.offset >= sym.value + st->size) continue;
      if (r.type != elf::R_BPF_64_ABS64)
        return fail(ErrorKind::unsupported, what, fmt::format("relocation type {} at offset {}", r.type, r.offset - sym.value));
      funcs[r.offset - sym.value] = &elf_.symbols()[r.sym];
    }
  auto read_uint = [&](u32 off, u32 size) -> u64 {
    u64 v = 0;
    for (u32 i = 0; i < size && i < 8; ++i) v |= u64{ops.image[off + i]} << (8 * i);
    return v;
  };
  std::set<u64> used;
  // The host's own type, when it has one: a member it does not know is
  // never called (a damaged name would drop a callback), so it is refused
  // as libbpf refuses a member the kernel's BTF lacks.
  const HostStruct* host_type = opts_.host ? opts_.host->find_struct(ops.type_name) : nullptr;
  for (const auto& m : st->members) {
    if (m.bit_offset % 8 || m.bitfield_size)
      return fail(ErrorKind::unsupported, what + "." + m.name, "bitfield members are not supported");
    u32 off = m.bit_offset / 8;
    u32 size = btf.size_of(m.type).value_or(0);
    if (u64{off} + size > ops.image.size())
      return fail(ErrorKind::malformed, what + "." + m.name, "member outside the variable");
    const BtfType* mt = btf.type(btf.skip_modifiers(m.type));
    bool is_fn_ptr = mt && mt->kind == BtfKind::ptr && btf.type(btf.skip_modifiers(mt->type)) &&
                     btf.type(btf.skip_modifiers(mt->type))->kind == BtfKind::func_proto;
    bool nonzero = std::any_of(ops.image.begin() + off, ops.image.begin() + off + size, [](u8 b) { return b != 0; });
    if (host_type && (nonzero || funcs.count(off)) && !host_type->field(m.name))
      return fail(ErrorKind::malformed, what + "." + m.name,
                  fmt::format("struct {} has no member named '{}'", ops.type_name, m.name));
    if (is_fn_ptr) {
      auto it = funcs.find(off);
      if (it == funcs.end()) {
        if (nonzero) return fail(ErrorKind::malformed, what + "." + m.name, "function pointer set without a relocation");
        unset_members_.push_back(what + "." + m.name);
        continue;
      }
      used.insert(off);
      const ElfSymbol* fs = it->second;
      auto p = program_of_.find({fs->shndx, static_cast<u32>(fs->value / 8)});
      if (fs->type != elf::STT_FUNC || p == program_of_.end())
        return fail(ErrorKind::malformed, what + "." + m.name,
                    fmt::format("points to {}, which is not a program (put it in SEC(\"struct_ops/{}\"))", fs->name, m.name));
      Program& prog = obj_.programs_[p->second];
      if (!prog.callback.empty() && prog.callback != m.name)
        return fail(ErrorKind::unsupported, what + "." + m.name,
                    fmt::format("program {} already implements {}", prog.name, prog.callback));
      prog.callback = m.name;
      ops.callbacks[m.name] = p->second;
      continue;
    }
    if (m.name == "name") {
      std::string_view raw(reinterpret_cast<const char*>(ops.image.data() + off), size);
      ops.name = std::string(raw.substr(0, raw.find('\0')));
    } else if (m.name == "flags" && size <= 8) {
      ops.flags = read_uint(off, size);
    } else if (m.name == "timeout_ms" && size <= 8) {
      ops.timeout_ms = static_cast<u32>(read_uint(off, size));
    } else if (m.name == "dispatch_max_batch" && size <= 8) {
      ops.dispatch_max_batch = static_cast<u32>(read_uint(off, size));
    } else if (m.name == "exit_dump_len" && size <= 8) {
      ops.exit_dump_len = static_cast<u32>(read_uint(off, size));
    } else if (m.name == "hotplug_seq" && size <= 8) {
      ops.hotplug_seq = read_uint(off, size);
    } else if (nonzero) {
      return fail(ErrorKind::unsupported, what + "." + m.name, "member is set, but upsched does not support it");
    }
  }
  for (const auto& [off, fs] : funcs)
    if (!used.count(off))
      return fail(ErrorKind::malformed, what, fmt::format("relocation to {} at offset {} is not on a function-pointer member", fs->name, off));
  obj_.struct_ops_.push_back(std::move(ops));
  return {};
}

}  // namespace ups::bpf::loader
