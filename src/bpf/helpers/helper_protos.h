// Helper prototypes as plain data, for the verifier (and the policy host,
// which turns them into its per-callback API sets): Linux's struct
// bpf_func_proto for each helper upsched implements (helpers.h), plus the
// map types each map-taking helper accepts (Linux
// check_map_func_compatibility) and the shape of callbacks.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "base/types.h"
#include "bpf/map_def.h"

namespace ups::bpf {

enum class HelperArg : u8 {
  none,
  scalar,              // ARG_ANYTHING used as a number (flags, sizes, nsecs)
  anything,            // ARG_ANYTHING that may be any value (passed through)
  const_map_ptr,       // ARG_CONST_MAP_PTR; map type in HelperProto::map_types
  map_key,             // ARG_PTR_TO_MAP_KEY: key_size readable bytes of the map argument
  map_value,           // ARG_PTR_TO_MAP_VALUE: value_size readable bytes
  map_value_uninit,    // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT: value_size bytes the call writes
  map_value_or_null,   // ARG_PTR_TO_MAP_VALUE_OR_NULL
  mem_readonly,        // ARG_PTR_TO_MEM | MEM_RDONLY; size in the next argument
  mem_readonly_or_null,// ... | PTR_MAYBE_NULL (null only with size 0)
  mem_uninit_or_null,  // ARG_PTR_TO_MEM | MEM_UNINIT | PTR_MAYBE_NULL; size in the next argument
  const_size,          // ARG_CONST_SIZE: > 0, known bounds
  const_size_or_zero,  // ARG_CONST_SIZE_OR_ZERO
  const_alloc_size_or_zero,  // ARG_CONST_ALLOC_SIZE_OR_ZERO (ringbuf reserve: a constant)
  const_str,           // ARG_PTR_TO_CONST_STR: NUL-terminated string in a read-only map
  callback,            // ARG_PTR_TO_FUNC: a subprogram's instruction index
  stack_or_null,       // ARG_PTR_TO_STACK_OR_NULL (bpf_loop's callback context)
  timer,               // ARG_PTR_TO_TIMER: the bpf_timer field of a map value
  spin_lock,           // ARG_PTR_TO_SPIN_LOCK: the bpf_spin_lock field of a map value
  task_or_null,        // ARG_PTR_TO_BTF_ID_OR_NULL to struct task_struct
  cgroup_or_null,      // ARG_PTR_TO_BTF_ID_OR_NULL to struct cgroup
  ringbuf_sample,      // ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE: a reserved sample
  kptr_slot,           // ARG_KPTR_XCHG_DEST: a __kptr field of a map value
  kptr_or_null,        // ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE: an owning reference of the field's type
  format_value,        // a value the format converts (bpf_trace_printk's R3-R5): read
                       // only if the format has that many conversions
};

// Printf-like helpers: where the values of the format come from. The
// format is the first mem_readonly (with its size after it) or const_str
// argument; the values follow it.
enum class HelperFormat : u8 {
  none,
  registers,  // format_value arguments
  array,      // a mem_readonly_or_null array of u64 and its byte size
};

enum class HelperRet : u8 {
  integer,               // RET_INTEGER (range in ret_min..ret_max)
  void_,                 // RET_VOID
  map_value_or_null,     // RET_PTR_TO_MAP_VALUE_OR_NULL (value of the map argument; an inner map for map-in-map)
  ringbuf_mem_or_null,   // RET_PTR_TO_RINGBUF_MEM_OR_NULL, size = the constant second argument; acquires a reference
  kptr_or_null,          // RET_PTR_TO_BTF_ID_OR_NULL: the object that was in the __kptr field (owning)
};

// The callback a helper calls, and what the verifier must give and require.
enum class HelperCallback : u8 {
  none,
  loop,   // u64 (*)(u64 index, void* ctx); returns 0 (continue) or 1 (stop)
  timer,  // int (*)(void* map, void* key, void* value); returns 0
};

struct HelperProto {
  u32 id = 0;
  const char* name = "";  // "bpf_map_lookup_elem"
  HelperRet ret = HelperRet::integer;
  std::array<HelperArg, 5> args{};
  // Bit (1 << MapType value) for each map type the const_map_ptr argument
  // may be; 0 when there is no map argument.
  u64 map_types = 0;
  HelperCallback callback = HelperCallback::none;
  s64 ret_min = 0, ret_max = 0;  // integer results (inclusive)
  bool gpl_only = false;
  HelperFormat format = HelperFormat::none;
};

inline constexpr u64 map_type_bit(MapType t) { return u64{1} << static_cast<u32>(t); }

std::span<const HelperProto> helper_protos();
const HelperProto* find_helper_proto(u32 id);
const HelperProto* find_helper_proto(std::string_view name);
// Whether a helper may take a map of this type (false if it takes no map).
bool helper_accepts_map(const HelperProto& p, MapType t);

}  // namespace ups::bpf
