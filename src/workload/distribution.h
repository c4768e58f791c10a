// Distribution: a random or fixed duration, drawn from the world's one Rng.
// Kinds follow the service-time models of the Shinjuku/ghOSt clients
// (workloads-and-metrics.md §1.5): constant, uniform, exponential,
// lognormal (given mean and standard deviation) and bimodal.
#pragma once

#include <string>

#include "base/rng.h"
#include "base/types.h"

namespace ups::workload {

enum class DistKind : u8 { constant, uniform, exponential, lognormal, bimodal };
const char* dist_kind_name(DistKind k);

struct Distribution {
  DistKind kind = DistKind::constant;
  // constant: a. uniform: [a, b]. exponential: mean a. lognormal: mean a,
  // stddev b. bimodal: a with probability 1-p, b with probability p.
  double a = 0, b = 0, p = 0;
  // lognormal's mu and sigma, derived from mean and stddev at construction.
  double mu = 0, sigma = 0;

  static Distribution constant(TimeNs v);
  static Distribution uniform(TimeNs lo, TimeNs hi);
  static Distribution exponential(TimeNs mean);
  static Distribution lognormal(TimeNs mean, TimeNs stddev);
  static Distribution bimodal(TimeNs low, TimeNs high, double p_high);

  TimeNs sample(Rng& rng) const;
  double mean() const;
  std::string describe() const;  // "exponential(mean 100us)"
};

}  // namespace ups::workload
