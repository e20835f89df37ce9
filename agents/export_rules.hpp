#pragma once
// The export-control regime: rules on AI chips (which chips, by metrics computed from the
// catalogue; which destinations; what treatment) and controls on chip-making equipment.
// docs/model.md §"Export controls" gives the semantics, parameters and sources.
//
// The regime produces one record for the supply model each period, TradePolicy: for every chip
// and destination country the share of demand that may be sold legally, and whether a tighter
// rule has been announced but is not yet in force (buyers stockpile).

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "agents/chips.hpp"
#include "sim/core/condition.hpp"
#include "sim/core/params.hpp"

namespace airace {

// Destination tiers (docs/model.md §"Export controls: tiers"): the US itself, allies that
// align with its controls, China and other arms-embargoed destinations, the rest of the world.
enum class ExportTier { us, ally, china, rest };
std::string_view tier_name(ExportTier t);
std::vector<std::pair<std::string, ExportTier>> tier_options();

inline constexpr std::size_t kTierCount = 4;

enum class Treatment { allowed, licence, banned };

// A country of the scenario (countries[]): destinations of rules are countries or tiers.
struct CountrySpec {
  std::string id;
  std::string name;
  ExportTier tier = ExportTier::rest;
  SourceLocation where;
};
// The index of the country `id` among `countries`; countries.size() when it is not there.
std::size_t country_index(const std::vector<CountrySpec>& countries, std::string_view id);

struct RuleDestination {
  EntityRef to;  // a country id or a tier name
  Treatment treatment = Treatment::banned;
  double approval_rate = 0.0;  // fraction of licence applications granted
  double cap_h100e = std::numeric_limits<double>::infinity();  // H100e per country, rule's life
  double revenue_share = 0.0;  // fraction of legal sales paid to the exporting government
  SourceLocation where;
};

// Who imposes a rule: the exporting country (US controls) or the importing one (China's customs
// checks and purchase guidance). An importer's rule blocks its own buyers' purchases, smuggled
// ones included, and nothing it blocks leaks abroad.
enum class ImposedBy { exporter, importer };

// What every dated rule has (export rules, equipment controls, memory rules): an id and name,
// when it is announced, comes into force and ends, where those dates were written, and its
// source. Their schemas share its fields through dated_rule_fields (export_rules.cpp).
struct DatedRule {
  std::string id;
  std::string name;
  Date announced = Date::from_ymd(9999, 12, 31);
  Date effective = Date::from_ymd(9999, 12, 31);
  Date ends = Date::from_ymd(9999, 12, 31);
  SourceLocation effective_where;  // where the dates were written, for errors about them
  SourceLocation ends_where;
  std::string source;
  SourceLocation where;
};

struct ExportRule : DatedRule {
  bool adaptive = false;  // dates come from a government's adaptive rule, not from the file
  ImposedBy imposed_by = ImposedBy::exporter;
  Condition covers;                      // over chip_metric_names()
  std::vector<EntityRef> chip_origins;   // countries or tiers whose chips it controls
  std::vector<RuleDestination> destinations;
  std::vector<EntityRef> supersedes;  // rules it replaces once in force
  double order_lead_time_weeks = 0.0;  // weeks from an order of a covered chip to its delivery
};

struct EquipmentControl : DatedRule {
  std::vector<EntityRef> producers_in;  // countries or tiers whose fabs it restricts
  double capex_multiplier = 1.0;        // x cost of new capacity, at full effect
  double node_floor_nm = 0.0;           // nm the fabs cannot pass, at full effect
};

// A rule on high-bandwidth memory (the 2024-12 rule, ECCN 3A090.c): it controls the HBM that
// memory makers of `maker_tiers` sell to its destinations (docs/model.md §3.3.2, HBM).
struct MemoryRule : DatedRule {
  std::vector<EntityRef> maker_tiers;  // tiers of the memory makers it controls; empty: us, ally
  std::vector<RuleDestination> destinations;
};

const Schema<ExportRule>& export_rule_schema();
const Schema<MemoryRule>& memory_rule_schema();
const Schema<RuleDestination>& rule_destination_schema();
const Schema<EquipmentControl>& equipment_control_schema();

// When a rule is announced, comes into force and ends. Adaptive rules start "never" and get
// dates when a government triggers them.
struct RuleTimes {
  Date announced = Date::from_ymd(9999, 12, 31);
  Date effective = Date::from_ymd(9999, 12, 31);
  Date ends = Date::from_ymd(9999, 12, 31);
};

// Recorded per rule: 0 not announced, 1 announced, 2 in force, 3 ended or superseded.
enum class RuleStatus : uint8_t { pending = 0, announced = 1, in_force = 2, ended = 3 };

// The regime resolved against the catalogue and the countries: plain arrays, fixed for a run.
struct RuleBook {
  std::size_t n_rules = 0;
  std::size_t n_chips = 0;
  std::size_t n_countries = 0;
  std::vector<std::string> ids;              // [rule]
  std::vector<RuleTimes> initial_times;      // [rule]
  std::vector<uint8_t> adaptive;             // [rule]
  std::vector<uint8_t> importer;             // [rule] imposed by the importing country
  std::vector<uint8_t> covers;                 // [rule * n_chips + chip]
  struct Destination {
    bool applies = false;
    Treatment treatment = Treatment::allowed;
    double approval_rate = 1.0;
    double cap_h100e = std::numeric_limits<double>::infinity();
    double revenue_share = 0.0;
  };
  std::vector<Destination> destination;          // [rule * n_countries + country]
  std::vector<std::vector<std::size_t>> supersedes;  // [rule]
  // [rule] days from an order of a covered chip to its delivery while the rule is announced:
  // stockpiled orders placed later than effective - lead time arrive too late.
  std::vector<double> lead_time_days;

  std::size_t n_controls = 0;
  std::size_t n_producers = 0;
  std::vector<RuleTimes> control_times;   // [control]
  std::vector<uint8_t> control_affects;   // [control * n_producers + producer]
  std::vector<double> capex_multiplier;   // [control]
  std::vector<double> node_floor_nm;      // [control]

  // Rules on HBM: which makers' tiers each covers, and what it does where.
  std::size_t n_memory_rules = 0;
  std::vector<RuleTimes> memory_times;            // [memory rule]
  std::vector<uint8_t> memory_covers_tier;        // [memory rule * kTierCount + tier]
  std::vector<Destination> memory_destination;    // [memory rule * n_countries + country]
};

struct Country {
  std::string id;
  ExportTier tier = ExportTier::rest;
};

// Checks references (chips' producers and offered_to are checked by the supply model), date
// order, and resolves every id; reports into diags.
RuleBook resolve_rules(const std::vector<ExportRule>& rules,
                       const std::vector<EquipmentControl>& controls,
                       const std::vector<ChipSpec>& chips, const std::vector<Country>& countries,
                       const std::vector<std::string>& producer_ids,
                       const std::vector<std::size_t>& producer_country, Diagnostics& diags,
                       const std::vector<MemoryRule>& memory_rules = {});

// Resolves "US", "china", ... against country ids and tier names: every country it names.
// Reports an unknown name and returns an empty list.
std::vector<std::size_t> countries_named(const EntityRef& ref, const std::string& path,
                                         const std::vector<Country>& countries,
                                         Diagnostics& diags);

RuleStatus rule_status(const RuleBook& book, const std::vector<RuleTimes>& times, std::size_t rule,
                       Date d);

// What the supply model needs from the regime on date d.
struct TradePolicy {
  std::size_t n_chips = 0;
  std::size_t n_countries = 0;
  std::vector<double> legal_share;       // [chip * n_countries + country] 1 allowed ... 0 banned
  // [chip * n_countries + country] fraction of today's legal share that a rule announced but not
  // yet in force will take away: 1 for a coming ban, 1 - 0.95 for a licence at 0.95, 0 for none
  // (and 0 once an order placed today would arrive after the rule is in force: its lead time).
  std::vector<double> cut_soon;
  // HBM sold by memory makers of a tier to a country: [tier * n_countries + country], the legal
  // share and the share an announced memory rule will cut (empty: all allowed, none coming).
  // [chip * n_countries + country] share of demand the importing country's own rules let its
  // buyers import (1: none); fraction of legal sales paid to the exporting government.
  std::vector<double> import_share;
  std::vector<double> revenue_share;
  std::vector<double> hbm_legal_share;
  std::vector<double> hbm_cut_soon;
};

// docs/model.md §"Export controls: treatment". cap_used_h100e is [rule * n_countries + country].
void compute_trade_policy(const RuleBook& book, const std::vector<RuleTimes>& times, Date d,
                          const std::vector<double>& cap_used_h100e, TradePolicy& out);

// Adds legal deliveries ([chip * n_countries + country], chips) of covered chips to the caps of
// the rules in force on date d.
void count_against_caps(const RuleBook& book, const std::vector<RuleTimes>& times, Date d,
                        const std::vector<double>& deliveries,
                        const std::vector<double>& chip_h100e,
                        std::vector<double>& cap_used_h100e);

// Equipment controls on date d for each producer: the multiplier on the cost of new capacity
// and the node floor, scaled by effectiveness = us_share + (1 - us_share) × allies' alignment.
void equipment_limits(const RuleBook& book, Date d, double effectiveness,
                      std::vector<double>& capex_multiplier, std::vector<double>& node_floor_nm);

}  // namespace airace
