#include "agents/trade_module.hpp"

#include <algorithm>
#include <limits>

namespace airace {

void TradeModule::start() {
  cn_ = country_index(*c_.countries, "CN");
  cap_used_h100e_.assign(c_.rules->n_rules * c_.countries->size(), 0.0);
}

void TradeModule::declare_axes(Declarations& d) {
  std::vector<std::string> ids, names, tiers;
  for (const CountrySpec& c : *c_.countries) {
    ids.push_back(c.id);
    names.push_back(c.name.empty() ? c.id : c.name);
    tiers.push_back(std::string(tier_name(c.tier)));
  }
  countries_ = d.add_axis({"countries",
                           "country",
                           "countries in the scenario",
                           ids,
                           {{"country_name", "", "display name", names},
                            {"tier", "", "export-control tier", tiers}}});
}

void TradeModule::declare(Declarations& d) {
  std::vector<std::string> same_day = {part::governments};
  if (c_.clouds) same_day.push_back(part::clouds);
  const Cadence cadence = c_.cadence;
  const std::size_t policy =
      d.step({"trade.policy", cadence, same_day, {part::supply, part::labs}, {part::trade},
              [this](const Tick& t) { set_policy(t.date); }});
  d.step({"trade.caps", cadence, {part::supply}, {}, {}, [this](const Tick& t) {
            count_against_caps(*c_.rules, world_.governments.rule_times, t.date,
                               world_.supply.sales, c_.supply->chip_h100e, cap_used_h100e_);
          }});
  d.series(policy,
           {"chips", "legal_share", "fraction",
            "share of demand for a chip that may be sold legally in each country (1 allowed, the "
            "approval rate under licence, 0 banned)",
            {d.axis("chips", "chip"), countries_}},
           [this](SeriesRow& row) { row.set_all(world_.trade.legal_share); });
}

void TradeModule::set_policy(Date d) {
  const SupplySetup& s = *c_.supply;
  const SupplyState& supply = world_.supply;
  const LeverValues lever = levers_at(*c_.governments, world_.governments, d);
  auto value = [&lever](Lever l) { return lever[static_cast<std::size_t>(l)]; };
  compute_trade_policy(*c_.rules, world_.governments.rule_times, d, cap_used_h100e_,
                       world_.trade);
  SupplyPolicy& p = world_.supply_policy;
  p.trade = &world_.trade;
  p.enforcement = value(Lever::us_enforcement);
  p.domestic_preference.assign(s.n_countries, 0.0);
  if (cn_ < s.n_countries) p.domestic_preference[cn_] = value(Lever::cn_domestic_preference);
  // China's chip funds go to its producers in proportion to their capacity.
  p.subsidy_usd_per_year.assign(s.n_producers, 0.0);
  double cn_capacity = 0.0;
  for (std::size_t q = 0; q < s.n_producers; ++q)
    if (s.producer_country[q] == cn_) cn_capacity += supply.capacity[q];
  for (std::size_t q = 0; q < s.n_producers; ++q)
    if (s.producer_country[q] == cn_ && cn_capacity > 0.0)
      p.subsidy_usd_per_year[q] = value(Lever::cn_chip_subsidy) * supply.capacity[q] / cn_capacity;
  // docs/model.md §"Export controls: equipment": allies decide how much of a control holds.
  const double share = s.params.us_equipment_share;
  const double effectiveness = share + (1.0 - share) * value(Lever::ally_alignment);
  equipment_limits(*c_.rules, d, effectiveness, p.capex_multiplier, p.node_floor_nm);
  // Labs spend only money they have, less what they keep for their staff and running costs
  // (docs/model.md §"Labs: money"); clouds' spending is their plans'.
  p.budget_cap_usd.assign(s.n_buyers, std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < s.n_labs; ++i) p.budget_cap_usd[i] = chip_budget_usd(world_.labs, i);
  // docs/model.md §"Clouds' investment": after the historical period the clouds spend what the
  // demand they expect asks for, and their plans stop there (unless they go on beside it).
  p.added_usd_per_year.clear();
  p.plans_until.clear();
  const CloudSpending& clouds = world_.clouds;
  if (c_.clouds && clouds.usd_per_year.size() == s.n_buyers - s.n_labs) {
    p.added_usd_per_year.assign(s.n_buyers, 0.0);
    p.plans_until.assign(s.n_buyers, Date::from_ymd(9999, 12, 31));
    for (std::size_t b = s.n_labs; b < s.n_buyers; ++b) {
      p.added_usd_per_year[b] = clouds.usd_per_year[b - s.n_labs];
      p.plans_until[b] = clouds.plans_until;
    }
  }
}

}  // namespace airace
