// The maps and globals of a loaded BPF class, typed from its BTF as
// `bpftool map dump` shows them: what `upsched sim --dump-maps` prints at
// the end of a run (text) and writes under "maps" in --json. Each map lists
// its entries ({"key", "value"}, per-CPU maps {"key", "values": [per CPU]});
// a global-data section (.data, .bss, .rodata) lists its variables by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bpf/maps/map.h"
#include "bpf/object/object.h"

namespace ups::policy {

// A class's maps as the policy host holds them (BpfPolicy::maps(), in
// Object::maps() order); they outlive the class while held here.
struct ClassMaps {
  std::string class_name;
  std::shared_ptr<const bpf::Object> object;
  std::vector<std::shared_ptr<bpf::Map>> maps;
};

// At most this many entries per map are shown; the rest are counted.
inline constexpr u32 kDumpMaxEntries = 4096;

// {"class", "object", "maps": [{"name", "type", "key_size", "value_size",
// "max_entries", "entries" or "globals", ...}]}.
nlohmann::ordered_json dump_class_maps(const ClassMaps& c);
// The same as text: a header line per map, then bpftool's JSON-like lines.
std::string dump_class_maps_text(const nlohmann::ordered_json& dump);

}  // namespace ups::policy
