#include "sim/core/diagnostics.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using namespace airace;

namespace diagnostics_test {

TEST_CASE("a file name is stored once: equal names are equal, and a location copies it") {
  const FileName a("scenarios/baseline.yaml");
  const FileName b(std::string("scenarios/") + "baseline.yaml");
  const FileName c("scenarios/seminar.yaml");
  CHECK(a == b);
  CHECK_FALSE(a == c);
  CHECK(a.str() == "scenarios/baseline.yaml");
  CHECK(&a.str() == &b.str());  // one stored copy
  const SourceLocation where{a, 3, 7};
  const SourceLocation copy = where;
  CHECK(copy.file == a);
  CHECK(format_diagnostic({copy, "key", "what was found", ""})
            .rfind("scenarios/baseline.yaml:3:7", 0) == 0);
  const FileName none;
  CHECK(none.empty());
  CHECK(none.str().empty());
  CHECK(FileName("").empty());
  CHECK(format_diagnostic({SourceLocation{}, "key", "x", ""}).rfind("<input>", 0) == 0);
}

TEST_CASE("file names stored from several threads at once are stored once each") {
  // airace serve and the sweep runner read scenarios on several threads: the store is shared.
  std::vector<std::vector<const std::string*>> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([t, &seen] {
      for (int i = 0; i < 200; ++i)
        seen[t].push_back(&FileName("diagnostics_test/" + std::to_string(i % 20)).str());
    });
  for (std::thread& th : threads) th.join();
  for (std::size_t t = 1; t < seen.size(); ++t) CHECK(seen[t] == seen[0]);
  CHECK(*seen[0][27] == "diagnostics_test/7");
}

}  // namespace diagnostics_test
