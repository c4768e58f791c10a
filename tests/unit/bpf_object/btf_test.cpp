// BTF parsing and validation on hand-built blobs: what a valid one gives,
// and each malformed one's error (loops, bad ids, oversized counts, ...).
#include <cstring>

#include <gtest/gtest.h>

#include "bpf/object/btf.h"

namespace ups::bpf {
namespace {

// Writes a .BTF section: header, type records, string table.
class BtfBuilder {
public:
  u32 str(const std::string& s) {
    u32 off = static_cast<u32>(strs_.size());
    strs_ += s;
    strs_ += '\0';
    return off;
  }
  // One type record: name, kind, vlen, size/type, then kind-specific words.
  BtfBuilder& type(u32 name_off, u32 kind, u32 vlen, u32 size_type, std::vector<u32> extra = {}) {
    words_.insert(words_.end(), {name_off, (kind << 24) | vlen, size_type});
    words_.insert(words_.end(), extra.begin(), extra.end());
    return *this;
  }
  std::vector<u8> build() const {
    std::vector<u8> out(24);
    u32 type_len = static_cast<u32>(words_.size() * 4);
    u32 hdr[6] = {0x0001eB9F, 24, 0, type_len, type_len, static_cast<u32>(strs_.size())};
    std::memcpy(out.data(), hdr, 24);
    out.resize(24 + type_len);
    if (type_len) std::memcpy(out.data() + 24, words_.data(), type_len);
    out.insert(out.end(), strs_.begin(), strs_.end());
    return out;
  }

private:
  std::vector<u32> words_;
  std::string strs_ = std::string(1, '\0');
};

constexpr u32 INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, TYPEDEF = 8, CONST = 10, FUNC = 12, FUNC_PROTO = 13, VAR = 14,
              DATASEC = 15, DECL_TAG = 17;

TEST(Btf, ValidTypesSizesAndNames) {
  BtfBuilder b;
  u32 int_name = b.str("int"), s_name = b.str("node"), a = b.str("value"), n = b.str("next");
  b.type(int_name, INT, 0, 4, {(1u << 24) | 32})             // 1: int
      .type(s_name, STRUCT, 2, 16, {a, 1, 0, n, 3, 64})       // 2: struct node { int value; node *next; }
      .type(0, PTR, 0, 2)                                      // 3: struct node *
      .type(0, ARRAY, 0, 0, {1, 1, 10});                       // 4: int[10]
  auto btf = Btf::parse(b.build());
  ASSERT_TRUE(btf) << btf.error().to_string();
  EXPECT_EQ(btf->count(), 5u);
  EXPECT_EQ(btf->size_of(1), 4u);
  EXPECT_EQ(btf->size_of(2), 16u);
  EXPECT_EQ(btf->size_of(3), 8u);
  EXPECT_EQ(btf->size_of(4), 40u);
  EXPECT_EQ(btf->type_name(3), "struct node *");
  EXPECT_EQ(btf->type_name(4), "int[10]");
  EXPECT_TRUE(btf->type(1)->is_signed);
  EXPECT_EQ(btf->find(BtfKind::struct_, "node"), 2u);
  ASSERT_EQ(btf->type(2)->members.size(), 2u);
  EXPECT_EQ(btf->type(2)->members[1].name, "next");
  EXPECT_EQ(btf->type(2)->members[1].bit_offset, 64u);
}

struct BadCase {
  const char* name;
  std::vector<u8> (*make)();
  const char* error;
};

std::vector<u8> typedef_loop() {
  BtfBuilder b;
  b.type(b.str("a"), TYPEDEF, 0, 2).type(b.str("b"), TYPEDEF, 0, 1);
  return b.build();
}
std::vector<u8> struct_contains_itself() {
  BtfBuilder b;
  u32 m = b.str("self");
  b.type(b.str("s"), STRUCT, 1, 8, {m, 1, 0});
  return b.build();
}
std::vector<u8> bad_type_id() {
  BtfBuilder b;
  b.type(0, PTR, 0, 99);
  return b.build();
}
std::vector<u8> oversized_vlen() {
  BtfBuilder b;
  b.type(b.str("s"), STRUCT, 1000, 8);
  return b.build();
}
std::vector<u8> bad_name_offset() {
  BtfBuilder b;
  b.type(5000, INT, 0, 4, {32});
  return b.build();
}
std::vector<u8> unknown_kind() {
  BtfBuilder b;
  b.type(0, 25, 0, 0);
  return b.build();
}
std::vector<u8> array_overflow() {
  BtfBuilder b;
  b.type(b.str("long"), INT, 0, 8, {64}).type(0, ARRAY, 0, 0, {1, 1, 0x7fffffff});
  return b.build();
}
std::vector<u8> deep_chain() {
  // typedef 1 -> 2 -> ... -> 100 -> int (101): resolving 1 walks them all.
  BtfBuilder b;
  for (u32 i = 1; i <= 100; ++i) b.type(b.str("t" + std::to_string(i)), TYPEDEF, 0, i + 1);
  b.type(b.str("int"), INT, 0, 4, {32});
  return b.build();
}
// Loops and dangling kinds Linux's BTF checker refuses (issue 20 found 28
// such objects accepted).
std::vector<u8> func_of_func() {
  BtfBuilder b;
  b.type(b.str("f"), FUNC, 0, 1);  // 1: func f of type 1 (itself)
  return b.build();
}
std::vector<u8> func_proto_returns_itself() {
  BtfBuilder b;
  b.type(0, FUNC_PROTO, 0, 1);  // 1: returns type 1
  return b.build();
}
std::vector<u8> func_proto_param_is_func() {
  BtfBuilder b;
  u32 p = b.str("x");
  b.type(0, FUNC_PROTO, 1, 0, {p, 2})  // 1: void (f x)
      .type(b.str("f"), FUNC, 0, 1);   // 2: func f of 1
  return b.build();
}
std::vector<u8> datasec_contains_datasec() {
  BtfBuilder b;
  b.type(b.str(".data"), DATASEC, 1, 8, {1, 0, 8});  // 1: its entry is itself
  return b.build();
}
std::vector<u8> datasec_var_too_small() {
  BtfBuilder b;
  b.type(b.str("u64"), INT, 0, 8, {64})                     // 1
      .type(b.str("flags"), VAR, 0, 1, {0})                 // 2: var flags of type u64
      .type(b.str(".bss"), DATASEC, 1, 8, {2, 0, 1});       // 3: holds it in 1 byte
  return b.build();
}
std::vector<u8> var_of_datasec() {
  BtfBuilder b;
  b.type(b.str("v"), VAR, 0, 2, {1})                 // 1: var v of type 2
      .type(b.str(".data"), DATASEC, 1, 8, {1, 0, 8});  // 2: holds v
  return b.build();
}
std::vector<u8> pointer_loop() {
  BtfBuilder b;
  b.type(0, PTR, 0, 2).type(0, CONST, 0, 1);  // ptr -> const -> ptr
  return b.build();
}
std::vector<u8> decl_tag_on_int() {
  BtfBuilder b;
  b.type(b.str("int"), INT, 0, 4, {32}).type(b.str("tag"), DECL_TAG, 0, 1, {0xffffffffu});
  return b.build();
}
std::vector<u8> member_of_func_proto() {
  BtfBuilder b;
  u32 m = b.str("m");
  b.type(0, FUNC_PROTO, 0, 0).type(b.str("s"), STRUCT, 1, 8, {m, 1, 0});
  return b.build();
}
std::vector<u8> truncated_header() { return std::vector<u8>(10, 0); }
std::vector<u8> bad_magic() {
  auto v = BtfBuilder().build();
  v[0] = 0;
  return v;
}
std::vector<u8> type_section_outside() {
  auto v = BtfBuilder().build();
  u32 huge = 0x7fffffff;
  std::memcpy(v.data() + 12, &huge, 4);
  return v;
}
std::vector<u8> truncated_record() {
  BtfBuilder b;
  b.type(0, INT, 0, 4);  // INT needs one more word
  return b.build();
}

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

const BadCase kBad[] = {
    {"typedef_loop", typedef_loop, "type 1 (typedef a) contains itself (type loop)"},
    {"struct_contains_itself", struct_contains_itself, "type 1 (struct s) contains itself (type loop)"},
    {"bad_type_id", bad_type_id, "type 1 (ptr ): its target refers to type 99, but there are only 2"},
    {"oversized_vlen", oversized_vlen, "type 1 (struct s): 1000 entries need 12000 bytes, 0 left"},
    {"bad_name_offset", bad_name_offset, "type 1: name offset 5000 outside the string section"},
    {"unknown_kind", unknown_kind, "type 1: unknown kind 25"},
    {"array_overflow", array_overflow, "type 2 (array): 2147483647 elements of 8 bytes overflow"},
    {"deep_chain", deep_chain, "type chain deeper than 64"},
    {"truncated_header", truncated_header, "truncated header (10 bytes)"},
    {"func_of_func", func_of_func, "type 1 (func f): its type 1 is a func, not a func_proto"},
    {"func_proto_returns_itself", func_proto_returns_itself, "type 1 (func_proto ): returns type 1, a func_proto"},
    {"func_proto_param_is_func", func_proto_param_is_func, "type 1 (func_proto ): parameter x has type 2, a func"},
    {"datasec_contains_datasec", datasec_contains_datasec, "type 1 (datasec .data): entry type 1 is a datasec"},
    {"datasec_var_too_small", datasec_var_too_small,
     "type 3 (datasec .bss): variable flags (type 2) has 1 bytes, its type needs 8"},
    {"var_of_datasec", var_of_datasec, "type 1 (var v): its type 2 is a datasec"},
    {"pointer_loop", pointer_loop, "a chain of pointers and modifiers leads back to it (type loop)"},
    {"decl_tag_on_int", decl_tag_on_int, "type 2 (decl_tag tag): tags type 1, a int"},
    {"member_of_func_proto", member_of_func_proto, "type 2 (struct s): member m has type 1, a func_proto"},
    {"bad_magic", bad_magic, "bad magic 0xeb00"},
    {"type_section_outside", type_section_outside, "type section [0, +2147483647) outside the 25 bytes"},
    {"truncated_record", truncated_record, "type 1 (int ): 0 entries need 4 bytes, 0 left"},
};

class BtfBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(BtfBad, IsRejectedWithItsError) {
  auto btf = Btf::parse(GetParam().make());
  ASSERT_FALSE(btf);
  EXPECT_EQ(btf.error().kind, ErrorKind::malformed);
  std::string msg = btf.error().to_string();
  EXPECT_NE(msg.find(GetParam().error), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind(".BTF: ", 0), 0u) << msg;
}

INSTANTIATE_TEST_SUITE_P(Cases, BtfBad, ::testing::ValuesIn(kBad),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Btf, StripFlavour) {
  struct Row { const char* in; const char* out; };
  for (auto r : {Row{"task_struct___old", "task_struct"}, Row{"scx_bpf_dsq_insert___v2___compat", "scx_bpf_dsq_insert___v2"},
                 Row{"scx_bpf_consume___old", "scx_bpf_consume"}, Row{"plain", "plain"},
                 Row{"___x", "___x"}, Row{"a____b", "a____b"}, Row{"a___", "a___"}, Row{"", ""}})
    EXPECT_EQ(strip_flavour(r.in), r.out) << r.in;
}

}  // namespace
}  // namespace ups::bpf
