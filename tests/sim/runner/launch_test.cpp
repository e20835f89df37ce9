// Products launch on their dates: in the historical baseline no adopter uses a lab's models
// before labs[].launch, and no lab earns a subscription before labs[].subscription_launch (an
// output bound, docs/model.md §"Adoption").
#include <doctest/doctest.h>

#include "agents/adoption.hpp"
#include "sim/runner/ensemble.hpp"

using namespace airace;

namespace launch_test {

TEST_CASE("no adopter uses a lab's models before the lab's launch date") {
  const Scenario s = load_scenario(std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml",
                                   {"run.replicates=2", "scenario.end=2024-03-31"});
  const RunResult r = run_ensemble(s, {}, {});
  const SeriesId share = r.catalog.find("adoption", "share");
  const SeriesId subscription = r.catalog.find("adoption", "subscription_revenue_usd_per_year");
  const std::vector<Date>& dates = r.catalog.time_axis(r.catalog.series()[share].cadence).dates;
  const std::size_t n_labs = s.labs.size();
  const std::size_t n_options = 1 + 2 * n_labs;
  const std::size_t n_countries = s.countries.size();
  REQUIRE(n_labs >= 2);
  int before = 0, after_used = 0, before_paid_tier = 0, after_paid = 0;
  for (std::size_t l = 0; l < n_labs; ++l) {
    CAPTURE(s.labs[l].id);
    for (std::size_t t = 0; t < dates.size(); ++t) {
      for (const SeriesBuffer& rep : r.replicates) {
        double used = 0.0;
        for (std::size_t k = 0; k < n_countries; ++k)
          used += rep.get(share, t, k * n_options + closed_option(l)) +
                  rep.get(share, t, k * n_options + open_option(l));
        const double paid = rep.get(subscription, t, l);
        if (dates[t] < s.labs[l].launch) {
          ++before;
          CHECK(used == 0.0);
        } else if (used > 0.0) {
          ++after_used;
        }
        // Nobody pays for a paid tier that is not on sale (a lab without one: never).
        if (dates[t] < s.labs[l].subscription_launch) {
          ++before_paid_tier;
          CHECK(paid == 0.0);
        } else if (paid > 0.0) {
          ++after_paid;
        }
      }
    }
  }
  // The check has teeth: the baseline has months before launches, and launched models are used.
  CHECK(before > 100);
  CHECK(after_used > 100);
  CHECK(before_paid_tier > 100);
  CHECK(after_paid > 10);
}

}  // namespace launch_test
