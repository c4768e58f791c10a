// ArenaMap (arena_map.h): the reservation, and pages allocated first-fit
// as Linux's range tree gives them.
#include "bpf/maps/arena_map.h"

#include <sys/mman.h>

#include "base/assert.h"

namespace ups::bpf {

namespace {
constexpr u64 kMappingBytes = kArenaSpanBytes + 2 * kArenaGuardBytes;
}  // namespace

ArenaMap::ArenaMap(const MapDef& def, int nr_cpus)
    : Map(def, nr_cpus),
      user_vm_start_(def.map_extra ? def.map_extra : kArenaDefaultUserAddr),
      pages_(def.max_entries, Page::free) {
  void* m = ::mmap(nullptr, kMappingBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  UPS_ASSERT(m != MAP_FAILED);  // address space only; a 64-bit host has it
  mapping_ = static_cast<u8*>(m);
  base_ = mapping_ + kArenaGuardBytes;
}

ArenaMap::~ArenaMap() { ::munmap(mapping_, kMappingBytes); }

s64 ArenaMap::page_of(u64 user_addr) const {
  if (user_addr < user_vm_start_ || user_addr % kArenaPageSize != 0) return -1;
  const u64 page = (user_addr - user_vm_start_) / kArenaPageSize;
  return page < pages_.size() ? static_cast<s64>(page) : -1;
}

bool ArenaMap::page_allocated(u32 off32) const {
  const u32 start = static_cast<u32>(user_vm_start_);
  const u64 page = static_cast<u32>(off32 - start) / kArenaPageSize;
  return page < pages_.size() && pages_[page] == Page::allocated;
}

// Pages come back zeroed: what a stray store left there is dropped.
void ArenaMap::zero_pages(u64 first, u32 count) {
  const u32 off = static_cast<u32>(user_vm_start_ + first * kArenaPageSize);
  ::madvise(base_ + off, u64{count} * kArenaPageSize, MADV_DONTNEED);
}

u64 ArenaMap::alloc_pages(u64 addr, u32 page_cnt) {
  if (page_cnt == 0 || page_cnt > pages_.size()) return 0;
  u64 first = 0;
  if (addr) {
    const s64 p = page_of(addr);
    if (p < 0 || static_cast<u64>(p) + page_cnt > pages_.size()) return 0;
    first = static_cast<u64>(p);
    for (u64 i = first; i < first + page_cnt; ++i)
      if (pages_[i] != Page::free) return 0;
  } else {
    u64 run = 0;
    bool found = false;
    for (u64 i = 0; i < pages_.size(); ++i) {
      run = pages_[i] == Page::free ? run + 1 : 0;
      if (run == page_cnt) {
        first = i + 1 - page_cnt;
        found = true;
        break;
      }
    }
    if (!found) return 0;
  }
  for (u64 i = first; i < first + page_cnt; ++i) pages_[i] = Page::allocated;
  allocated_ += page_cnt;
  zero_pages(first, page_cnt);
  bump_regions();
  return user_vm_start_ + first * kArenaPageSize;
}

void ArenaMap::free_pages(u64 addr, u32 page_cnt) {
  const u64 aligned = addr & ~(kArenaPageSize - 1);
  const s64 p = page_of(aligned);
  if (p < 0) return;
  for (u64 i = static_cast<u64>(p); i < pages_.size() && i < static_cast<u64>(p) + page_cnt; ++i) {
    if (pages_[i] != Page::allocated) continue;
    pages_[i] = Page::free;
    --allocated_;
    zero_pages(i, 1);
  }
}

int ArenaMap::reserve_pages(u64 addr, u32 page_cnt) {
  const s64 p = page_of(addr & ~(kArenaPageSize - 1));
  if (p < 0 || static_cast<u64>(p) + page_cnt > pages_.size()) return -EINVAL;
  for (u64 i = static_cast<u64>(p); i < static_cast<u64>(p) + page_cnt; ++i)
    if (pages_[i] != Page::free) return -EBUSY;
  for (u64 i = static_cast<u64>(p); i < static_cast<u64>(p) + page_cnt; ++i) pages_[i] = Page::reserved;
  return 0;
}

void ArenaMap::for_each_region(const RegionFn& fn) const { fn(mapping_, kMappingBytes, true); }

}  // namespace ups::bpf
