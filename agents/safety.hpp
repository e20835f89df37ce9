#pragma once
// Safety and restraint: each lab's safety effort (the share of its compute spent on evaluations,
// alignment research and the security of its weights) chosen against the race, incidents whose
// rate rises with capability and deployment and falls with that effort, governments' safety
// rules, and agreements between governments with entry, defection and verification.
// docs/model.md §3.3.8 "Safety" gives the equations, parameters, units and sources.
//
// The step reads the labs as the last research tick left them and writes the next state; its
// random draws (incidents, defections, detections) are keyed by day and entity, so a run is
// bit-identical whatever the thread count.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/core/params.hpp"
#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// Random stream (sim/core/random.hpp): incidents, defections from agreements, their detection.
inline constexpr Stream kSafetyStream{8};

// What an agreement between governments binds its parties' labs to.
enum class AgreementKind : uint8_t {
  evaluations,         // the evaluation rule (effort floor, evaluation days) for every party
  pause,               // no frontier runs (labs within pause_band_log10 of the frontier)
  incident_reporting,  // parties' labs learn from each other's incidents as from their own
};

// An agreement between governments (`safety.agreements[]`). In force while `in_force` is 1 and
// no party's breach has been found; a party under race pressure may break it in secret, and a
// breach found ends it for every party (until it is signed again: in_force back to 0, then 1).
struct AgreementSpec {
  std::string id;
  AgreementKind kind = AgreementKind::evaluations;
  std::vector<EntityRef> parties;      // ids of countries
  double in_force = 0.0;               // 0 or 1: signed (changes during a run)
  double defection_per_year = 0.5;     // 1/year, a party's rate of breaking it at full pressure
  double verification_per_year = 2.0;  // 1/year, rate at which a breach is found
  std::string source;
  SourceLocation where;
};

// The section `safety:` of a scenario.
struct SafetyParams {
  // Each lab's stance: its grade (0 to 4 grade points) from its own entry in `grades`, else its
  // archetype's, else default_grade; its no-race effort is effort_per_grade times the grade.
  std::vector<KeyedNumber> grades;  // lab or archetype id -> grade points
  double default_grade = 1.0;       // grade points
  double effort_per_grade = 0.025;  // fraction of compute per grade point
  double max_effort = 0.5;          // fraction of compute
  // The race (Armstrong, Bostrom & Shulman 2016)
  double race_sensitivity = 0.6;  // fraction of the stance given up under full race pressure
  double race_gap_log10 = 0.5;    // log10 FLOP: a rival this far ahead or behind presses 1/e
  double domestic_rivalry = 0.5;  // weight of a rival at home, a foreign one weighing 1
  // Incidents' memory
  double incident_response = 0.5;       // effort x (1 + this x ln(1 + memory))
  double memory_half_life_years = 1.0;  // years
  double severe_weight = 5.0;           // memory units of a severe incident (a serious one: 1)
  double foreign_learning = 0.3;        // share of an incident abroad that labs take in
  double incident_trust_loss = 0.1;     // utility adopters lose per ln(1 + the lab's own memory)
  double incident_demand_loss = 0.02;   // ln of expected AI compute demand per ln(1 + memory)
  // Governments' rules (0 or 1 each, changing during a run)
  double us_evaluation_required = 0.0;
  double cn_evaluation_required = 0.0;
  double us_frontier_pause = 0.0;
  double cn_frontier_pause = 0.0;
  double us_open_weight_ban = 0.0;
  double cn_open_weight_ban = 0.0;
  double us_compute_reporting = 0.0;  // 1: runs above evaluation_threshold_flop are reported
  double cn_compute_reporting = 0.0;
  double reporting_verification = 3.0;  // x, a reporting party's breaches are found this faster
  double severe_incident_regulates = 1.0;   // 1: a severe incident brings its country's rule
  double evaluation_floor = 0.1;            // fraction of compute under an evaluation rule
  double evaluation_days = 60.0;            // days added before each release under the rule
  double evaluation_threshold_flop = 1e26;  // FLOP: the rule binds labs whose runs reach it
  double pause_band_log10 = 0.3;            // log10 FLOP below the frontier a pause binds
  // Incidents
  double serious_per_year = 1.0;     // 1/year, world rate at the reference capability
  double severe_per_year = 0.03;     // 1/year
  double reference_capability_log10 = 27.0;  // log10 FLOP (effective)
  double capability_elasticity = 0.3;  // log10 of the rate per log10 FLOP of capability
  double effort_risk_scale = 0.05;     // fraction of compute: effort that cuts risk by 1/e
  double open_risk_multiplier = 2.0;   // x, a lab whose best model has open weights
  std::vector<AgreementSpec> agreements;
};
const Schema<SafetyParams>& safety_schema();
const Schema<AgreementSpec>& agreement_schema();

inline constexpr std::size_t kSeverityCount = 2;  // serious, severe
inline constexpr const char* kSeverityNames[kSeverityCount] = {"serious", "severe"};

// The section resolved against the scenario's labs and countries.
struct SafetySetup {
  bool enabled = false;  // the scenario has a `safety:` section
  SafetyParams params;
  std::size_t n_labs = 0;
  std::size_t n_countries = 0;
  std::vector<std::size_t> lab_country;  // [lab] country index
  std::vector<double> stance;            // [lab] fraction of compute, its no-race effort
  std::size_t us = SIZE_MAX, cn = SIZE_MAX;  // country indices (SIZE_MAX: none)
  std::vector<std::vector<std::size_t>> parties;  // [agreement] country indices
};

// `lab_ids`, `lab_archetypes` and `lab_countries` in the labs' order; reports unknown ids in
// grades and agreements' parties, and an agreement with fewer than two parties.
SafetySetup resolve_safety(const SafetyParams& params, const std::vector<std::string>& lab_ids,
                           const std::vector<std::string>& lab_archetypes,
                           const std::vector<std::size_t>& lab_countries,
                           const std::vector<std::string>& country_ids, Diagnostics& diags);

// What the labs left at their last research tick.
struct SafetyInputs {
  std::span<const double> capability;     // [lab] log10 FLOP; NaN: no model yet
  std::span<const double> training_flop;  // [lab] FLOP, physical, of its latest run
  std::span<const uint8_t> best_open;     // [lab] 1: its best model has open weights
  std::span<const uint8_t> active;        // [lab] 1: founded and not exited
  std::span<const double> deployment;     // [lab] USD/year spent on its models (empty: equal)
};

// An incident, as the event table records it.
struct Incident {
  std::size_t lab = 0;
  std::size_t severity = 0;  // index into kSeverityNames
  bool open = false;         // the lab's best model had open weights
};

struct SafetyState {
  // Published to the labs (part::safety)
  std::vector<double> effort;             // [lab] fraction of compute
  std::vector<double> training_factor;    // [lab] x its scenario compute for training runs
  std::vector<double> evaluation_days;    // [lab] days added before each release
  std::vector<uint8_t> open_banned;       // [lab] 1: its country bans open weights
  std::vector<double> reputation_loss;    // [lab] utility adopters lose on its models
  double world_memory = 0.0;              // memory units of incidents anywhere, fading
  double demand_loss_ln = 0.0;            // ln: investors' expected AI compute demand lost
  // The race and its counterfactual
  std::vector<double> no_race_effort;     // [lab] fraction, the same without race pressure
  std::vector<double> race_pressure;      // [lab] 0 to 1
  std::vector<uint8_t> paused;            // [lab] 1: a pause stops its runs
  std::vector<uint8_t> evaluated;         // [lab] 1: an evaluation rule binds it
  std::vector<double> memory;             // [lab] incident memory, units
  std::vector<double> own_memory;         // [lab] memory of its own incidents, units
  // Incidents, cumulative since the start: [country × severity]
  std::vector<double> incidents;
  std::vector<uint8_t> regulated_after_incident;  // [country] 1 after a severe incident there
  // Agreements: [agreement]
  std::vector<uint8_t> agreement_broken;  // 1: a breach was found
  std::vector<double> agreement_signed;   // its in_force as the last tick saw it
  std::vector<uint8_t> defecting;         // [agreement × country] 1: breaking it in secret
};

SafetyState initial_safety_state(const SafetySetup& setup);

// docs/model.md §3.3.8 "Race pressure": for each lab holding a model, the largest closeness to
// a rival, exp(−|gap| / race_gap_log10) weighted by domestic_rivalry at home, times the prize,
// exp(−(frontier − own) / race_gap_log10); 0 for a lab without a model.
std::vector<double> race_pressure(const SafetySetup& setup, const SafetyInputs& in);

// docs/model.md §3.3.8 "Effort": stance × (1 − race_sensitivity × pressure) × (1 +
// incident_response × ln(1 + memory)), at most max_effort, at least evaluation_floor under a rule.
double safety_effort(const SafetyParams& p, double stance, double pressure, double memory,
                     bool evaluated);

// docs/model.md §3.3.8 "Incidents": the expected incidents per year of one severity of lab i.
double incident_rate_per_year(const SafetySetup& setup, const SafetyInputs& in,
                              std::span<const double> share, std::span<const double> effort,
                              std::size_t lab, std::size_t severity);

// One tick: memory decays, agreements are broken and found, rules bind, efforts are chosen,
// incidents happen (appended to `incidents`) and are remembered.
void step_safety(const SafetySetup& setup, SafetyState& state, const SafetyInputs& in,
                 const Tick& tick, StreamKey key, std::vector<Incident>& incidents);

}  // namespace airace
