// Ring buffer: Linux ringbuf.c record format and space accounting, and the
// host-side consumer.
#include <string>

#include "base/rng.h"
#include "bpf/maps/ringbuf_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::read_as;

std::unique_ptr<RingbufMap> make_rb(u32 size = 4096) {
  auto m = create_map(make_def(MapType::ringbuf, 0, 0, size, 0, "rb"), 1);
  EXPECT_TRUE(m.has_value());
  return std::unique_ptr<RingbufMap>(static_cast<RingbufMap*>(m->release()));
}

std::vector<std::string> consume_all(RingbufMap& rb) {
  std::vector<std::string> out;
  rb.consume([&](std::span<const u8> rec) { out.emplace_back(rec.begin(), rec.end()); });
  return out;
}

// Records are an 8-byte header (length, BUSY while reserved) plus data,
// padded to 8 bytes; the host sees submitted records in order.
TEST(RingbufMap, ReserveSubmitConsumeRoundTrip) {
  auto rb = make_rb();
  auto* a = static_cast<char*>(rb->reserve(5, 0));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 8, 0u);
  EXPECT_EQ(read_as<u32>(a - 8), 5u | BPF_RINGBUF_BUSY_BIT);
  std::memcpy(a, "hello", 5);
  RingbufMap::commit(a, 0, false);
  EXPECT_EQ(read_as<u32>(a - 8), 5u);
  EXPECT_EQ(rb->producer_pos(), 16u);
  ASSERT_EQ(rb->output("world!", 6, 0), 0);
  EXPECT_EQ(consume_all(*rb), (std::vector<std::string>{"hello", "world!"}));
  EXPECT_EQ(rb->avail_data(), 0u);
}

// What a confined policy's submit and discard are checked with: a reserved
// sample of this ring, and nothing else (another ring's, a submitted one,
// one whose header the program overwrote, an address inside a record).
TEST(RingbufMap, HoldsReservedKnowsItsOwnSamplesOnly) {
  auto rb = make_rb(), other = make_rb();
  auto* a = static_cast<u8*>(rb->reserve(16, 0));
  auto* b = static_cast<u8*>(other->reserve(16, 0));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(rb->holds_reserved(a));
  EXPECT_FALSE(rb->holds_reserved(b));
  EXPECT_FALSE(rb->holds_reserved(a + 8));
  EXPECT_FALSE(rb->holds_reserved(a - 8));
  auto* c = static_cast<u8*>(rb->reserve(8, 0));
  ASSERT_NE(c, nullptr);
  const u32 pg_off = read_as<u32>(c - 4);
  std::memcpy(c - 4, "\xff\xff\0\0", 4);  // a forged page offset
  EXPECT_FALSE(rb->holds_reserved(c));
  std::memcpy(c - 4, &pg_off, 4);
  EXPECT_TRUE(rb->holds_reserved(c));
  RingbufMap::commit(a, 0, false);
  EXPECT_FALSE(rb->holds_reserved(a)) << "submitted already";
}

// Linux __bpf_ringbuf_reserve: the producer may not get more than size - 1
// bytes ahead of the consumer, so a reservation over capacity gives null.
TEST(RingbufMap, ReserveOverCapacityReturnsNull) {
  auto rb = make_rb(4096);
  EXPECT_EQ(rb->reserve(4096, 0), nullptr);
  EXPECT_EQ(rb->reserve(4081, 0), nullptr);  // 4081 + 8 rounds to 4096 > 4095
  void* s = rb->reserve(4080, 0);            // 4088 bytes: fits
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(rb->reserve(1, 0), nullptr);  // 16 more bytes would pass the consumer
  RingbufMap::commit(s, 0, false);
  EXPECT_EQ(rb->output("x", 1, 0), -EAGAIN);
  EXPECT_EQ(consume_all(*rb).size(), 1u);
  EXPECT_NE(rb->reserve(1, 0), nullptr);
}

// Linux: reserve takes no flags (null otherwise); output accepts only the
// wakeup flags (-EINVAL otherwise).
TEST(RingbufMap, FlagsAreChecked) {
  auto rb = make_rb();
  EXPECT_EQ(rb->reserve(8, 1), nullptr);
  EXPECT_EQ(rb->output("x", 1, 4), -EINVAL);
  EXPECT_EQ(rb->output("x", 1, BPF_RB_NO_WAKEUP), 0);
  EXPECT_EQ(rb->output("y", 1, BPF_RB_FORCE_WAKEUP), 0);
  EXPECT_EQ(rb->wakeups(), 1u);
}

// The consumer stops at a record still reserved (BUSY) and skips discarded
// ones (DISCARD bit), like libbpf's ring_buffer__consume.
TEST(RingbufMap, ConsumerStopsAtBusyAndSkipsDiscarded) {
  auto rb = make_rb();
  void* a = rb->reserve(3, 0);
  void* b = rb->reserve(3, 0);
  void* c = rb->reserve(3, 0);
  std::memcpy(a, "aaa", 3);
  std::memcpy(b, "bbb", 3);
  std::memcpy(c, "ccc", 3);
  RingbufMap::commit(b, 0, true);   // discarded
  RingbufMap::commit(c, 0, false);  // submitted, but behind a busy record
  EXPECT_TRUE(consume_all(*rb).empty());
  RingbufMap::commit(a, 0, false);
  EXPECT_EQ(consume_all(*rb), (std::vector<std::string>{"aaa", "ccc"}));
}

// A record that crosses the end of the ring is still contiguous for the
// program and arrives intact.
TEST(RingbufMap, WrappingRecordIsContiguous) {
  auto rb = make_rb(4096);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(rb->output(std::string(1000, 'a' + i).data(), 1000, 0), 0);
    consume_all(*rb);
  }
  // Producer at 3 * 1008 = 3024; a 2000-byte record crosses 4096.
  std::string big(2000, 'z');
  big[0] = '<';
  big[1999] = '>';
  char* s = static_cast<char*>(rb->reserve(2000, 0));
  ASSERT_NE(s, nullptr);
  std::memcpy(s, big.data(), big.size());
  EXPECT_EQ(RingbufMap::owner_of(s), rb.get());
  RingbufMap::commit(s, 0, false);
  auto got = consume_all(*rb);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], big);
  // The region a checked interpreter allows covers the whole record.
  bool covered = false;
  rb->for_each_region([&](void* p, std::size_t n, bool w) {
    covered = w && s >= static_cast<char*>(p) && s + 2000 <= static_cast<char*>(p) + n;
  });
  EXPECT_TRUE(covered);
}

}  // namespace
}  // namespace ups::bpf

namespace ups::bpf {
namespace {

// A randomized run against a model of Linux's space accounting and
// consumer: reservations succeed exactly when the producer stays within
// size - 1 bytes of the consumer; records arrive in order, discarded ones
// skipped, and consumption stops at the first record still reserved.
TEST(RingbufMap, RandomOperationsMatchAModel) {
  auto rb = make_rb(4096);
  struct Rec {
    u8* data;
    u32 size;
    u64 pos;
    int state;  // 0 reserved, 1 submitted, 2 discarded
    u8 fill;
  };
  std::vector<Rec> open;     // reserved, not yet consumed, in position order
  u64 prod = 0, cons = 0;
  Rng rng(5);
  for (int step = 0; step < 20000; ++step) {
    switch (rng.uniform(0, 2)) {
      case 0: {
        u32 size = static_cast<u32>(rng.uniform(0, 1200));
        u64 len = (size + 8 + 7) & ~u64{7};
        bool fits = len <= 4096 && prod + len - cons <= 4095;
        auto* s = static_cast<u8*>(rb->reserve(size, 0));
        ASSERT_EQ(s != nullptr, fits) << "step " << step << " size " << size;
        if (s) {
          u8 fill = static_cast<u8>(step);
          std::memset(s, fill, size);
          open.push_back({s, size, prod, 0, fill});
          prod += len;
        }
        break;
      }
      case 1: {
        std::vector<Rec*> reserved;
        for (auto& r : open)
          if (r.state == 0) reserved.push_back(&r);
        if (reserved.empty()) break;
        Rec* r = reserved[rng.uniform(0, reserved.size() - 1)];
        r->state = rng.chance(0.2) ? 2 : 1;
        RingbufMap::commit(r->data, 0, r->state == 2);
        break;
      }
      case 2: {
        std::vector<std::pair<u32, u8>> want;
        std::size_t i = 0;
        for (; i < open.size() && open[i].state != 0; ++i) {
          if (open[i].state == 1) want.emplace_back(open[i].size, open[i].fill);
          cons = open[i].pos + ((open[i].size + 8 + 7) & ~u64{7});
        }
        open.erase(open.begin(), open.begin() + static_cast<std::ptrdiff_t>(i));
        std::vector<std::pair<u32, u8>> got;
        rb->consume([&](std::span<const u8> rec) {
          bool uniform = true;
          for (u8 b : rec) uniform &= b == (rec.empty() ? 0 : rec[0]);
          EXPECT_TRUE(uniform);
          got.emplace_back(static_cast<u32>(rec.size()), rec.empty() ? 0 : rec[0]);
        });
        for (auto& w : want)
          if (w.first == 0) w.second = 0;
        ASSERT_EQ(got, want) << "step " << step;
        ASSERT_EQ(rb->consumer_pos(), cons);
        break;
      }
    }
  }
}

}  // namespace
}  // namespace ups::bpf
