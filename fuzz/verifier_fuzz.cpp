// libFuzzer target for the verifier: any byte string, read as instructions
// (after one byte choosing the context), must be verified or rejected
// without a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "verifier/verifier.h"

namespace {

using namespace ups;
using namespace ups::verifier;

ArgSpec arg(ArgKind k, s32 st = -1) {
  ArgSpec a;
  a.kind = k;
  a.struct_index = st;
  return a;
}

ApiSet make_api() {
  ApiSet api;
  Prototype lookup{"bpf_map_lookup_elem", {arg(ArgKind::map_ptr), arg(ArgKind::map_key)}, RetKind::map_value_or_null};
  api.allow_helper(1, lookup);
  Prototype update{"bpf_map_update_elem",
                   {arg(ArgKind::map_ptr), arg(ArgKind::map_key), arg(ArgKind::map_value), arg(ArgKind::scalar)}};
  api.allow_helper(2, update);
  api.allow_helper(7, Prototype{"bpf_get_prandom_u32"});
  Prototype printk{"bpf_trace_printk", {arg(ArgKind::mem), arg(ArgKind::mem_size)}};
  api.allow_helper(6, printk);
  Prototype lock{"bpf_spin_lock", {arg(ArgKind::spin_lock)}, RetKind::void_};
  lock.special = Special::spin_lock;
  api.allow_helper(93, lock);
  Prototype unlock = lock;
  unlock.name = "bpf_spin_unlock";
  unlock.special = Special::spin_unlock;
  api.allow_helper(94, unlock);
  Prototype loop{"bpf_loop", {arg(ArgKind::scalar), arg(ArgKind::callback), arg(ArgKind::any), arg(ArgKind::scalar)}};
  loop.special = Special::loop;
  api.allow_helper(181, loop);
  Prototype acquire{"task_acquire", {arg(ArgKind::struct_ptr, 0)}, RetKind::struct_ptr};
  acquire.ret_struct = 0;
  acquire.ret_null = true;
  acquire.acquire = true;
  api.allow_kfunc(0, acquire);
  Prototype release{"task_release", {arg(ArgKind::struct_ptr, 0)}, RetKind::void_};
  release.args[0].release = true;
  api.allow_kfunc(1, release);
  api.deny_kfunc(2, "kick needs capability sched.kick");
  // Open-coded iterators over struct 1 (8 bytes), yielding ints (struct 2).
  Prototype it_new{"iter_new", {arg(ArgKind::iter, 1), arg(ArgKind::scalar), arg(ArgKind::scalar)}};
  it_new.special = Special::iter_new;
  api.allow_kfunc(3, it_new);
  Prototype it_next{"iter_next", {arg(ArgKind::iter, 1)}, RetKind::struct_ptr};
  it_next.ret_struct = 2;
  it_next.ret_null = true;
  it_next.special = Special::iter_next;
  api.allow_kfunc(4, it_next);
  Prototype it_destroy{"iter_destroy", {arg(ArgKind::iter, 1)}, RetKind::void_};
  it_destroy.special = Special::iter_destroy;
  api.allow_kfunc(5, it_destroy);
  // Queue pop (fills its value argument) and timers (callbacks as entries).
  Prototype pop{"bpf_map_pop_elem", {arg(ArgKind::map_ptr), arg(ArgKind::map_value_out)}};
  pop.map_types = u64{1} << static_cast<u32>(bpf::MapType::queue);
  api.allow_helper(88, pop);
  Prototype set_cb{"bpf_timer_set_callback", {arg(ArgKind::timer), arg(ArgKind::callback)}};
  set_cb.special = Special::timer_set_callback;
  api.allow_helper(170, set_cb);
  Prototype start{"bpf_timer_start", {arg(ArgKind::timer), arg(ArgKind::scalar), arg(ArgKind::scalar)}};
  api.allow_helper(171, start);
  ApiSet timer_api = api;
  timer_api.deny_kfunc(0, "not from a timer callback");
  api.set_timer_api(timer_api);
  return api;
}

ProgramInfo make_info(uint8_t choice) {
  ProgramInfo info;
  bpf::MapDef arr;
  arr.name = "arr";
  arr.key_size = 4;
  arr.value_size = 16;
  arr.max_entries = 4;
  arr.spin_lock_off = (choice & 1) ? 0 : -1;
  bpf::MapDef ro = arr;
  ro.name = "ro";
  ro.global = bpf::GlobalKind::rodata;
  ro.spin_lock_off = -1;
  ro.initial.assign(16, 3);
  if (!(choice & 1) && (choice & 16)) arr.timer_off = 0;
  bpf::MapDef outer = arr;
  outer.name = "outer";
  outer.type = bpf::MapType::array_of_maps;
  outer.value_size = 4;
  outer.spin_lock_off = outer.timer_off = -1;
  outer.inner = std::make_shared<bpf::MapDef>(ro);
  outer.inner->global = bpf::GlobalKind::none;
  bpf::MapDef queue = ro;
  queue.name = "queue";
  queue.type = bpf::MapType::queue;
  queue.key_size = 0;
  queue.global = bpf::GlobalKind::none;
  info.maps = {arr, ro, outer, queue};
  StructDesc task{"task_struct", 64, {}};
  task.fields = {{"pid", 0, 4, FieldAccess::read, "", -1, false},
                 {"comm", 8, 16, FieldAccess::read, (choice & 2) ? "needs capability sched.inspect" : "", -1, false},
                 {"slice", 32, 8, FieldAccess::read_write, "", -1, false}};
  StructDesc iter{"bpf_iter_num", 8, {}};
  StructDesc value{"int", 4, {{"value", 0, 4, FieldAccess::read, "", -1, false}}};
  info.structs = {task, iter, value};
  info.ctx.callback = "fuzz";
  ArgDesc p{"p", ArgDesc::Kind::struct_ptr, Scalar::top(), 0, (choice & 4) != 0};
  ArgDesc n{"n", ArgDesc::Kind::scalar, Scalar::urange(0, 1023), -1, false};
  info.ctx.args = {p, n};
  if (choice & 8) info.ctx.ret = {{-4095, 0}};
  return info;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const ApiSet api = make_api();
  ProgramInfo info = make_info(data[0]);
  const size_t n = (size - 1) / 8;
  if (n == 0 || n > 4096) return 0;
  info.insns.resize(n);
  std::memcpy(info.insns.data(), data + 1, n * 8);
  if (data[0] & 32) info.poisoned[static_cast<u32>(n / 2)] = "poisoned by the loader";
  VerifyOptions opts;
  opts.insn_budget = 200'000;
  VerifyResult r = verify(info, api, opts);
  if (!r.ok()) (void)r.error->to_string();
  return 0;
}
