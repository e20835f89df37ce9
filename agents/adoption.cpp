#include "agents/adoption.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "agents/chips.hpp"
#include "sim/core/parallel.hpp"

namespace airace {
namespace {

constexpr double kSecondsPerYear = 365.25 * 86400.0;
// Adopters per task of the parallel loops; also the blocks whose tallies are summed in order.
constexpr std::size_t kAdopterBlock = 16384;

}  // namespace

const Schema<SectorSpec>& sector_schema() {
  using S = SectorSpec;
  static const Schema<SectorSpec> s(
      "sectors[]",
      {
          text("id", &S::id, {"unique identifier, e.g. healthcare", "", true}),
          text("name", &S::name, {"display name"}),
          number("usage_mtokens_per_year", &S::usage_mtokens_per_year, "M tokens/year", at_least(0),
                 {"tokens an adopter of average size uses in a year on a model of "
                  "adoption_model.usage_reference_capability at "
                  "adoption_model.price_reference_usd_per_mtoken",
                  "per sector: its source field"}),
          number("capability_need", &S::capability_need, "log10 FLOP (effective)", between(15, 40),
                 {"capability at which a model is worth as much as no model to a typical adopter "
                  "(before prices and trust)",
                  "per sector: its source field"}),
          number("price_sensitivity", &S::price_sensitivity, "utility per ln(USD/M tokens)",
                 at_least(0), {"utility lost when a model's price per token doubles, ÷ ln 2"}),
          number("local_need", &S::local_need, "utility", at_least(0),
                 {"value of keeping data in house: privacy, regulation, local deployment"}),
          number("self_hosting_effort", &S::self_hosting_effort, "utility", at_least(0),
                 {"cost in skills and effort of running an open model on one's own compute"}),
          number("subscription_usd_per_month", &S::subscription_usd_per_month,
                 "USD/month per paying adopter", at_least(0),
                 {"monthly fee of the sector's subscription offer for a closed model (a consumer "
                  "app's paid tier, a seat); 0: no subscription offer",
                  "per sector: its source field"}),
          number("subscription_paying_share", &S::subscription_paying_share, "fraction",
                 between(0, 1),
                 {"share of the adopting units on a lab's closed model that pay the subscription "
                  "(the others use a free tier or the API alone)",
                  "per sector: its source field"}),
          text("source", &S::source, {"where the sector's figures come from"}),
      });
  return s;
}

const Schema<PopulationSpec>& population_schema() {
  using P = PopulationSpec;
  static const Schema<PopulationSpec> s(
      "populations[]",
      {
          text("id", &P::id, {"unique identifier, e.g. the country's id", "", true}),
          reference("country", &P::country, "countries[]",
                    {"the country the adopters are in", "", true}),
          number("adopting_units", &P::adopting_units, "adopters", above(0),
                 {"organisations and users the population stands for (each simulated adopter "
                  "stands for a share of them)",
                  "per population: its source field", true}),
          number_map("sectors", &P::sectors, "sectors[]", "fraction", between(0, 1),
                     {"share of the adopting units in each sector; the shares add up to 1",
                      "per population: its source field", true}),
          number_map("access", &P::access, "sectors[]", "fraction", between(0, 1),
                     {"share of each sector's units that can use a model at the start date: "
                      "online (consumers: internet users as a share of the population) and able "
                      "to pay or reach a free tier; the rest never adopt (missing: 1)",
                      "ITU Facts and Figures, World Bank IT.NET.USER.ZS; per population: its "
                      "source field"}),
          number("access_growth_per_year", &P::access_growth_per_year, "fraction/year",
                 between(0, 1),
                 {"rise per year of every sector's access (connectivity spreading), capped at 1",
                  "ITU internet use 2022-2024; per population: its source field"}),
          number("income_usd_per_capita", &P::income_usd_per_capita, "USD/person/year",
                 at_least(0),
                 {"GDP per capita; tokens per adopting unit scale as (income / "
                  "adoption_model.usage_reference_income_usd)^usage_income_elasticity (0: the "
                  "reference income)",
                  "World Bank NY.GDP.PCAP.CD, 2023, current USD; regional aggregates: its source "
                  "field"}),
          number_map("trust", &P::trust, "countries[]", "utility", between(-20, 20),
                     {"mean trust of adopters in providers from each country (missing: 0)",
                      "per population: its source field"}),
          number("trust_sd", &P::trust_sd, "utility", at_least(0),
                 {"spread of trust in US and Chinese providers across adopters"}),
          number("trust_correlation", &P::trust_correlation, "-", between(-1, 1),
                 {"correlation between an adopter's trust in US and in Chinese providers "
                  "(negative: geopolitical alignment)"}),
          number("censorship_aversion", &P::censorship_aversion, "utility", at_least(0),
                 {"utility lost per unit of content controls built into a model"}),
          number_map("reach", &P::reach, "countries[]", "fraction", between(0, 1),
                     {"distribution reach of closed-model providers from each country here: sales "
                      "presence, app stores, payment, not being blocked (missing: 1; 0: not "
                      "offered)",
                      "per population: its source field"}),
          text("source", &P::source, {"where the population's figures come from"}),
      });
  return s;
}

namespace {
// The schema reads any count >= 0; the upper limit, kMaxAdopters, is checked once the scenario
// is whole (sim/model/run_cost.cpp), so that its message can say how much memory and time the count
// asked for would take. `airace describe` shows the limit as the range.
Field<AdoptionModelParams> adopters_field() {
  Field<AdoptionModelParams> f =
      integer("adopters", &AdoptionModelParams::adopters, "agents", at_least(0),
              {"adopter agents simulated per replicate (0: no adoption model); totals do not "
               "depend on it, only their sampling noise"});
  f.info.range = between(0, static_cast<double>(kMaxAdopters)).text();
  return f;
}
}  // namespace

const Schema<AdoptionModelParams>& adoption_model_schema() {
  using M = AdoptionModelParams;
  static const Schema<AdoptionModelParams> s(
      "adoption_model",
      {
          adopters_field(),
          integer("min_adopters_per_segment", &M::min_adopters_per_segment, "agents",
                  between(3, 1e6),
                  {"fewest agents in a country × sector segment with any adopting units"}),
          integer("peers_per_adopter", &M::peers_per_adopter, "links", between(0, 64),
                  {"adopters whose choices each adopter sees"}),
          number("peer_same_segment_share", &M::peer_same_segment_share, "fraction", between(0, 1),
                 {"share of peer links inside the adopter's country and sector"}),
          number("peer_same_country_share", &M::peer_same_country_share, "fraction", between(0, 1),
                 {"share of peer links to random adopters of the same country, any sector (the "
                  "rest go to random adopters anywhere in the world)"}),
          number("revision_rate_per_year", &M::revision_rate_per_year, "1/year", at_least(0),
                 {"rate at which an adopter reconsiders its choice (Poisson)"}),
          number("taste_noise", &M::taste_noise, "utility", above(0),
                 {"scale of the Gumbel taste shocks (logit scale)"}),
          number("capability_weight", &M::capability_weight, "utility per log10 FLOP", at_least(0),
                 {"median weight of capability above the adopter's need"}),
          number("capability_utility_max", &M::capability_utility_max, "utility", at_least(0),
                 {"most utility capability above an adopter's need can give: the term "
                  "x = w·(C − need) becomes x / (1 + x / capability_utility_max) for x > 0 "
                  "(diminishing returns; 0: no limit)",
                  "assumption: a model far beyond a task's need is worth little more than one "
                  "that meets it"}),
          number("peer_weight", &M::peer_weight, "utility", at_least(0),
                 {"utility of an option all of an adopter's peers use"}),
          number("switching_cost", &M::switching_cost, "utility", at_least(0),
                 {"median utility of staying with the option in use"}),
          number("preference_sigma", &M::preference_sigma, "-", at_least(0),
                 {"lognormal sigma of each adopter's weights around the medians"}),
          number("capability_need_sd", &M::capability_need_sd, "log10 FLOP", at_least(0),
                 {"spread of capability needs within a sector"}),
          number("size_sigma", &M::size_sigma, "-", between(0, 5),
                 {"lognormal sigma of adopter size (usage relative to the sector's average)"}),
          number("price_reference_usd_per_mtoken", &M::price_reference_usd_per_mtoken,
                 "USD/M tokens", above(0),
                 {"price at which the price term of utility is zero and at which sectors[] use "
                  "their usage_mtokens_per_year"}),
          number("price_multiplier", &M::price_multiplier, "x", above(0),
                 {"factor on every price adopters pay, API and self-hosting (what-ifs: a tax, a "
                  "price war)"}),
          number("usage_price_elasticity", &M::usage_price_elasticity, "-", between(0, 5),
                 {"own-price elasticity of the tokens an adopter uses (minus sign dropped): "
                  "doubling the price multiplies them by 2^-elasticity",
                  "below the 1.11 that 'The Emerging Market for Intelligence' (NBER working "
                  "paper, 2025) estimates for one model across OpenRouter providers, which "
                  "includes switching between providers; assumption"}),
          number("usage_capability_elasticity", &M::usage_capability_elasticity,
                 "per log10 FLOP", between(0, 5),
                 {"growth of tokens per task with the capability of the model used (longer "
                  "answers, reasoning, agents): tokens x 10^elasticity per log10 FLOP",
                  "Epoch AI (2025-04): answers grow 2.2x/yr (non-reasoning) to 5x/yr (reasoning) "
                  "while effective compute grows ~12x/yr: 0.32-0.65"}),
          number("usage_reference_capability", &M::usage_reference_capability,
                 "log10 FLOP (effective)", between(15, 40),
                 {"capability at which sectors[] use their usage_mtokens_per_year",
                  "set so that tokens in 2023-2025 stay those of the earlier, time-driven usage "
                  "(docs/calibration.md)"}),
          number("usage_income_elasticity", &M::usage_income_elasticity, "-", between(0, 3),
                 {"elasticity of the tokens an adopting unit uses to its population's income per "
                  "capita (0: the same everywhere)",
                  "Anthropic Economic Index (2025-09-15): usage per working-age person rises "
                  "0.7% per 1% of GDP per capita across countries; about 0.25 of it is "
                  "connectivity, which populations[].access already holds (docs/model.md)"}),
          number("usage_reference_income_usd", &M::usage_reference_income_usd,
                 "USD/person/year", above(0),
                 {"income per capita at which sectors[] use their usage_mtokens_per_year",
                  "world GDP per capita 2023, World Bank NY.GDP.PCAP.CD: USD 13,138"}),
          number("serving_capacity_share", &M::serving_capacity_share, "fraction", between(0, 1),
                 {"share of the clouds' installed inference compute (H100e) that can serve the "
                  "adopters' tokens; tokens beyond it are not served and the cost of compute "
                  "rises until demand fits (0: no limit)",
                  "Nvidia FY2024 10-K: ~40% of data-centre revenue for inference; the rest of "
                  "the clouds' AI fleets trains and fine-tunes for customers (docs/model.md)"}),
          number("max_serving_scarcity", &M::max_serving_scarcity, "x", at_least(1),
                 {"highest factor on the cost of compute while serving capacity is short; "
                  "beyond it providers ration (rate limits, waiting lists) instead of raising "
                  "prices",
                  "H100 rental ~$8/hour at the 2023 shortage's peak against ~$2 in 2025 (4x); "
                  "OpenAI's rate limits and waiting lists in 2023 and 2025 (docs/model.md)"}),
          number("self_hosted_trust_share", &M::self_hosted_trust_share, "fraction", between(0, 1),
                 {"share of trust in a model's maker that still counts when the adopter runs the "
                  "weights itself (no data leaves it)"}),
          number_map("content_controls", &M::content_controls, "countries[]", "fraction",
                     between(0, 1),
                     {"content controls built into models from each country (missing: 0)",
                      "China's generative-AI measures (2023) require them"}),
          number_map("reach_abroad_multiplier", &M::reach_abroad_multiplier, "countries[]", "x",
                     at_least(0),
                     {"factor on the reach of each country's closed-model providers outside "
                      "their home country, capped at 1 (what-ifs; missing: 1)"}),
          number("inference_active_fraction", &M::inference_active_fraction, "fraction",
                 Range{0, 1, true, false},
                 {"parameters active per token relative to a dense Chinchilla-optimal model of "
                  "the same training compute",
                  "DeepSeek-V3: 37B active of a ~160B dense equivalent (V3 report)"}),
          number("inference_utilization", &M::inference_utilization, "fraction",
                 Range{0, 1, true, false},
                 {"fraction of peak FLOP/s reached when serving",
                  "DeepSeek's 2025-02 serving disclosure (calibration §3) fits 0.3 with 0.25 "
                  "active"}),
          number("inference_min_active_params", &M::inference_min_active_params, "parameters",
                 at_least(0),
                 {"fewest parameters active per token that any model is served with, however "
                  "efficient its maker's algorithms (0: no floor)",
                  "the small models in wide use in 2025 have 1-4 billion active (Gemma 3 1B, "
                  "Llama 3.2 1B, Qwen3-30B-A3B 3.3B, gpt-oss-20b 3.6B); below them the serving "
                  "cost's fall with efficiency is an extrapolation"}),
          number(
              "inference_efficiency_exponent", &M::inference_efficiency_exponent, "-", at_least(0),
              {"serving FLOP per token falls as algorithmic efficiency^-exponent (distillation, "
               "sparsity, quantisation)",
               "SF20: at fixed capability inference gets 10-50x cheaper a year (calibration §5); "
               "1 with ~3x/year algorithms gives ~5x from algorithms, more with cheaper chips"}),
          number("serving_opex_usd_per_h100e_year", &M::serving_opex_usd_per_h100e_year,
                 "USD/H100e-year", at_least(0),
                 {"running cost of serving capacity besides the chips: power, data centre",
                  "~700 W × $0.1/kWh plus facility; assumption"}),
          number("api_margin_max", &M::api_margin_max, "fraction", at_least(0),
                 {"API price over serving cost, minus 1, with no open competition",
                  "DeepSeek's disclosed theoretical margin 545% (calibration §3); indicative"}),
          number("commoditisation", &M::commoditisation, "fraction", between(0, 1),
                 {"fraction of the API margin removed when all adopted usage is on open "
                  "models (commoditising the complement)"}),
          number("self_hosting_overhead", &M::self_hosting_overhead, "fraction", at_least(0),
                 {"cost of self-hosting over its compute cost: staff and engineering",
                  "assumption: 0.5-2 engineers ($100-400k/year) beside an 8-GPU node's "
                  "~$150-200k/year of rent (docs/model.md)"}),
          number("self_hosting_throughput_share", &M::self_hosting_throughput_share, "fraction",
                 Range{0, 1, true, false},
                 {"tokens a self-hosted open model serves per chip-hour held, as a fraction of "
                  "a large provider's (inference_utilization): its own bursty, business-hours "
                  "load (duty cycle) on one node with smaller batches; its chips are counted "
                  "for the hours they are held (1: as a provider)",
                  "duty cycle 0.1-0.3 (self-hosting cost guides, e.g. 30% 'realistic', 10% "
                  "for internal tools) x one 8xH200 node's saturated DeepSeek-R1 throughput, "
                  "0.9-2.4k tokens/s per GPU (GPUStack performance lab, SGLang), against "
                  "DeepSeek's ~5k per H800 across 227 nodes (2025-02 disclosure): 0.2-0.5"}),
          number("open_hosting_margin", &M::open_hosting_margin, "fraction", at_least(0),
                 {"price over serving cost, minus 1, of a host serving open weights on shared "
                  "capacity at a provider's throughput; an open model is run this way where it "
                  "is cheaper than self-hosting (0: no hosts, self-hosting only)",
                  "DeepSeek's API on its 2025-02-27/28 traffic against its disclosed serving "
                  "cost ($87,072 a day): 3.2x at V3's list prices, 6.5x at R1's, ~2.5x with "
                  "V3's off-peak discount; 1.5-5.5 (docs/model.md)"}),
          number("open_downloads_per_unit_year", &M::open_downloads_per_unit_year,
                 "downloads per adopting unit-year", at_least(0),
                 {"times an adopting unit on a lab's open model downloads its weights in a year "
                  "(Hugging Face counts every fetch: deployments, updates, fresh containers, "
                  "developers' trials)",
                  "assumption: a deployment refetches at each release and container start, a "
                  "few to tens of times a year; Hugging Face counts are the check "
                  "(docs/calibration.md \"Open-weight ecosystems\")"}),
          number("open_derivatives_per_mdownloads", &M::open_derivatives_per_mdownloads,
                 "derivative models per M downloads", at_least(0),
                 {"fine-tuned, quantised or merged models published per million downloads of a "
                  "family's weights",
                  "Hugging Face counts: Llama ~27k derivatives for ~1B downloads (27 per M, "
                  "2025), Qwen ~180k for ~700M (257 per M, 2026-01); geometric mean ~85"}),
          number("ecosystem_lock_in", &M::ecosystem_lock_in, "utility per e-fold of derivatives",
                 at_least(0),
                 {"utility an adopter of a lab's open model gets for staying with it per e-fold "
                  "of the family's derivatives, x ln(1 + D / ecosystem_reference_derivatives), "
                  "besides switching_cost (0: ecosystems hold nobody)",
                  "assumption: fine-tunes, adapters and tooling built for a family hold its "
                  "users; the largest ecosystems (~10^5 derivatives) add about half the "
                  "switching cost of an API integration"}),
          number("ecosystem_reference_derivatives", &M::ecosystem_reference_derivatives,
                 "derivative models", above(0),
                 {"derivatives at which a family's lock-in is ecosystem_lock_in x ln 2",
                  "about Llama's derivatives at the end of 2023 (Hugging Face); assumption"}),
      });
  return s;
}

AdoptionSetup resolve_adoption(const AdoptionModelParams& params,
                               const std::vector<SectorSpec>& sectors,
                               const std::vector<PopulationSpec>& populations,
                               const std::vector<std::string>& country_ids,
                               const std::vector<std::size_t>& lab_country, Diagnostics& diags) {
  AdoptionSetup s;
  s.params = params;
  s.n_countries = country_ids.size();
  s.n_sectors = sectors.size();
  s.n_labs = lab_country.size();
  s.n_options = 1 + 2 * s.n_labs;
  s.lab_country = lab_country;
  s.sectors = sectors;
  s.populations = populations;
  s.us = static_cast<std::size_t>(std::find(country_ids.begin(), country_ids.end(), "US") -
                                  country_ids.begin());
  s.cn = static_cast<std::size_t>(std::find(country_ids.begin(), country_ids.end(), "CN") -
                                  country_ids.begin());
  const std::size_t nk = s.n_countries;
  std::vector<std::string> sector_ids;
  for (const SectorSpec& x : sectors) sector_ids.push_back(x.id);

  auto by_country = [&](const std::vector<KeyedNumber>& values, const std::string& path,
                        std::vector<double>& out, std::size_t offset) {
    for (const KeyedNumber& v : values)
      if (auto k = resolve_reference(v.key, path + "." + v.key.id, country_ids, "country", diags))
        out[offset + *k] = v.value;
  };
  s.content_controls.assign(nk, 0.0);
  by_country(params.content_controls, "adoption_model.content_controls", s.content_controls, 0);
  std::vector<double> abroad(nk, 1.0);
  by_country(params.reach_abroad_multiplier, "adoption_model.reach_abroad_multiplier", abroad, 0);

  s.reach.assign(nk * nk, 1.0);
  s.trust_mean.assign(nk * nk, 0.0);
  std::vector<uint8_t> has_population(nk, 0);
  for (std::size_t p = 0; p < populations.size(); ++p) {
    const PopulationSpec& pop = populations[p];
    const std::string path = "populations[" + pop.id + "]";
    const auto k = resolve_reference(pop.country, path + ".country", country_ids, "country", diags);
    if (!k) continue;
    if (has_population[*k])
      diags.error(pop.country.where, path + ".country",
                  "the country '" + pop.country.id +
                      "' already has a population; give each "
                      "country one population with its sectors");
    has_population[*k] = 1;
    s.population_country.push_back(*k);
    by_country(pop.reach, path + ".reach", s.reach, *k * nk);
    by_country(pop.trust, path + ".trust", s.trust_mean, *k * nk);
    double total = 0.0;
    for (const KeyedNumber& x : pop.sectors) {
      resolve_reference(x.key, path + ".sectors." + x.key.id, sector_ids, "sector", diags);
      total += x.value;
    }
    if (std::abs(total - 1.0) > 1e-6)
      diags.error(pop.where, path + ".sectors",
                  "the sector shares add up to " + format_number(total) + ", expected 1");
    for (const KeyedNumber& x : pop.access)
      resolve_reference(x.key, path + ".access." + x.key.id, sector_ids, "sector", diags);
  }
  for (std::size_t k = 0; k < nk; ++k)
    for (std::size_t q = 0; q < nk; ++q)
      if (q != k) s.reach[k * nk + q] = std::min(1.0, s.reach[k * nk + q] * abroad[q]);

  if (params.peer_same_segment_share + params.peer_same_country_share > 1.0 + 1e-12)
    diags.error(params.where, "adoption_model.peer_same_country_share",
                "peer_same_segment_share + peer_same_country_share is " +
                    format_number(params.peer_same_segment_share + params.peer_same_country_share) +
                    ", expected at most 1");
  if (params.adopters == 0) return s;  // no adoption model in this scenario
  if (populations.empty() || sectors.empty()) {
    diags.error(params.where, "adoption_model.adopters",
                "adopters is " + std::to_string(params.adopters) +
                    " but the scenario has no populations[] or no sectors[]; set adopters: 0 or "
                    "describe the adopters");
    return s;
  }
  if (s.n_options > kMaxOptions)
    diags.error(params.where, "labs",
                "adoption handles at most " + std::to_string((kMaxOptions - 1) / 2) +
                    " labs, found " + std::to_string(s.n_labs));
  if (!diags.empty()) return s;

  // Segments, and agents spread over them in proportion to their tokens at the start
  // (stratified sampling: the segments that carry usage and revenue are sampled most densely),
  // with at least min_adopters_per_segment in each; largest remainders make the total exact.
  s.n_segments = populations.size() * s.n_sectors;
  if (s.n_segments > std::numeric_limits<uint16_t>::max()) {
    diags.error(params.where, "populations", "too many country × sector segments");
    return s;
  }
  s.segment_country.resize(s.n_segments);
  s.segment_sector.resize(s.n_segments);
  s.segment_population.resize(s.n_segments);
  s.segment_units.assign(s.n_segments, 0.0);
  s.segment_access.assign(s.n_segments, 1.0);
  s.segment_access_growth.assign(s.n_segments, 0.0);
  s.segment_income_usage.assign(s.n_segments, 1.0);
  std::vector<double> weight(s.n_segments, 0.0);
  std::size_t occupied = 0;
  for (std::size_t p = 0; p < populations.size(); ++p)
    for (std::size_t j = 0; j < s.n_sectors; ++j) {
      const std::size_t seg = p * s.n_sectors + j;
      s.segment_country[seg] = s.population_country[p];
      s.segment_sector[seg] = j;
      s.segment_population[seg] = p;
      for (const KeyedNumber& x : populations[p].sectors)
        if (x.key.id == sectors[j].id)
          s.segment_units[seg] = x.value * populations[p].adopting_units;
      for (const KeyedNumber& x : populations[p].access)
        if (x.key.id == sectors[j].id) s.segment_access[seg] = x.value;
      s.segment_access_growth[seg] = populations[p].access_growth_per_year;
      // docs/model.md §"Adoption: who can adopt": richer units use more tokens.
      const double income = populations[p].income_usd_per_capita;
      s.segment_income_usage[seg] =
          income > 0.0 ? std::pow(income / params.usage_reference_income_usd,
                                  params.usage_income_elasticity)
                       : 1.0;
      // Sampled by the tokens of the units that can adopt at the start.
      weight[seg] = s.segment_units[seg] * std::max(s.segment_access[seg], 1e-3) *
                    std::max(sectors[j].usage_mtokens_per_year, 1e-12);
      occupied += s.segment_units[seg] > 0.0;
    }
  const auto n = static_cast<std::size_t>(params.adopters);
  const auto floor_n = static_cast<std::size_t>(params.min_adopters_per_segment);
  if (n < occupied * floor_n) {
    diags.error(params.where, "adoption_model.adopters",
                std::to_string(n) + " adopters cannot give " + std::to_string(floor_n) +
                    " to each of the " + std::to_string(occupied) +
                    " segments with adopting units; expected at least " +
                    std::to_string(occupied * floor_n));
    return s;
  }
  const double total_weight = std::accumulate(weight.begin(), weight.end(), 0.0);
  const std::size_t spare = n - occupied * floor_n;
  std::vector<std::size_t> agents(s.n_segments, 0);
  std::vector<std::pair<double, std::size_t>> remainder;
  std::size_t given = 0;
  for (std::size_t seg = 0; seg < s.n_segments; ++seg) {
    if (s.segment_units[seg] <= 0.0) continue;
    const double exact = static_cast<double>(spare) * weight[seg] / total_weight;
    agents[seg] = floor_n + static_cast<std::size_t>(exact);
    given += agents[seg];
    remainder.emplace_back(exact - std::floor(exact), seg);
  }
  std::stable_sort(remainder.begin(), remainder.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; given < n; ++i, ++given) ++agents[remainder[i % remainder.size()].second];
  s.segment_begin.assign(s.n_segments + 1, 0);
  s.units_per_adopter.assign(s.n_segments, 0.0);
  for (std::size_t seg = 0; seg < s.n_segments; ++seg) {
    s.segment_begin[seg + 1] = s.segment_begin[seg] + static_cast<uint32_t>(agents[seg]);
    if (agents[seg] > 0)
      s.units_per_adopter[seg] = s.segment_units[seg] / static_cast<double>(agents[seg]);
  }
  s.n_adopters = n;
  return s;
}

std::size_t Population::bytes() const {
  auto b = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  return b(segment) + b(size) + b(capability_weight) + b(need_utility) + b(price_weight) +
         b(self_hosting) + b(trust_us) + b(trust_cn) + b(censorship) + b(switching) +
         b(peer_begin) + b(peers);
}

Population generate_population(const AdoptionSetup& s, StreamKey key) {
  const AdoptionModelParams& m = s.params;
  const std::size_t n = s.n_adopters;
  Population pop;
  pop.segment.resize(n);
  pop.size.resize(n);
  pop.capability_weight.resize(n);
  pop.need_utility.resize(n);
  pop.price_weight.resize(n);
  pop.self_hosting.resize(n);
  pop.trust_us.resize(n);
  pop.trust_cn.resize(n);
  pop.censorship.resize(n);
  pop.switching.resize(n);
  const auto degree = static_cast<uint32_t>(m.peers_per_adopter);
  pop.peer_begin.resize(n + 1);
  for (std::size_t a = 0; a <= n; ++a) pop.peer_begin[a] = static_cast<uint32_t>(a) * degree;
  pop.peers.resize(n * degree);

  key.stream = kAdoptionPopulationStream;
  const std::size_t blocks = (n + kAdopterBlock - 1) / kAdopterBlock;
  parallel_for_each_index(blocks, 1, [&](std::size_t block) {
    const std::size_t begin = block * kAdopterBlock;
    const std::size_t end = std::min(n, begin + kAdopterBlock);
    std::size_t seg = static_cast<std::size_t>(
        std::upper_bound(s.segment_begin.begin(), s.segment_begin.end(), begin) -
        s.segment_begin.begin() - 1);
    for (std::size_t a = begin; a < end; ++a) {
      while (a >= s.segment_begin[seg + 1]) ++seg;
      const SectorSpec& sector = s.sectors[s.segment_sector[seg]];
      const PopulationSpec& p = s.populations[s.segment_population[seg]];
      // docs/model.md §"Adoption: population": every weight is its median × a lognormal factor.
      RandomStream rng(key, 0, a);
      const double sigma = m.preference_sigma;
      pop.segment[a] = static_cast<uint16_t>(seg);
      pop.size[a] = static_cast<float>(
          std::exp(m.size_sigma * rng.normal() - 0.5 * m.size_sigma * m.size_sigma));
      const double capability_weight = m.capability_weight * rng.lognormal_factor(sigma);
      const double need = sector.capability_need + m.capability_need_sd * rng.normal();
      pop.capability_weight[a] = static_cast<float>(capability_weight);
      pop.need_utility[a] = static_cast<float>(-capability_weight * need);
      pop.price_weight[a] =
          static_cast<float>(sector.price_sensitivity * rng.lognormal_factor(sigma));
      pop.self_hosting[a] =
          static_cast<float>(sector.local_need * rng.lognormal_factor(sigma) -
                             sector.self_hosting_effort * rng.lognormal_factor(sigma));
      const double z1 = rng.normal();
      const double z2 = rng.normal();
      const double rho = p.trust_correlation;
      pop.trust_us[a] = static_cast<float>(p.trust_sd * z1);
      pop.trust_cn[a] = static_cast<float>(p.trust_sd * (rho * z1 + std::sqrt(1 - rho * rho) * z2));
      pop.censorship[a] = static_cast<float>(p.censorship_aversion * rng.lognormal_factor(sigma));
      pop.switching[a] = static_cast<float>(m.switching_cost * rng.lognormal_factor(sigma));

      // docs/model.md §"Adoption: peers": blocks by segment and country with fixed out-degree.
      // A link inside the segment goes to a neighbour on the segment's ring (within `degree`
      // places either side: local clusters, as in a Watts–Strogatz lattice); the others go to
      // a random adopter of the same country or of the world (the shortcuts).
      RandomStream links(key, 1, a);
      const std::size_t first = s.segment_population[seg] * s.n_sectors;
      const std::size_t seg_begin = s.segment_begin[seg];
      const std::size_t seg_size = s.segment_begin[seg + 1] - seg_begin;
      for (uint32_t l = 0; l < degree; ++l) {
        const double kind = links.uniform();
        const double where = links.uniform();
        std::size_t peer = a;
        if (kind < m.peer_same_segment_share) {
          const std::size_t width = std::min<std::size_t>(degree, (seg_size - 1) / 2);
          if (width > 0) {
            const auto step =
                1 + std::min(2 * width - 1,
                             static_cast<std::size_t>(where * 2.0 * static_cast<double>(width)));
            // steps 1..width go forward, width+1..2 width go back
            const std::size_t offset = step <= width ? step : seg_size - (step - width);
            peer = seg_begin + (a - seg_begin + offset) % seg_size;
          }
        } else {
          const bool home = kind < m.peer_same_segment_share + m.peer_same_country_share;
          const std::size_t lo = home ? s.segment_begin[first] : 0;
          const std::size_t hi = home ? s.segment_begin[first + s.n_sectors] : n;
          peer = lo + std::min(hi - lo - 1,
                               static_cast<std::size_t>(where * static_cast<double>(hi - lo)));
          if (peer == a && hi - lo > 1) peer = peer + 1 < hi ? peer + 1 : lo;  // not oneself
        }
        pop.peers[a * degree + l] = static_cast<uint32_t>(peer);
      }
    }
  });
  return pop;
}

double serving_h100e_seconds_per_mtoken(const AdoptionModelParams& p, double training_flop,
                                        double efficiency) {
  // Chinchilla (Hoffmann et al. 2022): C = 6 N D with D = 20 N, so N = sqrt(C / 120); a forward
  // pass costs 2 N FLOP per token, of which the active fraction is used (mixture of experts).
  const double params = std::sqrt(std::max(training_flop, 0.0) / 120.0);
  const double flop_per_mtoken =
      std::max(1e6 * 2.0 * p.inference_active_fraction * params /
                   std::pow(std::max(efficiency, 1e-9), p.inference_efficiency_exponent),
               1e6 * 2.0 * p.inference_min_active_params);
  return flop_per_mtoken / (kH100DenseBf16Tflops * 1e12 * p.inference_utilization);
}

double usage_factor(const AdoptionModelParams& p, double capability, double price_usd_per_mtoken) {
  return std::pow(std::max(price_usd_per_mtoken, 1e-300) / p.price_reference_usd_per_mtoken,
                  -p.usage_price_elasticity) *
         std::pow(10.0, p.usage_capability_elasticity *
                            (capability - p.usage_reference_capability));
}

double segment_access(const AdoptionSetup& s, std::size_t seg, double years) {
  return std::min(1.0, s.segment_access[seg] + s.segment_access_growth[seg] * std::max(years, 0.0));
}

double ecosystem_stay_utility(const AdoptionModelParams& p, double derivatives) {
  if (p.ecosystem_lock_in <= 0.0 || !(derivatives > 0.0)) return 0.0;
  return p.ecosystem_lock_in * std::log1p(derivatives / p.ecosystem_reference_derivatives);
}

std::vector<double> OpenEcosystems::family_derivatives(std::size_t n_labs) const {
  std::vector<double> out(n_labs, 0.0);
  if (n_labs == 0) return out;
  for (std::size_t i = 0; i < derivatives.size(); ++i) out[i % n_labs] += derivatives[i];
  return out;
}

void grow_ecosystems(const AdoptionSetup& s, const AdoptionOutcome& out, double dt_years,
                     OpenEcosystems& eco) {
  const AdoptionModelParams& m = s.params;
  const std::size_t nk = s.n_countries;
  const std::size_t nl = s.n_labs;
  const std::size_t no = s.n_options;
  eco.downloads.resize(nk * nl, 0.0);
  eco.derivatives.resize(nk * nl, 0.0);
  if (out.units.size() != nk * no || !(dt_years > 0.0)) return;
  for (std::size_t k = 0; k < nk; ++k)
    for (std::size_t l = 0; l < nl; ++l) {
      const double units = out.units[k * no + open_option(l)];
      if (!(units > 0.0)) continue;
      const double downloads = units * m.open_downloads_per_unit_year * dt_years;
      eco.downloads[k * nl + l] += downloads;
      eco.derivatives[k * nl + l] += downloads * 1e-6 * m.open_derivatives_per_mdownloads;
    }
}

OpenChannel open_channel(const AdoptionModelParams& p) {
  OpenChannel c;
  c.hosted = p.open_hosting_margin > 0.0 &&
             1.0 + p.open_hosting_margin <
                 (1.0 + p.self_hosting_overhead) / p.self_hosting_throughput_share;
  c.throughput_share = c.hosted ? 1.0 : p.self_hosting_throughput_share;
  c.markup = c.hosted ? 1.0 + p.open_hosting_margin : 1.0 + p.self_hosting_overhead;
  return c;
}

Offer build_offer(const AdoptionSetup& s, const ModelsOnOffer& models,
                  std::span<const double> chip_usd_per_h100e_year, double open_usage_share,
                  std::span<const double> open_derivatives,
                  std::span<const double> reputation_loss) {
  const AdoptionModelParams& m = s.params;
  const std::size_t nk = s.n_countries;
  const std::size_t no = s.n_options;
  const double nan = std::nan("");
  Offer o;
  o.n_options = no;
  o.capability.assign(no, nan);
  o.serving_h100e_seconds.assign(no, 0.0);
  o.price_usd_per_mtoken.assign(nk * no, nan);
  o.margin.assign(s.n_labs, 0.0);
  o.n_available.assign(nk, 0);
  o.option_slot.assign(nk * no, 0);
  o.slot_option.assign(nk * no, 0);
  for (auto* v : {&o.ecosystem_stay, &o.base_utility, &o.slot_capability, &o.log_price, &o.self_hosted,
                  &o.trust_us_weight, &o.trust_cn_weight, &o.content_controls})
    v->assign(nk * no, 0.0f);

  // docs/model.md §"Adoption: prices": serving cost per M tokens = H100e·s per M tokens × the
  // cost of an H100e-second; APIs add a margin that open adoption erodes.
  auto usd_per_h100e_second = [&](std::size_t k) {
    return (chip_usd_per_h100e_year[k] + m.serving_opex_usd_per_h100e_year) / kSecondsPerYear;
  };
  // Before anyone uses a model the open share is undefined (NaN): no competition yet.
  const double open_share = std::isfinite(open_usage_share) ? open_usage_share : 0.0;
  const double margin = m.api_margin_max * (1.0 - m.commoditisation * open_share);
  // Both channels scale with the same serving time and cost of compute, so one is the cheaper
  // for every model and country.
  const OpenChannel channel = open_channel(m);
  for (std::size_t l = 0; l < s.n_labs; ++l) {
    o.margin[l] = margin;
    if (std::isfinite(models.closed_capability[l])) {
      o.capability[closed_option(l)] = models.closed_capability[l];
      o.serving_h100e_seconds[closed_option(l)] = serving_h100e_seconds_per_mtoken(
          m, models.closed_training_flop[l], models.closed_efficiency[l]);
    }
    if (std::isfinite(models.open_capability[l])) {
      o.capability[open_option(l)] = models.open_capability[l];
      // docs/model.md §"Adoption: prices": a self-hosted deployment holds its chips around the
      // clock for its own load, so it serves a fraction of a provider's tokens per chip-hour;
      // its price and the compute it holds are counted per token at that throughput.
      o.serving_h100e_seconds[open_option(l)] =
          serving_h100e_seconds_per_mtoken(m, models.open_training_flop[l],
                                           models.open_efficiency[l]) /
          channel.throughput_share;
    }
  }
  for (std::size_t k = 0; k < nk; ++k) {
    std::size_t slot = 0;
    for (std::size_t opt = 1; opt < no; ++opt) {
      if (!std::isfinite(o.capability[opt])) continue;
      const std::size_t lab = (opt - 1) / 2;
      const bool open = opt == open_option(lab);
      const std::size_t maker = s.lab_country[lab];
      const double reach = s.reach[k * nk + maker];
      if (!open && reach <= 0.0) continue;  // not sold here
      const double price =
          m.price_multiplier *
          (open ? o.serving_h100e_seconds[opt] * usd_per_h100e_second(k) * channel.markup
                : o.serving_h100e_seconds[opt] * usd_per_h100e_second(maker) * (1.0 + margin));
      o.price_usd_per_mtoken[k * no + opt] = price;
      ++slot;
      const std::size_t i = k * no + slot;
      o.option_slot[k * no + opt] = static_cast<uint8_t>(slot);
      o.slot_option[i] = static_cast<uint8_t>(opt);
      const double trust_share = open ? m.self_hosted_trust_share : 1.0;
      const double reputation = lab < reputation_loss.size() ? reputation_loss[lab] : 0.0;
      o.base_utility[i] = static_cast<float>((open ? 0.0 : std::log(reach)) +
                                             trust_share * s.trust_mean[k * nk + maker] -
                                             reputation);
      o.slot_capability[i] = static_cast<float>(o.capability[opt]);
      o.log_price[i] =
          static_cast<float>(std::log(std::max(price, 1e-12) / m.price_reference_usd_per_mtoken));
      o.self_hosted[i] = open ? 1.0f : 0.0f;
      o.trust_us_weight[i] = maker == s.us ? static_cast<float>(trust_share) : 0.0f;
      o.trust_cn_weight[i] = maker == s.cn ? static_cast<float>(trust_share) : 0.0f;
      o.content_controls[i] = static_cast<float>(s.content_controls[maker]);
      // docs/model.md §"Adoption: open-weight ecosystems": a family's derivatives hold its users.
      if (open && lab < open_derivatives.size())
        o.ecosystem_stay[i] = static_cast<float>(ecosystem_stay_utility(m, open_derivatives[lab]));
    }
    o.n_available[k] = static_cast<uint8_t>(slot);
  }
  return o;
}

namespace {

// docs/model.md §"Adoption: choice": an adopter's random numbers for one tick are one 64-bit
// word of a Philox block shared by four adopters (counter: step, adopters a / 4; word a % 4), so
// that every word of a block computed is used. Step 0 holds the first waiting times; tick i
// uses step i + 1.
constexpr std::size_t kAdoptersPerRandomBlock = 4;

std::array<uint64_t, 4> random_block(StreamKey key, uint64_t step, std::size_t quad) {
  RandomStream rng(key, step, quad);
  return {rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64()};
}

// −ln u for u = (bits + 1/2) / 2^32 in (0, 1), bits the low 32 of `word`: an exponential
// waiting time with mean 1, in double precision, for one adopter (double, uint64_t) or for 16
// in SIMD lanes (LaneDoubles, LaneWords). Written out rather than std::log so that it
// vectorises and does not depend on which variant of the C library's log the processor
// selects: u = m · 2^e with m in [√½, √2), ln m = 2 atanh s with s = (m − 1)/(m + 1), by its
// series to s^13 (relative error below 1e-12). Integers become doubles through the bits of
// 2^52 + i (exact), which vectorises on every instruction set.
// (Vectors pass by reference: passing them by value would depend on the instruction set's ABI.)
template <class Doubles, class Words>
[[gnu::always_inline]] inline void exponential_from_bits(const Words& word, Doubles& out) {
  constexpr uint64_t kTwo52Bits = 0x4330'0000'0000'0000ULL;
  constexpr double kTwo52 = 0x1.0p52;
  const Doubles x =
      (__builtin_bit_cast(Doubles, (word & 0xffff'ffffULL) | kTwo52Bits) - kTwo52) + 0.5;  // u · 2^32
  const Words b = __builtin_bit_cast(Words, x);
  const Doubles biased = __builtin_bit_cast(Doubles, (b >> 52) | kTwo52Bits) - kTwo52;  // x > 0
  const Doubles m0 =
      __builtin_bit_cast(Doubles, (b & 0x000f'ffff'ffff'ffffULL) | 0x3ff0'0000'0000'0000ULL);
  const Doubles halved = m0 * 0.5;
  const Doubles m = m0 > 1.41421356237309505 ? halved : m0;
  const Doubles e1 = biased - 1022.0, e0 = biased - 1023.0;
  const Doubles e = m0 > 1.41421356237309505 ? e1 : e0;  // u · 2^32 = m · 2^e
  const Doubles s = (m - 1.0) / (m + 1.0);
  const Doubles s2 = s * s;
  const Doubles series =
      1.0 +
      s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 * (1.0 / 11 + s2 / 13)))));
  out = (32.0 - e) * 0.693147180559945309 - 2.0 * s * series;
}

// The pick's uniform on [0, 1) from the word's top 24 bits (the waiting time uses the low 32).
float pick_uniform(uint64_t word) { return static_cast<float>(word >> 40) * 0x1.0p-24f; }

}  // namespace

AdoptionState initial_adoption_state(const AdoptionSetup& s, StreamKey key) {
  AdoptionState st;
  st.choice.assign(s.n_adopters, static_cast<uint8_t>(kNoModel));
  st.adopters.assign(s.n_segments * s.n_options, 0.0);
  st.size.assign(s.n_segments * s.n_options, 0.0);
  st.ecosystems.downloads.assign(s.n_countries * s.n_labs, 0.0);
  st.ecosystems.derivatives.assign(s.n_countries * s.n_labs, 0.0);
  for (std::size_t seg = 0; seg < s.n_segments; ++seg)
    st.adopters[seg * s.n_options] =
        static_cast<double>(s.segment_begin[seg + 1] - s.segment_begin[seg]);
  // docs/model.md §"Adoption: choice": every adopter's first revision, a waiting time from 0.
  key.stream = kAdoptionChoiceStream;
  st.revision_due.resize(s.n_adopters);
  const std::size_t quads = (s.n_adopters + kAdoptersPerRandomBlock - 1) / kAdoptersPerRandomBlock;
  parallel_for_each_index(
      (quads + kAdopterBlock - 1) / kAdopterBlock, 1, [&](std::size_t block) {
        const std::size_t end = std::min(quads, (block + 1) * kAdopterBlock);
        for (std::size_t q = block * kAdopterBlock; q < end; ++q) {
          const std::array<uint64_t, 4> words = random_block(key, 0, q);
          for (std::size_t i = 0; i < kAdoptersPerRandomBlock; ++i)
            if (const std::size_t a = q * kAdoptersPerRandomBlock + i; a < s.n_adopters) {
              double wait = 0.0;
              exponential_from_bits(words[i], wait);
              st.revision_due[a] = static_cast<float>(wait);
            }
        }
      });
  return st;
}

namespace {

// Reconsidering adopters of one country go through the choice 16 at a time, one per SIMD lane
// (structure of arrays). Every operation of the kernel acts on lanes, and none mixes lanes, so
// each adopter's arithmetic is the same sequence of IEEE operations whatever the vector width.
// This file is compiled with -ffp-contract=off (no fused multiply-add), so the baseline, AVX2
// and AVX-512 builds of the kernel agree bit for bit.
constexpr std::size_t kLanes = 16;
// The most peers per adopter counted by comparison (the schema allows 64); an adopter with more
// is counted one peer at a time.
constexpr std::size_t kMaxPeerRows = 64;

// The inputs of up to 16 adopters of one country, and their picks.
struct alignas(64) LaneGroup {
  float capability_weight[kLanes], need[kLanes], price_weight[kLanes], self_hosting[kLanes];
  float trust_us[kLanes], trust_cn[kLanes], censorship[kLanes], switching[kLanes];
  float peer_weight[kLanes], pick[kLanes];
  int32_t current_slot[kLanes];  // slot of the model in use and still on offer; 0: none
  uint64_t word[kLanes];         // random bits: the low 32 give the waiting time
  int32_t chosen_slot[kLanes];   // out
  double wait[kLanes];           // out: waiting time to the next revision, expected revisions
  // [peer][lane] the option each peer used at the previous tick (0: none; also the padding of
  // lanes with fewer peers), counted by comparison with each slot's option in the kernel
  alignas(64) uint8_t peer_option[kMaxPeerRows][kLanes];
  // [slot][lane] peers that used the slot's option at the previous tick: on entry to the kernel
  // the peers past the 64th of an adopter with more (counted one at a time, when `counted`), then
  // all of them (3 slots more: the kernel counts up to 4 slots at a time)
  alignas(64) uint8_t peer_count[kMaxOptions + 4][kLanes];
  std::size_t rows;  // rows of peer_option in use: the most peers of a lane, up to 64
  bool counted;      // whether peer_count holds counts on entry (else they start at 0)
  // [slot][lane] scratch: utilities, then cumulative weights
  alignas(64) float weight[kMaxOptions + 1][kLanes];
};

// The offer of one country, slots 0..n_available.
struct CountryOffer {
  const float *base, *capability, *log_price, *self_hosted, *trust_us, *trust_cn, *controls,
      *stay;
  const uint8_t* slot_option;  // [slot] the option in the slot
  std::size_t n_available;
  float inv_noise;
  float inv_capability_max;  // 1 / capability_utility_max (1/utility); 0: no limit
};

// e^x for x <= 0 in single precision, lane by lane (no library call): x = n ln 2 + r with
// |r| <= ln2/2, e^r by its Taylor polynomial (degree 5: relative error < 3e-6, far below what a
// choice probability needs). In place: vectors pass by reference, as by value their ABI would
// depend on the instruction set.
template <class Floats, class Ints>
[[gnu::always_inline]] inline void exp_nonpositive(Floats& v) {
  const Floats zero = {}, floor = zero - 87.0f;
  const auto above = v > floor;  // e^x below e^-87 counts as 0
  const Floats x = above ? v : floor;
  const Floats t = x * 1.44269504088896341f;
  constexpr float kRound = 12582912.0f;  // 1.5 × 2^23: adding it rounds to an integer
  const Floats n = (t + kRound) - kRound;
  const Floats r = (t - n) * 0.693147180559945309f;
  const Floats p =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120)))));
  const Ints e = __builtin_convertvector(n, Ints) + 127;
  const Floats scaled = p * __builtin_bit_cast(Floats, e << 23);
  v = above ? scaled : zero;  // what 1 · p · 2^n and 0 · p · 2^n give (p and 2^n are > 0)
}

// docs/model.md §"Adoption: choice", for the 16 lanes of `g`, `W` lanes at a time (the floats
// of one register: 4 for SSE2, 8 for AVX2, 16 for AVX-512): utilities, their logit weights
// (relative to each adopter's best option), cumulative sums, the inverse-CDF pick, and the
// waiting time to the next revision.
template <std::size_t W>
struct Register;  // the vector types of one register of W floats
#define AIRACE_REGISTER(W)                                                  \
  template <>                                                               \
  struct Register<W> {                                                      \
    typedef float Floats __attribute__((vector_size(4 * W)));               \
    typedef int32_t Ints __attribute__((vector_size(4 * W)));               \
    typedef uint8_t Bytes __attribute__((vector_size(W)));                  \
    typedef uint16_t Shorts __attribute__((vector_size(2 * W)));            \
    typedef double Doubles __attribute__((vector_size(4 * W))); /* W / 2 */ \
    typedef uint64_t Words __attribute__((vector_size(4 * W)));             \
    typedef uint8_t Rows __attribute__((vector_size(4 * W))); /* W / 4 */   \
  };
AIRACE_REGISTER(4)
AIRACE_REGISTER(8)
AIRACE_REGISTER(16)
#undef AIRACE_REGISTER

// Peers per slot and lane: each row of the peers' options (16 lanes) is compared with the options
// of W / 4 slots at once, one slot to each 16 bytes of a register (SSE2: 1 slot, AVX2: 2,
// AVX-512: 4; the row is repeated across the register), and a match adds 1 to that slot's lane.
// A slot's option is never 0, so the padding (0) matches none, nor does an option not on offer
// (its peers count for no slot). Exact integers: any order gives the same counts. The rows are
// cleared as read, so that rows past a lane's peers are 0 in the next group too.
typedef uint8_t Bytes16 __attribute__((vector_size(kLanes)));
typedef uint8_t Bytes32 __attribute__((vector_size(2 * kLanes)));
typedef uint8_t Bytes64 __attribute__((vector_size(4 * kLanes)));
// A row of 16 lanes, repeated to fill the vector.
[[gnu::always_inline]] inline void repeat_row(const uint8_t* row, Bytes16& out) {
  __builtin_memcpy(&out, row, sizeof out);
}
[[gnu::always_inline]] inline void repeat_row(const uint8_t* row, Bytes32& out) {
  Bytes16 r;
  __builtin_memcpy(&r, row, sizeof r);
  out = __builtin_shufflevector(r, r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1,
                                2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
[[gnu::always_inline]] inline void repeat_row(const uint8_t* row, Bytes64& out) {
  Bytes16 r;
  __builtin_memcpy(&r, row, sizeof r);
  const Bytes32 two = __builtin_shufflevector(r, r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                              14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                              13, 14, 15);
  out = __builtin_shufflevector(two, two, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0, 1,
                                2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
}

// Byte i of `four` repeated across the 16 bytes i of the vector (i < 1, 2 or 4).
[[gnu::always_inline]] inline void spread_slots(uint32_t four, Bytes16& out) {
  out = Bytes16{} + static_cast<uint8_t>(four);
}
[[gnu::always_inline]] inline void spread_slots(uint32_t four, Bytes32& out) {
  typedef uint32_t Words8 __attribute__((vector_size(2 * kLanes)));
  const Bytes32 all = reinterpret_cast<Bytes32>(Words8{} + four);
  out = __builtin_shufflevector(all, all, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17,
                                17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17);
}
[[gnu::always_inline]] inline void spread_slots(uint32_t four, Bytes64& out) {
  typedef uint32_t Words16 __attribute__((vector_size(4 * kLanes)));
  const Bytes64 all = reinterpret_cast<Bytes64>(Words16{} + four);
  out = __builtin_shufflevector(all, all, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17,
                                17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 34, 34, 34,
                                34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 51, 51, 51, 51,
                                51, 51, 51, 51, 51, 51, 51, 51, 51, 51, 51, 51);
}

// 1 added to `count` where `row` equals `options`: a match is all ones (−1) where the compare
// gives a vector (SSE2, AVX2), and a bit of a mask register with AVX-512, which adds under it.
[[gnu::always_inline]] inline void count_matches(const Bytes16& row, const Bytes16& options,
                                                 Bytes16& count) {
  count -= reinterpret_cast<Bytes16>(row == options);
}
[[gnu::always_inline]] inline void count_matches(const Bytes32& row, const Bytes32& options,
                                                 Bytes32& count) {
  count -= reinterpret_cast<Bytes32>(row == options);
}
[[gnu::always_inline]] inline void count_matches(const Bytes64& row, const Bytes64& options,
                                                 Bytes64& count) {
  count = row == options ? count + 1 : count;
}

template <std::size_t W>
[[gnu::always_inline]] inline void count_peers(const CountryOffer& o, LaneGroup& g) {
  using Rows = typename Register<W>::Rows;
  constexpr std::size_t kPer = W / 4;  // slots to a vector
  const std::size_t m = o.n_available;
  const std::size_t rows = std::max<std::size_t>(g.rows, 8);  // rows past a lane's peers are 0
  const bool counted = g.counted;
  Rows held[8];  // the usual 8 rows, held in registers
  for (std::size_t q = 0; q < 8; ++q) repeat_row(g.peer_option[q], held[q]);
  for (std::size_t j = 1; j <= m; j += kPer) {
    // slot j + i's option in the 16 bytes i (past the last slot: 0, whose counts go unread)
    uint32_t four = 0;  // the options of slots j to j + 3, a byte each
    if (j + 3 <= m) {
      __builtin_memcpy(&four, o.slot_option + j, sizeof four);
    } else {
      for (std::size_t i = 0; j + i <= m; ++i) four |= uint32_t{o.slot_option[j + i]} << (8 * i);
    }
    Rows options;
    spread_slots(four, options);
    Rows count = {};
    if (counted) __builtin_memcpy(&count, g.peer_count[j], sizeof count);
    for (std::size_t q = 0; q < 8; ++q) count_matches(held[q], options, count);
    for (std::size_t q = 8; q < rows; ++q) {
      Rows row;
      repeat_row(g.peer_option[q], row);
      count_matches(row, options, count);
    }
    __builtin_memcpy(g.peer_count[j], &count, sizeof count);
  }
  std::memset(g.peer_option[0], 0, rows * kLanes);
}

// Each lane of `narrow` zero-extended to twice its width, by interleaving it with zeros (little
// endian): GCC converts bytes to wider integers or to floats a lane at a time. I: 0 .. 2N − 1.
template <class Narrow, class Wide, std::size_t... I>
[[gnu::always_inline]] inline void zero_extend(const Narrow& narrow, Wide& wide,
                                               std::index_sequence<I...>) {
  constexpr std::size_t n = sizeof...(I) / 2;
  wide = __builtin_bit_cast(
      Wide, __builtin_shufflevector(narrow, Narrow{}, ((I % 2) != 0 ? n + I / 2 : I / 2)...));
}

// W peer counts (bytes) to floats, exactly.
template <std::size_t W>
[[gnu::always_inline]] inline void counts_to_floats(const uint8_t* bytes,
                                                    typename Register<W>::Floats& out) {
  typename Register<W>::Bytes count;
  __builtin_memcpy(&count, bytes, sizeof count);
  typename Register<W>::Shorts shorts;
  zero_extend(count, shorts, std::make_index_sequence<2 * W>());
  typename Register<W>::Ints ints;
  zero_extend(shorts, ints, std::make_index_sequence<2 * W>());
  out = __builtin_convertvector(ints, typename Register<W>::Floats);
}

template <std::size_t W>
[[gnu::always_inline]] inline void choose_lanes_body(const CountryOffer& o, LaneGroup& g) {
  using Floats = typename Register<W>::Floats;
  using Ints = typename Register<W>::Ints;
  using Doubles = typename Register<W>::Doubles;
  using Words = typename Register<W>::Words;
  const std::size_t m = o.n_available;
  count_peers<W>(o, g);
  for (std::size_t c = 0; c < kLanes; c += W) {
    Floats wc, need, wp, sh, tu, tc, ce, sw, pw, pick;
    Ints current;
    __builtin_memcpy(&wc, g.capability_weight + c, sizeof wc);
    __builtin_memcpy(&need, g.need + c, sizeof need);
    __builtin_memcpy(&wp, g.price_weight + c, sizeof wp);
    __builtin_memcpy(&sh, g.self_hosting + c, sizeof sh);
    __builtin_memcpy(&tu, g.trust_us + c, sizeof tu);
    __builtin_memcpy(&tc, g.trust_cn + c, sizeof tc);
    __builtin_memcpy(&ce, g.censorship + c, sizeof ce);
    __builtin_memcpy(&sw, g.switching + c, sizeof sw);
    __builtin_memcpy(&pw, g.peer_weight + c, sizeof pw);
    __builtin_memcpy(&pick, g.pick + c, sizeof pick);
    __builtin_memcpy(&current, g.current_slot + c, sizeof current);
    const Floats zero = {};
    __builtin_memcpy(&g.weight[0][c], &zero, sizeof zero);  // no model
    Floats top = zero;
    for (std::size_t j = 1; j <= m; ++j) {
      // U = base + w_cap·C − w_price·ln p + self-hosting + trust − censorship × controls
      //     + peer_weight × peer share (+ switching cost if in use)
      Floats peers;
      counts_to_floats<W>(&g.peer_count[j][c], peers);
      // Capability above the need has diminishing returns: x / (1 + x / capability_utility_max)
      // for x > 0 (x itself when there is no limit: the factor is then exactly 1).
      // (Without a limit the quotient is fit / 1 = fit, exactly: it is skipped.)
      Floats fit = wc * o.capability[j] + need;
      if (o.inv_capability_max != 0.0f) {
        const Floats damped = fit / (1.0f + fit * o.inv_capability_max);
        fit = fit > zero ? damped : fit;
      }
      Floats u = o.base[j] + fit - wp * o.log_price[j] + sh * o.self_hosted[j] +
                 tu * o.trust_us[j] + tc * o.trust_cn[j] - ce * o.controls[j] + pw * peers;
      // The switching cost, plus the hold of the option's ecosystem (exactly sw when it is 0).
      const Floats stay = sw + o.stay[j];
      u = current == static_cast<int32_t>(j) ? u + stay : u;
      top = top < u ? u : top;
      __builtin_memcpy(&g.weight[j][c], &u, sizeof u);
    }
    // Cumulative weights, then an inverse-CDF draw: the same distribution as the argmax of
    // utility plus Gumbel(0, taste_noise) shocks, with one uniform instead of one per option.
    Floats cum = zero;
    for (std::size_t j = 0; j <= m; ++j) {
      Floats w;
      __builtin_memcpy(&w, &g.weight[j][c], sizeof w);
      w = (w - top) * o.inv_noise;
      exp_nonpositive<Floats, Ints>(w);
      cum = cum + w;
      __builtin_memcpy(&g.weight[j][c], &cum, sizeof cum);
    }
    const Floats threshold = pick * cum;
    Ints below = {};
    for (std::size_t j = 0; j < m; ++j) {
      Floats w;
      __builtin_memcpy(&w, &g.weight[j][c], sizeof w);
      below -= w <= threshold;  // a true lane is −1
    }
    __builtin_memcpy(g.chosen_slot + c, &below, sizeof below);
    for (std::size_t h = c; h < c + W; h += W / 2) {
      Words word;
      Doubles wait;
      __builtin_memcpy(&word, g.word + h, sizeof word);
      exponential_from_bits(word, wait);
      __builtin_memcpy(g.wait + h, &wait, sizeof wait);
    }
  }
}

// The kernel for each instruction set; the body is the same source, inlined into each.
void choose_lanes_baseline(const CountryOffer& o, LaneGroup& g) { choose_lanes_body<4>(o, g); }
#if defined(__x86_64__)
#define AIRACE_X86_KERNELS 1
#if defined(__clang__)
#define AIRACE_AVX512_TARGET "avx512f,avx512bw,avx512vl,avx512dq"
#else  // GCC otherwise keeps to 256-bit vectors on some processors
#define AIRACE_AVX512_TARGET "avx512f,avx512bw,avx512vl,avx512dq,prefer-vector-width=512"
#endif
[[gnu::target("avx2")]] void choose_lanes_avx2(const CountryOffer& o, LaneGroup& g) {
  choose_lanes_body<8>(o, g);
}
[[gnu::target(AIRACE_AVX512_TARGET)]] void choose_lanes_avx512(const CountryOffer& o,
                                                              LaneGroup& g) {
  choose_lanes_body<16>(o, g);
}
#endif

using ChooseLanes = void (*)(const CountryOffer&, LaneGroup&);

ChooseLanes kernel_function(ChoiceKernel k) {
#if AIRACE_X86_KERNELS
  switch (k) {
    case ChoiceKernel::avx512: return &choose_lanes_avx512;
    case ChoiceKernel::avx2: return &choose_lanes_avx2;
    case ChoiceKernel::baseline: break;
  }
#endif
  (void)k;
  return &choose_lanes_baseline;
}

bool kernel_runs_here(ChoiceKernel k) {
#if AIRACE_X86_KERNELS
  switch (k) {
    case ChoiceKernel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    case ChoiceKernel::avx2: return __builtin_cpu_supports("avx2");
    case ChoiceKernel::baseline: break;
  }
#endif
  return k == ChoiceKernel::baseline;
}

std::atomic<int> forced_kernel{-1};  // -1: the best this processor runs

ChooseLanes selected_kernel() {
  const int forced = forced_kernel.load(std::memory_order_relaxed);
  if (forced >= 0) return kernel_function(static_cast<ChoiceKernel>(forced));
  static const ChooseLanes best = kernel_function(choice_kernels_available().back());
  return best;
}

// How many adopters ahead, in the queue of those reconsidering, the choices of their peers are
// fetched (a cache miss each: peers outside the neighbourhood sit anywhere in memory).
constexpr std::size_t kPrefetchAhead = 32;
constexpr std::size_t kPrefetchFromAdopters = 256 * 1024;

// The largest float that is at most x (x not NaN): for every float f, f <= float_at_most(x)
// exactly when double(f) <= x, a comparison without a conversion per adopter.
float float_at_most(double x) {
  const auto f = static_cast<float>(x);  // rounded to nearest: perhaps above x
  return static_cast<double>(f) > x ? std::nextafter(f, -std::numeric_limits<float>::infinity())
                                    : f;
}

// What every block of one step shares.
struct ChoiceStep {
  const AdoptionSetup& s;
  const Population& pop;
  const Offer& offer;
  const uint8_t* prev;  // [adopter] choices of the previous tick
  uint8_t* next;        // [adopter] choices of this tick
  float* due;           // [adopter] next revision, in expected revisions since the start
  uint32_t* queue;      // [adopter] scratch: the adopters that reconsider, block by block
  // [segment] whether an adopter of the segment uses an option its country no longer offers
  // (from the tallies of the previous tick)
  const uint8_t* withdrawn_held;
  StreamKey key;
  uint64_t random_step;  // Philox step of this tick
  double hazard;         // expected revisions per adopter since the start, after this tick
  float hazard_float;    // the largest float f with f <= hazard: due <= it iff due <= hazard
  float inv_noise;
  float inv_capability_max;
  ChooseLanes kernel;
};

// One block of adopters: who reconsiders, their choices, and the block's tallies
// ([segment * n_options + option]).
void choose_block(const ChoiceStep& c, std::size_t begin, std::size_t end, double* adopters,
                  double* sizes, LaneGroup& g) {
  const AdoptionSetup& s = c.s;
  const Population& pop = c.pop;
  const Offer& offer = c.offer;
  const std::size_t no = s.n_options;
  const uint8_t* const prev = c.prev;

  // Who reconsiders: those whose waiting time is up, and those whose option was withdrawn.
  // Everyone else keeps its option. Segments, and so countries, are contiguous.
  uint32_t* const queue = c.queue + begin;
  std::size_t queued = 0;
  std::memcpy(c.next + begin, prev + begin, end - begin);
  const float* const due = c.due;
  const float hazard = c.hazard_float;
  for (std::size_t a = begin; a < end;) {
    const std::size_t seg = pop.segment[a];
    const std::size_t run_end = std::min<std::size_t>(end, s.segment_begin[seg + 1]);
    if (!c.withdrawn_held[seg]) {  // the usual case: the waiting times alone
      for (; a < run_end; ++a) {
        queue[queued] = static_cast<uint32_t>(a);
        queued += static_cast<std::size_t>(due[a] <= hazard);
      }
      continue;
    }
    const uint8_t* const slot_of = &offer.option_slot[s.segment_country[seg] * no];
    for (; a < run_end; ++a) {
      const uint8_t current = prev[a];
      // Without branches: adopters with and without a model alternate unpredictably.
      const bool withdrawn = (current != kNoModel) & (slot_of[current] == 0);
      queue[queued] = static_cast<uint32_t>(a);
      queued += static_cast<std::size_t>(withdrawn | (due[a] <= hazard));
    }
  }

  // Their lists of peers, all at once: independent loads that overlap (the queue skips most
  // adopters at the usual revision rate, so the hardware's prefetching sees no stream), and
  // that stay in cache for the pass below (16384 adopters' lists: 512 KiB at 8 peers).

  // The reconsidering adopters, in groups of up to 16 of one country.
  std::size_t cached_quad = SIZE_MAX;
  // When most of the block reconsiders (as when everyone does), its groups are mostly 16
  // neighbours: their preferences are copied 64 bytes at a time once the lanes are filled, with
  // the lines two groups ahead prefetched, and their peers' choices are not prefetched (which
  // costs more than it gains there). At the usual rate each lane copies its own preferences.
  const bool dense = 2 * queued > end - begin;
  // A population whose choices fit in a core's cache gains nothing from prefetching them.
  const bool prefetch = s.n_adopters > kPrefetchFromAdopters && !dense;
  // The preference arrays, held here: the stores into the lane group (bytes among them) might
  // otherwise alias the vectors' pointers, which would be loaded again for every adopter.
  const std::array<const float*, 8> preferences{
      pop.capability_weight.data(), pop.need_utility.data(), pop.price_weight.data(),
      pop.self_hosting.data(),      pop.trust_us.data(),     pop.trust_cn.data(),
      pop.censorship.data(),        pop.switching.data()};
  const std::array<float*, 8> lane_preferences{g.capability_weight, g.need,     g.price_weight,
                                               g.self_hosting,      g.trust_us, g.trust_cn,
                                               g.censorship,        g.switching};
  std::size_t weight_degree = SIZE_MAX;  // peer_weight / degree, for the last degree seen
  float weight_per_peer = 0.0f;
  std::array<uint64_t, 4> words{};
  for (std::size_t first = 0; first < queued;) {
    const std::size_t k = s.segment_country[pop.segment[queue[first]]];
    const std::size_t row = k * no;
    const uint8_t* const slot_of = &offer.option_slot[row];
    const std::size_t m_opts = offer.n_available[k];
    if (dense && queue[first] + kPrefetchAhead < end)
      for (std::size_t p = 0; p < preferences.size(); ++p)
        __builtin_prefetch(preferences[p] + queue[first] + kPrefetchAhead);
    std::size_t lanes = 0;
    std::size_t rows = 0;     // rows of peer_option in use: the most peers of a lane, up to 64
    bool counted = false;     // whether a lane with more peers counted into peer_count directly
    for (; lanes < kLanes && first + lanes < queued; ++lanes) {
      const std::size_t i = first + lanes;
      const std::size_t a = queue[i];
      if (s.segment_country[pop.segment[a]] != k) break;
      if (i + 2 * kPrefetchAhead < queued)
        __builtin_prefetch(pop.peers.data() + pop.peer_begin[queue[i + 2 * kPrefetchAhead]]);
      if (prefetch && i + kPrefetchAhead < queued) {
        const uint32_t ahead = queue[i + kPrefetchAhead];
        for (uint32_t q = pop.peer_begin[ahead]; q < pop.peer_begin[ahead + 1]; ++q)
          __builtin_prefetch(&prev[pop.peers[q]]);
      }
      const uint32_t p0 = pop.peer_begin[a];
      const uint32_t p1 = pop.peer_begin[a + 1];
      const std::size_t degree = p1 - p0;
      const std::size_t own_rows = std::min(degree, kMaxPeerRows);
      rows = std::max(rows, own_rows);  // the rows of other lanes are 0 (padding) there
      const uint32_t* const peer = pop.peers.data() + p0;
      if (own_rows == 8) {  // the usual degree, unrolled
        for (std::size_t q = 0; q < 8; ++q) g.peer_option[q][lanes] = prev[peer[q]];
      } else {
        for (std::size_t q = 0; q < own_rows; ++q) g.peer_option[q][lanes] = prev[peer[q]];
      }
      for (std::size_t q = own_rows; q < degree; ++q) {
        if (!counted) std::memset(g.peer_count, 0, (m_opts + 1) * kLanes);
        counted = true;
        ++g.peer_count[slot_of[prev[peer[q]]]][lanes];
      }
      if (degree != weight_degree) {  // the same quotient as before for the same degree
        weight_degree = degree;
        weight_per_peer =
            p1 > p0 ? static_cast<float>(s.params.peer_weight) / static_cast<float>(p1 - p0) : 0.0f;
      }
      g.peer_weight[lanes] = weight_per_peer;
      if (!dense)
        for (std::size_t p = 0; p < preferences.size(); ++p)
          lane_preferences[p][lanes] = preferences[p][a];
      // 0 for no model, or one withdrawn (without a branch: with and without alternate)
      const uint8_t current = prev[a];
      g.current_slot[lanes] = static_cast<int32_t>(slot_of[current]) *
                              static_cast<int32_t>(current != kNoModel);
      const std::size_t quad = a / kAdoptersPerRandomBlock;
      if (quad != cached_quad) {
        words = random_block(c.key, c.random_step, quad);
        cached_quad = quad;
      }
      const uint64_t word = words[a % kAdoptersPerRandomBlock];
      g.pick[lanes] = pick_uniform(word);
      g.word[lanes] = word;
    }
    g.rows = rows;
    g.counted = counted;
    if (dense) {  // (the queue is increasing: 16 are neighbours when the last is the first + 15)
      if (const std::size_t a0 = queue[first];
          lanes == kLanes && queue[first + kLanes - 1] == a0 + kLanes - 1) {
        for (std::size_t p = 0; p < preferences.size(); ++p)
          std::memcpy(lane_preferences[p], preferences[p] + a0, kLanes * sizeof(float));
      } else {
        for (std::size_t l = 0; l < lanes; ++l)
          for (std::size_t p = 0; p < preferences.size(); ++p)
            lane_preferences[p][l] = preferences[p][queue[first + l]];
      }
    }
    for (std::size_t l = lanes; l < kLanes; ++l) {  // idle lanes: any finite input
      g.capability_weight[l] = g.need[l] = g.price_weight[l] = g.self_hosting[l] = 0.0f;
      g.trust_us[l] = g.trust_cn[l] = g.censorship[l] = g.switching[l] = 0.0f;
      g.peer_weight[l] = g.pick[l] = 0.0f;
      g.current_slot[l] = 0;
      g.word[l] = 0;
    }
    const CountryOffer o{&offer.base_utility[row],     &offer.slot_capability[row],
                         &offer.log_price[row],        &offer.self_hosted[row],
                         &offer.trust_us_weight[row],  &offer.trust_cn_weight[row],
                         &offer.content_controls[row], &offer.ecosystem_stay[row],
                         &offer.slot_option[row],      m_opts,
                         c.inv_noise,                  c.inv_capability_max};
    c.kernel(o, g);
    for (std::size_t l = 0; l < lanes; ++l) {
      const std::size_t a = queue[first + l];
      c.next[a] = offer.slot_option[row + static_cast<std::size_t>(g.chosen_slot[l])];
      // The next revision: a fresh waiting time from now (memoryless, so also right for an
      // adopter whose option was withdrawn before its time was up).
      c.due[a] = static_cast<float>(c.hazard + g.wait[l]);
    }
    first += lanes;
  }

  // The tallies. Every sum of sizes takes its adopters in order; neighbours mostly share an
  // option, so each sum waits for its previous addition through memory. The block is cut at
  // segment boundaries into four parts, whose sums are disjoint, and the parts are walked side
  // by side: four such waits overlap, and every sum still adds in the same order.
  constexpr std::size_t kParts = 4;
  std::array<std::size_t, kParts + 1> cut{};
  cut[0] = begin;
  cut[kParts] = end;
  for (std::size_t k = 1; k < kParts; ++k) {
    const std::size_t target = begin + (end - begin) * k / kParts;
    const std::size_t start = std::max<std::size_t>(begin, s.segment_begin[pop.segment[target]]);
    cut[k] = std::max(cut[k - 1], start);
  }
  std::size_t longest = 0;
  for (std::size_t k = 0; k < kParts; ++k) longest = std::max(longest, cut[k + 1] - cut[k]);
  const uint16_t* const segment = pop.segment.data();
  const float* const size = pop.size.data();
  const uint8_t* const chosen = c.next;
  if (longest == end - begin) {  // one part (a block within one segment, as large ones are)
    for (std::size_t a = begin; a < end;) {
      const std::size_t seg = segment[a];
      const std::size_t run_end = std::min<std::size_t>(end, s.segment_begin[seg + 1]);
      double* const segment_adopters = adopters + seg * no;
      double* const segment_sizes = sizes + seg * no;
      for (; a < run_end; ++a) {
        segment_adopters[chosen[a]] += 1.0;
        segment_sizes[chosen[a]] += size[a];
      }
    }
    return;
  }
  for (std::size_t i = 0; i < longest; ++i)
    for (std::size_t k = 0; k < kParts; ++k)
      if (const std::size_t a = cut[k] + i; a < cut[k + 1]) {
        const std::size_t bin = segment[a] * no + chosen[a];
        adopters[bin] += 1.0;
        sizes[bin] += size[a];
      }
}

}  // namespace

const char* choice_kernel_name(ChoiceKernel k) {
  switch (k) {
    case ChoiceKernel::avx512: return "avx512";
    case ChoiceKernel::avx2: return "avx2";
    case ChoiceKernel::baseline: break;
  }
  return "baseline";
}

std::vector<ChoiceKernel> choice_kernels_available() {
  std::vector<ChoiceKernel> out;
  for (ChoiceKernel k : {ChoiceKernel::baseline, ChoiceKernel::avx2, ChoiceKernel::avx512})
    if (kernel_runs_here(k)) out.push_back(k);
  return out;
}

void force_choice_kernel(std::optional<ChoiceKernel> kernel) {
  if (kernel && !kernel_runs_here(*kernel))
    throw std::invalid_argument(std::string("this processor cannot run the ") +
                                choice_kernel_name(*kernel) + " choice kernel");
  forced_kernel.store(kernel ? static_cast<int>(*kernel) : -1);
}

void step_adoption(const AdoptionSetup& s, const Population& pop, const Offer& offer,
                   AdoptionState& state, const Tick& tick, StreamKey key, AdoptionWorkspace& work) {
  const AdoptionModelParams& m = s.params;
  const std::size_t n = s.n_adopters;
  const std::size_t no = s.n_options;
  const std::size_t tally = s.n_segments * no;
  const std::size_t blocks = (n + kAdopterBlock - 1) / kAdopterBlock;
  if (state.revision_due.size() != n)
    throw std::logic_error("step_adoption: the state was not made by initial_adoption_state");
  work.next_choice.resize(n);
  work.queue.resize(n);
  work.block_adopters.assign(blocks * tally, 0.0);
  work.block_size.assign(blocks * tally, 0.0);
  key.stream = kAdoptionChoiceStream;
  // The segments where someone uses a withdrawn option (the tallies count state.choice).
  work.withdrawn_held.assign(s.n_segments, 0);
  for (std::size_t seg = 0; seg < s.n_segments; ++seg)
    for (std::size_t o = 0; o < no; ++o)
      if (o != kNoModel && offer.option_slot[s.segment_country[seg] * no + o] == 0 &&
          state.adopters[seg * no + o] > 0.0)
        work.withdrawn_held[seg] = 1;
  // docs/model.md §"Adoption: choice": revision is a Poisson process; the cumulative hazard
  // reaches an adopter's waiting time with probability 1 − exp(−rate · dt) in a tick.
  state.revision_hazard += m.revision_rate_per_year * tick.dt_years;

  const ChoiceStep step{s,
                        pop,
                        offer,
                        state.choice.data(),
                        work.next_choice.data(),
                        state.revision_due.data(),
                        work.queue.data(),
                        work.withdrawn_held.data(),
                        key,
                        static_cast<uint64_t>(tick.index) + 1,
                        state.revision_hazard,
                        float_at_most(state.revision_hazard),
                        static_cast<float>(1.0 / m.taste_noise),
                        m.capability_utility_max > 0.0
                            ? static_cast<float>(1.0 / m.capability_utility_max)
                            : 0.0f,
                        selected_kernel()};
  parallel_for_each_index(blocks, 1, [&](std::size_t block) {
    thread_local std::unique_ptr<LaneGroup> group;  // 22 KiB: kept, not on the stack
    if (!group) group = std::make_unique<LaneGroup>();
    choose_block(step, block * kAdopterBlock, std::min(n, (block + 1) * kAdopterBlock),
                 &work.block_adopters[block * tally], &work.block_size[block * tally], *group);
  });

  std::swap(state.choice, work.next_choice);
  std::fill(state.adopters.begin(), state.adopters.end(), 0.0);
  std::fill(state.size.begin(), state.size.end(), 0.0);
  for (std::size_t b = 0; b < blocks; ++b)  // block order: the same sums for any thread count
    for (std::size_t i = 0; i < tally; ++i) {
      state.adopters[i] += work.block_adopters[b * tally + i];
      state.size[i] += work.block_size[b * tally + i];
    }
}
AdoptionOutcome summarise_adoption(const AdoptionSetup& s, const AdoptionState& state,
                                   const Offer& offer, double years_since_start,
                                   const ServingCapacity* serving) {
  const std::size_t nk = s.n_countries;
  const std::size_t no = s.n_options;
  AdoptionOutcome out;
  out.units.assign(nk * no, 0.0);
  out.ceiling.assign(nk, std::nan(""));
  out.usage_mtokens_per_year.assign(nk * no, 0.0);
  out.sector_units.assign(s.n_sectors * no, 0.0);
  out.api_revenue_usd_per_year.assign(s.n_labs, 0.0);
  out.subscription_revenue_usd_per_year.assign(s.n_labs, 0.0);
  out.open_spend_usd_per_year.assign(s.n_labs, 0.0);
  out.inference_h100e.assign(nk, 0.0);
  // docs/model.md §"Adoption: feedback": tokens per unit of size on each option in each country,
  // from the option's capability and the price paid there.
  std::vector<double> factor(nk * no, 0.0);
  for (std::size_t k = 0; k < nk; ++k)
    for (std::size_t opt = 1; opt < no; ++opt) {
      const double price = offer.price_usd_per_mtoken[k * no + opt];
      if (std::isfinite(price) && std::isfinite(offer.capability[opt]))
        factor[k * no + opt] = usage_factor(s.params, offer.capability[opt], price);
    }
  std::vector<double> all_units(nk, 0.0), can_adopt(nk, 0.0);
  for (std::size_t seg = 0; seg < s.n_segments; ++seg) {
    const std::size_t k = s.segment_country[seg];
    const std::size_t j = s.segment_sector[seg];
    // docs/model.md §"Adoption: who can adopt": the agents stand for the units that can use a
    // model; the others use none.
    const double access = segment_access(s, seg, years_since_start);
    const double units_per_agent = s.units_per_adopter[seg] * access;
    const double mtokens_per_size =
        units_per_agent * s.sectors[j].usage_mtokens_per_year * s.segment_income_usage[seg];
    all_units[k] += s.segment_units[seg];
    can_adopt[k] += s.segment_units[seg] * access;
    // docs/model.md §"Adoption: feedback": the paying share of a closed model's adopting units
    // pay the sector's monthly fee to its lab, besides their per-token use.
    const double fee_usd_per_year_per_unit =
        12.0 * s.sectors[j].subscription_usd_per_month * s.sectors[j].subscription_paying_share;
    for (std::size_t opt = 0; opt < no; ++opt) {
      double units = state.adopters[seg * no + opt] * units_per_agent;
      if (opt == kNoModel) units += s.segment_units[seg] * (1.0 - access);
      out.units[k * no + opt] += units;
      out.sector_units[j * no + opt] += units;
      out.usage_mtokens_per_year[k * no + opt] +=
          state.size[seg * no + opt] * mtokens_per_size * factor[k * no + opt];
      if (opt != kNoModel && opt == closed_option((opt - 1) / 2) && units > 0.0)
        out.subscription_revenue_usd_per_year[(opt - 1) / 2] += units * fee_usd_per_year_per_unit;
    }
  }
  for (std::size_t k = 0; k < nk; ++k)
    if (all_units[k] > 0.0) out.ceiling[k] = can_adopt[k] / all_units[k];
  // docs/model.md §"Adoption: serving capacity": tokens a pool's compute cannot serve are not
  // served; each option's tokens served there fall in proportion.
  auto served_in = [&s](std::size_t k, std::size_t opt) {
    const std::size_t lab = (opt - 1) / 2;
    return opt == open_option(lab) ? k : s.lab_country[lab];
  };
  if (serving) {
    const std::size_t np = serving->capacity_h100e.size();
    out.serving_demand_h100e.assign(np, 0.0);
    out.served_fraction.assign(np, 1.0);
    for (std::size_t k = 0; k < nk; ++k)
      for (std::size_t opt = 1; opt < no; ++opt)
        out.serving_demand_h100e[serving->pool[served_in(k, opt)]] +=
            out.usage_mtokens_per_year[k * no + opt] * offer.serving_h100e_seconds[opt] /
            kSecondsPerYear;
    for (std::size_t q = 0; q < np; ++q)
      if (out.serving_demand_h100e[q] > serving->capacity_h100e[q])
        out.served_fraction[q] = serving->capacity_h100e[q] / out.serving_demand_h100e[q];
    for (std::size_t k = 0; k < nk; ++k)
      for (std::size_t opt = 1; opt < no; ++opt)
        out.usage_mtokens_per_year[k * no + opt] *=
            out.served_fraction[serving->pool[served_in(k, opt)]];
  }
  double open_usage = 0.0, adopted_usage = 0.0, abroad_cn_open = 0.0, abroad_adopting = 0.0;
  for (std::size_t k = 0; k < nk; ++k)
    for (std::size_t opt = 1; opt < no; ++opt) {
      const double usage = out.usage_mtokens_per_year[k * no + opt];
      const std::size_t lab = (opt - 1) / 2;
      const bool open = opt == open_option(lab);
      const double price = offer.price_usd_per_mtoken[k * no + opt];
      if (usage > 0.0) {
        (open ? out.open_spend_usd_per_year : out.api_revenue_usd_per_year)[lab] += usage * price;
        const std::size_t where = served_in(k, opt);
        const double h100e = usage * offer.serving_h100e_seconds[opt] / kSecondsPerYear;
        out.inference_h100e[where] += h100e;
      }
      adopted_usage += usage;
      if (open) open_usage += usage;
      if (k != s.us && k != s.cn) {
        abroad_adopting += out.units[k * no + opt];
        if (open && s.lab_country[lab] == s.cn) abroad_cn_open += out.units[k * no + opt];
      }
    }
  out.open_usage_share = adopted_usage > 0.0 ? open_usage / adopted_usage : std::nan("");
  out.cn_open_share_abroad =
      abroad_adopting > 0.0 ? abroad_cn_open / abroad_adopting : std::nan("");
  return out;
}

std::vector<std::size_t> serving_pools(const std::vector<CountrySpec>& countries) {
  std::vector<std::size_t> pool(countries.size(), 0);
  for (std::size_t k = 0; k < countries.size(); ++k)
    pool[k] = countries[k].tier == ExportTier::china ? 1 : 0;
  return pool;
}

double next_serving_scarcity(const AdoptionModelParams& p, double scarcity, double demand_h100e,
                             double capacity_h100e) {
  const double most = std::max(1.0, p.max_serving_scarcity);
  if (!(demand_h100e > 0.0)) return 1.0;
  if (!(capacity_h100e > 0.0)) return most;
  // An elasticity near 0 would need an unbounded rise; the cap and rationing hold meanwhile.
  const double exponent = 1.0 / std::max(p.usage_price_elasticity, 0.1);
  const double next = scarcity * std::pow(demand_h100e / capacity_h100e, exponent);
  return std::clamp(next, 1.0, most);
}

}  // namespace airace
