#include "security/capability.h"

#include <array>
#include <charconv>

namespace ups::security {
namespace {

constexpr std::array<std::string_view, kNumCapabilities> kNames = {
    "sched.load",    "sched.chain.above_fair", "sched.all_tasks",
    "sched.kick",    "sched.inspect",          "sched.events",
    "sched.locks",   "sched.virt",             "sched.timer",
};

std::string known_names() {
  std::string s;
  for (auto n : kNames) s += (s.empty() ? "" : ", ") + std::string(n);
  return s + ", sched.cpus=<list>";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<int> parse_cpu(std::string_view s, std::string_view whole) {
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty())
    return make_error(ErrorKind::invalid_argument,
                      "'" + std::string(s) + "' in CPU list '" + std::string(whole) +
                          "' is not a CPU number");
  if (v < 0 || v >= kMaxCpus)
    return make_error(ErrorKind::invalid_argument,
                      "CPU " + std::to_string(v) + " in '" + std::string(whole) +
                          "' is out of range 0.." + std::to_string(kMaxCpus - 1));
  return v;
}

}  // namespace

std::string_view capability_name(Capability c) { return kNames[static_cast<int>(c)]; }

std::optional<Capability> capability_from_name(std::string_view name) {
  for (int i = 0; i < kNumCapabilities; ++i)
    if (kNames[i] == name) return static_cast<Capability>(i);
  return std::nullopt;
}

CapabilitySet CapabilitySet::all() {
  CapabilitySet s;
  for (int i = 0; i < kNumCapabilities; ++i) s.add(static_cast<Capability>(i));
  return s;  // no explicit CPU list: all CPUs via cpus_or()
}

CapabilitySet CapabilitySet::operator|(const CapabilitySet& o) const {
  CapabilitySet r = *this;
  r.bits_ |= o.bits_;
  if (o.has_cpus_) r.add_cpus(o.cpus_);
  return r;
}

void CapabilitySet::add_cpus(const CpuMask& m) {
  cpus_ = has_cpus_ ? (cpus_ | m) : m;
  has_cpus_ = true;
}

std::string CapabilitySet::to_string() const {
  std::string s;
  for (int i = 0; i < kNumCapabilities; ++i)
    if (has(static_cast<Capability>(i))) s += (s.empty() ? "" : ",") + std::string(kNames[i]);
  if (has_cpus_) s += (s.empty() ? "" : ",") + std::string("sched.cpus=") + cpus_.to_string();
  return s.empty() ? "(none)" : s;
}

Result<CpuMask> parse_cpu_list(std::string_view text) {
  CpuMask m;
  std::string_view rest = trim(text);
  if (rest.empty())
    return make_error(ErrorKind::invalid_argument, "empty CPU list");
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    size_t dash = part.find('-');
    auto lo = parse_cpu(trim(part.substr(0, dash)), text);
    if (!lo) return tl::unexpected(lo.error());
    int hi = *lo;
    if (dash != std::string_view::npos) {
      auto h = parse_cpu(trim(part.substr(dash + 1)), text);
      if (!h) return tl::unexpected(h.error());
      hi = *h;
      if (hi < *lo)
        return make_error(ErrorKind::invalid_argument,
                          "range '" + std::string(part) + "' in CPU list '" + std::string(text) +
                              "' runs backwards");
    }
    for (int c = *lo; c <= hi; ++c) m.set(c);
  }
  return m;
}

Result<CapabilitySet> parse_capability_list(std::string_view text) {
  CapabilitySet set;
  std::string_view rest = text;
  // Split on ',' except inside a sched.cpus= value ("sched.cpus=0-3,8" is
  // ambiguous; CPU lists inside --caps use '+' or ';' between parts, or one
  // range: sched.cpus=0-3).
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    constexpr std::string_view kCpus = "sched.cpus=";
    if (item.substr(0, kCpus.size()) == kCpus) {
      std::string list(item.substr(kCpus.size()));
      for (char& ch : list)
        if (ch == '+' || ch == ';') ch = ',';
      auto m = parse_cpu_list(list);
      if (!m) return tl::unexpected(m.error());
      set.add_cpus(*m);
      continue;
    }
    auto c = capability_from_name(item);
    if (!c)
      return make_error(ErrorKind::invalid_argument,
                        "unknown capability '" + std::string(item) + "' (known: " +
                            known_names() + ")");
    set.add(*c);
  }
  return set;
}

}  // namespace ups::security
