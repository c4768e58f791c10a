// BTF-defined maps: each variable of the `.maps` section is a struct whose
// members encode the map (libbpf "BTF-defined maps"): `type`,
// `max_entries`, `map_flags`, `key_size`, `value_size` as
// `int (*name)[N]` (N is the value), `key`/`value` as pointers to their
// types, `values` as an array of pointers to the inner map's definition
// (map-in-map). Special fields of the value (bpf_timer, bpf_spin_lock) are
// found by walking the value type.
#pragma once

#include <string>

#include "base/result.h"
#include "bpf/map_def.h"
#include "bpf/object/btf.h"

namespace ups::bpf {

// `var_type` is the VAR's type (the definition struct). Errors name the map.
Result<MapDef> parse_btf_map(const Btf& btf, const std::string& name, u32 var_type);

// Offset of the first member of struct `struct_name` inside type `id`
// (searched through nested structs and arrays' first element), or -1.
s32 find_special_field(const Btf& btf, u32 id, std::string_view struct_name);

}  // namespace ups::bpf
