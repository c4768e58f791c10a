// The prototype table (Linux kernel/bpf/helpers.c, ringbuf.c,
// bpf_task_storage.c, bpf_cgrp_storage.c, kernel/trace/bpf_trace.c *_proto
// definitions).
#include "bpf/helpers/helper_protos.h"

#include <limits>

#include "bpf/helpers/helpers.h"

namespace ups::bpf {

namespace {

using A = HelperArg;
using R = HelperRet;

constexpr s64 kErrMin = -4095;  // -MAX_ERRNO
constexpr s64 kS64Max = std::numeric_limits<s64>::max();

constexpr u64 kKeyedMaps = map_type_bit(MapType::array) | map_type_bit(MapType::percpu_array) |
                           map_type_bit(MapType::hash) | map_type_bit(MapType::percpu_hash) |
                           map_type_bit(MapType::lru_hash);
constexpr u64 kMapInMap = map_type_bit(MapType::array_of_maps) | map_type_bit(MapType::hash_of_maps);
constexpr u64 kQueueStack = map_type_bit(MapType::queue) | map_type_bit(MapType::stack);
constexpr u64 kTimerMaps = map_type_bit(MapType::array) | map_type_bit(MapType::hash) |
                           map_type_bit(MapType::lru_hash);

constexpr u32 id(HelperId h) { return static_cast<u32>(h); }

const HelperProto kProtos[] = {
    {id(HelperId::map_lookup_elem), "bpf_map_lookup_elem", R::map_value_or_null,
     {A::const_map_ptr, A::map_key}, kKeyedMaps | kMapInMap},
    {id(HelperId::map_update_elem), "bpf_map_update_elem", R::integer,
     {A::const_map_ptr, A::map_key, A::map_value, A::scalar}, kKeyedMaps, HelperCallback::none, kErrMin, 0},
    {id(HelperId::map_delete_elem), "bpf_map_delete_elem", R::integer,
     {A::const_map_ptr, A::map_key}, kKeyedMaps, HelperCallback::none, kErrMin, 0},
    {id(HelperId::ktime_get_ns), "bpf_ktime_get_ns", R::integer, {}, 0, HelperCallback::none, 0, kS64Max},
    {id(HelperId::trace_printk), "bpf_trace_printk", R::integer,
     {A::mem_readonly, A::const_size, A::format_value, A::format_value, A::format_value}, 0,
     HelperCallback::none, kErrMin, kS64Max, true, HelperFormat::registers},
    {id(HelperId::get_prandom_u32), "bpf_get_prandom_u32", R::integer, {}, 0, HelperCallback::none, 0,
     0xffffffffLL},
    {id(HelperId::get_smp_processor_id), "bpf_get_smp_processor_id", R::integer, {}, 0,
     HelperCallback::none, 0, kMaxCpus - 1},
    {id(HelperId::map_push_elem), "bpf_map_push_elem", R::integer,
     {A::const_map_ptr, A::map_value, A::scalar}, kQueueStack, HelperCallback::none, kErrMin, 0},
    {id(HelperId::map_pop_elem), "bpf_map_pop_elem", R::integer,
     {A::const_map_ptr, A::map_value_uninit}, kQueueStack, HelperCallback::none, kErrMin, 0},
    {id(HelperId::map_peek_elem), "bpf_map_peek_elem", R::integer,
     {A::const_map_ptr, A::map_value_uninit}, kQueueStack, HelperCallback::none, kErrMin, 0},
    {id(HelperId::spin_lock), "bpf_spin_lock", R::void_, {A::spin_lock}},
    {id(HelperId::spin_unlock), "bpf_spin_unlock", R::void_, {A::spin_lock}},
    {id(HelperId::ktime_get_boot_ns), "bpf_ktime_get_boot_ns", R::integer, {}, 0, HelperCallback::none, 0,
     kS64Max},
    {id(HelperId::ringbuf_output), "bpf_ringbuf_output", R::integer,
     {A::const_map_ptr, A::mem_readonly, A::const_size_or_zero, A::scalar}, map_type_bit(MapType::ringbuf),
     HelperCallback::none, kErrMin, 0},
    {id(HelperId::ringbuf_reserve), "bpf_ringbuf_reserve", R::ringbuf_mem_or_null,
     {A::const_map_ptr, A::const_alloc_size_or_zero, A::scalar}, map_type_bit(MapType::ringbuf)},
    {id(HelperId::ringbuf_submit), "bpf_ringbuf_submit", R::void_, {A::ringbuf_sample, A::scalar}},
    {id(HelperId::ringbuf_discard), "bpf_ringbuf_discard", R::void_, {A::ringbuf_sample, A::scalar}},
    {id(HelperId::task_storage_get), "bpf_task_storage_get", R::map_value_or_null,
     {A::const_map_ptr, A::task_or_null, A::map_value_or_null, A::scalar}, map_type_bit(MapType::task_storage)},
    {id(HelperId::task_storage_delete), "bpf_task_storage_delete", R::integer,
     {A::const_map_ptr, A::task_or_null}, map_type_bit(MapType::task_storage), HelperCallback::none, kErrMin, 0},
    {id(HelperId::snprintf), "bpf_snprintf", R::integer,
     {A::mem_uninit_or_null, A::const_size_or_zero, A::const_str, A::mem_readonly_or_null, A::const_size_or_zero},
     0, HelperCallback::none, kErrMin, kS64Max, false, HelperFormat::array},
    {id(HelperId::strncmp), "bpf_strncmp", R::integer, {A::mem_readonly, A::const_size, A::const_str}, 0,
     HelperCallback::none, -1, 1},
    {id(HelperId::timer_init), "bpf_timer_init", R::integer, {A::timer, A::const_map_ptr, A::scalar},
     kTimerMaps, HelperCallback::none, kErrMin, 0},
    {id(HelperId::timer_set_callback), "bpf_timer_set_callback", R::integer, {A::timer, A::callback}, 0,
     HelperCallback::timer, kErrMin, 0},
    {id(HelperId::timer_start), "bpf_timer_start", R::integer, {A::timer, A::scalar, A::scalar}, 0,
     HelperCallback::none, kErrMin, 0},
    {id(HelperId::timer_cancel), "bpf_timer_cancel", R::integer, {A::timer}, 0, HelperCallback::none, kErrMin,
     1},
    {id(HelperId::trace_vprintk), "bpf_trace_vprintk", R::integer,
     {A::mem_readonly, A::const_size, A::mem_readonly_or_null, A::const_size_or_zero}, 0,
     HelperCallback::none, kErrMin, kS64Max, true, HelperFormat::array},
    {id(HelperId::loop), "bpf_loop", R::integer, {A::scalar, A::callback, A::stack_or_null, A::scalar}, 0,
     HelperCallback::loop, kErrMin, static_cast<s64>(kBpfMaxLoops)},
    {id(HelperId::kptr_xchg), "bpf_kptr_xchg", R::kptr_or_null, {A::kptr_slot, A::kptr_or_null}},
    {id(HelperId::cgrp_storage_get), "bpf_cgrp_storage_get", R::map_value_or_null,
     {A::const_map_ptr, A::cgroup_or_null, A::map_value_or_null, A::scalar}, map_type_bit(MapType::cgrp_storage)},
    {id(HelperId::cgrp_storage_delete), "bpf_cgrp_storage_delete", R::integer,
     {A::const_map_ptr, A::cgroup_or_null}, map_type_bit(MapType::cgrp_storage), HelperCallback::none, kErrMin, 0},
};

}  // namespace

std::span<const HelperProto> helper_protos() { return kProtos; }

const HelperProto* find_helper_proto(u32 helper_id) {
  for (const auto& p : kProtos)
    if (p.id == helper_id) return &p;
  return nullptr;
}

const HelperProto* find_helper_proto(std::string_view name) {
  for (const auto& p : kProtos)
    if (name == p.name) return &p;
  return nullptr;
}

bool helper_accepts_map(const HelperProto& p, MapType t) { return (p.map_types & map_type_bit(t)) != 0; }

}  // namespace ups::bpf
