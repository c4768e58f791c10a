// `upsched bpf disasm` run as a policy author would, on every object the
// SDK builds (each clang): every program under its section, the policy's
// own source lines interleaved, kfunc calls by name; kfuncs the host lacks
// named too (no host needed to read an object); exit 1 with a message for
// an object the loader rejects.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "bpf/object/object.h"
#include "policy/kfuncs.h"
#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Out;
using ups::cli_test::run;

std::vector<fs::path> policy_objects() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(UPS_POLICY_DIR))
    if (e.path().string().ends_with(".bpf.o")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// "simple.clang-19.bpf.o" -> sdk/policies/simple.bpf.c
fs::path policy_source(const fs::path& object) {
  const std::string file = object.filename().string();
  return fs::path(UPS_POLICY_SRC_DIR) / (file.substr(0, file.find('.')) + ".bpf.c");
}

std::set<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::set<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t") != std::string::npos) out.insert(line);
  return out;
}

TEST(DisasmCli, EveryPolicyObjectDisassemblesWithSectionsSourceAndKfuncNames) {
  const std::vector<fs::path> objects = policy_objects();
  // Both clang builds of every SDK policy.
  ASSERT_GE(objects.size(), 2u) << UPS_POLICY_DIR;
  ASSERT_TRUE(std::any_of(objects.begin(), objects.end(),
                          [](const fs::path& p) { return p.string().find(".clang-19.") != std::string::npos; }));
  const std::regex kfunc_call(R"(\tcall kfunc ([A-Za-z_]\w*)\n)");
  int named = 0;  // over all objects (bad_never_dispatch calls none)
  for (const fs::path& obj : objects) {
    SCOPED_TRACE(obj.string());
    Out o = run("bpf disasm " + obj.string());
    ASSERT_EQ(o.rc, 0) << o.text;

    ups::bpf::LoadOptions lo;
    lo.allow_unresolved_externs = true;
    auto loaded = ups::bpf::load_object_file(obj.string(), lo);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    ASSERT_FALSE(loaded->programs().empty());
    for (const ups::bpf::Program& p : loaded->programs())
      EXPECT_NE(o.text.find("Disassembly of program " + p.name + " (section " + p.section + "):"), std::string::npos)
          << p.name << "\n" << o.text;

    const std::set<std::string> source = lines_of(policy_source(obj));
    ASSERT_FALSE(source.empty()) << policy_source(obj);
    int from_policy = 0;
    std::istringstream out(o.text);
    for (std::string line; std::getline(out, line);)
      if (line.rfind("; ", 0) == 0 && source.count(line.substr(2))) ++from_policy;
    EXPECT_GT(from_policy, 0) << o.text;

    // Every kfunc call names a kfunc of the host's table; none prints as a number.
    size_t calls = 0, named_here = 0;
    for (size_t at = o.text.find("\tcall kfunc "); at != std::string::npos; at = o.text.find("\tcall kfunc ", at + 1))
      ++calls;
    for (auto it = std::sregex_iterator(o.text.begin(), o.text.end(), kfunc_call); it != std::sregex_iterator(); ++it) {
      EXPECT_NE(ups::policy::find_kfunc((*it)[1].str()), nullptr) << (*it)[1];
      ++named_here;
    }
    EXPECT_EQ(named_here, calls) << o.text;
    named += static_cast<int>(named_here);
  }
  EXPECT_GT(named, 0);
}

TEST(DisasmCli, KfuncsTheHostLacksAreNamedNotRefused) {
  // calls.bpf.c calls test_kfunc_add (non-weak), test_kfunc_weak_missing and
  // test_kfunc_flavoured___v2, none of which upsched implements.
  const fs::path obj = fs::path(UPS_TEST_BPF_DIR) / "calls.clang-19.v4.bpf.o";
  if (!fs::exists(obj)) GTEST_SKIP() << obj << " not built (no clang-19)";
  Out o = run("bpf disasm " + obj.string());
  ASSERT_EQ(o.rc, 0) << o.text;
  EXPECT_NE(o.text.find("\tcall kfunc test_kfunc_add\t; not provided by this host\n"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("\tcall kfunc test_kfunc_weak_missing\t; not provided by this host\n"), std::string::npos)
      << o.text;
  // The flavour suffix goes, as libbpf resolves it.
  EXPECT_NE(o.text.find("\tcall kfunc test_kfunc_flavoured\t; not provided by this host\n"), std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("; static __noinline u64 depth2(u64 x) { return x + 2; }"), std::string::npos) << o.text;
}

TEST(DisasmCli, ObjectTheLoaderRejectsExitsOneWithTheReason) {
  const fs::path junk = fs::temp_directory_path() / ("upsched_disasm_" + std::to_string(getpid()) + ".bpf.o");
  std::ofstream(junk) << "not an ELF object\n";
  Out o = run("bpf disasm " + junk.string());
  fs::remove(junk);
  EXPECT_EQ(o.rc, 1) << o.text;
  EXPECT_NE(o.text.find("upsched bpf disasm: " + junk.string()), std::string::npos) << o.text;

  const fs::path bad = fs::path(UPS_TEST_BPF_DIR) / "struct_ops_unknown_member.clang-19.v4.bpf.o";
  if (!fs::exists(bad)) GTEST_SKIP() << bad << " not built (no clang-19)";
  o = run("bpf disasm " + bad.string());
  EXPECT_EQ(o.rc, 1) << o.text;
  EXPECT_NE(o.text.find("bad_ops.sub_cgroup_id: member is set, but upsched does not support it"), std::string::npos)
      << o.text;
}

}  // namespace
