// vmlinux.h and kernel_types.h must agree byte for byte: the host hands BPF
// programs pointers to its C++ mirrors, so one differing offset would make a
// policy read the wrong field. The test generates a BPF C file that stores,
// for every struct, field and enum value host_types() describes, clang's
// offsetof/sizeof/signedness/value in .rodata, builds it with each clang,
// and compares the numbers read back from the ELF symbols.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "bpf_compile.h"
#include "elf_reader.h"
#include "policy/kernel_abi/kernel_types.h"
#include "test_paths.h"

namespace ups::kabi {
namespace {

namespace fs = std::filesystem;

struct Expect {
  std::string symbol;
  u64 value;
  std::string what;
};

std::string sym(const std::string& a, const std::string& b, const std::string& c) {
  return "L__" + a + "__" + b + "__" + c;
}

// The generated C and the values each symbol must hold.
std::string generate(std::vector<Expect>& expects) {
  std::ostringstream c;
  c << "#include <scx/common.bpf.h>\n"
       "#define IS_SIGNED(x) _Generic((x), signed char: 1, short: 1, int: 1, long: 1, "
       "long long: 1, default: 0)\n"
       "#define OUT const volatile unsigned long long\n";
  for (const auto& s : host_types().structs()) {
    const std::string t = "struct " + s.name;
    c << "OUT " << sym(s.name, "", "size") << " = sizeof(" << t << ");\n";
    expects.push_back({sym(s.name, "", "size"), s.size, "sizeof(" + t + ")"});
    for (const auto& f : s.fields) {
      const std::string m = "((" + t + " *)0)->" + f.name;
      const std::string what = t + "::" + f.name;
      c << "OUT " << sym(s.name, f.name, "off") << " = __builtin_offsetof(" << t << ", " << f.name
        << ");\n";
      c << "OUT " << sym(s.name, f.name, "size") << " = sizeof(" << m << ");\n";
      c << "OUT " << sym(s.name, f.name, "signed") << " = IS_SIGNED(" << m << ");\n";
      expects.push_back({sym(s.name, f.name, "off"), f.offset, "offset of " + what});
      expects.push_back({sym(s.name, f.name, "size"), f.size, "size of " + what});
      expects.push_back(
          {sym(s.name, f.name, "signed"), f.is_signed ? 1u : 0u, "signedness of " + what});
      if (f.array_len > 0) {
        c << "OUT " << sym(s.name, f.name, "len") << " = sizeof(" << m << ") / sizeof((" << m
          << ")[0]);\n";
        expects.push_back({sym(s.name, f.name, "len"), f.array_len, "length of " + what});
      }
      if (!f.struct_type.empty()) {
        c << "OUT " << sym(s.name, f.name, "type") << " = _Generic(&" << m << ", struct "
          << f.struct_type << " *: 1, default: 0);\n";
        expects.push_back({sym(s.name, f.name, "type"), 1, what + " is a struct " + f.struct_type});
      }
    }
  }
  for (const auto& e : host_types().enums()) {
    c << "OUT " << sym("enum", e.name, "size") << " = sizeof(enum " << e.name << ");\n";
    for (const auto& [name, value] : e.values) {
      c << "OUT " << sym("enum", e.name, name) << " = (unsigned long long)" << name << ";\n";
      expects.push_back(
          {sym("enum", e.name, name), static_cast<u64>(value), "enum " + e.name + "::" + name});
    }
  }
  c << "char _license[] SEC(\"license\") = \"GPL\";\n";
  return c.str();
}

class Layout : public ::testing::TestWithParam<std::string> {};

TEST_P(Layout, VmlinuxMatchesHostMirror) {
  const std::string clang = GetParam();
  std::vector<Expect> expects;
  auto built = test::compile_bpf(clang, "layout", generate(expects));
  ASSERT_TRUE(built.error.empty()) << built.error;
  const std::string tag = fs::path(clang).filename().string();

  auto elf = test::ElfFile::open(built.object);
  ASSERT_TRUE(elf.has_value()) << built.object;
  EXPECT_EQ(elf->machine(), 247) << "not an EM_BPF object";
  ASSERT_GT(expects.size(), 200u);
  for (const auto& e : expects) {
    auto got = elf->symbol_u64(e.symbol);
    ASSERT_TRUE(got.has_value()) << "no symbol " << e.symbol;
    EXPECT_EQ(*got, e.value) << e.what << ": vmlinux.h (" << tag << ") says " << *got
                             << ", kernel_types says " << e.value;
  }
}

INSTANTIATE_TEST_SUITE_P(Clangs, Layout, ::testing::ValuesIn(test::test_clangs()),
                         [](const auto& info) { return test::clang_test_name(info.param); });

TEST(HostTypes, DescribesEveryStructAPolicySees) {
  for (const char* name :
       {"task_struct", "sched_ext_entity", "cpumask", "sched_ext_ops", "scx_exit_info",
        "scx_init_task_args", "scx_exit_task_args", "bpf_iter_scx_dsq", "bpf_timer", "bpf_cpumask"})
    EXPECT_NE(host_types().find_struct(name), nullptr) << name;
  const auto* scx = host_types().find_struct("sched_ext_entity");
  ASSERT_NE(scx, nullptr);
  EXPECT_EQ(scx->field("slice")->offset, offsetof(SchedExtEntity, slice));
  EXPECT_EQ(host_types().enum_value("scx_dsq_id_flags", "SCX_DSQ_LOCAL"),
            static_cast<s64>((u64{1} << 63) | 2));
  EXPECT_EQ(host_types().enum_value("", "SCX_EXIT_ERROR_STALL"), 1026);
  EXPECT_FALSE(host_types().enum_value("", "SCX_NO_SUCH_VALUE").has_value());
}

TEST(HostTypes, TaskFieldsFitInTheirStruct) {
  for (const auto& s : host_types().structs())
    for (const auto& f : s.fields) EXPECT_LE(f.offset + f.size, s.size) << s.name << "::" << f.name;
}

}  // namespace
}  // namespace ups::kabi
