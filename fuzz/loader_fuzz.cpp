// Fuzzes the BPF object loader (ELF, BTF, BTF.ext, relocations, CO-RE,
// maps, struct_ops): any input gives an Object or an Error naming the
// place, never a crash, a hang or a sanitizer report. Seeds: the objects
// built from tests/bpf_objects and tests/data/bpf_object (see
// fuzz/loader_fuzz.seeds and docs/fuzzing.md).
#include <cstddef>
#include <cstdint>
#include <span>

#include "bpf/object/object.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ups::bpf;
  LoadOptions opts;
  opts.file_name = "fuzz.o";
  // Resolve some kfuncs and not others, so both paths run.
  opts.kfunc_lookup = [](std::string_view name) -> std::optional<ups::u32> {
    if (name.empty() || name[0] == 'x') return std::nullopt;
    return static_cast<ups::u32>(name.size());
  };
  opts.kconfig["LINUX_KERNEL_VERSION"] = 0x060c00;
  auto obj = load_object(std::as_bytes(std::span(data, size)), opts);
  if (!obj) {
    (void)obj.error().to_string();
    return 0;
  }
  for (size_t p = 0; p < obj->programs().size(); ++p) {
    const Program& prog = obj->programs()[p];
    for (size_t i = 0; i < prog.code.size(); ++i) (void)obj->source_line(p, i);
  }
  for (const auto& g : obj->globals()) {
    std::vector<std::byte> zeros(g.size);
    (void)obj->set_rodata(g.name, zeros);
  }
  return 0;
}
