// The two kinds of calibrated work (busy_work.h).
#include "runtime/busy_work.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>
#include <vector>

#include "base/assert.h"
#include "runtime/monotonic_clock.h"

namespace ups::runtime {

namespace {

[[gnu::noinline]] void arith_iters(u64 n) {
  u64 x = 1;
  for (u64 i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    asm volatile("" : "+r"(x));  // the loop must run
  }
}

constexpr int kSide = 512;      // the source image, RGB8
constexpr int kBandRows = 2;    // source rows per unit of work (one thumbnail row)
constexpr int kBands = kSide / kBandRows;

// The source image, generated once by calibrate_busy_work(image) before
// any fiber runs, then only read. Not a thread_local or a function-local
// static: fibers share worker threads and may be preempted anywhere, also
// inside such a variable's first-use initialisation.
std::atomic<const u8*> g_image{nullptr};
std::atomic<u32> g_next_band{0};

const u8* make_image() {
  static std::vector<u8> src;  // built under calibrate's call_once only
  src.resize(static_cast<size_t>(kSide) * kSide * 3);
  // A gradient with noise: not constant, so no pass can be skipped.
  u32 x = 2463534242u;
  for (int y = 0; y < kSide; ++y)
    for (int c = 0; c < kSide * 3; ++c) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      src[static_cast<size_t>(y) * kSide * 3 + c] = static_cast<u8>((y + c / 3) / 4 + (x & 31));
    }
  return src.data();
}

// Downscales the next bands of the source into a thumbnail band on the
// fiber's stack and folds it into a hash (FNV-1a) that must be computed.
[[gnu::noinline]] void image_bands(u64 n) {
  const u8* src = g_image.load(std::memory_order_acquire);
  UPS_ASSERT(src != nullptr);  // calibrate_busy_work(image) comes first
  constexpr size_t stride = static_cast<size_t>(kSide) * 3, tstride = static_cast<size_t>(kSide / 2) * 3;
  u8 out[kBandRows / 2][tstride];
  u64 hash = 1469598103934665603ull;
  for (u64 i = 0; i < n; ++i) {
    const u32 band = g_next_band.fetch_add(1, std::memory_order_relaxed) % kBands;
    for (int r = 0; r < kBandRows / 2; ++r) {
      const u8* r0 = src + (band * kBandRows + 2 * r) * stride;
      const u8* r1 = r0 + stride;
      for (int x = 0; x < kSide / 2; ++x)
        for (int c = 0; c < 3; ++c) {
          const int k = x * 6 + c;
          out[r][x * 3 + c] = static_cast<u8>((r0[k] + r0[k + 3] + r1[k] + r1[k + 3] + 2) / 4);
        }
      for (size_t b = 0; b < tstride; ++b) hash = (hash ^ out[r][b]) * 1099511628211ull;
    }
  }
  asm volatile("" : : "r"(hash) : "memory");
}

void run_units(WorkKind k, u64 n) {
  if (k == WorkKind::image) image_bands(n);
  else arith_iters(n);
}

}  // namespace

std::optional<WorkKind> parse_work_kind(std::string_view name) {
  if (name == "arith") return WorkKind::arith;
  if (name == "image") return WorkKind::image;
  return std::nullopt;
}

const char* work_kind_name(WorkKind k) { return k == WorkKind::image ? "image" : "arith"; }

namespace {
void ready_work(WorkKind kind) {
  if (kind != WorkKind::image) return;
  static std::once_flag once;
  std::call_once(once, [] { g_image.store(make_image(), std::memory_order_release); });
}
}  // namespace

Calibration given_calibration(WorkKind kind, double units_per_us) {
  ready_work(kind);
  return Calibration{units_per_us, kind};
}

Calibration calibrate_busy_work(WorkKind kind) {
  ready_work(kind);
  const u64 units = kind == WorkKind::image ? 2'000 : 2'000'000;
  run_units(kind, units / 10);  // warm: the image is generated, the caches filled
  double best_ns = 0;
  for (int i = 0; i < 5; ++i) {
    const TimeNs t0 = monotonic_ns();
    run_units(kind, units);
    const double ns = static_cast<double>(monotonic_ns() - t0);
    if (best_ns == 0 || ns < best_ns) best_ns = ns;
  }
  return Calibration{static_cast<double>(units) / (best_ns / 1e3), kind};
}

void busy_work(const Calibration& cal, TimeNs ns) {
  const double units = static_cast<double>(ns) / 1e3 * cal.iters_per_us;
  if (cal.kind == WorkKind::image) {
    // Bands are a few microseconds each: a short phase rounds to the
    // nearest band, but never to none.
    image_bands(std::max<u64>(1, static_cast<u64>(units + 0.5)));
    return;
  }
  arith_iters(static_cast<u64>(units));
}

}  // namespace ups::runtime
