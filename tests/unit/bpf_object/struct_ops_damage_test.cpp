// Damage that once dropped a struct_ops callback silently (issue 20: two
// single-byte corruptions of a policy lost `init` or `exit`): a program
// written for a member that no member points to, or a member the host's type
// does not have, is an error naming the member.
#include <algorithm>

#include "elf_image.h"

#include "bpf/host_types.h"

namespace ups::bpf {
namespace {

using test::ElfImage;

class StructOpsDamage : public ::testing::TestWithParam<std::string> {};

std::string load_error(ElfImage& img, const LoadOptions& opts = {}) {
  auto obj = load_object(std::as_bytes(std::span<const u8>(img.bytes())), opts);
  EXPECT_FALSE(obj) << "the damaged object loaded";
  return obj ? "" : obj.error().to_string();
}

TEST_P(StructOpsDamage, RelocationDroppedIsAnErrorNamingTheMember) {
  ElfImage img = ElfImage::of("struct_ops", GetParam());
  const u32 rel = img.section(".rel.struct_ops.link");
  ASSERT_NE(rel, 0u);
  const u64 size = img.get<u64>(img.shdr(rel) + 32);
  ASSERT_GE(size, 16u);
  const u32 last = static_cast<u32>(size / 16 - 1);
  const u32 sym = static_cast<u32>(img.get<u64>(img.rel_entry(".rel.struct_ops.link", last) + 8) >> 32);
  auto elf = ElfFile::parse(img.bytes(), "x");
  ASSERT_TRUE(elf);
  const std::string prog = elf->symbols()[sym].name;  // my_init, my_dispatch, ...
  // One byte of sh_size: the last relocation is no longer there.
  img.put<u64>(img.shdr(rel) + 32, size - 16);
  const std::string msg = load_error(img);
  EXPECT_NE(msg.find("struct_ops test_ops." + prog.substr(3) + ": the member does not point to program " + prog),
            std::string::npos)
      << msg;
}

TEST_P(StructOpsDamage, RelocationMovedOffTheVariableIsAnError) {
  ElfImage img = ElfImage::of("struct_ops", GetParam());
  img.put<u64>(img.rel_entry(".rel.struct_ops.link", 0), 0x10000);
  const std::string msg = load_error(img);
  EXPECT_NE(msg.find("struct_ops"), std::string::npos) << msg;
}

TEST_P(StructOpsDamage, MemberNameTheHostLacksIsAnError) {
  ElfImage img = ElfImage::of("struct_ops", GetParam());
  // "init" -> "inix" in the BTF strings: the member would never be called.
  const u64 btf = img.section_offset(".BTF");
  const u64 btf_size = img.get<u64>(img.shdr(img.section(".BTF")) + 32);
  auto& b = img.bytes();
  const std::string needle("\0init\0", 6);
  auto at = std::search(b.begin() + static_cast<std::ptrdiff_t>(btf), b.begin() + static_cast<std::ptrdiff_t>(btf + btf_size),
                        needle.begin(), needle.end());
  ASSERT_NE(at, b.begin() + static_cast<std::ptrdiff_t>(btf + btf_size));
  at[4] = 'x';
  HostTypes host;
  HostStruct ops{"sched_ext_ops", 1024, {}};
  for (const char* f : {"select_cpu", "enqueue", "dispatch", "init", "exit", "dispatch_max_batch", "flags",
                        "timeout_ms", "exit_dump_len", "name"})
    ops.fields.push_back({f, 0, 8, false, "", 0});
  host.add_struct(ops);
  LoadOptions opts;
  opts.host = &host;
  const std::string msg = load_error(img, opts);
  EXPECT_NE(msg.find("struct_ops test_ops.inix: struct sched_ext_ops has no member named 'inix'"), std::string::npos)
      << msg;
}

UPS_INSTANTIATE_FOR_EACH_CLANG(StructOpsDamage);

}  // namespace
}  // namespace ups::bpf
