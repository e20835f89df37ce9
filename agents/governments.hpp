#pragma once
// Governments and their levers: the US (enforcement of export controls, adaptive rules that
// answer the state of the world), China (chip subsidies, a procurement preference for domestic
// chips, a national computing pool) and the allies (alignment with US equipment controls).
// docs/model.md §"Governments" gives the semantics, parameters and sources.
//
// A lever is one number a government controls. Its value on a date is its initial value
// changed by dated policy events and by the adaptive rules that have fired, so a caller can
// stop a run, set a lever and go on.
//
// Events and adaptive rules may also set any other parameter the schema marks "may change
// during a run" (an export rule's `covers`, a lab's `release_policy`, ...): governments only
// say which change is due when (ParameterTarget, LeverChange::parameter); the assembly checks
// the path and value against the parameter's own schema and runs on the scenario re-derived
// with the new value (sim/model/parameter_changes.hpp).

#include <array>
#include <span>
#include <string>
#include <vector>

#include "agents/export_rules.hpp"
#include "sim/core/condition.hpp"
#include "sim/core/params.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

enum class Lever : std::size_t {
  us_enforcement,
  ally_alignment,
  cn_chip_subsidy,
  cn_domestic_preference,
  cn_compute_pool_share,
  cn_open_encouragement,
  none,  // an adaptive rule that only announces an export rule
};
inline constexpr std::size_t kLeverCount = static_cast<std::size_t>(Lever::none);
using LeverValues = std::array<double, kLeverCount>;

struct LeverInfo {
  std::string name;  // the key path of its initial value, e.g. "us_government.enforcement"
  std::string unit;
  Range range;
  std::string description;
};
const LeverInfo& lever_info(Lever l);
// The names a lever is set by (`policy_events[].set`, `levers[].set`): its key path.
std::vector<std::pair<std::string, Lever>> lever_options();

// What `set:` names: one of the six levers, or the key path of another marked parameter.
struct SetTarget {
  Lever lever = Lever::none;
  std::string parameter;  // as written, e.g. "export_rules[bis_2023_10].covers"; "" for a lever
  SourceLocation where;   // of `set:`
};

// A change of a marked parameter other than the six levers: which, to what, and who asks.
struct ParameterTarget {
  std::string path;          // as written in `set:`
  ConfigNode value;          // `to:` as written, with its location
  SourceLocation set_where;  // of `set:`
  std::string origin;        // "policy_events[x]", "us_government.adaptive_rules[y]"
};

struct AdaptiveRule {
  std::string id;
  Condition when;         // over world_indicator_names()
  double lag_days = 90;   // days from the condition holding to the measure taking effect
  EntityRef announces;    // an adaptive export rule, announced when the condition holds
  SetTarget set;
  ConfigNode to;          // the new value as written (a number for a lever)
  std::string source;
  SourceLocation where;
};

struct UsGovernment {
  double enforcement = 1.0;  // index, 1 = the 2022-2024 effort
  std::vector<AdaptiveRule> adaptive_rules;
};

struct ChinaGovernment {
  double chip_subsidy_usd_per_year = 0.0;  // USD/year to domestic chip producers' capacity
  double domestic_preference = 0.0;        // value bonus of domestic chips, state-linked buyers
  double compute_pool_share = 0.0;         // share of state-linked cloud compute lent to labs
  double open_encouragement = 0.0;         // index: state encouragement of open-weight releases
};

struct Allies {
  double alignment = 0.5;  // 0 = allies ignore US equipment controls, 1 = full alignment
};

struct PolicyEvent {
  std::string id;
  Date date = Date::from_ymd(9999, 12, 31);
  SetTarget set;
  ConfigNode to;  // the new value as written
  std::string source;
  EntityRef team;  // a seminar team's decision (teams[]); empty for history and what-ifs
  SourceLocation where;
};

// Reads `set:` (a lever name, else a parameter's key path); also used by levers[].set.
void read_set_target(const ConfigNode& n, const std::string& path, SetTarget& out,
                     Diagnostics& diags);

const Schema<UsGovernment>& us_government_schema();
const Schema<AdaptiveRule>& adaptive_rule_schema();
const Schema<ChinaGovernment>& china_government_schema();
const Schema<Allies>& allies_schema();
const Schema<PolicyEvent>& policy_event_schema();

// What governments observe (the latest published indicators), in this order.
const std::vector<std::string>& world_indicator_names();
enum class WorldIndicator : std::size_t {
  us_cn_gap_months,
  us_compute_h100e,
  cn_compute_h100e,
  cn_domestic_share,
  cn_smuggled_h100e,
  cn_remote_access_h100e,
  years_elapsed,
};

inline constexpr std::size_t kNoParameter = static_cast<std::size_t>(-1);

struct LeverChange {
  Date date;
  Lever lever;  // none: a change of GovernmentsSetup::parameters[parameter]
  double value;
  std::size_t parameter = kNoParameter;
};

struct GovernmentsSetup {
  LeverValues initial{};
  std::vector<LeverChange> scheduled;  // policy events, by date
  struct Adaptive {
    Condition when;
    double lag_days;
    std::size_t announces;  // rule index, or npos
    Lever set;
    double to;
    std::size_t parameter = kNoParameter;  // index into parameters
  };
  std::vector<Adaptive> adaptive;
  std::vector<std::string> adaptive_ids;
  // The changes of other marked parameters that events and adaptive rules may make.
  std::vector<ParameterTarget> parameters;
};

GovernmentsSetup resolve_governments(const UsGovernment& us, const ChinaGovernment& cn,
                                     const Allies& allies, const std::vector<PolicyEvent>& events,
                                     const RuleBook& rules, Diagnostics& diags);

struct GovernmentState {
  std::vector<LeverChange> changes;  // scheduled and triggered, sorted by date (stable)
  std::vector<RuleTimes> rule_times;
  std::vector<uint8_t> fired;        // [adaptive rule]
  std::vector<Date> fired_on;        // [adaptive rule]
};

GovernmentState initial_government_state(const GovernmentsSetup& setup, const RuleBook& rules);

// Lever values in force on date d.
LeverValues levers_at(const GovernmentsSetup& setup, const GovernmentState& state, Date d);

// docs/model.md §"Governments: adaptive rules": each rule that has not fired and whose condition
// holds on the world's latest indicators fires now; its measure takes effect after its lag.
void step_governments(const GovernmentsSetup& setup, GovernmentState& state,
                      std::span<const double> world, const Tick& tick);

// Sets a lever from outside (a seminar turn, a test) from date d on.
void set_lever(GovernmentState& state, Lever lever, double value, Date d);
// Makes the change setup.parameters[parameter] from date d on.
void set_parameter(GovernmentState& state, std::size_t parameter, Date d);

// The parameter changes in force on date d, in the order they apply (a later one to the same
// parameter wins): indices into GovernmentsSetup::parameters.
std::vector<std::size_t> parameters_in_force(const GovernmentState& state, Date d);

}  // namespace airace
