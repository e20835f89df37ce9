#pragma once
// AI labs: money, training runs and releases, the choice between open weights and closed
// access, algorithmic efficiency (research, spillovers from others' releases, and scarcity),
// and the capability of their best model. Labs buy chips as buyers of the supply model.
// docs/model.md §"Labs" gives the equations, parameters, units and sources.
//
// State is a structure of arrays (one entry per lab). Each step reads the previous state and
// writes the next, so labs are stepped in parallel without races, and a lab's step may read
// any other lab's previous state (spillovers read every lab's released models).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "agents/supply.hpp"
#include "sim/core/params.hpp"
#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// Random streams (sim/core/random.hpp): research outcomes and run lengths; initial runs.
inline constexpr Stream kLabEfficiencyStream{2};
inline constexpr Stream kLabTrainingStream{3};

enum class ReleasePolicy { decide, open, closed };

// Where a lab's money came from when it ran out (docs/model.md §"Labs: money").
enum class FundingSource : uint8_t { none, investors, parent, state };

// A dated payment into a lab's capital: a venture round, an investment pledge.
struct FundingRound {
  std::string id;
  Date date = Date::from_ymd(9999, 12, 31);
  double usd = 0.0;
  std::string source;
  SourceLocation where;
};

// From `date` on, the lab's algorithmic efficiency grows at `per_year` in place of
// efficiency_growth_per_year (docs/model.md §3.3.4 "Efficiency"): a pace fitted to a past that
// a scenario does not carry beyond it.
struct EfficiencyGrowthChange {
  std::string id;
  Date date = Date::from_ymd(9999, 12, 31);
  double per_year = 2.8;  // × per year
  std::string source;
  SourceLocation where;
};

// On `date` the lab's algorithmic efficiency is multiplied by `factor` (docs/model.md §3.3.4
// "Efficiency"): a one-time gain, such as a new architecture, beside its pace.
struct EfficiencyStep {
  std::string id;
  Date date = Date::from_ymd(9999, 12, 31);
  double factor = 1.0;  // x
  std::string source;
  SourceLocation where;
};

// docs/model.md §3.3.4 "Dated runs": a historical pre-training run. From `start` to `end` the lab
// trains it on `training_share` of its compute, and its model comes out on `release`.
struct DatedRun {
  std::string id;
  Date start = Date::from_ymd(9999, 12, 31);
  Date end = Date::from_ymd(9999, 12, 31);
  double training_share = 0.3;  // fraction
  Date release = Date::from_ymd(9999, 12, 31);
  std::string source;
  SourceLocation where;
};

// A lab is a buyer of chips (its fleet lives in the supply model) with research of its own.
// Its archetype (archetypes[]) supplies defaults for any of these keys.
struct LabConfig : BuyerSpec {
  LabConfig() { training_weight = 0.8; }  // labs buy chips mostly to train
  EntityRef archetype;
  // research
  double initial_efficiency = 1.0;          // × 2022-01 algorithms
  double efficiency_growth_per_year = 2.8;  // × per year
  std::vector<EfficiencyGrowthChange> efficiency_growth_changes;  // by date, none on one day
  std::vector<EfficiencyStep> efficiency_steps;  // one-time gains, after the start date
  double talent = 1.0;                      // index, 1 = a typical frontier lab
  double researchers = 100.0;               // research staff at the start date (FTE)
  // compute split
  double training_share = 0.3;  // fraction of its compute used for the frontier run
  // docs/model.md §"Labs: the race onset": its frontier runs' share before the race (NaN, the
  // default: training_share throughout)
  double pre_race_training_share = std::numeric_limits<double>::quiet_NaN();  // fraction
  double research_share = 0.2;  // fraction used for experiments
  // money
  double capital_usd = 1e9;                 // USD at the start date
  double parent_budget_usd_per_year = 0.0;  // USD/year from a parent company
  double state_funding_usd_per_year = 0.0;  // USD/year from the state
  double talent_cost_usd_per_year = 2e8;    // USD/year of staff at talent 1
  double complement_value = 0.0;            // fraction of open-model value it captures
  std::vector<FundingRound> funding_rounds;
  // releases
  ReleasePolicy release_policy = ReleasePolicy::decide;
  std::vector<Date> release_dates;      // dated releases (historical dates); between them, runs
                                        // end after lab_model.training_run_days as usual
  // historical pre-training runs, by start: until the last one ends the lab trains only them
  std::vector<DatedRun> dated_runs;
  bool initially_open = false;          // its best model at the start date has open weights
  // its runs' typical length as a share of the field's (lab_model.training_run_days, grown):
  // a lab that trains in short runs releases smaller models more often
  double run_length_factor = 1.0;
  // docs/model.md §"Labs: post-training enhancements": the lab that showed reasoning
  // post-training (lab_model.reasoning_shown); it carries it from that day, others later
  bool shows_reasoning = false;
  // The lab exists from this date on; a lab founded after the start date holds no chips, money
  // or staff before it, and its capital_usd, researchers and initial_efficiency are what it
  // starts with on that day (docs/model.md §"Labs: founding").
  Date founded = Date::from_ymd(1, 1, 1);
  Date launch = Date::from_ymd(1, 1, 1);  // users can adopt its models from this date on
  Date first_release = Date::from_ymd(1, 1, 1);  // its first model release (earlier: none)
  // adopters of its closed models pay the sectors' subscription fees from this date on (the paid
  // tier of its app); the default, 9999-12-31, is never
  Date subscription_launch = Date::from_ymd(9999, 12, 31);
  double open_bias = 0.0;               // utility of open weights, everything else equal
  double open_api_weight = 4.0;         // utility lost per unit of model-market share given up
  double open_complement_weight = 2.0;  // utility per unit of complement_value
  double open_talent_weight = 0.5;      // utility of attracting researchers
  double open_state_weight = 1.0;       // utility per unit of state encouragement
  double open_spillover_weight = 2.0;   // utility lost per log10 unit of lead over rivals
  double open_rivals_weight = 1.0;      // utility per unit of rivals' open share
};

// Parameters shared by all labs (scenario section `lab_model`).
struct LabModelParams {
  double training_run_days = 90.0;             // days, for runs starting on the start date
  double training_run_growth_per_year = 1.0;   // x/year, growth of the run length after that
  double max_training_run_days = 270.0;        // days
  double run_length_sigma = 0.25;              // lognormal spread of a run's planned length
  double post_training_days = 90.0;            // days, median from pre-training's end to release
  double post_training_sigma = 0.5;            // lognormal spread of the post-training period
  double rush_share = 0.3;  // fraction of its remaining post-training a lab skips when a rival
                            // releases a model better than its own best
  // docs/model.md §"Labs: bases and updates": a new base when the lab's training compute has grown
  // this much over its last base's (1: every run is a new base) or its base is this old (0: no
  // age rule); between bases, updates that add update_compute_share of the base's FLOP; a model
  // beyond the deployed frontier is evaluated evaluation_days_per_decade per log10 of its step.
  double base_compute_step = 1.0;          // x, training compute over the last base's
  double max_base_age_days = 0.0;          // days
  double update_compute_share = 0.0;       // fraction of the base's pre-training FLOP
  double evaluation_days_per_decade = 0.0;  // days per log10 FLOP above the deployed frontier
  // docs/model.md §"Labs: the race onset": a lab with a pre_race_training_share moves to its
  // training_share this long after a rival's models first reach users (labs[].launch)
  double race_response_days = 0.0;  // days
  // docs/model.md §"Labs: post-training enhancements": from the day reasoning post-training is
  // shown (never: off), a release carries reasoning_gain (x compute-equivalent) for
  // reasoning_compute_share more FLOP; the lab that showed it from that day, every other
  // spillover_lag_months later.
  Date reasoning_shown = Date::from_ymd(9999, 12, 31);
  double reasoning_gain = 1.0;           // x, compute-equivalent gain on capability
  double reasoning_compute_share = 0.0;  // fraction of the model's pre-training FLOP
  double model_flops_utilization = 0.4;        // fraction of peak
  double efficiency_noise_sigma = 0.1;         // 1/sqrt(year), lognormal
  double scarcity_elasticity = 0.0;            // growth boost per unit of compute scarcity
  double lead_difficulty = 0.0;                // growth lost per ln unit of lead over all releases
  double open_spillover_per_year = 1.5;        // 1/year, rate of catching up with an open model
  double closed_spillover_per_year = 0.1;      // 1/year, with a closed one (papers, staff moving)
  double spillover_lag_months = 3.0;           // months before a release spills over
  double market_usd_per_year = 2e9;            // USD/year paid for models at the start date
  double market_growth_per_year = 2.5;         // x/year
  double market_capability_sensitivity = 3.0;  // logit weight per log10 unit of capability
  double open_market_share = 0.2;         // fraction of a closed model's revenue an open one earns
  double opex_usd_per_h100e_year = 3000;  // USD per H100e-year: power, data centre, serving
  double shrink_per_year = 0.5;           // 1/year, rate at which unpaid talent leaves
  double funding_runway_years = 1.5;      // years of net spending a round raises beyond the gap
  double revenue_multiple = 40.0;         // lab's value per USD/year of revenue, for rounds
  double max_dilution = 0.2;              // largest share of its value a lab sells in one round
  double years_between_rounds = 0.5;      // years, least time between two investor rounds
  // docs/model.md §"Labs: money": cuts fall on chips first, and a lab that cannot pay its staff
  // for long exits
  double operating_reserve_years = 0.0;  // years of net operating costs kept out of chip buying
  double exit_after_unpaid_years = 0.0;  // years of unpaid staff before a lab exits (0: never)
  // docs/model.md §"Labs: research effort" (semi-endogenous research; 0 and 0 turn it off)
  double research_input_elasticity = 0.0;  // λ: growth per ln unit of research input
  double research_difficulty = 0.0;        // β: growth lost per ln unit of efficiency gained
  double research_compute_weight = 0.5;    // α: compute's share in research input
};

const Schema<LabConfig>& lab_schema();
const Schema<LabModelParams>& lab_model_schema();
const Schema<FundingRound>& funding_round_schema();
const Schema<EfficiencyGrowthChange>& efficiency_growth_change_schema();
const Schema<EfficiencyStep>& efficiency_step_schema();
const Schema<DatedRun>& dated_run_schema();

// The mean of ln(the lab's pace of algorithmic progress, × per year) over the days from `from`
// up to `to`: ln of efficiency_growth_per_year, or of the efficiency_growth_changes in force,
// weighted by their days; exactly ln of the one pace in force when a single pace covers them.
double mean_log_efficiency_growth(const LabConfig& lab, Date from, Date to);
// The product of the factors of the lab's efficiency_steps dated after `from`, up to `to`.
double efficiency_step_factor(const LabConfig& lab, Date from, Date to);

// The lab keys an archetype may set (every key of labs[] except id, name, country, archetype,
// chips, demand and source).
std::vector<std::string> archetype_keys();

// Labs resolved for a run (their chips are resolved by the supply model).
struct LabsSetup {
  std::size_t n_labs = 0;
  Date start;
  LabModelParams params;
  std::vector<LabConfig> labs;       // the resolved configuration, lab order
  std::vector<std::size_t> country;  // [lab] country index
  // [lab] days on which the lab releases whatever its run has trained: its release_dates and,
  // when it comes after the start date, its first release. Sorted.
  std::vector<std::vector<Date>> fixed_releases;
  // [lab] its race onset: runs started from this day on use training_share, earlier ones
  // pre_race_training_share (a lab without one: a day before any run)
  std::vector<Date> race_onset;
};

// The share of lab i's compute a frontier run started on `date` trains on.
double frontier_training_share(const LabsSetup& s, std::size_t i, Date date);

LabsSetup resolve_labs(const std::vector<LabConfig>& labs, const LabModelParams& params,
                       const std::vector<std::string>& country_ids, Date start);

// Whether the lab exists on `date` (labs[].founded).
inline bool founded_by(const LabConfig& lab, Date date) { return !(date < lab.founded); }

// A lab founded after `start` can hold nothing and do nothing before its founding: no chips at
// the start, no demand plan, funding round, launch, dated release or dated run before it. No
// lab's efficiency step comes on or before the start date or its founding (initial_efficiency).
// A lab's dated runs end after the start date, one after another, each released after its end.
void validate_founding(const std::vector<LabConfig>& labs, Date start, Diagnostics& diags);

// A model release: the record other actors (adoption, markets) read.
struct Release {
  std::size_t lab = 0;
  Date date;
  double capability = 0.0;      // log10 FLOP (effective)
  double training_flop = 0.0;   // FLOP, physical
  double effective_flop = 0.0;  // FLOP at 2022-01 algorithms
  double efficiency = 1.0;      // × 2022-01 algorithms, at release
  double post_training_gain = 1.0;  // x, compute-equivalent gain of reasoning post-training
  bool open = false;
  bool base = true;  // a new base (pre-trained) or an update of the lab's base (post-trained)
  Date run_start;  // its pre-training run (an update: its post-training)
  Date run_end;
};

// A model whose pre-training run has ended, waiting for its release day.
struct PendingModel {
  Date on;            // its release day
  double flop = 0.0;  // FLOP, physical, of its run
  Date run_start;     // its pre-training run
  Date run_end;
  bool fixed = false;  // on a fixed day (a dated release or the lab's first release): no rushing
  bool base = true;    // a new base or an update of the lab's base
  bool dated = false;  // a dated run's model: on its day the lab releases its largest finished one
};

struct LabState {
  std::vector<double> efficiency;               // [lab] × 2022-01 algorithms
  std::vector<double> talent;                   // [lab] index
  std::vector<double> capability;               // [lab] log10 FLOP, best model so far
  std::vector<uint8_t> best_open;               // [lab] 1 when its best model has open weights
  std::vector<double> capital_usd;              // [lab] USD
  std::vector<double> revenue_usd_per_year;     // [lab] over the last tick
  std::vector<double> run_flop;                 // [lab] FLOP done in the current run
  std::vector<Date> run_start;                  // [lab] start of the current pre-training run
  std::vector<Date> run_end;                    // [lab] its planned end
  std::vector<double> run_post_days;            // [lab] days of post-training it will need
  std::vector<double> run_flop_per_second;      // [lab] rate of the current run, last research tick
  // docs/model.md §"Labs: bases and updates"
  std::vector<uint8_t> run_is_base;    // [lab] 1: the current run pre-trains a new base
  std::vector<double> base_flop;       // [lab] FLOP, physical, of its latest base (0: none)
  std::vector<double> base_h100e;      // [lab] compute its latest base's run trained on (H100e)
  std::vector<Date> base_end;          // [lab] end of its latest base's pre-training
  std::vector<double> training_h100e;  // [lab] its training compute, last research tick (H100e)
  std::vector<Date> run_flop_until;             // [lab] date up to which run_flop is counted
  std::vector<double> released_log_efficiency;  // [lab] ln efficiency of its latest release
  std::vector<Date> released_on;       // [lab] date of the latest release (never: none yet)
  std::vector<uint8_t> released_open;  // [lab] its latest release was open
  std::vector<double> releases;        // [lab] count since the start
  std::vector<double> open_releases;   // [lab] count since the start
  // [lab] models in post-training (trained, not yet released), by release date.
  std::vector<std::vector<PendingModel>> pending;
  std::vector<double> scarcity;        // [lab] fraction of wanted spending not met, last tick
  std::vector<double> pay_factor;      // [lab] fraction of its staff's pay the lab can afford
  // docs/model.md §"Labs: money", this tick: money raised when the lab's ran out, where from,
  // and what it could not pay.
  std::vector<double> raised_usd;          // [lab] USD
  std::vector<uint8_t> raised_from;        // [lab] FundingSource
  std::vector<double> unpaid_usd;          // [lab] USD of this tick's costs left unpaid
  std::vector<double> chip_spent_usd;      // [lab] USD spent on chips since the last tick
  std::vector<double> research_input0;     // [lab] its research input on its first tick (0: none yet)
  std::vector<Date> last_round;            // [lab] date of its latest funding round
  // docs/model.md §"Labs: money": what it keeps out of chip buying (operating_reserve_years of
  // its staff and running costs less income, last tick), years in a row it has not paid its
  // staff in full, and the day it exited
  std::vector<double> reserve_usd;   // [lab] USD
  std::vector<double> unpaid_years;  // [lab] years
  std::vector<Date> exited_on;       // [lab] 9999-12-31: still active
  // The models adopters can use: its best closed and best open-weight model (NaN: none yet).
  std::vector<double> closed_capability;     // [lab] log10 FLOP (effective)
  std::vector<double> closed_training_flop;  // [lab] FLOP, physical
  std::vector<double> closed_efficiency;     // [lab] × 2022-01 algorithms, when released
  std::vector<double> open_capability;       // [lab] log10 FLOP (effective)
  std::vector<double> open_training_flop;    // [lab] FLOP, physical
  std::vector<double> open_efficiency;       // [lab] × 2022-01 algorithms, when released
};

// Whether lab i has exited (docs/model.md §"Labs: money").
inline bool exited(const LabState& st, std::size_t i) {
  return st.exited_on[i] < Date::from_ymd(9999, 12, 31);
}

// docs/model.md §"Labs: money": what lab i may spend on chips: its capital less its reserve, at
// least 0, and nothing once it has exited.
inline double chip_budget_usd(const LabState& st, std::size_t i) {
  return exited(st, i) ? 0.0 : std::max(0.0, st.capital_usd[i] - st.reserve_usd[i]);
}

// Whether lab i holds a model: one it released, or the one it held at the start date (a lab
// founded after the start holds none until its first release).
inline bool holds_model(const LabState& st, std::size_t i) {
  return !std::isnan(st.closed_capability[i]) || !std::isnan(st.open_capability[i]);
}

// The world as labs see it in one research tick (from the supply model and governments).
struct LabInputs {
  std::span<const double> training_h100e;      // [lab] compute to train on (training value)
  std::span<const double> compute_h100e;       // [lab] installed compute (for running costs)
  std::span<const double> scarcity;            // [lab] fraction of wanted spending not met
  std::span<const double> open_encouragement;  // [country] state encouragement of open weights
  // From adoption (docs/model.md §"Adoption: feedback"); api and open both empty: revenue from
  // the demand curve of lab_model instead.
  std::span<const double> api_revenue_usd_per_year;  // [lab] paid for its closed models
  std::span<const double> open_spend_usd_per_year;   // [lab] spent running its open models
  std::span<const double> subscription_revenue_usd_per_year;  // [lab] fees (empty: none)
  std::span<const double> researchers;  // [lab] research staff, FTE (empty: labs[].researchers)
  // From safety rules (docs/model.md §3.3.8 "Safety"); empty: none.
  std::span<const double> evaluation_days;  // [lab] days an evaluation rule adds before a release
  std::span<const uint8_t> open_banned;     // [lab] 1: it may release closed models only
};

// At the start date each lab holds a model trained on its initial compute.
LabState initial_lab_state(const LabsSetup& setup, std::span<const double> training_h100e,
                           Date start, StreamKey key);

// docs/model.md §"Labs: capability": effective compute of a run of `days` on compute H (H100e),
// E = H × 989 TFLOP/s × MFU × training_share × days × efficiency.
double effective_training_compute_flop(double compute_h100e, double efficiency,
                                       double training_share, const LabModelParams& p);
// docs/model.md §"Labs: training runs and releases": length of a run that starts on
// `run_start`, growing from lab_model.training_run_days at the start date up to the maximum.
double training_run_length_days(const LabsSetup& s, Date run_start);
// The typical length of lab i's runs that start on `run_start` (days): the field's times the
// lab's run_length_factor.
double lab_run_length_days(const LabsSetup& s, std::size_t lab, Date run_start);
// docs/model.md §"Labs: bases and updates": the days a model is evaluated beyond its
// post-training, evaluation_days_per_decade per log10 FLOP it stands above the deployed frontier
// (0 when it does not).
double evaluation_days(const LabModelParams& p, double step_log10);
// Whether a run that lab i starts on `date` on `training_share` of its compute pre-trains a new
// base: always when base_compute_step is at most 1 or it has no base; else when the compute the
// run trains on (training_share of its training compute) has grown base_compute_step times over
// its base's, or its base is max_base_age_days old.
bool starts_new_base(const LabModelParams& p, const LabState& st, std::size_t i, Date date,
                     double training_share);
// docs/model.md §"Labs: post-training enhancements": the compute-equivalent gain (x) a release
// of lab i on `date` carries: reasoning_gain from lab_model.reasoning_shown for the lab that
// showed it, spillover_lag_months later for every other lab; 1 before.
double post_training_gain(const LabsSetup& s, std::size_t i, Date date);
// Capability of a model trained with E effective FLOP: log10(E).
double capability_from_compute(double effective_flop);

// docs/model.md §"Labs: spillovers": Δ ln A = Σ_j (1 − e^{−R_ij dt}) · max(0, L_j − ln A_i),
// bounded by the highest released level a lab learns from. R is labs × labs (1/year).
void apply_spillovers(const LabsSetup& setup, const LabState& prev, LabState& next,
                      const Tick& tick);

// The probability that lab i releases its new model with open weights (docs/model.md
// §"Labs: open or closed").
double open_probability(const LabsSetup& setup, const LabState& state, std::size_t lab,
                        double new_capability, double market_share, double encouragement);

// docs/model.md §"Labs: money": when a lab's capital would fall below zero it raises the gap
// plus `funding_runway_years` of its net spending: from the state if it is state-linked, from
// its parent if it has one, else from investors at most max_dilution × revenue_multiple × its
// revenue, and only years_between_rounds after its last round. What it still lacks it does not
// pay: capital stays at zero and its staff are paid the rest (pay_factor). `capital` is after
// this tick's flows; `burn` its net spending, chips included (USD/year).
struct Financing {
  double capital = 0.0;  // USD, at least 0
  double raised = 0.0;   // USD
  FundingSource from = FundingSource::none;
  double unpaid = 0.0;      // USD
  double pay_factor = 1.0;  // fraction of this tick's staff cost paid
};
Financing finance(const LabConfig& lab, const LabModelParams& p, double capital,
                  double burn_usd_per_year, double revenue_usd_per_year,
                  double staff_cost_usd, double years_since_round);

// docs/model.md §"Labs: efficiency": the factor on a lab's efficiency growth from its lead, in
// ln efficiency, over every other lab's latest release: exp(−lead_difficulty · lead), 1 when
// it does not lead.
double lead_drive(const LabModelParams& p, double lead);

// docs/model.md §"Labs: research effort": the factor on a lab's efficiency growth from its
// research effort, (X/X₀)^λ · (A/A₀)^−β, with research input X = C^α · N^(1−α) from its research
// compute C (H100e) and researchers N (FTE), X₀ its input on its first tick and A₀ its initial
// efficiency. 1 when λ = β = 0.
double research_drive(const LabModelParams& p, double research_input, double first_input,
                      double efficiency, double initial_efficiency);

// One research tick: money, efficiency (research, scarcity, spillovers) and the compute of the
// training runs under way (at the rate of the lab's training compute when each run started).
void step_labs(const LabsSetup& setup, const LabState& prev, LabState& next,
               const LabInputs& inputs, const Tick& tick, StreamKey key);

// docs/model.md §"Labs: training runs and releases", one day: a run whose planned end has come
// goes into post-training and the lab plans its next run (length and post-training drawn from
// `plan_key`); a model whose release date has come is released, open or closed (one draw from
// `choice_key`), appended to `released` in lab order; rivals of a release better than their
// own best bring their next pending release forward by lab_model.rush_share.
void step_runs(const LabsSetup& setup, LabState& state, const LabInputs& inputs, Date date,
               StreamKey plan_key, StreamKey choice_key, std::vector<Release>& released);

// The release of a model whose run ends on `run_end` and needs `post_training_days`: a fixed
// day (a dated release, or the lab's first release) from run_end to a typical run length or the
// post-training after it, whichever is longer, holds it (a model that would come out just
// before a planned release is released with it); otherwise the first weekday after its
// post-training, and never before the lab's first release.
PendingModel planned_release(const LabsSetup& setup, std::size_t lab, Date run_end,
                             double post_training_days);

// Capital spent on chips by the supply model since the last call (USD per lab).
void charge_chip_spending(LabState& state, std::span<const double> spent_usd);

// Model-market share of each lab's best model: a logit on capability over the labs' best
// models; open models count with weight open_market_share.
std::vector<double> market_shares(const LabsSetup& setup, const std::vector<double>& capability,
                                  const std::vector<uint8_t>& open);

}  // namespace airace
