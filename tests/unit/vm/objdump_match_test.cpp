// The disassembler agrees with llvm-objdump-19 (-d --mcpu=v4) on real clang
// output: every instruction of the differential-test objects (clang 14 and
// 19, -mcpu=v3 and v4), as loaded by the object loader.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bpf/isa/decode.h"
#include "bpf/isa/disassembler.h"
#include "bpf/object/object.h"

namespace ups::vm {
namespace {

#ifndef UPS_VM_DIFF_OBJECTS
#define UPS_VM_DIFF_OBJECTS ""
#endif

// objdump listing: function name -> (pc -> text), `<LBB..>` annotations cut.
std::map<std::string, std::map<u32, std::string>> parse_objdump(const std::string& path) {
  std::map<std::string, std::map<u32, std::string>> out;
  std::ifstream in(path);
  std::string line, func;
  while (std::getline(in, line)) {
    if (line.size() > 3 && line.back() == ':' && line.find(" <") != std::string::npos &&
        line.find('\t') == std::string::npos) {
      const size_t lt = line.find(" <");
      const std::string name = line.substr(lt + 2, line.size() - lt - 4);
      if (name.rfind("LBB", 0) != 0) func = name;
      continue;
    }
    const size_t colon = line.find(":\t");
    if (colon == std::string::npos || func.empty()) continue;
    const u32 pc = static_cast<u32>(std::stoul(line.substr(0, colon)));
    std::string text = line.substr(line.rfind('\t') + 1);
    if (!text.empty() && text.back() == '>') text = text.substr(0, text.rfind(" <"));
    out[func][pc] = text;
  }
  return out;
}

TEST(ObjdumpMatch, DisassemblyOfClangObjectsEqualsLlvmObjdump19) {
#ifndef UPS_VM_HAVE_OBJDUMP
  GTEST_SKIP() << "llvm-objdump-19 not found at configure time";
#else
  std::stringstream ss(UPS_VM_DIFF_OBJECTS);
  std::string path;
  int compared = 0;
  while (std::getline(ss, path, ',')) {
    auto obj = bpf::load_object_file(path);
    ASSERT_TRUE(obj) << obj.error().to_string();
    const auto dump = parse_objdump(path + ".objdump.txt");
    for (const bpf::Program& p : obj->programs()) {
      auto it = dump.find(p.name);
      ASSERT_NE(it, dump.end()) << p.name << " not in objdump output of " << path;
      auto insns = bpf::decode_program(p.code);
      ASSERT_TRUE(insns) << insns.error().to_string();
      for (const bpf::Instruction& d : *insns) {
        auto line = it->second.find(d.pc);
        ASSERT_NE(line, it->second.end()) << p.name << " pc " << d.pc;
        EXPECT_EQ(bpf::disassemble(d), line->second) << path << " " << p.name << " pc " << d.pc;
        ++compared;
      }
    }
  }
  if (compared == 0) GTEST_SKIP() << "no BPF objects built";
#endif
}

}  // namespace
}  // namespace ups::vm
