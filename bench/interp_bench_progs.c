/* The interpreter benchmark's programs, in C. Built twice: by clang
 * -target bpf (each function in its own section, extracted as bytecode for
 * the interpreters) and by the system compiler into interp_bench itself
 * (the native twin). Every loop bound comes from the context so neither
 * compiler can fold the work away. */
/* No libc headers: -target bpf has none. */
typedef unsigned long long uint64_t;
typedef unsigned int uint32_t;
typedef unsigned char uint8_t;

#ifdef __bpf__
#define BENCH_SEC(name) __attribute__((section("bench/" name), used))
#define NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define BENCH_SEC(name)
#define NO_UNROLL
#endif

struct bench_ctx {
  uint64_t n;          /* iterations */
  uint64_t seed;
  uint64_t data[32];   /* input of sort */
  uint8_t bytes[512];  /* input of checksum */
};

/* Loop sum with a little mixing. */
BENCH_SEC("loop_sum") uint64_t bench_loop_sum(struct bench_ctx *c) {
  uint64_t s = c->seed;
  uint64_t n = c->n;
  NO_UNROLL
  for (uint64_t i = 0; i < n; i++) s += (i * 3) ^ (s >> 3);
  return s;
}

/* Iterative Fibonacci modulo 2^64. */
BENCH_SEC("fibonacci") uint64_t bench_fibonacci(struct bench_ctx *c) {
  uint64_t a = 0, b = 1;
  uint64_t n = c->n;
  NO_UNROLL
  for (uint64_t i = 0; i < n; i++) {
    uint64_t t = a + b;
    a = b;
    b = t;
  }
  return a;
}

/* Byte swaps, rotates and multiplies: a hash of a counter stream. */
BENCH_SEC("hash_mix") uint64_t bench_hash_mix(struct bench_ctx *c) {
  uint64_t h = c->seed;
  uint64_t n = c->n;
  NO_UNROLL
  for (uint64_t i = 0; i < n; i++) {
    h ^= __builtin_bswap64(h + i);
    h *= 0x9e3779b97f4a7c15ULL;
    h = (h << 13) | (h >> 51);
    h ^= (uint32_t)__builtin_bswap32((uint32_t)h);
  }
  return h;
}

/* Insertion sort of 32 values on the stack: data-dependent branches. */
BENCH_SEC("sort") uint64_t bench_sort(struct bench_ctx *c) {
  uint64_t a[32];
  NO_UNROLL
  for (int i = 0; i < 32; i++) a[i] = c->data[i] ^ c->seed;
  NO_UNROLL
  for (int i = 1; i < 32; i++) {
    uint64_t v = a[i];
    int j = i - 1;
    NO_UNROLL
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  uint64_t s = 0;
  NO_UNROLL
  for (int i = 0; i < 32; i++) s = s * 31 + a[i];
  return s;
}

/* Fletcher-style checksum over the byte buffer, n passes. */
BENCH_SEC("checksum") uint64_t bench_checksum(struct bench_ctx *c) {
  uint64_t s1 = 1, s2 = 0;
  uint64_t n = c->n;
  NO_UNROLL
  for (uint64_t p = 0; p < n; p++) {
    NO_UNROLL
    for (int i = 0; i < 512; i++) {
      s1 += c->bytes[i];
      s2 += s1;
    }
    s1 %= 65521;
    s2 %= 65521;
  }
  return (s2 << 16) | s1;
}
