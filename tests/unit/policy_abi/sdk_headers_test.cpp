// The SDK headers and the host's API table must list the same kfuncs and
// helpers: a kfunc declared but not implemented would fail at load, one
// implemented but not declared could not be called. Parses every header
// under sdk/include for `__ksym` declarations and helper definitions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "policy/kernel_abi/scx_api.h"
#include "test_paths.h"

namespace ups::kabi {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The text with comments and preprocessor lines removed.
std::string code_only(const std::string& text) {
  std::string out;
  bool in_block = false, in_pp = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (in_block) {
      if (text.compare(i, 2, "*/") == 0) in_block = false, ++i;
      continue;
    }
    if (text.compare(i, 2, "/*") == 0) {
      in_block = true, ++i;
      continue;
    }
    if (text.compare(i, 2, "//") == 0) {
      while (i < text.size() && text[i] != '\n') ++i;
    }
    if (i >= text.size()) break;
    bool line_start = i == 0 || text[i - 1] == '\n';
    if (line_start && !in_pp) {
      size_t j = i;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
      if (j < text.size() && text[j] == '#') in_pp = true;
    }
    if (in_pp) {
      if (text[i] == '\n' && (i == 0 || text[i - 1] != '\\')) in_pp = false;
      continue;
    }
    out += text[i];
  }
  return out;
}

struct Header {
  fs::path path;
  std::string text;
  std::vector<std::string> ksyms;
};

std::vector<Header> sdk_headers() {
  std::vector<Header> out;
  for (const auto& e : fs::recursive_directory_iterator(test::sdk_include_dir())) {
    if (!e.is_regular_file() || e.path().extension() != ".h") continue;
    Header h{e.path(), read_file(e.path()), {}};
    std::string code = code_only(h.text);
    std::istringstream stmts(code);
    std::string stmt;
    static const std::regex decl(R"(([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    while (std::getline(stmts, stmt, ';')) {
      if (stmt.find("__ksym") == std::string::npos) continue;
      std::smatch m;
      if (std::regex_search(stmt, m, decl)) h.ksyms.push_back(m[1]);
    }
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

TEST(SdkHeaders, DeclareExactlyTheKfuncsTheHostImplements) {
  std::set<std::string> declared;
  for (const auto& h : sdk_headers())
    for (const auto& k : h.ksyms) EXPECT_TRUE(declared.insert(k).second) << k << " declared twice";
  ASSERT_GT(declared.size(), 50u);
  std::set<std::string> table;
  for (const auto& k : kfuncs()) table.insert(std::string(k.name));
  for (const auto& d : declared)
    EXPECT_TRUE(table.count(d)) << d << " is declared in sdk/include but not in scx_api";
  for (const auto& t : table)
    EXPECT_TRUE(declared.count(t)) << t << " is in scx_api but no SDK header declares it";
}

TEST(SdkHeaders, OldNamesAreMacrosForTheirNewNames) {
  std::string all;
  for (const auto& h : sdk_headers()) all += h.text;
  for (const auto& k : kfuncs())
    for (auto alias : k.aliases) {
      std::regex def("#define\\s+" + std::string(alias) + "\\(([^)]*)\\)\\s*\\\\?\\s*" +
                     std::string(k.name) + "\\(");
      EXPECT_TRUE(std::regex_search(all, def)) << alias << " should be a macro calling " << k.name;
    }
}

TEST(SdkHeaders, HelperIdsMatchTheTable) {
  std::map<std::string, u32> declared;
  static const std::regex helper(
      R"(\(\s*\*\s*const\s+([A-Za-z_0-9]+)\s*\)\s*\([^;]*\)\s*=\s*\(void\s*\*\)\s*(\d+)\s*;)");
  for (const auto& h : sdk_headers()) {
    std::string code = code_only(h.text);
    for (std::sregex_iterator it(code.begin(), code.end(), helper), end; it != end; ++it)
      declared[(*it)[1]] = static_cast<u32>(std::stoul((*it)[2]));
  }
  EXPECT_EQ(declared.size(), helpers().size());
  for (const auto& h : helpers()) {
    auto it = declared.find(std::string(h.name));
    ASSERT_NE(it, declared.end()) << h.name << " is not declared in sdk/include";
    EXPECT_EQ(it->second, h.id) << h.name;
  }
}

// Each upsched/*.h header says which capability its kfuncs need.
TEST(SdkHeaders, ExtensionHeadersNameTheirCapability) {
  int checked = 0;
  for (const auto& h : sdk_headers()) {
    if (h.path.parent_path().filename() != "upsched") continue;
    ASSERT_FALSE(h.ksyms.empty()) << h.path;
    for (const auto& name : h.ksyms) {
      const KfuncInfo* k = find_kfunc(name);
      ASSERT_NE(k, nullptr) << name;
      ASSERT_TRUE(k->cap.has_value()) << name << " is an extension without a capability";
      const std::string mention = "Capability: " + std::string(security::capability_name(*k->cap));
      EXPECT_NE(h.text.find(mention), std::string::npos)
          << h.path.filename() << " should say \"" << mention << "\" for " << name;
      EXPECT_EQ(k->since, "upsched") << name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 4);
}

}  // namespace
}  // namespace ups::kabi
