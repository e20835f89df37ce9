// The start cache (sim/core/start_cache.hpp): a value is made once per name, replicate and type,
// and every later call gets that value.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "sim/core/start_cache.hpp"

using namespace airace;

namespace start_cache_test {

TEST_CASE("the start cache makes a value once per name, replicate and type") {
  StartCache cache;
  int made = 0;
  const auto make = [&made](int v) {
    return [&made, v] {
      ++made;
      return std::vector<int>{v};
    };
  };
  const auto a = cache.get<std::vector<int>>("m.x", 0, make(1));
  const auto b = cache.get<std::vector<int>>("m.x", 0, make(2));  // kept: not made again
  CHECK(made == 1);
  CHECK(a == b);
  CHECK(*b == std::vector<int>{1});
  CHECK(*cache.get<std::vector<int>>("m.x", 1, make(3)) == std::vector<int>{3});  // replicate 1
  CHECK(*cache.get<std::vector<int>>("m.y", 0, make(4)) == std::vector<int>{4});  // another name
  CHECK(cache.get<std::string>("m.x", 0, [] { return std::string("t"); })->size() == 1);
  CHECK(made == 3);
  CHECK(cache.size() == 4);
}

TEST_CASE("threads asking the start cache at once all get the first value stored") {
  StartCache cache;
  std::vector<int> got(8, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] { got[i] = *cache.get<int>("m.x", 7, [i] { return i; }); });
  for (std::thread& t : threads) t.join();
  for (int v : got) CHECK(v == got[0]);
  CHECK(cache.size() == 1);
}

}  // namespace start_cache_test
