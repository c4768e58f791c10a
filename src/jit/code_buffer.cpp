// CodeBuffer: W^X executable pages (see code_buffer.h).
#include "jit/code_buffer.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ups::jit {

Result<CodeBuffer> CodeBuffer::make(std::span<const u8> code) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t size = (code.size() + page - 1) / page * page;
  if (size == 0) return make_error(ErrorKind::invalid_argument, "jit: no code to map");
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return make_error(ErrorKind::internal, fmt::format("jit: mmap of {} bytes: {}", size, strerror(errno)));
  std::memcpy(p, code.data(), code.size());
  if (mprotect(p, size, PROT_READ | PROT_EXEC) != 0) {
    const int e = errno;
    munmap(p, size);
    return make_error(ErrorKind::internal, fmt::format("jit: mprotect read-execute: {}", strerror(e)));
  }
  CodeBuffer b;
  b.base_ = static_cast<u8*>(p);
  b.size_ = size;
  return b;
}

CodeBuffer& CodeBuffer::operator=(CodeBuffer&& o) noexcept {
  if (this != &o) {
    if (base_) munmap(base_, size_);
    base_ = o.base_, size_ = o.size_;
    o.base_ = nullptr, o.size_ = 0;
  }
  return *this;
}

CodeBuffer::~CodeBuffer() {
  if (base_) munmap(base_, size_);
}

}  // namespace ups::jit
