#include "sim/model/scenario.hpp"

#include <algorithm>
#include <cctype>

#include "sim/model/parameter_changes.hpp"
#include "sim/model/run_cost.hpp"

namespace airace {
namespace {

std::vector<std::pair<std::string, Cadence>> cadence_options() {
  std::vector<std::pair<std::string, Cadence>> o;
  for (Cadence c : kAllCadences) o.emplace_back(std::string(cadence_name(c)), c);
  return o;
}

const Schema<ScenarioInfo>& info_schema() {
  using I = ScenarioInfo;
  static const Schema<ScenarioInfo> s(
      "scenario", {
                      text("name", &I::name, {"short name (default: the file name)"}),
                      text("description", &I::description, {"what the scenario asks"}),
                      date("start", &I::start, {"first simulated day"}),
                      date("end", &I::end, {"last simulated day"}),
                  });
  return s;
}

const Schema<RunSettings>& run_schema() {
  using R = RunSettings;
  static const Schema<RunSettings> s(
      "run", {
                 seed("seed", &R::seed,
                      {"root of every random stream; the same seed gives the same output"}),
                 integer("replicates", &R::replicates, "runs",
                         between(1, static_cast<double>(kMaxReplicates)),
                         {"number of replicate runs in the ensemble (uncertainty bands)"}),
             });
  return s;
}

const Schema<ScheduleSettings>& schedule_schema() {
  using S = ScheduleSettings;
  static const Schema<ScheduleSettings> s(
      "schedule",
      {
          choice("governments", &S::governments, cadence_options(),
                 {"cadence at which governments check their adaptive rules"}),
          choice("supply", &S::supply, cadence_options(),
                 {"cadence of chip production, allocation, deliveries and "
                  "depreciation"}),
          choice("labs", &S::labs, cadence_options(),
                 {"cadence of lab research (efficiency) and model capability"}),
          choice("adoption", &S::adoption, cadence_options(),
                 {"cadence at which adopters reconsider and labs are paid"}),
          choice("markets", &S::markets, cadence_options(),
                 {"cadence of stock prices (trading_daily: the 2025 rout was one day)"}),
          choice("indicators", &S::indicators, cadence_options(),
                 {"cadence of the headline indicators"}),
      });
  return s;
}

const Schema<IndicatorParams>& indicator_schema() {
  using P = IndicatorParams;
  static const Schema<IndicatorParams> s(
      "indicators",
      {
          number("frontier_growth_per_year", &P::frontier_growth_per_year, "x/year",
                 Range{1, 1000, true, false},
                 {"growth of frontier effective training compute, used to convert a capability "
                  "difference into months where the simulated history is too short",
                  "physical 4-5x/year (Epoch) x algorithmic ~2.8x/year (Ho et al. 2024)"}),
      });
  return s;
}

const Schema<CountrySpec>& country_schema() {
  using C = CountrySpec;
  static const Schema<CountrySpec> s("countries[]",
                                     {
                                         text("id", &C::id, {"short code, e.g. US, CN", "", true}),
                                         text("name", &C::name, {"display name"}),
                                         choice("tier", &C::tier, tier_options(),
                                                {"export-control tier: us, ally (aligns with US "
                                                 "controls), china (arms-embargoed destinations), "
                                                 "rest (the rest of the world)"}),
                                     });
  return s;
}

template <class T>
auto section(const Schema<T>& schema, T Scenario::*member) {
  return [&schema, member](const ConfigNode& n, const std::string& path, Scenario& out,
                           Diagnostics& d) { schema.read(n, path, out.*member, d); };
}

template <class T>
auto entity_list(const Schema<T>& schema, std::vector<T> Scenario::*member) {
  return [&schema, member](const ConfigNode& n, const std::string& path, Scenario& out,
                           Diagnostics& d) {
    out.*member = read_entity_list(n, path, schema, T{}, d);
  };
}

// archetypes[]: a list of mappings with a unique id; their other keys are checked against the
// lab keys by with_archetypes.
void read_archetypes(const ConfigNode& n, const std::string& path, Scenario& out,
                     Diagnostics& diags) {
  out.archetype_ids.clear();
  if (n.is_null()) return;
  if (!n.is_sequence()) {
    diags.error(n.where, path,
                "expected a list of archetypes (each '- id: ...'), found " + n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const ConfigNode& a = n.items[i];
    const std::string p = item_path(path, a, i);
    if (!a.is_map()) {
      diags.error(a.where, p, "expected a mapping of lab keys, found " + a.describe());
      continue;
    }
    const ConfigNode* id = a.find("id");
    if (id == nullptr) {
      diags.error(a.where, p, "missing required key 'id'");
      continue;
    }
    if (auto v = read_text(*id, p + ".id", diags)) {
      if (std::find(out.archetype_ids.begin(), out.archetype_ids.end(), *v) !=
          out.archetype_ids.end())
        diags.error(a.where, p, "duplicate id '" + *v + "'");
      out.archetype_ids.push_back(*v);
    }
  }
}

ParamInfo section_info(std::string key, std::string type, std::string description,
                       bool required = false) {
  return {std::move(key), std::move(type), "", "", "", std::move(description), "", required};
}

const Schema<Scenario>& scenario_schema() {
  static const Schema<Scenario> s(
      "",
      {
          custom<Scenario>(section_info("scenario", "section", "name, description and dates"),
                           section(info_schema(), &Scenario::info)),
          custom<Scenario>(section_info("run", "section", "seed and number of replicates"),
                           section(run_schema(), &Scenario::run)),
          custom<Scenario>(section_info("schedule", "section", "cadence of each actor kind"),
                           section(schedule_schema(), &Scenario::schedule)),
          custom<Scenario>(section_info("indicators", "section", "headline indicator settings"),
                           section(indicator_schema(), &Scenario::indicators)),
          custom<Scenario>(section_info("lab_model", "section", "parameters shared by all labs"),
                           section(lab_model_schema(), &Scenario::lab_model)),
          custom<Scenario>(
              section_info("supply_model", "section", "parameters of chip supply and allocation"),
              section(supply_model_schema(), &Scenario::supply_model)),
          custom<Scenario>(section_info("countries", "list", "countries, by id", true),
                           entity_list(country_schema(), &Scenario::countries)),
          custom<Scenario>(section_info("chips", "list", "the chip catalogue", true),
                           entity_list(chip_schema(), &Scenario::chips)),
          custom<Scenario>(section_info("producers", "list", "chip producers (designer + fab)"),
                           entity_list(producer_schema(), &Scenario::producers)),
          custom<Scenario>(
              section_info("archetypes", "list", "kinds of lab: defaults for labs[] keys, by id"),
              [](const ConfigNode& n, const std::string& path, Scenario& out, Diagnostics& d) {
                read_archetypes(n, path, out, d);
              }),
          custom<Scenario>(section_info("labs", "list", "AI labs"),
                           entity_list(lab_schema(), &Scenario::labs)),
          custom<Scenario>(section_info("clouds", "list", "other buyers of chips, by country"),
                           entity_list(cloud_schema(), &Scenario::clouds)),
          custom<Scenario>(section_info("export_rules", "list", "US export-control rules on chips"),
                           entity_list(export_rule_schema(), &Scenario::export_rules)),
          custom<Scenario>(
              section_info("equipment_controls", "list", "controls on chip-making equipment"),
              entity_list(equipment_control_schema(), &Scenario::equipment_controls)),
          custom<Scenario>(
              section_info("us_government", "section", "US enforcement and adaptive rules"),
              section(us_government_schema(), &Scenario::us_government)),
          custom<Scenario>(section_info("china_government", "section",
                                        "China's chip subsidies, procurement preference and "
                                        "computing pool"),
                           section(china_government_schema(), &Scenario::china_government)),
          custom<Scenario>(section_info("allies", "section", "allies' alignment with US controls"),
                           section(allies_schema(), &Scenario::allies)),
          custom<Scenario>(section_info("policy_events", "list",
                                        "dated changes of a lever or of another parameter that "
                                        "may change during a run"),
                           entity_list(policy_event_schema(), &Scenario::policy_events)),
          custom<Scenario>(
              section_info("adoption_model", "section", "parameters shared by all adopters"),
              [](const ConfigNode& n, const std::string& path, Scenario& out, Diagnostics& d) {
                out.adoption_model.where = n.where;
                adoption_model_schema().read(n, path, out.adoption_model, d);
              }),
          custom<Scenario>(section_info("sectors", "list", "sectors of the adopting economy"),
                           entity_list(sector_schema(), &Scenario::sectors)),
          custom<Scenario>(section_info("populations", "list", "adopters by country"),
                           entity_list(population_schema(), &Scenario::populations)),
          custom<Scenario>(
              section_info("market_model", "section",
                           "investors' beliefs and the factors that price firms"),
              [](const ConfigNode& n, const std::string& path, Scenario& out, Diagnostics& d) {
                out.market_model.where = n.where;
                market_model_schema().read(n, path, out.market_model, d);
              }),
          custom<Scenario>(section_info("firms", "list", "listed firms priced by the markets"),
                           entity_list(firm_schema(), &Scenario::firms)),
          custom<Scenario>(section_info("teams", "list", "seminar teams (airace serve)"),
                           entity_list(team_schema(), &Scenario::teams)),
          custom<Scenario>(
              section_info("levers", "list", "the levers seminar teams may move (airace serve)"),
              entity_list(lever_schema(), &Scenario::levers)),
          custom<Scenario>(section_info("seminar", "section", "turn length and run size of "
                                                              "airace serve"),
                           section(seminar_schema(), &Scenario::seminar)),
      });
  return s;
}

// docs/scenarios.md §"Archetypes": each lab's archetype supplies defaults for the keys the lab
// does not set. Done on the tree, so that every value keeps the location it was written at.
ConfigNode with_archetypes(const ConfigNode& tree, Diagnostics& diags) {
  ConfigNode out = tree;
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
  if (labs == nullptr || !labs->is_sequence()) return out;
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
  return out;
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
  std::vector<BuyerSpec> buyers(s.labs.begin(), s.labs.end());
  buyers.insert(buyers.end(), s.clouds.begin(), s.clouds.end());
  for (std::size_t i = 0; i < s.clouds.size(); ++i)
    for (const LabConfig& l : s.labs)
      if (l.id == s.clouds[i].id)
        diags.error(s.clouds[i].where, "clouds[" + l.id + "]",
                    "the id '" + l.id + "' is also a lab's; buyers need distinct ids");
  s.supply_setup = resolve_supply(s.supply_model, s.chips, s.producers, buyers, s.labs.size(),
                                  countries, s.info.start, diags);
  std::vector<std::string> producer_ids;
  for (const ProducerConfig& p : s.producers) producer_ids.push_back(p.id);
  s.rule_book = resolve_rules(s.export_rules, s.equipment_controls, s.chips, countries,
                              producer_ids, s.supply_setup.producer_country, diags);
  s.governments_setup = resolve_governments(s.us_government, s.china_government, s.allies,
                                            s.policy_events, s.rule_book, diags);
  if (s.adoption_model.where.line == 0) s.adoption_model.where = tree.where;
  s.adoption_setup = resolve_adoption(s.adoption_model, s.sectors, s.populations, ids,
                                      s.labs_setup.country, diags);
  if (s.market_model.where.line == 0) s.market_model.where = tree.where;
  s.markets_setup =
      resolve_markets(s.market_model, s.firms, ids, s.labs.size(), s.info.start, diags);
  const ConfigNode* seminar = tree.find("seminar");
  s.seminar_setup = resolve_seminar(s.teams, s.levers, s.seminar, s.policy_events,
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

Scenario load_tree(ConfigNode tree, const std::string& file_name, ChangeChecks checks) {
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
  s.uncertainty = extract_uncertainty(tree, at_medians, schema, diags);
  // A distribution's own errors first: the schema would only repeat them at its median.
  diags.throw_if_any();
  const ConfigNode expanded = with_archetypes(at_medians, diags);
  scenario_schema().read(expanded, "", s, diags);
  validate_whole(s, expanded, diags);
  if (!s.uncertainty.empty()) explain_medians(diags, s.uncertainty);
  diags.throw_if_any();
  // Last, because only a whole scenario can be costed: refused with what it would take.
  check_scenario_limits(s, expanded, diags);
  diags.throw_if_any();
  if (checks == ChangeChecks::check) {
    check_parameter_changes(s, at_medians, expanded, diags);
    diags.throw_if_any();
  }
  if (checks != ChangeChecks::version)
    s.versions = std::make_shared<ScenarioVersions>(std::move(at_medians), file_name,
                                                    s.governments_setup.parameters);
  if (s.info.name.empty()) s.info.name = std::filesystem::path(file_name).stem().string();
  s.resolved = std::move(tree);
  return s;
}
}  // namespace

Scenario scenario_from_tree(ConfigNode tree, const std::string& file_name) {
  return load_tree(std::move(tree), file_name, ChangeChecks::check);
}

Scenario scenario_version_from_tree(ConfigNode tree, const std::string& file_name) {
  return load_tree(std::move(tree), file_name, ChangeChecks::version);
}

Scenario scenario_with_values(const Scenario& s, std::span<const double> values) {
  // Its versions derive from its own values (the tree given here has no distributions left).
  Scenario out = load_tree(with_values(s.resolved, s.uncertainty, values), s.file,
                           ChangeChecks::trust);
  // The replicate keeps the ensemble's name and its record of what was uncertain.
  out.info.name = s.info.name;
  out.resolved = s.resolved;
  out.uncertainty = s.uncertainty;
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

std::vector<ParamInfo> all_parameters() {
  std::vector<ParamInfo> all = scenario_schema().describe();
  auto add = [&all](std::vector<ParamInfo> more) {
    all.insert(all.end(), more.begin(), more.end());
  };
  add(info_schema().describe());
  add(run_schema().describe());
  add(schedule_schema().describe());
  add(indicator_schema().describe());
  add(lab_model_schema().describe());
  add(supply_model_schema().describe());
  add(country_schema().describe());
  add(chip_schema().describe());
  add(producer_schema().describe());
  add(disruption_schema().describe());
  all.push_back({"archetypes[].id", "text", "", "", "",
                 "unique identifier named by labs[].archetype", "", true});
  all.push_back(
      {"archetypes[].description", "text", "", "", "", "what kind of lab it is", "", false});
  all.push_back({"archetypes[].<key>",
                 "any labs[] key except id, name, country, archetype, chips, "
                 "demand, source",
                 "", "", "",
                 "the default of that key for labs of this kind; a "
                 "lab's own value wins",
                 "", false});
  add(lab_schema().describe());
  add(funding_round_schema().describe());
  add(demand_plan_schema().describe());
  add(cloud_schema().describe());
  add(export_rule_schema().describe());
  add(rule_destination_schema().describe());
  add(equipment_control_schema().describe());
  add(us_government_schema().describe());
  add(adaptive_rule_schema().describe());
  add(china_government_schema().describe());
  add(allies_schema().describe());
  add(policy_event_schema().describe());
  add(team_schema().describe());
  add(lever_schema().describe());
  add(lever_option_schema().describe());
  add(seminar_schema().describe());
  add(adoption_model_schema().describe());
  add(sector_schema().describe());
  add(population_schema().describe());
  add(market_model_schema().describe());
  add(firm_schema().describe());
  // docs/scenarios.md §"Uncertain parameters": read by extract_uncertainty, not by a schema.
  all.push_back({"<any number>", "{distribution: NAME, ...}", "the parameter's", "", "",
                 "any number may be a distribution drawn once per replicate: uniform (low, high), "
                 "normal (mean, sd), lognormal (median, sigma), lognormal_80 (p10, p90); all but "
                 "uniform take optional truncation bounds low and high",
                 "", false});
  all.push_back(
      section_info("uncertainty", "section", "rank correlations between uncertain parameters"));
  all.push_back({"uncertainty.correlations[].between", "list of two key paths", "", "", "",
                 "two uncertain parameters, by their --set paths", "", true});
  all.push_back({"uncertainty.correlations[].rank_correlation", "number", "-", "", "[-1, 1]",
                 "their rank (Spearman) correlation, imposed through a Gaussian copula", "", true});
  return all;
}

}  // namespace airace
