// LatencyHistogram: log-linear buckets (like fio's and HdrHistogram's) for
// latency percentiles in fixed memory: 64 sub-buckets per power of two,
// so a reported percentile is within 1.6% of the exact sample. Recording
// never allocates.
#pragma once

#include <array>
#include <bit>

#include "base/types.h"

namespace ups::report {

class LatencyHistogram {
public:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  void record(TimeNs v) {
    ++buckets_[index(v)];
    ++count_;
    sum_ += v;
    if (v > max_) max_ = v;
  }
  u64 count() const { return count_; }
  TimeNs max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The value below which a fraction q of the samples lie (bucket midpoint).
  TimeNs percentile(double q) const {
    if (count_ == 0) return 0;
    u64 rank = static_cast<u64>(q * static_cast<double>(count_));
    if (rank >= count_) rank = count_ - 1;
    u64 seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen > rank) {
        TimeNs lo = lower(i), hi = lower(i + 1);
        TimeNs mid = lo + (hi - lo) / 2;
        return mid > max_ ? max_ : mid;
      }
    }
    return max_;
  }
  void merge(const LatencyHistogram& o) {
    for (int i = 0; i < kBuckets; ++i) buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    if (o.max_ > max_) max_ = o.max_;
  }

private:
  // Values below kSub map to themselves; above, the top kSubBits+1 bits.
  static int index(TimeNs v) {
    if (v < kSub) return static_cast<int>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - kSubBits;
    return (shift + 1) * kSub + static_cast<int>((v >> shift) & (kSub - 1));
  }
  static TimeNs lower(int i) {
    if (i < kSub) return static_cast<TimeNs>(i);
    int shift = i / kSub - 1;
    return (static_cast<TimeNs>(kSub) | static_cast<TimeNs>(i % kSub)) << shift;
  }
  std::array<u64, kBuckets> buckets_{};
  u64 count_ = 0;
  u64 sum_ = 0;
  TimeNs max_ = 0;
};

}  // namespace ups::report
