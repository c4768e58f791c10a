// Map and helper costs as a program sees them: each helper called through
// the helper table (an indirect call, like the interpreter's), on maps of
// the sizes policies use. Policies call these on every scheduling event.
#include <benchmark/benchmark.h>

#include <cstring>

#include "bpf/helpers/helpers.h"
#include "bpf/helpers/manual_env.h"
#include "bpf/maps/map_factory.h"
#include "bpf/maps/ringbuf_map.h"
#include "bpf/maps/local_storage_map.h"

namespace {

using namespace ups;
using namespace ups::bpf;

constexpr u32 kEntries = 4096;

std::unique_ptr<Map> make(MapType t, u32 key, u32 value, u32 entries, u32 flags = 0) {
  MapDef d;
  d.name = "bench";
  d.type = t;
  d.key_size = key;
  d.value_size = value;
  d.max_entries = entries;
  d.map_flags = flags;
  return std::move(*create_map(d, 8));
}

struct Fixture {
  ManualHelperEnv env{1, 8};
  CallContext ctx;
  ExternTable table = make_helper_table();
  Fixture() { ctx.env = &env; }
  u64 call(HelperId id, u64 a = 0, u64 b = 0, u64 c = 0, u64 d = 0) {
    return table.helpers[static_cast<u32>(id)](ctx, a, b, c, d, 0);
  }
};

void lookup_bench(benchmark::State& state, MapType type, u32 key_size, bool miss) {
  Fixture f;
  auto m = make(type, key_size, 8, kEntries);
  u8 key[16] = {};
  for (u32 i = 0; i < kEntries && type != MapType::array && type != MapType::percpu_array; ++i) {
    std::memcpy(key, &i, 4);
    u64 v = i;
    m->update(key, &v, BPF_ANY, 0);
  }
  u32 i = 0;
  for (auto _ : state) {
    u32 k = (i++ & (kEntries - 1)) + (miss ? kEntries : 0);
    std::memcpy(key, &k, 4);
    benchmark::DoNotOptimize(f.call(HelperId::map_lookup_elem, reinterpret_cast<u64>(m.get()),
                                    reinterpret_cast<u64>(key)));
  }
}
BENCHMARK_CAPTURE(lookup_bench, array, MapType::array, 4, false);
BENCHMARK_CAPTURE(lookup_bench, percpu_array, MapType::percpu_array, 4, false);
BENCHMARK_CAPTURE(lookup_bench, hash_u32_hit, MapType::hash, 4, false);
BENCHMARK_CAPTURE(lookup_bench, hash_u32_miss, MapType::hash, 4, true);
BENCHMARK_CAPTURE(lookup_bench, hash_16b_hit, MapType::hash, 16, false);
BENCHMARK_CAPTURE(lookup_bench, percpu_hash_u32_hit, MapType::percpu_hash, 4, false);
BENCHMARK_CAPTURE(lookup_bench, lru_hash_u32_hit, MapType::lru_hash, 4, false);

void hash_update_existing(benchmark::State& state) {
  Fixture f;
  auto m = make(MapType::hash, 4, 8, kEntries);
  for (u32 i = 0; i < kEntries; ++i) m->update(&i, &i, BPF_ANY, 0);
  u32 i = 0;
  for (auto _ : state) {
    u32 k = i++ & (kEntries - 1);
    u64 v = k;
    benchmark::DoNotOptimize(f.call(HelperId::map_update_elem, reinterpret_cast<u64>(m.get()),
                                    reinterpret_cast<u64>(&k), reinterpret_cast<u64>(&v), BPF_ANY));
  }
}
BENCHMARK(hash_update_existing);

void hash_insert_delete(benchmark::State& state) {
  Fixture f;
  auto m = make(MapType::hash, 4, 8, kEntries);
  u32 i = 0;
  for (auto _ : state) {
    u32 k = i++;
    u64 v = k;
    f.call(HelperId::map_update_elem, reinterpret_cast<u64>(m.get()), reinterpret_cast<u64>(&k),
           reinterpret_cast<u64>(&v), BPF_NOEXIST);
    f.call(HelperId::map_delete_elem, reinterpret_cast<u64>(m.get()), reinterpret_cast<u64>(&k));
  }
}
BENCHMARK(hash_insert_delete);

void queue_push_pop(benchmark::State& state) {
  Fixture f;
  auto q = make(MapType::queue, 0, 4, kEntries);
  u32 v = 1, out;
  for (auto _ : state) {
    f.call(HelperId::map_push_elem, reinterpret_cast<u64>(q.get()), reinterpret_cast<u64>(&v), BPF_ANY);
    benchmark::DoNotOptimize(f.call(HelperId::map_pop_elem, reinterpret_cast<u64>(q.get()), reinterpret_cast<u64>(&out)));
  }
}
BENCHMARK(queue_push_pop);

void task_storage_get(benchmark::State& state) {
  Fixture f;
  auto m = make(MapType::task_storage, 4, 16, 0, BPF_F_NO_PREALLOC);
  static int tasks[256];
  for (u32 i = 0; i < 256; ++i) f.env.add_task(reinterpret_cast<u64>(&tasks[i]), 1000 + i);
  u32 i = 0;
  for (auto _ : state) {
    u64 task = reinterpret_cast<u64>(&tasks[i++ & 255]);
    benchmark::DoNotOptimize(f.call(HelperId::task_storage_get, reinterpret_cast<u64>(m.get()), task, 0,
                                    BPF_LOCAL_STORAGE_GET_F_CREATE));
  }
}
BENCHMARK(task_storage_get);

void ringbuf_output_consume(benchmark::State& state) {
  Fixture f;
  auto rb = make(MapType::ringbuf, 0, 0, 1u << 16);
  auto* ring = static_cast<RingbufMap*>(rb.get());
  u64 payload[4] = {1, 2, 3, 4};
  u64 n = 0;
  for (auto _ : state) {
    f.call(HelperId::ringbuf_output, reinterpret_cast<u64>(rb.get()), reinterpret_cast<u64>(payload),
           sizeof payload, 0);
    if ((++n & 255) == 0) ring->consume([](std::span<const u8>) {});
  }
}
BENCHMARK(ringbuf_output_consume);

void trace_printk(benchmark::State& state) {
  Fixture f;
  const char fmt[] = "cpu %d picked pid %d vtime %llu\n";
  for (auto _ : state) {
    f.call(HelperId::trace_printk, reinterpret_cast<u64>(fmt), sizeof fmt, 3, 1234);
    if (f.env.trace_lines().size() > 4096) f.env.clear_trace();
  }
}
BENCHMARK(trace_printk);

}  // namespace

BENCHMARK_MAIN();
