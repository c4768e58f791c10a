// create_map: the one way to turn a MapDef (from the object loader, or built
// by the host) into a Map, after the attribute checks Linux's map_alloc_check
// functions make. Errors name the map and the bad attribute.
#pragma once

#include <memory>

#include "base/result.h"
#include "bpf/map_def.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

// Upper bound on one map's storage, so a policy cannot ask for more memory
// than the machine has (the per-class limit is the admission layer's).
inline constexpr u64 kMaxMapBytes = u64{1} << 30;
inline constexpr int kMaxMapKeySize = 512;  // MAX_BPF_STACK

// Checks a definition without allocating (also used for inner-map templates
// and by the verifier).
Status validate_map_def(const MapDef& def, int nr_cpus);
// Bytes the map will use for values (the dominant part of memory_bytes()).
u64 map_value_bytes(const MapDef& def, int nr_cpus);

// memory: where the values a program points into live (null: the heap);
// a ring buffer keeps its own on the heap (its header holds the host's
// pointers).
Result<std::unique_ptr<Map>> create_map(const MapDef& def, int nr_cpus,
                                        const std::shared_ptr<ValueMemory>& memory = nullptr);

}  // namespace ups::bpf
