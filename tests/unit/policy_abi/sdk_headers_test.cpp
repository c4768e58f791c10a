// The SDK headers and the host's API table must list the same kfuncs and
// helpers: a kfunc declared but not implemented would fail at load, one
// implemented but not declared could not be called. Parses every header
// under sdk/include for `__ksym` declarations and helper definitions, and
// reads the BTF clang writes for a call of each declared kfunc, so that a
// row's prototype and the declaration a policy compiles against agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "policy/kernel_abi/scx_api.h"
#include "bpf/object/btf.h"
#include "bpf/object/object.h"
#include "bpf_compile.h"
#include "policy/api_sets.h"
#include "policy/kfuncs.h"
#include "test_paths.h"

namespace ups::kabi {
namespace {

using policy::find_kfunc;
using policy::kfuncs;

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
  std::vector<int> arity;  // of each ksym
};

// Parameters in a declaration's first parameter list ("(void)": 0); a
// function-pointer parameter's own list counts as one.
int arity_of(const std::string& stmt, size_t open) {
  int depth = 0, commas = 0;
  size_t close = open + 1;
  for (; close < stmt.size(); ++close) {
    const char ch = stmt[close];
    if (ch == '(') ++depth;
    if (ch == ')' && depth-- == 0) break;
    if (ch == ',' && depth == 0) ++commas;
  }
  const std::string params = stmt.substr(open + 1, close - open - 1);
  if (params.find_first_not_of(" \t\n") == std::string::npos || params == "void") return 0;
  return commas + 1;
}

std::vector<Header> sdk_headers() {
  std::vector<Header> out;
  for (const auto& e : fs::recursive_directory_iterator(test::sdk_include_dir())) {
    if (!e.is_regular_file() || e.path().extension() != ".h") continue;
    Header h{e.path(), read_file(e.path()), {}, {}};
    std::string code = code_only(h.text);
    std::istringstream stmts(code);
    std::string stmt;
    static const std::regex decl(R"(([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    while (std::getline(stmts, stmt, ';')) {
      if (stmt.find("__ksym") == std::string::npos) continue;
      std::smatch m;
      if (std::regex_search(stmt, m, decl)) {
        h.ksyms.push_back(m[1]);
        h.arity.push_back(arity_of(stmt, static_cast<size_t>(m.position(0) + m.length(0) - 1)));
      }
    }
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

// A declaration names a row by its essential name: a flavoured extern
// (scx_bpf_dsq_move_to_local___v1, the compat macros' kind) binds to the
// row its name without the flavour names, as libbpf binds it in Linux.
TEST(SdkHeaders, DeclareExactlyTheKfuncsTheHostImplements) {
  std::set<std::string> declared, essential;
  for (const auto& h : sdk_headers())
    for (const auto& k : h.ksyms) {
      EXPECT_TRUE(declared.insert(k).second) << k << " declared twice";
      essential.insert(k);  // a row whose own name has a flavour (..___v2)
      essential.insert(std::string(bpf::strip_flavour(k)));
    }
  ASSERT_GT(declared.size(), 50u);
  std::set<std::string> table, names;
  for (const auto& k : kfuncs()) {
    table.insert(std::string(k.name));
    names.insert(std::string(k.name));
    for (auto alias : k.aliases) names.insert(std::string(alias));
  }
  for (const auto& d : declared)
    EXPECT_TRUE(names.count(d) || names.count(std::string(bpf::strip_flavour(d))))
        << d << " is declared in sdk/include but not in scx_api";
  for (const auto& t : table)
    EXPECT_TRUE(essential.count(t)) << t << " is in scx_api but no SDK header declares it";
}

// A row's aliases are the kernel's old names (scx_bpf_dispatch, ...):
// compat.bpf.h's wrappers reach them through flavoured externs
// (scx_bpf_dispatch___compat), as Linux 7.3's header does, and no header
// spells them itself (Linux 7.3 dropped those macros: a policy using one
// would build here and not there).
TEST(SdkHeaders, OldNamesOnlyThroughCompatFlavours) {
  std::string all;
  std::set<std::string> bound;
  for (const auto& h : sdk_headers()) {
    all += h.text;
    for (const auto& k : h.ksyms)
      if (bpf::strip_flavour(k) != k) bound.insert(std::string(bpf::strip_flavour(k)));
  }
  for (const auto& k : kfuncs())
    for (auto alias : k.aliases) {
      EXPECT_TRUE(bound.count(std::string(alias))) << alias << " (old name of " << k.name
                                                  << ") is reached by no flavoured extern";
      std::regex def("#define\\s+" + std::string(alias) + "\\b");
      EXPECT_FALSE(std::regex_search(all, def)) << alias << " is defined as a macro: Linux 7.3 dropped it";
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

// Each upsched/*.h header that declares kfuncs says which capability they
// need (optional.h declares none: it only calls them).
TEST(SdkHeaders, ExtensionHeadersNameTheirCapability) {
  int checked = 0;
  for (const auto& h : sdk_headers()) {
    if (h.path.parent_path().filename() != "upsched") continue;
    if (h.path.filename() == "optional.h") continue;
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

// virt_hints.h declares each guest/host hint kfunc under the heading of the
// side its row says (the side the verifier enforces).
TEST(SdkHeaders, VirtHintsDeclareEachKfuncUnderItsSide) {
  int checked = 0;
  for (const auto& h : sdk_headers()) {
    if (h.path.filename() != "virt_hints.h") continue;
    const size_t host = h.text.find("--- host side");
    const size_t guest = h.text.find("--- guest side");
    ASSERT_NE(host, std::string::npos);
    ASSERT_NE(guest, std::string::npos);
    ASSERT_LT(host, guest);
    for (const auto& name : h.ksyms) {
      const KfuncInfo* k = find_kfunc(name);
      ASSERT_NE(k, nullptr) << name;
      ASSERT_NE(k->side, VirtSide::none) << name << " has no side in the kfunc table";
      const size_t at = h.text.find(" " + name + "(");
      ASSERT_NE(at, std::string::npos) << name;
      if (k->side == VirtSide::host) {
        EXPECT_TRUE(at > host && at < guest) << name << " is host-side";
      } else {
        EXPECT_GT(at, guest) << name << " is guest-side";
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 7);
}

// What a BTF parameter or return type says a kfunc argument is.
std::string btf_kind(const bpf::Btf& btf, u32 id) {
  const bpf::BtfType* t = btf.type(btf.skip_modifiers(id));
  if (!t || t->kind == bpf::BtfKind::void_) return "void";
  if (t->kind == bpf::BtfKind::int_ || t->kind == bpf::BtfKind::enum_) return t->name == "_Bool" ? "bool" : "scalar";
  if (t->kind != bpf::BtfKind::ptr) return btf.type_name(id);
  const bpf::BtfType* to = btf.type(btf.skip_modifiers(t->type));
  if (to->kind == bpf::BtfKind::struct_) return "struct " + to->name + " *";
  return to->name + " *";  // char *, _Bool *, int *, unsigned long long *
}

std::string arg_kind(KArg a) {
  switch (a) {
    case KArg::scalar:
    case KArg::mem_size: return "scalar";
    case KArg::task: return "struct task_struct *";
    case KArg::cpumask: return "struct cpumask *";
    case KArg::bpf_cpumask: return "struct bpf_cpumask *";
    case KArg::dsq_iter: return "struct bpf_iter_scx_dsq *";
    case KArg::num_iter: return "struct bpf_iter_num *";
    case KArg::out_bool: return "_Bool *";
    case KArg::fmt_str: return "char *";
    case KArg::mem: return "unsigned long long *";
    case KArg::opaque_ptr: return "opaque pointer";
    case KArg::local_type: return "scalar";
    case KArg::local_obj:
    case KArg::callback:
    case KArg::meta: return " *";  // void *, a function pointer
    case KArg::rb_root: return "struct bpf_rb_root *";
    case KArg::rb_node:
    case KArg::rb_node_ref: return "struct bpf_rb_node *";
    case KArg::cgroup: return "struct cgroup *";
    case KArg::arena_map:
    case KArg::arena: return " *";  // void *, void __arena *
    case KArg::res_spin_lock: return "struct bpf_res_spin_lock *";
  }
  return "?";
}

std::string ret_kind(KRet r) {
  switch (r) {
    case KRet::void_: return "void";
    case KRet::scalar: return "scalar";
    case KRet::boolean: return "bool";
    case KRet::task: return "struct task_struct *";
    case KRet::cpumask: return "struct cpumask *";
    case KRet::bpf_cpumask: return "struct bpf_cpumask *";
    case KRet::int_ptr: return "int *";
    case KRet::local_obj: return " *";  // void *
    case KRet::rb_node: return "struct bpf_rb_node *";
    case KRet::cgroup: return "struct cgroup *";
    case KRet::arena: return " *";  // void __arena *
  }
  return "?";
}

// One call of every kfunc the headers declare (all arguments 0), in a
// branch the program never takes: clang writes each callee's BTF.
std::string call_every_kfunc(const std::vector<Header>& headers) {
  std::string src =
      "#include <scx/common.bpf.h>\n#include <scx/bpf_arena_common.bpf.h>\n#include <upsched/events.h>\n#include <upsched/locks.h>\n"
      "#include <upsched/virt_hints.h>\n"
      "char _license[] SEC(\"license\") = \"GPL\";\nvolatile int never;\n"
      "SEC(\"struct_ops/call_all\") int call_all(void *ctx)\n{\n\tif (never != 12345)\n\t\treturn 0;\n";
  for (const auto& h : headers)
    for (size_t i = 0; i < h.ksyms.size(); ++i) {
      src += "\t" + h.ksyms[i] + "(";
      for (int a = 0; a < h.arity[i]; ++a) src += a ? ", 0" : "0";
      src += ");\n";
    }
  return src + "\treturn 0;\n}\n";
}

// Each row's argument and return kinds are what the SDK declaration says,
// as clang's BTF for it shows.
TEST(SdkHeaders, EveryRowHasThePrototypeOfItsDeclaration) {
  const auto clangs = test::test_clangs();
  if (clangs.empty()) GTEST_SKIP() << "no clang to compile BPF C with";
  const auto headers = sdk_headers();
  auto built = test::compile_bpf(clangs.front(), "call_every_kfunc", call_every_kfunc(headers));
  ASSERT_TRUE(built.error.empty()) << built.error;
  auto obj = bpf::load_object_file(built.object, policy::host_load_options(built.object));
  ASSERT_TRUE(obj.has_value()) << obj.error().message;
  const bpf::Btf& btf = obj->btf();
  // The declaration of each row: its own name, else a flavour of it.
  std::map<std::string, std::string> declaration;
  for (const auto& h : headers)
    for (const auto& d : h.ksyms) {
      declaration[d] = d;
      const std::string e(bpf::strip_flavour(d));
      if (!declaration.count(e)) declaration[e] = d;
    }
  for (const auto& k : kfuncs()) {
    const auto decl = declaration.find(std::string(k.name));
    ASSERT_NE(decl, declaration.end()) << k.name << ": no SDK declaration";
    const auto fn = btf.find(bpf::BtfKind::func, decl->second);
    ASSERT_TRUE(fn.has_value()) << decl->second << ": no BTF, so no SDK declaration was called";
    const bpf::BtfType* proto = btf.type(btf.type(*fn)->type);
    ASSERT_EQ(proto->kind, bpf::BtfKind::func_proto) << k.name;
    EXPECT_EQ(btf_kind(btf, proto->type), ret_kind(k.ret)) << k.name << " returns";
    ASSERT_EQ(proto->members.size(), k.args.size()) << k.name << " arguments";
    for (size_t i = 0; i < k.args.size(); ++i) {
      std::string declared = btf_kind(btf, proto->members[i].type);
      if (declared == "struct cpumask *" || declared == "cpumask_t *") declared = "struct cpumask *";
      EXPECT_EQ(declared, arg_kind(k.args[i])) << k.name << " argument " << i + 1;
    }
  }
}

// The views of the table agree: the core accepts a restricted call from
// exactly the callbacks whose verifier API set allows its kfunc, and the
// interpreter's dispatch has the row's host function at the row's index.
TEST(KfuncTable, TheCoreAndTheVerifierAllowTheSameCallbacks) {
  const ScxCallRules& rules = policy::scx_call_rules();
  const auto caps = security::CapabilitySet::all();
  int compared = 0;
  for (const ScxCallRule& rule : rules.calls) {
    const auto index = policy::kfunc_index(rule.kfunc);
    ASSERT_TRUE(index.has_value()) << rule.kfunc;
    for (u32 op = 0; op < static_cast<u32>(Op::nr_ops); ++op) {
      const CallbackInfo* cb = find_callback(op_name(static_cast<Op>(op)));
      ASSERT_NE(cb, nullptr);
      const verifier::ApiSet api = policy::callback_api_set(*cb, cb->sleepable_ok, caps, true);
      EXPECT_EQ(api.kfunc(*index) != nullptr, (rule.callers & (1u << op)) != 0)
          << rule.kfunc << " from " << cb->name << ": " << api.kfunc_denied(*index);
      ++compared;
    }
    // Timers: the verifier's timer API set (sleepable kfuncs aside: a timer
    // callback never sleeps, the core does not know about sleeping).
    const verifier::ApiSet enqueue = policy::callback_api_set(*find_callback("enqueue"), false, caps, true);
    const verifier::ApiSet* timer = enqueue.timer_api();
    ASSERT_NE(timer, nullptr);
    const bool sleeps = (policy::kfuncs()[*index].flags & kf_sleepable) != 0;
    if (!sleeps) {
      EXPECT_EQ(timer->kfunc(*index) != nullptr, (rule.callers & kTimerCallers) != 0) << rule.kfunc;
    }
  }
  EXPECT_GT(compared, 100);
  const auto externs = policy::kfunc_externs();
  ASSERT_EQ(externs.size(), kfuncs().size());
  for (size_t i = 0; i < externs.size(); ++i) {
    EXPECT_NE(externs[i], nullptr) << kfuncs()[i].name;
    EXPECT_EQ(externs[i], kfuncs()[i].host) << kfuncs()[i].name;
  }
}

}  // namespace
}  // namespace ups::kabi
