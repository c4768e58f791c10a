#include "workload/distribution.h"

#include <cmath>

#include "workload/duration.h"

namespace ups::workload {

const char* dist_kind_name(DistKind k) {
  switch (k) {
    case DistKind::constant: return "constant";
    case DistKind::uniform: return "uniform";
    case DistKind::exponential: return "exponential";
    case DistKind::lognormal: return "lognormal";
    case DistKind::bimodal: return "bimodal";
  }
  return "?";
}

Distribution Distribution::constant(TimeNs v) {
  return {DistKind::constant, static_cast<double>(v)};
}
Distribution Distribution::uniform(TimeNs lo, TimeNs hi) {
  return {DistKind::uniform, static_cast<double>(lo), static_cast<double>(hi)};
}
Distribution Distribution::exponential(TimeNs mean) {
  return {DistKind::exponential, static_cast<double>(mean)};
}
Distribution Distribution::lognormal(TimeNs mean, TimeNs stddev) {
  Distribution d{DistKind::lognormal, static_cast<double>(mean), static_cast<double>(stddev)};
  // mean = exp(mu + sigma^2/2), var = (exp(sigma^2) - 1) mean^2.
  double m = std::max(d.a, 1.0);
  double var_ratio = (d.b * d.b) / (m * m);
  d.sigma = std::sqrt(std::log1p(var_ratio));
  d.mu = std::log(m) - d.sigma * d.sigma / 2;
  return d;
}
Distribution Distribution::bimodal(TimeNs low, TimeNs high, double p_high) {
  return {DistKind::bimodal, static_cast<double>(low), static_cast<double>(high), p_high};
}

TimeNs Distribution::sample(Rng& rng) const {
  double v = a;
  switch (kind) {
    case DistKind::constant: return static_cast<TimeNs>(a);
    case DistKind::uniform:
      return rng.uniform(static_cast<u64>(a), static_cast<u64>(b));
    case DistKind::exponential: v = rng.exponential(a); break;
    case DistKind::lognormal: v = rng.lognormal(mu, sigma); break;
    case DistKind::bimodal: return static_cast<TimeNs>(rng.chance(p) ? b : a);
  }
  if (!(v >= 0)) return 0;
  if (v > 1e18) return static_cast<TimeNs>(1e18);
  return static_cast<TimeNs>(std::llround(v));
}

double Distribution::mean() const {
  switch (kind) {
    case DistKind::constant: case DistKind::exponential: case DistKind::lognormal: return a;
    case DistKind::uniform: return (a + b) / 2;
    case DistKind::bimodal: return a * (1 - p) + b * p;
  }
  return a;
}

std::string Distribution::describe() const {
  auto d = [](double v) { return format_duration(static_cast<TimeNs>(v)); };
  switch (kind) {
    case DistKind::constant: return d(a);
    case DistKind::uniform: return "uniform(" + d(a) + ".." + d(b) + ")";
    case DistKind::exponential: return "exponential(mean " + d(a) + ")";
    case DistKind::lognormal: return "lognormal(mean " + d(a) + ", stddev " + d(b) + ")";
    case DistKind::bimodal:
      return "bimodal(" + d(a) + ", " + d(b) + " with p=" + std::to_string(p) + ")";
  }
  return "?";
}

}  // namespace ups::workload
