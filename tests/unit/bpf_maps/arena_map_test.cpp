// Arena map: Linux's attribute checks, pages allocated first fit (or at an
// address), zeroed when allocated, and the reservation every arena access
// lands in.
#include "bpf/maps/arena_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;

MapDef arena_def(u32 pages, u64 map_extra = u64{1} << 44, u32 flags = BPF_F_MMAPABLE) {
  MapDef d = make_def(MapType::arena, 0, 0, pages, flags, "arena");
  d.map_extra = map_extra;
  return d;
}

std::unique_ptr<ArenaMap> make_arena(u32 pages) {
  auto m = create_map(arena_def(pages), 1);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().to_string());
  return std::unique_ptr<ArenaMap>(static_cast<ArenaMap*>(m->release()));
}

std::string refusal(const MapDef& d) {
  auto st = validate_map_def(d, 1);
  return st ? "" : st.error().message;
}

TEST(ArenaMap, AttributesAreCheckedAsLinuxChecksThem) {
  EXPECT_EQ(refusal(arena_def(16)), "");
  EXPECT_NE(refusal(arena_def(16, u64{1} << 44, 0)).find("BPF_F_MMAPABLE"), std::string::npos);
  EXPECT_NE(refusal(arena_def(0)).find("max_entries"), std::string::npos);
  EXPECT_NE(refusal(arena_def((1u << 20) + 1)).find("4 GiB"), std::string::npos);
  EXPECT_NE(refusal(arena_def(16, (u64{1} << 44) + 12)).find("page aligned"), std::string::npos);
  // 16 pages from 4 KiB below a 4 GiB boundary would cross it.
  EXPECT_NE(refusal(arena_def(16, (u64{1} << 32) - 4096)).find("4 GiB boundary"), std::string::npos);
  MapDef keyed = arena_def(16);
  keyed.key_size = 4;
  EXPECT_NE(refusal(keyed).find("key_size"), std::string::npos);
}

TEST(ArenaMap, PagesComeFirstFitAtTheArenasUserAddress) {
  auto a = make_arena(8);
  const u64 user = u64{1} << 44;
  EXPECT_EQ(a->alloc_pages(0, 2), user);
  EXPECT_EQ(a->alloc_pages(0, 1), user + 2 * kArenaPageSize);
  EXPECT_EQ(a->pages_allocated(), 3u);
  a->free_pages(user, 2);
  EXPECT_EQ(a->alloc_pages(0, 3), user + 3 * kArenaPageSize);  // the hole of 2 is too small
  EXPECT_EQ(a->alloc_pages(0, 2), user);
  EXPECT_EQ(a->alloc_pages(0, 4), 0u);  // 1 page left
  EXPECT_EQ(a->alloc_pages(user + 5 * kArenaPageSize, 1), 0u);  // taken by the 3
  EXPECT_EQ(a->alloc_pages(user + 7 * kArenaPageSize, 1), user + 7 * kArenaPageSize);
  EXPECT_EQ(a->alloc_pages(user + 8 * kArenaPageSize, 1), 0u);  // outside
  EXPECT_EQ(a->alloc_pages(0, 0), 0u);
  EXPECT_EQ(a->memory_bytes(), 7 * kArenaPageSize);
}

TEST(ArenaMap, AnAllocatedPageIsZeroedWhateverWasStoredThereBefore) {
  auto a = make_arena(4);
  u8* page1 = a->base() + kArenaPageSize;  // arena offset of page 1 (map_extra's low half is 0)
  EXPECT_EQ(page1[5], 0);                   // never written: reads zero, no fault
  page1[5] = 7;                             // a stray store before the page is allocated
  EXPECT_EQ(a->alloc_pages((u64{1} << 44) + kArenaPageSize, 1), (u64{1} << 44) + kArenaPageSize);
  EXPECT_EQ(page1[5], 0);
  page1[5] = 9;
  EXPECT_TRUE(a->page_allocated(static_cast<u32>(kArenaPageSize + 5)));
  a->free_pages((u64{1} << 44) + kArenaPageSize, 1);
  EXPECT_FALSE(a->page_allocated(static_cast<u32>(kArenaPageSize + 5)));
  EXPECT_EQ(page1[5], 0);  // freed pages are dropped
}

TEST(ArenaMap, ReservedPagesAreNotAllocated) {
  auto a = make_arena(4);
  const u64 user = u64{1} << 44;
  EXPECT_EQ(a->reserve_pages(user, 2), 0);
  EXPECT_EQ(a->reserve_pages(user, 1), -EBUSY);
  EXPECT_EQ(a->reserve_pages(user + 4 * kArenaPageSize, 1), -EINVAL);
  EXPECT_EQ(a->alloc_pages(0, 1), user + 2 * kArenaPageSize);
  EXPECT_EQ(a->alloc_pages(user, 1), 0u);
}

TEST(ArenaMap, EveryArenaAccessLandsInItsOneRegion) {
  auto a = make_arena(1);
  int regions = 0;
  a->for_each_region([&](void* p, std::size_t size, bool writable) {
    ++regions;
    const auto begin = reinterpret_cast<u64>(p);
    const auto base = reinterpret_cast<u64>(a->base());
    // base + (u32)x + off for any x and 16-bit off, 8 bytes wide
    EXPECT_LE(begin, base - 32768);
    EXPECT_GE(begin + size, base + 0xffffffffULL + 32767 + 8);
    EXPECT_TRUE(writable);
  });
  EXPECT_EQ(regions, 1);
  EXPECT_EQ(a->lookup(nullptr, 0), nullptr);
  EXPECT_EQ(a->update(nullptr, nullptr, 0, 0), -EINVAL);
}

}  // namespace
}  // namespace ups::bpf
