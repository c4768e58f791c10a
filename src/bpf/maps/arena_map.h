// ArenaMap: BPF_MAP_TYPE_ARENA, a region of up to 4 GiB that a program
// shares with its loader, its pages populated by bpf_arena_alloc_pages and
// returned by bpf_arena_free_pages (Linux kernel/bpf/arena.c).
//
// Addresses: a program holds arena pointers in the user's form (the
// arena's user address, map_extra, + the page offset) or the kernel's (a
// 32-bit offset, after addr_space_cast); an access through one is made at
// base() + (u32)addr + off, as Linux's JIT does with kern_vm_start, so it
// lands inside the reservation whatever the pointer holds.
//
// Faults: the whole reservation (4 GiB and a 64 KiB guard on each side,
// for the 16-bit offset) is mapped at creation, private and lazily
// populated: a load from a page never allocated reads zero, as Linux's
// fault handler gives 0, and never faults the host. A store there lands
// in a page of its own instead of being dropped as Linux drops it; the page
// is zeroed again when it is allocated, so a policy sees what Linux shows
// it once it allocates a page (docs/bpf-arena.md says why).
#pragma once

#include <vector>

#include "bpf/maps/map.h"

namespace ups::bpf {

inline constexpr u64 kArenaPageSize = 4096;
inline constexpr u64 kArenaGuardBytes = 64 * 1024;   // Linux's GUARD_SZ: the reach of a 16-bit offset
inline constexpr u64 kArenaSpanBytes = u64{1} << 32;  // what a 32-bit arena offset spans
// Used as the user address when the object does not set map_extra
// (Linux takes it from the loader's mmap()).
inline constexpr u64 kArenaDefaultUserAddr = u64{1} << 32;

class ArenaMap final : public Map {
public:
  ArenaMap(const MapDef& def, int nr_cpus);
  ~ArenaMap() override;

  // Address of arena offset 0: an access through an arena pointer is at
  // base() + (u32)ptr + off.
  u8* base() const { return base_; }
  // The arena's user address (map_extra): the upper 32 bits of what
  // bpf_arena_alloc_pages returns and of addr_space_cast to the user's form.
  u64 user_vm_start() const { return user_vm_start_; }
  u32 nr_pages() const { return def_.max_entries; }
  u32 pages_allocated() const { return allocated_; }

  // bpf_arena_alloc_pages: page_cnt contiguous zeroed pages at `addr` (a
  // user address of the arena, page aligned) or, for 0, the lowest free
  // ones; their user address, or 0 when they cannot be had.
  u64 alloc_pages(u64 addr, u32 page_cnt);
  // bpf_arena_free_pages: returns the allocated pages among
  // [addr, addr + page_cnt pages); others are ignored.
  void free_pages(u64 addr, u32 page_cnt);
  // bpf_arena_reserve_pages: marks free pages as not to be allocated;
  // 0, or -EBUSY when one is allocated or reserved, -EINVAL out of range.
  int reserve_pages(u64 addr, u32 page_cnt);
  // Whether the page holding arena offset `off32` is allocated.
  bool page_allocated(u32 off32) const;

  // An arena has no elements: lookups find nothing, updates fail.
  void* lookup(const void*, int) override { return nullptr; }
  int update(const void*, const void*, u64, int) override { return -EINVAL; }
  int remove(const void*) override { return -EINVAL; }
  int get_next_key(const void*, void*) override { return -EINVAL; }
  // The whole reservation, writable: accesses through arena pointers stay
  // inside it by construction, and helpers may be handed arena memory.
  void for_each_region(const RegionFn& fn) const override;
  std::size_t memory_bytes() const override { return std::size_t{allocated_} * kArenaPageSize; }

private:
  // The page index of a user address, or -1 when outside the arena.
  s64 page_of(u64 user_addr) const;
  void zero_pages(u64 first, u32 count);

  u8* mapping_ = nullptr;  // the reservation, guards included
  u8* base_ = nullptr;     // mapping_ + guard
  u64 user_vm_start_ = 0;
  enum class Page : u8 { free, allocated, reserved };
  std::vector<Page> pages_;
  u32 allocated_ = 0;
};

}  // namespace ups::bpf
