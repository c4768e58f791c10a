// ByteReader: bounds-checked little-endian reads from an untrusted byte span
// (ELF, BTF, BTF.ext). Every read is checked first with has(); reading
// out of range is our bug, so it asserts.
#pragma once

#include <cstring>
#include <span>
#include <string_view>

#include "base/assert.h"
#include "base/types.h"

namespace ups::bpf {

class ByteReader {
public:
  explicit ByteReader(std::span<const u8> data) : data_(data) {}

  size_t size() const { return data_.size(); }
  // [off, off + n) lies inside the data (overflow-safe).
  bool has(u64 off, u64 n) const { return off <= data_.size() && n <= data_.size() - off; }

  template <class T>
  T read(u64 off) const {
    UPS_ASSERT(has(off, sizeof(T)));
    T v;
    std::memcpy(&v, data_.data() + off, sizeof v);
    return v;
  }
  std::span<const u8> bytes(u64 off, u64 n) const {
    UPS_ASSERT(has(off, n));
    return data_.subspan(off, n);
  }
  // NUL-terminated string starting at off; nullopt-like empty + ok=false when
  // it runs off the end.
  bool c_string(u64 off, std::string_view& out) const {
    if (off >= data_.size()) return false;
    const char* p = reinterpret_cast<const char*>(data_.data() + off);
    const void* nul = std::memchr(p, 0, data_.size() - off);
    if (!nul) return false;
    out = std::string_view(p, static_cast<const char*>(nul) - p);
    return true;
  }

private:
  std::span<const u8> data_;
};

}  // namespace ups::bpf
