// Rng: the one deterministic PRNG (xoshiro256**, seeded by splitmix64).
// No std::random_device, rand() or std:: distributions (their output differs
// between standard libraries): every draw is defined here.
#pragma once

#include <cmath>
#include <string_view>

#include "base/types.h"

namespace ups {

class Rng {
public:
  explicit Rng(u64 seed = 0) { reseed(seed); }

  void reseed(u64 seed) {
    u64 x = seed;
    for (auto& s : s_) s = splitmix64(x);
  }

  u64 next_u64() {
    const u64 result = rotl(s_[1] * 5, 7) * 9;
    const u64 t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  u32 next_u32() { return static_cast<u32>(next_u64() >> 32); }

  // Uniform in [0, 1).
  double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] (inclusive); lo <= hi.
  u64 uniform(u64 lo, u64 hi) {
    u64 span = hi - lo + 1;
    if (span == 0) return next_u64();  // full range
    return lo + next_u64() % span;
  }
  bool chance(double p) { return next_double() < p; }
  // Exponential with the given mean.
  double exponential(double mean) { return -mean * std::log1p(-next_double()); }
  // Standard normal (Box-Muller, one value per call, deterministic).
  double normal() {
    double u1 = next_double(), u2 = next_double();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

  // A child seed for a sub-component, drawn from this stream.
  u64 fork_seed() { return next_u64(); }

  // The seed of a named stream of its own, derived from the run's seed
  // without drawing from any Rng (e.g. each policy class's
  // bpf_get_prandom_u32 stream, named by the class): its draws neither
  // move nor follow the simulator's, and do not depend on the order in
  // which streams are made. Splitmix of the seed and the name's FNV-1a hash.
  static u64 stream_seed(u64 seed, std::string_view name) {
    u64 h = 0xcbf29ce484222325ULL;
    for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
    u64 x = seed ^ h;
    return splitmix64(x);
  }

private:
  static u64 rotl(u64 x, int k) { return (x << k) | (x >> (64 - k)); }
  static u64 splitmix64(u64& x) {
    u64 z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  u64 s_[4];
};

}  // namespace ups
