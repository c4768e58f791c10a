// Shared by the helper tests: calling helpers through the helper table as
// the VM does, and a SubprogInvoker whose "subprograms" are C++ functions
// (stands in for the interpreter, which has its own tests of invoke).
#pragma once

#include <functional>
#include <map>
#include <memory>

#include <gtest/gtest.h>

#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/helpers.h"
#include "bpf/helpers/manual_env.h"
#include "bpf/maps/map_factory.h"

namespace ups::bpf::test {

class FnInvoker final : public SubprogInvoker {
public:
  using Fn = std::function<u64(u64, u64, u64, u64, u64)>;
  void define(u32 entry, Fn fn) { fns_[entry] = std::move(fn); }
  u64 invoke(u32 entry, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) override {
    ++calls;
    return fns_.at(entry)(r1, r2, r3, r4, r5);
  }
  int calls = 0;

private:
  std::map<u32, Fn> fns_;
};

// A program's view: a context with an environment and an invoker, calling
// helpers by Linux id through the table.
struct Prog {
  explicit Prog(u64 seed = 1, u32 nr_cpus = 4) : env(seed, nr_cpus) {
    ctx.env = &env;
    ctx.invoker = &invoker;
  }
  template <class... A>
  u64 call(HelperId id, A... args) {
    u64 r[5] = {0, 0, 0, 0, 0};
    u64 in[] = {to_u64(args)..., 0};
    for (std::size_t i = 0; i < sizeof...(A); ++i) r[i] = in[i];
    ExternFn f = table.helpers.at(static_cast<u32>(id));
    EXPECT_NE(f, nullptr);
    return f(ctx, r[0], r[1], r[2], r[3], r[4]);
  }
  template <class T>
  static u64 to_u64(T v) {
    if constexpr (std::is_pointer_v<T>) return reinterpret_cast<u64>(v);
    else return static_cast<u64>(v);
  }

  ManualHelperEnv env;
  FnInvoker invoker;
  CallContext ctx;
  ExternTable table = make_helper_table();
};

inline std::unique_ptr<Map> new_map(MapType type, u32 key_size, u32 value_size, u32 max_entries,
                                    u32 flags = 0, s32 timer_off = -1, s32 spin_lock_off = -1) {
  MapDef d;
  d.name = "m";
  d.type = type;
  d.key_size = key_size;
  d.value_size = value_size;
  d.max_entries = max_entries;
  d.map_flags = flags;
  d.timer_off = timer_off;
  d.spin_lock_off = spin_lock_off;
  auto m = create_map(d, 4);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().to_string());
  return m ? std::move(*m) : nullptr;
}

inline s64 err(u64 r) { return static_cast<s64>(r); }

}  // namespace ups::bpf::test
