// The clouds' investment in a whole run: before cloud_investment.demand_driven_from the run is
// its plans' exactly; from it the clouds buy for adoption's demand, within their financing.
#include <doctest/doctest.h>

#include <cmath>

#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace clouds_model_test {

namespace {
const std::string kBaseline = std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml";

std::vector<std::string> sets(std::vector<std::string> more) {
  more.insert(more.begin(), {"scenario.end=2026-09-30", "adoption_model.adopters=3000"});
  return more;
}
}  // namespace

TEST_CASE("clouds: before the switch date the run is the plans' exactly, after it the clouds buy for demand") {
  const Scenario s = load_scenario(kBaseline, sets({}));
  const Scenario later = load_scenario(kBaseline, sets({"cloud_investment.demand_driven_from=2027-01-01"}));
  const SeriesCatalog cat = build_catalog(s);
  Simulation a(s, cat, 0);
  Simulation b(later, build_catalog(later), 0);
  const Date eve = Date::from_ymd(2025, 12, 31);
  a.advance_to(eve);
  b.advance_to(eve);
  // Up to the switch, moving it changes nothing: same fleets, same sales, bit for bit.
  CHECK(a.world().supply.installed == b.world().supply.installed);
  CHECK(a.world().supply.revenue_usd == b.world().supply.revenue_usd);
  a.run_to_end();
  b.run_to_end();
  const SeriesId spend = cat.find("clouds", "demand_driven_usd_per_year");
  const SeriesId financing = cat.find("clouds", "financing_usd_per_year");
  REQUIRE(spend != kNoSeries);
  const std::vector<Date>& dates = cat.time_axis(cat.series()[spend].cadence).dates;
  const std::size_t times = dates.size();
  REQUIRE(times > 200);
  double after = 0.0;
  for (std::size_t t = 0; t < times; ++t)
    for (std::size_t c = 0; c < s.clouds.size(); ++c) {
      const double x = a.series().get(spend, t, c);
      REQUIRE(std::isfinite(x));
      CHECK(x >= 0.0);
      CHECK(x <= a.series().get(financing, t, c) * (1.0 + 1e-12));
      if (!(Date::from_ymd(2026, 1, 1) < dates[t]))
        CHECK(x == 0.0);
      else
        after += x;
    }
  CHECK(after > 0.0);
  // Where the switch has not come, the clouds keep their plans alone and the chips differ.
  CHECK(a.world().supply.installed != b.world().supply.installed);
}

TEST_CASE("clouds: with their plans stopped the clouds buy less than with them") {
  const Scenario keep = load_scenario(kBaseline, sets({}));
  const Scenario stop = load_scenario(kBaseline, sets({"cloud_investment.plans_continue=false"}));
  Simulation a(keep, build_catalog(keep), 0);
  Simulation b(stop, build_catalog(stop), 0);
  a.run_to_end();
  b.run_to_end();
  const std::size_t us = keep.supply_setup.n_labs;  // us_clouds, the first cloud
  CHECK(buyer_compute_h100e(keep.supply_setup, b.world().supply, us) <
        buyer_compute_h100e(keep.supply_setup, a.world().supply, us));
}

}  // namespace clouds_model_test
