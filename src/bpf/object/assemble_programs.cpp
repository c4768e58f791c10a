// Loader phase: each program as its entry function followed by every
// subprogram it reaches, with func and line info rebased.
#include "bpf/object/object_builder.h"

#include <deque>

#include <fmt/format.h>

#include "bpf/object/load_error.h"

namespace ups::bpf::loader {

namespace {

bool sleepable_section(std::string_view sec) {
  size_t slash = sec.find('/');
  std::string_view prefix = sec.substr(0, slash);
  return prefix.ends_with(".s");
}

}  // namespace

Status ObjectBuilder::build_programs() {
  for (const auto& f : functions_) {
    const ElfSection* sec = elf_.section(f.section);
    if (sec->name == ".text") continue;
    Program p;
    p.name = f.name;
    p.section = sec->name;
    p.sleepable = sleepable_section(sec->name);
    if (auto s = assemble(p, f); !s) return s;
    program_of_[{f.section, f.start}] = obj_.programs_.size();
    obj_.programs_.push_back(std::move(p));
  }
  return {};
}

const SectionCode* ObjectBuilder::section_code(u32 index) const {
  for (const auto& s : sections_)
    if (s.index == index) return &s;
  return nullptr;
}

// Entry function, then each reached subprogram once, in discovery order.
Status ObjectBuilder::assemble(Program& p, const Function& entry) {
  std::vector<std::pair<const Function*, u32>> placed;  // function, base slot
  std::map<const Function*, u32> base_of;
  std::deque<size_t> todo;
  auto place = [&](const Function* f) -> u32 {
    if (auto it = base_of.find(f); it != base_of.end()) return it->second;
    u32 base = static_cast<u32>(p.code.size());
    base_of[f] = base;
    const SectionCode* sc = section_code(f->section);
    p.code.insert(p.code.end(), sc->code.begin() + f->start, sc->code.begin() + f->end);
    placed.emplace_back(f, base);
    todo.push_back(placed.size() - 1);
    return base;
  };
  place(&entry);
  while (!todo.empty()) {
    auto [f, base] = placed[todo.front()];
    todo.pop_front();
    const SectionCode* sc = section_code(f->section);
    append_info(p, *sc, *f, base);
    for (auto it = sc->refs.lower_bound(f->start); it != sc->refs.end() && it->first < f->end; ++it) {
      u32 at = base + (it->first - f->start);
      const Function* callee = function_at(it->second.section, it->second.insn);
      std::string where = insn_where(sc->name, it->first);
      if (!callee || callee->start != it->second.insn)
        return fail(ErrorKind::malformed, where,
                    fmt::format("call or callback target (section {} instruction {}) is not the start of a function",
                                elf_.section(it->second.section)->name, it->second.insn));
      if (p.code.size() + (callee->end - callee->start) > (1u << 20))
        return fail(ErrorKind::unsupported, "program " + p.name, "more than 1M instructions with its subprograms");
      u32 target = place(callee);
      p.code[at].imm = static_cast<s32>(static_cast<s64>(target) - (s64{at} + 1));
    }
    for (auto it = sc->poisoned.lower_bound(f->start); it != sc->poisoned.end() && it->first < f->end; ++it)
      p.poisoned[base + it->first - f->start] = it->second;
    for (auto it = sc->kfuncs.lower_bound(f->start); it != sc->kfuncs.end() && it->first < f->end; ++it)
      p.kfuncs[static_cast<u32>(sc->code[it->first].imm)] = it->second;
  }
  return {};
}

void ObjectBuilder::append_info(Program& p, const SectionCode& sc, const Function& f, u32 base) {
  FuncInfo fi{base, f.name, 0};
  if (auto it = ext_.func_info.find(sc.name); it != ext_.func_info.end())
    for (const auto& e : it->second)
      if (e.insn_off / 8 == f.start) fi.btf_type_id = e.type_id;
  p.func_info.push_back(fi);
  auto it = ext_.line_info.find(sc.name);
  if (it == ext_.line_info.end()) return;
  const auto& lines = it->second;  // sorted by insn_off
  auto l = std::lower_bound(lines.begin(), lines.end(), u64{f.start} * 8,
                            [](const BtfExtLine& e, u64 off) { return e.insn_off < off; });
  for (; l != lines.end() && l->insn_off < u64{f.end} * 8; ++l) {
    if (l->insn_off % 8) continue;
    p.line_info.push_back(LineInfo{base + l->insn_off / 8 - f.start, l->file, l->line, l->column, l->text});
  }
}

}  // namespace ups::bpf::loader
