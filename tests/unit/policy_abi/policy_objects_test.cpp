// Every example and test policy in sdk/policies builds with each clang into
// an object that upsched can load: a .struct_ops.link table whose callbacks
// are the ones the source means, BTF, a GPL license, kfunc externs that all
// resolve to host kfuncs allowed in the callbacks that call them, and
// exactly the capabilities the policy's header comment promises.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "elf_reader.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kernel_abi/scx_api.h"
#include "policy/kfuncs.h"
#include "policy_cases.h"
#include "test_paths.h"

namespace ups::kabi {
namespace {

using policy::find_kfunc;
using policy::kfuncs;

namespace fs = std::filesystem;

struct Param {
  PolicyCase policy;
  std::string clang_tag;  // "" for clang-14's <name>.bpf.o
};

std::vector<Param> params() {
  std::vector<Param> out;
  for (const auto& c : policy_cases())
    for (const auto& clang : test::test_clangs()) {
      std::string tag = fs::path(clang).filename();
      out.push_back({c, tag == "clang-14" ? "" : tag});
    }
  return out;
}

class PolicyObject : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    if (!UPS_POLICIES_BUILT) GTEST_SKIP() << "configured with UPS_BUILD_POLICIES=OFF";
    const auto& p = GetParam();
    path_ = test::policy_dir() + "/" + p.policy.file +
            (p.clang_tag.empty() ? "" : "." + p.clang_tag) + ".bpf.o";
    auto f = test::ElfFile::open(path_);
    ASSERT_TRUE(f.has_value()) << "cannot read " << path_;
    file_ = std::move(f);
  }
  std::string path_;
  std::optional<test::ElfFile> file_;
  const test::ElfFile& elf() const { return *file_; }
};

TEST_P(PolicyObject, HasTheSectionsALoaderNeeds) {
  for (const char* s : {".struct_ops.link", ".BTF", ".BTF.ext", "license"})
    EXPECT_NE(elf().section(s), nullptr) << path_ << " lacks " << s;
  const auto* lic = elf().section("license");
  ASSERT_NE(lic, nullptr);
  EXPECT_EQ(std::string(elf().data(*lic).data()), "GPL");
  EXPECT_EQ(elf().machine(), 247);
}

TEST_P(PolicyObject, OpsTableBindsTheIntendedCallbacks) {
  const auto& p = GetParam().policy;
  const auto* ops = elf().section(".struct_ops.link");
  ASSERT_NE(ops, nullptr);
  std::string_view bytes = elf().data(*ops);
  ASSERT_EQ(bytes.size(), sizeof(SchedExtOps));
  EXPECT_STREQ(bytes.data() + offsetof(SchedExtOps, name), p.ops_name);

  Names bound;
  for (const auto& rel : elf().relocations_for(".struct_ops.link")) {
    ASSERT_EQ(rel.offset % 8, 0u);
    const CallbackInfo* cb = callback_at(static_cast<u32>(rel.offset / 8));
    ASSERT_NE(cb, nullptr) << "relocation at " << rel.offset << " is not a callback slot";
    ASSERT_LT(rel.sym, elf().symbols().size());
    const auto& fn = elf().symbols()[rel.sym];
    ASSERT_LT(fn.shndx, elf().sections().size());
    const std::string& sec = elf().sections()[fn.shndx].name;
    const bool sleepable = sec.rfind("struct_ops.s/", 0) == 0;
    EXPECT_TRUE(sec == "struct_ops/" + fn.name || sec == "struct_ops.s/" + fn.name)
        << fn.name << " is in section " << sec;
    if (sleepable) {
      EXPECT_TRUE(cb->sleepable_ok) << cb->name << " may not sleep";
    }
    EXPECT_TRUE(cb->hosted) << p.file << " implements " << cb->name
                            << ", which upsched never calls";
    bound.insert(std::string(cb->name));
  }
  EXPECT_EQ(bound, p.callbacks);
}

// Helper ids called in `sec` (call with src_reg 0).
std::set<u32> helper_calls(const test::ElfFile& elf, const test::ElfSection& sec) {
  std::set<u32> ids;
  std::string_view code = elf.data(sec);
  for (size_t off = 0; off + 8 <= code.size(); off += 8) {
    const auto* insn = reinterpret_cast<const unsigned char*>(code.data() + off);
    if (insn[0] == 0x85 && (insn[1] >> 4) == 0) {
      s32 imm;
      std::memcpy(&imm, insn + 4, 4);
      ids.insert(static_cast<u32>(imm));
    }
  }
  return ids;
}

TEST_P(PolicyObject, ExternsResolveAndNeedOnlyThePromisedCapabilities) {
  const auto& p = GetParam().policy;
  std::set<Capability> needed;
  for (size_t i = 0; i < elf().sections().size(); ++i) {
    const auto& sec = elf().sections()[i];
    const bool is_prog = sec.name == ".text" || sec.name.rfind("struct_ops", 0) == 0;
    if (!is_prog || sec.type != 1 /*PROGBITS*/) continue;
    for (u32 id : helper_calls(elf(), sec)) {
      const HelperInfo* h = find_helper(id);
      ASSERT_NE(h, nullptr) << p.file << " calls helper " << id << " unknown to upsched";
      if (h->cap) needed.insert(*h->cap);
    }
    // The callback this section implements, if any.
    const CallbackInfo* cb = nullptr;
    for (const auto& rel : elf().relocations_for(".struct_ops.link")) {
      const auto& fn = elf().symbols()[rel.sym];
      if (fn.shndx == i) cb = callback_at(static_cast<u32>(rel.offset / 8));
    }
    const bool sleepable = sec.name.rfind("struct_ops.s/", 0) == 0;
    for (const auto& rel : elf().relocations_for(sec.name)) {
      const auto& s = elf().symbols()[rel.sym];
      if (s.shndx != 0) continue;  // defined here: a subprogram or data
      const KfuncInfo* k = find_kfunc(s.name);
      ASSERT_NE(k, nullptr) << p.file << " references " << s.name << ", not a host kfunc";
      if (k->cap) needed.insert(*k->cap);
      if (cb) {
        auto why = kfunc_refusal(*k, cb, sleepable, security::CapabilitySet::all());
        EXPECT_FALSE(why.has_value()) << p.file << ": " << *why;
      }
    }
  }
  EXPECT_EQ(needed, p.caps) << p.file;
}

INSTANTIATE_TEST_SUITE_P(Policies, PolicyObject, ::testing::ValuesIn(params()),
                         [](const auto& info) {
                           std::string n = std::string(info.param.policy.file) +
                                           (info.param.clang_tag.empty() ? "_clang14" : "_clang19");
                           return n;
                         });

// Every policy source in sdk/policies is covered above.
TEST(PolicyObjects, EverySourceHasACase) {
  Names sources, covered;
  for (const auto& e : fs::directory_iterator(std::string(UPS_SOURCE_DIR) + "/sdk/policies")) {
    std::string f = e.path().filename();
    if (f.size() > 6 && f.substr(f.size() - 6) == ".bpf.c")
      sources.insert(f.substr(0, f.size() - 6));
  }
  for (const auto& c : policy_cases()) covered.insert(c.file);
  EXPECT_EQ(sources, covered);
}

}  // namespace
}  // namespace ups::kabi
