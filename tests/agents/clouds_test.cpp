#include "agents/clouds.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <deque>

using namespace airace;

namespace clouds_test {

namespace {

// A cloud serving 1M H100e of demand that grows 2x a year, its fleet at the target utilisation,
// chips at $14,000 per H100e, renting at $17,500 per H100e-year; financing does not bind.
CloudInputs typical() {
  CloudInputs in;
  in.served_h100e = 1e6;
  in.trend_per_year = 2.0;
  in.capacity_h100e = 1e6 / 0.8;
  in.usd_per_h100e = 14000.0;
  in.rental_usd_per_h100e_year = 17500.0;
  in.depreciation_per_year = 0.2;
  in.facility_usd_per_chip_usd = 0.5;
  return in;
}

CloudInvestmentParams loose() {
  CloudInvestmentParams p;
  p.target_utilisation = 0.8;
  p.planning_horizon_years = 1.0;
  p.capex_revenue_share = 100.0;  // financing never binds
  return p;
}

Tick tick_between(Date from, Date to) { return {to, from, 1, years_between(from, to)}; }

}  // namespace

TEST_CASE("higher expected inference demand raises a cloud's chip spending") {
  const CloudInvestmentParams p = loose();
  const CloudInputs base = typical();
  const CloudDecision d0 = decide_cloud_spending(p, base);
  REQUIRE(d0.spending_usd_per_year > 0.0);
  // Expected demand: served demand times its trend over the planning horizon.
  CHECK(d0.expected_h100e == doctest::Approx(2e6));
  CloudInputs more = base;
  more.served_h100e *= 1.5;  // more served now (utilisation above target as well)
  CHECK(decide_cloud_spending(p, more).spending_usd_per_year > d0.spending_usd_per_year);
  CloudInputs faster = base;
  faster.trend_per_year = 3.0;  // the same demand, growing faster
  const CloudDecision d1 = decide_cloud_spending(p, faster);
  CHECK(d1.expected_h100e > d0.expected_h100e);
  CHECK(d1.spending_usd_per_year > d0.spending_usd_per_year);
  CloudInputs slower = base;
  slower.trend_per_year = 1.0;
  CHECK(decide_cloud_spending(p, slower).spending_usd_per_year < d0.spending_usd_per_year);
  // Magnitude: the capacity gap one horizon ahead, bought over the horizon.
  const double gap = 2e6 / 0.8 - base.capacity_h100e * std::exp(-0.2);
  CHECK(d0.spending_usd_per_year == doctest::Approx(14000.0 * gap));
  // A longer horizon looks further up a growing trend.
  CloudInvestmentParams far = p;
  far.planning_horizon_years = 2.0;
  CHECK(decide_cloud_spending(far, base).expected_h100e == doctest::Approx(4e6));
}

TEST_CASE("utilisation above the target raises purchases and below it lowers them") {
  const CloudInvestmentParams p = loose();
  CloudInputs at = typical();
  at.trend_per_year = 1.0;  // flat demand: at the target a cloud only replaces what wears out
  const CloudDecision d_at = decide_cloud_spending(p, at);
  CHECK(d_at.utilisation == doctest::Approx(0.8));
  CHECK(d_at.spending_usd_per_year ==
        doctest::Approx(14000.0 * at.capacity_h100e * (1.0 - std::exp(-0.2))));
  CloudInputs busy = at;
  busy.capacity_h100e = at.capacity_h100e * 0.7;  // utilisation 0.8 / 0.7 above the target
  const CloudDecision d_busy = decide_cloud_spending(p, busy);
  CHECK(d_busy.utilisation > p.target_utilisation);
  CHECK(d_busy.spending_usd_per_year > d_at.spending_usd_per_year);
  CloudInputs idle = at;
  idle.capacity_h100e = at.capacity_h100e * 1.1;  // a little below the target
  const CloudDecision d_idle = decide_cloud_spending(p, idle);
  CHECK(d_idle.utilisation < p.target_utilisation);
  CHECK(d_idle.spending_usd_per_year < d_at.spending_usd_per_year);
  CloudInputs empty_halls = at;
  empty_halls.capacity_h100e = at.capacity_h100e * 3.0;  // far below: buys nothing
  CHECK(decide_cloud_spending(p, empty_halls).spending_usd_per_year == 0.0);
  // A higher target needs less capacity for the same demand.
  CloudInvestmentParams tight = p;
  tight.target_utilisation = 0.9;
  CHECK(decide_cloud_spending(tight, at).spending_usd_per_year < d_at.spending_usd_per_year);
}

TEST_CASE("a cloud's spending is never negative and never beyond what its revenue finances") {
  CloudInvestmentParams p;
  p.capex_revenue_share = 0.5;
  p.target_utilisation = 0.75;
  const CloudDecision binding = decide_cloud_spending(p, typical());
  // Financing: capex (chips and their data centres) at most half the expected serving revenue.
  CHECK(binding.financing_usd_per_year == doctest::Approx(0.5 * 2e6 * 17500.0 / 1.5));
  CHECK(binding.wanted_usd_per_year > binding.financing_usd_per_year);
  CHECK(binding.spending_usd_per_year == doctest::Approx(binding.financing_usd_per_year));
  int checked = 0;
  for (double served : {0.0, 1.0, 1e3, 1e6, 1e9})
    for (double trend : {0.0, 0.01, 0.5, 1.0, 3.0, 1e6})
      for (double capacity : {0.0, 1e3, 1e6, 1e12})
        for (double share : {0.0, 0.5, 1.5})
          for (double horizon : {0.1, 1.0, 5.0}) {
            p.capex_revenue_share = share;
            p.planning_horizon_years = horizon;
            CloudInputs in = typical();
            in.served_h100e = served;
            in.trend_per_year = trend;
            in.capacity_h100e = capacity;
            const CloudDecision d = decide_cloud_spending(p, in);
            CHECK(std::isfinite(d.spending_usd_per_year));
            CHECK(d.spending_usd_per_year >= 0.0);
            CHECK(d.spending_usd_per_year <= d.financing_usd_per_year * (1.0 + 1e-12));
            CHECK(d.spending_usd_per_year <= d.wanted_usd_per_year * (1.0 + 1e-12));
            CHECK(d.expected_h100e >= 0.0);
            ++checked;
          }
  CHECK(checked == 5 * 6 * 4 * 3 * 3);
  // Without capacity utilisation is undefined, not infinite.
  CloudInputs none = typical();
  none.capacity_h100e = 0.0;
  CHECK(std::isnan(decide_cloud_spending(p, none).utilisation));
}

TEST_CASE("before the switch date the rule spends nothing, so the plans stand alone") {
  CloudInvestmentParams p;
  p.demand_driven_from = Date::from_ymd(2026, 1, 1);
  const Date a = Date::from_ymd(2025, 12, 22);
  CHECK(share_after_switch(p, tick_between(a.plus_days(-7), a)) == 0.0);
  // A tick ending on the switch date spends nothing either: the day itself is the next tick's.
  CHECK(share_after_switch(p, tick_between(Date::from_ymd(2025, 12, 25), p.demand_driven_from)) ==
        0.0);
  // The tick that straddles it spends for its days from the switch on.
  const Tick straddle = tick_between(Date::from_ymd(2025, 12, 29), Date::from_ymd(2026, 1, 5));
  CHECK(share_after_switch(p, straddle) == doctest::Approx(4.0 / 7.0));
  CHECK(share_after_switch(p, tick_between(Date::from_ymd(2026, 1, 5),
                                           Date::from_ymd(2026, 1, 12))) == 1.0);
  // The default: never.
  CHECK(share_after_switch(CloudInvestmentParams{},
                           tick_between(Date::from_ymd(2040, 1, 1), Date::from_ymd(2040, 1, 8))) ==
        0.0);
}

TEST_CASE("the demand trend is the record's growth per year, clamped") {
  CloudInvestmentParams p;
  p.trend_years = 1.0;
  p.max_trend_per_year = 10.0;
  const double dt = 7.0 / 365.25;
  std::deque<double> grows;
  for (int i = 0; i <= 52; ++i) grows.push_back(100.0 * std::pow(3.0, dt * i));
  CHECK(cloud_demand_trend(p, grows, dt) == doctest::Approx(3.0));
  std::deque<double> short_record = {1.0, 2.0, 4.0};  // two weeks: too short to read
  CHECK(cloud_demand_trend(p, short_record, dt) == 1.0);
  std::deque<double> from_zero(53, 5.0);
  from_zero.front() = 0.0;
  CHECK(cloud_demand_trend(p, from_zero, dt) == 1.0);
  std::deque<double> explodes(53, 1e9);
  explodes.front() = 1.0;
  CHECK(cloud_demand_trend(p, explodes, dt) == doctest::Approx(10.0));
  std::deque<double> collapses(53, 1e-9);
  collapses.front() = 1.0;
  CHECK(cloud_demand_trend(p, collapses, dt) == doctest::Approx(0.1));
}

TEST_CASE("the serving capacity starts from what served adoption and keeps what the rule buys") {
  CloudInvestmentParams p;
  p.target_utilisation = 0.8;
  p.plans_continue = true;
  // Beside the plans: the part of the fleet that served adoption at the target utilisation.
  CHECK(initial_serving_capacity(p, 5e6, 1e5) == doctest::Approx(1e5 / 0.8));
  CHECK(initial_serving_capacity(p, 5e4, 1e5) == doctest::Approx(5e4));  // at most the fleet
  p.plans_continue = false;  // the rule buys everything: the whole fleet counts
  CHECK(initial_serving_capacity(p, 5e6, 1e5) == doctest::Approx(5e6));
  // A year of $14B/year at $14,000 per H100e adds 1M H100e; the rest depreciates.
  const double dt = 1.0 / 52.0;
  double k = 2e6;
  for (int w = 0; w < 52; ++w) k = next_serving_capacity(k, 14e9, 14000.0, 0.0, dt);
  CHECK(k == doctest::Approx(3e6));
  CHECK(next_serving_capacity(1e6, 0.0, 14000.0, 0.2, 1.0) == doctest::Approx(1e6 * std::exp(-0.2)));
  CHECK(next_serving_capacity(1e6, -5.0, 0.0, 0.2, 1.0) >= 0.0);
}

}  // namespace clouds_test
