// Differential test: small C functions (arithmetic, shifts, sign extension,
// branches, byte swaps, loops, memory; tests/data/vm/diff_funcs.c) compiled
// by clang -target bpf and by the system compiler give the same result on
// the same random inputs, in fast and CHECKED mode, and the memory they
// write is the same too.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "base/rng.h"
#include "bpf/object/object.h"
#include "vm/interpreter.h"

extern "C" {
struct DiffArgs;
ups::u64 diff_arith(DiffArgs*);
ups::u64 diff_shifts(DiffArgs*);
ups::u64 diff_signext(DiffArgs*);
ups::u64 diff_branches(DiffArgs*);
ups::u64 diff_byteswap(DiffArgs*);
ups::u64 diff_loops(DiffArgs*);
ups::u64 diff_memory(DiffArgs*);
ups::u64 diff_signed_div(DiffArgs*);
}

namespace ups::vm {
namespace {

#ifndef UPS_VM_DIFF_OBJECTS
#define UPS_VM_DIFF_OBJECTS ""
#endif

// Same layout as struct args in diff_funcs.c.
struct Args {
  u64 x, y, z;
  s8 b;
  s16 h;
  s32 w;
  u8 bytes[16];
};
static_assert(sizeof(Args) == 48);

struct Func {
  const char* name;
  u64 (*native)(DiffArgs*);
};
const Func kFuncs[] = {{"diff_arith", diff_arith},     {"diff_shifts", diff_shifts},
                       {"diff_signext", diff_signext}, {"diff_branches", diff_branches},
                       {"diff_byteswap", diff_byteswap}, {"diff_loops", diff_loops},
                       {"diff_memory", diff_memory},   {"diff_signed_div", diff_signed_div}};

std::vector<std::string> objects() {
  std::vector<std::string> out;
  std::stringstream ss(UPS_VM_DIFF_OBJECTS);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

// Interesting values near the edges, then random ones.
u64 draw(Rng& rng) {
  static const u64 edges[] = {0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
                              0xffffffff, 0x100000000, 0x7fffffffffffffff, 0x8000000000000000, ~u64{0},
                              ~u64{0} - 1};
  const u32 pick = rng.next_u32() % 4;
  if (pick == 0) return edges[rng.next_u32() % (sizeof edges / sizeof edges[0])];
  if (pick == 1) return rng.next_u32() % 64;
  return rng.next_u64();
}

void fill(Rng& rng, Args& a) {
  a.x = draw(rng);
  a.y = draw(rng);
  a.z = draw(rng);
  a.b = static_cast<s8>(draw(rng));
  a.h = static_cast<s16>(draw(rng));
  a.w = static_cast<s32>(draw(rng));
  for (u8& b : a.bytes) b = static_cast<u8>(rng.next_u32());
}

TEST(Differential, BpfAndNativeAgreeOnRandomInputs) {
  const auto objs = objects();
  if (objs.empty()) GTEST_SKIP() << "no clang found at configure time: no BPF objects";
  for (const std::string& path : objs) {
    auto obj = bpf::load_object_file(path);
    ASSERT_TRUE(obj) << obj.error().to_string();
    int checked_funcs = 0;
    for (const Func& f : kFuncs) {
      const bpf::Program* prog = obj->find_program(f.name);
      if (!prog) continue;  // signed_div: only in the v4 object
      auto program = ThreadedProgram::prepare(prog->code);
      ASSERT_TRUE(program) << path << " " << f.name << ": " << program.error().to_string();
      Interpreter interp(*program);
      bpf::CallContext ctx;
      Rng rng(0x5eed0000 + checked_funcs);
      for (int i = 0; i < 2000; ++i) {
        Args in{};
        fill(rng, in);
        Args native_args = in, fast_args = in, checked_args = in;
        const u64 want = f.native(reinterpret_cast<DiffArgs*>(&native_args));
        const RunResult fast = interp.run(ctx, reinterpret_cast<u64>(&fast_args));
        RegionSet regions;
        regions.add(&checked_args, sizeof checked_args, true);
        const RunResult checked = interp.run_checked(regions, ctx, reinterpret_cast<u64>(&checked_args));
        ASSERT_TRUE(fast.ok() && checked.ok()) << f.name << ": " << fast.trap.to_string() << " / "
                                               << checked.trap.to_string();
        ASSERT_EQ(fast.r0, want) << path << " " << f.name << " x=" << in.x << " y=" << in.y << " z=" << in.z;
        ASSERT_EQ(checked.r0, want) << path << " " << f.name;
        ASSERT_EQ(std::memcmp(&fast_args, &native_args, sizeof in), 0) << f.name << ": memory differs";
      }
      ++checked_funcs;
    }
    EXPECT_GE(checked_funcs, 7) << path;
  }
}

}  // namespace
}  // namespace ups::vm
