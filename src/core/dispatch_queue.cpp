// DispatchQueue operations (see dispatch_queue.h).
#include "core/dispatch_queue.h"

namespace ups {

void DispatchQueue::link(Task& p) {
  UPS_ASSERT(p.dsq == nullptr);
  p.dsq = this;
  p.dsq_seq = seq_++;
  p.scx.dsq_id = id_;
  ++nr_;
}

void DispatchQueue::push_fifo(Task& p, bool at_head) {
  UPS_ASSERT(heap_.empty());
  link(p);
  if (at_head) {
    p.dsq_prev = nullptr;
    p.dsq_next = head_;
    if (head_) head_->dsq_prev = &p;
    else tail_ = &p;
    head_ = &p;
  } else {
    p.dsq_next = nullptr;
    p.dsq_prev = tail_;
    if (tail_) tail_->dsq_next = &p;
    else head_ = &p;
    tail_ = &p;
  }
}

void DispatchQueue::push_vtime(Task& p) {
  UPS_ASSERT(head_ == nullptr);
  link(p);
  p.dsq_prev = p.dsq_next = nullptr;
  heap_.push(&p);
}

void DispatchQueue::remove(Task& p) {
  UPS_ASSERT(p.dsq == this && nr_ > 0);
  if (heap_.contains(&p)) {
    heap_.remove(&p);
  } else {
    if (p.dsq_prev) p.dsq_prev->dsq_next = p.dsq_next;
    else head_ = p.dsq_next;
    if (p.dsq_next) p.dsq_next->dsq_prev = p.dsq_prev;
    else tail_ = p.dsq_prev;
  }
  p.dsq_prev = p.dsq_next = nullptr;
  p.dsq = nullptr;
  --nr_;
}

void DispatchQueue::vtime_changed(Task& p) {
  if (heap_.contains(&p)) heap_.update(&p);
}

Task* DispatchQueue::first_allowed(CpuId cpu) const {
  if (head_) {
    for (Task* p = head_; p; p = p->dsq_next)
      if (p->affinity.test(cpu)) return p;
    return nullptr;
  }
  Task* top = heap_.top();
  if (!top || top->affinity.test(cpu)) return top;
  // Rare: the lowest-vtime task may not run here; find the lowest that may.
  Task* best = nullptr;
  VtimeLess less;
  for (size_t i = 0; i < heap_.size(); ++i) {
    Task* p = heap_.at(i);
    if (p->affinity.test(cpu) && (!best || less(*p, *best))) best = p;
  }
  return best;
}

Task* DispatchQueue::iter_next(const Task* after, u64 after_seq, u64 after_vtime, u64 seq_limit,
                               bool rev) const {
  if (head_) {
    // FIFO: continue from `after` if it is still here, else from the end.
    const Task* from = (after && after->dsq == this && after->dsq_seq == after_seq) ? after : nullptr;
    Task* p = from ? (rev ? from->dsq_prev : from->dsq_next) : (rev ? tail_ : head_);
    if (after && !from) {
      // `after` left the queue: resume after the last visited position,
      // i.e. skip what was already returned (seq below after_seq in order).
      for (; p; p = rev ? p->dsq_prev : p->dsq_next)
        if (p->dsq_seq < seq_limit && (rev ? p->dsq_seq < after_seq : p->dsq_seq > after_seq)) break;
    }
    for (; p; p = rev ? p->dsq_prev : p->dsq_next)
      if (p->dsq_seq < seq_limit) return p;
    return nullptr;
  }
  // vtime: the next task in (vtime, seq) order after the cursor key.
  Task* best = nullptr;
  auto key_less = [](u64 va, u64 sa, u64 vb, u64 sb) {
    return va != vb ? time_before(va, vb) : sa < sb;
  };
  for (size_t i = 0; i < heap_.size(); ++i) {
    Task* p = heap_.at(i);
    if (p->dsq_seq >= seq_limit) continue;
    if (after) {
      bool beyond = rev ? key_less(p->scx.dsq_vtime, p->dsq_seq, after_vtime, after_seq)
                        : key_less(after_vtime, after_seq, p->scx.dsq_vtime, p->dsq_seq);
      if (!beyond) continue;
    }
    if (!best) { best = p; continue; }
    bool better = rev ? key_less(best->scx.dsq_vtime, best->dsq_seq, p->scx.dsq_vtime, p->dsq_seq)
                      : key_less(p->scx.dsq_vtime, p->dsq_seq, best->scx.dsq_vtime, best->dsq_seq);
    if (better) best = p;
  }
  return best;
}

}  // namespace ups
