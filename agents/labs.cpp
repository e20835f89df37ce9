#include "agents/labs.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "sim/core/parallel.hpp"

namespace airace {

namespace {

// A day after any the model runs to: never.
const Date kNever = Date::from_ymd(9999, 12, 31);

constexpr double kDaysPerYear = 365.25;
constexpr double kSecondsPerYear = kDaysPerYear * 86400.0;

void read_funding_rounds(const ConfigNode& n, const std::string& path, LabConfig& lab,
                         Diagnostics& diags) {
  lab.funding_rounds = read_entity_list(n, path, funding_round_schema(), FundingRound{}, diags);
}

void read_efficiency_growth_changes(const ConfigNode& n, const std::string& path, LabConfig& lab,
                                    Diagnostics& diags) {
  lab.efficiency_growth_changes =
      read_entity_list(n, path, efficiency_growth_change_schema(), EfficiencyGrowthChange{}, diags);
  auto& changes = lab.efficiency_growth_changes;
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto& a, const auto& b) { return a.date < b.date; });
  for (std::size_t i = 1; i < changes.size(); ++i)
    if (changes[i].date == changes[i - 1].date)
      diags.error(changes[i].where, path + "[" + changes[i].id + "].date",
                  "two changes of the pace on " + changes[i].date.iso() + " (" + changes[i - 1].id +
                      " and " + changes[i].id + "): expected one a day");
}

void read_efficiency_steps(const ConfigNode& n, const std::string& path, LabConfig& lab,
                           Diagnostics& diags) {
  lab.efficiency_steps =
      read_entity_list(n, path, efficiency_step_schema(), EfficiencyStep{}, diags);
}

void read_dated_runs(const ConfigNode& n, const std::string& path, LabConfig& lab,
                     Diagnostics& diags) {
  lab.dated_runs = read_entity_list(n, path, dated_run_schema(), DatedRun{}, diags);
  std::stable_sort(lab.dated_runs.begin(), lab.dated_runs.end(),
                   [](const DatedRun& a, const DatedRun& b) { return a.start < b.start; });
}

// Keys of labs[] that belong to one lab, not to a kind of lab.
bool own_key(const std::string& key) {
  return key == "id" || key == "name" || key == "country" || key == "archetype" || key == "chips" ||
         key == "demand" || key == "source" || key == "release_dates" || key == "launch" ||
         key == "first_release" || key == "subscription_launch" || key == "founded" ||
         key == "efficiency_growth_changes" || key == "efficiency_steps" || key == "dated_runs";
}

void read_release_dates(const ConfigNode& n, const std::string& path, LabConfig& lab,
                        Diagnostics& diags) {
  lab.release_dates.clear();
  if (n.is_null()) return;
  if (!n.is_sequence()) {
    diags.error(n.where, path,
                "expected a list of dates such as [2024-12-26, 2025-01-20], found " + n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i)
    if (auto d = read_date(n.items[i], path + "[" + std::to_string(i) + "]", diags))
      lab.release_dates.push_back(*d);
  std::sort(lab.release_dates.begin(), lab.release_dates.end());
}

}  // namespace

const Schema<FundingRound>& funding_round_schema() {
  using F = FundingRound;
  static const Schema<FundingRound> schema(
      "labs[].funding_rounds[]",
      {
          text("id", &F::id, {"unique identifier", "", true}),
          date("date", &F::date,
               {"date the money arrives, after the start date (money already there belongs in "
                "capital_usd)",
                "", true}),
          number("usd", &F::usd, "USD", at_least(0),
                 {"amount added to the lab's capital", "per round: its source field", true}),
          text("source", &F::source, {"where the round is reported"}),
      });
  return schema;
}

const Schema<EfficiencyGrowthChange>& efficiency_growth_change_schema() {
  using E = EfficiencyGrowthChange;
  static const Schema<EfficiencyGrowthChange> schema(
      "labs[].efficiency_growth_changes[]",
      {
          text("id", &E::id, {"unique identifier", "", true}),
          date("date", &E::date,
               {"date from which the lab's efficiency grows at per_year", "", true}),
          number("per_year", &E::per_year, "x/year", between(0.1, 100),
                 {"growth of algorithmic efficiency from the lab's research at full talent from "
                  "the date on, in place of efficiency_growth_per_year",
                  "per change: its source field", true}),
          text("source", &E::source, {"why the pace changes, and the pace's source"}),
      });
  return schema;
}

const Schema<EfficiencyStep>& efficiency_step_schema() {
  using E = EfficiencyStep;
  static const Schema<EfficiencyStep> schema(
      "labs[].efficiency_steps[]",
      {
          text("id", &E::id, {"unique identifier", "", true}),
          date("date", &E::date,
               {"day of the step, after the start date; it enters at the lab's first research "
                "tick on or after it",
                "", true}),
          number("factor", &E::factor, "x", between(0.01, 1000),
                 {"multiplier of the lab's algorithmic efficiency on the date: a one-time gain "
                  "(e.g. a new architecture) beside its pace",
                  "per step: its source field", true}),
          text("source", &E::source, {"what the step is, and its size's source"}),
      });
  return schema;
}

const Schema<DatedRun>& dated_run_schema() {
  using R = DatedRun;
  static const Schema<DatedRun> schema(
      "labs[].dated_runs[]",
      {
          text("id", &R::id, {"unique identifier", "", true}),
          date("start", &R::start, {"first day of the pre-training run", "per run: its source field", true}),
          date("end", &R::end,
               {"day the pre-training ends, after the start date and the run's start",
                "per run: its source field", true}),
          number("training_share", &R::training_share, "fraction", Range{0.0, 1.0, true, false},
                 {"share of the lab's compute the run trains on (at the rate of the first research "
                  "tick on or after its start)",
                  "per run: its source field", true}),
          date("release", &R::release,
               {"day its model is released, on or after its end (post-training and evaluation "
                "included)",
                "per run: its source field", true}),
          text("source", &R::source, {"the run's dates and size, and their source"}),
      });
  return schema;
}

double efficiency_step_factor(const LabConfig& lab, Date from, Date to) {
  double factor = 1.0;
  for (const EfficiencyStep& x : lab.efficiency_steps)
    if (from < x.date && !(to < x.date)) factor *= x.factor;
  return factor;
}

double mean_log_efficiency_growth(const LabConfig& lab, Date from, Date to) {
  const auto& changes = lab.efficiency_growth_changes;
  // The pace in force on a day: the latest change on or before it.
  auto pace_on = [&](Date d) {
    double g = lab.efficiency_growth_per_year;
    for (const EfficiencyGrowthChange& c : changes)
      if (!(d < c.date)) g = c.per_year;
    return g;
  };
  // The days from `from` up to `to`: the changes strictly inside split them; none: one pace, its
  // exact log.
  const auto inside = [&](const EfficiencyGrowthChange& c) { return from < c.date && c.date < to; };
  if (std::none_of(changes.begin(), changes.end(), inside)) return std::log(pace_on(from));
  double sum = 0.0;
  Date at = from;
  for (const EfficiencyGrowthChange& c : changes)
    if (inside(c)) {
      sum += std::log(pace_on(at)) *
             static_cast<double>(c.date.days_since_epoch() - at.days_since_epoch());
      at = c.date;
    }
  sum += std::log(pace_on(at)) * static_cast<double>(to.days_since_epoch() - at.days_since_epoch());
  return sum / static_cast<double>(to.days_since_epoch() - from.days_since_epoch());
}

const Schema<LabConfig>& lab_schema() {
  using L = LabConfig;
  static const Schema<LabConfig> schema("labs[]", [] {
    const std::string A = "assumption, see docs/model.md §3.3.4";
    std::vector<Field<L>> f = buyer_fields<L>();
    f.push_back(reference("archetype", &L::archetype, "archetypes[]",
                          {"kind of lab whose values are this lab's defaults"}));
    f.push_back(number("initial_efficiency", &L::initial_efficiency, "x 2022-01 algorithms",
                       above(0),
                       {"algorithmic efficiency at the start date relative to the 2022-01 "
                        "reference",
                        "1 by definition at 2022-01"}));
    f.push_back(number("efficiency_growth_per_year", &L::efficiency_growth_per_year, "x/year",
                       between(0.1, 100),
                       changeable({"growth of algorithmic efficiency from the lab's research at "
                                   "full talent",
                                   "Ho et al. 2024 (Epoch): compute for fixed performance halves "
                                   "every ~8 months, ~2.8x/year (95% CI 5-14 months)"})));
    f.push_back(number("talent", &L::talent, "index", above(0),
                       {"research talent (1 = a typical frontier lab); sets absorptive capacity "
                        "talent/(1+talent)",
                        A}));
    f.push_back(number("researchers", &L::researchers, "researchers", above(0),
                       {"research staff at the start date (full-time equivalents)",
                        "per lab: its source field"}));
    f.push_back(number("training_share", &L::training_share, "fraction", between(0, 1),
                       {"share of the lab's compute used for its frontier training run", A}));
    f.push_back(number(
        "pre_race_training_share", &L::pre_race_training_share, "fraction", between(0, 1),
        {"share of the lab's compute its frontier runs train on before its race onset (a "
         "rival's first launch plus lab_model.race_response_days), e.g. the share at which a "
         "run of the field's length on its compute at the start has the FLOP of its largest "
         "pre-race run; left out: training_share throughout",
         "per lab: its source field (docs/model.md §3.3.4 \"The race onset\")"}));
    f.push_back(number(
        "run_length_factor", &L::run_length_factor, "fraction", between(0.05, 2),
        {"typical length of the lab's pre-training runs as a share of the field's "
         "(lab_model.training_run_days, grown by training_run_growth_per_year): a lab that "
         "trains in short runs releases smaller models more often (1: the field's length)",
         "per lab: DeepSeek-V3's pre-training took 2.664M H800-hours on 2,048 H800s, ~54 days "
         "(DeepSeek-V3 report, 2024-12), ~0.3 of the field's ~184 days for a run started in "
         "2024-09; assumption elsewhere"}));
    f.push_back(number("research_share", &L::research_share, "fraction", between(0, 1),
                       {"share of the lab's compute used for research experiments (the rest "
                        "serves users)",
                        A}));
    f.push_back(number("capital_usd", &L::capital_usd, "USD", Range{},
                       {"money available at the start date", "per lab: its source field"}));
    f.push_back(number(
        "parent_budget_usd_per_year", &L::parent_budget_usd_per_year, "USD/year", at_least(0),
        changeable({"money from a parent company (big-tech labs)", "per lab: its source field"})));
    f.push_back(number("state_funding_usd_per_year", &L::state_funding_usd_per_year, "USD/year",
                       at_least(0),
                       changeable({"money from the state (a subsidy)", "per lab: its source field"})));
    f.push_back(number("talent_cost_usd_per_year", &L::talent_cost_usd_per_year, "USD/year",
                       at_least(0),
                       {"staff cost at the lab's configured talent",
                        "Cottier et al. 2024: staff 29-49% of frontier development cost "
                        "(calibration §5)"}));
    f.push_back(number("complement_value", &L::complement_value, "fraction", between(0, 1),
                       {"share of the value of its open models the lab captures by selling "
                        "complements (cloud, hardware, ads)",
                        A}));
    f.push_back(custom<L>(
        {"efficiency_growth_changes",
         "list of changes of the pace (see labs[].efficiency_growth_changes[])", "", "[]", "",
         "dated changes of the lab's pace of algorithmic progress: from each change's date its "
         "efficiency grows at the change's per_year",
         "", false},
        read_efficiency_growth_changes));
    f.push_back(custom<L>(
        {"efficiency_steps", "list of steps (see labs[].efficiency_steps[])", "", "[]", "",
         "dated one-time gains of the lab's algorithmic efficiency: on each step's date its "
         "efficiency is multiplied by the step's factor",
         "", false},
        read_efficiency_steps));
    f.push_back(custom<L>({"funding_rounds", "list of funding rounds (see labs[].funding_rounds[])",
                           "", "[]", "", "venture rounds and investment pledges", "", false},
                          read_funding_rounds));
    f.push_back(choice("release_policy", &L::release_policy,
                       {{"decide", ReleasePolicy::decide},
                        {"open", ReleasePolicy::open},
                        {"closed", ReleasePolicy::closed}},
                       changeable({"decide at each release, or always release open weights or "
                                   "closed"})));
    f.push_back(date("founded", &L::founded,
                     {"date the lab was founded: before it the lab holds no chips, money or staff "
                      "and trains nothing; its capital_usd, researchers and initial_efficiency "
                      "are what it starts with that day; left out: it exists at the start date",
                      "per lab: its source field"}));
    f.push_back(date("launch", &L::launch,
                     {"date the lab's models first became available to users (its first chatbot, "
                      "API or open-weight release); no adopter uses them before",
                      "per lab: its source field"}));
    f.push_back(date("first_release", &L::first_release,
                     {"date of the lab's first model release (a model, paper with weights, API "
                      "or app); before it the lab trains but releases nothing (its first run "
                      "goes on until this day); left out: it released models before the start "
                      "date",
                      "per lab: its source field"}));
    f.push_back(date("subscription_launch", &L::subscription_launch,
                     {"date the paid tier of the lab's app went on sale: from then on the adopters "
                      "of its closed models in a sector with a subscription offer pay its fee "
                      "(sectors[].subscription_usd_per_month); left out: it sells none",
                      "per lab: its source field"}));
    f.push_back(custom<L>({"release_dates", "list of dates", "", "[]", "",
                           "dates on which the lab releases a model (historical release dates; "
                           "the model's capability still comes from its compute and algorithms)",
                           "per lab: its source field", false},
                          read_release_dates));
    f.push_back(custom<L>(
        {"dated_runs", "list of runs (see labs[].dated_runs[])", "", "[]", "",
         "historical pre-training runs: until the last one ends the lab trains only these, each on "
         "its share of the lab's compute, and releases each run's model on its day; then it plans "
         "its own runs",
         "per run: its source field", false},
        read_dated_runs));
    f.push_back(flag("initially_open", &L::initially_open,
                     {"the lab's best model at the start date has open weights"}));
    f.push_back(flag("shows_reasoning", &L::shows_reasoning,
                     {"the lab showed reasoning post-training on lab_model.reasoning_shown: its "
                      "releases carry it from that day, other labs' spillover_lag_months later",
                      "OpenAI o1-preview, 2024-09-12 (OpenAI, 'Learning to reason with LLMs')"}));
    f.push_back(number("open_bias", &L::open_bias, "utility", Range{},
                       {"utility of open weights, everything else equal", A}));
    f.push_back(
        number("open_api_weight", &L::open_api_weight, "utility per market share", at_least(0),
               {"utility lost per unit of model-market share a closed model would earn", A}));
    f.push_back(number("open_complement_weight", &L::open_complement_weight,
                       "utility per unit of complement_value", at_least(0),
                       {"utility of the complements open weights sell", A}));
    f.push_back(number("open_talent_weight", &L::open_talent_weight, "utility", at_least(0),
                       {"utility of attracting researchers with open weights", A}));
    f.push_back(number("open_state_weight", &L::open_state_weight,
                       "utility per unit of encouragement", at_least(0),
                       {"utility per unit of the home state's encouragement of open weights", A}));
    f.push_back(number("open_spillover_weight", &L::open_spillover_weight,
                       "utility per log10 FLOP of lead", at_least(0),
                       {"utility lost per unit of capability lead over the best lab of another "
                        "country (the cost of handing rivals a spillover)",
                        A}));
    f.push_back(number("open_rivals_weight", &L::open_rivals_weight, "utility per unit share",
                       at_least(0),
                       {"utility per unit of the share of other labs whose latest release was "
                        "open (labs follow rivals)",
                        A}));
    return f;
  }());
  return schema;
}

std::vector<std::string> archetype_keys() {
  std::vector<std::string> keys;
  for (const std::string& k : lab_schema().keys())
    if (!own_key(k)) keys.push_back(k);
  return keys;
}

const Schema<LabModelParams>& lab_model_schema() {
  using M = LabModelParams;
  const std::string A = "assumption, see docs/model.md §3.3.4";
  static const Schema<LabModelParams> schema(
      "lab_model",
      {
          number("training_run_days", &M::training_run_days, "days", between(1, 1000),
                 {"length of a frontier training run that starts on the scenario's start "
                  "date; a lab releases a model when its run ends",
                  "Epoch: frontier LLM runs ~90-100 days (calibration §5)"}),
          number("training_run_growth_per_year", &M::training_run_growth_per_year, "x/year",
                 between(0.5, 3),
                 {"growth of the length of training runs that start later (1: fixed length)",
                  "Epoch: run length +1.2x/year (notable models), +1.4x/year (frontier LLMs) "
                  "(calibration §5)"}),
          number("max_training_run_days", &M::max_training_run_days, "days", between(1, 1000),
                 {"longest training run, however late it starts",
                  "Epoch: runs longer than ~9 months lose to waiting for better chips and "
                  "algorithms (calibration §5)"}),
          number("run_length_sigma", &M::run_length_sigma, "1 (sd of ln days)", between(0, 2),
                 {"spread of a run's planned length around the typical length of its start "
                  "date (lognormal, median-preserving)",
                  "Epoch notable models: frontier LLM runs of one year last from about half to "
                  "twice the median length (calibration §5); assumption"}),
          number("post_training_days", &M::post_training_days, "days", between(0, 730),
                 {"median time from the end of a pre-training run to the model's release "
                  "(fine-tuning, reinforcement learning, evaluations, safety testing)",
                  "GPT-4: pre-training done 2022-08, released 2023-03-14 (~200 days, OpenAI "
                  "system card); DeepSeek-V3: ~60-day run, released 2024-12-26, R1 25 days "
                  "later; Llama 3.1 405B ~2 months (Meta); assumption for the median"}),
          number("post_training_sigma", &M::post_training_sigma, "1 (sd of ln days)", between(0, 3),
                 {"spread of one model's post-training period around the median (lognormal, "
                  "median-preserving)",
                  "the 25-200 days above; assumption"}),
          number("rush_share", &M::rush_share, "fraction", between(0, 1),
                 {"fraction of its remaining post-training a lab skips when a rival releases "
                  "a model better than its own best (racing to release)",
                  "Google released Bard 3.5 months after ChatGPT after declaring a 'code red' "
                  "(NYT 2022-12-21); assumption"}),
          number("base_compute_step", &M::base_compute_step, "x", between(1, 100),
                 {"growth of a lab's training compute over its last base's at which its next run "
                  "pre-trains a new base; until then its runs are updates of that base (1: every "
                  "run is a new base)",
                  "labs pre-train on a new cluster generation: OpenAI GPT-4 on ~25k A100 (~8k "
                  "H100e, 2022), GPT-4.5 on ~100k H100 (2024-25); xAI Grok 2 on ~20k H100, "
                  "Grok 3 on ~100k; Meta Llama 2 on A100s, Llama 3 on 16k H100 (2-12x); "
                  "judgement"}),
          number("max_base_age_days", &M::max_base_age_days, "days", between(0, 3650),
                 {"age of a lab's base (from the end of its pre-training) at which its next run "
                  "pre-trains a new base whatever its compute (0: no age rule)",
                  "frontier bases every 8-21 months: GPT-4 (2022-08) to GPT-4o (2024-05); "
                  "PaLM 2 (2023-05), Gemini 1.0 (2023-12), Gemini 2.0 (2024-12); Llama 2 "
                  "(2023-07), Llama 3 (2024-04), Llama 4 (2025-04); judgement"}),
          number("update_compute_share", &M::update_compute_share, "fraction", between(0, 1),
                 {"compute an update (post-training on the lab's base) adds, as a fraction of "
                  "the base's pre-training FLOP",
                  "InstructGPT: RLHF of the 175B model 60 petaflop/s-days against GPT-3's 3,640 "
                  "(1.6%, Ouyang et al. 2022); reasoning RL in 2025 more, up to ~10% "
                  "(judgement)"}),
          number("evaluation_days_per_decade", &M::evaluation_days_per_decade, "days/log10 FLOP",
                 between(0, 2000),
                 {"days a model is evaluated beyond its post-training per log10 FLOP of "
                  "effective compute it stands above the best model released by any lab",
                  "GPT-4: pre-training done 2022-08, released 2023-03-14 (~210 days, of which "
                  "~6 months of safety evaluation, OpenAI system card), ~0.9 log10 above "
                  "GPT-3.5 (Epoch: 2.1e25 against 2.6e24 FLOP): ~130 days beyond the median "
                  "post-training; Gemini 1.0 Ultra out two months after Gemini 1.0 Pro for "
                  "'extensive trust and safety checks'; judgement"}),
          number("race_response_days", &M::race_response_days, "days", between(0, 3650),
                 {"days from a rival's first launch (labs[].launch) to the race onset of a lab "
                  "with a pre_race_training_share, from which its runs train on training_share",
                  "after ChatGPT (2022-11-30): Google's 'code red' 2022-12-21 (21 days, NYT), "
                  "Meta's generative AI group 2023-02-27 (89 days), Google DeepMind formed "
                  "2023-04-20 (141 days); judgement"}),
          date("reasoning_shown", &M::reasoning_shown,
               {"day reasoning post-training (reinforcement learning on chains of thought) is "
                "shown by the lab with shows_reasoning; from it that lab's releases, and "
                "spillover_lag_months later every other lab's, carry reasoning_gain "
                "(9999-12-31: never)",
                "OpenAI o1-preview 2024-09-12; then DeepSeek-R1-Lite 2024-11-20, Qwen QwQ "
                "2024-11-28, Gemini 2.0 Flash Thinking 2024-12-19, DeepSeek-R1 and Kimi k1.5 "
                "2025-01-20, Claude 3.7 Sonnet 2025-02-24 (2-5 months later)"}),
          number("reasoning_gain", &M::reasoning_gain, "x", between(1, 1000),
                 {"compute-equivalent gain of reasoning post-training: the pre-training compute "
                  "that would raise a model's capability as much (1: none)",
                  "Epoch AI 2025 ('Quantifying the algorithmic improvement from reasoning "
                  "models'): ~10x for early reasoning models on GPQA, MATH, Mock AIME; "
                  "Davidson et al. 2023: most post-training enhancements >5x, some >20x; "
                  "judgement"}),
          number("reasoning_compute_share", &M::reasoning_compute_share, "fraction", between(0, 1),
                 {"FLOP reasoning post-training adds to a model, as a fraction of its "
                  "pre-training FLOP",
                  "DeepSeek-R1: 147K H800-hours of RL and data (Nature 2025, supplement) on "
                  "DeepSeek-V3-Base's 2.664M pre-training H800-hours (V3 report): 5.5%"}),
          number("model_flops_utilization", &M::model_flops_utilization, "fraction",
                 Range{0, 1, true, false},
                 {"achieved share of peak throughput during training",
                  "typical 30-50% for large runs (DeepSeek-V3 and Llama 3 reports)"}),
          number("efficiency_noise_sigma", &M::efficiency_noise_sigma, "1/sqrt(year)",
                 between(0, 5),
                 {"standard deviation of the log of efficiency growth over one year", A}),
          number("scarcity_elasticity", &M::scarcity_elasticity, "-", between(0, 20),
                 {"HYPOTHESIS UNDER TEST: efficiency growth rises by this factor times the share "
                  "of a lab's wanted chip spending it could not make (0 turns it off)",
                  "claims in ../shared/seeds/ that export controls spur efficiency; no "
                  "measured value"}),
          number("lead_difficulty", &M::lead_difficulty, "-", between(0, 10),
                 {"growth of efficiency lost per ln unit by which a lab leads every other lab's "
                  "latest release: beyond what anyone has shown there is nothing to imitate "
                  "(0: no loss)",
                  "imitation costs about 65% of innovation and takes 70% of its time "
                  "(Mansfield, Schwartz & Wagner 1981); Ho et al. 2024 measure the pace of the "
                  "best known algorithms; judgement (docs/model.md \"Efficiency\")"}),
          number("open_spillover_per_year", &M::open_spillover_per_year, "1/year", between(0, 100),
                 {"rate at which a lab with absorptive capacity 1 closes the efficiency gap to "
                  "an open model",
                  A}),
          number("closed_spillover_per_year", &M::closed_spillover_per_year, "1/year",
                 between(0, 100), {"the same for a closed model (papers, staff moving)", A}),
          number("spillover_lag_months", &M::spillover_lag_months, "months", between(0, 120),
                 {"months before a release starts to spill over", A}),
          number("market_usd_per_year", &M::market_usd_per_year, "USD/year", at_least(0),
                 {"what users pay for models at the start date (the demand curve until the "
                  "adoption model exists)",
                  "OpenAI revenue ~$1B/year in 2022-23 (reported); assumption"}),
          number("market_growth_per_year", &M::market_growth_per_year, "x/year", above(0),
                 {"growth of the model market", A}),
          number("market_capability_sensitivity", &M::market_capability_sensitivity, "1/log10 FLOP",
                 at_least(0), {"logit weight of capability in market shares", A}),
          number("open_market_share", &M::open_market_share, "fraction", between(0, 1),
                 {"revenue of an open model relative to a closed one of the same capability "
                  "(the rest of its value is commoditised away)",
                  A}),
          number("opex_usd_per_h100e_year", &M::opex_usd_per_h100e_year, "USD per H100e-year",
                 at_least(0),
                 {"running cost of installed compute: power, data centre, serving",
                  "~700 W x $0.1/kWh x PUE 1.3 plus facilities; assumption"}),
          number("shrink_per_year", &M::shrink_per_year, "1/year", between(0, 100),
                 {"rate at which talent leaves while the lab cannot pay its staff in full (and "
                  "returns once it can)",
                  A}),
          number("funding_runway_years", &M::funding_runway_years, "years", between(0, 10),
                 {"when a lab's money runs out it raises the gap plus this many years of its "
                  "net spending",
                  "venture rounds are sized for 18-24 months of runway (Carta, State of Private "
                  "Markets); assumption"}),
          number("revenue_multiple", &M::revenue_multiple, "USD per USD/year", at_least(0),
                 {"value investors put on a lab per unit of its yearly revenue, which caps what "
                  "a round raises",
                  "OpenAI 2024-10: $157B post-money on ~$3.7B 2024 revenue (42x); Anthropic "
                  "2025-03: $61.5B on ~$1.4B run-rate (44x) (reported)"}),
          number("max_dilution", &M::max_dilution, "fraction", between(0, 1),
                 {"largest share of its value a lab sells to investors in one round",
                  "late-stage rounds sell 10-20% of a company (Carta); assumption"}),
          number("research_input_elasticity", &M::research_input_elasticity, "-", between(0, 3),
                 {"semi-endogenous research: growth of efficiency per ln unit of the lab's "
                  "research input (compute for experiments and researchers) over its input at "
                  "the start (0: growth needs no input)",
                  "Jones 1995; Erdil & Besiroglu 2023 and Epoch's returns to software R&D; "
                  "assumption (docs/model.md \"Research effort\")"}),
          number("research_difficulty", &M::research_difficulty, "-", between(0, 5),
                 {"semi-endogenous research: growth lost per ln unit of efficiency gained since "
                  "the start (ideas get harder to find; 0: they do not)",
                  "Bloom et al. 2020; assumption (docs/model.md \"Research effort\")"}),
          number("research_compute_weight", &M::research_compute_weight, "fraction", between(0, 1),
                 {"share of experiment compute, against researchers, in research input",
                  "assumption: equal weights (docs/model.md \"Research effort\")"}),
          number("years_between_rounds", &M::years_between_rounds, "years", between(0, 10),
                 {"least time between two rounds a lab raises from investors",
                  "OpenAI raised in 2023-01, 2024-10 and 2025-03, Anthropic in 2023-09, "
                  "2023-10 and 2025-03 (reported): months apart, not weeks"}),
          number("operating_reserve_years", &M::operating_reserve_years, "years", between(0, 10),
                 {"years of its net operating costs (staff and running costs less income) a lab "
                  "keeps out of its chip buying: short of money, it cuts chips before pay",
                  "start-ups plan 12-24 months of runway (Carta: rounds sized for 18-24 "
                  "months); payroll cannot be deferred, chip orders can; assumption"}),
          number("exit_after_unpaid_years", &M::exit_after_unpaid_years, "years", between(0, 10),
                 {"years in a row a lab without parent or state support can leave its staff "
                  "unpaid before it exits: it stops training and releasing, its closed models "
                  "go off the market (open weights stay), its staff leave (0: labs never exit)",
                  "Inflection (2024-03), Adept (2024-06) and Character.AI (2024-08) went to big "
                  "tech within about a year of failing to earn or raise enough (reported); "
                  "assumption"}),
      });
  return schema;
}

LabsSetup resolve_labs(const std::vector<LabConfig>& labs, const LabModelParams& params,
                       const std::vector<std::string>& country_ids, Date start) {
  LabsSetup s;
  s.start = start;
  s.n_labs = labs.size();
  s.params = params;
  s.labs = labs;
  for (const LabConfig& lab : labs) {
    std::vector<Date> days = lab.release_dates;
    if (start < lab.first_release) days.push_back(lab.first_release);
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    s.fixed_releases.push_back(std::move(days));
  }
  for (const LabConfig& lab : labs)
    s.country.push_back(static_cast<std::size_t>(
        std::find(country_ids.begin(), country_ids.end(), lab.country.id) - country_ids.begin()));
  // docs/model.md §3.3.4 "The race onset": race_response_days after the first launch of another
  // lab's models; without a rival, never.
  const auto response = static_cast<int64_t>(std::lround(params.race_response_days));
  for (std::size_t i = 0; i < labs.size(); ++i) {
    Date onset = Date::from_ymd(1, 1, 1);
    if (!std::isnan(labs[i].pre_race_training_share)) {
      onset = kNever;
      for (std::size_t j = 0; j < labs.size(); ++j)
        if (j != i) onset = std::min(onset, labs[j].launch.plus_days(response));
    }
    s.race_onset.push_back(onset);
  }
  return s;
}

double frontier_training_share(const LabsSetup& s, std::size_t i, Date date) {
  const LabConfig& lab = s.labs[i];
  for (const DatedRun& r : lab.dated_runs)
    if (r.start == date) return r.training_share;
  // A setup not made by resolve_labs has no onsets: every lab races from the start.
  const bool before = i < s.race_onset.size() && date < s.race_onset[i];
  return before ? lab.pre_race_training_share : lab.training_share;
}

void validate_founding(const std::vector<LabConfig>& labs, Date start, Diagnostics& diags) {
  // An efficiency step enters at a research tick after the start and the founding: one earlier is
  // a lab's initial_efficiency.
  for (const LabConfig& lab : labs) {
    const Date first = std::max(start, lab.founded);
    for (const EfficiencyStep& x : lab.efficiency_steps)
      if (!(first < x.date))
        diags.error(x.where, "labs[" + lab.id + "].efficiency_steps[" + x.id + "].date",
                    "a step on or before " + first.iso() +
                        " (the start date or the lab's founding) is part of its "
                        "initial_efficiency: expected a later date (found " +
                        x.date.iso() + ")");
  }
  // docs/model.md §3.3.4 "Dated runs": each ends after the start date (one that ended before it
  // trained the model the lab holds at the start), after its own start and after the lab's
  // founding, before its release, and before the next one starts.
  for (const LabConfig& lab : labs) {
    const Date first = std::max(start, lab.founded);
    for (std::size_t k = 0; k < lab.dated_runs.size(); ++k) {
      const DatedRun& r = lab.dated_runs[k];
      const std::string at = "labs[" + lab.id + "].dated_runs[" + r.id + "]";
      if (!(first < r.end))
        diags.error(r.where, at + ".end",
                    "a run that ends on or before " + first.iso() +
                        " (the start date or the lab's founding) trained the model the lab "
                        "holds then: expected a later end (found " + r.end.iso() + ")");
      else if (!(r.start < r.end))
        diags.error(r.where, at + ".end",
                    "expected a day after the run's start " + r.start.iso() + " (found " +
                        r.end.iso() + ")");
      if (r.release < r.end)
        diags.error(r.where, at + ".release",
                    "a model comes out after its run ends: expected " + r.end.iso() +
                        " or later (found " + r.release.iso() + ")");
      if (r.start < lab.founded)
        diags.error(r.where, at + ".start",
                    "the lab is founded on " + lab.founded.iso() +
                        ": expected a start on or after that day (found " + r.start.iso() + ")");
      if (k > 0 && r.start < lab.dated_runs[k - 1].end)
        diags.error(r.where, at + ".start",
                    "a lab trains one frontier run at a time: expected a start on or after " +
                        lab.dated_runs[k - 1].id + "'s end " + lab.dated_runs[k - 1].end.iso() +
                        " (found " + r.start.iso() + ")");
    }
  }
  for (const LabConfig& lab : labs) {
    if (!(start < lab.founded)) continue;
    const std::string at = "labs[" + lab.id + "]";
    const std::string when = "the lab is founded on " + lab.founded.iso() +
                             ", after the start date " + start.iso() + ", ";
    if (!lab.initial_chips.empty())
      diags.error(lab.where, at + ".chips", when + "so it holds no chips at the start: remove them");
    for (const DemandPlan& d : lab.demand)
      if (d.start < lab.founded)
        diags.error(d.where.line != 0 ? d.where : lab.where, at + ".demand",
                    when + "so its demand plans start on or after that day (found start " +
                        d.start.iso() + ")");
    for (const FundingRound& r : lab.funding_rounds)
      if (r.date < lab.founded)
        diags.error(r.where.line != 0 ? r.where : lab.where, at + ".funding_rounds[" + r.id + "]",
                    when + "so no round can come before it (found " + r.date.iso() + ")");
    const Date unset = LabConfig{}.launch;  // the default of launch and first_release
    if (lab.launch < lab.founded && !(lab.launch == unset))
      diags.error(lab.where, at + ".launch",
                  when + "so its models launch on or after that day (found " + lab.launch.iso() +
                      ")");
    if (lab.first_release < lab.founded && !(lab.first_release == unset))
      diags.error(lab.where, at + ".first_release",
                  when + "so its first release comes on or after that day (found " +
                      lab.first_release.iso() + ")");
    for (Date d : lab.release_dates)
      if (d < lab.founded)
        diags.error(lab.where, at + ".release_dates",
                    when + "so it releases nothing before that day (found " + d.iso() + ")");
  }
}

namespace {
// FLOP/s a lab's frontier run gets: dense BF16 peak times utilisation times its share.
double flop_per_second(double training_h100e, double share, const LabModelParams& p) {
  return training_h100e * kH100DenseBf16Tflops * 1e12 * p.model_flops_utilization * share;
}
}  // namespace

double effective_training_compute_flop(double compute_h100e, double efficiency,
                                       double training_share, const LabModelParams& p) {
  return flop_per_second(compute_h100e, training_share, p) * p.training_run_days * 86400.0 *
         efficiency;
}

double training_run_length_days(const LabsSetup& s, Date run_start) {
  const LabModelParams& p = s.params;
  const double years =
      std::max(0.0, static_cast<double>(run_start.days_since_epoch() - s.start.days_since_epoch()) /
                        kDaysPerYear);
  return std::min(p.max_training_run_days,
                  p.training_run_days * std::pow(p.training_run_growth_per_year, years));
}

double lab_run_length_days(const LabsSetup& s, std::size_t lab, Date run_start) {
  return training_run_length_days(s, run_start) * s.labs[lab].run_length_factor;
}

double capability_from_compute(double effective_flop) {
  return effective_flop > 0.0 ? std::log10(effective_flop) : 0.0;
}

namespace {

// Labs per task: a lab's step costs well under a microsecond, so a handful of labs runs as one
// task and the parallelism comes from the replicates; hundreds of labs split across threads.
constexpr std::size_t kLabGrain = 32;

template <class F>
void for_each_lab(std::size_t n, F&& f) {
  parallel_for_each_index(n, kLabGrain, std::forward<F>(f));
}

// A median-preserving lognormal factor exp(sigma z).
double spread(RandomStream& rng, double sigma) {
  return sigma > 0.0 ? std::exp(sigma * rng.normal()) : 1.0;
}

// The draws of lab i's run planned on `date`: one stream per lab and day (counter 0 is the
// initial stagger).
RandomStream plan_stream(StreamKey key, std::size_t lab, Date date) {
  return RandomStream(key, (uint64_t{1} << 32) + static_cast<uint64_t>(date.days_since_epoch()),
                      lab);
}

// docs/model.md §3.3.4 "Dated runs": the lab's dated run that has not ended by `date` (none: null).
const DatedRun* dated_run_after(const LabConfig& lab, Date date) {
  for (const DatedRun& r : lab.dated_runs)
    if (date < r.end) return &r;
  return nullptr;
}

// The lab's dated run that starts on `start` (none: null).
const DatedRun* dated_run_from(const LabConfig& lab, Date start) {
  for (const DatedRun& r : lab.dated_runs)
    if (r.start == start) return &r;
  return nullptr;
}

// docs/model.md §"Labs: training runs and releases": lab i starts a run on `start` and plans it:
// its length, the typical length of its start date times a lognormal draw (at most
// max_training_run_days), and the
// post-training its model will need, the median times another. A lab with a dated run still to
// end trains that run next instead, from its own start (waiting until then).
void plan_run(const LabsSetup& s, LabState& st, std::size_t i, Date start, StreamKey key) {
  const LabModelParams& p = s.params;
  if (const DatedRun* r = dated_run_after(s.labs[i], start)) {
    st.run_start[i] = r->start;
    st.run_end[i] = r->end;
    st.run_post_days[i] = 0.0;  // released on its own day
    st.run_flop[i] = 0.0;
    st.run_flop_until[i] = r->start;  // one under way at the start date: its days before it count
    st.run_is_base[i] = 1;
    st.base_h100e[i] = r->training_share * st.training_h100e[i];
    return;
  }
  RandomStream rng = plan_stream(key, i, start);
  // The spread stops at the ceiling: no run is planned longer than max_training_run_days.
  const double days = std::clamp(lab_run_length_days(s, i, start) * spread(rng, p.run_length_sigma),
                                 1.0, std::max(1.0, p.max_training_run_days));
  st.run_start[i] = start;
  st.run_end[i] = start.plus_days(static_cast<int64_t>(std::lround(days)));
  st.run_post_days[i] = p.post_training_days * spread(rng, p.post_training_sigma);
  st.run_flop[i] = 0.0;
  st.run_flop_until[i] = start;
  // docs/model.md §"Labs: bases and updates": a new base on a grown cluster or an aged base;
  // otherwise an update of the base it has.
  const double share = frontier_training_share(s, i, start);
  st.run_is_base[i] = starts_new_base(p, st, i, start, share) ? 1 : 0;
  if (st.run_is_base[i]) st.base_h100e[i] = share * st.training_h100e[i];
}

// docs/model.md §"Labs: money": lab i exits on `date`. It trains and releases nothing more
// (its run and the models in post-training are abandoned), its closed models go off the market
// with it (its open weights stay out), and it pays no one, so its staff leave.
void exit_lab(LabState& st, std::size_t i, Date date) {
  st.exited_on[i] = date;
  st.pay_factor[i] = 0.0;
  st.reserve_usd[i] = 0.0;
  st.closed_capability[i] = std::nan("");
  st.closed_training_flop[i] = std::nan("");
  st.closed_efficiency[i] = std::nan("");
  st.pending[i].clear();
  st.run_end[i] = kNever;
  st.run_flop_per_second[i] = 0.0;
}

// Adds the compute of lab i's run from where it was counted up to `until` (at most its end).
void count_run_flop(LabState& st, std::size_t i, Date until) {
  const Date to = std::min(until, st.run_end[i]);
  if (!(st.run_flop_until[i] < to)) return;
  st.run_flop[i] +=
      st.run_flop_per_second[i] * 86400.0 *
      static_cast<double>(to.days_since_epoch() - st.run_flop_until[i].days_since_epoch());
  st.run_flop_until[i] = to;
}

}  // namespace

double evaluation_days(const LabModelParams& p, double step_log10) {
  return p.evaluation_days_per_decade * std::max(0.0, step_log10);
}

bool starts_new_base(const LabModelParams& p, const LabState& st, std::size_t i, Date date,
                     double training_share) {
  if (p.base_compute_step <= 1.0 || !(st.base_flop[i] > 0.0)) return true;
  if (training_share * st.training_h100e[i] >= p.base_compute_step * st.base_h100e[i]) return true;
  return p.max_base_age_days > 0.0 &&
         static_cast<double>(date.days_since_epoch() - st.base_end[i].days_since_epoch()) >=
             p.max_base_age_days;
}

LabState initial_lab_state(const LabsSetup& s, std::span<const double> training_h100e, Date start,
                           StreamKey key) {
  LabState st;
  const std::size_t n = s.n_labs;
  st.efficiency.resize(n);
  st.talent.resize(n);
  st.capability.resize(n);
  st.best_open.resize(n);
  st.capital_usd.resize(n);
  st.revenue_usd_per_year.assign(n, 0.0);
  st.run_flop.resize(n);
  st.run_start.resize(n);
  st.run_end.resize(n);
  st.run_post_days.resize(n);
  st.pending.assign(n, {});
  st.run_flop_per_second.assign(n, 0.0);
  st.run_flop_until.assign(n, start);
  st.run_is_base.assign(n, 1);
  st.base_flop.assign(n, 0.0);
  st.base_h100e.assign(n, 0.0);
  st.base_end.assign(n, start);
  st.training_h100e.assign(training_h100e.begin(), training_h100e.end());
  st.released_log_efficiency.resize(n);
  st.released_on.resize(n);
  st.released_open.resize(n);
  st.releases.assign(n, 0.0);
  st.open_releases.assign(n, 0.0);
  st.scarcity.assign(n, 0.0);
  st.pay_factor.assign(n, 1.0);
  st.raised_usd.assign(n, 0.0);
  st.raised_from.assign(n, static_cast<uint8_t>(FundingSource::none));
  st.unpaid_usd.assign(n, 0.0);
  st.chip_spent_usd.assign(n, 0.0);
  st.research_input0.assign(n, 0.0);
  st.last_round.assign(n, Date::from_ymd(1, 1, 1));
  st.reserve_usd.assign(n, 0.0);
  st.unpaid_years.assign(n, 0.0);
  st.exited_on.assign(n, kNever);
  st.closed_capability.assign(n, std::nan(""));
  st.closed_training_flop.assign(n, std::nan(""));
  st.open_capability.assign(n, std::nan(""));
  st.open_training_flop.assign(n, std::nan(""));
  st.closed_efficiency.assign(n, std::nan(""));
  st.open_efficiency.assign(n, std::nan(""));
  const LabModelParams& p = s.params;
  for (std::size_t i = 0; i < n; ++i) {
    const LabConfig& lab = s.labs[i];
    st.efficiency[i] = lab.initial_efficiency;
    st.talent[i] = lab.talent;
    st.released_log_efficiency[i] = std::log(lab.initial_efficiency);
    if (!founded_by(lab, start)) {
      // docs/model.md §"Labs: founding": no model (its capabilities stay NaN), no money and no
      // run until it is founded; its starting efficiency never spills over (it released nothing).
      st.capability[i] = 0.0;
      st.best_open[i] = 0;
      st.capital_usd[i] = 0.0;
      st.released_on[i] = kNever;
      st.released_open[i] = 0;
      st.base_end[i] = lab.founded;
      plan_run(s, st, i, lab.founded, key);  // its first run starts the day it is founded
      st.run_flop_per_second[i] =
          flop_per_second(training_h100e[i], frontier_training_share(s, i, lab.founded), p);
      continue;
    }
    // Runs are staggered: each lab is part-way through its first run at the start date.
    // docs/model.md §"Labs: bases and updates": the model it holds is its base, and the lab is
    // at a uniform point φ of its base cycle: the base ran on its compute at the start divided
    // by base_compute_step^φ and ended φ·max_base_age_days before the run under way began (with
    // base_compute_step 1, on its compute at the start, when the run under way began).
    RandomStream stagger(key, 0, i);
    const double elapsed_days =
        p.training_run_days * lab.run_length_factor * stagger.uniform();
    const Date first_start = start.plus_days(-static_cast<int64_t>(elapsed_days));
    const double phase = p.base_compute_step > 1.0 ? stagger.uniform() : 0.0;
    const double scale = std::pow(p.base_compute_step, -phase);
    const double share = frontier_training_share(s, i, first_start);
    st.base_flop[i] = scale * effective_training_compute_flop(training_h100e[i], 1.0, share, p);
    st.base_h100e[i] = scale * share * training_h100e[i];
    st.base_end[i] =
        first_start.plus_days(-static_cast<int64_t>(std::lround(phase * p.max_base_age_days)));
    st.capability[i] = capability_from_compute(st.base_flop[i] * lab.initial_efficiency);
    st.best_open[i] = lab.initially_open;
    (lab.initially_open ? st.open_capability : st.closed_capability)[i] = st.capability[i];
    (lab.initially_open ? st.open_training_flop : st.closed_training_flop)[i] = st.base_flop[i];
    (lab.initially_open ? st.open_efficiency : st.closed_efficiency)[i] = lab.initial_efficiency;
    st.capital_usd[i] = lab.capital_usd;
    // A lab with dated runs has no run of its own under way: its next is its first dated run.
    plan_run(s, st, i, lab.dated_runs.empty() ? first_start : start, key);
    st.run_flop_per_second[i] =
        flop_per_second(training_h100e[i], frontier_training_share(s, i, st.run_start[i]), p);
    count_run_flop(st, i, start);
    // The model it holds at the start was released before it, and spills over from then.
    st.released_on[i] = start.plus_days(-365);
    st.released_open[i] = lab.initially_open;
  }
  return st;
}

namespace {

// The days before a release's ideas reach other labs (spillover_lag_months in days, rounded).
int64_t spillover_lag_days(const LabModelParams& p) {
  return static_cast<int64_t>(p.spillover_lag_months * 30.4375 + 0.5);
}

}  // namespace

void apply_spillovers(const LabsSetup& s, const LabState& prev, LabState& next, const Tick& tick) {
  const std::size_t n = s.n_labs;
  if (n < 2) return;
  const LabModelParams& p = s.params;
  const int64_t lag_days = spillover_lag_days(p);
  // R_ij (1/year): absorptive capacity of i times the rate for j's latest release.
  Eigen::MatrixXd rate =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  Eigen::VectorXd level(static_cast<Eigen::Index>(n));
  Eigen::VectorXd a(static_cast<Eigen::Index>(n));
  for (std::size_t j = 0; j < n; ++j) {
    const auto J = static_cast<Eigen::Index>(j);
    level(J) = prev.released_log_efficiency[j];
    a(J) = std::log(next.efficiency[j]);
    const bool visible = !(tick.date < prev.released_on[j].plus_days(lag_days));
    if (!visible) continue;
    const double r =
        prev.released_open[j] ? p.open_spillover_per_year : p.closed_spillover_per_year;
    for (std::size_t i = 0; i < n; ++i)
      if (i != j && founded_by(s.labs[i], tick.date) && !exited(next, i)) {
        const double absorptive = prev.talent[i] / (1.0 + prev.talent[i]);
        rate(static_cast<Eigen::Index>(i), J) = absorptive * r;
      }
  }
  // docs/model.md §"Labs: spillovers": the gap to each released level, closed at its rate.
  const Eigen::MatrixXd gap = (level.transpose().replicate(static_cast<Eigen::Index>(n), 1) -
                               a.replicate(1, static_cast<Eigen::Index>(n)))
                                  .cwiseMax(0.0);
  const Eigen::MatrixXd share = (-rate * tick.dt_years).array().exp().matrix();
  const Eigen::VectorXd gain =
      (Eigen::MatrixXd::Ones(share.rows(), share.cols()) - share).cwiseProduct(gap).rowwise().sum();
  for (std::size_t i = 0; i < n; ++i) {
    const auto I = static_cast<Eigen::Index>(i);
    if (gain(I) <= 0.0) continue;
    // Never beyond the best level it learns from.
    double ceiling = a(I);
    for (std::size_t j = 0; j < n; ++j)
      if (rate(I, static_cast<Eigen::Index>(j)) > 0.0)
        ceiling = std::max(ceiling, level(static_cast<Eigen::Index>(j)));
    next.efficiency[i] = std::exp(std::min(a(I) + gain(I), ceiling));
  }
}

std::vector<double> market_shares(const LabsSetup& s, const std::vector<double>& capability,
                                  const std::vector<uint8_t>& open) {
  const LabModelParams& p = s.params;
  std::vector<double> share(s.n_labs, 0.0);
  if (s.n_labs == 0) return share;
  const double top = *std::max_element(capability.begin(), capability.end());
  double total = 0.0;
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    share[i] = std::exp(p.market_capability_sensitivity * (capability[i] - top));
    total += share[i];
  }
  for (std::size_t i = 0; i < s.n_labs; ++i)
    share[i] = share[i] / total * (open[i] ? p.open_market_share : 1.0);
  return share;
}

double open_probability(const LabsSetup& s, const LabState& st, std::size_t i,
                        double new_capability, double market_share, double encouragement) {
  const LabConfig& lab = s.labs[i];
  if (lab.release_policy == ReleasePolicy::open) return 1.0;
  if (lab.release_policy == ReleasePolicy::closed) return 0.0;
  // Lead over the best lab of another country, in log10 FLOP (0 when behind).
  double best_foreign = -1e300;
  double rivals = 0.0;
  double rivals_open = 0.0;
  for (std::size_t j = 0; j < s.n_labs; ++j) {
    if (j == i) continue;
    rivals += 1.0;
    rivals_open += st.released_open[j];
    if (s.country[j] != s.country[i]) best_foreign = std::max(best_foreign, st.capability[j]);
  }
  const double lead = best_foreign > -1e300 ? std::max(0.0, new_capability - best_foreign) : 0.0;
  const double rivals_share = rivals > 0.0 ? rivals_open / rivals : 0.0;
  // docs/model.md §"Labs: open or closed": the utility of open weights over closed access.
  const double du = lab.open_bias - lab.open_api_weight * market_share +
                    lab.open_complement_weight * lab.complement_value + lab.open_talent_weight +
                    lab.open_state_weight * encouragement - lab.open_spillover_weight * lead +
                    lab.open_rivals_weight * (rivals_share - 0.5);
  return 1.0 / (1.0 + std::exp(-du));
}

namespace {

// docs/model.md §"Labs: training runs and releases": lab i releases model `m` on `date`, open
// or closed (one uniform from `draw`); `prev` is the state the choice reads.
void release_model(const LabsSetup& s, const LabState& prev, LabState& next, std::size_t i,
                   const PendingModel& m, Date date, double encouragement, bool open_banned,
                   RandomStream draw, std::vector<Release>& released) {
  Release r;
  r.lab = i;
  r.date = date;
  r.training_flop = m.flop;
  r.base = m.base;
  r.run_start = m.run_start;
  r.run_end = m.run_end;
  r.efficiency = next.efficiency[i];
  r.effective_flop = r.training_flop * r.efficiency;
  // docs/model.md §"Labs: post-training enhancements": reasoning post-training on the same
  // pre-trained model. Its efficiency (what spills over, what serving costs) stays the lab's
  // algorithms; its capability carries the compute-equivalent gain.
  r.post_training_gain = post_training_gain(s, i, date);
  if (r.post_training_gain != 1.0) {
    r.training_flop = m.flop * (1.0 + s.params.reasoning_compute_share);
    r.effective_flop = r.training_flop * r.efficiency * r.post_training_gain;
  }
  r.capability = capability_from_compute(r.effective_flop);
  std::vector<double> caps = prev.capability;
  caps[i] = std::max(caps[i], r.capability);
  std::vector<uint8_t> closed(s.n_labs, 0);
  const double market_share = market_shares(s, caps, closed)[i];
  const double p_open = open_probability(s, prev, i, r.capability, market_share, encouragement);
  r.open = draw.uniform() < p_open && !open_banned;  // the draw is made either way
  released.push_back(r);
  if (r.capability > prev.capability[i]) {
    next.capability[i] = r.capability;
    next.best_open[i] = r.open;
  }
  double& best_of_kind = (r.open ? next.open_capability : next.closed_capability)[i];
  if (!(r.capability <= best_of_kind)) {  // also when it has none of this kind yet (NaN)
    best_of_kind = r.capability;
    (r.open ? next.open_training_flop : next.closed_training_flop)[i] = r.training_flop;
    (r.open ? next.open_efficiency : next.closed_efficiency)[i] = r.efficiency;
  }
  next.released_log_efficiency[i] = std::log(r.efficiency);
  next.released_on[i] = r.date;
  next.released_open[i] = r.open;
  next.releases[i] += 1.0;
  next.open_releases[i] += r.open ? 1.0 : 0.0;
}

}  // namespace

namespace {

// docs/model.md §"Labs: money": the model market M(t) split by market_shares over the labs'
// current best models; an open model's lab also captures complement_value of what it gave up.
std::vector<double> demand_curve_revenue(const LabsSetup& s, const LabState& prev, Date date) {
  const LabModelParams& p = s.params;
  const double market =
      p.market_usd_per_year * std::pow(p.market_growth_per_year, years_between(s.start, date));
  const std::vector<double> share = market_shares(s, prev.capability, prev.best_open);
  const std::vector<double> share_if_closed =
      market_shares(s, prev.capability, std::vector<uint8_t>(s.n_labs, 0));
  std::vector<double> revenue(s.n_labs);
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    revenue[i] = market * share[i];
    if (prev.best_open[i])
      revenue[i] +=
          market * share_if_closed[i] * (1.0 - p.open_market_share) * s.labs[i].complement_value;
  }
  return revenue;
}

// The highest ln efficiency of another lab's latest release by `date` (-inf when none).
double best_other_release(const LabsSetup& s, const LabState& st, std::size_t i, Date date) {
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < s.n_labs; ++j)
    if (j != i && !(date < st.released_on[j])) best = std::max(best, st.released_log_efficiency[j]);
  return best;
}

}  // namespace

void step_labs(const LabsSetup& s, const LabState& prev, LabState& next, const LabInputs& in,
               const Tick& tick, StreamKey key) {
  const LabModelParams& p = s.params;
  next = prev;
  if (tick.dt_years <= 0.0) return;
  // Revenue: what adopters pay, or (in a scenario without adopters) the demand curve.
  std::vector<double> revenue(s.n_labs);
  if (!in.api_revenue_usd_per_year.empty()) {
    for (std::size_t i = 0; i < s.n_labs; ++i)
      revenue[i] = in.api_revenue_usd_per_year[i] +
                   (in.subscription_revenue_usd_per_year.empty()
                        ? 0.0
                        : in.subscription_revenue_usd_per_year[i]) +
                   s.labs[i].complement_value * in.open_spend_usd_per_year[i];
  } else {
    revenue = demand_curve_revenue(s, prev, tick.date);
  }

  for_each_lab(s.n_labs, [&](std::size_t i) {
    const LabConfig& lab = s.labs[i];
    // docs/model.md §"Labs: founding": nothing before it; on the tick it falls in, the lab gets
    // its starting capital and its flows count from that day.
    if (!founded_by(lab, tick.date)) {
      next.revenue_usd_per_year[i] = 0.0;
      return;
    }
    if (exited(prev, i)) {  // docs/model.md §"Labs: money": nothing more, its staff leave
      next.revenue_usd_per_year[i] = 0.0;
      next.raised_usd[i] = 0.0;
      next.raised_from[i] = static_cast<uint8_t>(FundingSource::none);
      next.unpaid_usd[i] = 0.0;
      next.chip_spent_usd[i] = 0.0;
      next.talent[i] = prev.talent[i] * std::exp(-p.shrink_per_year * tick.dt_years);
      return;
    }
    const bool founding = tick.covers(lab.founded);
    const double dt = founding ? years_between(lab.founded, tick.date) : tick.dt_years;
    if (dt <= 0.0) {  // founded today
      next.capital_usd[i] = prev.capital_usd[i] + lab.capital_usd;
      return;
    }
    const double sigma = p.efficiency_noise_sigma * std::sqrt(dt);
    // Money (docs/model.md §"Labs: money").
    next.revenue_usd_per_year[i] = revenue[i];
    // Net flow (USD/year): income less staff and running costs.
    const double staff = lab.talent_cost_usd_per_year * prev.talent[i] / lab.talent;
    const double flow = revenue[i] + lab.parent_budget_usd_per_year +
                        lab.state_funding_usd_per_year - staff -
                        p.opex_usd_per_h100e_year * in.compute_h100e[i];
    double capital = prev.capital_usd[i] + dt * flow + (founding ? lab.capital_usd : 0.0);
    for (const FundingRound& r : lab.funding_rounds)
      if (tick.covers(r.date)) {
        capital += r.usd;
        next.last_round[i] = r.date;
      }
    const double burn = std::max(0.0, prev.chip_spent_usd[i] / dt - flow);
    const Financing f = finance(lab, p, capital, burn, revenue[i], dt * staff,
                                years_between(next.last_round[i], tick.date));
    if (f.from == FundingSource::investors) next.last_round[i] = tick.date;
    next.chip_spent_usd[i] = 0.0;
    next.capital_usd[i] = f.capital;
    next.raised_usd[i] = f.raised;
    next.raised_from[i] = static_cast<uint8_t>(f.from);
    next.unpaid_usd[i] = f.unpaid;
    next.pay_factor[i] = f.pay_factor;
    // Cuts fall on chips first: the lab keeps a reserve for its net operating costs. A lab
    // that has left its staff unpaid for exit_after_unpaid_years exits.
    next.reserve_usd[i] = p.operating_reserve_years * std::max(0.0, -flow);
    next.unpaid_years[i] = f.unpaid > 0.0 ? prev.unpaid_years[i] + dt : 0.0;
    if (p.exit_after_unpaid_years > 0.0 && next.unpaid_years[i] >= p.exit_after_unpaid_years)
      exit_lab(next, i, tick.date);
    const double target = lab.talent * f.pay_factor;
    next.talent[i] =
        prev.talent[i] + (target - prev.talent[i]) * (1.0 - std::exp(-p.shrink_per_year * dt));

    // Research (docs/model.md §"Labs: efficiency"): ln A grows by ln g per year at full talent,
    // more when compute is scarce (the hypothesis scarcity_elasticity), plus noise.
    next.scarcity[i] = in.scarcity[i];
    RandomStream rng(key, tick.index, i);
    double growth = mean_log_efficiency_growth(lab, tick.previous, tick.date) *
                    (prev.talent[i] / lab.talent) * (1.0 + p.scarcity_elasticity * in.scarcity[i]);
    if (p.lead_difficulty > 0.0)
      growth *=
          lead_drive(p, std::log(prev.efficiency[i]) - best_other_release(s, prev, i, tick.date));
    if (p.research_input_elasticity != 0.0 || p.research_difficulty != 0.0) {
      const double compute = std::max(lab.research_share * in.training_h100e[i], 1.0);
      const double people =
          std::max(in.researchers.empty() ? lab.researchers : in.researchers[i], 1.0);
      const double input = std::pow(compute, p.research_compute_weight) *
                           std::pow(people, 1.0 - p.research_compute_weight);
      if (!(prev.research_input0[i] > 0.0)) next.research_input0[i] = input;
      growth *= research_drive(p, input, next.research_input0[i], prev.efficiency[i],
                               lab.initial_efficiency);
    }
    next.efficiency[i] = prev.efficiency[i] * std::exp(growth * dt + sigma * rng.normal()) *
                         efficiency_step_factor(lab, tick.previous, tick.date);
  });

  apply_spillovers(s, prev, next, tick);

  // The runs under way gain the compute since the last tick. A run keeps the compute of the
  // first research tick on or after its start (docs/model.md §"Training runs and releases").
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    if (!founded_by(s.labs[i], tick.date) || exited(next, i)) continue;
    count_run_flop(next, i, tick.date);
    next.training_h100e[i] = in.training_h100e[i];
    // docs/model.md §3.3.8: a lab with nothing to train on (a pause) stops its run where it is;
    // when it has compute again the run goes on at the rate of that day.
    if (!(in.training_h100e[i] > 0.0)) next.run_flop_per_second[i] = 0.0;
    if (!(next.run_start[i] < tick.previous) || next.run_flop_per_second[i] == 0.0) {
      // The share of the day the run started (docs/model.md §3.3.4 "The race onset").
      const double share = frontier_training_share(s, i, next.run_start[i]);
      next.run_flop_per_second[i] = flop_per_second(in.training_h100e[i], share, p);
      if (next.run_is_base[i]) next.base_h100e[i] = share * in.training_h100e[i];
    }
  }
}

namespace {
Date next_weekday(Date d) {
  while (d.weekday() > 5) d = d.plus_days(1);  // labs announce on working days
  return d;
}
}  // namespace

PendingModel planned_release(const LabsSetup& s, std::size_t i, Date run_end,
                             double post_training_days) {
  PendingModel m;
  m.run_end = run_end;
  const double hold = std::max(post_training_days, lab_run_length_days(s, i, run_end));
  const Date latest = run_end.plus_days(static_cast<int64_t>(std::lround(hold)));
  for (Date d : s.fixed_releases[i])  // sorted
    if (!(d < run_end) && !(latest < d)) {
      m.on = d;
      m.fixed = true;
      return m;
    }
  const Date planned = run_end.plus_days(static_cast<int64_t>(std::lround(post_training_days)));
  const Date first = s.labs[i].first_release;
  m.fixed = planned < first;
  m.on = m.fixed ? first : next_weekday(planned);
  return m;
}

void step_runs(const LabsSetup& s, LabState& state, const LabInputs& in, Date date,
               StreamKey plan_key, StreamKey choice_key, std::vector<Release>& released) {
  const LabModelParams& p = s.params;
  // Runs that end today go into post-training and the next run starts. A newer model due no
  // later than an older one replaces it: the lab releases the newer one instead.
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    if (exited(state, i)) continue;
    // On a fixed day with nothing trained for it the lab ends the run under way and releases it.
    const std::vector<Date>& fixed = s.fixed_releases[i];
    if (date < state.run_end[i] && std::binary_search(fixed.begin(), fixed.end(), date) &&
        std::none_of(state.pending[i].begin(), state.pending[i].end(),
                     [&](const PendingModel& m) { return m.on == date; }))
      state.run_end[i] = date;
    if (date < state.run_end[i]) continue;
    count_run_flop(state, i, state.run_end[i]);
    const bool base = state.run_is_base[i] != 0;
    if (base && !(state.run_flop[i] > 0.0)) {  // no chips yet: nothing trained, nothing released
      plan_run(s, state, i, date, plan_key);
      continue;
    }
    // docs/model.md §"Labs: bases and updates": a base's model is its pre-training; an update
    // adds update_compute_share of the base's FLOP to it. A model beyond the best released one
    // is evaluated the longer the further beyond it is.
    if (base) {
      state.base_flop[i] = state.run_flop[i];
      state.base_end[i] = state.run_end[i];
    }
    const double flop = base ? state.run_flop[i] : state.base_flop[i] * (1.0 + p.update_compute_share);
    double post_days = state.run_post_days[i];
    if (p.evaluation_days_per_decade > 0.0) {
      double frontier = 0.0;
      for (std::size_t j = 0; j < s.n_labs; ++j)
        if (holds_model(state, j)) frontier = std::max(frontier, state.capability[j]);
      post_days += evaluation_days(
          p, capability_from_compute(flop * state.efficiency[i]) - frontier);
    }
    if (!in.evaluation_days.empty()) post_days += in.evaluation_days[i];  // §3.3.8 rules
    PendingModel m = planned_release(s, i, state.run_end[i], post_days);
    if (const DatedRun* r = dated_run_from(s.labs[i], state.run_start[i])) {
      m.on = r->release;  // docs/model.md §3.3.4 "Dated runs": on its own day, never rushed
      m.fixed = m.dated = true;
    }
    m.on = std::max(m.on, date);
    m.flop = flop;
    m.base = base;
    m.run_start = state.run_start[i];
    std::vector<PendingModel>& queue = state.pending[i];
    plan_run(s, state, i, date, plan_key);
    // On a dated run's release day the lab releases the largest model it has finished: a model
    // due by then takes that day if it is larger, and is not released if it is not.
    const auto dated = std::find_if(queue.begin(), queue.end(), [&](const PendingModel& old) {
      return old.dated && !(old.on < m.on);
    });
    if (dated != queue.end()) {
      if (!(m.flop > dated->flop)) continue;
      m.on = dated->on;
      m.fixed = m.dated = true;
    }
    std::erase_if(queue, [&](const PendingModel& old) { return !(old.on < m.on); });
    queue.push_back(m);
  }
  // Models whose day has come are released; every choice reads the state of this morning.
  std::optional<LabState> before;
  const std::size_t first = released.size();
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    std::vector<PendingModel>& queue = state.pending[i];
    if (queue.empty() || date < queue.front().on) continue;
    if (!before) before = state;
    const PendingModel m = queue.front();
    queue.erase(queue.begin());
    release_model(
        s, *before, state, i, m, date, in.open_encouragement[s.country[i]],
        !in.open_banned.empty() && in.open_banned[i] != 0,
        RandomStream(choice_key, static_cast<uint64_t>(date.days_since_epoch()), 2 * s.n_labs + i),
        released);
  }
  // Racing: a rival's release better than a lab's own best brings its next release forward.
  if (p.rush_share <= 0.0) return;
  for (std::size_t k = first; k < released.size(); ++k) {
    const Release& r = released[k];
    for (std::size_t i = 0; i < s.n_labs; ++i) {
      std::vector<PendingModel>& queue = state.pending[i];
      if (i == r.lab || queue.empty() || queue.front().fixed || !(date < queue.front().on))
        continue;
      if (!(r.capability > before->capability[i])) continue;
      PendingModel& next = queue.front();
      const double left = static_cast<double>(next.on.days_since_epoch() - date.days_since_epoch());
      next.on = std::min(next.on, next_weekday(date.plus_days(static_cast<int64_t>(
                                      std::ceil(left * (1.0 - p.rush_share))))));
    }
  }
}

double post_training_gain(const LabsSetup& s, std::size_t i, Date date) {
  const LabModelParams& p = s.params;
  if (date < p.reasoning_shown) return 1.0;
  if (s.labs[i].shows_reasoning) return p.reasoning_gain;
  return date < p.reasoning_shown.plus_days(spillover_lag_days(p)) ? 1.0 : p.reasoning_gain;
}

double lead_drive(const LabModelParams& p, double lead) {
  return std::exp(-p.lead_difficulty * std::max(0.0, lead));
}

double research_drive(const LabModelParams& p, double research_input, double first_input,
                      double efficiency, double initial_efficiency) {
  return std::pow(research_input / first_input, p.research_input_elasticity) *
         std::pow(efficiency / initial_efficiency, -p.research_difficulty);
}

Financing finance(const LabConfig& lab, const LabModelParams& p, double capital,
                  double burn_usd_per_year, double revenue_usd_per_year, double staff_cost_usd,
                  double years_since_round) {
  Financing f;
  f.capital = capital;
  if (capital >= 0.0) return f;
  const double wanted = -capital + p.funding_runway_years * burn_usd_per_year;
  if (lab.state_linked) {
    f.from = FundingSource::state;
    f.raised = wanted;
  } else if (lab.parent_budget_usd_per_year > 0.0) {
    f.from = FundingSource::parent;
    f.raised = wanted;
  } else if (years_since_round >= p.years_between_rounds) {
    f.raised = std::min(wanted, p.max_dilution * p.revenue_multiple * revenue_usd_per_year);
    if (f.raised > 0.0) f.from = FundingSource::investors;
  }
  f.capital += f.raised;
  if (f.capital < 0.0) {
    // Cuts: staff are paid what is left of their pay; the capital stays at zero.
    f.unpaid = -f.capital;
    f.pay_factor = staff_cost_usd > 0.0 ? std::clamp(1.0 - f.unpaid / staff_cost_usd, 0.0, 1.0)
                                        : 0.0;
    f.capital = 0.0;
  }
  return f;
}

void charge_chip_spending(LabState& state, std::span<const double> spent_usd) {
  for (std::size_t i = 0; i < state.capital_usd.size(); ++i) {
    state.capital_usd[i] -= spent_usd[i];
    state.chip_spent_usd[i] += spent_usd[i];
  }
}

}  // namespace airace
