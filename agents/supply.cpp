#include "agents/supply.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace airace {

void read_chip_quantities(const ConfigNode& n, const std::string& path, BuyerSpec& buyer,
                          Diagnostics& diags) {
  if (!n.is_map()) {
    diags.error(n.where, path,
                "expected a mapping of chip id to number of chips, found " + n.describe());
    return;
  }
  buyer.initial_chips.clear();
  for (const ConfigEntry& entry : n.entries)
    if (auto v = read_number(entry.value, child_path(path, entry.key), at_least(0), "chips", diags))
      buyer.initial_chips.push_back({EntityRef{entry.key, entry.key_where}, *v});
}

void read_demand_plans(const ConfigNode& n, const std::string& path, BuyerSpec& buyer,
                       Diagnostics& diags) {
  buyer.demand.clear();
  if (n.is_null()) return;
  if (!n.is_sequence()) {
    diags.error(n.where, path, "expected a list of spending plans, found " + n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    DemandPlan p;
    p.where = n.items[i].where;
    const std::string item = path + "[" + std::to_string(i) + "]";
    demand_plan_schema().read(n.items[i], item, p, diags);
    if (p.end < p.start)
      diags.error(p.where, item, "end " + p.end.iso() + " is before start " + p.start.iso());
    buyer.demand.push_back(std::move(p));
  }
}

const Schema<DemandPlan>& demand_plan_schema() {
  using P = DemandPlan;
  static const Schema<DemandPlan> schema(
      "labs[].demand[]",
      {
          number("usd_per_year", &P::usd_per_year, "USD/year", at_least(0),
                 {"spending on chips at the start of the plan",
                  "per buyer: its source field (calibration §2b, §6)", true}),
          number("growth_per_year", &P::growth_per_year, "x/year", above(0),
                 {"multiplicative growth of the spending per year (1 = flat)",
                  "per buyer: its source field (calibration §6)"}),
          date("start", &P::start,
               {"first day of spending; usd_per_year is the rate on this day (default: the "
                "scenario's start)"}),
          date("end", &P::end, {"last day of spending"}),
      });
  return schema;
}

const Schema<BuyerSpec>& cloud_schema() {
  static const Schema<BuyerSpec> schema("clouds[]", buyer_fields<BuyerSpec>());
  return schema;
}

const Schema<Disruption>& disruption_schema() {
  using D = Disruption;
  static const Schema<Disruption> schema(
      "producers[].disruptions[]",
      {
          text("id", &D::id, {"unique identifier", "", true}),
          date("start", &D::start, {"first day of the disruption", "", true}),
          date("end", &D::end, {"last day of the disruption", "", true}),
          number("capacity_lost", &D::capacity_lost, "fraction", between(0, 1),
                 {"share of the producer's capacity out of service meanwhile",
                  "per event: its source field"}),
          text("source", &D::source, {"what the event is"}),
      });
  return schema;
}

const Schema<WaferCapacityStep>& wafer_capacity_step_schema() {
  using W = WaferCapacityStep;
  static const Schema<WaferCapacityStep> schema(
      "producers[].wafer_capacity[]",
      {
          date("from", &W::from, {"first day of this capacity; it holds until the next", "",
                                  true}),
          number("wafers_per_month", &W::wafers_per_month, "wafers/month", at_least(0),
                 {"wafers per month: the fab's advanced-node wafer starts (wafer_capacity) or the "
                  "packager's interposer wafers (packaging_capacity)",
                  "per producer: its source field", true}),
      });
  return schema;
}

namespace {

// A dated list of {from, wafers_per_month}, in date order.
void read_capacity_steps(const ConfigNode& n, const std::string& path,
                         std::vector<WaferCapacityStep>& out, Diagnostics& d) {
  out.clear();
  if (!n.is_sequence()) {
    d.error(n.where, path,
            "expected a list such as [{from: 2025-12-01, wafers_per_month: 45000}], found " +
                n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    WaferCapacityStep step;
    step.where = n.items[i].where;
    const std::string item = path + "[" + std::to_string(i) + "]";
    wafer_capacity_step_schema().read(n.items[i], item, step, d);
    if (!out.empty() && !(out.back().from < step.from))
      d.error(step.where, item + ".from",
              "capacities must be in date order: " + step.from.iso() + " is not after " +
                  out.back().from.iso());
    out.push_back(step);
  }
}

}  // namespace

double wafer_ceiling_dies_per_year(const ProducerConfig& p, Date d) {
  if (p.dies_per_wafer <= 0.0 || p.wafer_capacity.empty())
    return std::numeric_limits<double>::infinity();
  double wafers = 0.0;
  for (const WaferCapacityStep& w : p.wafer_capacity)
    if (!(d < w.from)) wafers = w.wafers_per_month;
  return wafers * 12.0 * p.wafer_share * p.dies_per_wafer;
}

double packaging_ceiling_chips_per_year(const ProducerConfig& p, Date d) {
  if (p.packages_per_wafer <= 0.0 || p.packaging_capacity.empty())
    return std::numeric_limits<double>::infinity();
  double wafers = 0.0;
  for (const WaferCapacityStep& w : p.packaging_capacity)
    if (!(d < w.from)) wafers = w.wafers_per_month;
  return wafers * 12.0 * p.packaging_share * p.packages_per_wafer;
}

double die_bank_usable(const ProducerConfig& p, double left, Date d) {
  if (d < p.die_bank_from) return 0.0;
  if (!(p.die_bank_from < p.die_bank_until) || !(d < p.die_bank_until)) return left;
  // Dies not yet shipped: the share of the window still ahead of d.
  const double ahead =
      static_cast<double>(p.die_bank_until.days_since_epoch() - d.days_since_epoch()) /
      static_cast<double>(p.die_bank_until.days_since_epoch() - p.die_bank_from.days_since_epoch());
  return std::max(0.0, left - p.die_bank_dies * ahead);
}

const Schema<HbmSupplyStep>& hbm_supply_step_schema() {
  using H = HbmSupplyStep;
  static const Schema<HbmSupplyStep> schema(
      "memory_makers[].supply[]",
      {
          date("from", &H::from, {"first day of this offer; it holds until the next one", "",
                                  true}),
          number("stacks_per_year", &H::stacks_per_year, "stacks/year", at_least(0),
                 {"HBM stacks the maker offers its buyers together per year",
                  "per maker: its source field", true}),
      });
  return schema;
}

const Schema<MemoryMaker>& memory_maker_schema() {
  using M = MemoryMaker;
  static const Schema<MemoryMaker> schema(
      "memory_makers[]",
      {
          text("id", &M::id, {"unique identifier", "", true}),
          text("name", &M::name, {"display name"}),
          choice("tier", &M::tier, tier_options(),
                 {"export tier of the maker's home country (memory_rules[] control makers by "
                  "tier)", "", true}),
          reference_list("buyers", &M::buyers, "producers[]",
                         {"producers the maker sells HBM to (their chips with hbm_stacks > 0 are "
                          "made only from HBM held)", "", true}),
          custom<M>({"supply", "list of dated offers (see memory_makers[].supply[])", "", "[]", "",
                     "HBM offered to the buyers, stacks/year, each offer from its date until the "
                     "next",
                     "", true},
                    [](const ConfigNode& n, const std::string& path, M& out, Diagnostics& d) {
                      out.supply.clear();
                      if (!n.is_sequence()) {
                        d.error(n.where, path,
                                "expected a list of offers such as [{from: 2025-01-01, "
                                "stacks_per_year: 2000000}], found " + n.describe());
                        return;
                      }
                      for (std::size_t i = 0; i < n.items.size(); ++i) {
                        HbmSupplyStep step;
                        step.where = n.items[i].where;
                        const std::string item = path + "[" + std::to_string(i) + "]";
                        hbm_supply_step_schema().read(n.items[i], item, step, d);
                        if (!out.supply.empty() && !(out.supply.back().from < step.from))
                          d.error(step.where, item + ".from",
                                  "offers must be in date order: " + step.from.iso() +
                                      " is not after " + out.supply.back().from.iso());
                        out.supply.push_back(step);
                      }
                    }),
          text("source", &M::source, {"where the figures come from"}),
      });
  return schema;
}

const Schema<ProducerConfig>& producer_schema() {
  using P = ProducerConfig;
  static const Schema<ProducerConfig> schema(
      "producers[]",
      {
          text("id", &P::id, {"unique identifier used by chips[].producer", "", true}),
          text("name", &P::name, {"display name"}),
          text("designer", &P::designer, {"chip designer, e.g. Nvidia"}),
          text("fab", &P::fab, {"foundry, e.g. TSMC"}),
          reference("country", &P::country, "countries[]",
                    {"country of the fab (equipment controls act on it)", "", true}),
          number("capacity_chips_per_year", &P::capacity_chips_per_year, "chip starts/year",
                 at_least(0),
                 {"chips the pair can start per year at the start date (before yield)",
                  "per producer: its source field (calibration §2b, §4c)", true}),
          number("reinvestment_share", &P::reinvestment_share, "fraction", between(0, 1),
                 {"share of revenue invested in new capacity, scaled by utilisation",
                  "assumption, see docs/model.md §3.3.1"}),
          number("capex_usd_per_chip_per_year", &P::capex_usd_per_chip_per_year,
                 "USD per chip start/year", above(0),
                 {"investment needed for one more chip start per year of capacity",
                  "assumption, see docs/model.md §3.3.1"}),
          number("initial_yield", &P::initial_yield, "fraction", Range{0, 1, true, false},
                 {"share of chip starts that work at the start date",
                  "SMIC 910B ~20% (2024), TSMC mature nodes ~90% (calibration §2b)"}),
          number("progress_ratio", &P::progress_ratio, "fraction", Range{0, 1, true, false},
                 {"learning curve: the defect fraction is multiplied by this at each doubling of "
                  "cumulative output (1 = no learning)",
                  "Wright's law; 0.7-0.9 typical for semiconductors"}),
          number("experience_chips", &P::experience_chips, "chips", above(0),
                 {"chips made before the start date: the origin of the learning curve",
                  "per producer: its source field"}),
          number("gross_margin", &P::gross_margin, "fraction", Range{0, 1, false, true},
                 {"share of the list price above unit cost at launch",
                  "Nvidia ~70-75% (company filings); per producer otherwise"}),
          number("node_nm", &P::node_nm, "nm", above(0),
                 {"best process node at the start date", "per producer: its source field"}),
          number("node_shrink_per_year", &P::node_shrink_per_year, "x/year", between(0.1, 1),
                 {"yearly factor on the best node without equipment controls",
                  "assumption: a new node every ~2-3 years"}),
          number("hbm_stacks_at_start", &P::hbm_stacks_at_start, "stacks", at_least(0),
                 {"HBM stacks the producer holds at the start date (used by its chips with "
                  "hbm_stacks > 0)",
                  "per producer: its source field"}),
          number("die_bank_dies", &P::die_bank_dies, "dies", at_least(0),
                 {"working dies made at another foundry before it stopped (Huawei's TSMC dies "
                  "ordered through Sophgo): a finite stock used before the producer's own dies, "
                  "within its capacity",
                  "per producer: its source field (calibration §2b)"}),
          date("die_bank_from", &P::die_bank_from,
               {"date from which the die bank can be used"}),
          date("die_bank_until", &P::die_bank_until,
               {"the bank's dies arrive pro rata from die_bank_from to this date (the other "
                "foundry shipping them over months); on or before die_bank_from: all on "
                "die_bank_from"}),
          custom<P>({"wafer_capacity", "list of {from: date, wafers_per_month: number}", "", "[]",
                     "", "the fab's advanced-node wafer starts per month from each date on; with "
                     "wafer_share and dies_per_wafer the ceiling on the producer's own die starts",
                     "per producer: its source field", false},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      read_capacity_steps(n, path, out.wafer_capacity, d);
                    }),
          number("wafer_share", &P::wafer_share, "fraction", between(0, 1),
                 {"share of the fab's advanced-node wafers that make this producer's dies",
                  "per producer: its source field"}),
          number("dies_per_wafer", &P::dies_per_wafer, "dies/wafer", at_least(0),
                 {"die starts per wafer (0: no wafer ceiling)",
                  "per producer: its source field"}),
          custom<P>({"packaging_capacity", "list of {from: date, wafers_per_month: number}", "",
                     "[]", "", "the advanced packager's interposer wafers per month (TSMC's "
                     "CoWoS) from each date on; with packaging_share and packages_per_wafer the "
                     "ceiling on all the producer's chip starts",
                     "per producer: its source field", false},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      read_capacity_steps(n, path, out.packaging_capacity, d);
                    }),
          number("packaging_share", &P::packaging_share, "fraction", between(0, 1),
                 {"share of the packager's wafers that package this producer's chips",
                  "per producer: its source field"}),
          number("packages_per_wafer", &P::packages_per_wafer, "chip starts/wafer", at_least(0),
                 {"chip starts (slots of capacity_per_chip) packaged per interposer wafer (0: no "
                  "packaging ceiling)",
                  "per producer: its source field"}),
          flag("ends_outearned_chips", &P::ends_outearned_chips,
               {"when its orders exceed its supply the producer ends, for good, each chip that a "
                "later chip of its own earns more per slot than (docs/model.md §3.3.1 Product "
                "mix); off: it makes every chip it sells until end_of_sale"}),
          number("generation_overlap_years", &P::generation_overlap_years, "years", at_least(0),
                 {"years the producer keeps making an older chip beside a later chip of its own "
                  "that earns more per slot; after that, the first tick its orders exceed its "
                  "supply ends the older chip for good (docs/model.md §3.3.1 Product mix)",
                  "Nvidia shipped about as many A100s as H100s in calendar 2023-Q2, three "
                  "quarters after the H100's launch (its CFO, 2023-08, via Tom's Hardware)"}),
          custom<P>({"disruptions", "list of disruptions (see producers[].disruptions[])", "", "[]",
                     "", "events that take capacity out of service (a fab outage)", "", false},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      out.disruptions =
                          read_entity_list(n, path, disruption_schema(), Disruption{}, d);
                    }),
          text("source", &P::source, {"where the figures come from"}),
      });
  return schema;
}

const Schema<SupplyModelParams>& supply_model_schema() {
  using M = SupplyModelParams;
  static const Schema<SupplyModelParams> schema(
      "supply_model",
      {
          number("depreciation_per_year", &M::depreciation_per_year, "1/year", between(0, 10),
                 {"continuous rate at which installed chips leave service",
                  "a 4-5 year accelerator life (hyperscaler depreciation schedules)"}),
          number("demand_noise_sigma", &M::demand_noise_sigma, "1/sqrt(year)", between(0, 5),
                 {"standard deviation of the log of spending over one year (mean-preserving "
                  "lognormal)",
                  "assumption, see docs/model.md §3.3.1"}),
          number("interconnect_exponent", &M::interconnect_exponent, "-", between(0, 5),
                 {"how much a chip's training value falls with chip-to-chip bandwidth below an "
                  "H100's 900 GB/s: value x min(1, I/900)^exponent",
                  "assumption; DeepSeek-V3 trained efficiently on 400 GB/s H800 (calibration §3)"}),
          number("substitution_elasticity", &M::substitution_elasticity, "-", between(0, 50),
                 {"logit exponent on value per USD: how strongly buyers concentrate on the "
                  "best-value chip (0: spread evenly)",
                  "assumption, see docs/model.md §3.3.1"}),
          number("scarcity_price_elasticity", &M::scarcity_price_elasticity, "1/year",
                 between(0, 100),
                 {"speed at which the scarcity markup follows demand over supply",
                  "assumption, see docs/model.md §3.3.1"}),
          number("max_scarcity_markup", &M::max_scarcity_markup, "x", at_least(1),
                 {"highest price relative to the cost-based price",
                  "assumption, see docs/model.md §3.3.1"}),
          number("stockpile_boost", &M::stockpile_boost, "fraction", at_least(0),
                 {"extra buying of a chip between the announcement and the effective date of a "
                  "rule that will ban it; a rule that cuts a share x of the legal demand (a "
                  "licence at approval rate 1 - x) raises buying by x times this",
                  "A800 orders of $5B before the 2023-10 rule; ~$12-16B of H20 in 2025-Q1 "
                  "(calibration §2b, SF10)"}),
          flag("stockpile_orders_queue", &M::stockpile_orders_queue,
               {"orders placed to get ahead of an announced rule join the producer's queue "
                "behind the ordinary orders (first come, first served: Nvidia's stated "
                "allocation; lead times of 36-52 weeks for H100 servers, Omdia 2023-11), so they "
                "take only the supply those leave and the rest is unmet; off: they are filled "
                "pro rata with the ordinary orders (docs/model.md §3.3.1 Allocation)"}),
          number("hbm_stockpile_boost", &M::hbm_stockpile_boost, "fraction", at_least(0),
                 {"extra HBM a producer buys from a maker between the announcement and the "
                  "effective date of a memory rule that will cut its supply, times the share cut",
                  "Samsung shipped 7M stacks to China in the 29 days 2024-12-02..12-31 against "
                  "~4M a year before: 7M / (3.8M x 29/365) = 23x (SemiAnalysis 2025-09, "
                  "calibration §2b)"}),
          number("facility_usd_per_chip_usd", &M::facility_usd_per_chip_usd, "fraction",
                 at_least(0),
                 {"capital spent on data-centre buildings, power and networking per USD of AI "
                  "chips installed (counted in the capex indicator)",
                  "Epoch (Cottier et al. 2024): accelerators are ~50-67% of AI cluster hardware "
                  "cost, the rest servers, network, power (calibration §5)"}),
          number("smuggling_share_unenforced", &M::smuggling_share_unenforced, "fraction",
                 between(0, 1),
                 {"share of blocked spending that buys smuggled chips when enforcement is 0",
                  "assumption; with the baseline enforcement it gives ~3e4 chips smuggled in 2024 (CNAS 2025: 1e4-5e5, calibration §2b)"}),
          number("remote_access_share_unenforced", &M::remote_access_share_unenforced,
                 "fraction", between(0, 1),
                 {"share of blocked spending that rents compute in third countries when "
                  "enforcement is 0",
                  "assumption; CNAS 2025 models cloud diversion at a median 18k chips/year (calibration §2b)"}),
          number("enforcement_effectiveness", &M::enforcement_effectiveness, "1/index",
                 between(0, 100),
                 {"leakage shares fall as exp(-effectiveness x enforcement)",
                  "CNAS 2025: ~140k chips smuggled in 2024 (calibration §2b)"}),
          number("smuggling_price_premium", &M::smuggling_price_premium, "fraction", at_least(0),
                 {"extra paid for a smuggled chip over its price",
                  "racks at ~50% premium (FT 2025-07, calibration §2b)"}),
          number("remote_rental_usd_per_h100e_year", &M::remote_rental_usd_per_h100e_year,
                 "USD per H100e-year", above(0),
                 {"cost of renting compute abroad",
                  "$2 per H800-hour (DeepSeek-V3 report) x 8,766 hours"}),
          number("remote_rental_years", &M::remote_rental_years, "years", above(0),
                 {"mean length of a remote rental",
                  "assumption, see docs/model.md §3.3.1"}),
          number("us_equipment_share", &M::us_equipment_share, "fraction", between(0, 1),
                 {"share of an equipment control's effect that holds whatever the allies do; "
                  "the rest scales with allies.alignment",
                  "assumption, see docs/model.md §3.3.2"}),
      });
  return schema;
}

namespace {

std::size_t country_index(const std::vector<Country>& countries, const std::string& id) {
  for (std::size_t k = 0; k < countries.size(); ++k)
    if (countries[k].id == id) return k;
  return countries.size();
}

// The part of the period [from, to) that falls within the days first..last (inclusive).
std::pair<Date, Date> clip(Date from, Date to, Date first, Date last) {
  return {std::max(from, first), std::min(to, last.plus_days(1))};
}

// Spending of plan p over [from, to): the integral of the growing rate (USD).
double planned_spending(const SupplySetup::Plan& p, Date from, Date to) {
  const auto [a, b] = clip(from, to, p.start, p.end);
  if (!(a < b)) return 0.0;
  const double t0 = years_between(p.start, a);
  const double t1 = years_between(p.start, b);
  if (p.growth_per_year == 1.0) return p.usd_per_year * (t1 - t0);
  const double k = std::log(p.growth_per_year);
  return p.usd_per_year * (std::exp(k * t1) - std::exp(k * t0)) / k;
}

// Share of the period [from, to) during which disruptions hold capacity out of service.
double capacity_lost(const ProducerConfig& p, Date from, Date to) {
  const double days = static_cast<double>(to.days_since_epoch() - from.days_since_epoch());
  if (days <= 0.0) return 0.0;
  double lost = 0.0;
  for (const Disruption& d : p.disruptions) {
    const auto [a, b] = clip(from, to, d.start, d.end);
    if (a < b)
      lost += d.capacity_lost * static_cast<double>(b.days_since_epoch() - a.days_since_epoch()) /
              days;
  }
  return std::min(1.0, lost);
}

// Unit cost relative to launch: a chip launched at yield y0 costs y0 / y as much per working
// chip once the producer's yield is y. Prices and unit costs both follow it.
double cost_index(double launch_yield, double yield) { return launch_yield / yield; }

// Gross margin a chip earns its producer per chip start (slot) at this period's price: the
// price less the unit cost, over the slots one chip takes.
double margin_per_slot(const SupplySetup& s, const SupplyState& st, std::size_t c) {
  const std::size_t p = s.chip_producer[c];
  const double cost = s.chip_price_usd[c] * (1.0 - s.producers[p].gross_margin) *
                      cost_index(st.chip_reference_yield[c], st.yield[p]);
  return (st.price_usd[c] - cost) / s.chip_capacity_per_chip[c];
}

// Whether chip `later` may be sold wherever chip `older` may: offered there, and at least as
// open under the exporter's and the importer's rules.
bool sold_wherever(const SupplySetup& s, const TradePolicy& trade, std::size_t later,
                   std::size_t older) {
  const std::size_t nk = s.n_countries;
  auto open = [&](std::size_t c, std::size_t k) {
    if (!s.chip_offered[c * nk + k]) return 0.0;
    return (trade.legal_share.empty() ? 1.0 : trade.legal_share[c * nk + k]) *
           (trade.import_share.empty() ? 1.0 : trade.import_share[c * nk + k]);
  };
  for (std::size_t k = 0; k < nk; ++k) {
    const double was = open(older, k);
    if (was > 0.0 && open(later, k) < was) return false;
  }
  return true;
}

constexpr int kAllocationRounds = 3;
constexpr double kTiny = 1e-12;

}  // namespace

double learning_yield(const ProducerConfig& p, double cumulative) {
  // docs/model.md §"Chip supply: yield": 1 - y = (1 - y0) (Q / Q0)^log2(PR)
  const double ratio = std::max(1.0, cumulative / p.experience_chips);
  return 1.0 - (1.0 - p.initial_yield) * std::pow(ratio, std::log2(p.progress_ratio));
}

double smuggling_share(const SupplyModelParams& p, double enforcement) {
  return p.smuggling_share_unenforced * std::exp(-p.enforcement_effectiveness * enforcement);
}

double remote_access_share(const SupplyModelParams& p, double enforcement) {
  return p.remote_access_share_unenforced * std::exp(-p.enforcement_effectiveness * enforcement);
}

SupplySetup resolve_supply(const SupplyModelParams& params, const std::vector<ChipSpec>& chips,
                           const std::vector<ProducerConfig>& producers,
                           const std::vector<BuyerSpec>& buyers, std::size_t n_labs,
                           const std::vector<Country>& countries, Date start, Diagnostics& diags,
                           const std::vector<MemoryMaker>& memory_makers) {
  SupplySetup s;
  s.params = params;
  s.n_chips = chips.size();
  s.n_producers = producers.size();
  s.n_buyers = buyers.size();
  s.n_labs = n_labs;
  s.n_countries = countries.size();
  std::vector<std::string> country_ids, chip_ids, producer_ids;
  for (const Country& c : countries) country_ids.push_back(c.id);
  for (const ChipSpec& c : chips) chip_ids.push_back(c.id);
  for (const ProducerConfig& p : producers) producer_ids.push_back(p.id);

  s.producers = producers;
  for (const ProducerConfig& p : producers) {
    const std::string path = "producers[" + p.id + "]";
    resolve_reference(p.country, path + ".country", country_ids, "country", diags);
    s.producer_country.push_back(country_index(countries, p.country.id));
    for (const Disruption& d : p.disruptions)
      if (d.end < d.start)
        diags.error(d.where, path + ".disruptions[" + d.id + "]",
                    "end " + d.end.iso() + " is before start " + d.start.iso());
    if (p.die_bank_until.year() > 1900 && !(p.die_bank_from < p.die_bank_until))
      diags.error(p.where, path + ".die_bank_until",
                  "the die bank's last arrival " + p.die_bank_until.iso() +
                      " is not after its first, die_bank_from " + p.die_bank_from.iso());
  }

  s.chip_offered.assign(s.n_chips * s.n_countries, 0);
  for (std::size_t c = 0; c < chips.size(); ++c) {
    const ChipSpec& chip = chips[c];
    const std::string path = "chips[" + chip.id + "]";
    s.chip_h100e.push_back(h100_equivalents(chip));
    s.chip_training_h100e.push_back(training_h100e(chip, params.interconnect_exponent));
    s.chip_inference_h100e.push_back(inference_h100e(chip));
    s.chip_price_usd.push_back(chip.price_usd);
    s.chip_capacity_per_chip.push_back(chip.capacity_per_chip);
    s.chip_hbm_stacks.push_back(chip.hbm_stacks);
    s.chip_node_nm.push_back(chip.node_nm);
    s.chip_launch.push_back(chip.launch);
    s.chip_end_of_sale.push_back(chip.end_of_sale);
    s.chip_origin.push_back(country_index(countries, chip.origin.id));
    std::size_t producer = kNoProducer;
    if (!chip.producer.id.empty())
      if (auto p = resolve_reference(chip.producer, path + ".producer", producer_ids, "producer",
                                     diags))
        producer = *p;
    s.chip_producer.push_back(producer);
    if (producer != kNoProducer && chip.price_usd <= 0.0)
      diags.error(chip.where, path + ".price_usd",
                  "a chip that is sold needs a price above 0 (found " +
                      format_number(chip.price_usd) + ")");
    if (chip.offered_to.empty())
      for (std::size_t k = 0; k < s.n_countries; ++k) s.chip_offered[c * s.n_countries + k] = 1;
    for (std::size_t i = 0; i < chip.offered_to.size(); ++i)
      for (std::size_t k : countries_named(chip.offered_to[i],
                                           path + ".offered_to[" + std::to_string(i) + "]",
                                           countries, diags))
        s.chip_offered[c * s.n_countries + k] = 1;
    if (chip.end_of_sale < chip.launch)
      diags.error(chip.where, path + ".end_of_sale",
                  "the chip stops selling (" + chip.end_of_sale.iso() + ") before it launches (" +
                      chip.launch.iso() + ")");
  }

  s.initial_chips.assign(s.n_buyers * s.n_chips, 0.0);
  s.plans.resize(s.n_buyers);
  std::size_t plan_id = 0;
  for (std::size_t b = 0; b < buyers.size(); ++b) {
    const BuyerSpec& buyer = buyers[b];
    const std::string path = (b < n_labs ? "labs[" : "clouds[") + buyer.id + "]";
    resolve_reference(buyer.country, path + ".country", country_ids, "country", diags);
    s.buyer_ids.push_back(buyer.id);
    s.buyer_country.push_back(country_index(countries, buyer.country.id));
    s.buyer_training_weight.push_back(buyer.training_weight);
    s.buyer_other_capex_usd_per_year.push_back(buyer.other_capex_usd_per_year);
    s.buyer_other_capex_growth_per_year.push_back(buyer.other_capex_growth_per_year);
    s.buyer_state_linked.push_back(buyer.state_linked ? 1 : 0);
    for (const ChipQuantity& q : buyer.initial_chips) {
      const std::string qpath = path + ".chips." + q.chip.id;
      if (auto c = resolve_reference(q.chip, qpath, chip_ids, "chip", diags)) {
        if (q.units > 0.0 && start < chips[*c].launch)
          diags.error(q.chip.where, qpath,
                      "the " + q.chip.id + " launches on " + chips[*c].launch.iso() +
                          ", after the scenario starts (" + start.iso() +
                          "): it cannot be installed then");
        s.initial_chips[b * s.n_chips + *c] += q.units;
      }
    }
    // A plan without a start date starts with the scenario: its rate is the rate then.
    for (std::size_t c = 0; c < s.n_chips; ++c) {
      const double w = buyer.training_weight;
      const double value = w * s.chip_training_h100e[c] + (1.0 - w) * s.chip_inference_h100e[c];
      s.buyer_value_pow.push_back(std::pow(value, params.substitution_elasticity));
    }
    for (const DemandPlan& p : buyer.demand)
      s.plans[b].push_back(
          {plan_id++, p.usd_per_year, p.growth_per_year, std::max(p.start, start), p.end});
  }

  // HBM: a producer needs, per chip start, the most stacks any of its chips needs per start.
  s.producer_hbm_per_start.assign(s.n_producers, 0.0);
  for (std::size_t c = 0; c < s.n_chips; ++c)
    if (s.chip_producer[c] != kNoProducer && s.chip_hbm_stacks[c] > 0.0) {
      double& need = s.producer_hbm_per_start[s.chip_producer[c]];
      need = std::max(need, s.chip_hbm_stacks[c] / s.chip_capacity_per_chip[c]);
    }
  s.n_makers = memory_makers.size();
  for (const MemoryMaker& mm : memory_makers) {
    const std::string path = "memory_makers[" + mm.id + "]";
    s.maker_ids.push_back(mm.id);
    s.maker_tier.push_back(static_cast<std::size_t>(mm.tier));
    s.maker_supply.push_back(mm.supply);
    std::vector<std::size_t> buyers_of;
    for (std::size_t i = 0; i < mm.buyers.size(); ++i)
      if (auto p = resolve_reference(mm.buyers[i], path + ".buyers[" + std::to_string(i) + "]",
                                     producer_ids, "producer", diags)) {
        if (s.producer_hbm_per_start[*p] <= 0.0)
          diags.error(mm.buyers[i].where, path + ".buyers[" + std::to_string(i) + "]",
                      "the producer '" + mm.buyers[i].id +
                          "' makes no chip with hbm_stacks > 0: it has no use for HBM");
        else
          buyers_of.push_back(*p);
      }
    s.maker_buyers.push_back(std::move(buyers_of));
  }
  return s;
}

double hbm_offer_stacks_per_year(const SupplySetup& s, std::size_t maker, Date d) {
  double rate = 0.0;
  for (const HbmSupplyStep& step : s.maker_supply[maker])
    if (!(d < step.from)) rate = step.stacks_per_year;
  return rate;
}

SupplyState initial_supply_state(const SupplySetup& s) {
  SupplyState st;
  st.installed = s.initial_chips;
  st.smuggled.assign(s.n_buyers * s.n_chips, 0.0);
  st.remote_h100e.assign(s.n_buyers, 0.0);
  for (const ProducerConfig& p : s.producers) {
    st.capacity.push_back(p.capacity_chips_per_year);
    st.yield.push_back(p.initial_yield);
    st.cumulative_output.push_back(p.experience_chips);
    st.node_nm.push_back(p.node_nm);
    st.hbm_stock_stacks.push_back(p.hbm_stacks_at_start);
    st.die_bank_dies.push_back(p.die_bank_dies);
  }
  st.licence_fees_usd.assign(s.n_countries, 0.0);
  st.hbm_bought_stacks.assign(s.n_producers, 0.0);
  st.die_limited_chips.assign(s.n_producers, 0.0);
  st.packaging_limited_chips.assign(s.n_producers, 0.0);
  st.hbm_limited_chips.assign(s.n_producers, std::numeric_limits<double>::infinity());
  st.scarcity.assign(s.n_producers, 1.0);
  st.revenue_usd_per_year.assign(s.n_producers, 0.0);
  st.utilisation.assign(s.n_producers, 1.0);
  st.chip_reference_yield.assign(s.n_chips, 0.0);
  st.price_usd = s.chip_price_usd;
  st.chip_ended.assign(s.n_chips, 0);
  for (std::size_t c = 0; c < s.n_chips; ++c)
    if (s.chip_producer[c] != kNoProducer)
      st.chip_reference_yield[c] = st.yield[s.chip_producer[c]];
  st.sales.assign(s.n_chips * s.n_countries, 0.0);
  st.smuggled_sales.assign(s.n_chips * s.n_countries, 0.0);
  st.orders.assign(s.n_chips * s.n_countries, 0.0);
  st.output_chips.assign(s.n_producers, 0.0);
  st.revenue_usd.assign(s.n_producers, 0.0);
  st.wanted_value.assign(s.n_buyers, 0.0);
  st.obtained_value.assign(s.n_buyers, 0.0);
  st.spent_usd.assign(s.n_buyers, 0.0);
  st.chip_capex_usd.assign(s.n_buyers, 0.0);
  st.blocked_usd.assign(s.n_buyers, 0.0);
  st.unmet_usd.assign(s.n_buyers, 0.0);
  st.cut_usd.assign(s.n_buyers, 0.0);
  st.cumulative_smuggled_h100e.assign(s.n_countries, 0.0);
  return st;
}

void step_supply(const SupplySetup& s, const SupplyState& prev, SupplyState& next,
                 const SupplyPolicy& policy, const Tick& tick, StreamKey key) {
  SupplyWorkspace work;
  step_supply(s, prev, next, policy, tick, key, work);
}

void step_supply(const SupplySetup& s, const SupplyState& prev, SupplyState& next,
                 const SupplyPolicy& policy, const Tick& tick, StreamKey key,
                 SupplyWorkspace& work) {
  const SupplyModelParams& m = s.params;
  const std::size_t nc = s.n_chips;
  const std::size_t nk = s.n_countries;
  const double dt = tick.dt_years;
  next = prev;
  std::fill(next.sales.begin(), next.sales.end(), 0.0);
  std::fill(next.smuggled_sales.begin(), next.smuggled_sales.end(), 0.0);
  std::fill(next.orders.begin(), next.orders.end(), 0.0);
  std::fill(next.output_chips.begin(), next.output_chips.end(), 0.0);
  std::fill(next.revenue_usd.begin(), next.revenue_usd.end(), 0.0);
  std::fill(next.wanted_value.begin(), next.wanted_value.end(), 0.0);
  std::fill(next.obtained_value.begin(), next.obtained_value.end(), 0.0);
  std::fill(next.spent_usd.begin(), next.spent_usd.end(), 0.0);
  std::fill(next.chip_capex_usd.begin(), next.chip_capex_usd.end(), 0.0);
  std::fill(next.blocked_usd.begin(), next.blocked_usd.end(), 0.0);
  std::fill(next.unmet_usd.begin(), next.unmet_usd.end(), 0.0);
  std::fill(next.cut_usd.begin(), next.cut_usd.end(), 0.0);
  if (dt <= 0.0) return;

  // docs/model.md §"Chip supply: producers": capacity grows with last period's investment,
  // the node shrinks down to the equipment-control floor, disruptions take capacity out.
  std::vector<double>& supply_starts = work.supply_starts;
  supply_starts.assign(s.n_producers, 0.0);
  std::vector<double>& w_bank = work.bank_starts;
  w_bank.assign(s.n_producers, 0.0);
  std::vector<double>& w_own = work.own_starts;
  w_own.assign(s.n_producers, 0.0);
  for (std::size_t p = 0; p < s.n_producers; ++p) {
    const ProducerConfig& cfg = s.producers[p];
    const double invest = cfg.reinvestment_share * prev.revenue_usd_per_year[p] *
                              prev.utilisation[p] +
                          policy.subsidy_usd_per_year[p];
    next.capacity[p] = prev.capacity[p] + dt * invest / (cfg.capex_usd_per_chip_per_year *
                                                         policy.capex_multiplier[p]);
    const double shrunk = prev.node_nm[p] * std::pow(cfg.node_shrink_per_year, dt);
    next.node_nm[p] = std::max(shrunk, std::min(prev.node_nm[p], policy.node_floor_nm[p]));
    // docs/model.md §"Chip supply: dies": capacity C is the producer's chip starts. Its own die
    // starts are at most what its share of the fab's wafers allows, and work at its yield; dies
    // from the die bank (working already) fill the capacity its failed dies leave free.
    const double slots =
        prev.capacity[p] * (1.0 - capacity_lost(cfg, tick.previous, tick.date)) * dt;
    const double own =
        std::min(slots, wafer_ceiling_dies_per_year(cfg, tick.previous) * dt) * prev.yield[p];
    const double bank = std::min(die_bank_usable(cfg, prev.die_bank_dies[p], tick.previous),
                                 std::max(0.0, slots - own));
    w_bank[p] = bank;
    w_own[p] = own;
    // docs/model.md §"Chip supply: packaging": every working die, own or banked, needs a slot
    // on the packager's interposer wafers.
    next.die_limited_chips[p] = own + bank;
    next.packaging_limited_chips[p] = packaging_ceiling_chips_per_year(cfg, tick.previous) * dt;
    supply_starts[p] = std::min(own + bank, next.packaging_limited_chips[p]);
  }

  // docs/model.md §"Chip supply: HBM": producers buy the HBM makers offer them, as far as the
  // memory rules allow (more while a rule that will cut it is announced); a chip that needs HBM
  // is made only from stacks held, so the stock caps the chip starts.
  const TradePolicy& trade = *policy.trade;
  std::fill(next.hbm_bought_stacks.begin(), next.hbm_bought_stacks.end(), 0.0);
  for (std::size_t mk = 0; mk < s.n_makers; ++mk) {
    const std::vector<std::size_t>& buyers_of = s.maker_buyers[mk];
    if (buyers_of.empty()) continue;
    const double offer = hbm_offer_stacks_per_year(s, mk, tick.previous) * dt /
                         static_cast<double>(buyers_of.size());
    for (std::size_t p : buyers_of) {
      const std::size_t k = s.producer_country[p];
      const std::size_t i = s.maker_tier[mk] * nk + k;
      const double legal = trade.hbm_legal_share.empty() ? 1.0 : trade.hbm_legal_share[i];
      const double cut = trade.hbm_cut_soon.empty() ? 0.0 : trade.hbm_cut_soon[i];
      const double bought = offer * legal * (1.0 + m.hbm_stockpile_boost * cut);
      next.hbm_bought_stacks[p] += bought;
      next.hbm_stock_stacks[p] += bought;
    }
  }
  for (std::size_t p = 0; p < s.n_producers; ++p) {
    next.hbm_limited_chips[p] = std::numeric_limits<double>::infinity();
    if (s.producer_hbm_per_start[p] > 0.0) {
      next.hbm_limited_chips[p] = next.hbm_stock_stacks[p] / s.producer_hbm_per_start[p];
      supply_starts[p] = std::min(supply_starts[p], next.hbm_limited_chips[p]);
    }
  }

  // Chips on sale this period, and their prices: cost-based (unit cost falls as yield rises)
  // times the producer's scarcity markup.
  std::vector<uint8_t>& on_sale = work.on_sale;
  on_sale.assign(nc, 0);
  for (std::size_t c = 0; c < nc; ++c) {
    const std::size_t p = s.chip_producer[c];
    if (p == kNoProducer) continue;
    const bool launched = !(tick.date < s.chip_launch[c]);
    if (launched && tick.previous < s.chip_launch[c].plus_days(1))
      next.chip_reference_yield[c] = prev.yield[p];  // launch price set at launch yield
    on_sale[c] = chip_on_sale(s, prev, c, tick.previous, tick.date);
    next.price_usd[c] = s.chip_price_usd[c] * cost_index(next.chip_reference_yield[c], prev.yield[p]) *
                        prev.scarcity[p];
  }

  // Buyers' choices (docs/model.md §"Chip supply: demand"): a logit over value per USD; the
  // rules block part of it; blocked spending leaks or substitutes toward legal chips.
  // a = (v (1 + pi) / P)^lambda = v^lambda (1 + pi)^lambda P^-lambda: one pow per chip.
  const double lambda = m.substitution_elasticity;
  const double leak_smuggle = smuggling_share(m, policy.enforcement);
  const double leak_remote = remote_access_share(m, policy.enforcement);
  SupplyWorkspace& w = work;
  w.price_factor.assign(nc, 0.0);
  for (std::size_t c = 0; c < nc; ++c)
    if (on_sale[c]) w.price_factor[c] = std::pow(next.price_usd[c], -lambda);
  w.preference_factor.resize(nk);
  for (std::size_t k = 0; k < nk; ++k)
    w.preference_factor[k] = std::pow(1.0 + policy.domestic_preference[k], lambda);
  w.attract.assign(s.n_buyers * nc, 0.0);
  w.legal_spend.assign(s.n_buyers * nc, 0.0);
  w.smuggle_spend.assign(s.n_buyers * nc, 0.0);
  w.stockpile_spend.assign(s.n_buyers * nc, 0.0);
  w.remote_spend.assign(s.n_buyers, 0.0);
  for (std::size_t b = 0; b < s.n_buyers; ++b) {
    double budget = 0.0;
    const double sigma = m.demand_noise_sigma * std::sqrt(dt);
    // docs/model.md §"Clouds' investment": a cloud's plans stop where the demand-driven rule
    // takes over.
    const Date plans_to = policy.plans_until.empty() || tick.date < policy.plans_until[b]
                              ? tick.date
                              : policy.plans_until[b];
    for (const SupplySetup::Plan& plan : s.plans[b]) {
      const double planned =
          tick.previous < plans_to ? planned_spending(plan, tick.previous, plans_to) : 0.0;
      if (planned == 0.0) continue;
      // Mean-preserving lognormal, one stream per plan.
      const double z = sigma > 0.0 ? RandomStream(key, tick.index, plan.id).normal() : 0.0;
      budget += planned * std::exp(sigma * z - 0.5 * sigma * sigma);
    }
    if (!policy.added_usd_per_year.empty()) budget += policy.added_usd_per_year[b] * dt;
    // A buyer cannot spend money it does not have (labs: their capital).
    if (!policy.budget_cap_usd.empty() && budget > policy.budget_cap_usd[b]) {
      next.cut_usd[b] = budget - policy.budget_cap_usd[b];
      budget = policy.budget_cap_usd[b];
    }
    if (budget <= 0.0) continue;
    const std::size_t k = s.buyer_country[b];
    double* attract = &w.attract[b * nc];
    double total = 0.0;
    double legal_total = 0.0;
    auto imported = [&](std::size_t c) {
      return trade.import_share.empty() ? 1.0 : trade.import_share[c * nk + k];
    };
    for (std::size_t c = 0; c < nc; ++c) {
      if (!s.chip_offered[c * nk + k]) continue;
      double a = s.buyer_value_pow[b * nc + c] * w.price_factor[c];
      if (s.buyer_state_linked[b] && s.chip_origin[c] == k) a *= w.preference_factor[k];
      attract[c] = a;
      total += a;
      legal_total += a * trade.legal_share[c * nk + k] * imported(c);
    }
    if (total <= 0.0) {
      next.unmet_usd[b] += budget;
      continue;
    }
    double blocked = 0.0;
    double refused = 0.0;  // blocked by the buyer's own government: no leakage
    const double w_train = s.buyer_training_weight[b];
    for (std::size_t c = 0; c < nc; ++c) {
      const double want = budget * attract[c] / total;
      if (want == 0.0) continue;
      next.wanted_value[b] += want / next.price_usd[c] *
                              (w_train * s.chip_training_h100e[c] +
                               (1.0 - w_train) * s.chip_inference_h100e[c]);
      const double legal = trade.legal_share[c * nk + k];
      const double imp = imported(c);
      // Orders placed to get ahead of a rule: with the ordinary ones, or queued behind them
      // (allocation below).
      const double boost = m.stockpile_boost * trade.cut_soon[c * nk + k];
      if (m.stockpile_orders_queue) {
        w.legal_spend[b * nc + c] = want * imp * legal;
        w.stockpile_spend[b * nc + c] = want * imp * legal * boost;
      } else {
        w.legal_spend[b * nc + c] = want * imp * legal * (1.0 + boost);
      }
      blocked += want * imp * (1.0 - legal);
      refused += want * (1.0 - imp);
      w.smuggle_spend[b * nc + c] = want * imp * (1.0 - legal) * leak_smuggle;
    }
    next.blocked_usd[b] = blocked + refused;
    w.remote_spend[b] = blocked * leak_remote;
    const double substitute = blocked * (1.0 - leak_smuggle - leak_remote) + refused;
    if (legal_total > 0.0) {
      for (std::size_t c = 0; c < nc; ++c)
        w.legal_spend[b * nc + c] +=
            substitute * attract[c] * trade.legal_share[c * nk + k] * imported(c) / legal_total;
    } else {
      next.unmet_usd[b] += substitute;
    }
  }

  // docs/model.md §"Chip supply: allocation": producers fill orders pro rata when demand
  // exceeds supply; money left unspent goes, in the next round, to legal chips of producers
  // with supply left. Smuggled orders are placed once.
  std::vector<double>& remaining = w.remaining;
  remaining = supply_starts;
  w.first_demand.assign(s.n_producers, 0.0);
  w.legal_units.assign(s.n_buyers * nc, 0.0);
  w.smuggled_units.assign(s.n_buyers * nc, 0.0);
  w.leftover.assign(s.n_buyers, 0.0);
  const double smuggle_price = 1.0 + m.smuggling_price_premium;
  // Chip starts the stockpile orders ask of each producer (docs/model.md §"Chip supply:
  // allocation": queued behind the ordinary orders, with stockpile_orders_queue).
  std::vector<double>& stockpile_starts = w.stockpile_starts;
  stockpile_starts.assign(s.n_producers, 0.0);
  if (m.stockpile_orders_queue)
    for (std::size_t b = 0; b < s.n_buyers; ++b)
      for (std::size_t c = 0; c < nc; ++c)
        if (s.chip_producer[c] != kNoProducer)
          stockpile_starts[s.chip_producer[c]] +=
              w.stockpile_spend[b * nc + c] / next.price_usd[c] * s.chip_capacity_per_chip[c];
  // Each producer fills the same fraction of the orders w.demand asks of it, and what it fills
  // comes off what it has left.
  auto ration = [&] {
    w.fill.assign(s.n_producers, 1.0);
    for (std::size_t p = 0; p < s.n_producers; ++p)
      if (w.demand[p] > remaining[p]) w.fill[p] = remaining[p] / w.demand[p];
  };
  auto take_filled = [&] {
    for (std::size_t p = 0; p < s.n_producers; ++p)
      remaining[p] = std::max(0.0, remaining[p] - w.demand[p] * w.fill[p]);
  };
  for (int round = 0; round < kAllocationRounds; ++round) {
    // Orders per chip, then per producer (in chip starts).
    w.demand.assign(s.n_producers, 0.0);
    for (std::size_t c = 0; c < nc; ++c) {
      if (s.chip_producer[c] == kNoProducer) continue;
      double legal = 0.0;
      double smuggled = 0.0;
      for (std::size_t b = 0; b < s.n_buyers; ++b) {
        legal += w.legal_spend[b * nc + c];
        smuggled += w.smuggle_spend[b * nc + c];
      }
      double units = legal / next.price_usd[c];
      if (round == 0) units += smuggled / (next.price_usd[c] * smuggle_price);
      w.demand[s.chip_producer[c]] += units * s.chip_capacity_per_chip[c];
    }
    if (round == 0) {
      w.first_demand = w.demand;  // with the stockpile orders: all the orders of the tick
      if (m.stockpile_orders_queue)
        for (std::size_t p = 0; p < s.n_producers; ++p) w.first_demand[p] += stockpile_starts[p];
    }
    ration();

    bool any_left = false;
    for (std::size_t b = 0; b < s.n_buyers; ++b) {
      double leftover = 0.0;
      double unmet = 0.0;
      for (std::size_t c = 0; c < nc; ++c) {
        const std::size_t p = s.chip_producer[c];
        if (p == kNoProducer) continue;
        const double price = next.price_usd[c];
        const double spend = w.legal_spend[b * nc + c];
        w.legal_units[b * nc + c] += spend / price * w.fill[p];
        // Orders: the first round's in full; a later round's re-offered money where it is
        // filled (the rest goes on to the next round, or is unmet).
        next.orders[c * nk + s.buyer_country[b]] += spend / price * (round == 0 ? 1.0 : w.fill[p]);
        leftover += spend * (1.0 - w.fill[p]);
        if (round == 0) {
          const double smuggle = w.smuggle_spend[b * nc + c];
          w.smuggled_units[b * nc + c] = smuggle / (price * smuggle_price) * w.fill[p];
          unmet += smuggle * (1.0 - w.fill[p]);
        }
      }
      w.leftover[b] = leftover;
      next.unmet_usd[b] += unmet;
      any_left = any_left || leftover > 0.0;
    }
    take_filled();
    if (!any_left) break;

    // Re-offer unspent money to legal chips whose producer has supply left.
    std::fill(w.legal_spend.begin(), w.legal_spend.end(), 0.0);
    for (std::size_t b = 0; b < s.n_buyers; ++b) {
      const double leftover = w.leftover[b];
      if (leftover <= 0.0) continue;
      const std::size_t k = s.buyer_country[b];
      auto has_supply = [&](std::size_t c) {
        const std::size_t p = s.chip_producer[c];
        return p != kNoProducer && remaining[p] > kTiny * supply_starts[p] && remaining[p] > 0.0;
      };
      auto open_share = [&](std::size_t c) {
        return trade.legal_share[c * nk + k] *
               (trade.import_share.empty() ? 1.0 : trade.import_share[c * nk + k]);
      };
      double total = 0.0;
      for (std::size_t c = 0; c < nc; ++c)
        if (has_supply(c)) total += w.attract[b * nc + c] * open_share(c);
      if (total <= 0.0 || round + 1 == kAllocationRounds) {
        next.unmet_usd[b] += leftover;
        continue;
      }
      for (std::size_t c = 0; c < nc; ++c)
        if (has_supply(c))
          w.legal_spend[b * nc + c] = leftover * w.attract[b * nc + c] * open_share(c) / total;
    }
  }
  // docs/model.md §"Chip supply: allocation": orders placed to get ahead of an announced rule
  // join the producer's queue behind the ordinary orders, so they take only the supply those
  // leave; what they do not get is unmet (a stockpile is of the chip the rule will cut).
  if (m.stockpile_orders_queue) {
    w.demand = stockpile_starts;
    ration();
    for (std::size_t b = 0; b < s.n_buyers; ++b)
      for (std::size_t c = 0; c < nc; ++c) {
        const double spend = w.stockpile_spend[b * nc + c];
        if (spend <= 0.0) continue;
        const std::size_t p = s.chip_producer[c];
        const double fill = p == kNoProducer ? 0.0 : w.fill[p];
        if (p != kNoProducer) {
          w.legal_units[b * nc + c] += spend / next.price_usd[c] * fill;
          next.orders[c * nk + s.buyer_country[b]] += spend / next.price_usd[c];
        }
        next.unmet_usd[b] += spend * (1.0 - fill);
      }
    take_filled();
  }
  // Producers' revenue: legal and smuggled chips at the price (the premium goes to smugglers),
  // less the revenue share a licence makes the exporter pay its government on legal sales.
  std::fill(next.licence_fees_usd.begin(), next.licence_fees_usd.end(), 0.0);
  for (std::size_t c = 0; c < nc; ++c) {
    const std::size_t p = s.chip_producer[c];
    if (p == kNoProducer) continue;
    double units = 0.0;
    for (std::size_t b = 0; b < s.n_buyers; ++b) {
      units += w.legal_units[b * nc + c] + w.smuggled_units[b * nc + c];
      const std::size_t k = s.buyer_country[b];
      const double share = trade.revenue_share.empty() ? 0.0 : trade.revenue_share[c * nk + k];
      if (share > 0.0) {
        const double fee = w.legal_units[b * nc + c] * next.price_usd[c] * share;
        next.licence_fees_usd[k] += fee;
        next.revenue_usd[p] -= fee;
      }
    }
    next.revenue_usd[p] += units * next.price_usd[c];
  }

  // Fleets: depreciation, then deliveries (docs/model.md §"Chip supply: fleets").
  const double survive = std::exp(-m.depreciation_per_year * dt);
  const double rental_keep = std::exp(-dt / m.remote_rental_years);
  for (std::size_t b = 0; b < s.n_buyers; ++b) {
    const std::size_t k = s.buyer_country[b];
    for (std::size_t c = 0; c < nc; ++c) {
      const std::size_t i = b * nc + c;
      next.installed[i] = prev.installed[i] * survive + w.legal_units[i];
      next.smuggled[i] = prev.smuggled[i] * survive + w.smuggled_units[i];
      next.sales[c * nk + k] += w.legal_units[i];
      next.smuggled_sales[c * nk + k] += w.smuggled_units[i];
      next.cumulative_smuggled_h100e[k] += w.smuggled_units[i] * s.chip_h100e[c];
      if (s.chip_producer[c] != kNoProducer) {
        const std::size_t p = s.chip_producer[c];
        next.output_chips[p] += w.legal_units[i] + w.smuggled_units[i];
        next.hbm_stock_stacks[p] = std::max(
            0.0, next.hbm_stock_stacks[p] -
                     (w.legal_units[i] + w.smuggled_units[i]) * s.chip_hbm_stacks[c]);
      }
    }
    double spent = 0.0;
    const double w_train = s.buyer_training_weight[b];
    double obtained = w.remote_spend[b] / m.remote_rental_usd_per_h100e_year;  // H100-class
    for (std::size_t c = 0; c < nc; ++c) {
      const double units = w.legal_units[b * nc + c] + w.smuggled_units[b * nc + c];
      spent += (w.legal_units[b * nc + c] + w.smuggled_units[b * nc + c] * smuggle_price) *
               next.price_usd[c];
      obtained += units * (w_train * s.chip_training_h100e[c] +
                           (1.0 - w_train) * s.chip_inference_h100e[c]);
    }
    next.chip_capex_usd[b] = spent;
    next.spent_usd[b] = spent + w.remote_spend[b];
    next.obtained_value[b] = obtained;
    next.remote_h100e[b] = prev.remote_h100e[b] * rental_keep +
                           w.remote_spend[b] / (m.remote_rental_usd_per_h100e_year *
                                                m.remote_rental_years);
  }

  // Producers learn from output; the markup follows demand over supply.
  for (std::size_t p = 0; p < s.n_producers; ++p) {
    double starts_used = 0.0;
    for (std::size_t c = 0; c < nc; ++c)
      if (s.chip_producer[c] == p) {
        double units = 0.0;
        for (std::size_t k = 0; k < nk; ++k)
          units += next.sales[c * nk + k] + next.smuggled_sales[c * nk + k];
        starts_used += units * s.chip_capacity_per_chip[c];
      }
    // The producer's own dies are used first; the die bank makes up the rest. The learning
    // curve counts every chip the producer makes (its design, test and packaging experience).
    const double from_bank = std::clamp(starts_used - w_own[p], 0.0, w_bank[p]);
    next.die_bank_dies[p] = std::max(0.0, prev.die_bank_dies[p] - from_bank);
    next.cumulative_output[p] = prev.cumulative_output[p] + starts_used;
    next.yield[p] = learning_yield(s.producers[p], next.cumulative_output[p]);
    next.revenue_usd_per_year[p] = next.revenue_usd[p] / dt;
    next.utilisation[p] = supply_starts[p] > 0.0 ? std::min(1.0, starts_used / supply_starts[p])
                                                 : 0.0;
    // docs/model.md §"Chip supply: prices": s' = clamp(s (D/S)^(kappa dt), 1, max)
    double ratio = 1.0;
    if (supply_starts[p] > 0.0)
      ratio = w.first_demand[p] / supply_starts[p];
    else if (w.first_demand[p] > 0.0)
      ratio = m.max_scarcity_markup;
    const double moved =
        ratio > 0.0 ? prev.scarcity[p] * std::pow(ratio, m.scarcity_price_elasticity * dt) : 1.0;
    next.scarcity[p] = std::clamp(moved, 1.0, m.max_scarcity_markup);
  }

  // docs/model.md §"Chip supply: product mix": a producer that ends outearned chips and whose
  // orders exceed its chip starts ends, for good, each chip that a later chip of its own
  // outearns per slot, when the later chip has been out for generation_overlap_years and may be
  // sold wherever the older one may (offered there, and as open under the rules).
  // The slots go to the later chip; the older chip's buyers choose again among what is left.
  for (std::size_t c = 0; c < nc; ++c) {
    const std::size_t p = s.chip_producer[c];
    if (p == kNoProducer || !on_sale[c] || !s.producers[p].ends_outearned_chips) continue;
    if (!(w.first_demand[p] > supply_starts[p])) continue;
    for (std::size_t d = 0; d < nc; ++d)
      if (d != c && s.chip_producer[d] == p && on_sale[d] &&
          s.chip_launch[c] < s.chip_launch[d] &&
          years_between(s.chip_launch[d], tick.date) >= s.producers[p].generation_overlap_years &&
          sold_wherever(s, trade, d, c) &&
          margin_per_slot(s, next, d) > margin_per_slot(s, next, c)) {
        next.chip_ended[c] = 1;
        break;
      }
  }
}

double unit_cost_usd(const SupplySetup& s, const SupplyState& st, std::size_t c) {
  const std::size_t p = s.chip_producer[c];
  if (p == kNoProducer || st.yield[p] <= 0.0) return std::nan("");
  return s.chip_price_usd[c] * (1.0 - s.producers[p].gross_margin) *
         cost_index(st.chip_reference_yield[c], st.yield[p]);
}

double buyer_compute_h100e(const SupplySetup& s, const SupplyState& st, std::size_t b) {
  double sum = 0.0;
  for (std::size_t c = 0; c < s.n_chips; ++c)
    sum += (st.installed[b * s.n_chips + c] + st.smuggled[b * s.n_chips + c]) * s.chip_h100e[c];
  return sum;
}

double buyer_training_h100e(const SupplySetup& s, const SupplyState& st, std::size_t b) {
  double sum = st.remote_h100e[b];
  for (std::size_t c = 0; c < s.n_chips; ++c)
    sum += (st.installed[b * s.n_chips + c] + st.smuggled[b * s.n_chips + c]) *
           s.chip_training_h100e[c];
  return sum;
}

bool chip_on_sale(const SupplySetup& s, const SupplyState& st, std::size_t c, Date previous,
                  Date date) {
  const std::size_t p = s.chip_producer[c];
  if (p == kNoProducer) return false;
  const bool launched = !(date < s.chip_launch[c]);
  const bool selling = previous < s.chip_end_of_sale[c].plus_days(1);
  const bool makeable = s.chip_node_nm[c] == 0.0 || st.node_nm[p] <= s.chip_node_nm[c] + 1e-9;
  return launched && selling && makeable && st.chip_ended[c] == 0;
}

void chip_usd_per_h100e_year(const SupplySetup& s, const SupplyState& st,
                             const TradePolicy& trade, Date date, std::vector<double>& out) {
  const std::size_t nk = s.n_countries;
  out.assign(nk, s.params.remote_rental_usd_per_h100e_year);
  for (std::size_t k = 0; k < nk; ++k)
    for (std::size_t c = 0; c < s.n_chips; ++c) {
      const double legal = (trade.legal_share.empty() ? 1.0 : trade.legal_share[c * nk + k]) *
                           (trade.import_share.empty() ? 1.0 : trade.import_share[c * nk + k]);
      if (legal <= 0.0 || !s.chip_offered[c * nk + k] || s.chip_inference_h100e[c] <= 0.0 ||
          !chip_on_sale(s, st, c, date, date))
        continue;
      // docs/model.md §"Chip supply: cost of compute": the chip's price per H100e of inference,
      // written off at the depreciation rate; a licence's approval rate makes it dearer.
      out[k] = std::min(out[k], st.price_usd[c] / (s.chip_inference_h100e[c] * legal) *
                                    s.params.depreciation_per_year);
    }
}

double fleet_inference_h100e(const SupplySetup& s, const SupplyState& st, std::size_t buyer) {
  if (st.installed.empty()) return 0.0;
  const std::size_t nc = s.n_chips;
  double h100e = 0.0;
  for (std::size_t c = 0; c < nc; ++c)
    h100e +=
        (st.installed[buyer * nc + c] + st.smuggled[buyer * nc + c]) * s.chip_inference_h100e[c];
  return h100e;
}

}  // namespace airace
