// The BPF helpers upsched implements, as ExternFns numbered by Linux's
// enum bpf_func_id, with Linux's prototypes and return values (see
// docs/maps-and-helpers.md for each one's semantics and its tests).
// make_helper_table() gives the table the VM links calls against.
#pragma once

#include "base/types.h"
#include "bpf/call_context.h"

namespace ups::bpf {

// Linux enum bpf_func_id values of the implemented helpers.
enum class HelperId : u32 {
  map_lookup_elem = 1,
  map_update_elem = 2,
  map_delete_elem = 3,
  ktime_get_ns = 5,
  trace_printk = 6,
  get_prandom_u32 = 7,
  get_smp_processor_id = 8,
  map_push_elem = 87,
  map_pop_elem = 88,
  map_peek_elem = 89,
  spin_lock = 93,
  spin_unlock = 94,
  ktime_get_boot_ns = 125,
  ringbuf_output = 130,
  ringbuf_reserve = 131,
  ringbuf_submit = 132,
  ringbuf_discard = 133,
  task_storage_get = 156,
  task_storage_delete = 157,
  snprintf = 165,
  timer_init = 169,
  timer_set_callback = 170,
  timer_start = 171,
  timer_cancel = 172,
  trace_vprintk = 177,
  loop = 181,
  strncmp = 182,
  kptr_xchg = 194,
  cgrp_storage_get = 210,
  cgrp_storage_delete = 211,
};
inline constexpr u32 kMaxHelperId = 211;

// Linux BPF_MAX_LOOPS.
inline constexpr u64 kBpfMaxLoops = u64{1} << 23;

namespace helpers {
// Each: u64 fn(CallContext&, r1..r5), unused arguments ignored.
u64 map_lookup_elem(CallContext& ctx, u64 map, u64 key, u64, u64, u64);
u64 map_update_elem(CallContext& ctx, u64 map, u64 key, u64 value, u64 flags, u64);
u64 map_delete_elem(CallContext& ctx, u64 map, u64 key, u64, u64, u64);
u64 ktime_get_ns(CallContext& ctx, u64, u64, u64, u64, u64);
u64 ktime_get_boot_ns(CallContext& ctx, u64, u64, u64, u64, u64);
u64 trace_printk(CallContext& ctx, u64 fmt, u64 fmt_size, u64 a1, u64 a2, u64 a3);
u64 trace_vprintk(CallContext& ctx, u64 fmt, u64 fmt_size, u64 data, u64 data_len, u64);
u64 snprintf(CallContext& ctx, u64 str, u64 str_size, u64 fmt, u64 data, u64 data_len);
u64 get_prandom_u32(CallContext& ctx, u64, u64, u64, u64, u64);
u64 get_smp_processor_id(CallContext& ctx, u64, u64, u64, u64, u64);
u64 map_push_elem(CallContext& ctx, u64 map, u64 value, u64 flags, u64, u64);
u64 map_pop_elem(CallContext& ctx, u64 map, u64 value, u64, u64, u64);
u64 map_peek_elem(CallContext& ctx, u64 map, u64 value, u64, u64, u64);
u64 spin_lock(CallContext& ctx, u64 lock, u64, u64, u64, u64);
u64 spin_unlock(CallContext& ctx, u64 lock, u64, u64, u64, u64);
u64 strncmp(CallContext& ctx, u64 s1, u64 s1_sz, u64 s2, u64, u64);
u64 ringbuf_output(CallContext& ctx, u64 ringbuf, u64 data, u64 size, u64 flags, u64);
u64 ringbuf_reserve(CallContext& ctx, u64 ringbuf, u64 size, u64 flags, u64, u64);
u64 ringbuf_submit(CallContext& ctx, u64 sample, u64 flags, u64, u64, u64);
u64 ringbuf_discard(CallContext& ctx, u64 sample, u64 flags, u64, u64, u64);
u64 task_storage_get(CallContext& ctx, u64 map, u64 task, u64 value, u64 flags, u64);
u64 task_storage_delete(CallContext& ctx, u64 map, u64 task, u64, u64, u64);
u64 cgrp_storage_get(CallContext& ctx, u64 map, u64 cgrp, u64 value, u64 flags, u64);
u64 cgrp_storage_delete(CallContext& ctx, u64 map, u64 cgrp, u64, u64, u64);
u64 timer_init(CallContext& ctx, u64 timer, u64 map, u64 flags, u64, u64);
u64 timer_set_callback(CallContext& ctx, u64 timer, u64 callback, u64, u64, u64);
u64 timer_start(CallContext& ctx, u64 timer, u64 nsecs, u64 flags, u64, u64);
u64 timer_cancel(CallContext& ctx, u64 timer, u64, u64, u64, u64);
u64 loop(CallContext& ctx, u64 nr_loops, u64 callback, u64 callback_ctx, u64 flags, u64);
u64 kptr_xchg(CallContext& ctx, u64 dst, u64 ptr, u64, u64, u64);
}  // namespace helpers

// The helper for an id, or null.
ExternFn find_helper(u32 id);
// Sets every implemented helper's slot (growing `table.helpers` as needed),
// leaving kfuncs alone.
void fill_helpers(ExternTable& table);
ExternTable make_helper_table();

}  // namespace ups::bpf
