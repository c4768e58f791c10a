// CpuMask: a fixed-size set of up to kMaxCpus CPUs (affinity, class grants,
// idle sets). Fixed size so that it never allocates on a hot path.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "base/types.h"

namespace ups {

class CpuMask {
public:
  static constexpr int kWords = kMaxCpus / 64;

  CpuMask() = default;
  static CpuMask first_n(int n) {
    CpuMask m;
    for (int c = 0; c < n; ++c) m.set(c);
    return m;
  }

  void set(CpuId c) { words_[c >> 6] |= bit(c); }
  void clear(CpuId c) { words_[c >> 6] &= ~bit(c); }
  bool test(CpuId c) const {
    return c >= 0 && c < kMaxCpus && (words_[c >> 6] & bit(c)) != 0;
  }
  void clear_all() { words_.fill(0); }

  int count() const {
    int n = 0;
    for (u64 w : words_) n += std::popcount(w);
    return n;
  }
  // The scheduler's hot path asks this of masks that are mostly empty (idle
  // CPUs): four independent ORs per step, no early exit, no loop per word.
  bool empty() const {
    static_assert(kWords % 4 == 0);
    u64 a = 0, b = 0, c = 0, d = 0;
    for (int i = 0; i < kWords; i += 4) {
      a |= words_[i];
      b |= words_[i + 1];
      c |= words_[i + 2];
      d |= words_[i + 3];
    }
    return (a | b | c | d) == 0;
  }
  // The same for the CPUs below n: a machine's masks have no bit above its
  // CPUs, and with few CPUs this reads one word, not kWords.
  bool empty_below(int n) const {
    const int words = std::min(kWords, (n + 63) >> 6);
    u64 any = 0;
    for (int i = 0; i < words; ++i) any |= words_[i];
    return any == 0;
  }
  // Lowest set CPU >= from, or kNoCpu.
  CpuId next(CpuId from) const {
    if (from < 0) from = 0;
    for (int w = from >> 6; w < kWords; ++w) {
      u64 bits = words_[w];
      if (w == (from >> 6)) bits &= ~u64{0} << (from & 63);
      if (bits) return w * 64 + std::countr_zero(bits);
    }
    return kNoCpu;
  }
  CpuId first() const { return next(0); }

  CpuMask operator&(const CpuMask& o) const {
    CpuMask r;
    for (int i = 0; i < kWords; ++i) r.words_[i] = words_[i] & o.words_[i];
    return r;
  }
  CpuMask operator|(const CpuMask& o) const {
    CpuMask r;
    for (int i = 0; i < kWords; ++i) r.words_[i] = words_[i] | o.words_[i];
    return r;
  }
  CpuMask operator~() const {
    CpuMask r;
    for (int i = 0; i < kWords; ++i) r.words_[i] = ~words_[i];
    return r;
  }
  bool subset_of(const CpuMask& o) const {
    for (int i = 0; i < kWords; ++i)
      if (words_[i] & ~o.words_[i]) return false;
    return true;
  }
  bool intersects(const CpuMask& o) const {
    for (int i = 0; i < kWords; ++i)
      if (words_[i] & o.words_[i]) return true;
    return false;
  }
  friend bool operator==(const CpuMask&, const CpuMask&) = default;

  const std::array<u64, kWords>& words() const { return words_; }
  std::array<u64, kWords>& words() { return words_; }

  // "0-3,8,10-11"
  std::string to_string() const {
    std::string s;
    for (CpuId c = first(); c != kNoCpu;) {
      CpuId e = c;
      while (test(e + 1)) ++e;
      if (!s.empty()) s += ',';
      s += std::to_string(c);
      if (e > c) s += '-' + std::to_string(e);
      c = next(e + 1);
    }
    return s;
  }

private:
  static constexpr u64 bit(CpuId c) { return u64{1} << (c & 63); }
  std::array<u64, kWords> words_{};
};

}  // namespace ups
