/* Differential-test functions: compiled by clang -target bpf (clang 14 at
 * -mcpu=v3, clang 19 at v3 and v4) and by the system compiler into test_vm;
 * tests/unit/vm/differential_test.cpp runs both on random inputs and wants
 * the same results. Each takes the argument block in r1. */
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef short s16;
typedef unsigned char u8;
typedef signed char s8;

#ifdef __bpf__
#define DIFF(name) __attribute__((section("diff/" #name), used)) u64 diff_##name(struct args *a)
#define NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define DIFF(name) u64 diff_##name(struct args *a)
#define NO_UNROLL
#endif

struct args {
  u64 x, y, z;
  s8 b;
  s16 h;
  s32 w;
  u8 bytes[16];
};

DIFF(arith) {
  u64 x = a->x, y = a->y, z = a->z;
  u64 r = x * 3 + (y >> 7) - (z << 5);
  r ^= x / (y | 1);
  r += y % ((z & 0xffff) | 1);
  r -= (u32)x * (u32)y;
  r += (u32)z / ((u32)x | 1);
  r ^= (u32)y % ((u32)z | 3);
  return r;
}

DIFF(shifts) {
  u64 x = a->x;
  u32 n = a->y & 63, m = a->z & 31;
  u64 r = (x << n) ^ (x >> n) ^ (u64)((s64)x >> n);
  u32 w = (u32)x;
  r += (u32)(w << m) + (u32)(w >> m) + (u32)((s32)w >> m);
  return r;
}

DIFF(signext) {
  s64 r = a->b;
  r = r * 7 + a->h;
  r = r * 13 + a->w;
  r += (s64)(s8)a->x + (s64)(s16)a->y + (s64)(s32)a->z;
  s32 w = (s32)a->x;
  r ^= (s64)(w >> 3);
  return (u64)r;
}

DIFF(branches) {
  s64 x = (s64)a->x, y = (s64)a->y;
  u64 r = 0;
  if (x < y) r += 1;
  if ((u64)x < (u64)y) r += 2;
  if ((s32)x > (s32)y) r += 4;
  if ((u32)x >= (u32)y) r += 8;
  if (x == y) r += 16;
  if (x & 0x10) r += 32;
  if (x <= -5) r += 64;
  if ((s32)y >= 1000) r += 128;
  switch (a->z & 7) {
    case 0: r *= 3; break;
    case 1: r += 100; break;
    case 3: r ^= 0x55; break;
    case 6: r -= 1; break;
    default: r <<= 1; break;
  }
  return r;
}

DIFF(byteswap) {
  u64 x = a->x;
  u64 r = __builtin_bswap64(x);
  r ^= __builtin_bswap32((u32)x);
  r += __builtin_bswap16((u16)x);
  r ^= (u64)__builtin_bswap16((u16)(a->y >> 16)) << 32;
  return r;
}

DIFF(loops) {
  u64 x = (a->x & 0xffff) | 1;
  u64 steps = 0;
  NO_UNROLL
  while (x != 1 && steps < 500) {
    x = (x & 1) ? 3 * x + 1 : x / 2;
    steps++;
  }
  u64 v = a->y, bits = 0;
  NO_UNROLL
  while (v) {
    v &= v - 1;
    bits++;
  }
  u64 p = a->z | 1, q = (a->x >> 20) | 1;
  NO_UNROLL
  for (int i = 0; i < 64 && q; i++) {
    u64 t = p % q;
    p = q;
    q = t;
  }
  return steps * 1000000 + bits * 1000 + (p & 0x3ff);
}

DIFF(memory) {
  u64 s = 0;
  NO_UNROLL
  for (int i = 0; i < 16; i++) s = s * 31 + a->bytes[i];
  s8 sb = (s8)a->bytes[3];
  s16 sh;
  __builtin_memcpy(&sh, &a->bytes[4], 2);
  u32 uw;
  __builtin_memcpy(&uw, &a->bytes[8], 4);
  a->bytes[0] = (u8)s;
  return s + (u64)(s64)sb + (u64)(s64)sh + uw + a->bytes[0];
}

#if defined(UPS_DIFF_SDIV) || !defined(__bpf__)
/* Signed division and modulo: clang-14 cannot emit them (v4 only). */
DIFF(signed_div) {
  s64 x = (s64)a->x, y = (s64)(a->y | 1);
  s32 u = (s32)a->z, v = (s32)(a->y >> 32) | 1;
  if (y == -1) y = 3;
  if (v == -1) v = 5;
  return (u64)(x / y) ^ (u64)(x % y) ^ (u64)(s64)(u / v) ^ ((u64)(s64)(u % v) << 7);
}
#endif
