// Joining a path's register values into an instruction's claims.
#include "verifier/claims.h"

namespace ups::verifier {

void InsnClaim::add(int r, const Value& v) {
  if (v.kind == Kind::uninit) return;  // never read there: no claim to check
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
