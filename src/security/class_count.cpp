#include "security/class_count.h"

#include "base/assert.h"

namespace ups::security {

// One held class: counted from construction to destruction.
class ClassCount::Held {
public:
  Held(std::shared_ptr<Live> live, u64 key) : live_(std::move(live)), key_(key) {
    std::lock_guard lock(live_->mu);
    ++live_->by_principal[key_];
  }
  ~Held() {
    std::lock_guard lock(live_->mu);
    u32& n = live_->by_principal[key_];
    UPS_ASSERT(n > 0);
    if (--n == 0) live_->by_principal.erase(key_);
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;

private:
  std::shared_ptr<Live> live_;
  u64 key_;
};

ClassCount::ClassCount() : live_(std::make_shared<Live>()) {}

u64 ClassCount::key(const Principal& who) { return (u64{who.uid} << 32) | who.gid; }

u32 ClassCount::loaded(const Principal& who) const {
  std::lock_guard lock(live_->mu);
  auto it = live_->by_principal.find(key(who));
  return it == live_->by_principal.end() ? 0 : it->second;
}

u32 ClassCount::before_load(const Principal& who, bool replaces_own_class) const {
  const u32 n = loaded(who);
  return replaces_own_class && n > 0 ? n - 1 : n;
}

std::shared_ptr<const void> ClassCount::hold(const Principal& who) {
  return std::make_shared<Held>(live_, key(who));
}

}  // namespace ups::security
