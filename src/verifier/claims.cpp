// Joining a path's register values into an instruction's claims.
#include "verifier/claims.h"

namespace ups::verifier {

void InsnClaim::add(int r, const Value& v) {
  // An uninitialised register is a claim too: on that path the program
  // never reads it, whatever it holds (a register may be live here for
  // another path only).
  auto& alts = regs[static_cast<size_t>(r)];
  for (ValueClaim& c : alts) {
    if (c.kind != v.kind || c.target != v.target) continue;
    c.num = c.num.join(v.num);
    c.maybe_null = c.maybe_null || v.maybe_null;
    return;
  }
  alts.push_back(ValueClaim{v.kind, v.target, v.num, v.maybe_null});
}

}  // namespace ups::verifier
