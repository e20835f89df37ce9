#pragma once
// A scenario: the typed, validated form of a YAML file (after `extends:` and `--set`).
// The engine never sees raw YAML; every value here has passed its range and reference checks.

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/adoption.hpp"
#include "agents/chips.hpp"
#include "agents/export_rules.hpp"
#include "agents/governments.hpp"
#include "agents/labs.hpp"
#include "agents/markets.hpp"
#include "agents/supply.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/config_tree.hpp"
#include "sim/core/params.hpp"
#include "sim/model/seminar.hpp"
#include "sim/sweep/uncertainty.hpp"

namespace airace {

class ScenarioVersions;  // sim/model/parameter_changes.hpp

struct ScenarioInfo {
  std::string name;
  std::string description;
  Date start = Date::from_ymd(2022, 1, 1);
  Date end = Date::from_ymd(2030, 12, 31);
};

struct RunSettings {
  int64_t seed = 1;
  int64_t replicates = 20;
};

// The cadence of each actor kind (docs/model.md §"Process overview and scheduling").
struct ScheduleSettings {
  Cadence governments = Cadence::quarterly;
  Cadence supply = Cadence::weekly;
  Cadence labs = Cadence::monthly;
  Cadence adoption = Cadence::monthly;
  Cadence markets = Cadence::trading_daily;
  Cadence indicators = Cadence::monthly;
};

struct Scenario;

// A YAML section a mechanism registers beside its module (sim/model/modules.cpp) instead of a
// member of Scenario: read by the mechanism's own schema once the scenario's other sections are
// resolved, and kept type-erased; its module gets it with Scenario::section<T>(key).
struct MechanismSection {
  ParamInfo info;  // its key, type ("section" or "list") and description
  std::function<std::vector<ParamInfo>()> describe;  // its keys, for describe and the docs
  // Reads the section (a null node when the file has none) and resolves it against `s`.
  std::function<std::any(const ConfigNode& node, const Scenario& s, Diagnostics& diags)> read;
};
// The sections the mechanisms register, in the registry's order.
const std::vector<MechanismSection>& mechanism_sections();

struct Scenario {
  std::string file;     // the file it was loaded from
  // Every file read to build it: `file`, then those its extends: chain names (none for text
  // held in memory). An output path must be none of them.
  std::vector<std::filesystem::path> files_read;
  ConfigNode resolved;  // the merged tree after extends and overrides, distributions included
  // The parameters given as distributions; the values above hold their medians.
  Uncertainty uncertainty;
  ScenarioInfo info;
  RunSettings run;
  ScheduleSettings schedule;
  LabModelParams lab_model;
  SupplyModelParams supply_model;
  std::vector<CountrySpec> countries;
  std::vector<ChipSpec> chips;
  std::vector<ProducerConfig> producers;
  std::vector<std::string> archetype_ids;
  std::vector<LabConfig> labs;
  std::vector<BuyerSpec> clouds;
  std::vector<ExportRule> export_rules;
  std::vector<EquipmentControl> equipment_controls;
  std::vector<MemoryMaker> memory_makers;
  std::vector<MemoryRule> memory_rules;
  UsGovernment us_government;
  ChinaGovernment china_government;
  Allies allies;
  std::vector<PolicyEvent> policy_events;
  AdoptionModelParams adoption_model;
  std::vector<SectorSpec> sectors;
  std::vector<PopulationSpec> populations;
  MarketModelParams market_model;
  std::vector<FirmSpec> firms;
  std::vector<TeamSpec> teams;
  std::vector<LeverSpec> levers;
  std::vector<SeminarAgreement> agreements;  // the seminar's, not safety.agreements
  SeminarSettings seminar;

  // Resolved against each other: indices instead of ids, fixed for a run.
  LabsSetup labs_setup;
  SupplySetup supply_setup;  // buyers: the labs, then the clouds
  RuleBook rule_book;
  GovernmentsSetup governments_setup;
  AdoptionSetup adoption_setup;
  MarketsSetup markets_setup;
  SeminarSetup seminar_setup;
  // The scenario re-derived with parameters changed during the run, shared by the copies of
  // this scenario; null only in a version itself.
  std::shared_ptr<ScenarioVersions> versions;

  // The registered sections (mechanism_sections), resolved, by key.
  std::map<std::string, std::any> sections;
  template <class T>
  const T& section(const std::string& key) const {
    return std::any_cast<const T&>(sections.at(key));
  }

  std::vector<std::string> country_ids() const;
  std::vector<Country> country_tiers() const;
};

// Loads, merges and validates. Throws InputError listing every problem found.
Scenario load_scenario(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides = {});
// The same from text (tests, and scenarios held in memory), read as if it were the file
// `file_name`: named in messages, and `extends:` is resolved relative to its folder.
Scenario load_scenario_text(const std::string& text, const std::string& file_name,
                            const std::vector<std::string>& overrides = {});
// Whether scenario_from_tree checks the levers' options and slider ends (each a version of the
// scenario derived and validated), or takes them as `done`: the tree's levers: and seminar: are
// those of a scenario loaded before, as in airace serve's runs, which only add policy events and
// move the end. Their values on seminar.first_turn are filled in either way.
enum class LeverChecks { check, done };
// Validates an already merged tree. Distributions are validated at their medians.
Scenario scenario_from_tree(ConfigNode tree, const std::string& file_name,
                            LeverChecks levers = LeverChecks::check);
// A version of a scenario (sim/model/parameter_changes.hpp): validated like any tree, but its
// parameter changes, checked once on the scenario it derives from, are not checked again. It
// keeps no tree (`resolved` is empty): runs use its setups.
Scenario scenario_version_from_tree(ConfigNode tree, const std::string& file_name);

// The scenario of one replicate: `s` with its uncertain parameters set to `values` (from
// draw_uncertain), validated again. Like a version it keeps no tree (`resolved` is empty): runs
// use its setups, and an output stores the ensemble's tree. Throws InputError when a value is
// outside its parameter's valid range: the replicate fails, it is not redrawn.
Scenario scenario_with_values(const Scenario& s, std::span<const double> values);

// `s` with every uncertain parameter fixed at its median (`airace run --fixed-parameters`):
// a scenario without distributions, whose resolved tree (stored in the output) says so.
Scenario scenario_at_medians(const Scenario& s);

// The sections of a scenario file, each read by its own schema (sim/model/scenario_schema.cpp).
const Schema<Scenario>& scenario_schema();

// Every parameter of every section, for `airace describe` and the documentation check.
std::vector<ParamInfo> all_parameters();

// The hard limits on run size that keep a typo from exhausting memory.
inline constexpr int64_t kMaxReplicates = 100000;
inline constexpr int kMaxHorizonYears = 200;

}  // namespace airace
