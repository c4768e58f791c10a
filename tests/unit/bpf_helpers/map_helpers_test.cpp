// Map helpers called as a program calls them (through the helper table):
// bpf_map_lookup/update/delete_elem, push/pop/peek, ringbuf and task storage.
#include <cstring>

#include "bpf/maps/map_of_maps.h"
#include "bpf/maps/ringbuf_map.h"
#include "bpf/maps/local_storage_map.h"
#include "helper_test_util.h"

namespace ups::bpf {
namespace {

using test::err;
using test::new_map;
using test::Prog;

// bpf_map_lookup_elem returns a pointer into the map that the program can
// write through; update and delete return Linux's errors.
TEST(MapHelpers, LookupUpdateDeleteOnAHash) {
  Prog p;
  auto m = new_map(MapType::hash, 4, 8, 2);
  u32 k = 3;
  u64 v = 77;
  EXPECT_EQ(p.call(HelperId::map_lookup_elem, m.get(), &k), 0u);
  EXPECT_EQ(err(p.call(HelperId::map_update_elem, m.get(), &k, &v, BPF_NOEXIST)), 0);
  EXPECT_EQ(err(p.call(HelperId::map_update_elem, m.get(), &k, &v, BPF_NOEXIST)), -EEXIST);
  auto* pv = reinterpret_cast<u64*>(p.call(HelperId::map_lookup_elem, m.get(), &k));
  ASSERT_NE(pv, nullptr);
  EXPECT_EQ(*pv, 77u);
  *pv = 78;  // programs write map values in place
  u64 out;
  ASSERT_EQ(m->host_lookup(&k, &out), 0);
  EXPECT_EQ(out, 78u);
  EXPECT_EQ(err(p.call(HelperId::map_delete_elem, m.get(), &k)), 0);
  EXPECT_EQ(err(p.call(HelperId::map_delete_elem, m.get(), &k)), -ENOENT);
}

// Linux: array delete returns -EINVAL, also through the helper.
TEST(MapHelpers, ArrayDeleteReturnsEinval) {
  Prog p;
  auto m = new_map(MapType::array, 4, 8, 2);
  u32 k = 0;
  EXPECT_EQ(err(p.call(HelperId::map_delete_elem, m.get(), &k)), -EINVAL);
}

// The per-CPU map a program sees is the one of the CPU it runs on
// (bpf_get_smp_processor_id's CPU).
TEST(MapHelpers, PercpuLookupFollowsTheRunningCpu) {
  Prog p;
  auto m = new_map(MapType::percpu_array, 4, 8, 1);
  u32 k = 0;
  for (u32 cpu = 0; cpu < 4; ++cpu) {
    p.env.set_cpu(cpu);
    EXPECT_EQ(p.call(HelperId::get_smp_processor_id), cpu);
    *reinterpret_cast<u64*>(p.call(HelperId::map_lookup_elem, m.get(), &k)) += 10 + cpu;
  }
  for (int cpu = 0; cpu < 4; ++cpu) EXPECT_EQ(*static_cast<u64*>(m->lookup(&k, cpu)), 10u + cpu);
}

// bpf_map_push/pop/peek_elem on a queue; pop on empty returns -ENOENT.
TEST(MapHelpers, QueuePushPopPeek) {
  Prog p;
  auto q = new_map(MapType::queue, 0, 4, 2);
  u32 a = 1, b = 2, c = 3, out = 0;
  EXPECT_EQ(err(p.call(HelperId::map_push_elem, q.get(), &a, BPF_ANY)), 0);
  EXPECT_EQ(err(p.call(HelperId::map_push_elem, q.get(), &b, BPF_ANY)), 0);
  EXPECT_EQ(err(p.call(HelperId::map_push_elem, q.get(), &c, BPF_ANY)), -E2BIG);
  EXPECT_EQ(err(p.call(HelperId::map_peek_elem, q.get(), &out)), 0);
  EXPECT_EQ(out, 1u);
  EXPECT_EQ(err(p.call(HelperId::map_pop_elem, q.get(), &out)), 0);
  EXPECT_EQ(err(p.call(HelperId::map_pop_elem, q.get(), &out)), 0);
  EXPECT_EQ(out, 2u);
  EXPECT_EQ(err(p.call(HelperId::map_pop_elem, q.get(), &out)), -ENOENT);
}

// bpf_ringbuf_reserve/submit/discard/output as programs use them, read by
// the host.
TEST(MapHelpers, RingbufReserveSubmitDiscardOutput) {
  Prog p;
  auto m = new_map(MapType::ringbuf, 0, 0, 4096);
  auto* rb = static_cast<RingbufMap*>(m.get());
  auto* s = reinterpret_cast<char*>(p.call(HelperId::ringbuf_reserve, m.get(), 4, 0));
  ASSERT_NE(s, nullptr);
  std::memcpy(s, "abcd", 4);
  EXPECT_EQ(p.call(HelperId::ringbuf_submit, s, 0), 0u);
  auto* d = reinterpret_cast<char*>(p.call(HelperId::ringbuf_reserve, m.get(), 4, 0));
  EXPECT_EQ(p.call(HelperId::ringbuf_discard, d, 0), 0u);
  EXPECT_EQ(err(p.call(HelperId::ringbuf_output, m.get(), "xyz", 3, 0)), 0);
  EXPECT_EQ(p.call(HelperId::ringbuf_reserve, m.get(), 5000, 0), 0u);  // over capacity
  std::vector<std::string> got;
  rb->consume([&](std::span<const u8> r) { got.emplace_back(r.begin(), r.end()); });
  EXPECT_EQ(got, (std::vector<std::string>{"abcd", "xyz"}));
}

// bpf_task_storage_get: null for a null or unknown task, without F_CREATE,
// or with unknown flags; F_CREATE makes the value from the init bytes.
// bpf_task_storage_delete: -EINVAL for a null task, -ENOENT when absent.
TEST(MapHelpers, TaskStorageGetAndDelete) {
  Prog p;
  auto m = new_map(MapType::task_storage, 4, 8, 0, BPF_F_NO_PREALLOC);
  int task_a = 0, task_b = 0;  // stand-ins for task_struct objects
  p.env.add_task(reinterpret_cast<u64>(&task_a), 100);
  u64 init = 0x1234;
  EXPECT_EQ(p.call(HelperId::task_storage_get, m.get(), &task_a, &init, 0), 0u);
  EXPECT_EQ(p.call(HelperId::task_storage_get, m.get(), 0, &init, BPF_LOCAL_STORAGE_GET_F_CREATE), 0u);
  EXPECT_EQ(p.call(HelperId::task_storage_get, m.get(), &task_b, &init, BPF_LOCAL_STORAGE_GET_F_CREATE), 0u);
  EXPECT_EQ(p.call(HelperId::task_storage_get, m.get(), &task_a, &init, 2), 0u);
  auto* v = reinterpret_cast<u64*>(
      p.call(HelperId::task_storage_get, m.get(), &task_a, &init, BPF_LOCAL_STORAGE_GET_F_CREATE));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 0x1234u);
  EXPECT_EQ(p.call(HelperId::task_storage_get, m.get(), &task_a, 0, 0), reinterpret_cast<u64>(v));
  EXPECT_EQ(static_cast<LocalStorageMap*>(m.get())->get(100, nullptr, false), v);  // keyed by the task key
  EXPECT_EQ(err(p.call(HelperId::task_storage_delete, m.get(), 0)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::task_storage_delete, m.get(), &task_a)), 0);
  EXPECT_EQ(err(p.call(HelperId::task_storage_delete, m.get(), &task_a)), -ENOENT);
}

// bpf_cgrp_storage_get/delete: the same rules for cgroups, keyed by the
// cgroup id; a cgroup that is gone (not live) gets no value and its
// delete is -ENOENT; a task storage map is not a cgroup storage map.
TEST(MapHelpers, CgrpStorageGetAndDelete) {
  Prog p;
  auto m = new_map(MapType::cgrp_storage, 4, 8, 0, BPF_F_NO_PREALLOC);
  auto ts = new_map(MapType::task_storage, 4, 8, 0, BPF_F_NO_PREALLOC);
  int cg_a = 0, cg_b = 0;  // stand-ins for struct cgroup objects
  p.env.add_cgroup(reinterpret_cast<u64>(&cg_a), 7);
  u64 init = 0x77;
  EXPECT_EQ(p.call(HelperId::cgrp_storage_get, m.get(), &cg_a, &init, 0), 0u);
  EXPECT_EQ(p.call(HelperId::cgrp_storage_get, m.get(), 0, &init, BPF_LOCAL_STORAGE_GET_F_CREATE), 0u);
  EXPECT_EQ(p.call(HelperId::cgrp_storage_get, m.get(), &cg_b, &init, BPF_LOCAL_STORAGE_GET_F_CREATE), 0u);
  EXPECT_EQ(p.call(HelperId::cgrp_storage_get, ts.get(), &cg_a, &init, BPF_LOCAL_STORAGE_GET_F_CREATE), 0u);
  auto* v = reinterpret_cast<u64*>(
      p.call(HelperId::cgrp_storage_get, m.get(), &cg_a, &init, BPF_LOCAL_STORAGE_GET_F_CREATE));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 0x77u);
  EXPECT_EQ(p.call(HelperId::cgrp_storage_get, m.get(), &cg_a, 0, BPF_LOCAL_STORAGE_GET_F_CREATE),
            reinterpret_cast<u64>(v));  // an existing value is kept
  EXPECT_EQ(static_cast<LocalStorageMap*>(m.get())->get(7, nullptr, false), v);  // keyed by the cgroup id
  EXPECT_EQ(err(p.call(HelperId::cgrp_storage_delete, m.get(), 0)), -EINVAL);
  EXPECT_EQ(err(p.call(HelperId::cgrp_storage_delete, m.get(), &cg_a)), 0);
  EXPECT_EQ(err(p.call(HelperId::cgrp_storage_delete, m.get(), &cg_a)), -ENOENT);
  p.env.remove_cgroup(reinterpret_cast<u64>(&cg_a));
  EXPECT_EQ(p.call(HelperId::cgrp_storage_get, m.get(), &cg_a, &init, BPF_LOCAL_STORAGE_GET_F_CREATE), 0u);
}

// A map-of-maps lookup yields an inner map the program passes on.
TEST(MapHelpers, InnerMapFromLookupWorksWithMapHelpers) {
  Prog p;
  MapDef inner;
  inner.name = "q";
  inner.type = MapType::queue;
  inner.value_size = 4;
  inner.max_entries = 4;
  MapDef outer;
  outer.name = "outer";
  outer.type = MapType::array_of_maps;
  outer.key_size = 4;
  outer.value_size = 4;
  outer.max_entries = 2;
  outer.inner = std::make_shared<MapDef>(inner);
  auto o = create_map(outer, 4);
  ASSERT_TRUE(o.has_value());
  auto q = create_map(inner, 4);
  std::shared_ptr<Map> qs(std::move(*q));
  u32 k = 1;
  ASSERT_EQ(static_cast<MapOfMaps*>(o->get())->set_inner(&k, qs, BPF_ANY), 0);
  u64 inner_ptr = p.call(HelperId::map_lookup_elem, o->get(), &k);
  ASSERT_EQ(inner_ptr, reinterpret_cast<u64>(qs.get()));
  u32 v = 5, out = 0;
  EXPECT_EQ(err(p.call(HelperId::map_push_elem, inner_ptr, &v, BPF_ANY)), 0);
  EXPECT_EQ(qs->pop(&out), 0);
  EXPECT_EQ(out, 5u);
}

}  // namespace
}  // namespace ups::bpf
