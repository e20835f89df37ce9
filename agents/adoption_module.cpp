#include "agents/adoption_module.hpp"

#include <algorithm>
#include <cmath>

namespace airace {

void AdoptionModule::start() {
  const AdoptionSetup& a = *c_.setup;
  // The population depends on the setup at the start and the replicate's stream alone.
  const auto generate = [&] { return generate_population(a, run_.key(kAdoptionPopulationStream)); };
  if (run_.start_cache != nullptr)
    population_ = *run_.start_cache->get<Population>("adoption.population", run_.replicate, generate);
  else
    population_ = generate();
  state_ = initial_adoption_state(a, run_.key(kAdoptionChoiceStream));
  world_.adoption.api_revenue_usd_per_year.assign(a.n_labs, 0.0);
  world_.adoption.subscription_revenue_usd_per_year.assign(a.n_labs, 0.0);
  world_.adoption.open_spend_usd_per_year.assign(a.n_labs, 0.0);
  // docs/model.md §"Adoption: serving capacity": compute flows freely between countries outside
  // China's export tier; China's tier serves from its own.
  serving_.pool = serving_pools(*c_.countries);
  serving_.pool.resize(a.n_countries, 0);
  serving_.capacity_h100e.assign(kServingPools, 0.0);
  state_.serving_scarcity.assign(kServingPools, 1.0);
  pool_scarcity_.assign(a.n_countries, 1.0);
  pool_served_.assign(a.n_countries, 1.0);
  pool_capacity_.assign(a.n_countries, std::nan(""));
}

void AdoptionModule::serving_capacity() {
  const SupplySetup& s = *c_.supply;
  std::fill(serving_.capacity_h100e.begin(), serving_.capacity_h100e.end(), 0.0);
  // A share of the clouds' fleets; from the clouds' switch on, no more than their serving
  // capacities either (docs/model.md §3.3.1a), so that no cloud serves beyond its own.
  const double share = c_.setup->params.serving_capacity_share;
  const std::vector<double>& clouds = world_.clouds.serving_capacity_h100e;
  if (clouds.size() == s.n_buyers - s.n_labs) {
    for (std::size_t b = s.n_labs; b < s.n_buyers; ++b)
      serving_.capacity_h100e[serving_.pool[s.buyer_country[b]]] +=
          std::min(share * fleet_inference_h100e(s, world_.supply, b), clouds[b - s.n_labs]);
    return;
  }
  for (std::size_t b = s.n_labs; b < s.n_buyers; ++b)
    serving_.capacity_h100e[serving_.pool[s.buyer_country[b]]] +=
        fleet_inference_h100e(s, world_.supply, b);
  for (double& x : serving_.capacity_h100e) x *= share;
}

void AdoptionModule::declare_axes(Declarations& d) {
  std::vector<std::string> options{"none"}, lab{""}, openness{""}, origin{""};
  for (const LabConfig& l : *c_.labs)
    for (const char* kind : {"closed", "open"}) {
      options.push_back(l.id + "_" + kind);
      lab.push_back(l.id);
      openness.push_back(kind);
      origin.push_back(l.country.id);
    }
  options_ =
      d.add_axis({"adoption",
                  "option",
                  "what an adopter uses: no model, a lab's best closed model through its API, or "
                  "the lab's best open-weight model run on its own compute",
                  options,
                  {{"option_lab", "", "the lab that made the model (empty: none)", lab},
                   {"option_openness", "", "closed (API) or open (self-hosted)", openness},
                   {"option_origin", "", "country of the lab", origin}}});
  std::vector<std::string> sector_ids, sector_names;
  for (const SectorSpec& x : *c_.sectors) {
    sector_ids.push_back(x.id);
    sector_names.push_back(x.name.empty() ? x.id : x.name);
  }
  sectors_ = d.add_axis({"adoption",
                         "sector",
                         "sectors of the adopting economy",
                         sector_ids,
                         {{"sector_name", "", "display name", sector_names}}});
  // Countries whose labs make models, in country order.
  providers_.clear();
  std::vector<std::string> provider_ids;
  for (std::size_t k = 0; k < c_.countries->size(); ++k)
    if (std::find(c_.setup->lab_country.begin(), c_.setup->lab_country.end(), k) !=
        c_.setup->lab_country.end()) {
      providers_.push_back(k);
      provider_ids.push_back((*c_.countries)[k].id);
    }
  lab_provider_.clear();
  for (std::size_t k : c_.setup->lab_country)
    lab_provider_.push_back(
        static_cast<std::size_t>(std::find(providers_.begin(), providers_.end(), k) -
                                 providers_.begin()));
  providers_axis_ = d.add_axis(
      {"adoption", "provider", "countries whose labs make models", provider_ids, {}});
  scope_ = d.add_axis({"adoption",
                       "ecosystem_scope",
                       "where the downloads and derivatives of open models are made: the world, "
                       "or the countries other than the US and China",
                       {"world", "outside_us_cn"},
                       {}});
}

void AdoptionModule::declare(Declarations& d) {
  std::vector<std::string> previous = {part::labs, part::clouds};
  if (c_.safety) previous.push_back(part::safety);  // docs/model.md §3.3.8 "Incidents"
  const std::size_t step = d.step({"adoption.choose",
                                   c_.cadence,
                                   {part::supply, part::trade},
                                   previous,
                                   {part::adoption},
                                   [this](const Tick& t) { this->step(t); }});
  const AxisId countries = d.axis("countries", "country");
  const AxisId labs = d.axis("labs", "lab");
  const AxisId openness = d.axis("indicators", "openness");
  const AdoptionOutcome& o = world_.adoption;
  auto series = [&](SeriesDecl decl, const std::vector<double>& values) {
    d.series(step, std::move(decl), [p = &values](SeriesRow& r) { r.set_all(*p); });
  };
  series({"adoption", "share", "fraction",
          "share of the country's adopting units (organisations and users) using each option, no "
          "model included",
          {countries, options_}},
         country_share_);
  series({"adoption", "usage_mtokens_per_year", "M tokens/year",
          "tokens the country's adopters use on each option", {countries, options_}},
         o.usage_mtokens_per_year);
  series({"adoption", "sector_share", "fraction",
          "share of each sector's adopting units worldwide using each option",
          {sectors_, options_}},
         sector_share_);
  series({"adoption", "share_by_provider", "fraction",
          "share of the country's adopting units using a model from each provider country, open "
          "or closed",
          {countries, providers_axis_, openness}},
         by_provider_);
  series({"adoption", "sector_share_by_provider", "fraction",
          "share of each sector's adopting units worldwide using a model from each provider "
          "country, open or closed",
          {sectors_, providers_axis_, openness}},
         sector_by_provider_);
  series({"adoption", "price_usd_per_mtoken", "USD/M tokens",
          "price of each option in each country: the API price, or the cost of running the open "
          "model there (NaN: not on offer)",
          {countries, options_}},
         world_.offer.price_usd_per_mtoken);
  series({"adoption", "option_capability", "log10 FLOP (effective)",
          "capability of each option's model (NaN: not released yet)", {options_}},
         world_.offer.capability);
  series({"adoption", "api_margin", "fraction",
          "API price over serving cost, minus 1; falls as open models spread", {labs}},
         world_.offer.margin);
  series({"adoption", "api_revenue_usd_per_year", "USD/year",
          "paid per token by adopters for the lab's closed models", {labs}},
         o.api_revenue_usd_per_year);
  series({"adoption", "subscription_revenue_usd_per_year", "USD/year",
          "subscription fees (consumer apps' paid tiers, seats) paid by adopters of the lab's "
          "closed models; /labs/revenue_usd_per_year adds it to the per-token revenue",
          {labs}},
         o.subscription_revenue_usd_per_year);
  series({"adoption", "open_model_spend_usd_per_year", "USD/year",
          "spent by adopters running the lab's open models on their own compute (the lab earns "
          "complement_value of it)",
          {labs}},
         o.open_spend_usd_per_year);
  series({"adoption", "open_downloads", "downloads",
          "downloads of the lab's open-weight family since the start, worldwide (cumulative; 0 "
          "before its first open release)",
          {labs}},
         lab_downloads_);
  series({"adoption", "open_derivatives", "models",
          "fine-tuned and other derivative models built on the lab's open-weight family since "
          "the start, worldwide (cumulative; 0 before its first open release)",
          {labs}},
         lab_derivatives_);
  series({"adoption", "open_download_share_by_origin", "fraction",
          "share of the downloads of open-weight families made in the scope that are of families "
          "from each provider country (cumulative; NaN before any)",
          {scope_, providers_axis_}},
         download_share_);
  series({"adoption", "open_derivative_share_by_origin", "fraction",
          "share of the derivative models made in the scope that build on families from each "
          "provider country (cumulative; NaN before any)",
          {scope_, providers_axis_}},
         derivative_share_);
  series({"adoption", "chip_usd_per_h100e_year", "USD/H100e-year",
          "cost of inference chips in each country, written off over their life", {countries}},
         chip_cost_);
  series({"adoption", "serving_scarcity", "x",
          "factor on the cost of compute for serving in the country's pool (outside China's "
          "tier, or China's tier) while its serving capacity is short; 1: not short",
          {countries}},
         pool_scarcity_);
  series({"adoption", "served_fraction", "fraction",
          "share of the tokens wanted that the country's pool's serving capacity served",
          {countries}},
         pool_served_);
  series({"adoption", "serving_limit_h100e", "H100e",
          "most inference compute the clouds of the country's pool can give to serving tokens: "
          "serving_capacity_share x their fleets (NaN: no limit, serving_capacity_share = 0)",
          {countries}},
         pool_capacity_);

  // The headline indicators of adoption, on the indicators' dates.
  const std::size_t record = d.step({"adoption.indicators", c_.indicators, {part::adoption}, {},
                                     {}, [](const Tick&) {}});
  d.series(record,
           {"indicators", "inference_demand_h100e", "H100e",
            "serving compute adoption needs in each country (closed models are served from their "
            "maker's country, open ones where they are used)",
            {countries}},
           [this](SeriesRow& r) {
             for (std::size_t k = 0; k < c_.setup->n_countries; ++k)
               r.set(k, world_.adoption.inference_h100e.empty()
                            ? 0.0
                            : world_.adoption.inference_h100e[k]);
           });
  d.series(record,
           {"indicators", "adoption_share", "fraction",
            "share of the country's adopting units that use any model", {countries}},
           [this](SeriesRow& r) {
             const std::size_t no = c_.setup->n_options;
             const std::vector<double>& units = world_.adoption.units;
             for (std::size_t k = 0; k < c_.setup->n_countries; ++k) {
               double adopting = 0.0, all = 0.0;
               for (std::size_t opt = 0; opt < no; ++opt) {
                 const double u = units.empty() ? 0.0 : units[k * no + opt];
                 all += u;
                 if (opt != kNoModel) adopting += u;
               }
               r.set(k, all > 0.0 ? adopting / all : std::nan(""));
             }
           });
  d.series(record,
           {"indicators", "adoption_ceiling", "fraction",
            "share of the country's adopting units that can use a model at all (online, able to "
            "reach one): adoption_share never exceeds it (NaN for a country without a "
            "population)",
            {countries}},
           [this](SeriesRow& r) {
             for (std::size_t k = 0; k < c_.setup->n_countries; ++k)
               r.set(k, world_.adoption.ceiling.empty() ? std::nan("")
                                                        : world_.adoption.ceiling[k]);
           });
  d.series(record,
           {"indicators", "tokens_per_year", "M tokens/year",
            "tokens the country's adopters use on any model (closed or open)", {countries}},
           [this](SeriesRow& r) {
             const std::size_t no = c_.setup->n_options;
             const std::vector<double>& usage = world_.adoption.usage_mtokens_per_year;
             for (std::size_t k = 0; k < c_.setup->n_countries; ++k) {
               double used = 0.0;
               for (std::size_t opt = 1; opt < no && !usage.empty(); ++opt)
                 used += usage[k * no + opt];
               r.set(k, used);
             }
           });
  d.series(record,
           {"indicators", "cn_open_derivative_share", "fraction",
            "share of the world's derivative models of open-weight families (cumulative) that "
            "build on Chinese families (NaN while there are none)"},
           [this](SeriesRow& r) {
             const std::size_t np = providers_.size();
             const auto cn = static_cast<std::size_t>(
                 std::find(providers_.begin(), providers_.end(), c_.setup->cn) -
                 providers_.begin());
             r.set(cn < np && derivative_share_.size() == 2 * np ? derivative_share_[cn]
                                                                 : std::nan(""));
           });
  // Before the first adoption tick nobody uses a model.
  d.series(record,
           {"indicators", "cn_open_share_abroad", "fraction",
            "share of adopting units outside the US and China that use a Chinese open-weight "
            "model (NaN while none adopts)"},
           [this](SeriesRow& r) {
             r.set(world_.adoption.units.empty() ? std::nan("")
                                                 : world_.adoption.cn_open_share_abroad);
           });
  d.series(record,
           {"indicators", "open_usage_share", "fraction",
            "share of the world's tokens used on open-weight models (NaN while none are used)"},
           [this](SeriesRow& r) {
             r.set(world_.adoption.units.empty() ? std::nan("")
                                                 : world_.adoption.open_usage_share);
           });
}

void AdoptionModule::step(const Tick& t) {
  const AdoptionSetup& a = *c_.setup;
  const LabState& labs = world_.labs;
  chip_usd_per_h100e_year(*c_.supply, world_.supply, world_.trade, t.date, chip_cost_);
  // docs/model.md §"Adoption": a lab's models are on offer from its launch date (labs[].launch).
  closed_on_offer_ = labs.closed_capability;
  open_on_offer_ = labs.open_capability;
  for (std::size_t l = 0; l < closed_on_offer_.size(); ++l)
    if (c_.labs && l < c_.labs->size() && t.date < (*c_.labs)[l].launch)
      closed_on_offer_[l] = open_on_offer_[l] = std::nan("");
  const ModelsOnOffer models{closed_on_offer_,        labs.closed_training_flop,
                             labs.closed_efficiency,  open_on_offer_,
                             labs.open_training_flop, labs.open_efficiency};
  // docs/model.md §"Adoption: serving capacity": compute is dearer while a pool's capacity is
  // short.
  const bool limited = a.params.serving_capacity_share > 0.0;
  if (limited) {
    serving_capacity();
    serving_cost_ = chip_cost_;
    for (std::size_t k = 0; k < serving_cost_.size(); ++k)
      serving_cost_[k] *= state_.serving_scarcity[serving_.pool[k]];
  }
  const std::vector<double>& cost = limited ? serving_cost_ : chip_cost_;
  // docs/model.md §"Adoption: open-weight ecosystems": the derivatives made up to the last tick
  // hold each family's users.
  family_derivatives_ = state_.ecosystems.family_derivatives(a.n_labs);
  world_.offer = build_offer(a, models, cost, state_.open_usage_share, family_derivatives_,
                             c_.safety ? std::span<const double>(world_.safety.reputation_loss)
                                       : std::span<const double>());
  step_adoption(a, population_, world_.offer, state_, t, run_.key(kAdoptionChoiceStream), work_);
  world_.adoption = summarise_adoption(a, state_, world_.offer,
                                       years_between(run_.start, t.date),
                                       limited ? &serving_ : nullptr);
  grow_ecosystems(a, world_.adoption, t.dt_years, state_.ecosystems);
  if (limited) {
    const AdoptionOutcome& o = world_.adoption;
    for (std::size_t k = 0; k < a.n_countries; ++k) {
      const std::size_t q = serving_.pool[k];
      pool_scarcity_[k] = state_.serving_scarcity[q];  // what this tick's prices carried
      pool_served_[k] = o.served_fraction[q];
      pool_capacity_[k] = serving_.capacity_h100e[q];
    }
    for (std::size_t q = 0; q < state_.serving_scarcity.size(); ++q)
      state_.serving_scarcity[q] = next_serving_scarcity(
          a.params, state_.serving_scarcity[q], o.serving_demand_h100e[q],
          serving_.capacity_h100e[q]);
  }
  // docs/model.md §"Adoption: feedback": a lab earns subscriptions once its app's paid tier is on
  // sale (labs[].subscription_launch).
  for (std::size_t l = 0; l < world_.adoption.subscription_revenue_usd_per_year.size(); ++l)
    if (c_.labs && l < c_.labs->size() && t.date < (*c_.labs)[l].subscription_launch)
      world_.adoption.subscription_revenue_usd_per_year[l] = 0.0;
  state_.open_usage_share = world_.adoption.open_usage_share;
  summarise();
}

void AdoptionModule::summarise() {
  const AdoptionSetup& a = *c_.setup;
  const AdoptionOutcome& o = world_.adoption;
  const std::size_t nk = a.n_countries;
  const std::size_t no = a.n_options;
  const std::size_t np = providers_.size();
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
  country_share_.assign(nk * no, 0.0);
  by_provider_.assign(nk * np * 2, 0.0);
  for (std::size_t k = 0; k < nk; ++k) {
    for (std::size_t opt = 0; opt < no; ++opt)
      country_share_[k * no + opt] = share(o.units[k * no + opt], country_units[k]);
    for (std::size_t i = 0; i < np * 2; ++i)
      by_provider_[k * np * 2 + i] = share(by_provider[k * np * 2 + i], country_units[k]);
  }
  sector_share_.assign(a.n_sectors * no, 0.0);
  sector_by_provider_.assign(a.n_sectors * np * 2, 0.0);
  for (std::size_t j = 0; j < a.n_sectors; ++j) {
    for (std::size_t opt = 0; opt < no; ++opt)
      sector_share_[j * no + opt] = share(o.sector_units[j * no + opt], sector_units[j]);
    for (std::size_t i = 0; i < np * 2; ++i)
      sector_by_provider_[j * np * 2 + i] =
          share(sector_by_provider[j * np * 2 + i], sector_units[j]);
  }

  // Open-weight ecosystems: per family, and by the origin of the family in each scope.
  const OpenEcosystems& eco = state_.ecosystems;
  const std::size_t nl = a.n_labs;
  lab_downloads_.assign(nl, 0.0);
  lab_derivatives_.assign(nl, 0.0);
  std::vector<double> downloads(2 * np, 0.0), derivatives(2 * np, 0.0), all_dl(2, 0.0),
      all_dv(2, 0.0);
  for (std::size_t k = 0; k < nk && eco.downloads.size() == nk * nl; ++k)
    for (std::size_t l = 0; l < nl; ++l) {
      const double dl = eco.downloads[k * nl + l];
      const double dv = eco.derivatives[k * nl + l];
      lab_downloads_[l] += dl;
      lab_derivatives_[l] += dv;
      for (std::size_t scope = 0; scope < 2; ++scope) {
        if (scope == 1 && (k == a.us || k == a.cn)) continue;
        downloads[scope * np + lab_provider_[l]] += dl;
        derivatives[scope * np + lab_provider_[l]] += dv;
        all_dl[scope] += dl;
        all_dv[scope] += dv;
      }
    }
  download_share_.assign(2 * np, 0.0);
  derivative_share_.assign(2 * np, 0.0);
  for (std::size_t scope = 0; scope < 2; ++scope)
    for (std::size_t p = 0; p < np; ++p) {
      download_share_[scope * np + p] = share(downloads[scope * np + p], all_dl[scope]);
      derivative_share_[scope * np + p] = share(derivatives[scope * np + p], all_dv[scope]);
    }
}

}  // namespace airace
