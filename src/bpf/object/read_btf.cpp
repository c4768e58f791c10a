// Loader phase: the .BTF and .BTF.ext sections (types, line info, CO-RE
// relocations) and the host types CO-RE relocations resolve against.
#include "bpf/object/object_builder.h"

#include <algorithm>

#include <fmt/format.h>

#include "bpf/object/load_error.h"
#include "bpf/object/core_relocator.h"

namespace ups::bpf::loader {

Status ObjectBuilder::parse_btf() {
  if (const ElfSection* s = elf_.find_section(".BTF")) {
    auto btf = Btf::parse(s->data);
    if (!btf) return with_file(btf.error());
    obj_.btf_ = std::move(*btf);
    if (const ElfSection* e = elf_.find_section(".BTF.ext")) {
      auto ext = BtfExt::parse(e->data, obj_.btf_);
      if (!ext) return with_file(ext.error());
      ext_ = std::move(*ext);
      for (auto& [sec, lines] : ext_.line_info) {
        std::stable_sort(lines.begin(), lines.end(),
                         [](const BtfExtLine& a, const BtfExtLine& b) { return a.insn_off < b.insn_off; });
        // Line 0 marks code the compiler made with no source line of its
        // own (spills, merged tails); without it, lookups fall back to
        // the nearest real line before, as `file:0` would help no one.
        std::erase_if(lines, [](const BtfExtLine& l) { return l.line == 0; });
      }
    }
  }
  if (opts_.host) {
    host_ = opts_.host;
  } else {
    own_host_ = host_types_from_btf(obj_.btf_);
    host_ = &own_host_;
  }
  return {};
}

}  // namespace ups::bpf::loader
