// A small assembler for verifier tests in the syntax the verifier's
// messages and llvm-objdump use (`r1 = *(u64 *)(r10 - 8)`, `if r1 > 10 goto
// loop`), with the post-load pseudo forms: `r1 = map[counts] ll`,
// `r1 = map_value[cfg] + 8 ll`, `r2 = func[cb] ll`, `call kfunc NAME`,
// `call local LABEL`, `call NAME` (helpers by name or id). Names are
// resolved through the Symbols the test gives.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bpf/insn.h"

namespace ups::verifier::test {

struct Symbols {
  std::function<std::optional<s32>(std::string_view)> map;     // name -> index
  std::function<std::optional<s32>(std::string_view)> helper;  // name -> id
  std::function<std::optional<s32>(std::string_view)> kfunc;   // name -> index
};

struct Assembled {
  std::vector<bpf::Insn> insns;
  std::vector<int> line_of;  // source line (1-based) of each slot
};

Result<Assembled> assemble_text(std::string_view text, const Symbols& syms);

}  // namespace ups::verifier::test
