// Trap messages (see trap.h).
#include "vm/trap.h"

#include <fmt/format.h>

#include "bpf/insn.h"

namespace ups::vm {

std::string Trap::to_string() const {
  switch (kind) {
    case TrapKind::none: return "no trap";
    case TrapKind::out_of_bounds:
      return fmt::format("instruction {}: out-of-bounds {} of {} bytes at {:#x}", pc, write ? "write" : "read",
                         size, addr);
    case TrapKind::call_depth:
      return fmt::format("instruction {}: call depth exceeds {} frames", pc, bpf::kMaxCallDepth);
    case TrapKind::budget: return fmt::format("instruction {}: back-edge budget exhausted", pc);
    case TrapKind::aborted: return fmt::format("instruction {}: aborted by a helper or kfunc", pc);
    case TrapKind::bad_call: return fmt::format("instruction {}: callx to unknown helper {}", pc, addr);
    case TrapKind::observer: return fmt::format("instruction {}: stopped by the step observer", pc);
  }
  return "unknown trap";
}

}  // namespace ups::vm
