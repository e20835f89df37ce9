// The scenario's sections: each mechanism's schema under its key, and the settings of the run.
// all_parameters() lists them for `airace describe`, the docs and uncertain parameters.

#include "sim/model/scenario.hpp"

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
// lab keys by apply_archetypes.
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

}  // namespace

const Schema<Scenario>& scenario_schema() {
  static const Schema<Scenario> s("", [] {
    std::vector<Field<Scenario>> fields = {
          custom<Scenario>(section_info("scenario", "section", "name, description and dates"),
                           section(info_schema(), &Scenario::info)),
          custom<Scenario>(section_info("run", "section", "seed and number of replicates"),
                           section(run_schema(), &Scenario::run)),
          custom<Scenario>(section_info("schedule", "section", "cadence of each actor kind"),
                           section(schedule_schema(), &Scenario::schedule)),
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
          custom<Scenario>(section_info("memory_makers", "list",
                                        "makers of high-bandwidth memory and what they offer "
                                        "chip producers"),
                           entity_list(memory_maker_schema(), &Scenario::memory_makers)),
          custom<Scenario>(section_info("memory_rules", "list",
                                        "US export-control rules on high-bandwidth memory"),
                           entity_list(memory_rule_schema(), &Scenario::memory_rules)),
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
          custom<Scenario>(section_info("agreements", "list",
                                        "the agreements seminar teams may negotiate (airace "
                                        "serve)"),
                           entity_list(seminar_agreement_schema(), &Scenario::agreements)),
          custom<Scenario>(section_info("seminar", "section", "turn length and run size of "
                                                              "airace serve"),
                           section(seminar_schema(), &Scenario::seminar)),
    };
    // Sections registered with the mechanisms' modules: known keys here, read by validate_whole
    // once the sections above are resolved.
    for (const MechanismSection& m : mechanism_sections())
      fields.push_back(custom<Scenario>(
          m.info, [](const ConfigNode&, const std::string&, Scenario&, Diagnostics&) {}));
    return fields;
  }());
  return s;
}

std::vector<ParamInfo> all_parameters() {
  std::vector<ParamInfo> all = scenario_schema().describe();
  auto add = [&all](std::vector<ParamInfo> more) {
    all.insert(all.end(), more.begin(), more.end());
  };
  add(info_schema().describe());
  add(run_schema().describe());
  add(schedule_schema().describe());
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
  add(efficiency_growth_change_schema().describe());
  add(efficiency_step_schema().describe());
  add(dated_run_schema().describe());
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
  add(seminar_agreement_schema().describe());
  add(seminar_schema().describe());
  add(adoption_model_schema().describe());
  add(sector_schema().describe());
  add(population_schema().describe());
  add(market_model_schema().describe());
  add(firm_schema().describe());
  for (const MechanismSection& m : mechanism_sections()) add(m.describe());
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
