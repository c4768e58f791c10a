// load_parameters.cpp: see load_parameters.h.
#include "policy/load_parameters.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "bpf/maps/map_factory.h"
#include "bpf/maps/map_of_maps.h"
#include "policy/userland_half.h"

namespace ups::policy {
namespace {

// A scheduler whose BPF half only queues tasks for a user-space process to
// schedule: the global that process writes its pid into, and what it does.
struct UserSpaceHalfKind {
  const char* pid_global;
  const char* cpus_global;  // the loader's libbpf_num_possible_cpus(), or null
  const char* what;
  Status (*check)(const bpf::Object&);  // before a task is reserved for it
  Result<std::unique_ptr<UserSpaceHalf>> (*make)(const bpf::Object&, const std::vector<std::shared_ptr<bpf::Map>>&);
};

Result<std::unique_ptr<UserSpaceHalf>> make_scx_userland(const bpf::Object& obj,
                                                         const std::vector<std::shared_ptr<bpf::Map>>& maps) {
  return make_userland_half(obj, maps, 8);  // scx_userland.c's default batch (-b)
}

constexpr UserSpaceHalfKind kUserSpaceHalves[] = {
    {"usersched_pid", "num_possible_cpus",
     "scx_userland needs its user-space scheduler (scx_userland.c): it sets usersched_pid to its own pid, "
     "takes the tasks the BPF side queues in `enqueued` and hands them back through `dispatched`; "
     "`upsched sim` and `upsched run` run upsched's own version of it (docs/upstream.md), this command "
     "does not, so no task would be scheduled",
     check_userland_object, make_scx_userland},
};

const UserSpaceHalfKind* half_needed(const bpf::Object& obj) {
  for (const auto& h : kUserSpaceHalves) {
    const bpf::GlobalVar* g = obj.find_global(h.pid_global);
    if (!g || !g->is_const) continue;
    const auto& m = obj.maps()[g->map_index];
    bool zero = true;
    for (u32 i = 0; i < g->size && g->offset + i < m.initial.size(); ++i)
      if (m.initial[g->offset + i] != 0) zero = false;
    if (zero) return &h;
  }
  return nullptr;
}

}  // namespace

constexpr std::string_view kMaxEntries = ".max_entries", kInnerMaps = ".inner_maps";

bool is_resize_name(const std::string& name) {
  return (name.size() > 2 && name.ends_with("[]")) || (name.size() > kMaxEntries.size() && name.ends_with(kMaxEntries)) ||
         (name.size() > kInnerMaps.size() && name.ends_with(kInnerMaps));
}

Status apply_resizes(bpf::Object& obj, const LoadParameters& p) {
  for (const auto& [name, n] : p.resizes) {
    if (name.ends_with(kInnerMaps)) continue;  // fill_inner_maps, once the maps exist
    if (name.ends_with(kMaxEntries)) {
      if (auto st = obj.set_max_entries(name.substr(0, name.size() - kMaxEntries.size()), n); !st)
        return make_error(st.error().kind, fmt::format("{}={}: {}", name, n, st.error().to_string()));
      continue;
    }
    if (auto st = obj.resize_array(name, n); !st)
      return make_error(st.error().kind, fmt::format("{}[]={}: {}", name, n, st.error().message));
  }
  return {};
}

Status fill_inner_maps(const bpf::Object& obj, bpf::MapSet& maps, const LoadParameters& p, int nr_cpus) {
  for (const auto& resize : p.resizes) {
    // Named, not structured bindings: clang 14 cannot capture those in a lambda.
    const std::string& name = resize.first;
    const u32 n = resize.second;
    if (!name.ends_with(kInnerMaps)) continue;
    const std::string map = name.substr(0, name.size() - kInnerMaps.size());
    auto refuse = [&](const std::string& why) {
      return make_error(ErrorKind::invalid_argument, fmt::format("{}={}: {}", name, n, why));
    };
    const auto i = obj.find_map(map);
    if (!i) return refuse("no map named '" + map + "'");
    auto* outer = dynamic_cast<bpf::MapOfMaps*>(maps.shared(*i).get());
    const bpf::MapDef& def = obj.maps()[*i];
    if (!outer || !def.inner) return refuse("'" + map + "' is not a map of maps");
    for (u32 k = 0; k < n; ++k) {
      auto inner = bpf::create_map(*def.inner, nr_cpus, maps.memory());
      if (!inner) return refuse(inner.error().to_string());
      if (const int rc = outer->set_inner(&k, std::shared_ptr<bpf::Map>(std::move(*inner)), 0); rc != 0)
        return refuse(fmt::format("slot {}: error {}", k, rc));
    }
  }
  return {};
}

namespace {

// "NAME[i]": NAME and i; nullopt for a plain name.
std::optional<std::pair<std::string, u64>> element_of(const std::string& name) {
  const size_t open = name.find('[');
  if (open == std::string::npos || open == 0 || name.back() != ']') return std::nullopt;
  const std::string idx = name.substr(open + 1, name.size() - open - 2);
  if (idx.empty() || !std::all_of(idx.begin(), idx.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::pair{name.substr(0, open), std::stoull(idx)};
}

}  // namespace

Status apply_params(bpf::Object& obj, const LoadParameters& p) {
  for (const auto& [name, value] : p.params) {
    const auto elem = element_of(name);
    const std::string var = elem ? elem->first : name;
    const bpf::GlobalVar* g = obj.find_global(var);
    if (!g) return make_error(ErrorKind::not_found, "no parameter (const volatile global) named '" + var + "'");
    // The whole variable's bytes, with the one value (or element) replaced.
    const auto& m = obj.maps()[g->map_index];
    std::vector<std::byte> bytes(g->size);
    for (u32 i = 0; i < g->size && g->offset + i < m.initial.size(); ++i) bytes[i] = static_cast<std::byte>(m.initial[g->offset + i]);
    u64 at = 0, width = g->size;
    if (elem) {
      const bpf::BtfType* t = obj.btf().type(obj.btf().skip_modifiers(g->btf_type_id));
      const auto esize = t && t->kind == bpf::BtfKind::array ? obj.btf().size_of(t->elem_type) : std::nullopt;
      if (!esize || *esize == 0 || *esize > sizeof(u64))
        return make_error(ErrorKind::invalid_argument, fmt::format("{}: '{}' is not an array of numbers", name, var));
      width = *esize;
      at = elem->second * width;
      if (at + width > g->size)
        return make_error(ErrorKind::invalid_argument,
                          fmt::format("{}: '{}' has {} elements (resize it with {}[]=N first)", name, var,
                                      g->size / width, var));
    }
    std::memcpy(bytes.data() + at, &value, std::min<size_t>(width, sizeof value));
    if (auto st = obj.set_rodata(var, bytes); !st) return st;
  }
  return {};
}

Status add_param(LoadParameters& p, const std::string& name, const std::string& value) {
  std::vector<u64> values;
  size_t i = 0;
  while (i <= value.size()) {
    const size_t comma = std::min(value.find(',', i), value.size());
    const std::string one = value.substr(i, comma - i);
    char* stop = nullptr;
    const unsigned long long v = std::strtoull(one.c_str(), &stop, 0);
    if (one.empty() || *stop != '\0')
      return make_error(ErrorKind::invalid_argument,
                        fmt::format("parameter '{}': '{}' is not a number{}", name, value,
                                    values.empty() && comma == value.size() ? "" : " or a list of numbers"));
    values.push_back(static_cast<u64>(v));
    i = comma + 1;
  }
  if (values.size() == 1) {
    p.params.emplace_back(name, values[0]);
    return {};
  }
  if (element_of(name))
    return make_error(ErrorKind::invalid_argument, fmt::format("parameter '{}': one element takes one number", name));
  for (size_t k = 0; k < values.size(); ++k) p.params.emplace_back(fmt::format("{}[{}]", name, k), values[k]);
  return {};
}

std::optional<std::string> missing_user_space_half(const bpf::Object& obj) {
  if (const UserSpaceHalfKind* h = half_needed(obj)) return std::string(h->what);
  return std::nullopt;
}

Result<s32> reserve_user_space_half(bpf::Object& obj, const LoadParameters& given, int nr_cpus,
                                    UserSpaceHost& host, const char* comm) {
  const UserSpaceHalfKind* h = half_needed(obj);
  if (!h) return 0;
  if (auto st = h->check(obj); !st) return tl::unexpected(st.error());
  auto pid = host.reserve_task(comm);
  if (!pid) return tl::unexpected(pid.error());
  LoadParameters mine;
  mine.params.emplace_back(h->pid_global, static_cast<u64>(*pid));
  bool cpus_given = false;
  for (const auto& kv : given.params) cpus_given |= h->cpus_global && kv.first == h->cpus_global;
  if (h->cpus_global && !cpus_given && obj.find_global(h->cpus_global))
    mine.params.emplace_back(h->cpus_global, static_cast<u64>(nr_cpus));
  if (auto st = apply_params(obj, mine); !st) return tl::unexpected(st.error());
  return *pid;
}

Result<std::unique_ptr<UserSpaceHalf>> make_user_space_half(const bpf::Object& obj,
                                                            const std::vector<std::shared_ptr<bpf::Map>>& maps) {
  for (const auto& h : kUserSpaceHalves)
    if (obj.find_global(h.pid_global)) return h.make(obj, maps);
  return make_error(ErrorKind::internal, "no user-space half for this object");
}

}  // namespace ups::policy
