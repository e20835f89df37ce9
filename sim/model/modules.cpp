// The registry: every mechanism of the model, one line each (docs/architecture.md §"Adding a
// mechanism"). The order of the lines is the order of the steps on a shared day where their
// declared reads and writes leave it open.

#include "agents/adoption_module.hpp"
#include "agents/clouds_module.hpp"
#include "agents/governments_module.hpp"
#include "agents/indicators_module.hpp"
#include "agents/labs_module.hpp"
#include "agents/markets_module.hpp"
#include "agents/safety_module.hpp"
#include "agents/supply_module.hpp"
#include "agents/talent_module.hpp"
#include "agents/trade_module.hpp"
#include "sim/model/model.hpp"

#include <stdexcept>

namespace airace {
namespace {

// A section read by its mechanism's schema alone (defaults where the file leaves it out).
template <class T>
MechanismSection section(std::string key, std::string description, const Schema<T>& schema) {
  return {{key, "section", "", "", "", std::move(description), "", false},
          [&schema] { return schema.describe(); },
          [&schema, key](const ConfigNode& node, const Scenario&, Diagnostics& diags) {
            T config;
            if (!node.is_null()) schema.read(node, key, config, diags);
            return std::any(config);
          }};
}

}  // namespace

// Sections of the scenario file that belong to one mechanism, each beside its module below.
const std::vector<MechanismSection>& mechanism_sections() {
  static const std::vector<MechanismSection> all = {
      section("indicators", "headline indicator settings", indicator_schema()),
      section("talent", "research staff moving between labs and countries", talent_schema()),
      section("cloud_investment",
              "clouds' chip spending after the historical period: expected inference demand, "
              "utilisation, financing",
              cloud_investment_schema()),
      // docs/model.md §3.3.8: resolved against the labs (grades by lab or archetype) and the
      // countries (agreements' parties); a scenario without the section has no safety module.
      {{"safety", "section", "", "", "",
        "labs' safety effort, incidents, governments' safety rules and agreements", "", false},
       [] {
         std::vector<ParamInfo> keys = safety_schema().describe();
         for (ParamInfo& k : agreement_schema().describe()) keys.push_back(std::move(k));
         return keys;
       },
       [](const ConfigNode& node, const Scenario& x, Diagnostics& diags) {
         SafetyParams params;
         if (!node.is_null()) safety_schema().read(node, "safety", params, diags);
         std::vector<std::string> ids, archetypes, countries;
         for (const LabConfig& l : x.labs) {
           ids.push_back(l.id);
           archetypes.push_back(l.archetype.id);
         }
         for (const CountrySpec& c : x.countries) countries.push_back(c.id);
         SafetySetup setup =
             resolve_safety(params, ids, archetypes, x.labs_setup.country, countries, diags);
         setup.enabled = !node.is_null();
         return std::any(std::move(setup));
       }},
  };
  return all;
}

template <class M, class ConfigOf>
void ModuleSet::add(ConfigOf config_of) {
  auto module = std::make_unique<M>(config_of(scenario_), world_, run_);
  M* m = module.get();
  for (const Entry& e : modules_)
    for (Stream a : e.module->streams())
      for (Stream b : m->streams())
        if (a == b)
          throw std::logic_error("the modules " + std::string(e.module->name()) + " and " +
                                 std::string(m->name()) + " use the same random stream " +
                                 std::to_string(static_cast<uint32_t>(a)));
  modules_.push_back(
      {std::move(module), [m, config_of](const Scenario& s) { m->configure(config_of(s)); }});
}

void ModuleSet::declare(Declarations& d) {
  for (Entry& e : modules_) {
    d.begin_module(std::string(e.module->name()));
    e.module->declare_axes(d);
  }
  for (Entry& e : modules_) {
    d.begin_module(std::string(e.module->name()));
    e.module->declare(d);
  }
}

void ModuleSet::start() {
  for (Entry& e : modules_) e.module->start();
}

void ModuleSet::use_scenario(const Scenario& s) {
  for (Entry& e : modules_) e.configure(s);
}

ModuleSet::ModuleSet(const Scenario& s, World& world, const RunContext& run)
    : scenario_(s), world_(world), run_(run) {
  const ScheduleSettings& every = s.schedule;
  add<GovernmentsModule>([every](const Scenario& x) {
    return GovernmentsModule::Config{&x.governments_setup, &x.rule_book, &x.export_rules,
                                     every.governments, every.indicators};
  });
  // Clouds buy for the demand adoption serves; without adopters their plans stand throughout.
  if (s.adoption_setup.enabled())
    add<CloudsModule>([every](const Scenario& x) {
      return CloudsModule::Config{x.section<CloudInvestmentParams>("cloud_investment"),
                                  &x.supply_setup, &x.countries, every.supply};
    });
  add<TradeModule>([every](const Scenario& x) {
    return TradeModule::Config{&x.rule_book, &x.governments_setup, &x.supply_setup, &x.countries,
                               every.supply, x.adoption_setup.enabled()};
  });
  add<SupplyModule>([every](const Scenario& x) {
    return SupplyModule::Config{&x.supply_setup, &x.chips, &x.clouds, every.supply};
  });
  add<LabsModule>([every](const Scenario& x) {
    return LabsModule::Config{&x.labs_setup,  &x.labs,         &x.supply_setup,
                              &x.governments_setup, &x.countries, every.labs,
                              every.supply, x.adoption_setup.enabled(), /*talent=*/true,
                              x.section<SafetySetup>("safety").enabled};
  });
  add<TalentModule>([every](const Scenario& x) {
    return TalentModule::Config{x.section<TalentParams>("talent"), &x.labs_setup,
                                &x.supply_setup, &x.countries, every.labs};
  });
  if (s.adoption_setup.enabled())
    add<AdoptionModule>([every](const Scenario& x) {
      return AdoptionModule::Config{&x.adoption_setup, &x.supply_setup, &x.labs, &x.sectors,
                                    &x.countries, every.adoption, every.indicators,
                                    x.section<SafetySetup>("safety").enabled};
    });
  if (s.section<SafetySetup>("safety").enabled)
    add<SafetyModule>([every](const Scenario& x) {
      return SafetyModule::Config{&x.section<SafetySetup>("safety"), every.labs,
                                  x.adoption_setup.enabled()};
    });
  if (s.markets_setup.enabled())
    add<MarketsModule>([every](const Scenario& x) {
      return MarketsModule::Config{&x.markets_setup, every.markets, x.info.end,
                                   x.section<SafetySetup>("safety").enabled};
    });
  add<IndicatorsModule>([every](const Scenario& x) {
    return IndicatorsModule::Config{&x.supply_setup, &x.labs_setup, &x.countries,
                                    x.section<IndicatorParams>("indicators").frontier_growth_per_year, every.indicators,
                                    every.supply};
  });
}

}  // namespace airace
