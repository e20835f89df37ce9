#pragma once
// Seminar keys of a scenario (docs/scenarios.md §"Seminars: teams and levers"): the teams of a
// wargame, the levers students may move (each a government lever, owned by one team, with a
// range and a step for its slider), the agreements teams may negotiate, and the turn length.
// `airace serve` reads them; a run ignores them, except that policy events carrying a `team:`
// are the decision log.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agents/governments.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/params.hpp"

namespace airace {

struct TeamSpec {
  std::string id;
  std::string name;
  SourceLocation where;
};

// One value an option lever may take (a release policy, an export rule's `covers`).
struct LeverOption {
  std::string value;  // as a scenario writes it, e.g. "open" or "tpp >= 2400"
  std::string label;  // what students see, e.g. "TPP 2400 (tighter)"
  SourceLocation where;
};

struct LeverSpec {
  std::string id;
  Lever set = Lever::none;  // the government lever it moves, or none:
  std::string parameter;    // the key path of another parameter that may change during a run
  SourceLocation set_where;
  EntityRef team;
  std::string label;
  std::string explain;
  double min = 0.0;  // in the unit of the lever (lever_info(set).unit)
  double max = 1.0;
  double step = 0.1;
  // Non-empty: an option lever, whose value is an index into options; min, max and step unused.
  std::vector<LeverOption> options;
  int slider_keys_given = 0;  // of min, max and step
  SourceLocation where;
  bool is_option() const { return !options.empty(); }
};

// An agreement the teams of a wargame may negotiate (`agreements[]`): a parameter that is 0 or 1
// (e.g. safety.agreements[ID].in_force), set to 1 by the parties together, when one proposes it
// and the others accept, and back to 0 by any party alone, which breaks it.
struct SeminarAgreement {
  std::string id;
  std::string parameter;  // the key path of a parameter that may change during a run
  SourceLocation set_where;
  std::vector<EntityRef> parties;  // teams
  std::string label;
  std::string explain;
  SourceLocation where;
};

struct SeminarSettings {
  int64_t turn_months = 3;  // months per wargame turn
  int64_t replicates = 8;   // replicates of every dashboard and wargame run
  Date first_turn = Date::from_ymd(2025, 1, 1);  // dashboard levers act from here; turn 1 starts
};

// Resolved against the scenario: the team of each lever and its value on first_turn.
struct SeminarSetup {
  std::vector<std::size_t> lever_team;  // [lever] index into teams
  // [lever] the value in force on first_turn; for an option lever, the option's index
  std::vector<double> lever_value;
  std::vector<std::vector<std::size_t>> agreement_parties;  // [agreement] indices into teams
  // [agreement] 0 or 1 on first_turn, filled in by the assembly (sim/model/parameter_changes.hpp)
  std::vector<double> agreement_value;
};

const Schema<TeamSpec>& team_schema();
const Schema<LeverSpec>& lever_schema();
const Schema<LeverOption>& lever_option_schema();
const Schema<SeminarAgreement>& seminar_agreement_schema();
const Schema<SeminarSettings>& seminar_schema();

// The largest number of replicates a seminar run may use: work per request stays bounded.
inline constexpr int64_t kMaxSeminarReplicates = 64;

// Checks levers against teams and the governments' levers, agreements' parties, and policy
// events' teams; values in force on first_turn come from `governments` (initial values and policy
// events before it).
SeminarSetup resolve_seminar(const std::vector<TeamSpec>& teams,
                             const std::vector<LeverSpec>& levers,
                             const std::vector<SeminarAgreement>& agreements,
                             const SeminarSettings& seminar, const std::vector<PolicyEvent>& events,
                             const GovernmentsSetup& governments, Date start,
                             SourceLocation seminar_where, Diagnostics& diags);

// Part of resolve_seminar: checks agreements' parties against `team_ids`, and that no lever or
// agreement already moves (`used`: their targets) an agreement's parameter; appends each
// agreement's parties and a value of 0 (filled in by the assembly) to `setup`.
void resolve_seminar_agreements(const std::vector<SeminarAgreement>& agreements,
                                const std::vector<std::string>& team_ids,
                                std::vector<std::string> used, SeminarSetup& setup,
                                Diagnostics& diags);

// v itself (within [min, max]) when it is one of the lever's slider values min + k * step, up
// to rounding; nullopt otherwise.
std::optional<double> on_lever_grid(const LeverSpec& lever, double v);

// The decision log: the policy events that carry a team, as CSV text with a header line
// "date,team,id,set,value" ("" when there are none). Written to /meta/decisions.
std::string decision_log_csv(const std::vector<PolicyEvent>& events);

// The text of a lever's value: the option's value for an option lever, else the number.
std::string lever_value_text(const LeverSpec& lever, double value);
// What `set:` names, as written: a lever's name or the parameter's key path.
std::string lever_target(const LeverSpec& lever);

// A number written so that reading it back gives the same double (%.17g).
std::string exact_number(double v);

}  // namespace airace
