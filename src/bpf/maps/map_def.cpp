// map_type_name (declared in bpf/map_def.h): the Linux name of a map type
// without the BPF_MAP_TYPE_ prefix, lower case, as error messages print it.
#include "bpf/map_def.h"

namespace ups::bpf {

const char* map_type_name(MapType t) {
  switch (t) {
    case MapType::hash: return "hash";
    case MapType::array: return "array";
    case MapType::percpu_hash: return "percpu_hash";
    case MapType::percpu_array: return "percpu_array";
    case MapType::lru_hash: return "lru_hash";
    case MapType::array_of_maps: return "array_of_maps";
    case MapType::hash_of_maps: return "hash_of_maps";
    case MapType::queue: return "queue";
    case MapType::stack: return "stack";
    case MapType::ringbuf: return "ringbuf";
    case MapType::task_storage: return "task_storage";
    case MapType::cgrp_storage: return "cgrp_storage";
    case MapType::arena: return "arena";
  }
  return "unknown";
}

}  // namespace ups::bpf
