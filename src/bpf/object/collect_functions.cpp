// Loader phase: the function symbols of the executable sections, checked to
// lie on instruction boundaries and not to overlap.
#include "bpf/object/object_builder.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "bpf/object/load_error.h"

namespace ups::bpf::loader {

Status ObjectBuilder::collect_functions() {
  for (const auto& sym : elf_.symbols()) {
    if (sym.type != elf::STT_FUNC || sym.shndx == elf::SHN_UNDEF || sym.shndx >= elf::SHN_LORESERVE) continue;
    const ElfSection* sec = elf_.section(sym.shndx);
    if (!sec->is_exec())
      return fail(ErrorKind::malformed, "symbol " + sym.name, fmt::format("function in non-executable section {}", sec->name));
    if (sym.value % 8 || sym.size % 8 || sym.value > sec->size || sym.size > sec->size - sym.value)
      return fail(ErrorKind::malformed, "symbol " + sym.name,
                  fmt::format("function [{}, +{}) is not inside section {} ({} bytes) on instruction boundaries",
                              sym.value, sym.size, sec->name, sec->size));
    Function f{sym.shndx, static_cast<u32>(sym.value / 8), static_cast<u32>((sym.value + sym.size) / 8),
               sym.name, sym.bind != elf::STB_LOCAL};
    if (f.end == f.start) continue;  // zero-size: nothing to run
    // As libbpf: a global function of hidden or internal visibility
    // (`__hidden`) cannot be replaced from outside the object, so its BTF
    // FUNC is made static, and the verifier checks it in its callers'
    // context (scx_sdt calls such a function under a bpf_spin_lock).
    if (f.global && (sym.visibility == elf::STV_HIDDEN || sym.visibility == elf::STV_INTERNAL))
      if (auto id = obj_.btf_.find(BtfKind::func, sym.name)) obj_.btf_.make_func_static(*id);
    functions_.push_back(std::move(f));
  }
  std::sort(functions_.begin(), functions_.end(), [](const Function& a, const Function& b) {
    return std::tie(a.section, a.start) < std::tie(b.section, b.start);
  });
  for (size_t i = 1; i < functions_.size(); ++i)
    if (functions_[i].section == functions_[i - 1].section && functions_[i].start < functions_[i - 1].end)
      return fail(ErrorKind::malformed, "symbol " + functions_[i].name,
                  fmt::format("overlaps function {}", functions_[i - 1].name));
  return {};
}

// functions_ is sorted by (section, start) and non-overlapping.
const Function* ObjectBuilder::function_at(u32 section, u32 insn) const {
  auto it = std::upper_bound(functions_.begin(), functions_.end(), std::pair(section, insn),
                             [](const std::pair<u32, u32>& key, const Function& f) {
                               return key < std::pair(f.section, f.start);
                             });
  if (it == functions_.begin()) return nullptr;
  --it;
  return it->section == section && insn < it->end ? &*it : nullptr;
}

}  // namespace ups::bpf::loader
