#pragma once
// Parameters changed during a run (docs/scenarios.md §"Changing parameters during a run").
// A dated policy event, an adaptive rule or a seminar lever may set any parameter whose schema
// marks it "may change during a run" (ParamInfo::during_run). The six government levers keep
// their fast path (levers_at); every other change takes effect through a scenario version: from
// the change's date on, the run uses the scenario re-derived from its tree with the new value
// (same loader, same validation), so every mechanism sees the new value in its setup.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/series.hpp"
#include "sim/model/scenario.hpp"

namespace airace {

// The key patterns of the parameters that may change during a run, e.g. "labs[].release_policy".
const std::vector<std::string>& changeable_parameters();

// Checks every parameter change a scenario may make (policy events, adaptive rules, seminar
// levers): the path must name a marked parameter of the scenario, and the value must pass that
// parameter's own schema. Errors point at `set:` or `to:`. Also fills in the value on
// seminar.first_turn of each seminar lever that moves such a parameter. `tree` is the scenario's
// tree at its medians, `expanded` the same with archetypes applied. Without `check_levers`, the
// levers' options and slider ends are taken as checked (scenario_from_tree's LeverChecks::done)
// and only their values on seminar.first_turn are filled in.
void check_parameter_changes(Scenario& s, const ConfigNode& tree, const ConfigNode& expanded,
                             Diagnostics& diags, bool check_levers = true);

// The versions of one scenario (one replicate's base), derived once each and shared between the
// replicates that use the same base. Safe to call from several threads.
class ScenarioVersions {
 public:
  ScenarioVersions(ConfigNode tree, std::string file, std::vector<ParameterTarget> targets);
  // The scenario with the changes (indices into the targets) applied to the tree in order.
  const Scenario& version(const std::vector<std::size_t>& changes);
  // Adds a change made from outside (the stepping API), checked as a policy event's would be;
  // throws InputError when refused. Returns its index among the targets.
  std::size_t add(const ParameterTarget& target);

 private:
  ConfigNode tree_;  // concrete: no distributions
  std::string file_;
  std::vector<ParameterTarget> targets_;
  std::mutex mutex_;
  std::map<std::vector<std::size_t>, std::unique_ptr<const Scenario>> cache_;
};

// What a Simulation needs: at the start of each day, which scenario is in force.
class ParameterChanges {
 public:
  explicit ParameterChanges(const Scenario& base) : base_(&base) {}
  // Whether the scenario's events or adaptive rules change parameters (else no daily check is
  // scheduled: only the stepping API can then change one, and it applies the change itself).
  bool any() const { return !base_->governments_setup.parameters.empty(); }
  // The scenario to use from d on when the changes in force on d differ from those of the last
  // call; nullptr when they do not.
  const Scenario* scenario_on(const GovernmentState& state, Date d);
  // The changes that came into force at the last call (indices into the targets).
  const std::vector<std::size_t>& newly_in_force() const { return new_; }

 private:
  const Scenario* base_;
  std::vector<std::size_t> in_force_;
  std::vector<std::size_t> new_;
};

// /policy/parameter_changes: one row per change that came into force (date, which change), and
// the axis /policy/parameter_change naming each possible change (its origin), with the parameter
// and value as text attributes. Only for scenarios with parameter changes.
EventTableId add_parameter_change_outputs(const Scenario& s, SeriesCatalog& cat);

}  // namespace airace
