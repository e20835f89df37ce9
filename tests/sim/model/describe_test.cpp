// `airace describe`'s search (sim/model/describe.cpp): what a filter finds, and what a misspelt
// one is offered instead.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/model/describe.hpp"

using namespace airace;

namespace describe_test {

TEST_CASE("a filter finds every parameter whose key contains it") {
  const std::vector<ParamInfo> found = find_parameters("efficiency_growth");
  REQUIRE(!found.empty());
  for (const ParamInfo& p : found) CHECK(p.key.find("efficiency_growth") != std::string::npos);
}

TEST_CASE("a misspelt filter is offered the keys containing the text it is closest to") {
  REQUIRE(find_parameters("efficency_growth").empty());
  const std::vector<std::string> offered = closest_parameters("efficency_growth");
  REQUIRE(!offered.empty());
  CHECK(offered.front().starts_with("labs[].efficiency_growth_"));
  CHECK(std::find(offered.begin(), offered.end(), "labs[].efficiency_growth_per_year") !=
        offered.end());
  CHECK(offered.size() <= 5);
  const std::vector<std::string> two = closest_parameters("enforcment", 2);
  REQUIRE(two.size() == 2);
  for (const std::string& k : two) CHECK(k.find("enforcement") != std::string::npos);
}

TEST_CASE("a filter close to no key is offered nothing") {
  CHECK(closest_parameters("zzzzqqqq").empty());
  CHECK(closest_parameters("").empty());
}

}  // namespace describe_test
