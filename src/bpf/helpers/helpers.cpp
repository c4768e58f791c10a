// Clock, CPU, PRNG, spin lock, timer and loop helpers, and the helper table.
#include "bpf/helpers/helpers.h"

#include <cerrno>

#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/timer_table.h"

namespace ups::bpf {

namespace helpers {

namespace {
u64 ret(int v) { return static_cast<u64>(static_cast<s64>(v)); }

// Helpers that need the substrate stop the program when there is none
// (a host that runs programs without an environment has a bug, but the
// program must not crash the process).
HelperEnv* need_env(CallContext& ctx) {
  if (!ctx.env) ctx.abort = true;
  return ctx.env;
}
}  // namespace

u64 ktime_get_ns(CallContext& ctx, u64, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? env->now_ns() : 0;
}

u64 ktime_get_boot_ns(CallContext& ctx, u64, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? env->boot_ns() : 0;
}

u64 get_prandom_u32(CallContext& ctx, u64, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? env->prandom_u32() : 0;
}

u64 get_smp_processor_id(CallContext& ctx, u64, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? env->cpu() : 0;
}

// bpf_spin_lock: programs run one at a time per CPU, so the lock is a flag;
// what Linux's verifier forbids (nesting, unlocking what is not held) is a
// fault here, since it would deadlock or corrupt a real kernel.
u64 spin_lock(CallContext& ctx, u64 lock, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  if (!env) return 0;
  u32* l = reinterpret_cast<u32*>(lock);
  if (env->held_lock()) {
    env->fault(ctx, "bpf_spin_lock while another bpf_spin_lock is held");
    return 0;
  }
  if (*l != 0) {
    env->fault(ctx, "bpf_spin_lock of a lock that was never unlocked (deadlock)");
    return 0;
  }
  *l = 1;
  env->set_held_lock(l);
  return 0;
}

// bpf_strncmp: the kernel's strncmp of s1 (s1_sz bytes the verifier
// checked) and s2 (a NUL-terminated string in read-only data): -1, 0 or 1,
// by the first differing byte as unsigned, at most s1_sz bytes, stopping
// at a NUL both share.
u64 strncmp(CallContext&, u64 s1, u64 s1_sz, u64 s2, u64, u64) {
  const auto* a = reinterpret_cast<const unsigned char*>(s1);
  const auto* b = reinterpret_cast<const unsigned char*>(s2);
  for (u64 i = 0; i < s1_sz; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? static_cast<u64>(-1) : 1;
    if (!a[i]) break;
  }
  return 0;
}

u64 spin_unlock(CallContext& ctx, u64 lock, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  if (!env) return 0;
  u32* l = reinterpret_cast<u32*>(lock);
  if (env->held_lock() != l) {
    env->fault(ctx, "bpf_spin_unlock of a lock that is not held");
    return 0;
  }
  *l = 0;
  env->set_held_lock(nullptr);
  return 0;
}

u64 timer_init(CallContext& ctx, u64 timer, u64 map, u64 flags, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? ret(env->timers().init(reinterpret_cast<void*>(timer), reinterpret_cast<Map*>(map), flags))
             : ret(-EINVAL);
}

u64 timer_set_callback(CallContext& ctx, u64 timer, u64 callback, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? ret(env->timers().set_callback(reinterpret_cast<void*>(timer), callback, ctx)) : ret(-EINVAL);
}

u64 timer_start(CallContext& ctx, u64 timer, u64 nsecs, u64 flags, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? ret(env->timers().start(reinterpret_cast<void*>(timer), nsecs, flags)) : ret(-EINVAL);
}

u64 timer_cancel(CallContext& ctx, u64 timer, u64, u64, u64, u64) {
  HelperEnv* env = need_env(ctx);
  return env ? ret(env->timers().cancel(reinterpret_cast<void*>(timer))) : ret(-EINVAL);
}

// bpf_loop: calls callback(i, ctx) for i = 0.. until it returns non-zero
// (the verifier allows only 0 = continue and 1 = stop); returns the number
// of calls made.
u64 loop(CallContext& ctx, u64 nr_loops, u64 callback, u64 callback_ctx, u64 flags, u64) {
  if (flags != 0) return ret(-EINVAL);
  if (nr_loops > kBpfMaxLoops) return ret(-E2BIG);
  if (!ctx.invoker) {
    if (ctx.env) ctx.env->fault(ctx, "bpf_loop called with no program to run the callback");
    else ctx.abort = true;
    return 0;
  }
  for (u64 i = 0; i < nr_loops; ++i) {
    u64 r = ctx.invoker->invoke(static_cast<u32>(callback), i, callback_ctx, 0, 0, 0);
    if (ctx.abort) return 0;
    if (r) return i + 1;
  }
  return nr_loops;
}

// bpf_kptr_xchg: the verifier proved dst a __kptr field of a map value and
// ptr an owning reference (or NULL) of its type; the exchange is atomic, as
// two CPUs may swap the same slot.
u64 kptr_xchg(CallContext&, u64 dst, u64 ptr, u64, u64, u64) {
  return __atomic_exchange_n(reinterpret_cast<u64*>(dst), ptr, __ATOMIC_SEQ_CST);
}

}  // namespace helpers

ExternFn find_helper(u32 id) {
  using namespace helpers;
  switch (static_cast<HelperId>(id)) {
    case HelperId::map_lookup_elem: return map_lookup_elem;
    case HelperId::map_update_elem: return map_update_elem;
    case HelperId::map_delete_elem: return map_delete_elem;
    case HelperId::ktime_get_ns: return ktime_get_ns;
    case HelperId::trace_printk: return trace_printk;
    case HelperId::get_prandom_u32: return get_prandom_u32;
    case HelperId::get_smp_processor_id: return get_smp_processor_id;
    case HelperId::map_push_elem: return map_push_elem;
    case HelperId::map_pop_elem: return map_pop_elem;
    case HelperId::map_peek_elem: return map_peek_elem;
    case HelperId::spin_lock: return spin_lock;
    case HelperId::spin_unlock: return spin_unlock;
    case HelperId::ktime_get_boot_ns: return ktime_get_boot_ns;
    case HelperId::ringbuf_output: return ringbuf_output;
    case HelperId::ringbuf_reserve: return ringbuf_reserve;
    case HelperId::ringbuf_submit: return ringbuf_submit;
    case HelperId::ringbuf_discard: return ringbuf_discard;
    case HelperId::task_storage_get: return task_storage_get;
    case HelperId::task_storage_delete: return task_storage_delete;
    case HelperId::snprintf: return helpers::snprintf;
    case HelperId::strncmp: return helpers::strncmp;
    case HelperId::timer_init: return timer_init;
    case HelperId::timer_set_callback: return timer_set_callback;
    case HelperId::timer_start: return timer_start;
    case HelperId::timer_cancel: return timer_cancel;
    case HelperId::trace_vprintk: return trace_vprintk;
    case HelperId::loop: return loop;
    case HelperId::kptr_xchg: return kptr_xchg;
    case HelperId::cgrp_storage_get: return cgrp_storage_get;
    case HelperId::cgrp_storage_delete: return cgrp_storage_delete;
  }
  return nullptr;
}

void fill_helpers(ExternTable& table) {
  if (table.helpers.size() <= kMaxHelperId) table.helpers.resize(kMaxHelperId + 1, nullptr);
  for (u32 id = 0; id <= kMaxHelperId; ++id)
    if (ExternFn f = find_helper(id)) table.helpers[id] = f;
}

ExternTable make_helper_table() {
  ExternTable t;
  fill_helpers(t);
  return t;
}

}  // namespace ups::bpf
