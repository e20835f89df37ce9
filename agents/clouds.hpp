#pragma once
// Clouds' investment: after the historical period a cloud's chip spending follows the inference
// demand it expects and the utilisation of its fleet, within what its expected revenue can
// finance; before it, its spending plans stand. docs/model.md §"Clouds' investment" gives the
// equations, parameters, units and sources.
//
// Everything here is a plain function of its inputs (no draws): the module
// (agents/clouds_module.cpp) gathers the inputs from the world snapshot each supply tick.

#include <deque>
#include <vector>

#include "sim/core/params.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// The section `cloud_investment:` of a scenario.
struct CloudInvestmentParams {
  Date demand_driven_from = Date::from_ymd(9999, 12, 31);  // end of the historical period
  double target_utilisation = 0.8;      // fraction of the fleet's serving capacity in use
  double planning_horizon_years = 1.0;  // years, order lead time and build-out
  double trend_years = 1.0;             // years of served demand the trend is read from
  double max_trend_per_year = 10.0;     // x/year, largest growth (or 1/x fall) extrapolated
  double capex_revenue_share = 1.0;     // fraction, capex (chips + facilities) per USD of revenue
  bool plans_continue = false;  // the plans go on after the switch, for the other workloads
};
const Schema<CloudInvestmentParams>& cloud_investment_schema();

// What one cloud sees on a tick.
struct CloudInputs {
  double served_h100e = 0.0;          // H100e, its part of adoption's inference demand now
  double trend_per_year = 1.0;        // x/year, growth of that demand (cloud_demand_trend)
  double capacity_h100e = 0.0;        // H100e of serving capacity (cloud_serving_capacity)
  double usd_per_h100e = 0.0;         // USD, cheapest chip price per H100e of inference
  double rental_usd_per_h100e_year = 0.0;  // USD/H100e-year its served compute earns
  double depreciation_per_year = 0.2;      // 1/year, continuous
  double facility_usd_per_chip_usd = 0.5;  // USD of data centre per USD of chips
};

// What it decides.
struct CloudDecision {
  double expected_h100e = 0.0;           // H100e of demand expected one horizon ahead
  double utilisation = 0.0;              // fraction: served / capacity (NaN without capacity)
  double wanted_usd_per_year = 0.0;      // USD/year the capacity gap asks for
  double financing_usd_per_year = 0.0;   // USD/year its expected revenue can finance
  double spending_usd_per_year = 0.0;    // USD/year on chips: min(wanted, financing), >= 0
};

// What the clouds publish for the supply step (part::clouds).
struct CloudSpending {
  std::vector<double> usd_per_year;  // [cloud] demand-driven chip spending over the tick
  Date plans_until = Date::from_ymd(9999, 12, 31);  // the clouds' own plans stop on this date
  // [cloud] H100e, K_b: the inference capacity serving adopters, from the switch on (empty
  // before it); adoption serves no more than its pool's clouds hold (docs/model.md §3.3.1a)
  std::vector<double> serving_capacity_h100e;
};

// docs/model.md §"Clouds' investment": expected demand, utilisation, the capacity gap and the
// financing bound.
CloudDecision decide_cloud_spending(const CloudInvestmentParams& p, const CloudInputs& in);

// The serving capacity at the switch: the part of a fleet of `fleet_h100e` (H100e of inference
// value) that serves adoption, min(fleet, served / target_utilisation); all of it when the plans
// stop (the rest then serves other workloads and is not replaced).
double initial_serving_capacity(const CloudInvestmentParams& p, double fleet_h100e,
                                double served_h100e);

// The serving capacity one tick of `dt_years` later: depreciated, plus the capacity bought with
// the demand-driven spending at `usd_per_h100e`.
double next_serving_capacity(double capacity_h100e, double spending_usd_per_year,
                             double usd_per_h100e, double depreciation_per_year, double dt_years);

// Growth per year of a served-demand record (oldest first, one value per tick, `dt_years`
// apart): (last / first)^(1 / span), clamped to [1 / max, max]; 1 while the record spans less
// than half of trend_years or starts at 0.
double cloud_demand_trend(const CloudInvestmentParams& p, const std::deque<double>& record,
                          double dt_years);

// Fraction of the tick (previous, date] on or after the switch date: 0 before it, 1 after.
double share_after_switch(const CloudInvestmentParams& p, const Tick& tick);

}  // namespace airace
