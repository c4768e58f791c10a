#include "security/admission.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/bounded_file.h"
#include "base/toml_nesting.h"

namespace ups::security {
namespace {

SourceLoc loc_of(const toml::node& n, const std::string& file, std::string what) {
  SourceLoc l;
  l.file = file;
  l.line = static_cast<int>(n.source().begin.line);
  l.column = static_cast<int>(n.source().begin.column);
  l.what = std::move(what);
  return l;
}

template <class T>
Result<T> read_int(const toml::node& n, const std::string& file, const std::string& key,
                   long long lo, long long hi) {
  auto v = n.value<long long>();
  if (!n.is_integer() || !v)
    return make_error(ErrorKind::parse, "must be an integer", loc_of(n, file, key));
  if (*v < lo || *v > hi)
    return make_error(ErrorKind::parse,
                      fmt::format("{} is out of range {}..{}", *v, lo, hi), loc_of(n, file, key));
  return static_cast<T>(*v);
}

// Parses one [users.X] or [groups.X] table.
template <class EntryT>
Status parse_entry(const toml::table& t, bool is_user, const std::string& file,
                   const std::string& prefix, EntryT& e) {
  bool have_id = false;
  for (const auto& [k, node] : t) {
    std::string key(k.str());
    std::string path = prefix + "." + key;
    if (key == "uid" && is_user) {
      auto v = read_int<u32>(node, file, path, 0, 0xffffffffLL);
      if (!v) return tl::unexpected(v.error());
      e.id = *v;
      have_id = true;
    } else if (key == "gid") {
      auto v = read_int<u32>(node, file, path, 0, 0xffffffffLL);
      if (!v) return tl::unexpected(v.error());
      if (is_user) {
        e.gid = *v;
      } else {
        e.id = *v;
        have_id = true;
      }
    } else if (key == "caps") {
      const toml::array* arr = node.as_array();
      if (!arr)
        return make_error(ErrorKind::parse, "must be an array of capability names",
                          loc_of(node, file, path));
      for (const auto& item : *arr) {
        auto s = item.template value<std::string>();
        if (!item.is_string() || !s)
          return make_error(ErrorKind::parse, "capability names are strings",
                            loc_of(item, file, path));
        auto caps = parse_capability_list(*s);
        if (!caps)
          return make_error(ErrorKind::parse, caps.error().message, loc_of(item, file, path));
        e.caps = e.caps | *caps;
      }
    } else if (key == "max_insns") {
      auto v = read_int<u64>(node, file, path, 1, 100'000'000);
      if (!v) return tl::unexpected(v.error());
      e.limits.max_insns = *v;
    } else if (key == "max_map_bytes") {
      auto v = read_int<u64>(node, file, path, 0, 1LL << 40);
      if (!v) return tl::unexpected(v.error());
      e.limits.max_map_bytes = *v;
    } else if (key == "max_dsqs") {
      auto v = read_int<u32>(node, file, path, 0, 1 << 20);
      if (!v) return tl::unexpected(v.error());
      e.limits.max_dsqs = *v;
    } else if (key == "max_classes") {
      auto v = read_int<u32>(node, file, path, 0, 64);
      if (!v) return tl::unexpected(v.error());
      e.limits.max_classes = *v;
    } else if (key == "bandwidth") {
      auto v = node.template value<double>();
      if (!(node.is_floating_point() || node.is_integer()) || !v)
        return make_error(ErrorKind::parse, "must be a number in (0, 1]", loc_of(node, file, path));
      if (!(*v > 0.0 && *v <= 1.0))
        return make_error(ErrorKind::parse, fmt::format("{} is not in (0, 1]", *v),
                          loc_of(node, file, path));
      e.limits.bandwidth = *v;
    } else {
      return make_error(ErrorKind::parse,
                        "unknown key (known: uid, gid, caps, max_insns, max_map_bytes, "
                        "max_dsqs, max_classes, bandwidth)",
                        loc_of(node, file, path));
    }
  }
  if (!have_id)
    return make_error(ErrorKind::parse, is_user ? "missing uid" : "missing gid",
                      loc_of(t, file, prefix));
  return {};
}

}  // namespace

Result<AdmissionConfig> AdmissionConfig::parse(std::string_view text, std::string file) {
  if (auto depth = check_toml_nesting(text, file); !depth) return tl::unexpected(depth.error());
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& err) {
    SourceLoc l;
    l.file = file;
    l.line = static_cast<int>(err.source().begin.line);
    l.column = static_cast<int>(err.source().begin.column);
    return make_error(ErrorKind::parse, std::string(err.description()), l);
  }
  AdmissionConfig cfg;
  for (const auto& [k, node] : root) {
    std::string section(k.str());
    bool is_user = section == "users";
    if (!is_user && section != "groups")
      return make_error(ErrorKind::parse, "unknown section (known: users, groups)",
                        loc_of(node, file, section));
    const toml::table* tab = node.as_table();
    if (!tab)
      return make_error(ErrorKind::parse, "must be a table", loc_of(node, file, section));
    for (const auto& [name, entry_node] : *tab) {
      std::string prefix = section + "." + std::string(name.str());
      const toml::table* et = entry_node.as_table();
      if (!et)
        return make_error(ErrorKind::parse, "must be a table", loc_of(entry_node, file, prefix));
      Entry e;
      e.name = std::string(name.str());
      if (auto st = parse_entry(*et, is_user, file, prefix, e); !st) return tl::unexpected(st.error());
      (is_user ? cfg.users_ : cfg.groups_)[e.name] = e;
    }
  }
  return cfg;
}

Result<AdmissionConfig> AdmissionConfig::load_file(const std::string& path) {
  auto text = read_bounded_file(path, FileKind::admission);
  if (!text) return tl::unexpected(text.error());
  return parse(*text, path);
}

namespace {
bool in_groups(u32 gid, const Principal& who, std::span<const u32> groups) {
  return gid == who.gid || std::find(groups.begin(), groups.end(), gid) != groups.end();
}
}  // namespace

std::vector<std::string> AdmissionConfig::entries_for(const Principal& who, std::span<const u32> groups) const {
  if (who.is_root()) return {"root"};
  std::vector<std::string> out;
  for (const auto& [name, e] : users_)
    if (e.id == who.uid) out.push_back("users." + name);
  for (const auto& [name, e] : groups_)
    if (in_groups(e.id, who, groups)) out.push_back("groups." + name);
  return out;
}

Grant AdmissionConfig::grant_for(const Principal& who, std::span<const u32> groups) const {
  Grant g;
  if (who.is_root()) {
    g.caps = CapabilitySet::all();
    g.limits.max_classes = 64;
    g.limits.bandwidth = 0.95;
    g.known = true;
    return g;
  }
  bool first_limits = true;
  auto merge = [&](const Entry& e) {
    g.caps = g.caps | e.caps;
    // Several entries: the most generous limit of each kind applies.
    if (first_limits) {
      g.limits = e.limits;
      first_limits = false;
    } else {
      g.limits.max_insns = std::max(g.limits.max_insns, e.limits.max_insns);
      g.limits.max_map_bytes = std::max(g.limits.max_map_bytes, e.limits.max_map_bytes);
      g.limits.max_dsqs = std::max(g.limits.max_dsqs, e.limits.max_dsqs);
      g.limits.max_classes = std::max(g.limits.max_classes, e.limits.max_classes);
      g.limits.bandwidth = std::max(g.limits.bandwidth, e.limits.bandwidth);
    }
    g.known = true;
  };
  for (const auto& [name, e] : users_)
    if (e.id == who.uid) merge(e);
  for (const auto& [name, e] : groups_)
    if (in_groups(e.id, who, groups)) merge(e);
  return g;
}

Result<NamedPrincipal> AdmissionConfig::find_principal(std::string_view name) const {
  if (name == "root") return NamedPrincipal{"root", Principal{0, 0}};
  if (auto it = users_.find(std::string(name)); it != users_.end())
    return NamedPrincipal{it->first, Principal{it->second.id, it->second.gid}};
  // "uid:gid"
  size_t colon = name.find(':');
  if (colon != std::string_view::npos) {
    try {
      u32 uid = static_cast<u32>(std::stoul(std::string(name.substr(0, colon))));
      u32 gid = static_cast<u32>(std::stoul(std::string(name.substr(colon + 1))));
      return NamedPrincipal{std::string(name), Principal{uid, gid}};
    } catch (...) {
    }
  }
  std::string known = "root";
  for (const auto& [n, e] : users_) known += ", " + n;
  return make_error(ErrorKind::not_found,
                    fmt::format("unknown user '{}' (known: {}; or uid:gid)", name, known));
}

std::string AdmissionConfig::describe(const Principal& who) const {
  if (who.is_root()) return "root (uid 0)";
  for (const auto& [name, e] : users_)
    if (e.id == who.uid) return fmt::format("user {} (uid {})", name, who.uid);
  return fmt::format("uid {} gid {}", who.uid, who.gid);
}

Status admit(const AdmissionConfig& cfg, const Principal& who, const LoadRequest& req,
             std::span<const u32> groups) {
  Grant g = cfg.grant_for(who, groups);
  std::string whom = cfg.describe(who);
  auto refuse = [&](std::string why) {
    return make_error(ErrorKind::rejected, fmt::format("{} {}", whom, why));
  };
  if (!g.caps.has(Capability::load)) return refuse("lacks sched.load");
  if (req.slot == Slot::above_fair && !g.caps.has(Capability::chain_above_fair))
    return refuse("lacks sched.chain.above_fair (needed for a slot above fair)");
  if (req.insns > g.limits.max_insns)
    return refuse(fmt::format("may load at most {} instructions, the object has {}",
                              g.limits.max_insns, req.insns));
  if (req.map_bytes > g.limits.max_map_bytes)
    return refuse(fmt::format("may use at most {} bytes of map memory, the object needs {}",
                              g.limits.max_map_bytes, req.map_bytes));
  if (req.classes_loaded >= g.limits.max_classes)
    return refuse(fmt::format("may load at most {} classes at once", g.limits.max_classes));
  return {};
}

}  // namespace ups::security
