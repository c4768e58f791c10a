// Map helpers: bpf_map_lookup/update/delete_elem, push/pop/peek, ringbuf
// and task and cgroup storage. The verifier has checked the argument kinds (a map
// pointer of an allowed type, key and value memory of the map's sizes), so
// these only apply the map's semantics; a map of the wrong type still gets
// Linux's answer (null, -EINVAL) rather than a crash.
#include <cerrno>

#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/helpers.h"
#include "bpf/maps/array_map.h"
#include "bpf/maps/local_storage_map.h"
#include "bpf/maps/map.h"
#include "bpf/maps/ringbuf_map.h"

namespace ups::bpf::helpers {

namespace {
Map* as_map(u64 p) { return reinterpret_cast<Map*>(p); }
void* as_ptr(u64 p) { return reinterpret_cast<void*>(p); }
u64 ret(int err) { return static_cast<u64>(static_cast<s64>(err)); }
u64 ret(const void* p) { return reinterpret_cast<u64>(p); }
int cpu_of(const CallContext& ctx) { return ctx.env ? static_cast<int>(ctx.env->cpu()) : 0; }

RingbufMap* as_ringbuf(u64 p) {
  Map* m = as_map(p);
  return m->type() == MapType::ringbuf ? static_cast<RingbufMap*>(m) : nullptr;
}
LocalStorageMap* as_local_storage(u64 p, MapType type) {
  Map* m = as_map(p);
  return m->type() == type ? static_cast<LocalStorageMap*>(m) : nullptr;
}

// bpf_{task,cgrp}_storage_get: owner_key is the substrate's key for the
// owner pointer, nullopt when it is not a live owner (Linux: a task or
// cgroup on its way out gets no new storage).
u64 local_storage_get(u64 map, MapType type, std::optional<u64> owner_key, u64 value, u64 flags) {
  LocalStorageMap* ls = as_local_storage(map, type);
  if (!ls || (flags & ~BPF_LOCAL_STORAGE_GET_F_CREATE) || !owner_key) return 0;
  return ret(ls->get(*owner_key, as_ptr(value), flags & BPF_LOCAL_STORAGE_GET_F_CREATE));
}

u64 local_storage_delete(u64 map, MapType type, std::optional<u64> owner_key) {
  LocalStorageMap* ls = as_local_storage(map, type);
  if (!ls) return ret(-EINVAL);
  if (!owner_key) return ret(-ENOENT);
  return ret(ls->remove_owner(*owner_key));
}
}  // namespace

u64 map_lookup_elem(CallContext& ctx, u64 map, u64 key, u64, u64, u64) {
  Map* m = as_map(map);
  // Plain arrays (and global data) are the most common lookup: no virtual call.
  if (m->type() == MapType::array) return ret(static_cast<ArrayMap*>(m)->lookup(as_ptr(key), 0));
  return ret(m->lookup(as_ptr(key), cpu_of(ctx)));
}

u64 map_update_elem(CallContext& ctx, u64 map, u64 key, u64 value, u64 flags, u64) {
  return ret(as_map(map)->update(as_ptr(key), as_ptr(value), flags, cpu_of(ctx)));
}

u64 map_delete_elem(CallContext&, u64 map, u64 key, u64, u64, u64) {
  return ret(as_map(map)->remove(as_ptr(key)));
}

u64 map_push_elem(CallContext&, u64 map, u64 value, u64 flags, u64, u64) {
  return ret(as_map(map)->push(as_ptr(value), flags));
}

u64 map_pop_elem(CallContext&, u64 map, u64 value, u64, u64, u64) {
  return ret(as_map(map)->pop(as_ptr(value)));
}

u64 map_peek_elem(CallContext&, u64 map, u64 value, u64, u64, u64) {
  return ret(as_map(map)->peek(as_ptr(value)));
}

u64 ringbuf_output(CallContext&, u64 ringbuf, u64 data, u64 size, u64 flags, u64) {
  RingbufMap* rb = as_ringbuf(ringbuf);
  return rb ? ret(rb->output(as_ptr(data), size, flags)) : ret(-EINVAL);
}

u64 ringbuf_reserve(CallContext&, u64 ringbuf, u64 size, u64 flags, u64, u64) {
  RingbufMap* rb = as_ringbuf(ringbuf);
  return rb ? ret(rb->reserve(size, flags)) : 0;
}

u64 ringbuf_submit(CallContext&, u64 sample, u64 flags, u64, u64, u64) {
  RingbufMap::commit(as_ptr(sample), flags, false);
  return 0;
}

u64 ringbuf_discard(CallContext&, u64 sample, u64 flags, u64, u64, u64) {
  RingbufMap::commit(as_ptr(sample), flags, true);
  return 0;
}

// A null owner pointer: no value (get), -EINVAL (delete), as Linux.
u64 task_storage_get(CallContext& ctx, u64 map, u64 task, u64 value, u64 flags, u64) {
  if (!ctx.env || task == 0) return 0;
  return local_storage_get(map, MapType::task_storage, ctx.env->task_key(task), value, flags);
}

u64 task_storage_delete(CallContext& ctx, u64 map, u64 task, u64, u64, u64) {
  if (!ctx.env || task == 0) return ret(-EINVAL);
  return local_storage_delete(map, MapType::task_storage, ctx.env->task_key(task));
}

u64 cgrp_storage_get(CallContext& ctx, u64 map, u64 cgrp, u64 value, u64 flags, u64) {
  if (!ctx.env || cgrp == 0) return 0;
  return local_storage_get(map, MapType::cgrp_storage, ctx.env->cgroup_key(cgrp), value, flags);
}

u64 cgrp_storage_delete(CallContext& ctx, u64 map, u64 cgrp, u64, u64, u64) {
  if (!ctx.env || cgrp == 0) return ret(-EINVAL);
  return local_storage_delete(map, MapType::cgrp_storage, ctx.env->cgroup_key(cgrp));
}

}  // namespace ups::bpf::helpers
