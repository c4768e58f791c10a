// RunSamples (see run_samples.h).
#include "report/run_samples.h"

#include <algorithm>

namespace ups::report {

std::vector<double> SampleList::micros() const {
  std::vector<double> out;
  out.reserve(kept_.size());
  for (TimeNs v : kept_) out.push_back(static_cast<double>(v) / 1e3);
  return out;
}

void SampleList::thin() {
  size_t w = 0;
  for (size_t r = 1; r < kept_.size(); r += 2) kept_[w++] = kept_[r];
  kept_.resize(w);
  stride_ *= 2;
}

void RunSamples::begin(std::vector<std::string> groups, int nr_cpus, TimeNs duration) {
  groups_ = std::move(groups);
  nr_cpus_ = nr_cpus;
  wakeup_.assign(groups_.size(), SampleList{});
  request_ = SampleList{};
  interval_ = std::max<TimeNs>(duration / kShareIntervals, 1);
  group_run_.clear();
  ring_.clear();
  ring_.reserve(kTimelineSlices);
  ring_next_ = 0;
  ring_full_ = false;
}

void RunSamples::on_run(u32 group, s32 pid, CpuId cpu, TimeNs from, TimeNs to) {
  if (to <= from) return;
  // Split [from, to) over the share intervals it covers.
  for (TimeNs t = from; t < to;) {
    const size_t i = static_cast<size_t>(t / interval_);
    const TimeNs end = std::min<TimeNs>(to, static_cast<TimeNs>(i + 1) * interval_);
    if (group_run_.size() <= i) group_run_.resize(i + 1, std::vector<TimeNs>(groups_.size(), 0));
    group_run_[i][group] += end - t;
    t = end;
  }
  const CpuSlice s{cpu, group, pid, from, to};
  if (!ring_full_) {
    ring_.push_back(s);
    ring_full_ = ring_.size() == kTimelineSlices;
  } else {
    ring_[ring_next_] = s;
    ring_next_ = (ring_next_ + 1) % kTimelineSlices;
  }
}

std::vector<CpuSlice> RunSamples::timeline() const {
  if (!ring_full_) return ring_;
  std::vector<CpuSlice> out(ring_.begin() + static_cast<std::ptrdiff_t>(ring_next_), ring_.end());
  out.insert(out.end(), ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(ring_next_));
  return out;
}

TimeNs RunSamples::timeline_from() const {
  if (!ring_full_ || ring_.empty()) return 0;
  return ring_[ring_next_].end;  // the oldest kept slice
}

}  // namespace ups::report
