#include "sim/model/scenario.hpp"

#include <algorithm>
#include <cctype>

#include "sim/model/parameter_changes.hpp"
#include "sim/model/run_cost.hpp"

namespace airace {
namespace {

// docs/scenarios.md §"Archetypes": each lab's archetype supplies defaults for the keys the lab
// does not set. Done on the tree, so that every value keeps the location it was written at.
// In place: each replicate and each version of one expands a tree, and a copy of it costs time.
void apply_archetypes(ConfigNode& out, Diagnostics& diags) {
  const ConfigNode& tree = out;  // read: archetypes; written: labs (other entries of the map)
  const ConfigNode* archetypes = tree.is_map() ? tree.find("archetypes") : nullptr;
  std::vector<std::string> ids;
  if (archetypes != nullptr && archetypes->is_sequence()) {
    const std::vector<std::string> keys = archetype_keys();
    for (std::size_t i = 0; i < archetypes->items.size(); ++i) {
      const ConfigNode& a = archetypes->items[i];
      const std::string path = item_path("archetypes", a, i);
      if (!a.is_map()) continue;  // reported by the schema
      for (const ConfigEntry& e : a.entries)
        if (e.key != "id" && e.key != "description" &&
            std::find(keys.begin(), keys.end(), e.key) == keys.end())
          diags.error(e.key_where, child_path(path, e.key), "not a key an archetype can set",
                      suggest(e.key, keys, "archetypes set these labs[] keys"));
      if (const ConfigNode* id = a.find("id"); id != nullptr && id->is_scalar())
        ids.push_back(id->scalar);
    }
  }
  ConfigNode* labs = out.is_map() ? out.find("labs") : nullptr;
  if (labs == nullptr || !labs->is_sequence()) return;
  for (std::size_t i = 0; i < labs->items.size(); ++i) {
    ConfigNode& lab = labs->items[i];
    const ConfigNode* name = lab.is_map() ? lab.find("archetype") : nullptr;
    if (name == nullptr || !name->is_scalar()) continue;
    const auto at = std::find(ids.begin(), ids.end(), name->scalar);
    if (at == ids.end()) {
      diags.error(name->where, item_path("labs", lab, i) + ".archetype",
                  "unknown archetype '" + name->scalar + "'",
                  ids.empty() ? "define it under archetypes:"
                              : suggest(name->scalar, ids, "known archetypes"));
      continue;
    }
    ConfigNode merged = archetypes->items[static_cast<std::size_t>(at - ids.begin())];
    std::erase_if(merged.entries,
                  [](const ConfigEntry& e) { return e.key == "id" || e.key == "description"; });
    merge_config(merged, lab);  // the lab's own values win
    merged.where = lab.where;
    lab = std::move(merged);
  }
}

void validate_whole(Scenario& s, const ConfigNode& tree, Diagnostics& diags) {
  const SourceLocation info_where =
      tree.find("scenario") ? tree.find("scenario")->where : tree.where;
  if (!(s.info.start < s.info.end))
    diags.error(
        info_where, "scenario.end",
        "the end date " + s.info.end.iso() + " must be after the start date " + s.info.start.iso());
  // The limit on the horizon is checked with the other size limits, in check_scenario_limits.

  // The name becomes the default output file name: keep it to one plain path component.
  const std::string& name = s.info.name;
  const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  if (!plain || name.starts_with('.')) {
    const ConfigNode* info = tree.find("scenario");
    const ConfigNode* n = info != nullptr && info->is_map() ? info->find("name") : nullptr;
    diags.error(n != nullptr ? n->where : info_where, "scenario.name",
                "expected a name of letters, digits, '_', '-' and '.' (not starting with '.'), "
                "found '" +
                    name + "'");
  }

  const std::vector<std::string> ids = s.country_ids();
  if (const ConfigNode* countries = tree.find("countries"))
    for (const char* needed : {"US", "CN"})
      if (std::find(ids.begin(), ids.end(), needed) == ids.end())
        diags.error(countries->where, "countries",
                    std::string("the country '") + needed +
                        "' is missing; the US-China indicators need both US and CN");
  validate_chips(s.chips, ids, diags);
  const std::vector<Country> countries = s.country_tiers();
  s.labs_setup = resolve_labs(s.labs, s.lab_model, ids, s.info.start);
  validate_founding(s.labs, s.info.start, diags);
  std::vector<BuyerSpec> buyers(s.labs.begin(), s.labs.end());
  buyers.insert(buyers.end(), s.clouds.begin(), s.clouds.end());
  for (std::size_t i = 0; i < s.clouds.size(); ++i)
    for (const LabConfig& l : s.labs)
      if (l.id == s.clouds[i].id)
        diags.error(s.clouds[i].where, "clouds[" + l.id + "]",
                    "the id '" + l.id + "' is also a lab's; buyers need distinct ids");
  s.supply_setup = resolve_supply(s.supply_model, s.chips, s.producers, buyers, s.labs.size(),
                                  countries, s.info.start, diags, s.memory_makers);
  std::vector<std::string> producer_ids;
  for (const ProducerConfig& p : s.producers) producer_ids.push_back(p.id);
  s.rule_book = resolve_rules(s.export_rules, s.equipment_controls, s.chips, countries,
                              producer_ids, s.supply_setup.producer_country, diags,
                              s.memory_rules);
  s.governments_setup = resolve_governments(s.us_government, s.china_government, s.allies,
                                            s.policy_events, s.rule_book, diags);
  if (s.adoption_model.where.line == 0) s.adoption_model.where = tree.where;
  s.adoption_setup = resolve_adoption(s.adoption_model, s.sectors, s.populations, ids,
                                      s.labs_setup.country, diags);
  if (s.market_model.where.line == 0) s.market_model.where = tree.where;
  s.markets_setup = resolve_markets(s.market_model, s.firms, ids, s.labs.size(), s.info.start,
                                    s.info.end, diags, producer_ids);
  for (const MechanismSection& m : mechanism_sections()) {
    const ConfigNode* node = tree.find(m.info.key);
    ConfigNode none;
    none.where = tree.where;
    s.sections[m.info.key] = m.read(node != nullptr ? *node : none, s, diags);
  }
  const ConfigNode* seminar = tree.find("seminar");
  s.seminar_setup = resolve_seminar(s.teams, s.levers, s.agreements, s.seminar, s.policy_events,
                                    s.governments_setup, s.info.start,
                                    seminar != nullptr ? seminar->where : tree.where, diags);
}

}  // namespace

std::vector<std::string> Scenario::country_ids() const {
  std::vector<std::string> ids;
  for (const CountrySpec& c : countries) ids.push_back(c.id);
  return ids;
}

std::vector<Country> Scenario::country_tiers() const {
  std::vector<Country> out;
  for (const CountrySpec& c : countries) out.push_back({c.id, c.tier});
  return out;
}

namespace {
// Errors of a scenario validated at its distributions' medians say so where they point at one.
void explain_medians(Diagnostics& diags, const Uncertainty& u) {
  Diagnostics explained;
  for (const Diagnostic& d : diags.all()) {
    std::string hint = d.hint;
    for (const UncertainParameter& p : u.parameters)
      if (p.where.file == d.where.file && p.where.line == d.where.line &&
          p.where.column == d.where.column && hint.empty())
        hint = "checked at the distribution's median, " + format_number(p.median);
    explained.error(d.where, d.key_path, d.message, hint);
  }
  diags = std::move(explained);
}
}  // namespace

namespace {
// Whether a tree's parameter changes are checked (a scenario as loaded), taken on trust (a
// replicate's values, checked on the ensemble's scenario) or ignored (a version).
enum class ChangeChecks { check, trust, version };

Scenario load_tree(ConfigNode tree, const std::string& file_name, ChangeChecks checks,
                   LeverChecks levers = LeverChecks::check) {
  Diagnostics diags;
  Scenario s;
  s.file = file_name;
  ConfigNode at_medians;
  static const std::vector<ParamInfo> schema = [] {
    // Archetypes set labs[] keys: a distribution there is checked as the lab key's.
    std::vector<ParamInfo> all = all_parameters();
    const std::size_t n = all.size();
    for (std::size_t i = 0; i < n; ++i)
      if (all[i].key.starts_with("labs[].")) {
        ParamInfo alias = all[i];
        alias.key = "archetypes[]." + alias.key.substr(7);
        all.push_back(std::move(alias));
      }
    return all;
  }();
  if (checks == ChangeChecks::check) {
    s.uncertainty = extract_uncertainty(tree, at_medians, schema, diags);
    // A distribution's own errors first: the schema would only repeat them at its median.
    diags.throw_if_any();
  } else if (checks == ChangeChecks::trust) {
    // A replicate's values: with_values replaced every distribution and dropped `uncertainty:`,
    // and the caller keeps the ensemble's tree as the replicate's resolved one.
    at_medians = std::move(tree);
  }
  // A version of a scenario whose distributions were already replaced needs its tree only
  // expanded: it keeps no tree (its setups are what runs use); the others keep theirs, and the
  // tree at their medians for their versions.
  ConfigNode expanded = checks == ChangeChecks::version ? std::move(tree) : at_medians;
  apply_archetypes(expanded, diags);
  scenario_schema().read(expanded, "", s, diags);
  validate_whole(s, expanded, diags);
  if (!s.uncertainty.empty()) explain_medians(diags, s.uncertainty);
  diags.throw_if_any();
  // Last, because only a whole scenario can be costed: refused with what it would take.
  check_scenario_limits(s, expanded, diags);
  diags.throw_if_any();
  if (checks == ChangeChecks::check) {
    check_parameter_changes(s, at_medians, expanded, diags, levers == LeverChecks::check);
    diags.throw_if_any();
  }
  if (checks != ChangeChecks::version)
    s.versions = std::make_shared<ScenarioVersions>(std::move(at_medians), file_name,
                                                    s.governments_setup.parameters);
  if (s.info.name.empty()) s.info.name = std::filesystem::path(file_name).stem().string();
  if (checks != ChangeChecks::version) s.resolved = std::move(tree);
  return s;
}
}  // namespace

Scenario scenario_from_tree(ConfigNode tree, const std::string& file_name, LeverChecks levers) {
  return load_tree(std::move(tree), file_name, ChangeChecks::check, levers);
}

Scenario scenario_version_from_tree(ConfigNode tree, const std::string& file_name) {
  return load_tree(std::move(tree), file_name, ChangeChecks::version);
}

Scenario scenario_with_values(const Scenario& s, std::span<const double> values) {
  // Its versions derive from its own values (the tree given here has no distributions left).
  Scenario out = load_tree(with_values(s.resolved, s.uncertainty, values), s.file,
                           ChangeChecks::trust);
  // The replicate keeps the ensemble's name and its record of what was uncertain, and no tree:
  // its runs use its setups, and the ensemble's tree is the one a file stores (a copy per
  // replicate was 2% of airace serve's time).
  out.info.name = s.info.name;
  out.resolved = ConfigNode();
  out.uncertainty = s.uncertainty;
  return out;
}

Scenario scenario_at_medians(const Scenario& s) {
  if (s.uncertainty.empty()) return s;
  std::vector<double> medians;
  medians.reserve(s.uncertainty.parameters.size());
  for (const UncertainParameter& p : s.uncertainty.parameters) medians.push_back(p.median);
  Scenario out = scenario_from_tree(with_values(s.resolved, s.uncertainty, medians), s.file);
  out.files_read = s.files_read;
  return out;
}

namespace {
Scenario finish_loading(ConfigNode tree, Diagnostics& diags, const std::string& file_name,
                        const std::vector<std::string>& overrides,
                        std::vector<std::filesystem::path> files_read) {
  diags.throw_if_any();
  for (const std::string& o : overrides) apply_override(tree, o, diags);
  diags.throw_if_any();
  Scenario s = scenario_from_tree(std::move(tree), file_name);
  s.files_read = std::move(files_read);
  return s;
}
}  // namespace

Scenario load_scenario(const std::filesystem::path& file,
                       const std::vector<std::string>& overrides) {
  Diagnostics diags;
  std::vector<std::filesystem::path> files_read;
  ConfigNode tree = load_config_file(file, diags, &files_read);
  return finish_loading(std::move(tree), diags, file.string(), overrides, std::move(files_read));
}

Scenario load_scenario_text(const std::string& text, const std::string& file_name,
                            const std::vector<std::string>& overrides) {
  Diagnostics diags;
  std::vector<std::filesystem::path> files_read;
  ConfigNode tree = load_config_text(text, file_name, diags, &files_read);
  return finish_loading(std::move(tree), diags, file_name, overrides, std::move(files_read));
}

}  // namespace airace
