#include "policy/map_dump.h"

#include <fmt/format.h>

#include "bpf/object/btf_dump.h"

namespace ups::policy {

namespace {

using json = nlohmann::ordered_json;

json typed(const bpf::Btf& btf, u32 type_id, std::span<const u8> bytes) {
  if (type_id == 0 || btf.empty()) return bpf::hex_bytes(bytes);
  json v = bpf::btf_value_json(btf, type_id, bytes);
  return v.is_null() ? json(bpf::hex_bytes(bytes)) : v;
}

// A global-data section: its variables by name, from the object's globals.
json globals_of(const bpf::Object& obj, size_t index, bpf::Map& m) {
  json vars = json::object();
  std::vector<u8> value(m.host_value_size());
  const u32 key = 0;
  if (m.host_lookup(&key, value.data()) != 0) return vars;
  for (const bpf::GlobalVar& g : obj.globals()) {
    if (g.map_index != index || size_t{g.offset} + g.size > value.size()) continue;
    vars[g.name] = typed(obj.btf(), g.btf_type_id, std::span<const u8>(value).subspan(g.offset, g.size));
  }
  return vars;
}

json entries_of(const bpf::Object& obj, bpf::Map& m, json& out) {
  const bpf::MapDef& d = m.def();
  json entries = json::array();
  std::vector<u8> key(d.key_size), next(d.key_size), value(m.host_value_size());
  const void* prev = nullptr;
  u64 shown = 0, more = 0;
  while (m.get_next_key(prev, next.data()) == 0) {
    key = next;
    prev = key.data();
    if (shown >= kDumpMaxEntries) {
      ++more;
      continue;
    }
    if (m.host_lookup(key.data(), value.data()) != 0) continue;
    json e = {{"key", typed(obj.btf(), d.btf_key_type_id, key)}};
    if (m.is_percpu()) {
      const u32 stride = (d.value_size + 7) / 8 * 8;
      json per_cpu = json::array();
      for (int c = 0; c < m.nr_cpus(); ++c)
        per_cpu.push_back({{"cpu", c},
                           {"value", typed(obj.btf(), d.btf_value_type_id,
                                           std::span<const u8>(value).subspan(size_t{stride} * c, d.value_size))}});
      e["values"] = per_cpu;
    } else if (d.type == bpf::MapType::array_of_maps || d.type == bpf::MapType::hash_of_maps) {
      void* inner = m.lookup(key.data(), 0);
      e["value"] = inner ? json(static_cast<bpf::Map*>(inner)->name()) : json(nullptr);
    } else {
      e["value"] = typed(obj.btf(), d.btf_value_type_id, value);
    }
    entries.push_back(std::move(e));
    ++shown;
  }
  if (more) out["more_entries"] = more;
  return entries;
}

}  // namespace

json dump_class_maps(const ClassMaps& c) {
  json maps = json::array();
  const bpf::Object& obj = *c.object;
  for (size_t i = 0; i < c.maps.size() && i < obj.maps().size(); ++i) {
    bpf::Map& m = *c.maps[i];
    const bpf::MapDef& d = m.def();
    json j = {{"name", d.name},
              {"type", bpf::map_type_name(d.type)},
              {"key_size", d.key_size},
              {"value_size", d.value_size},
              {"max_entries", d.max_entries}};
    if (d.global != bpf::GlobalKind::none) {
      j["globals"] = globals_of(obj, i, m);
    } else if (d.type == bpf::MapType::queue || d.type == bpf::MapType::stack ||
               d.type == bpf::MapType::ringbuf) {
      j["entries"] = json::array();
      j["note"] = fmt::format("a {} map has no keys to list", bpf::map_type_name(d.type));
    } else {
      j["entries"] = entries_of(obj, m, j);
    }
    maps.push_back(std::move(j));
  }
  return {{"class", c.class_name}, {"object", obj.file_name()}, {"maps", maps}};
}

std::string dump_class_maps_text(const json& dump) {
  std::string out = fmt::format("class {} ({}):\n", dump.value("class", ""), dump.value("object", ""));
  const auto dump_json = [](const json& v) { return v.dump(4, ' ', false, json::error_handler_t::replace); };
  for (const json& m : dump["maps"]) {
    out += fmt::format("  map {} ({}, key {} B, value {} B, max_entries {}):\n", m["name"].get<std::string>(),
                       m["type"].get<std::string>(), m["key_size"].get<u32>(), m["value_size"].get<u32>(),
                       m["max_entries"].get<u32>());
    std::string body;
    if (m.contains("globals")) body = dump_json(m["globals"]);
    else if (m.contains("note")) body = m["note"].get<std::string>();
    else body = dump_json(m["entries"]);
    if (m.contains("more_entries")) body += fmt::format("\n... and {} more entries", m["more_entries"].get<u64>());
    // Indented under its map.
    size_t start = 0;
    while (start <= body.size()) {
      const size_t nl = std::min(body.find('\n', start), body.size());
      out += "    " + body.substr(start, nl - start) + "\n";
      start = nl + 1;
    }
  }
  return out;
}

}  // namespace ups::policy
