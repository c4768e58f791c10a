// Shared by the loader tests: where the clang-built test objects are
// (tests/bpf_objects.cmake), reading files, and small code queries.
#pragma once

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpf/object/object.h"

namespace ups::bpf::test {

// "clang-14.v3", "clang-19.v3", "clang-19.v4" (those built).
inline std::vector<std::string> bpf_variants() {
  std::vector<std::string> out;
  std::stringstream ss(UPS_TEST_BPF_VARIANTS);
  for (std::string v; std::getline(ss, v, ',');)
    if (!v.empty()) out.push_back(v);
  return out;
}

inline std::string bpf_object_path(const std::string& name, const std::string& variant) {
  return std::string(UPS_TEST_BPF_DIR) + "/" + name + "." + variant + ".bpf.o";
}

inline std::vector<std::byte> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  for (size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
  return out;
}

inline Object load_ok(const std::string& path, const LoadOptions& opts) {
  auto obj = load_object_file(path, opts);
  if (!obj) ADD_FAILURE() << obj.error().to_string();
  return obj ? std::move(*obj) : Object{};
}

inline const Program& program(const Object& obj, std::string_view name) {
  const Program* p = obj.find_program(name);
  if (!p) {
    ADD_FAILURE() << "no program " << name;
    static const Program empty;
    return empty;
  }
  return *p;
}

inline bool is_lddw(const Insn& i) { return i.opcode == (op::LD | op::DW | op::IMM); }
inline bool is_call(const Insn& i) { return i.opcode == (op::JMP | op::CALL); }

// The value a `return CONSTANT;` program puts in r0: its first instruction
// (mov or lddw into r0).
inline s64 returned_constant(const Program& p) {
  if (p.code.empty()) {
    ADD_FAILURE() << p.name << ": no code";
    return -1;
  }
  const Insn& i = p.code[0];
  EXPECT_EQ(i.dst(), 0) << p.name;
  if (is_lddw(i))
    return static_cast<s64>(static_cast<u64>(static_cast<u32>(i.imm)) |
                            (static_cast<u64>(static_cast<u32>(p.code[1].imm)) << 32));
  EXPECT_TRUE((i.opcode & 0xf7) == (op::ALU64 | op::MOV) || (i.opcode & 0xf7) == (op::ALU | op::MOV))
      << p.name << ": opcode " << int(i.opcode);
  return i.imm;
}

// The first memory load of a program.
inline const Insn* first_load(const Program& p) {
  for (const auto& i : p.code)
    if ((i.opcode & op::CLASS_MASK) == op::LDX) return &i;
  ADD_FAILURE() << p.name << ": no load";
  return nullptr;
}

// gtest parameter names: "clang_19_v4".
inline std::string variant_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

#define UPS_INSTANTIATE_FOR_EACH_CLANG(suite)                                       \
  GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(suite);                             \
  INSTANTIATE_TEST_SUITE_P(Clang, suite, ::testing::ValuesIn(::ups::bpf::test::bpf_variants()), \
                           ::ups::bpf::test::variant_test_name)

#define UPS_SKIP_WITHOUT_BPF_OBJECTS()                                              \
  if (::ups::bpf::test::bpf_variants().empty())                                     \
  GTEST_SKIP() << "no BPF test objects (UPS_BUILD_POLICIES=OFF or no clang)"

}  // namespace ups::bpf::test
