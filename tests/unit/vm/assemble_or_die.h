// The vm tests' assembler: a test's program text as instructions, or a
// test failure naming the assembler's error (and no instructions).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bpf/isa/assembler.h"

namespace ups::vm {

inline std::vector<bpf::Insn> asm_or_die(const std::string& text) {
  auto code = bpf::assemble(text);
  EXPECT_TRUE(code) << code.error().to_string();
  return code ? *code : std::vector<bpf::Insn>{};
}

}  // namespace ups::vm
