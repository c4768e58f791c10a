// Value: the abstract content of a register or a spilled stack slot: its
// type (uninitialised, scalar, or one of the pointer kinds) and, for
// pointers, the offset range inside the region pointed to.
#pragma once

#include <string>

#include "base/types.h"
#include "verifier/domain/scalar.h"

namespace ups::verifier {

enum class Kind : u8 {
  uninit,
  scalar,
  ctx,        // the callback's argument array
  stack,      // a frame's stack; target = frame index, offset from its top
  map_ptr,    // a map itself; target = map index
  map_value,  // inside a map value; target = map index
  map_key,    // a key of a map (a timer callback's argument); target = map index
  object,     // a typed struct (task_struct, ...); target = struct index
  func,       // a function address; target = instruction index
};

struct Value {
  Kind kind = Kind::uninit;
  bool maybe_null = false;
  s32 target = -1;
  u32 id = 0;   // copies of one possibly-null pointer share it
  u32 ref = 0;  // acquired reference this pointer holds, 0 = none
  Scalar num;   // the number (scalars) or the offset (pointers)
  // A scalar that points into the program's arena (Linux's PTR_TO_ARENA):
  // loads and stores through it are allowed, since every arena access is
  // confined to the arena at run time. Its value is never a host address
  // (an arena offset or the arena's user address), so it is stored and
  // compared as the number it is.
  bool arena = false;

  static Value uninit() { return {}; }
  static Value scalar(Scalar s = Scalar::top()) {
    Value v;
    v.kind = Kind::scalar;
    v.num = s;
    return v;
  }
  static Value arena_ptr() {
    Value v = scalar();
    v.arena = true;
    return v;
  }
  static Value pointer(Kind k, s32 target, s64 off = 0) {
    Value v;
    v.kind = k;
    v.target = target;
    v.num = Scalar::constant(static_cast<u64>(off));
    return v;
  }
  bool is_pointer() const { return kind != Kind::uninit && kind != Kind::scalar; }
  friend bool operator==(const Value&, const Value&) = default;
};

}  // namespace ups::verifier
