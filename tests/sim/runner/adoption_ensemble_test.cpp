// Adoption in full runs: labs paid and chips bought for what adopters use, identical results on
// any thread count, and the what-if of US providers losing reach abroad.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "agents/adoption.hpp"
#include "sim/runner/ensemble.hpp"

using namespace airace;

namespace adoption_ensemble_test {

namespace {

const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";
const std::string kBaseline = std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml";
const std::string kReachWhatIf =
    std::string(AIRACE_SOURCE_DIR) + "/scenarios/whatif/us_reach_abroad.yaml";

std::vector<double> series_of(const RunResult& r, const char* group, const char* name,
                              std::size_t rep, std::size_t t) {
  const SeriesId id = r.catalog.find(group, name);
  const SeriesSpec& spec = r.catalog.series()[id];
  std::size_t n = 1;
  for (AxisId a : spec.entity_axes) n *= r.catalog.axes()[a].ids.size();
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = r.replicates[rep].get(id, t, i);
  return out;
}

}  // namespace

TEST_CASE("labs are paid what adopters spend on their models") {
  const Scenario s = load_scenario(kSmall, {"run.replicates=2"});
  const RunResult r = run_ensemble(s, {}, {});
  const std::size_t no = s.adoption_setup.n_options;
  const std::size_t nk = s.countries.size();
  const std::size_t months = r.catalog.time_axis(s.schedule.adoption).dates.size();
  double checked = 0.0;
  for (std::size_t t = 1; t < months; t += 5) {
    const auto usage = series_of(r, "adoption", "usage_mtokens_per_year", 0, t);
    const auto price = series_of(r, "adoption", "price_usd_per_mtoken", 0, t);
    const auto api = series_of(r, "adoption", "api_revenue_usd_per_year", 0, t);
    const auto open = series_of(r, "adoption", "open_model_spend_usd_per_year", 0, t);
    const auto lab_revenue = series_of(r, "labs", "revenue_usd_per_year", 0, t);
    for (std::size_t lab = 0; lab < s.labs.size(); ++lab) {
      double paid_api = 0.0, paid_open = 0.0;
      for (std::size_t k = 0; k < nk; ++k) {
        if (usage[k * no + closed_option(lab)] > 0.0)
          paid_api += usage[k * no + closed_option(lab)] * price[k * no + closed_option(lab)];
        if (usage[k * no + open_option(lab)] > 0.0)
          paid_open += usage[k * no + open_option(lab)] * price[k * no + open_option(lab)];
      }
      CHECK(api[lab] == doctest::Approx(paid_api).epsilon(1e-9));
      CHECK(open[lab] == doctest::Approx(paid_open).epsilon(1e-9));
      // The labs tick on the same day, after adoption: this is its revenue.
      CHECK(lab_revenue[lab] ==
            doctest::Approx(paid_api + s.labs[lab].complement_value * paid_open).epsilon(1e-9));
      checked += paid_api;
    }
  }
  CHECK(checked > 0.0);
}

TEST_CASE("from the switch date adoption's inference demand buys chips for the clouds where it is served") {
  // The Chinese cloud buys inference chips for adopters of models served in China once the
  // clouds' rule is on (docs/model.md §3.3.1a), beside its plans; before it, its plans alone.
  const std::vector<std::string> rule = {"run.replicates=2",
                                         "cloud_investment.demand_driven_from=2023-01-01",
                                         "cloud_investment.plans_continue=true"};
  std::vector<std::string> no_adopters = rule;
  no_adopters.push_back("adoption_model.adopters=0");
  const Scenario with = load_scenario(kSmall, rule);
  const Scenario off = load_scenario(kSmall, {"run.replicates=2"});
  const Scenario without = load_scenario(kSmall, no_adopters);
  const RunResult a = run_ensemble(with, {}, {});
  const RunResult o = run_ensemble(off, {}, {});
  const RunResult b = run_ensemble(without, {}, {});
  auto last_compute = [](const RunResult& r, const Scenario& s) {
    const SeriesId cloud = r.catalog.find("clouds", "compute_h100e");
    REQUIRE(cloud != kNoSeries);
    return r.replicates[0].get(cloud, r.catalog.time_axis(s.schedule.supply).dates.size() - 1, 0);
  };
  CHECK(last_compute(a, with) > last_compute(o, off));
  CHECK(last_compute(a, with) > last_compute(b, without));
  // Without adopters there is no rule: the plans alone, as with the rule off (up to the labs'
  // different revenue, which moves prices a little).
  CHECK(last_compute(b, without) == doctest::Approx(last_compute(o, off)).epsilon(0.01));
  CHECK(a.catalog.find("adoption", "share") != kNoSeries);
  CHECK(b.catalog.find("adoption", "share") == kNoSeries);
}

TEST_CASE("after the switch no cloud serves more than its serving capacity") {
  // Adoption was bounded by a share of the clouds' whole fleets while the clouds counted only
  // the part that serves adopters (docs/model.md §3.3.1a): in 97 of 100 baseline replicates a
  // cloud served up to 1.7 times its serving capacity from 2026-02.
  const Scenario s = scenario_at_medians(
      load_scenario(kBaseline, {"run.replicates=3", "scenario.end=2028-12-31"}));
  const RunResult r = run_ensemble(s, {}, {});
  const SeriesId served = r.catalog.find("clouds", "served_inference_h100e");
  const SeriesId capacity = r.catalog.find("clouds", "serving_capacity_h100e");
  REQUIRE(served != kNoSeries);
  const std::vector<Date>& weeks = r.catalog.time_axis(r.catalog.series()[served].cadence).dates;
  const std::size_t clouds = r.catalog.axes()[r.catalog.series()[served].entity_axes[0]].ids.size();
  double most = 0.0;
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep)
    for (std::size_t t = 0; t < weeks.size(); ++t)
      for (std::size_t c = 0; c < clouds; ++c) {
        const double k = r.replicates[rep].get(capacity, t, c);
        const double d = r.replicates[rep].get(served, t, c);
        if (k > 0.0) most = std::max(most, d / k);
        CAPTURE(weeks[t].iso());
        CHECK(d <= k * (1.0 + 1e-9) + 1e-9);
      }
  CHECK(most > 0.5);  // and the capacity is used
}

TEST_CASE("an ensemble with adopters is bit-identical for one and two threads") {
  const Scenario s = load_scenario(kSmall, {"run.replicates=3", "adoption_model.adopters=40000"});
  const RunResult one = run_ensemble(s, {1, nullptr}, {});
  const RunResult two = run_ensemble(s, {2, nullptr}, {});
  const std::size_t months = one.catalog.time_axis(s.schedule.adoption).dates.size();
  for (const char* name : {"share", "usage_mtokens_per_year", "api_revenue_usd_per_year"})
    for (std::size_t rep = 0; rep < 3; ++rep)
      for (std::size_t t = 0; t < months; ++t)
        CHECK(series_of(one, "adoption", name, rep, t) == series_of(two, "adoption", name, rep, t));
}

TEST_CASE("US providers losing reach abroad moves adopters abroad to Chinese open models") {
  const std::vector<std::string> sets{"run.replicates=4", "scenario.end=2026-12-31"};
  const RunResult base = run_ensemble(load_scenario(kBaseline, sets), {}, {});
  const RunResult lost = run_ensemble(load_scenario(kReachWhatIf, sets), {}, {});
  const SeriesId share = base.catalog.find("indicators", "cn_open_share_abroad");
  const std::vector<Date>& months =
      base.catalog.time_axis(base.catalog.series()[share].cadence).dates;
  const std::size_t t = static_cast<std::size_t>(
      std::lower_bound(months.begin(), months.end(), Date::from_ymd(2025, 12, 1)) - months.begin());
  for (std::size_t rep = 0; rep < 4; ++rep) {
    CAPTURE(rep);
    const double b = base.replicates[rep].get(share, t);
    const double w = lost.replicates[rep].get(share, t);
    CHECK(w > b + 0.02);
    // and not at home: the US and China keep their own providers
    const auto us_base = series_of(base, "adoption", "share_by_provider", rep, t);
    const auto us_lost = series_of(lost, "adoption", "share_by_provider", rep, t);
    CHECK(us_lost[1] == doctest::Approx(us_base[1]).epsilon(0.1));  // US adopters on US closed
  }
}

}  // namespace adoption_ensemble_test
