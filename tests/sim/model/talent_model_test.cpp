// Talent in a whole run: the baseline's research staff stay finite and non-negative, and a
// change of US visa openness during a run changes the flows that follow.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace talent_model_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

// Cross-border moves into the US (country 0) since the start, FTE.
double moved_into_us(const Simulation& sim) {
  const TalentState& t = sim.world().talent;
  const std::size_t k = std::lround(std::sqrt(static_cast<double>(t.moves.size())));
  double in = 0.0;
  for (std::size_t from = 1; from < k; ++from) in += t.moves[from * k + 0];
  return in;
}
}  // namespace

TEST_CASE("talent: a baseline run keeps researchers finite and non-negative") {
  const Scenario s = load_scenario(std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml",
                                   {"scenario.end=2026-06-30", "adoption_model.adopters=2000"});
  const SeriesCatalog cat = build_catalog(s);
  Simulation sim(s, cat, 0);
  sim.run_to_end();
  const SeriesId id = cat.find("talent", "researchers");
  const std::size_t times = cat.time_count(cat.series()[id]);
  REQUIRE(times > 40);
  for (std::size_t t = 0; t < times; ++t)
    for (std::size_t lab = 0; lab < s.labs.size(); ++lab) {
      const double r = sim.series().get(id, t, lab);
      REQUIRE(std::isfinite(r));
      REQUIRE(r >= 0.0);
    }
  // Researchers did move across the border, both ways.
  CHECK(moved_into_us(sim) > 0.0);
  const double total = std::accumulate(sim.world().talent.researchers.begin(),
                                       sim.world().talent.researchers.end(), 0.0);
  CHECK(total > 100.0 * static_cast<double>(s.labs.size()));  // new entrants joined
}

TEST_CASE("talent: closing US visas mid-run cuts the moves into the US that follow") {
  const Scenario s = load_scenario(kSmall, {"lab_model.efficiency_noise_sigma=0"});
  const SeriesCatalog cat = build_catalog(s);
  Simulation a(s, cat, 0);
  Simulation b(s, cat, 0);
  const Date pause = Date::from_ymd(2023, 1, 1);
  a.advance_to(pause);
  b.advance_to(pause);
  const double before = moved_into_us(a);
  CHECK(before == moved_into_us(b));
  b.set_parameter("talent.us_visa_openness", "0");
  a.run_to_end();
  b.run_to_end();
  CHECK(moved_into_us(a) > before);
  CHECK(moved_into_us(b) == before);
  // The same change as a dated policy event.
  const Scenario e = load_scenario(
      kSmall,
      {"lab_model.efficiency_noise_sigma=0",
       "policy_events=[{id: shut, date: 2023-01-01, set: talent.us_visa_openness, to: 0}]"});
  Simulation c(e, build_catalog(e), 0);
  c.run_to_end();
  CHECK(moved_into_us(c) <= before);
  CHECK(moved_into_us(c) < moved_into_us(a));
}

}  // namespace talent_model_test
