/* calls.bpf.c: bpf-to-bpf calls to static and global functions, a callback
 * passed to bpf_loop (PSEUDO_FUNC), helper calls, and kfunc externs: plain,
 * weak and missing (guarded by bpf_ksym_exists), and flavoured (___v2). */
#include "test_bpf.h"

extern u64 test_kfunc_add(u64 a, u64 b) __ksym;
extern u64 test_kfunc_weak_missing(u64 a) __ksym __weak;
extern u64 test_kfunc_flavoured___v2(u64 a) __ksym __weak;

static __noinline u64 static_helper(u64 x)
{
  return x * 3 + bpf_ktime_get_ns();
}

__noinline u64 global_helper(u64 x)
{
  return static_helper(x) + 1;
}

static __noinline u64 depth2(u64 x) { return x + 2; }
static __noinline u64 depth1(u64 x) { return depth2(x) * 2; }

static int loop_cb(u32 index, void *ctx)
{
  *(u64 *)ctx += index;
  return 0;
}

SEC("tc")
int caller(void *ctx)
{
  u64 acc = 0;
  bpf_loop(4, loop_cb, &acc, 0);
  return global_helper(acc) + depth1(acc);
}

SEC("tc")
int kfuncs(void *ctx)
{
  u64 r = test_kfunc_add(1, 2);
  if (bpf_ksym_exists(test_kfunc_weak_missing))
    r += test_kfunc_weak_missing(r);
  r += test_kfunc_flavoured___v2(r);
  return r + static_helper(r);
}

char _license[] SEC("license") = "GPL";
