#include "agents/clouds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace airace {

const Schema<CloudInvestmentParams>& cloud_investment_schema() {
  using P = CloudInvestmentParams;
  static const Schema<CloudInvestmentParams> s(
      "cloud_investment",
      {
          date("demand_driven_from", &P::demand_driven_from,
               {"end of the historical period: from this date the clouds' (clouds[]) own "
                "spending plans stop and each cloud's chip spending follows the inference demand "
                "it expects and its fleet's utilisation, within what its expected revenue can "
                "finance; before it, the plans stand and nothing is added",
                "the last sourced plan segments end 2025-12-31 (Nvidia data-centre revenue and "
                "hyperscaler capex through 2025, docs/calibration.md), so the baseline switches "
                "on 2026-01-01"}),
          number("target_utilisation", &P::target_utilisation, "fraction", between(0.05, 1),
                 {"share of its fleet's serving capacity a cloud plans to keep busy with the "
                  "demand it serves; it buys more when utilisation is above it, less below",
                  "LBNL via Uptime Institute (2025): GPU servers do useful work 75-85% of the "
                  "time; inference is burstier than training (Uptime); judgement range "
                  "0.6-0.9"}),
          number("planning_horizon_years", &P::planning_horizon_years, "years",
                 between(0.1, 5),
                 {"how far ahead a cloud orders: the demand it plans for is the served demand "
                  "extrapolated this far, and it closes the capacity gap over this time",
                  "order lead times of 36-52 weeks for H100 servers in 2023 (Omdia via Tom's "
                  "Hardware) and 8-12 weeks in 2024 (TSMC), plus months to build and power the "
                  "halls; judgement range 0.5-2"}),
          number("trend_years", &P::trend_years, "years", between(0.1, 5),
                 {"span of the served-demand record whose growth a cloud extrapolates",
                  "assumption: one year, the span of the capex guidance hyperscalers give"}),
          number("max_trend_per_year", &P::max_trend_per_year, "x/year", between(1, 1000),
                 {"largest growth (and 1/x the largest fall) per year a cloud extrapolates from "
                  "its record",
                  "assumption: tenfold a year, above the 4-5x/year of frontier training compute "
                  "(Epoch AI) and the 2-3x/year of installed AI compute, so it binds only on a "
                  "record that starts near zero"}),
          number("capex_revenue_share", &P::capex_revenue_share, "fraction", between(0, 5),
                 {"most a cloud spends on chips and their data centres per USD of the revenue "
                  "it expects from serving (expected served H100e at the rental rate, "
                  "supply_model.remote_rental_usd_per_h100e_year)",
                  "the big four's capex ($251B in 2024, $416B in 2025, Platformonomics 2026) "
                  "against AWS, Azure and Google Cloud revenue (about $256B in 2024, $300B in "
                  "2025): about 1 to 1.4; judgement range 0.6-1.5"}),
          flag("plans_continue", &P::plans_continue,
               {"the clouds' own plans (clouds[].demand) go on after demand_driven_from, for the "
                "workloads adoption does not count (training rented to labs, the clouds' own "
                "recommendation and ads systems, other enterprise AI); the rule then buys the "
                "capacity that serves adoption beside them. Off: the plans stop and the rule buys "
                "everything, the rest of the fleet serving other workloads until it wears out",
                "baseline on: adoption's serving demand is 2-3% of the US clouds' fleet at the "
                "end of 2025 (docs/model.md §\"Clouds' investment\"), so the plans still carry "
                "the other workloads; scenarios/whatif/clouds_buy_for_adoption_only.yaml turns "
                "it off"}),
      });
  return s;
}

CloudDecision decide_cloud_spending(const CloudInvestmentParams& p, const CloudInputs& in) {
  CloudDecision out;
  const double h = p.planning_horizon_years;
  const double served = std::max(0.0, in.served_h100e);
  const double trend = std::clamp(in.trend_per_year, 1.0 / p.max_trend_per_year,
                                  p.max_trend_per_year);
  out.expected_h100e = served * std::pow(trend, h);
  out.utilisation = in.capacity_h100e > 0.0 ? served / in.capacity_h100e
                                            : std::numeric_limits<double>::quiet_NaN();
  // The capacity it wants one horizon ahead, less what its fleet will still hold then, bought
  // over the horizon.
  const double wanted_h100e = out.expected_h100e / p.target_utilisation;
  const double left_h100e =
      std::max(0.0, in.capacity_h100e) * std::exp(-in.depreciation_per_year * h);
  const double gap = std::max(0.0, wanted_h100e - left_h100e);
  out.wanted_usd_per_year = std::max(0.0, in.usd_per_h100e) * gap / h;
  // Capex on chips and their data centres at most capex_revenue_share of expected revenue.
  out.financing_usd_per_year = p.capex_revenue_share * out.expected_h100e *
                               std::max(0.0, in.rental_usd_per_h100e_year) /
                               (1.0 + std::max(0.0, in.facility_usd_per_chip_usd));
  out.spending_usd_per_year =
      std::max(0.0, std::min(out.wanted_usd_per_year, out.financing_usd_per_year));
  if (!std::isfinite(out.spending_usd_per_year)) out.spending_usd_per_year = 0.0;
  return out;
}

double initial_serving_capacity(const CloudInvestmentParams& p, double fleet_h100e,
                                double served_h100e) {
  const double fleet = std::max(0.0, fleet_h100e);
  if (!p.plans_continue) return fleet;
  return std::min(fleet, std::max(0.0, served_h100e) / p.target_utilisation);
}

double next_serving_capacity(double capacity_h100e, double spending_usd_per_year,
                             double usd_per_h100e, double depreciation_per_year, double dt_years) {
  double next = std::max(0.0, capacity_h100e) * std::exp(-depreciation_per_year * dt_years);
  if (usd_per_h100e > 0.0 && std::isfinite(usd_per_h100e))
    next += std::max(0.0, spending_usd_per_year) * dt_years / usd_per_h100e;
  return next;
}

double cloud_demand_trend(const CloudInvestmentParams& p, const std::deque<double>& record,
                          double dt_years) {
  if (record.size() < 2 || dt_years <= 0.0) return 1.0;
  const double span = dt_years * static_cast<double>(record.size() - 1);
  if (span < 0.5 * p.trend_years) return 1.0;
  const double first = record.front();
  const double last = record.back();
  if (!(first > 0.0) || !(last > 0.0)) return 1.0;
  const double g = std::pow(last / first, 1.0 / span);
  return std::clamp(g, 1.0 / p.max_trend_per_year, p.max_trend_per_year);
}

double share_after_switch(const CloudInvestmentParams& p, const Tick& tick) {
  const Date from = p.demand_driven_from;
  if (tick.date < from) return 0.0;
  if (!(tick.previous < from)) return 1.0;
  const double whole = years_between(tick.previous, tick.date);
  if (whole <= 0.0) return 1.0;
  return std::clamp(years_between(from, tick.date) / whole, 0.0, 1.0);
}

}  // namespace airace
