// Programs and their subprograms: bpf-to-bpf calls (static and global),
// bpf_loop callbacks (PSEUDO_FUNC), helper calls, kfunc externs (plain,
// weak and missing, flavoured), func and line info, from
// tests/bpf_objects/calls.bpf.c.
#include <algorithm>
#include <map>
#include <set>

#include "bpf/isa/decode.h"
#include "test_objects.h"

namespace ups::bpf {
namespace {

using test::bpf_object_path;

constexpr u32 kAddIndex = 3, kFlavouredIndex = 7;

LoadOptions kfunc_opts(bool with_add = true) {
  LoadOptions o;
  o.kfunc_lookup = [with_add](std::string_view name) -> std::optional<u32> {
    if (name == "test_kfunc_add" && with_add) return kAddIndex;
    if (name == "test_kfunc_flavoured") return kFlavouredIndex;
    return std::nullopt;
  };
  return o;
}

class CallsTest : public ::testing::TestWithParam<std::string> {
protected:
  Object load() const { return test::load_ok(bpf_object_path("calls", GetParam()), kfunc_opts()); }
};

// Function name at each local-call / callback target.
std::map<std::string, int> targets(const Program& p, u8 opcode, u8 src) {
  std::map<std::string, int> out;
  for (size_t i = 0; i < p.code.size(); ++i) {
    const Insn& in = p.code[i];
    if (in.opcode == opcode && in.src() == src) {
      size_t t = i + 1 + in.imm;
      const FuncInfo* f = p.func_at(t);
      EXPECT_TRUE(f && f->insn == t) << p.name << " instruction " << i << " -> " << t << " is not a function start";
      if (f) out[f->name]++;
    }
    if (test::is_lddw(in)) ++i;
  }
  return out;
}

TEST_P(CallsTest, ProgramsAreTheFunctionsOfProgramSections) {
  Object obj = load();
  std::set<std::string> names;
  for (const auto& p : obj.programs()) {
    names.insert(p.name);
    EXPECT_EQ(p.section, "tc");
    EXPECT_FALSE(p.sleepable);
  }
  EXPECT_EQ(names, (std::set<std::string>{"caller", "kfuncs"}));
}

TEST_P(CallsTest, ReachedSubprogramsAreAppendedAndCallsRelocated) {
  Object obj = load();
  const Program& caller = test::program(obj, "caller");
  std::set<std::string> funcs;
  for (const auto& f : caller.func_info) funcs.insert(f.name);
  EXPECT_EQ(funcs, (std::set<std::string>{"caller", "loop_cb", "global_helper", "static_helper", "depth1", "depth2"}));
  EXPECT_EQ(caller.func_info[0].name, "caller");
  EXPECT_EQ(caller.func_info[0].insn, 0u);
  auto calls = targets(caller, op::JMP | op::CALL, op::CALL_LOCAL);
  EXPECT_EQ(calls.count("global_helper"), 1u);
  EXPECT_EQ(calls.count("static_helper"), 1u);  // from global_helper
  EXPECT_EQ(calls.count("depth1"), 1u);
  EXPECT_EQ(calls.count("depth2"), 1u);          // from depth1
  auto callbacks = targets(caller, op::LD | op::DW | op::IMM, op::PSEUDO_FUNC);
  EXPECT_EQ(callbacks, (std::map<std::string, int>{{"loop_cb", 1}}));
  // kfuncs reaches only static_helper.
  const Program& kf = test::program(obj, "kfuncs");
  ASSERT_EQ(kf.func_info.size(), 2u);
  EXPECT_EQ(kf.func_info[1].name, "static_helper");
}

TEST_P(CallsTest, EveryProgramDecodes) {
  Object obj = load();
  for (const auto& p : obj.programs()) {
    auto d = decode_program(p.code);
    EXPECT_TRUE(d) << p.name << ": " << d.error().to_string();
  }
}

TEST_P(CallsTest, HelperCallsKeepTheirIds) {
  Object obj = load();
  const Program& caller = test::program(obj, "caller");
  std::multiset<s32> helpers;
  for (const auto& in : caller.code)
    if (test::is_call(in) && in.src() == op::CALL_HELPER) helpers.insert(in.imm);
  EXPECT_EQ(helpers.count(181), 1u);  // bpf_loop
  EXPECT_EQ(helpers.count(5), 1u);    // bpf_ktime_get_ns in static_helper
}

TEST_P(CallsTest, KfuncExternsResolveByNameWithoutFlavour) {
  Object obj = load();
  const Program& kf = test::program(obj, "kfuncs");
  std::multiset<s32> kfunc_calls;
  for (const auto& in : kf.code)
    if (test::is_call(in) && in.src() == op::CALL_KFUNC) kfunc_calls.insert(in.imm);
  EXPECT_EQ(kfunc_calls, (std::multiset<s32>{static_cast<s32>(kAddIndex), static_cast<s32>(kFlavouredIndex), kUnresolvedKfunc}));
  EXPECT_EQ(kf.kfuncs.at(kAddIndex), "test_kfunc_add");
  EXPECT_EQ(kf.kfuncs.at(kFlavouredIndex), "test_kfunc_flavoured");
}

TEST_P(CallsTest, KfuncExactNameIsTriedBeforeTheFlavourlessOne) {
  LoadOptions o;
  std::vector<std::string> asked;
  o.kfunc_lookup = [&asked](std::string_view name) -> std::optional<u32> {
    asked.emplace_back(name);
    if (name == "test_kfunc_add") return 1;
    if (name == "test_kfunc_flavoured___v2") return 2;  // the host has the suffixed name
    if (name == "test_kfunc_flavoured") return 9;
    return std::nullopt;
  };
  Object obj = test::load_ok(bpf_object_path("calls", GetParam()), o);
  const Program& kf = test::program(obj, "kfuncs");
  EXPECT_EQ(kf.kfuncs.count(9), 0u);
  EXPECT_EQ(kf.kfuncs.at(2), "test_kfunc_flavoured___v2");
  EXPECT_NE(std::find(asked.begin(), asked.end(), "test_kfunc_weak_missing"), asked.end());
}

TEST_P(CallsTest, UnresolvedWeakKfuncIsPoisonedAndKsymExistsIsZero) {
  Object obj = load();
  const Program& kf = test::program(obj, "kfuncs");
  ASSERT_EQ(kf.poisoned.size(), 1u);
  auto [at, why] = *kf.poisoned.begin();
  EXPECT_EQ(kf.code[at].imm, kUnresolvedKfunc);
  EXPECT_NE(why.find("test_kfunc_weak_missing"), std::string::npos) << why;
  // bpf_ksym_exists(test_kfunc_weak_missing) loads the constant 0.
  bool saw_zero_lddw = false;
  for (size_t i = 0; i < kf.code.size(); ++i)
    if (test::is_lddw(kf.code[i])) {
      EXPECT_EQ(kf.code[i].src(), 0);
      saw_zero_lddw |= kf.code[i].imm == 0 && kf.code[i + 1].imm == 0;
      ++i;
    }
  EXPECT_TRUE(saw_zero_lddw);
}

TEST_P(CallsTest, UnknownStrongKfuncIsAnErrorNamingIt) {
  auto obj = load_object_file(bpf_object_path("calls", GetParam()), kfunc_opts(false));
  ASSERT_FALSE(obj);
  std::string msg = obj.error().to_string();
  EXPECT_EQ(obj.error().kind, ErrorKind::not_found);
  EXPECT_NE(msg.find("unknown kfunc test_kfunc_add"), std::string::npos) << msg;
  EXPECT_NE(msg.find("section tc instruction"), std::string::npos) << msg;
  EXPECT_NE(msg.find("calls.bpf.c:"), std::string::npos) << msg;
}

TEST_P(CallsTest, InspectionToolsMayLoadWithoutAKfuncTable) {
  LoadOptions o;
  o.allow_unresolved_externs = true;
  Object obj = test::load_ok(bpf_object_path("calls", GetParam()), o);
  const Program& kf = test::program(obj, "kfuncs");
  EXPECT_EQ(kf.poisoned.size(), 3u);
  EXPECT_TRUE(kf.kfuncs.empty());
}

TEST_P(CallsTest, SourceLinesNameFileLineAndText) {
  Object obj = load();
  const Program& caller = test::program(obj, "caller");
  ASSERT_FALSE(caller.line_info.empty());
  std::string first = obj.source_line(caller, 0);
  EXPECT_EQ(first.rfind("calls.bpf.c:", 0), 0u) << first;
  // The callback's first line is inside loop_cb, not caller.
  const FuncInfo* cb = nullptr;
  for (const auto& f : caller.func_info)
    if (f.name == "loop_cb") cb = &f;
  ASSERT_TRUE(cb);
  std::string cb_line = obj.source_line(caller, cb->insn);
  EXPECT_NE(cb_line.find("ctx"), std::string::npos) << cb_line;
  for (const auto& l : caller.line_info) EXPECT_LT(l.insn, caller.code.size());
}

UPS_INSTANTIATE_FOR_EACH_CLANG(CallsTest);

}  // namespace
}  // namespace ups::bpf
