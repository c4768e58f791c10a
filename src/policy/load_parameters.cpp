// load_parameters.cpp: see load_parameters.h.
#include "policy/load_parameters.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace ups::policy {
namespace {

// A scheduler whose BPF half only queues tasks for a user-space process to
// schedule: the global that process writes its pid into, and what it does.
struct UserSpaceHalf {
  const char* pid_global;
  const char* what;
};

constexpr UserSpaceHalf kUserSpaceHalves[] = {
    {"usersched_pid",
     "scx_userland needs its user-space scheduler (scx_userland.c): it sets usersched_pid to its own pid, "
     "takes the tasks the BPF side queues in `enqueued` and hands them back through `dispatched`; upsched does "
     "not run it, so no task would be scheduled"},
};

}  // namespace

Status apply_resizes(bpf::Object& obj, const LoadParameters& p) {
  for (const auto& [name, n] : p.resizes)
    if (auto st = obj.resize_array(name, n); !st)
      return make_error(st.error().kind, fmt::format("{}[]={}: {}", name, n, st.error().message));
  return {};
}

Status apply_params(bpf::Object& obj, const LoadParameters& p) {
  for (const auto& [name, value] : p.params) {
    const bpf::GlobalVar* g = obj.find_global(name);
    if (!g) return make_error(ErrorKind::not_found, "no parameter (const volatile global) named '" + name + "'");
    std::vector<std::byte> bytes(g->size);
    std::memcpy(bytes.data(), &value, std::min<size_t>(g->size, sizeof value));
    if (auto st = obj.set_rodata(name, bytes); !st) return st;
  }
  return {};
}

std::optional<std::string> missing_user_space_half(const bpf::Object& obj) {
  for (const auto& h : kUserSpaceHalves) {
    const bpf::GlobalVar* g = obj.find_global(h.pid_global);
    if (!g || !g->is_const) continue;
    const auto& m = obj.maps()[g->map_index];
    bool zero = true;
    for (u32 i = 0; i < g->size && g->offset + i < m.initial.size(); ++i)
      if (m.initial[g->offset + i] != 0) zero = false;
    if (zero) return std::string(h.what);
  }
  return std::nullopt;
}

}  // namespace ups::policy
