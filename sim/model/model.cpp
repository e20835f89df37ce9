#include "sim/model/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace airace {
namespace {

std::size_t index_of(const std::vector<std::string>& ids, const std::string& id) {
  return static_cast<std::size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}

std::vector<std::string> ids_of(const auto& list) {
  std::vector<std::string> ids;
  for (const auto& x : list) ids.push_back(x.id);
  return ids;
}

std::vector<std::string> names_of(const auto& list) {
  std::vector<std::string> names;
  for (const auto& x : list) names.push_back(x.name.empty() ? x.id : x.name);
  return names;
}

}  // namespace

std::vector<std::size_t> provider_countries(const Scenario& s) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < s.countries.size(); ++k)
    if (std::find(s.labs_setup.country.begin(), s.labs_setup.country.end(), k) !=
        s.labs_setup.country.end())
      out.push_back(k);
  return out;
}

namespace {

void add_adoption_series(const Scenario& s, SeriesCatalog& cat, ModelOutputs& ids) {
  std::vector<std::string> options{"none"}, lab{""}, openness{""}, origin{""};
  for (const LabConfig& l : s.labs)
    for (const char* kind : {"closed", "open"}) {
      options.push_back(l.id + "_" + kind);
      lab.push_back(l.id);
      openness.push_back(kind);
      origin.push_back(l.country.id);
    }
  ids.options =
      cat.add_axis({"adoption",
                    "option",
                    "what an adopter uses: no model, a lab's best closed model through "
                    "its API, or the lab's best open-weight model run on its own compute",
                    options,
                    {{"option_lab", "", "the lab that made the model (empty: none)", lab},
                     {"option_openness", "", "closed (API) or open (self-hosted)", openness},
                     {"option_origin", "", "country of the lab", origin}}});
  std::vector<std::string> sector_ids, sector_names;
  for (const SectorSpec& x : s.sectors) {
    sector_ids.push_back(x.id);
    sector_names.push_back(x.name.empty() ? x.id : x.name);
  }
  ids.sectors = cat.add_axis({"adoption",
                              "sector",
                              "sectors of the adopting economy",
                              sector_ids,
                              {{"sector_name", "", "display name", sector_names}}});
  std::vector<std::string> providers;
  for (std::size_t k : provider_countries(s)) providers.push_back(s.countries[k].id);
  ids.providers =
      cat.add_axis({"adoption", "provider", "countries whose labs make models", providers, {}});
  const Cadence ad = s.schedule.adoption;
  const Cadence ind = s.schedule.indicators;
  auto add = [&cat](std::string group, std::string name, std::string units, std::string what,
                    Cadence cadence, std::vector<AxisId> axes) {
    return cat.add_series({std::move(group), std::move(name), std::move(units), std::move(what),
                           cadence, std::move(axes)});
  };
  ids.adoption_share = add("adoption", "share", "fraction",
                           "share of the country's adopting units (organisations and users) using "
                           "each option, no model included",
                           ad, {ids.countries, ids.options});
  ids.adoption_usage =
      add("adoption", "usage_mtokens_per_year", "M tokens/year",
          "tokens the country's adopters use on each option", ad, {ids.countries, ids.options});
  ids.sector_share = add("adoption", "sector_share", "fraction",
                         "share of each sector's adopting units worldwide using each option", ad,
                         {ids.sectors, ids.options});
  ids.share_by_provider = add("adoption", "share_by_provider", "fraction",
                              "share of the country's adopting units using a model from each "
                              "provider country, open or closed",
                              ad, {ids.countries, ids.providers, ids.openness});
  ids.sector_share_by_provider = add("adoption", "sector_share_by_provider", "fraction",
                                     "share of each sector's adopting units worldwide using a "
                                     "model from each provider country, open or closed",
                                     ad, {ids.sectors, ids.providers, ids.openness});
  ids.adoption_price = add("adoption", "price_usd_per_mtoken", "USD/M tokens",
                           "price of each option in each country: the API price, or the cost of "
                           "running the open model there (NaN: not on offer)",
                           ad, {ids.countries, ids.options});
  ids.option_capability = add("adoption", "option_capability", "log10 FLOP (effective)",
                              "capability of each option's model (NaN: not released yet)", ad,
                              {ids.options});
  ids.api_margin =
      add("adoption", "api_margin", "fraction",
          "API price over serving cost, minus 1; falls as open models spread", ad, {ids.labs});
  ids.api_revenue = add("adoption", "api_revenue_usd_per_year", "USD/year",
                        "paid by adopters for the lab's closed models", ad, {ids.labs});
  ids.open_spend = add("adoption", "open_model_spend_usd_per_year", "USD/year",
                       "spent by adopters running the lab's open models on their own compute (the "
                       "lab earns complement_value of it)",
                       ad, {ids.labs});
  ids.chip_cost = add("adoption", "chip_usd_per_h100e_year", "USD/H100e-year",
                      "cost of inference chips in each country, written off over their life", ad,
                      {ids.countries});
  ids.inference_demand = add("indicators", "inference_demand_h100e", "H100e",
                             "serving compute adoption needs in each country (closed models are "
                             "served from their maker's country, open ones where they are used)",
                             ind, {ids.countries});
  ids.country_adoption_share =
      add("indicators", "adoption_share", "fraction",
          "share of the country's adopting units that use any model", ind, {ids.countries});
  ids.cn_open_share_abroad = add("indicators", "cn_open_share_abroad", "fraction",
                                 "share of adopting units outside the US and China that use a "
                                 "Chinese open-weight model (NaN while none adopts)",
                                 ind, {});
  ids.open_usage_share = add("indicators", "open_usage_share", "fraction",
                             "share of the world's tokens used on open-weight models (NaN while "
                             "none are used)",
                             ind, {});
}

void add_market_series(const Scenario& s, SeriesCatalog& cat, ModelOutputs& ids) {
  std::vector<std::string> firm_ids, names, countries, index;
  for (const FirmSpec& f : s.firms) {
    firm_ids.push_back(f.id);
    names.push_back(f.name.empty() ? f.id : f.name);
    countries.push_back(f.country.id);
    index.push_back(f.in_index ? "1" : "0");
  }
  ids.firms = cat.add_axis({"markets",
                            "firm",
                            "listed firms",
                            firm_ids,
                            {{"firm_name", "", "display name", names},
                             {"firm_country", "", "where it is listed", countries},
                             {"in_index", "0 or 1", "member of the US index", index}}});
  ids.factors = cat.add_axis({"markets",
                              "factor",
                              "factors firms are exposed to",
                              {kFactorNames.begin(), kFactorNames.end()},
                              {}});
  ids.investors = cat.add_axis(
      {"markets", "investor", "types of investor", {"fundamental", "jevons", "trend"}, {}});
  const Cadence m = s.schedule.markets;
  auto add = [&cat](std::string name, std::string units, std::string what, Cadence cadence,
                    std::vector<AxisId> axes) {
    return cat.add_series(
        {"markets", std::move(name), std::move(units), std::move(what), cadence, std::move(axes)});
  };
  ids.market_cap =
      add("market_cap_usd", "USD", "market capitalisation of each firm", m, {ids.firms});
  ids.daily_return = add("daily_return", "fraction",
                         "change of market capitalisation since the "
                         "previous trading day",
                         m, {ids.firms});
  ids.index_usd =
      add("index_usd", "USD", "sum of the market capitalisations of the index members", m, {});
  ids.index_return = add("index_return", "fraction",
                         "change of the index since the previous "
                         "trading day",
                         m, {});
  ids.believed_efficiency =
      add("believed_efficiency_log10", "log10 (x 2022-01 algorithms)",
          "investors' belief about frontier algorithmic efficiency (effective "
          "FLOP per physical FLOP)",
          m, {});
  ids.efficiency_sd = add("efficiency_sd_log10", "log10", "investors' uncertainty about it", m, {});
  ids.efficiency_gap = add("efficiency_gap_log10", "log10",
                           "believed efficiency minus the trend investors anchor on (positive: "
                           "less compute needed than expected)",
                           m, {});
  ids.investor_belief =
      add("investor_belief", "ln (x expected compute demand)",
          "each investor type's revision of expected AI compute demand", m, {ids.investors});
  ids.factor_level = add("factors", "ln", "level of each factor (the firms' loadings multiply it)",
                         m, {ids.factors});
  ids.release_moves = cat.add_event_table(
      {"release_market_moves",
       "move",
       "how each firm fared after each release: one row per release and firm",
       {{"lab", "", "the releasing lab", EventColumn::Kind::entity, ids.labs},
        {"date", "", "release date", EventColumn::Kind::date, 0},
        {"firm", "", "the firm", EventColumn::Kind::entity, ids.firms},
        {"open", "0 or 1", "1: open weights", EventColumn::Kind::flag, 0},
        {"surprise_log10", "log10", "efficiency the release revealed minus investors' belief",
         EventColumn::Kind::number, 0},
        {"salience", "fraction", "attention the release drew (1: at the frontier)",
         EventColumn::Kind::number, 0},
        {"day_return", "fraction", "change of market capitalisation on the release's trading day",
         EventColumn::Kind::number, 0},
        {"max_drawdown", "fraction",
         "worst market capitalisation over the following window relative to the day before",
         EventColumn::Kind::number, 0}}});
}

}  // namespace

SeriesCatalog build_catalog(const Scenario& s, ModelOutputs& ids) {
  SeriesCatalog cat;
  for (Cadence c : {s.schedule.governments, s.schedule.supply, s.schedule.adoption, s.schedule.labs,
                    s.schedule.markets, s.schedule.indicators})
    cat.set_time_axis({c, tick_dates(c, s.info.start, s.info.end)});

  std::vector<std::string> tiers;
  for (const CountrySpec& c : s.countries) tiers.push_back(std::string(tier_name(c.tier)));
  ids.countries = cat.add_axis({"countries",
                                "country",
                                "countries in the scenario",
                                s.country_ids(),
                                {{"country_name", "", "display name", names_of(s.countries)},
                                 {"tier", "", "export-control tier", tiers}}});

  std::vector<std::string> designers, fabs, origins, producers;
  std::vector<double> tflops, mem_bw, interconnect, price, tpp, density, h100e, train, infer;
  for (const ChipSpec& c : s.chips) {
    designers.push_back(c.designer);
    fabs.push_back(c.fab);
    origins.push_back(c.origin.id);
    producers.push_back(c.producer.id);
    tflops.push_back(c.bf16_dense_tflops);
    mem_bw.push_back(c.memory_bandwidth_tbps);
    interconnect.push_back(c.interconnect_gbps);
    price.push_back(c.price_usd);
    tpp.push_back(total_processing_performance(c));
    density.push_back(performance_density(c));
    h100e.push_back(h100_equivalents(c));
    train.push_back(training_h100e(c, s.supply_model.interconnect_exponent));
    infer.push_back(inference_h100e(c));
  }
  ids.chips = cat.add_axis(
      {"chips",
       "chip",
       "the chip catalogue",
       ids_of(s.chips),
       {{"chip_name", "", "product name", names_of(s.chips)},
        {"designer", "", "designing company", designers},
        {"fab", "", "manufacturing foundry", fabs},
        {"origin", "", "country of the designer", origins},
        {"producer", "", "producer that makes it (empty: not sold)", producers},
        {"bf16_dense_tflops", "TFLOP/s", "dense BF16 throughput", tflops},
        {"memory_bandwidth_tbps", "TB/s", "memory bandwidth", mem_bw},
        {"interconnect_gbps", "GB/s", "bidirectional chip-to-chip bandwidth", interconnect},
        {"list_price_usd", "USD", "list price per chip", price},
        {"tpp", "TOPS x bit", "Total Processing Performance (ECCN 3A090)", tpp},
        {"performance_density", "TPP/mm^2", "TPP per mm^2 of die (0: unknown)", density},
        {"h100e", "H100e/chip", "H100-equivalents per chip (dense BF16 / 989 TFLOP/s)", h100e},
        {"training_h100e", "H100e/chip", "worth for training, after the interconnect penalty",
         train},
        {"inference_h100e", "H100e/chip", "worth for inference (memory bandwidth / 3.35 TB/s)",
         infer}}});

  std::vector<std::string> producer_countries;
  for (const ProducerConfig& p : s.producers) producer_countries.push_back(p.country.id);
  ids.producers =
      cat.add_axis({"producers",
                    "producer",
                    "chip producers (designer + fab)",
                    ids_of(s.producers),
                    {{"producer_name", "", "display name", names_of(s.producers)},
                     {"producer_country", "", "country of the fab", producer_countries}}});

  std::vector<std::string> lab_countries, archetypes;
  for (const LabConfig& l : s.labs) {
    lab_countries.push_back(l.country.id);
    archetypes.push_back(l.archetype.id);
  }
  ids.labs = cat.add_axis({"labs",
                           "lab",
                           "AI labs",
                           ids_of(s.labs),
                           {{"lab_name", "", "display name", names_of(s.labs)},
                            {"lab_country", "", "home country", lab_countries},
                            {"archetype", "", "kind of lab", archetypes}}});
  std::vector<std::string> cloud_countries;
  for (const BuyerSpec& c : s.clouds) cloud_countries.push_back(c.country.id);
  ids.clouds = cat.add_axis({"clouds",
                             "cloud",
                             "other buyers of chips (clouds, firms) by country",
                             ids_of(s.clouds),
                             {{"cloud_name", "", "display name", names_of(s.clouds)},
                              {"cloud_country", "", "home country", cloud_countries}}});
  ids.origins = cat.add_axis({"indicators",
                              "origin",
                              "origin of installed compute: imported legally, made at home, "
                              "smuggled in",
                              {"imported", "domestic", "smuggled"},
                              {}});
  ids.rules = cat.add_axis({"policy",
                            "rule",
                            "export-control rules",
                            ids_of(s.export_rules),
                            {{"rule_name", "", "display name", names_of(s.export_rules)}}});
  std::vector<std::string> levers, lever_units;
  for (std::size_t l = 0; l < kLeverCount; ++l) {
    levers.push_back(lever_info(static_cast<Lever>(l)).name);
    lever_units.push_back(lever_info(static_cast<Lever>(l)).unit);
  }
  ids.levers = cat.add_axis({"policy",
                             "lever",
                             "government levers, named by the scenario key of their initial value",
                             levers,
                             {{"lever_unit", "", "unit of the lever's value", lever_units}}});
  ids.adaptive = cat.add_axis({"policy",
                               "adaptive_rule",
                               "the US government's adaptive rules",
                               s.governments_setup.adaptive_ids,
                               {}});

  const Cadence supply = s.schedule.supply;
  const Cadence labs = s.schedule.labs;
  const Cadence ind = s.schedule.indicators;
  auto add = [&cat](std::string group, std::string name, std::string units, std::string what,
                    Cadence cadence, std::vector<AxisId> axes) {
    return cat.add_series({std::move(group), std::move(name), std::move(units), std::move(what),
                           cadence, std::move(axes)});
  };
  const bool any_chips_sold = !s.producers.empty();
  if (any_chips_sold) {
    ids.chip_price = add("chips", "price_usd", "USD",
                         "price of a chip: cost-based price times the producer's scarcity markup",
                         supply, {ids.chips});
    ids.chip_unit_cost = add("chips", "unit_cost_usd", "USD",
                             "producer's cost of a working chip (falls as its yield rises; NaN: "
                             "not sold)",
                             supply, {ids.chips});
    ids.chip_sales = add("chips", "sales", "chips",
                         "chips sold legally to buyers in each country during the period ending "
                         "on the date",
                         supply, {ids.chips, ids.countries});
    ids.chip_smuggled = add("chips", "smuggled", "chips",
                            "chips smuggled to buyers in each country during the period", supply,
                            {ids.chips, ids.countries});
    ids.producer_capacity = add("producers", "capacity_chips_per_year", "chip starts/year",
                                "production capacity before yield", supply, {ids.producers});
    ids.producer_yield =
        add("producers", "yield", "fraction", "share of chip starts that work (learning curve)",
            supply, {ids.producers});
    ids.producer_output = add("producers", "output_chips", "chips",
                              "working chips delivered during the period", supply, {ids.producers});
    ids.producer_revenue =
        add("producers", "revenue_usd", "USD", "revenue from chips delivered during the period",
            supply, {ids.producers});
    ids.producer_node = add("producers", "node_nm", "nm", "best process node the producer makes",
                            supply, {ids.producers});
    ids.producer_markup = add("producers", "scarcity_markup", "x",
                              "price markup from demand exceeding supply", supply, {ids.producers});
  }
  ids.chip_legal_share = add("chips", "legal_share", "fraction",
                             "share of demand for a chip that may be sold legally in each country "
                             "(1 allowed, the approval rate under licence, 0 banned)",
                             supply, {ids.chips, ids.countries});
  ids.lab_compute_h100e = add("labs", "compute_h100e", "H100e",
                              "installed AI compute of each lab in H100-equivalents (bought and "
                              "smuggled)",
                              supply, {ids.labs});
  ids.lab_chips = add("labs", "chips_installed", "chips",
                      "chips installed at each lab, by chip type", supply, {ids.labs, ids.chips});
  ids.lab_training_h100e = add("labs", "training_compute_h100e", "H100e (training value)",
                               "compute the lab trains on: its chips at their training value, "
                               "rented remote compute and compute lent by a national pool",
                               labs, {ids.labs});
  ids.lab_efficiency =
      add("labs", "algorithmic_efficiency", "x 2022-01 algorithms",
          "effective compute per physical FLOP, relative to 2022-01 algorithms", labs, {ids.labs});
  ids.lab_capability = add("labs", "capability", "log10 FLOP (effective)",
                           "capability of the lab's best released model: log10 of its effective "
                           "training compute",
                           labs, {ids.labs});
  ids.lab_best_open = add("labs", "best_model_open", "0 or 1",
                          "1 when the lab's best model has open weights", labs, {ids.labs});
  ids.lab_capital = add("labs", "capital_usd", "USD", "money the lab holds", labs, {ids.labs});
  ids.lab_revenue =
      add("labs", "revenue_usd_per_year", "USD/year",
          "revenue from its models (API, or complements of open models)", labs, {ids.labs});
  ids.lab_talent = add("labs", "talent", "index",
                       "research talent (falls while capital is "
                       "negative)",
                       labs, {ids.labs});
  ids.lab_scarcity = add("labs", "compute_scarcity", "fraction",
                         "share of the compute value (H100e) the lab's spending would have bought "
                         "that it did not get: blocked by rules, rationed, or replaced by worse "
                         "chips; since the last research tick",
                         labs, {ids.labs});
  ids.lab_releases =
      add("labs", "releases", "models", "models released since the start", labs, {ids.labs});
  ids.lab_open_releases = add("labs", "open_releases", "models",
                              "open-weight models released since the start", labs, {ids.labs});
  ids.releases = cat.add_event_table(
      {"releases",
       "release",
       "model releases: one row per model a lab released",
       {{"lab", "", "the releasing lab", EventColumn::Kind::entity, ids.labs},
        {"country", "", "the lab's country", EventColumn::Kind::entity, ids.countries},
        {"date", "", "release date", EventColumn::Kind::date, 0},
        {"capability", "log10 FLOP (effective)", "capability of the model",
         EventColumn::Kind::number, 0},
        {"training_flop", "FLOP", "physical compute of its training run", EventColumn::Kind::number,
         0},
        {"effective_flop", "FLOP (2022-01 algorithms)",
         "training compute times the lab's algorithmic efficiency", EventColumn::Kind::number, 0},
        {"open", "0 or 1", "1: open weights, 0: closed access", EventColumn::Kind::flag, 0}}});
  if (!s.clouds.empty())
    ids.cloud_compute_h100e =
        add("clouds", "compute_h100e", "H100e",
            "installed AI compute of each cloud (bought and smuggled)", supply, {ids.clouds});
  ids.country_compute_h100e =
      add("indicators", "compute_h100e", "H100e",
          "installed AI compute of the country's labs and clouds", ind, {ids.countries});
  ids.country_compute_by_origin =
      add("indicators", "compute_by_origin_h100e", "H100e",
          "installed AI compute by origin: imported legally, domestic (designed at home), "
          "smuggled",
          ind, {ids.countries, ids.origins});
  ids.country_remote_access = add("indicators", "remote_access_h100e", "H100e",
                                  "compute the country's buyers rent abroad because rules block "
                                  "their purchases (leakage, not installed at home)",
                                  ind, {ids.countries});
  ids.country_blocked_usd = add("indicators", "blocked_usd_per_year", "USD/year",
                                "spending on chips the rules blocked, averaged over the period "
                                "since the previous indicator date",
                                ind, {ids.countries});
  ids.country_capex = add("indicators", "capex_usd_per_year", "USD/year",
                          "capital spending of the country's labs and clouds: AI chips they own "
                          "(bought or smuggled), their data centres, and their other capex; "
                          "averaged over the period since the previous indicator date",
                          ind, {ids.countries});
  ids.cn_domestic_share =
      add("indicators", "cn_domestic_share", "fraction",
          "share of China's installed AI compute (H100e) that is domestic", ind, {});
  ids.cn_smuggled_h100e = add("indicators", "cn_smuggled_h100e", "H100e",
                              "H100e smuggled into China since the start (cumulative, not "
                              "depreciated)",
                              ind, {});
  ids.country_best_capability =
      add("indicators", "best_capability", "log10 FLOP (effective)",
          "capability of the country's best model (NaN when it has no lab)", ind, {ids.countries});
  ids.us_cn_gap_months =
      add("indicators", "us_cn_gap_months", "months",
          "months of frontier progress between the best US and the best Chinese model (positive: "
          "the US leads)",
          ind, {});
  ids.openness = cat.add_axis(
      {"indicators", "openness", "open weights or closed access", {"open", "closed"}, {}});
  ids.best_by_openness =
      add("indicators", "best_capability_by_openness", "log10 FLOP (effective)",
          "capability of the best open and the best closed model (NaN when there is none)", ind,
          {ids.openness});
  ids.release_count = add("indicators", "releases", "models",
                          "models released since the start, by country and openness", ind,
                          {ids.countries, ids.openness});
  ids.open_closed_gap_months =
      add("indicators", "open_closed_gap_months", "months",
          "months of frontier progress between the best closed and the best open model "
          "(positive: closed leads)",
          ind, {});
  if (!s.export_rules.empty())
    ids.rule_status =
        add("policy", "rule_status", "code",
            "0 not announced, 1 announced, 2 in force, 3 ended or superseded", ind, {ids.rules});
  ids.lever_values = add("policy", "levers", "unit of each lever (lever_unit)",
                         "value of each government lever", ind, {ids.levers});
  if (!s.governments_setup.adaptive.empty())
    ids.adaptive_fired = add("policy", "adaptive_fired", "0 or 1",
                             "1 once the adaptive rule's condition has held", ind, {ids.adaptive});
  if (!s.governments_setup.parameters.empty())
    ids.parameter_changes = add_parameter_change_outputs(s, cat);
  if (s.adoption_setup.enabled()) add_adoption_series(s, cat, ids);
  if (s.markets_setup.enabled()) add_market_series(s, cat, ids);
  return cat;
}

Simulation::Simulation(const Scenario& s, const SeriesCatalog& catalog, const ModelOutputs& ids,
                       uint32_t replicate)
    : scenario_(&s),
      parameter_changes_(s),
      parameter_changes_base_(&s),
      base_parameter_count_(s.governments_setup.parameters.size()),
      ids_(ids),
      replicate_(replicate),
      schedule_(s.info.start, s.info.end),
      governments_(initial_government_state(s.governments_setup, s.rule_book)),
      supply_(initial_supply_state(s.supply_setup)),
      cap_used_h100e_(s.rule_book.n_rules * s.countries.size(), 0.0),
      blocked_since_indicators_(s.countries.size(), 0.0),
      capex_since_indicators_(s.countries.size(), 0.0),
      world_(world_indicator_names().size(), std::nan("")),
      series_(catalog) {
  const std::vector<std::string> countries = s.country_ids();
  for (const LabConfig& l : s.labs) lab_country_.push_back(index_of(countries, l.country.id));
  us_ = index_of(countries, "US");
  cn_ = index_of(countries, "CN");
  labs_ = initial_lab_state(s.labs_setup, lab_training_h100e(s.info.start), s.info.start,
                            key(Stream::lab_training));
  wanted_value_.assign(s.labs.size(), 0.0);
  obtained_value_.assign(s.labs.size(), 0.0);
  const AdoptionSetup& a = s.adoption_setup;
  if (a.enabled()) {
    population_ = generate_population(a, key(Stream::adoption_population));
    adoption_ = initial_adoption_state(a);
    adoption_outcome_.api_revenue_usd_per_year.assign(a.n_labs, 0.0);
    adoption_outcome_.open_spend_usd_per_year.assign(a.n_labs, 0.0);
    adoption_outcome_.inference_chip_usd_per_year.assign(a.n_countries, 0.0);
    const std::vector<std::size_t> providers = provider_countries(s);
    n_providers_ = providers.size();
    for (std::size_t k : s.labs_setup.country)
      lab_provider_.push_back(static_cast<std::size_t>(
          std::find(providers.begin(), providers.end(), k) - providers.begin()));
  }
  if (parameter_changes_.any())
    schedule_.add({"parameter_changes", Cadence::daily, kPhaseParameterChanges,
                   [this](const Tick& t) { apply_parameter_changes(t); }});
  schedule_.add({"governments", s.schedule.governments, kPhaseGovernments,
                 [this](const Tick& t) { step_governments(t); }});
  schedule_.add(
      {"supply", s.schedule.supply, kPhaseSupply, [this](const Tick& t) { step_supply(t); }});
  if (a.enabled())
    schedule_.add({"adoption", s.schedule.adoption, kPhaseAdoption,
                   [this](const Tick& t) { step_adoption(t); }});
  schedule_.add({"labs", s.schedule.labs, kPhaseLabs, [this](const Tick& t) { step_labs(t); }});
  const bool dated = std::any_of(s.labs.begin(), s.labs.end(),
                                 [](const LabConfig& l) { return !l.release_dates.empty(); });
  if (dated)
    schedule_.add({"dated_releases", Cadence::daily, kPhaseDatedReleases,
                   [this](const Tick& t) { step_dated_releases(t); }});
  if (s.markets_setup.enabled()) {
    markets_ = initial_market_state(s.markets_setup);
    schedule_.add(
        {"markets", s.schedule.markets, kPhaseMarkets, [this](const Tick& t) { step_markets(t); }});
  }
  schedule_.add({"indicators", s.schedule.indicators, kPhaseIndicators,
                 [this](const Tick& t) { step_indicators(t); }});
}

StreamKey Simulation::key(Stream stream) const {
  return {static_cast<uint64_t>(scenario_->run.seed), replicate_, stream};
}

void Simulation::apply_parameter_changes(const Tick& t) {
  if (const Scenario* in_force = parameter_changes_.scenario_on(governments_, t.date)) {
    use_scenario(*in_force);
    for (std::size_t c : parameter_changes_.newly_in_force())
      if (ids_.parameter_changes != kNoEventTable && c < base_parameter_count_)  // not set_parameter's
        series_.add_event(ids_.parameter_changes,
                        {static_cast<double>(t.date.days_since_epoch()), static_cast<double>(c)});
  }
}

void Simulation::set_parameter(const std::string& path, const std::string& value) {
  ConfigNode to;
  to.kind = ConfigNode::Kind::scalar;
  to.scalar = value;
  to.where = SourceLocation{"set_parameter", 0, 0};
  const Scenario& base = *parameter_changes_base_;
  const std::size_t i = base.versions->add({path, to, to.where, "set_parameter"});
  airace::set_parameter(governments_, i, today());
  if (const Scenario* in_force = parameter_changes_.scenario_on(governments_, today()))
    use_scenario(*in_force);
}

void Simulation::step_governments(const Tick& t) {
  world_[static_cast<std::size_t>(WorldIndicator::years_elapsed)] =
      years_between(scenario_->info.start, t.date);
  airace::step_governments(scenario_->governments_setup, governments_, world_, t);
}

const SupplyPolicy& Simulation::supply_policy(Date d) {
  const SupplySetup& s = scenario_->supply_setup;
  const LeverValues lever = levers_at(scenario_->governments_setup, governments_, d);
  auto value = [&lever](Lever l) { return lever[static_cast<std::size_t>(l)]; };
  compute_trade_policy(scenario_->rule_book, governments_.rule_times, d, cap_used_h100e_, trade_);
  SupplyPolicy& p = policy_;
  p.trade = &trade_;
  p.enforcement = value(Lever::us_enforcement);
  p.domestic_preference.assign(s.n_countries, 0.0);
  if (cn_ < s.n_countries) p.domestic_preference[cn_] = value(Lever::cn_domestic_preference);
  // China's chip funds go to its producers in proportion to their capacity.
  p.subsidy_usd_per_year.assign(s.n_producers, 0.0);
  double cn_capacity = 0.0;
  for (std::size_t q = 0; q < s.n_producers; ++q)
    if (s.producer_country[q] == cn_) cn_capacity += supply_.capacity[q];
  for (std::size_t q = 0; q < s.n_producers; ++q)
    if (s.producer_country[q] == cn_ && cn_capacity > 0.0)
      p.subsidy_usd_per_year[q] = value(Lever::cn_chip_subsidy) * supply_.capacity[q] / cn_capacity;
  // docs/model.md §"Export controls: equipment": allies decide how much of a control holds.
  const double share = s.params.us_equipment_share;
  const double effectiveness = share + (1.0 - share) * value(Lever::ally_alignment);
  equipment_limits(scenario_->rule_book, d, effectiveness, p.capex_multiplier, p.node_floor_nm);
  // Labs spend only money they have; clouds' spending is their plans'.
  p.budget_cap_usd.assign(s.n_buyers, std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < s.n_labs; ++i)
    p.budget_cap_usd[i] = std::max(0.0, labs_.capital_usd[i]);
  // docs/model.md §"Adoption: feedback": the chips that serve adoption are bought by the clouds
  // of the country where it is served, in equal parts.
  p.added_usd_per_year.clear();
  const std::vector<double>& inference = adoption_outcome_.inference_chip_usd_per_year;
  if (!inference.empty()) {
    p.added_usd_per_year.assign(s.n_buyers, 0.0);
    std::vector<double> clouds(s.n_countries, 0.0);
    for (std::size_t b = s.n_labs; b < s.n_buyers; ++b) clouds[s.buyer_country[b]] += 1.0;
    for (std::size_t b = s.n_labs; b < s.n_buyers; ++b)
      p.added_usd_per_year[b] = inference[s.buyer_country[b]] / clouds[s.buyer_country[b]];
  }
  return p;
}

std::vector<double> Simulation::lab_training_h100e(Date d) const {
  const SupplySetup& s = scenario_->supply_setup;
  std::vector<double> out(s.n_labs, 0.0);
  for (std::size_t i = 0; i < s.n_labs; ++i) out[i] = buyer_training_h100e(s, supply_, i);
  // docs/model.md §"Governments: computing pool": a share of state-linked cloud compute in
  // China, lent in equal parts to the Chinese labs.
  const LeverValues lever = levers_at(scenario_->governments_setup, governments_, d);
  const double pool_share = lever[static_cast<std::size_t>(Lever::cn_compute_pool_share)];
  if (pool_share <= 0.0) return out;
  double pool = 0.0;
  std::size_t cn_labs = 0;
  for (std::size_t b = s.n_labs; b < s.n_buyers; ++b)
    if (s.buyer_country[b] == cn_ && s.buyer_state_linked[b])
      pool += pool_share * buyer_training_h100e(s, supply_, b);
  for (std::size_t i = 0; i < s.n_labs; ++i) cn_labs += s.buyer_country[i] == cn_;
  for (std::size_t i = 0; i < s.n_labs; ++i)
    if (s.buyer_country[i] == cn_) out[i] += pool / static_cast<double>(cn_labs);
  return out;
}

void Simulation::step_supply(const Tick& t) {
  const SupplySetup& s = scenario_->supply_setup;
  const SupplyPolicy& policy = supply_policy(t.date);
  airace::step_supply(s, supply_, supply_scratch_, policy, t, key(Stream::buyer_demand),
                      supply_work_);
  std::swap(supply_, supply_scratch_);
  count_against_caps(scenario_->rule_book, governments_.rule_times, t.date, supply_.sales,
                     s.chip_h100e, cap_used_h100e_);
  charge_chip_spending(labs_, std::span<const double>(supply_.spent_usd).first(s.n_labs));
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    wanted_value_[i] += supply_.wanted_value[i];
    obtained_value_[i] += supply_.obtained_value[i];
  }

  const std::size_t nc = s.n_chips;
  const std::size_t nk = s.n_countries;
  for (std::size_t i = 0; i < nc * nk; ++i) {
    series_.set(ids_.chip_legal_share, t.index, i, trade_.legal_share[i]);
    if (ids_.chip_sales == kNoSeries) continue;
    series_.set(ids_.chip_sales, t.index, i, supply_.sales[i]);
    series_.set(ids_.chip_smuggled, t.index, i, supply_.smuggled_sales[i]);
  }
  if (ids_.chip_price != kNoSeries) {
    for (std::size_t c = 0; c < nc; ++c) {
      series_.set(ids_.chip_price, t.index, c, supply_.price_usd[c]);
      series_.set(ids_.chip_unit_cost, t.index, c, unit_cost_usd(s, supply_, c));
    }
    for (std::size_t p = 0; p < s.n_producers; ++p) {
      series_.set(ids_.producer_capacity, t.index, p, supply_.capacity[p]);
      series_.set(ids_.producer_yield, t.index, p, supply_.yield[p]);
      series_.set(ids_.producer_output, t.index, p, supply_.output_chips[p]);
      series_.set(ids_.producer_revenue, t.index, p, supply_.revenue_usd[p]);
      series_.set(ids_.producer_node, t.index, p, supply_.node_nm[p]);
      series_.set(ids_.producer_markup, t.index, p, supply_.scarcity[p]);
    }
  }
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    series_.set(ids_.lab_compute_h100e, t.index, i, buyer_compute_h100e(s, supply_, i));
    for (std::size_t c = 0; c < nc; ++c)
      series_.set(ids_.lab_chips, t.index, i * nc + c,
                  supply_.installed[i * nc + c] + supply_.smuggled[i * nc + c]);
  }
  if (ids_.cloud_compute_h100e != kNoSeries)
    for (std::size_t b = s.n_labs; b < s.n_buyers; ++b)
      series_.set(ids_.cloud_compute_h100e, t.index, b - s.n_labs,
                  buyer_compute_h100e(s, supply_, b));
  // docs/model.md §"Chip supply: capex": chips owned, their facilities, and other capex.
  const double years = years_between(scenario_->info.start, t.date);
  for (std::size_t b = 0; b < s.n_buyers; ++b) {
    const std::size_t k = s.buyer_country[b];
    blocked_since_indicators_[k] += supply_.blocked_usd[b];
    capex_since_indicators_[k] +=
        supply_.chip_capex_usd[b] * (1.0 + s.params.facility_usd_per_chip_usd) +
        s.buyer_other_capex_usd_per_year[b] *
            std::pow(s.buyer_other_capex_growth_per_year[b], years) * t.dt_years;
  }
  blocked_years_ += t.dt_years;
}

void Simulation::step_adoption(const Tick& t) {
  const AdoptionSetup& a = scenario_->adoption_setup;
  chip_usd_per_h100e_year(scenario_->supply_setup, supply_, trade_, t.date, chip_cost_);
  const ModelsOnOffer models{labs_.closed_capability,  labs_.closed_training_flop,
                             labs_.closed_efficiency,  labs_.open_capability,
                             labs_.open_training_flop, labs_.open_efficiency};
  offer_ = build_offer(a, models, chip_cost_, adoption_.open_usage_share);
  airace::step_adoption(a, population_, offer_, adoption_, t, key(Stream::adoption_choice),
                        adoption_work_);
  adoption_outcome_ = summarise_adoption(a, adoption_, offer_, chip_cost_,
                                         years_between(scenario_->info.start, t.date));
  adoption_.open_usage_share = adoption_outcome_.open_usage_share;

  const AdoptionOutcome& o = adoption_outcome_;
  const std::size_t nk = a.n_countries;
  const std::size_t no = a.n_options;
  const std::size_t np = n_providers_;
  std::vector<double> country_units(nk, 0.0), sector_units(a.n_sectors, 0.0);
  for (std::size_t k = 0; k < nk; ++k)
    for (std::size_t opt = 0; opt < no; ++opt) country_units[k] += o.units[k * no + opt];
  for (std::size_t j = 0; j < a.n_sectors; ++j)
    for (std::size_t opt = 0; opt < no; ++opt) sector_units[j] += o.sector_units[j * no + opt];
  auto share = [](double x, double total) { return total > 0.0 ? x / total : std::nan(""); };
  std::vector<double> by_provider(nk * np * 2, 0.0), sector_by_provider(a.n_sectors * np * 2, 0.0);
  for (std::size_t opt = 1; opt < no; ++opt) {
    const std::size_t lab = (opt - 1) / 2;
    const std::size_t open = opt == open_option(lab) ? 0 : 1;  // the openness axis: open, closed
    for (std::size_t k = 0; k < nk; ++k)
      by_provider[(k * np + lab_provider_[lab]) * 2 + open] += o.units[k * no + opt];
    for (std::size_t j = 0; j < a.n_sectors; ++j)
      sector_by_provider[(j * np + lab_provider_[lab]) * 2 + open] += o.sector_units[j * no + opt];
  }
  for (std::size_t k = 0; k < nk; ++k) {
    for (std::size_t opt = 0; opt < no; ++opt) {
      series_.set(ids_.adoption_share, t.index, k * no + opt,
                  share(o.units[k * no + opt], country_units[k]));
      series_.set(ids_.adoption_usage, t.index, k * no + opt,
                  o.usage_mtokens_per_year[k * no + opt]);
      series_.set(ids_.adoption_price, t.index, k * no + opt,
                  offer_.price_usd_per_mtoken[k * no + opt]);
    }
    for (std::size_t i = 0; i < np * 2; ++i)
      series_.set(ids_.share_by_provider, t.index, k * np * 2 + i,
                  share(by_provider[k * np * 2 + i], country_units[k]));
    series_.set(ids_.chip_cost, t.index, k, chip_cost_[k]);
  }
  for (std::size_t opt = 0; opt < no; ++opt)
    series_.set(ids_.option_capability, t.index, opt, offer_.capability[opt]);
  for (std::size_t j = 0; j < a.n_sectors; ++j) {
    for (std::size_t opt = 0; opt < no; ++opt)
      series_.set(ids_.sector_share, t.index, j * no + opt,
                  share(o.sector_units[j * no + opt], sector_units[j]));
    for (std::size_t i = 0; i < np * 2; ++i)
      series_.set(ids_.sector_share_by_provider, t.index, j * np * 2 + i,
                  share(sector_by_provider[j * np * 2 + i], sector_units[j]));
  }
  for (std::size_t l = 0; l < a.n_labs; ++l) {
    series_.set(ids_.api_margin, t.index, l, offer_.margin[l]);
    series_.set(ids_.api_revenue, t.index, l, o.api_revenue_usd_per_year[l]);
    series_.set(ids_.open_spend, t.index, l, o.open_spend_usd_per_year[l]);
  }
}

void Simulation::step_labs(const Tick& t) {
  const SupplySetup& s = scenario_->supply_setup;
  const std::vector<double> training = lab_training_h100e(t.date);
  std::vector<double> compute(s.n_labs), scarcity(s.n_labs);
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    compute[i] = buyer_compute_h100e(s, supply_, i);
    // docs/model.md §"Labs: efficiency": the share of the compute value it wanted that it
    // did not get (blocked, rationed, or substituted by worse chips).
    scarcity[i] = wanted_value_[i] > 0.0
                      ? std::clamp(1.0 - obtained_value_[i] / wanted_value_[i], 0.0, 1.0)
                      : 0.0;
  }
  std::fill(wanted_value_.begin(), wanted_value_.end(), 0.0);
  std::fill(obtained_value_.begin(), obtained_value_.end(), 0.0);
  const LeverValues lever = levers_at(scenario_->governments_setup, governments_, t.date);
  std::vector<double> encouragement(scenario_->countries.size(), 0.0);
  if (cn_ < encouragement.size())
    encouragement[cn_] = lever[static_cast<std::size_t>(Lever::cn_open_encouragement)];
  const LabInputs in{training,
                     compute,
                     scarcity,
                     encouragement,
                     adoption_outcome_.api_revenue_usd_per_year,
                     adoption_outcome_.open_spend_usd_per_year};
  released_.clear();
  airace::step_labs(scenario_->labs_setup, labs_, scratch_, in, t, key(Stream::lab_efficiency),
                    released_);
  std::swap(labs_, scratch_);
  for (const Release& r : released_) released(r);
  for (std::size_t i = 0; i < labs_.capability.size(); ++i) {
    series_.set(ids_.lab_training_h100e, t.index, i, training[i]);
    series_.set(ids_.lab_efficiency, t.index, i, labs_.efficiency[i]);
    series_.set(ids_.lab_capability, t.index, i, labs_.capability[i]);
    series_.set(ids_.lab_best_open, t.index, i, labs_.best_open[i]);
    series_.set(ids_.lab_capital, t.index, i, labs_.capital_usd[i]);
    series_.set(ids_.lab_revenue, t.index, i, labs_.revenue_usd_per_year[i]);
    series_.set(ids_.lab_talent, t.index, i, labs_.talent[i]);
    series_.set(ids_.lab_scarcity, t.index, i, labs_.scarcity[i]);
    series_.set(ids_.lab_releases, t.index, i, labs_.releases[i]);
    series_.set(ids_.lab_open_releases, t.index, i, labs_.open_releases[i]);
  }
}

void Simulation::released(const Release& r) {
  record_release(r);
  if (scenario_->markets_setup.enabled())
    news_.push_back({r.lab, r.date, r.capability, r.training_flop, r.open});
}

void Simulation::step_dated_releases(const Tick& t) {
  const LeverValues lever = levers_at(scenario_->governments_setup, governments_, t.date);
  std::vector<double> encouragement(scenario_->countries.size(), 0.0);
  if (cn_ < encouragement.size())
    encouragement[cn_] = lever[static_cast<std::size_t>(Lever::cn_open_encouragement)];
  LabInputs in{};
  in.open_encouragement = encouragement;
  released_.clear();
  release_on_schedule(scenario_->labs_setup, labs_, in, t.date, key(Stream::lab_efficiency),
                      released_);
  for (const Release& r : released_) released(r);
}

void Simulation::step_markets(const Tick& t) {
  const MarketsSetup& m = scenario_->markets_setup;
  double frontier = -std::numeric_limits<double>::infinity();
  for (double c : labs_.capability) frontier = std::max(frontier, c);
  double spend = 0.0;
  for (double r : supply_.revenue_usd_per_year) spend += r;
  MarketInputs in;
  in.releases = news_;
  in.frontier_capability = frontier;
  in.ai_chip_spend_usd_per_year = spend;
  in.api_margin = offer_.margin.empty() ? 0.0 : offer_.margin[0];
  in.cn_domestic_share = world_[static_cast<std::size_t>(WorldIndicator::cn_domestic_share)];
  watch_releases(m, markets_, news_, frontier, watches_);
  airace::step_markets(m, markets_, in, t, key(Stream::markets));
  news_.clear();
  watched_.clear();
  update_watches(m, markets_, watches_, watched_);
  for (const ReleaseWatch& w : watched_)
    for (std::size_t i = 0; i < m.n_firms; ++i) {
      const double row[] = {static_cast<double>(w.release.lab),
                            static_cast<double>(w.release.date.days_since_epoch()),
                            static_cast<double>(i),
                            w.release.open ? 1.0 : 0.0,
                            w.surprise_log10,
                            w.salience,
                            w.day_return[i],
                            w.worst[i]};
      series_.add_event(ids_.release_moves, row);
    }
  for (std::size_t i = 0; i < m.n_firms; ++i) {
    series_.set(ids_.market_cap, t.index, i, std::exp(markets_.log_cap[i]));
    series_.set(ids_.daily_return, t.index, i, markets_.daily_return[i]);
  }
  series_.set(ids_.index_usd, t.index, markets_.index_usd);
  series_.set(ids_.index_return, t.index, markets_.index_return);
  series_.set(ids_.believed_efficiency, t.index, markets_.efficiency_log10);
  series_.set(ids_.efficiency_sd, t.index, std::sqrt(markets_.efficiency_var));
  series_.set(ids_.efficiency_gap, t.index, markets_.efficiency_log10 - markets_.trend_log10);
  for (std::size_t k = 0; k < kInvestorCount; ++k)
    series_.set(ids_.investor_belief, t.index, k, markets_.type_belief[k]);
  for (std::size_t f = 0; f < kFactorCount; ++f)
    series_.set(ids_.factor_level, t.index, f, markets_.factor[f]);
}

void Simulation::record_release(const Release& r) {
  const double row[] = {static_cast<double>(r.lab),
                        static_cast<double>(lab_country_[r.lab]),
                        static_cast<double>(r.date.days_since_epoch()),
                        r.capability,
                        r.training_flop,
                        r.effective_flop,
                        r.open ? 1.0 : 0.0};
  series_.add_event(ids_.releases, row);
}

void Simulation::step_indicators(const Tick& t) {
  const SupplySetup& s = scenario_->supply_setup;
  const std::size_t n = scenario_->countries.size();
  const std::size_t nc = s.n_chips;
  // Serial, in buyer and chip order: sums are identical whatever the thread count.
  std::vector<double> by_origin(n * 3, 0.0);
  std::vector<double> remote(n, 0.0);
  for (std::size_t b = 0; b < s.n_buyers; ++b) {
    const std::size_t k = s.buyer_country[b];
    for (std::size_t c = 0; c < nc; ++c) {
      const Origin legal = s.chip_origin[c] == k ? Origin::domestic : Origin::imported;
      by_origin[k * 3 + static_cast<std::size_t>(legal)] +=
          supply_.installed[b * nc + c] * s.chip_h100e[c];
      by_origin[k * 3 + static_cast<std::size_t>(Origin::smuggled)] +=
          supply_.smuggled[b * nc + c] * s.chip_h100e[c];
    }
    remote[k] += supply_.remote_h100e[b];
  }
  std::vector<double> best(n, -std::numeric_limits<double>::infinity());
  double best_open = -std::numeric_limits<double>::infinity();
  double best_closed = best_open;
  std::vector<double> count(n * 2, 0.0);  // [country][open, closed]
  for (std::size_t i = 0; i < lab_country_.size(); ++i) {
    best[lab_country_[i]] = std::max(best[lab_country_[i]], labs_.capability[i]);
    double& b = labs_.best_open[i] ? best_open : best_closed;
    b = std::max(b, labs_.capability[i]);
    count[lab_country_[i] * 2] += labs_.open_releases[i];
    count[lab_country_[i] * 2 + 1] += labs_.releases[i] - labs_.open_releases[i];
  }
  for (std::size_t k = 0; k < 2 * n; ++k) series_.set(ids_.release_count, t.index, k, count[k]);
  series_.set(ids_.best_by_openness, t.index, 0,
              std::isfinite(best_open) ? best_open : std::nan(""));
  series_.set(ids_.best_by_openness, t.index, 1,
              std::isfinite(best_closed) ? best_closed : std::nan(""));
  std::vector<double> compute(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t o = 0; o < 3; ++o) {
      compute[k] += by_origin[k * 3 + o];
      series_.set(ids_.country_compute_by_origin, t.index, k * 3 + o, by_origin[k * 3 + o]);
    }
    series_.set(ids_.country_compute_h100e, t.index, k, compute[k]);
    series_.set(ids_.country_remote_access, t.index, k, remote[k]);
    series_.set(ids_.country_blocked_usd, t.index, k,
                blocked_years_ > 0.0 ? blocked_since_indicators_[k] / blocked_years_ : 0.0);
    series_.set(ids_.country_capex, t.index, k,
                blocked_years_ > 0.0 ? capex_since_indicators_[k] / blocked_years_ : 0.0);
    series_.set(ids_.country_best_capability, t.index, k,
                std::isfinite(best[k]) ? best[k] : std::nan(""));
  }
  std::fill(blocked_since_indicators_.begin(), blocked_since_indicators_.end(), 0.0);
  std::fill(capex_since_indicators_.begin(), capex_since_indicators_.end(), 0.0);
  blocked_years_ = 0.0;
  const double cn_domestic =
      compute[cn_] > 0.0
          ? by_origin[cn_ * 3 + static_cast<std::size_t>(Origin::domestic)] / compute[cn_]
          : std::nan("");
  series_.set(ids_.cn_domestic_share, t.index, cn_domestic);
  series_.set(ids_.cn_smuggled_h100e, t.index, supply_.cumulative_smuggled_h100e[cn_]);

  const double now = years_between(scenario_->info.start, t.date);
  if (std::isfinite(best[us_])) us_history_.add(now, best[us_]);
  if (std::isfinite(best[cn_])) cn_history_.add(now, best[cn_]);
  const double rate = std::log10(scenario_->indicators.frontier_growth_per_year);
  const double gap = us_cn_gap_months(us_history_, cn_history_, now, rate);
  series_.set(ids_.us_cn_gap_months, t.index, gap);
  if (std::isfinite(best_closed)) closed_history_.add(now, best_closed);
  if (std::isfinite(best_open)) open_history_.add(now, best_open);
  series_.set(ids_.open_closed_gap_months, t.index,
              us_cn_gap_months(closed_history_, open_history_, now, rate));

  if (scenario_->adoption_setup.enabled()) {
    const AdoptionSetup& a = scenario_->adoption_setup;
    const AdoptionOutcome& o = adoption_outcome_;
    for (std::size_t k = 0; k < n; ++k) {
      double adopting = 0.0, all = 0.0;
      for (std::size_t opt = 0; opt < a.n_options; ++opt) {
        const double units = o.units.empty() ? 0.0 : o.units[k * a.n_options + opt];
        all += units;
        if (opt != kNoModel) adopting += units;
      }
      series_.set(ids_.country_adoption_share, t.index, k,
                  all > 0.0 ? adopting / all : std::nan(""));
      series_.set(ids_.inference_demand, t.index, k,
                  o.inference_h100e.empty() ? 0.0 : o.inference_h100e[k]);
    }
    const bool used = !o.units.empty();  // before the first adoption tick nobody uses a model
    series_.set(ids_.cn_open_share_abroad, t.index, used ? o.cn_open_share_abroad : std::nan(""));
    series_.set(ids_.open_usage_share, t.index, used ? o.open_usage_share : std::nan(""));
  }

  // What governments observe at their next tick.
  auto publish = [this](WorldIndicator w, double v) { world_[static_cast<std::size_t>(w)] = v; };
  publish(WorldIndicator::us_cn_gap_months, gap);
  publish(WorldIndicator::us_compute_h100e, compute[us_]);
  publish(WorldIndicator::cn_compute_h100e, compute[cn_]);
  publish(WorldIndicator::cn_domestic_share, cn_domestic);
  publish(WorldIndicator::cn_smuggled_h100e, supply_.cumulative_smuggled_h100e[cn_]);
  publish(WorldIndicator::cn_remote_access_h100e, remote[cn_]);
  publish(WorldIndicator::years_elapsed, now);

  const RuleBook& book = scenario_->rule_book;
  if (ids_.rule_status != kNoSeries)
    for (std::size_t r = 0; r < book.n_rules; ++r)
      series_.set(ids_.rule_status, t.index, r,
                  static_cast<double>(rule_status(book, governments_.rule_times, r, t.date)));
  const LeverValues lever = levers_at(scenario_->governments_setup, governments_, t.date);
  for (std::size_t l = 0; l < kLeverCount; ++l)
    series_.set(ids_.lever_values, t.index, l, lever[l]);
  if (ids_.adaptive_fired != kNoSeries)
    for (std::size_t a = 0; a < governments_.fired.size(); ++a)
      series_.set(ids_.adaptive_fired, t.index, a, governments_.fired[a]);
}

}  // namespace airace
