// btf_value_json: a value in memory, typed by BTF, as bpftool's btf_dumper
// writes it (`bpftool map dump` with BTF): a struct or union as an object
// of its members by name, an integer as a number (bitfields extracted), an
// enum as its enumerator's name, a char array as a string, other arrays as
// arrays, a pointer as a hex string. `upsched sim --dump-maps` prints maps
// and globals this way.
#pragma once

#include <span>

#include <nlohmann/json.hpp>

#include "base/types.h"
#include "bpf/object/btf.h"

namespace ups::bpf {

// Arrays longer than this show their first elements and a "... N more" string.
inline constexpr u32 kDumpMaxElements = 1024;

// `bytes` is the value's memory; a type larger than it dumps as null.
nlohmann::ordered_json btf_value_json(const Btf& btf, u32 type_id, std::span<const u8> bytes);

// Bytes with no type: bpftool's hex form, "0a 00 00 00".
std::string hex_bytes(std::span<const u8> bytes);

}  // namespace ups::bpf
