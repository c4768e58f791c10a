// TaskHeap: an intrusive binary min-heap of tasks (index kept in
// Task::heap_index), used for vtime-ordered DSQs and the fair run queues.
// Push, pop and remove are O(log n) and allocate only when the backing
// vector grows past its high-water mark.
#pragma once

#include <vector>

#include "base/assert.h"
#include "core/task.h"

namespace ups {

template <class Less>
class TaskHeap {
public:
  bool empty() const { return v_.empty(); }
  size_t size() const { return v_.size(); }
  Task* top() const { return v_.empty() ? nullptr : v_[0]; }
  Task* at(size_t i) const { return v_[i]; }
  bool contains(const Task* p) const { return p->heap_index < v_.size() && v_[p->heap_index] == p; }

  void push(Task* p) {
    p->heap_index = v_.size();
    v_.push_back(p);
    sift_up(v_.size() - 1);
  }
  Task* pop() {
    if (v_.empty()) return nullptr;
    Task* p = v_[0];
    remove(p);
    return p;
  }
  void remove(Task* p) {
    UPS_ASSERT(contains(p));
    const size_t i = p->heap_index;
    Task* last = v_.back();
    v_.pop_back();
    if (last != p) {
      v_[i] = last;
      last->heap_index = i;
      update_at(i);
    }
  }
  // p's key changed: restore the order.
  void update(Task* p) {
    UPS_ASSERT(contains(p));
    update_at(p->heap_index);
  }

private:
  void update_at(size_t i) {
    if (i > 0 && less_(*v_[i], *v_[(i - 1) / 2])) sift_up(i);
    else sift_down(i);
  }
  void sift_up(size_t i) {
    Task* p = v_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (!less_(*p, *v_[parent])) break;
      v_[i] = v_[parent];
      v_[i]->heap_index = i;
      i = parent;
    }
    v_[i] = p;
    p->heap_index = i;
  }
  void sift_down(size_t i) {
    Task* p = v_[i];
    const size_t n = v_.size();
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && less_(*v_[c + 1], *v_[c])) ++c;
      if (!less_(*v_[c], *p)) break;
      v_[i] = v_[c];
      v_[i]->heap_index = i;
      i = c;
    }
    v_[i] = p;
    p->heap_index = i;
  }

  std::vector<Task*> v_;
  Less less_;
};

// Wrap-safe "a before b" on u64 clocks, as the kernel's time_before64().
inline bool time_before(u64 a, u64 b) { return static_cast<s64>(a - b) < 0; }

}  // namespace ups
