// ValueMemory: where a map keeps the values a program points into, and
// where a policy host keeps the other memory it hands to a program (task
// mirrors, argument arrays, stacks). The default is the process heap; a
// confined policy gives its own sandbox (vm/sandbox.h), so that every
// address its programs may touch lies in one span that a single range test
// covers.
#pragma once

#include <cstddef>
#include <memory>

#include "base/types.h"

namespace ups::bpf {

class ValueMemory {
public:
  virtual ~ValueMemory() = default;
  // `bytes` of zeroed memory, 16-byte aligned, that stays put until
  // released; `policy_writable`: whether the program may store into it (the
  // host may always write). Null when this memory is exhausted.
  virtual u8* allocate(std::size_t bytes, bool policy_writable) = 0;
  // Returns what allocate() gave, with the same size.
  virtual void release(u8* p, std::size_t bytes) = 0;
};

// The process heap (new/delete), shared by everything not confined.
const std::shared_ptr<ValueMemory>& heap_value_memory();

// Memory taken from a ValueMemory and given back when destroyed; taken from
// the heap when that memory is exhausted (a confined policy's guard then
// finds it among its regions, at the cost of a lookup).
class ValueBlock {
public:
  ValueBlock() = default;
  ValueBlock(ValueBlock&& o) noexcept { *this = std::move(o); }
  ValueBlock& operator=(ValueBlock&& o) noexcept;
  ~ValueBlock() { reset(); }

  static ValueBlock make(std::size_t bytes, const std::shared_ptr<ValueMemory>& from = nullptr,
                         bool policy_writable = true);
  u8* data() const { return data_; }
  std::size_t bytes = 0;

private:
  void reset();
  u8* data_ = nullptr;
  std::shared_ptr<ValueMemory> from_;
};

}  // namespace ups::bpf
