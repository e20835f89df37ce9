#include "agents/clouds_module.hpp"

#include <algorithm>
#include <cmath>

#include "agents/adoption.hpp"

namespace airace {

void CloudsModule::start() {
  const SupplySetup& s = *c_.supply;
  const std::size_t n = s.n_buyers - s.n_labs;
  record_.assign(kServingPools, {});
  pool_ = c_.countries ? serving_pools(*c_.countries) : std::vector<std::size_t>{};
  pool_.resize(s.n_countries, 0);
  for (auto* v : {&fleet_, &serving_, &price_, &served_, &expected_, &utilisation_, &wanted_,
                  &financing_})
    v->assign(n, 0.0);
  switched_ = false;
  std::fill(utilisation_.begin(), utilisation_.end(), std::nan(""));
  world_.clouds.usd_per_year.assign(n, 0.0);
  world_.clouds.serving_capacity_h100e.clear();
  world_.clouds.plans_until = c_.params.plans_continue ? Date::from_ymd(9999, 12, 31)
                                                        : c_.params.demand_driven_from;
}

void CloudsModule::declare(Declarations& d) {
  // Reads the supply, the trade policy and adoption as earlier days left them; the trade policy
  // reads part::clouds the same day, so the clouds decide first.
  const std::size_t step =
      d.step({"clouds.invest", c_.cadence, {}, {part::supply, part::trade, part::adoption},
              {part::clouds}, [this](const Tick& t) { invest(t); }});
  const AxisId clouds = d.axis("clouds", "cloud");
  auto series = [&](SeriesDecl decl, const std::vector<double>& values) {
    decl.group = "clouds";
    decl.entity_axes = {clouds};
    d.series(step, std::move(decl), [p = &values](SeriesRow& r) { r.set_all(*p); });
  };
  series({"", "served_inference_h100e", "H100e",
          "the cloud's part of adoption's inference demand in its serving pool (China's export "
          "tier, or the other countries; split by installed inference capacity), as it stood at "
          "the tick"},
         served_);
  series({"", "expected_inference_h100e", "H100e",
          "inference demand the cloud expects one planning horizon ahead (served demand times "
          "its trend)"},
         expected_);
  series({"", "serving_capacity_h100e", "H100e",
          "inference capacity serving adoption: from cloud_investment.demand_driven_from, the "
          "part of the fleet that served it then plus what the rule bought since, depreciated; "
          "before, the whole fleet's inference value"},
         serving_);
  series({"", "utilisation", "fraction",
          "served inference demand over the serving capacity (NaN: no capacity)"},
         utilisation_);
  series({"", "wanted_usd_per_year", "USD/year",
          "chip spending the cloud's capacity gap asks for (0 before "
          "cloud_investment.demand_driven_from)"},
         wanted_);
  series({"", "financing_usd_per_year", "USD/year",
          "most the cloud's expected serving revenue can finance on chips (0 before "
          "cloud_investment.demand_driven_from)"},
         financing_);
  series({"", "demand_driven_usd_per_year", "USD/year",
          "chip spending the cloud decided for the tick: min(wanted, financing), 0 before "
          "cloud_investment.demand_driven_from, where its spending plans stand"},
         world_.clouds.usd_per_year);
}

void CloudsModule::invest(const Tick& t) {
  const SupplySetup& s = *c_.supply;
  const SupplyState& st = world_.supply;
  const CloudInvestmentParams& p = c_.params;
  const std::size_t nk = s.n_countries;
  const std::size_t n = s.n_buyers - s.n_labs;
  const std::vector<double>& demand = world_.adoption.inference_h100e;
  // docs/model.md §"Clouds' investment": compute flows freely within a serving pool (section
  // 3.3.6, **Serving capacity**), so a pool's demand is served by its clouds wherever it arises.
  std::vector<double> pool_demand(kServingPools, 0.0);
  for (std::size_t k = 0; k < nk && !demand.empty(); ++k) pool_demand[pool_[k]] += demand[k];
  // The record of each pool's served demand, trend_years long.
  for (std::size_t q = 0; q < kServingPools; ++q) {
    std::deque<double>& r = record_[q];
    r.push_back(pool_demand[q]);
    while (r.size() > 2 && t.dt_years * static_cast<double>(r.size() - 2) >= p.trend_years)
      r.pop_front();
  }
  // Installed inference capacity, and each pool's total among its clouds.
  // From the switch on, each pool's serving capacity as adoption last read it.
  std::vector<double> pool_fleet(kServingPools, 0.0), pool_clouds(kServingPools, 0.0),
      pool_serving(kServingPools, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = s.n_labs + i;
    const double h = fleet_inference_h100e(s, st, b);
    fleet_[i] = h;
    pool_fleet[pool_[s.buyer_country[b]]] += h;
    pool_clouds[pool_[s.buyer_country[b]]] += 1.0;
    if (switched_) pool_serving[pool_[s.buyer_country[b]]] += serving_[i];
  }
  chip_usd_per_h100e_year(s, st, world_.trade, t.date, chip_cost_);
  const double share = share_after_switch(p, t);
  const double delta = s.params.depreciation_per_year;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = s.buyer_country[s.n_labs + i];
    const std::size_t q = pool_[k];
    // A pool's demand is served by its clouds in proportion to their fleets (equal parts while
    // none has any); from the switch on, to their serving capacities, which bound it.
    const double part = pool_serving[q] > 0.0 ? serving_[i] / pool_serving[q]
                        : pool_fleet[q] > 0.0 ? fleet_[i] / pool_fleet[q]
                                              : 1.0 / pool_clouds[q];
    served_[i] = pool_demand[q] * part;
    // docs/model.md §"Clouds' investment": the serving capacity, set up at the switch, then
    // depreciated and added to by what the rule bought over the last tick.
    if (share <= 0.0)
      serving_[i] = fleet_[i];
    else if (!switched_)
      serving_[i] = initial_serving_capacity(p, fleet_[i], served_[i]);
    else
      serving_[i] = next_serving_capacity(serving_[i], world_.clouds.usd_per_year[i], price_[i],
                                          delta, t.dt_years);
    // A cloud serves with chips it holds: spending that bought none (supply short) adds no
    // capacity. It serves no more than its capacity: between adoption's ticks the capacity may
    // wear below what adoption served on it, and the rest waits for adoption's next tick.
    serving_[i] = std::min(serving_[i], fleet_[i]);
    if (share > 0.0) served_[i] = std::min(served_[i], serving_[i]);
    CloudInputs in;
    in.served_h100e = served_[i];
    in.trend_per_year = cloud_demand_trend(p, record_[q], t.dt_years);
    in.capacity_h100e = serving_[i];
    in.usd_per_h100e = delta > 0.0 ? chip_cost_[k] / delta : 0.0;
    in.rental_usd_per_h100e_year = s.params.remote_rental_usd_per_h100e_year;
    in.depreciation_per_year = delta;
    in.facility_usd_per_chip_usd = s.params.facility_usd_per_chip_usd;
    const CloudDecision dec = decide_cloud_spending(p, in);
    price_[i] = in.usd_per_h100e;
    expected_[i] = dec.expected_h100e;
    utilisation_[i] = dec.utilisation;
    wanted_[i] = share > 0.0 ? dec.wanted_usd_per_year : 0.0;
    financing_[i] = share > 0.0 ? dec.financing_usd_per_year : 0.0;
    // Spent over the part of the tick on or after the switch.
    world_.clouds.usd_per_year[i] = share * dec.spending_usd_per_year;
  }
  if (share > 0.0) switched_ = true;
  // From the switch on, adoption serves no more than these capacities.
  if (switched_) world_.clouds.serving_capacity_h100e = serving_;
  // The plans stop at the switch unless they go on beside the rule.
  world_.clouds.plans_until =
      p.plans_continue ? Date::from_ymd(9999, 12, 31) : p.demand_driven_from;
}

}  // namespace airace
