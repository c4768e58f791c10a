// Map helpers: bpf_map_lookup/update/delete_elem, push/pop/peek, ringbuf
// and task storage. The verifier has checked the argument kinds (a map
// pointer of an allowed type, key and value memory of the map's sizes), so
// these only apply the map's semantics; a map of the wrong type still gets
// Linux's answer (null, -EINVAL) rather than a crash.
#include <cerrno>

#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/helpers.h"
#include "bpf/maps/array_map.h"
#include "bpf/maps/map.h"
#include "bpf/maps/ringbuf_map.h"
#include "bpf/maps/task_storage_map.h"

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
TaskStorageMap* as_task_storage(u64 p) {
  Map* m = as_map(p);
  return m->type() == MapType::task_storage ? static_cast<TaskStorageMap*>(m) : nullptr;
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

u64 task_storage_get(CallContext& ctx, u64 map, u64 task, u64 value, u64 flags, u64) {
  TaskStorageMap* ts = as_task_storage(map);
  if (!ts || (flags & ~BPF_LOCAL_STORAGE_GET_F_CREATE) || task == 0 || !ctx.env) return 0;
  std::optional<u64> key = ctx.env->task_key(task);
  if (!key) return 0;  // not a live task (Linux: an exiting task gets no new storage)
  return ret(ts->get(*key, as_ptr(value), flags & BPF_LOCAL_STORAGE_GET_F_CREATE));
}

u64 task_storage_delete(CallContext& ctx, u64 map, u64 task, u64, u64, u64) {
  TaskStorageMap* ts = as_task_storage(map);
  if (!ts || task == 0 || !ctx.env) return ret(-EINVAL);
  std::optional<u64> key = ctx.env->task_key(task);
  if (!key) return ret(-ENOENT);
  return ret(ts->remove_task(*key));
}

}  // namespace ups::bpf::helpers
