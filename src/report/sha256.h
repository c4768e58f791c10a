// Sha256: a small streaming SHA-256 (FIPS 180-4) for the schedule hash
// (`trace_sha256`). Our own so that the hash is the same on every build and
// needs no crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/types.h"

namespace ups::report {

class Sha256 {
public:
  Sha256() { reset(); }
  void reset();
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Finishes the hash; the object must be reset() before reuse.
  std::array<u8, 32> finish();
  // Lower-case hex of finish().
  std::string finish_hex();

  static std::string hex(std::string_view data);  // one-shot helper

private:
  void compress(const u8* block);
  u32 h_[8];
  u8 buf_[64];
  size_t buf_len_ = 0;
  u64 total_len_ = 0;
};

}  // namespace ups::report
