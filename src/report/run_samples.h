// RunSamples: what a run's HTML report draws, recorded by the substrate
// while it runs, only when a report is asked for (a null RunSamples* costs
// one untaken branch per context switch): every wakeup latency per task
// group, every request latency, each group's CPU time per interval, and the
// last context switches per CPU for the timeline. Memory is bounded: a
// sample list over kMaxSamples keeps every other sample (and from then on
// every 2nd, 4th, ... one), deterministically, so a long run's CDF is drawn
// from an even thinning of its samples.
#pragma once

#include <string>
#include <vector>

#include "base/types.h"

namespace ups::report {

class SampleList {
public:
  static constexpr size_t kMaxSamples = size_t{1} << 20;
  void add(TimeNs v) {
    if (++seen_ % stride_ != 0) return;
    if (kept_.size() == kMaxSamples) thin();
    kept_.push_back(v);
  }
  const std::vector<TimeNs>& kept() const { return kept_; }
  u64 seen() const { return seen_; }
  // Values in microseconds, for the charts.
  std::vector<double> micros() const;

private:
  void thin();
  std::vector<TimeNs> kept_;
  u64 seen_ = 0, stride_ = 1;
};

struct CpuSlice {
  CpuId cpu = 0;
  u32 group = 0;
  s32 pid = 0;
  TimeNs start = 0, end = 0;
};

class RunSamples {
public:
  static constexpr size_t kTimelineSlices = 6000;
  static constexpr size_t kShareIntervals = 100;

  // Called once by the substrate before the run: the task groups (their
  // names, in the workload's order), the CPUs and the duration asked for
  // (which sets the share interval: duration / kShareIntervals).
  void begin(std::vector<std::string> groups, int nr_cpus, TimeNs duration);

  void on_wakeup(u32 group, TimeNs latency) { wakeup_[group].add(latency); }
  void on_request(TimeNs latency) { request_.add(latency); }
  // A task of `group` ran on `cpu` over [from, to).
  void on_run(u32 group, s32 pid, CpuId cpu, TimeNs from, TimeNs to);

  const std::vector<std::string>& groups() const { return groups_; }
  int nr_cpus() const { return nr_cpus_; }
  const SampleList& wakeup(u32 group) const { return wakeup_[group]; }
  const SampleList& requests() const { return request_; }
  TimeNs share_interval() const { return interval_; }
  // CPU time of each group in interval i ([i*interval, (i+1)*interval)).
  const std::vector<std::vector<TimeNs>>& group_run() const { return group_run_; }
  // The last kTimelineSlices slices, oldest first, and the window in which
  // every slice is known: from the end of the oldest kept one.
  std::vector<CpuSlice> timeline() const;
  TimeNs timeline_from() const;

private:
  std::vector<std::string> groups_;
  int nr_cpus_ = 0;
  std::vector<SampleList> wakeup_;
  SampleList request_;
  TimeNs interval_ = 1;
  std::vector<std::vector<TimeNs>> group_run_;
  std::vector<CpuSlice> ring_;  // slices, a ring once full
  size_t ring_next_ = 0;
  bool ring_full_ = false;
};

}  // namespace ups::report
