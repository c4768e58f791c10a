// ValueMemory's heap and ValueBlock (value_memory.h).
#include "bpf/maps/value_memory.h"

#include <cstring>
#include <new>
#include <utility>

namespace ups::bpf {

namespace {

class HeapValueMemory final : public ValueMemory {
public:
  u8* allocate(std::size_t bytes, bool) override {
    bytes = bytes == 0 ? 16 : bytes;
    auto* p = static_cast<u8*>(::operator new(bytes, std::align_val_t{16}, std::nothrow));
    if (p) std::memset(p, 0, bytes);
    return p;
  }
  void release(u8* p, std::size_t) override { ::operator delete(p, std::align_val_t{16}); }
};

}  // namespace

const std::shared_ptr<ValueMemory>& heap_value_memory() {
  static const std::shared_ptr<ValueMemory> heap = std::make_shared<HeapValueMemory>();
  return heap;
}

ValueBlock& ValueBlock::operator=(ValueBlock&& o) noexcept {
  if (this != &o) {
    reset();
    data_ = std::exchange(o.data_, nullptr);
    bytes = std::exchange(o.bytes, 0);
    from_ = std::move(o.from_);
  }
  return *this;
}

void ValueBlock::reset() {
  if (data_) from_->release(data_, bytes);
  data_ = nullptr;
  bytes = 0;
  from_.reset();
}

ValueBlock ValueBlock::make(std::size_t bytes, const std::shared_ptr<ValueMemory>& from, bool policy_writable) {
  ValueBlock b;
  b.bytes = bytes;
  if (from) b.data_ = from->allocate(bytes, policy_writable);
  b.from_ = b.data_ ? from : heap_value_memory();
  if (!b.data_) b.data_ = b.from_->allocate(bytes, policy_writable);
  if (!b.data_) throw std::bad_alloc();
  return b;
}

}  // namespace ups::bpf
