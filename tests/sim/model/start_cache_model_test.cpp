// A replicate that takes what it works out at its start from a start cache (sim/core/
// start_cache.hpp) runs exactly as one that works it out itself.
#include <doctest/doctest.h>

#include <cmath>

#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace start_cache_model_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

bool same_values(const SeriesBuffer& x, const SeriesBuffer& y) {
  for (SeriesId s = 0; s < x.series_count(); ++s) {
    const auto u = x.values(s), v = y.values(s);
    if (u.size() != v.size()) return false;
    for (std::size_t i = 0; i < u.size(); ++i)
      if (!(u[i] == v[i] || (std::isnan(u[i]) && std::isnan(v[i])))) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("replicates sharing a start cache run as they would on their own") {
  const Scenario s = load_scenario(kSmall);
  const SeriesCatalog cat = build_catalog(s);
  StartCache cache;
  for (uint32_t replicate : {0u, 1u, 0u}) {  // the second replicate 0 takes its population kept
    CAPTURE(replicate);
    Simulation own(s, cat, replicate);
    own.run_to_end();
    Simulation shared(s, cat, replicate, &cache);
    shared.run_to_end();
    CHECK(same_values(own.series(), shared.series()));
  }
  CHECK(cache.size() == 2);  // adoption's population of replicates 0 and 1
}

}  // namespace start_cache_model_test
