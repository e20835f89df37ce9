#pragma once
// Chip supply: producers (designer + fab pairs) with capacity, yields and prices; buyers (labs
// and clouds) with budgets; and the allocation that sells chips to buyers under the export
// rules, with leakage through smuggling and remote cloud access. Installed chips depreciate.
// docs/model.md §"Chip supply" gives the equations, parameters, units and sources.
//
// The allocation interface: buyers state demand as budgets (USD) and value chips by what they
// are worth to them; the export regime gives a TradePolicy; step_supply returns deliveries by
// buyer and chip (legal and smuggled), which every buyer's fleet receives. Labs are buyers
// 0..n_labs-1, in lab order.

#include <cstdint>
#include <string>
#include <vector>

#include "agents/chips.hpp"
#include "agents/export_rules.hpp"
#include "sim/core/params.hpp"
#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// Random streams (sim/core/random.hpp): spending of each demand plan.
inline constexpr Stream kBuyerDemandStream{1};

struct ChipQuantity {
  EntityRef chip;
  double units = 0.0;  // chips
};

// Spending on chips: usd_per_year at `start`, growing by growth_per_year, until `end`.
struct DemandPlan {
  double usd_per_year = 0.0;     // USD/year at the start of the plan
  double growth_per_year = 1.0;  // x/year (1 = flat)
  Date start = Date::from_ymd(1900, 1, 1);
  Date end = Date::from_ymd(9999, 12, 31);
  SourceLocation where;
};

// What labs and clouds share as buyers of chips.
struct BuyerSpec {
  std::string id;
  std::string name;
  EntityRef country;
  std::vector<ChipQuantity> initial_chips;  // installed at the start date
  std::vector<DemandPlan> demand;
  double training_weight = 0.3;  // fraction of a chip's value that comes from training
  bool state_linked = false;     // follows its government's procurement preference
  double other_capex_usd_per_year = 0.0;     // USD/year at the start date, outside AI compute
  double other_capex_growth_per_year = 1.0;  // x/year
  std::string source;
  SourceLocation where;
};

const Schema<BuyerSpec>& cloud_schema();
const Schema<DemandPlan>& demand_plan_schema();

// `chips: {H100: 20000}` and `demand: [...]`, for any buyer.
void read_chip_quantities(const ConfigNode& n, const std::string& path, BuyerSpec& buyer,
                          Diagnostics& diags);
void read_demand_plans(const ConfigNode& n, const std::string& path, BuyerSpec& buyer,
                       Diagnostics& diags);

// The keys every buyer has, for the schemas of labs and clouds (T derives from BuyerSpec).
template <class T>
std::vector<Field<T>> buyer_fields() {
  auto chips = [](const ConfigNode& n, const std::string& p, T& out, Diagnostics& d) {
    read_chip_quantities(n, p, out, d);
  };
  auto demand = [](const ConfigNode& n, const std::string& p, T& out, Diagnostics& d) {
    read_demand_plans(n, p, out, d);
  };
  return {
      text<T>("id", &T::id, {"unique identifier", "", true}),
      text<T>("name", &T::name, {"display name"}),
      reference<T>("country", &T::country, "countries[]", {"home country", "", true}),
      custom<T>({"chips", "mapping of chip id to number", "chips", "{}", ">= 0",
                 "chips installed at the start date, by chip type",
                 "per buyer: its source field", false},
                chips),
      custom<T>({"demand", "list of spending plans (see labs[].demand[])", "", "[]", "",
                 "money spent on chips over time; the allocation turns it into chips", "", false},
                demand),
      number<T>("training_weight", &T::training_weight, "fraction", between(0, 1),
                {"share of a chip's value to this buyer that comes from training (the rest from "
                 "inference); sets which chips it prefers",
                 "assumption: labs train, clouds mostly serve (docs/model.md §3.3.1)"}),
      flag<T>("state_linked", &T::state_linked,
              {"the buyer follows its government's procurement preference for domestic chips"}),
      number<T>("other_capex_usd_per_year", &T::other_capex_usd_per_year, "USD/year",
                at_least(0),
                {"capital spending outside AI compute at the start date (non-AI data centres, "
                 "logistics, devices); counted in the capex indicator only, it buys no chips",
                 "per buyer: its source field"}),
      number<T>("other_capex_growth_per_year", &T::other_capex_growth_per_year, "x/year",
                between(0.1, 10), {"growth of that spending", "per buyer: its source field"}),
      text<T>("source", &T::source, {"where the buyer's figures come from"}),
  };
}

struct Disruption {
  std::string id;
  Date start = Date::from_ymd(9999, 12, 31);
  Date end = Date::from_ymd(9999, 12, 31);
  double capacity_lost = 1.0;  // fraction of capacity out of service
  std::string source;
  SourceLocation where;
};

// HBM a memory maker offers its buyers from a date on (docs/model.md §3.3.1 HBM).
struct HbmSupplyStep {
  Date from = Date::from_ymd(1900, 1, 1);
  double stacks_per_year = 0.0;  // stacks/year offered to its buyers together
  SourceLocation where;
};

// A maker of high-bandwidth memory (SK hynix, Samsung, Micron, CXMT) and what it offers the
// producers that buy from it; memory_rules[] decide how much of that may be sold.
struct MemoryMaker {
  std::string id;
  std::string name;
  ExportTier tier = ExportTier::ally;  // export tier of its home country
  std::vector<EntityRef> buyers;       // producers[] it sells HBM to
  std::vector<HbmSupplyStep> supply;   // dated offers, each in force until the next
  std::string source;
  SourceLocation where;
};

const Schema<MemoryMaker>& memory_maker_schema();
const Schema<HbmSupplyStep>& hbm_supply_step_schema();

// Advanced-node wafers a foundry runs per month from a date on.
struct WaferCapacityStep {
  Date from = Date::from_ymd(1900, 1, 1);
  double wafers_per_month = 0.0;
  SourceLocation where;
};
const Schema<WaferCapacityStep>& wafer_capacity_step_schema();

struct ProducerConfig {
  std::string id;
  std::string name;
  std::string designer;
  std::string fab;
  EntityRef country;
  double capacity_chips_per_year = 0.0;        // chip starts per year at the start date
  double reinvestment_share = 0.2;             // fraction of revenue invested in capacity
  double capex_usd_per_chip_per_year = 10000;  // USD per chip start/year of new capacity
  double initial_yield = 0.9;                  // fraction of chip starts that work
  double progress_ratio = 0.8;                 // defect fraction x per doubling of output
  double experience_chips = 1e6;               // chips made before the start date
  double gross_margin = 0.6;                   // fraction of the list price over unit cost
  double node_nm = 5.0;                        // best process node at the start date, nm
  double node_shrink_per_year = 0.85;          // x/year
  double hbm_stacks_at_start = 0.0;            // HBM stacks held at the start date
  double die_bank_dies = 0.0;                  // working dies made elsewhere, a finite stock
  Date die_bank_from = Date::from_ymd(1900, 1, 1);  // when that stock can be used
  // The bank's dies arrive pro rata from die_bank_from to this date (a foundry shipping them
  // over months); on or before die_bank_from (the default): all of them on die_bank_from.
  Date die_bank_until = Date::from_ymd(1900, 1, 1);
  std::vector<WaferCapacityStep> wafer_capacity;    // the fab's advanced-node wafers/month
  double wafer_share = 1.0;                    // fraction of those wafers for these dies
  double dies_per_wafer = 0.0;                 // die starts per wafer; 0: no wafer ceiling
  // Advanced packaging (TSMC's CoWoS): interposer wafers/month of the packager, this producer's
  // share of them and chip slots per wafer: a ceiling on all its chips, own dies and bank alike.
  std::vector<WaferCapacityStep> packaging_capacity;  // the packager's wafers/month
  double packaging_share = 1.0;                // fraction of those wafers for these chips
  double packages_per_wafer = 0.0;             // chip slots per wafer; 0: no packaging ceiling
  bool ends_outearned_chips = false;           // scarce slots end chips a later one outearns
  double generation_overlap_years = 0.0;       // years an older chip is made beside a later one
                                               // that outearns it, before scarce slots end it
  std::vector<Disruption> disruptions;
  std::string source;
  SourceLocation where;
};

const Schema<ProducerConfig>& producer_schema();
const Schema<Disruption>& disruption_schema();

// Parameters of the allocation shared by all buyers (scenario section `supply_model`).
struct SupplyModelParams {
  double depreciation_per_year = 0.2;          // 1/year, continuous
  double demand_noise_sigma = 0.2;             // 1/sqrt(year), lognormal
  double interconnect_exponent = 0.25;         // training value vs chip-to-chip bandwidth
  double substitution_elasticity = 4.0;        // logit exponent on value per USD
  double scarcity_price_elasticity = 2.0;      // 1/year
  double max_scarcity_markup = 3.0;            // x list price
  double stockpile_boost = 1.5;                // extra fraction bought before a rule bites
  double hbm_stockpile_boost = 1.5;            // the same for HBM before a memory rule bites
  bool stockpile_orders_queue = false;         // stockpile orders get only the supply the
                                               // ordinary ones leave (first come, first served)
  double facility_usd_per_chip_usd = 0.5;      // data centre, power, network per USD of chips
  double smuggling_share_unenforced = 0.3;     // fraction of blocked spending, enforcement 0
  double remote_access_share_unenforced = 0.2; // fraction of blocked spending, enforcement 0
  double enforcement_effectiveness = 1.0;      // 1/index
  double smuggling_price_premium = 0.5;        // fraction over the list price
  double remote_rental_usd_per_h100e_year = 17500;  // USD per H100e-year
  double remote_rental_years = 1.0;            // years, mean length of a rental
  double us_equipment_share = 0.4;             // fraction of equipment controls allies can't undo
};

const Schema<SupplyModelParams>& supply_model_schema();

inline constexpr std::size_t kNoProducer = static_cast<std::size_t>(-1);

// Everything resolved to indices, fixed for a run.
struct SupplySetup {
  SupplyModelParams params;
  std::size_t n_chips = 0;
  std::size_t n_producers = 0;
  std::size_t n_buyers = 0;
  std::size_t n_labs = 0;
  std::size_t n_countries = 0;
  // chips
  std::vector<double> chip_h100e, chip_training_h100e, chip_inference_h100e;
  std::vector<double> chip_price_usd, chip_capacity_per_chip, chip_node_nm;
  std::vector<std::size_t> chip_producer;  // kNoProducer: never sold
  std::vector<std::size_t> chip_origin;    // country index
  std::vector<Date> chip_launch, chip_end_of_sale;
  std::vector<uint8_t> chip_offered;  // [chip * n_countries + country]
  // producers
  std::vector<ProducerConfig> producers;
  std::vector<std::size_t> producer_country;
  // buyers
  std::vector<std::string> buyer_ids;
  std::vector<std::size_t> buyer_country;
  std::vector<double> buyer_training_weight;
  std::vector<double> buyer_other_capex_usd_per_year;     // at the start date
  std::vector<double> buyer_other_capex_growth_per_year;
  std::vector<uint8_t> buyer_state_linked;
  std::vector<double> buyer_value_pow;  // [buyer * n_chips + chip] (value to the buyer)^lambda
  std::vector<double> initial_chips;  // [buyer * n_chips + chip]
  struct Plan {
    std::size_t id;  // entity of its random stream
    double usd_per_year;
    double growth_per_year;
    Date start;
    Date end;
  };
  std::vector<std::vector<Plan>> plans;  // [buyer]
  // HBM: what each maker offers whom, and how many stacks a producer's chips need
  std::size_t n_makers = 0;
  std::vector<std::string> maker_ids;
  std::vector<std::size_t> maker_tier;                   // [maker] ExportTier as an index
  std::vector<std::vector<std::size_t>> maker_buyers;    // [maker] producers
  std::vector<std::vector<HbmSupplyStep>> maker_supply;  // [maker] dated offers, by date
  std::vector<double> chip_hbm_stacks;                   // [chip] stacks/chip
  std::vector<double> producer_hbm_per_start;  // [producer] stacks per chip start; 0: untracked
};

// Die starts per year the producer's share of its fab's advanced-node wafers allows on date d
// (infinite without a wafer ceiling).
double wafer_ceiling_dies_per_year(const ProducerConfig& p, Date d);

// Chip starts per year the producer's share of its packager's wafers allows on date d
// (infinite without a packaging ceiling).
double packaging_ceiling_chips_per_year(const ProducerConfig& p, Date d);

// Dies of the producer's die bank it can use on date d, with `left` dies still in the bank:
// none before die_bank_from; then what has arrived (pro rata over die_bank_from..die_bank_until)
// less what was used.
double die_bank_usable(const ProducerConfig& p, double left, Date d);

// Stacks per year maker m offers its buyers on date d (0 before its first offer).
double hbm_offer_stacks_per_year(const SupplySetup& s, std::size_t maker, Date d);

// Buyers are the labs followed by the clouds. Reports unknown ids and impossible dates.
SupplySetup resolve_supply(const SupplyModelParams& params, const std::vector<ChipSpec>& chips,
                           const std::vector<ProducerConfig>& producers,
                           const std::vector<BuyerSpec>& buyers, std::size_t n_labs,
                           const std::vector<Country>& countries, Date start, Diagnostics& diags,
                           const std::vector<MemoryMaker>& memory_makers = {});

struct SupplyState {
  // fleets
  std::vector<double> installed;      // [buyer * n_chips + chip] chips bought legally
  std::vector<double> smuggled;       // [buyer * n_chips + chip] chips smuggled in
  std::vector<double> remote_h100e;   // [buyer] H100e rented abroad (remote access)
  // producers
  std::vector<double> capacity;             // [producer] chip starts/year
  std::vector<double> yield;                // [producer] fraction
  std::vector<double> cumulative_output;    // [producer] chips, including experience
  std::vector<double> node_nm;              // [producer] nm
  std::vector<double> scarcity;             // [producer] x list price
  std::vector<double> revenue_usd_per_year; // [producer] over the last tick
  std::vector<double> utilisation;          // [producer] fraction of supply sold, last tick
  std::vector<double> chip_reference_yield; // [chip] producer's yield when the chip launched
  std::vector<double> price_usd;            // [chip] price in force, USD
  std::vector<uint8_t> chip_ended;          // [chip] 1 once its producer has ended its
                                            // production for a later chip (for good)
  std::vector<double> hbm_stock_stacks;     // [producer] HBM stacks held
  std::vector<double> die_bank_dies;        // [producer] dies left in the die bank
  std::vector<double> hbm_bought_stacks;    // [producer] HBM stacks bought over the last tick
  std::vector<double> die_limited_chips;    // [producer] working chip starts capacity and yield
                                            // allowed over the last tick
  std::vector<double> hbm_limited_chips;    // [producer] chip starts the HBM held allowed then
                                            // (infinite where HBM is not tracked)
  std::vector<double> packaging_limited_chips;  // [producer] chip starts its packaging allowed
                                                // then (infinite without a ceiling)
  // flows over the last tick
  std::vector<double> sales;           // [chip * n_countries + country] chips sold legally
  std::vector<double> smuggled_sales;  // [chip * n_countries + country] chips smuggled
  std::vector<double> orders;          // [chip * n_countries + country] chips ordered legally,
                                       // delivered or not (docs/model.md §3.3.1 Allocation)
  std::vector<double> output_chips;    // [producer] chips
  std::vector<double> revenue_usd;     // [producer] USD
  std::vector<double> wanted_value;    // [buyer] H100e of value its budget would buy, unhindered
  std::vector<double> obtained_value;  // [buyer] H100e of value it received (bought, smuggled)
  std::vector<double> spent_usd;       // [buyer] spending made: chips bought, smuggled, rented
  std::vector<double> chip_capex_usd;  // [buyer] of which on chips it owns (bought, smuggled)
  std::vector<double> blocked_usd;     // [buyer] spending the rules blocked
  std::vector<double> unmet_usd;       // [buyer] spending that found no chip
  std::vector<double> cut_usd;         // [buyer] planned spending over its budget cap (labs)
  std::vector<double> cumulative_smuggled_h100e;  // [country] H100e, never depreciated
  std::vector<double> licence_fees_usd;  // [country] revenue share paid to the exporting
                                         // government on legal sales there, over the last tick
};

SupplyState initial_supply_state(const SupplySetup& setup);

// What governments and the export regime set for one supply step.
struct SupplyPolicy {
  const TradePolicy* trade = nullptr;
  double enforcement = 1.0;                  // index
  std::vector<double> domestic_preference;   // [country] bonus for its own chips, state-linked
  std::vector<double> subsidy_usd_per_year;  // [producer]
  std::vector<double> capex_multiplier;      // [producer]
  std::vector<double> node_floor_nm;         // [producer]
  std::vector<double> budget_cap_usd;        // [buyer] most it may spend this tick; empty: none
  std::vector<double> added_usd_per_year;    // [buyer] spending beyond its plans (the clouds'
                                             // demand-driven spending); empty: none
  std::vector<Date> plans_until;             // [buyer] its plans spend nothing from this date
                                             // on; empty: plans to their end
};

// Scratch arrays of one supply step, kept between steps so that a step allocates nothing.
struct SupplyWorkspace {
  std::vector<double> supply_starts, price_factor, preference_factor, attract, legal_spend,
      smuggle_spend, stockpile_spend, stockpile_starts, remote_spend, remaining, first_demand,
      legal_units, smuggled_units, leftover, demand, fill, bank_starts, own_starts;
  std::vector<uint8_t> on_sale;
};

// docs/model.md §"Chip supply": one period of production, allocation and depreciation.
void step_supply(const SupplySetup& setup, const SupplyState& prev, SupplyState& next,
                 const SupplyPolicy& policy, const Tick& tick, StreamKey key,
                 SupplyWorkspace& work);
void step_supply(const SupplySetup& setup, const SupplyState& prev, SupplyState& next,
                 const SupplyPolicy& policy, const Tick& tick, StreamKey key);

// Leakage shares of blocked spending at an enforcement level (docs/model.md §"Leakage").
double smuggling_share(const SupplyModelParams& p, double enforcement);
double remote_access_share(const SupplyModelParams& p, double enforcement);

// Yield after `cumulative` chips made (Wright's law on the defect fraction).
double learning_yield(const ProducerConfig& p, double cumulative);

// Unit cost of a working chip: the list price less the producer's margin, at the yield the chip
// launched with, falling as the producer's yield rises (docs/model.md §"Chip supply"). NaN for
// a chip no producer makes.
double unit_cost_usd(const SupplySetup& s, const SupplyState& st, std::size_t chip);

// Installed H100e of a buyer (raw, legal + smuggled) and its worth for training, including
// rented remote compute.
double buyer_compute_h100e(const SupplySetup& s, const SupplyState& st, std::size_t buyer);
double buyer_training_h100e(const SupplySetup& s, const SupplyState& st, std::size_t buyer);

// Whether a chip is made and sold in the period (previous, date]: launched, not past its end of
// sale, not ended by its producer, and on a node its producer reaches.
bool chip_on_sale(const SupplySetup& s, const SupplyState& st, std::size_t chip, Date previous,
                  Date date);

// Cost of inference compute in each country (USD per H100e-year): the cheapest chip on sale
// there legally, per H100e of inference value, written off at the depreciation rate; the remote
// rental rate where no chip may be bought.
void chip_usd_per_h100e_year(const SupplySetup& s, const SupplyState& st,
                             const TradePolicy& trade, Date date, std::vector<double>& out);

// H100e of inference value in a buyer's fleet: the chips it holds, bought or smuggled (capacity
// rented abroad is another buyer's); 0 before the state has fleets.
double fleet_inference_h100e(const SupplySetup& s, const SupplyState& st, std::size_t buyer);

}  // namespace airace
