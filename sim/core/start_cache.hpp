#pragma once
// Values a replicate works out at its start from its scenario and its own random streams, kept
// for the next run of the same replicate (airace serve reruns one scenario with students'
// decisions, which take effect after its start: every run's replicate r starts the same).
//
// Whoever shares a StartCache between runs promises that their scenarios and seeds agree up to
// changes dated after their start; within that promise a value taken from the cache is the one
// the run would have computed, so results stay bit-identical. A module keys what it keeps by a
// name of its own ("<module>.<what>") and the replicate.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <typeindex>
#include <utility>

namespace airace {

class StartCache {
 public:
  // The value kept under (name, replicate), made by `make()` the first time. Safe to call from
  // several threads: two that make the same value at once both get the first one stored.
  template <class T, class Make>
  std::shared_ptr<const T> get(const std::string& name, uint32_t replicate, Make&& make) {
    const Key key{name, replicate, std::type_index(typeid(T))};
    {
      const std::lock_guard lock(mutex_);
      if (const auto it = values_.find(key); it != values_.end())
        return std::static_pointer_cast<const T>(it->second);
    }
    std::shared_ptr<const void> made = std::make_shared<const T>(make());
    const std::lock_guard lock(mutex_);
    return std::static_pointer_cast<const T>(values_.emplace(key, std::move(made)).first->second);
  }

  // How many values are kept (for tests).
  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return values_.size();
  }

 private:
  using Key = std::tuple<std::string, uint32_t, std::type_index>;
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<const void>> values_;
};

}  // namespace airace
