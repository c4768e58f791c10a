// CodeBuffer: executable memory for JITed code, W^X: mapped read-write,
// filled, then made read-execute; never writable and executable at once.
// Unmapped when the buffer goes (with the program that owns it).
#pragma once

#include <cstddef>
#include <span>

#include "base/result.h"
#include "base/types.h"

namespace ups::jit {

class CodeBuffer {
public:
  // A read-execute copy of `code`. Errors: mmap/mprotect failures.
  static Result<CodeBuffer> make(std::span<const u8> code);

  CodeBuffer() = default;
  CodeBuffer(CodeBuffer&& o) noexcept : base_(o.base_), size_(o.size_) { o.base_ = nullptr, o.size_ = 0; }
  CodeBuffer& operator=(CodeBuffer&& o) noexcept;
  CodeBuffer(const CodeBuffer&) = delete;
  CodeBuffer& operator=(const CodeBuffer&) = delete;
  ~CodeBuffer();

  const u8* data() const { return base_; }
  size_t size() const { return size_; }

private:
  u8* base_ = nullptr;
  size_t size_ = 0;  // mapped bytes (whole pages)
};

}  // namespace ups::jit
