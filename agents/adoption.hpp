#pragma once
// Adoption: a large population of adopters (organisations and users) in many countries and
// sectors, each using a closed model through its maker's API, an open-weight model run on
// compute it rents or owns, or no model. docs/model.md §3.3.6 "Adoption" gives the equations,
// parameters, units and sources.
//
// The population is a structure of arrays with no object per adopter, stored segment by segment
// (a segment is one country × sector). The peer network is in CSR form. A step reads the
// previous tick's choices and writes the next ones in fixed blocks of adopters; each block keeps
// its own tallies, which are summed in block order, so results do not depend on the thread count.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/export_rules.hpp"
#include "sim/core/params.hpp"
#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// Random streams (sim/core/random.hpp): adopters' preferences (step 0) and peer links (step
// 1); waiting times to the next revision and the pick among options, one 64-bit word per
// adopter and revision (docs/model.md §"Adoption: choice"). Number 5 was the choice stream up
// to 0.x, drawn per tick and adopter (a coin, then a pick): retired, so that files of those
// versions are never mistaken for results of these streams.
inline constexpr Stream kAdoptionPopulationStream{4};
inline constexpr Stream kAdoptionChoiceStream{7};

// A sector of the economy (education, healthcare, ...): what its adopters use and need.
struct SectorSpec {
  std::string id;
  std::string name;
  double usage_mtokens_per_year = 1.0;  // M tokens/year of an adopter of size 1 on a model of the
                                        // reference capability at the reference price
  double capability_need = 24.0;        // log10 FLOP (effective) at which a model is worth using
  double price_sensitivity = 1.0;       // utility per unit of ln(price / reference price)
  double local_need = 0.0;              // utility of keeping data in house (privacy, local use)
  double self_hosting_effort = 2.0;     // utility cost of running a model on its own compute
  // The sector's subscription offer (consumer apps, seats): the paying share of the adopters of a
  // lab's closed model pay the fee each month, besides their per-token use (0: no offer).
  double subscription_usd_per_month = 0.0;  // USD/month per paying adopter
  double subscription_paying_share = 0.0;   // fraction of the closed model's adopters who pay
  std::string source;
  SourceLocation where;
};

// The adopters of one country.
struct PopulationSpec {
  std::string id;
  EntityRef country;
  double adopting_units = 1e6;         // organisations and users it stands for
  std::vector<KeyedNumber> sectors;    // sector id -> fraction of the units
  std::vector<KeyedNumber> access;     // sector id -> fraction of the units that can use a
                                       // model at the start date (missing: 1)
  double access_growth_per_year = 0.0;  // fraction/year added to every sector's access, up to 1
  double income_usd_per_capita = 0.0;  // USD/person/year, GDP per capita (0: the reference income)
  std::vector<KeyedNumber> trust;      // provider country -> utility (mean)
  double trust_sd = 0.5;               // utility, spread of trust across adopters
  double trust_correlation = -0.5;     // between trust in US and in Chinese providers
  double censorship_aversion = 0.0;    // utility per unit of a model's content controls
  std::vector<KeyedNumber> reach;      // provider country -> fraction (default 1)
  std::string source;
  SourceLocation where;
};

// Parameters shared by all adopters (scenario section `adoption_model`).
struct AdoptionModelParams {
  int64_t adopters = 0;                         // agents simulated; 0: no adoption model
  int64_t min_adopters_per_segment = 20;        // agents
  int64_t peers_per_adopter = 8;                // links
  double peer_same_segment_share = 0.7;         // fraction of links inside the country × sector
  double peer_same_country_share = 0.2;         // fraction of links to other sectors, same country
  double revision_rate_per_year = 4.0;          // 1/year, rate at which an adopter reconsiders
  double taste_noise = 1.0;                     // utility, scale of the Gumbel taste shocks
  double capability_weight = 1.5;               // utility per log10 FLOP above the need
  double capability_utility_max = 0.0;          // utility; most capability above need gives (0: no limit)
  double peer_weight = 2.0;                     // utility per unit share of peers using the option
  double switching_cost = 1.0;                  // utility of staying with the current option
  double preference_sigma = 0.5;                // lognormal sigma of individual weights
  double capability_need_sd = 0.5;              // log10 FLOP, spread of needs within a sector
  double size_sigma = 1.0;                      // lognormal sigma of adopter size (mean 1)
  double price_reference_usd_per_mtoken = 1.0;  // USD per M tokens
  double price_multiplier = 1.0;                // x on every price (what-ifs)
  double usage_price_elasticity = 0.7;          // -, tokens per adopter ∝ price^-elasticity
  double usage_capability_elasticity = 0.45;    // per log10 FLOP: tokens ∝ 10^(e·(C − C_ref))
  double usage_reference_capability = 24.1;     // log10 FLOP (effective), C_ref
  double usage_income_elasticity = 0.0;         // -, tokens per adopting unit ∝ income^elasticity
  double usage_reference_income_usd = 13138;    // USD/person/year at which that factor is 1
  double serving_capacity_share = 0.0;  // fraction of clouds' inference H100e that serves tokens
                                        // (0: no limit from capacity)
  double max_serving_scarcity = 4.0;    // x, most that scarcity raises the cost of compute
  double self_hosted_trust_share = 0.3;       // fraction of provider trust that counts self-hosted
  std::vector<KeyedNumber> content_controls;  // provider country -> fraction
  std::vector<KeyedNumber> reach_abroad_multiplier;  // provider country -> x reach abroad
  // serving economics
  double inference_active_fraction = 0.25;        // active parameters / dense-equivalent parameters
  double inference_utilization = 0.3;             // fraction of peak FLOP/s reached when serving
  double inference_efficiency_exponent = 1.0;     // serving FLOP per token ∝ efficiency^-exponent
  double inference_min_active_params = 0.0;       // parameters: fewest active per token (0: none)
  double serving_opex_usd_per_h100e_year = 3000;  // USD per H100e-year: power, data centre
  double api_margin_max = 3.0;         // price / serving cost − 1 with no open competition
  double commoditisation = 0.8;        // fraction of that margin open adoption removes
  double self_hosting_overhead = 0.5;  // fraction over the compute cost of self-hosting: staff
  // tokens a self-hosted deployment serves per chip-hour held, as a fraction of a large
  // provider's (duty cycle × batching); 1: as a provider (docs/model.md §"Adoption: prices")
  double self_hosting_throughput_share = 1.0;
  // price of a host serving open weights on shared capacity over its serving cost, minus 1;
  // 0: no hosts (docs/model.md §"Adoption: prices")
  double open_hosting_margin = 0.0;
  // open-weight ecosystems (docs/model.md §"Adoption: open-weight ecosystems")
  double open_downloads_per_unit_year = 5.0;          // downloads per adopting unit-year on it
  double open_derivatives_per_mdownloads = 85.0;      // derivative models per M downloads
  double ecosystem_lock_in = 0.0;                     // utility per e-fold of derivatives
  double ecosystem_reference_derivatives = 10000.0;   // derivatives, D_ref
  SourceLocation where;                // of the adoption_model section, for messages
};

const Schema<SectorSpec>& sector_schema();
const Schema<PopulationSpec>& population_schema();
const Schema<AdoptionModelParams>& adoption_model_schema();

// Options: 0 is "no model"; lab l offers option 1 + 2l (its best closed model, by API) and
// option 2 + 2l (its best open-weight model, self-hosted). Choices are stored in one byte.
inline constexpr std::size_t kNoModel = 0;
inline constexpr std::size_t kMaxOptions = 255;
// The most adopters a scenario may have: CSR offsets into the peer links are 32-bit, and a
// larger number is more likely a typo than a plan (checked in sim/model/run_cost.cpp).
inline constexpr int64_t kMaxAdopters = 100'000'000;
inline std::size_t closed_option(std::size_t lab) { return 1 + 2 * lab; }
inline std::size_t open_option(std::size_t lab) { return 2 + 2 * lab; }

// Everything resolved to indices and fixed for a run.
struct AdoptionSetup {
  AdoptionModelParams params;
  std::size_t n_countries = 0;
  std::size_t n_sectors = 0;
  std::size_t n_labs = 0;
  std::size_t n_options = 1;
  std::size_t n_adopters = 0;
  std::vector<std::size_t> lab_country;  // [lab] provider country
  // segments: population p, sector s is segment p * n_sectors + s
  std::size_t n_segments = 0;
  std::vector<std::size_t> segment_country;     // [segment]
  std::vector<std::size_t> segment_sector;      // [segment]
  std::vector<std::size_t> segment_population;  // [segment]
  std::vector<uint32_t> segment_begin;          // [segment + 1] first adopter of each
  std::vector<double> segment_units;            // [segment] real adopting units
  std::vector<double> segment_access;           // [segment] fraction that can adopt at the start
  std::vector<double> segment_access_growth;    // [segment] fraction/year
  std::vector<double> segment_income_usage;     // [segment] x on tokens per unit from income
  std::vector<double> units_per_adopter;        // [segment] units each agent stands for
  std::vector<std::size_t> population_country;  // [population]
  std::vector<PopulationSpec> populations;
  std::vector<SectorSpec> sectors;
  // by adopter country × provider country
  std::vector<double> reach;             // [country * n_countries + provider] fraction
  std::vector<double> trust_mean;        // [country * n_countries + provider] utility
  std::vector<double> content_controls;  // [provider] fraction
  std::size_t us = 0;
  std::size_t cn = 0;

  bool enabled() const { return n_adopters > 0; }
};

AdoptionSetup resolve_adoption(const AdoptionModelParams& params,
                               const std::vector<SectorSpec>& sectors,
                               const std::vector<PopulationSpec>& populations,
                               const std::vector<std::string>& country_ids,
                               const std::vector<std::size_t>& lab_country, Diagnostics& diags);

// The adopters: one entry per agent, segment by segment.
struct Population {
  std::vector<uint16_t> segment;         // [adopter]
  std::vector<float> size;               // [adopter] relative usage, mean 1
  std::vector<float> capability_weight;  // [adopter] utility per log10 FLOP
  std::vector<float> need_utility;       // [adopter] − capability_weight × need
  std::vector<float> price_weight;       // [adopter] utility per ln price
  std::vector<float> self_hosting;       // [adopter] local need − self-hosting effort
  std::vector<float> trust_us;           // [adopter] deviation from the country's mean
  std::vector<float> trust_cn;           // [adopter] deviation from the country's mean
  std::vector<float> censorship;         // [adopter] utility per unit of content controls
  std::vector<float> switching;          // [adopter] utility of staying
  std::vector<uint32_t> peer_begin;      // [adopter + 1] CSR offsets into peers
  std::vector<uint32_t> peers;           // adopters whose choices each one sees
  std::size_t bytes() const;             // memory held, for the benchmark
};

// docs/model.md §"Adoption: population and peers": preferences drawn per adopter and a
// stochastic block network, deterministic for (seed, replicate).
Population generate_population(const AdoptionSetup& setup, StreamKey key);

// What is on offer in one tick (built by build_offer). Per country, the options on offer sit
// in slots 1..n_available (slot 0 is "no model"), so that the hot loop runs over contiguous
// arrays; an option not on offer has slot 0.
struct Offer {
  std::size_t n_options = 1;
  std::vector<double> capability;             // [option] log10 FLOP; NaN: not released
  std::vector<double> serving_h100e_seconds;  // [option] H100e·s per M tokens (open: self-hosted)
  std::vector<double> price_usd_per_mtoken;   // [country * n_options + option]; NaN: not offered
  std::vector<double> margin;                 // [lab] API price / serving cost − 1
  std::vector<uint8_t> n_available;           // [country]
  std::vector<uint8_t> option_slot;           // [country * n_options + option]
  std::vector<uint8_t> slot_option;           // [country * n_options + slot]
  // utility terms by [country * n_options + slot]
  // ecosystem_stay: added to the switching cost of the adopters already using the slot's option
  // (an open model's ecosystem, docs/model.md §"Adoption: open-weight ecosystems"); 0 elsewhere
  std::vector<float> ecosystem_stay;
  std::vector<float> base_utility;  // ln reach, mean trust of the country in the provider
  std::vector<float> slot_capability, log_price, self_hosted, trust_us_weight, trust_cn_weight,
      content_controls;
};

// The labs' models as adopters see them: best closed and open model per lab (NaN: none).
struct ModelsOnOffer {
  std::span<const double> closed_capability;     // [lab] log10 FLOP (effective)
  std::span<const double> closed_training_flop;  // [lab] FLOP, physical
  std::span<const double> closed_efficiency;     // [lab] × 2022-01 algorithms
  std::span<const double> open_capability;
  std::span<const double> open_training_flop;
  std::span<const double> open_efficiency;
};

// docs/model.md §"Adoption: prices": API prices (serving cost at home × (1 + margin)) and the
// cost of self-hosting in each country, from the cost of chips there (USD per H100e-year of
// inference capacity, from the supply model). `open_derivatives` [lab] (derivative models of
// each lab's open family so far; empty: none) sets the ecosystem's hold on its users
// (ecosystem_stay_utility).
// `reputation_loss` [lab] (utility; empty: none) is subtracted from the base utility of its
// models (docs/model.md §3.3.8 "Incidents").
Offer build_offer(const AdoptionSetup& setup, const ModelsOnOffer& models,
                  std::span<const double> chip_usd_per_h100e_year, double open_usage_share,
                  std::span<const double> open_derivatives = {},
                  std::span<const double> reputation_loss = {});

// docs/model.md §"Adoption: open-weight ecosystems": the utility an adopter of a family's open
// model gets for staying with it, besides its switching cost: ecosystem_lock_in ×
// ln(1 + derivatives / ecosystem_reference_derivatives) (utility; 0 for no derivatives).
double ecosystem_stay_utility(const AdoptionModelParams& p, double derivatives);

// Open-weight ecosystems: cumulative downloads and fine-tuned derivatives of each lab's open
// family (its open releases), by the country where they are made.
struct OpenEcosystems {
  std::vector<double> downloads;    // [country * n_labs + lab] downloads since the start
  std::vector<double> derivatives;  // [country * n_labs + lab] derivative models since the start
  std::vector<double> family_derivatives(std::size_t n_labs) const;  // [lab] world total
};

// docs/model.md §"Adoption: prices": how open weights are run, the cheaper of the adopter's own
// deployment (its chips held for its load, plus staff) and a host on shared capacity (a
// provider's throughput, plus the host's margin). A model's open price is its provider serving
// time / throughput_share × the cost of compute × markup.
struct OpenChannel {
  bool hosted = false;
  double throughput_share = 1.0;  // fraction of a provider's tokens per chip-hour held
  double markup = 1.0;            // price over the compute cost of the time held
};
OpenChannel open_channel(const AdoptionModelParams& p);

// H100e-seconds of serving compute per M tokens for a model trained with `training_flop` by a lab
// whose algorithms were `efficiency` × those of 2022-01: 2 × active parameters per token, the
// parameters from Chinchilla scaling N = sqrt(C / 120), divided by efficiency^exponent
// (distillation, sparsity and serving tricks progress with the rest of the algorithms).
double serving_h100e_seconds_per_mtoken(const AdoptionModelParams& p, double training_flop,
                                        double efficiency);
// docs/model.md §"Adoption: feedback": tokens an adopter uses on a model of capability
// `capability` (log10 FLOP, effective) at `price_usd_per_mtoken`, as a multiple of its sector's
// usage_mtokens_per_year: (price / reference)^-usage_price_elasticity ×
// 10^(usage_capability_elasticity × (capability − usage_reference_capability)). No ceiling.
double usage_factor(const AdoptionModelParams& p, double capability, double price_usd_per_mtoken);
// The share of segment `seg`'s units that can use a model `years` after the start: its access
// at the start plus access_growth_per_year × years, at most 1.
double segment_access(const AdoptionSetup& s, std::size_t seg, double years);

struct AdoptionState {
  std::vector<uint8_t> choice;    // [adopter] option in use
  // docs/model.md §"Adoption: choice": an adopter reconsiders on the first tick at which the
  // cumulative revision hazard (expected revisions per adopter since the start) reaches its
  // revision_due, and then draws its next waiting time.
  std::vector<float> revision_due;  // [adopter] expected revisions
  double revision_hazard = 0.0;     // expected revisions per adopter since the start
  double open_usage_share = 0.0;  // world usage share of open models, last tick (NaN: no use)
  // docs/model.md §"Adoption: serving capacity": [pool] x on the cost of compute while the
  // pool's serving capacity is short (1: not short)
  std::vector<double> serving_scarcity;
  OpenEcosystems ecosystems;      // cumulative to the last tick
  // tallies of the last tick: [segment * n_options + option]
  std::vector<double> adopters;  // agents
  std::vector<double> size;      // sum of sizes
};

// No adopter uses a model; each has drawn its first waiting time from the choice stream of `key`.
AdoptionState initial_adoption_state(const AdoptionSetup& setup, StreamKey key);

// Scratch of one step, kept between steps so that a step allocates nothing.
struct AdoptionWorkspace {
  std::vector<uint8_t> next_choice;
  std::vector<uint32_t> queue;  // [adopter] the adopters that reconsider, block by block
  std::vector<double> block_adopters, block_size;  // [block][segment * n_options + option]
  std::vector<uint8_t> withdrawn_held;  // [segment] someone uses an option no longer offered
};

// docs/model.md §"Adoption: choice": each adopter reconsiders at rate revision_rate_per_year
// (or when its option is withdrawn) and picks by multinomial logit among what its country is
// offered, with Gumbel taste shocks from the counter-based streams. Throws std::logic_error
// for a state not made by initial_adoption_state.
void step_adoption(const AdoptionSetup& setup, const Population& pop, const Offer& offer,
                   AdoptionState& state, const Tick& tick, StreamKey key, AdoptionWorkspace& work);

// The builds of the choice kernel, one per instruction set (the adopters that reconsider go
// through it 16 at a time, one per SIMD lane). Every build gives bit-identical choices.
enum class ChoiceKernel { baseline, avx2, avx512 };
const char* choice_kernel_name(ChoiceKernel kernel);
// Those this processor runs, baseline first; step_adoption uses the last.
std::vector<ChoiceKernel> choice_kernels_available();
// For tests and benchmarks that compare the builds: step_adoption uses `kernel` from now on
// (nullopt: the last available again). Throws std::invalid_argument for one this processor
// cannot run.
void force_choice_kernel(std::optional<ChoiceKernel> kernel);

// What the tallies mean in money, tokens and compute (docs/model.md §"Adoption: feedback").
struct AdoptionOutcome {
  std::vector<double> units;                        // [country * n_options + option] adopting units
  std::vector<double> ceiling;                      // [country] share of units that can adopt
  std::vector<double> usage_mtokens_per_year;       // [country * n_options + option]
  std::vector<double> sector_units;                 // [sector * n_options + option]
  std::vector<double> api_revenue_usd_per_year;     // [lab] paid per token for its closed models
  // [lab] subscription fees paid by the adopters of its closed models (never of open ones)
  std::vector<double> subscription_revenue_usd_per_year;
  std::vector<double> open_spend_usd_per_year;      // [lab] spent self-hosting its open model
  std::vector<double> inference_h100e;              // [country] serving compute needed there
  // docs/model.md §"Adoption: serving capacity" (empty without a ServingCapacity)
  std::vector<double> serving_demand_h100e;  // [pool] serving compute the tokens wanted would need
  std::vector<double> served_fraction;       // [pool] share of those tokens served
  // Both NaN while nobody uses a model (there).
  double open_usage_share = 0.0;      // world usage share of open models among adopters
  double cn_open_share_abroad = 0.0;  // units outside US and CN on Chinese open models / adopting
};

// docs/model.md §"Adoption: serving capacity": the compute that can serve tokens. Countries
// share a pool when compute flows freely between them (the baseline: China's tier, the rest).
// [country] its pool: 1 for the countries of China's export tier, 0 for the others.
std::vector<std::size_t> serving_pools(const std::vector<CountrySpec>& countries);
constexpr std::size_t kServingPools = 2;

struct ServingCapacity {
  std::vector<std::size_t> pool;       // [country] pool whose compute serves tokens there
  std::vector<double> capacity_h100e;  // [pool] H100e that can serve tokens
};

AdoptionOutcome summarise_adoption(const AdoptionSetup& setup, const AdoptionState& state,
                                   const Offer& offer, double years_since_start,
                                   const ServingCapacity* serving = nullptr);

// The next tick's factor on a pool's cost of compute: raised while demand exceeds capacity (by
// (demand / capacity)^(1 / usage_price_elasticity), the rise that would make demand fit if the
// whole price were compute), lowered as far as 1 when it falls short; never above
// max_serving_scarcity (beyond it providers ration).
double next_serving_scarcity(const AdoptionModelParams& p, double scarcity, double demand_h100e,
                             double capacity_h100e);

// docs/model.md §"Adoption: open-weight ecosystems": over a tick of `dt_years`, the adopting
// units of country k on lab l's open model download it open_downloads_per_unit_year times a unit
// and year, and every M downloads give open_derivatives_per_mdownloads derivative models made in
// k. Both only grow; a family nobody uses (before its first open release) grows by nothing.
void grow_ecosystems(const AdoptionSetup& setup, const AdoptionOutcome& outcome, double dt_years,
                     OpenEcosystems& ecosystems);

}  // namespace airace
