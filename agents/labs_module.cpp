#include "agents/labs_module.hpp"

#include <algorithm>
#include <cmath>

namespace airace {

namespace {
// The kinds of /lab_finance rows (axis /labs/finance_kind). A rescue's kind is its
// FundingSource, whose `none` never makes a row: its place holds the scheduled rounds.
enum FinanceKind : std::size_t {
  kScheduledRound,
  kInvestors,
  kParent,
  kState,
  kUnpaid,
  kCut,
  kExit
};
static_assert(kInvestors == static_cast<std::size_t>(FundingSource::investors) &&
              kParent == static_cast<std::size_t>(FundingSource::parent) &&
              kState == static_cast<std::size_t>(FundingSource::state));
}  // namespace

void LabsModule::start() {
  cn_ = country_index(*c_.countries, "CN");
  world_.labs = initial_lab_state(*c_.setup, training_h100e(run_.start), run_.start,
                                  run_.key(kLabTrainingStream));
  wanted_value_.assign(c_.setup->n_labs, 0.0);
  obtained_value_.assign(c_.setup->n_labs, 0.0);
  cut_usd_.assign(c_.setup->n_labs, 0.0);
}

void LabsModule::declare_axes(Declarations& d) {
  std::vector<std::string> ids, names, countries, archetypes;
  for (const LabConfig& l : *c_.labs) {
    ids.push_back(l.id);
    names.push_back(l.name.empty() ? l.id : l.name);
    countries.push_back(l.country.id);
    archetypes.push_back(l.archetype.id);
  }
  labs_ = d.add_axis({"labs",
                      "lab",
                      "AI labs",
                      ids,
                      {{"lab_name", "", "display name", names},
                       {"lab_country", "", "home country", countries},
                       {"archetype", "", "kind of lab", archetypes}}});
  finance_kinds_ =
      d.add_axis({"labs",
                  "finance_kind",
                  "kinds of money event: a round of the scenario's funding_rounds, "
                  "money raised when the lab's ran out (from investors, its parent "
                  "or the state), staff costs it could not pay, chip spending it "
                  "planned but cut for want of money, its exit",
                  {"scheduled_round", "investors", "parent", "state", "unpaid", "cut", "exit"},
                  {}});
}

void LabsModule::declare(Declarations& d) {
  d.step({"labs.pay_for_chips", c_.supply_cadence, {part::supply}, {}, {part::labs},
          [this](const Tick&) { pay_for_chips(); }});
  std::vector<std::string> reads = {part::supply, part::governments};
  if (c_.adoption) reads.push_back(part::adoption);
  // Semi-endogenous research reads each lab's researchers (talent moves first the same day).
  if (research_effort() && c_.talent) reads.push_back(part::talent);
  // docs/model.md §3.3.8 "Safety": the rules and efforts the last safety tick left.
  const std::vector<std::string> previous =
      c_.safety ? std::vector<std::string>{part::safety} : std::vector<std::string>{};
  const std::size_t step =
      d.step({"labs.research", c_.cadence, reads, previous, {part::labs}, [this](const Tick& t) {
                research(t);
              }});
  d.step({"labs.runs",
          Cadence::daily,
          {part::governments, part::labs},
          previous,
          {part::labs, part::releases},
          [this](const Tick& t) { runs(t); }});

  releases_log_ = d.add_event_table(
      {"releases",
       "release",
       "model releases: one row per model a lab released",
       {{"lab", "", "the releasing lab", EventColumn::Kind::entity, labs_},
        {"country", "", "the lab's country", EventColumn::Kind::entity,
         d.axis("countries", "country")},
        {"date", "", "release date", EventColumn::Kind::date, 0},
        {"capability", "log10 FLOP (effective)", "capability of the model",
         EventColumn::Kind::number, 0},
        {"training_flop", "FLOP", "physical compute of its training run", EventColumn::Kind::number,
         0},
        {"effective_flop", "FLOP (2022-01 algorithms)",
         "training compute times the lab's algorithmic efficiency", EventColumn::Kind::number, 0},
        {"open", "0 or 1", "1: open weights, 0: closed access", EventColumn::Kind::flag, 0},
        {"run_start", "", "start of the model's pre-training run", EventColumn::Kind::date, 0},
        {"run_end", "", "end of its pre-training run (post-training followed until the release)",
         EventColumn::Kind::date, 0},
        {"base", "0 or 1",
         "1: a new base (its own pre-training run), 0: an update of the lab's base (run_start to "
         "run_end its post-training; training_flop the base's plus the update's)",
         EventColumn::Kind::flag, 0}}});

  finance_log_ = d.add_event_table(
      {"lab_finance",
       "event",
       "labs' money events (docs/model.md §\"Labs: money\"): one row per funding round, per "
       "rescue when a lab's money ran out, per research tick with staff costs left unpaid or "
       "chip spending cut, and per exit",
       {{"lab", "", "the lab", EventColumn::Kind::entity, labs_},
        {"date", "", "the research tick it fell in (a scheduled round: its own date)",
         EventColumn::Kind::date, 0},
        {"kind", "", "what happened", EventColumn::Kind::entity, finance_kinds_},
        {"usd", "USD",
         "money raised, costs left unpaid, chip spending cut, or (an exit) the capital left",
         EventColumn::Kind::number, 0}}});

  const LabState& st = world_.labs;
  auto series = [&](SeriesDecl decl, const std::vector<double>& values) {
    decl.entity_axes = {labs_};
    d.series(step, std::move(decl), [p = &values](SeriesRow& r) { r.set_all(*p); });
  };
  series({"labs", "training_compute_h100e", "H100e (training value)",
          "compute the lab trains on: its chips at their training value, rented remote compute "
          "and compute lent by a national pool"},
         training_);
  series({"labs", "algorithmic_efficiency", "x 2022-01 algorithms",
          "effective compute per physical FLOP, relative to 2022-01 algorithms"},
         st.efficiency);
  d.series(step,
           {"labs", "capability", "log10 FLOP (effective)",
            "capability of the lab's best released model: log10 of its effective training "
            "compute (NaN before a lab founded after the start has released a model)",
            {labs_}},
           [this](SeriesRow& r) {
             const LabState& l = world_.labs;
             for (std::size_t i = 0; i < l.capability.size(); ++i)
               r.set(i, holds_model(l, i) ? l.capability[i] : std::nan(""));
           });
  d.series(step,
           {"labs", "best_model_open", "0 or 1", "1 when the lab's best model has open weights",
            {labs_}},
           [this](SeriesRow& r) {
             for (std::size_t i = 0; i < world_.labs.best_open.size(); ++i)
               r.set(i, world_.labs.best_open[i]);
           });
  series({"labs", "capital_usd", "USD", "money the lab holds"}, st.capital_usd);
  series({"labs", "revenue_usd_per_year", "USD/year",
          "revenue from its models: per-token API use and subscriptions of its closed models, "
          "complements of its open ones"},
         st.revenue_usd_per_year);
  series({"labs", "talent", "index",
          "research talent (falls while the lab cannot pay its staff in full)"},
         st.talent);
  series({"labs", "pay_factor", "fraction",
          "share of its staff's pay the lab paid over the last research tick (below 1: its "
          "money ran out and no one would fund it)"},
         st.pay_factor);
  series({"labs", "compute_scarcity", "fraction",
          "share of the compute value (H100e) the lab's spending would have bought that it did "
          "not get: blocked by rules, rationed, or replaced by worse chips; since the last "
          "research tick"},
         st.scarcity);
  series({"labs", "releases", "models", "models released since the start"}, st.releases);
  series({"labs", "open_releases", "models", "open-weight models released since the start"},
         st.open_releases);
}

void LabsModule::pay_for_chips() {
  const SupplySetup& s = *c_.supply;
  charge_chip_spending(world_.labs,
                       std::span<const double>(world_.supply.spent_usd).first(s.n_labs));
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    wanted_value_[i] += world_.supply.wanted_value[i];
    obtained_value_[i] += world_.supply.obtained_value[i];
    cut_usd_[i] += world_.supply.cut_usd[i];
  }
}

std::vector<double> LabsModule::training_h100e(Date d) const {
  const SupplySetup& s = *c_.supply;
  std::vector<double> out(s.n_labs, 0.0);
  for (std::size_t i = 0; i < s.n_labs; ++i) out[i] = buyer_training_h100e(s, world_.supply, i);
  // docs/model.md §"Governments: computing pool": a share of state-linked cloud compute in
  // China, lent in equal parts to the Chinese labs.
  const LeverValues lever = levers_at(*c_.governments, world_.governments, d);
  const double pool_share = lever[static_cast<std::size_t>(Lever::cn_compute_pool_share)];
  if (pool_share <= 0.0) return out;
  double pool = 0.0;
  std::size_t cn_labs = 0;
  for (std::size_t b = s.n_labs; b < s.n_buyers; ++b)
    if (s.buyer_country[b] == cn_ && s.buyer_state_linked[b])
      pool += pool_share * buyer_training_h100e(s, world_.supply, b);
  for (std::size_t i = 0; i < s.n_labs; ++i) cn_labs += s.buyer_country[i] == cn_;
  for (std::size_t i = 0; i < s.n_labs; ++i)
    if (s.buyer_country[i] == cn_) out[i] += pool / static_cast<double>(cn_labs);
  return out;
}

std::vector<double> LabsModule::open_encouragement(Date d) const {
  const LeverValues lever = levers_at(*c_.governments, world_.governments, d);
  std::vector<double> encouragement(c_.countries->size(), 0.0);
  if (cn_ < encouragement.size())
    encouragement[cn_] = lever[static_cast<std::size_t>(Lever::cn_open_encouragement)];
  return encouragement;
}

void LabsModule::research(const Tick& t) {
  const SupplySetup& s = *c_.supply;
  training_ = training_h100e(t.date);
  // docs/model.md §3.3.8 "What effort costs": safety effort beyond the lab's stance, or a pause.
  if (c_.safety)
    for (std::size_t i = 0; i < s.n_labs; ++i) training_[i] *= world_.safety.training_factor[i];
  std::vector<double> compute(s.n_labs), scarcity(s.n_labs);
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    compute[i] = buyer_compute_h100e(s, world_.supply, i);
    // docs/model.md §"Labs: efficiency": the share of the compute value it wanted that it
    // did not get (blocked, rationed, or substituted by worse chips).
    scarcity[i] = wanted_value_[i] > 0.0
                      ? std::clamp(1.0 - obtained_value_[i] / wanted_value_[i], 0.0, 1.0)
                      : 0.0;
  }
  std::fill(wanted_value_.begin(), wanted_value_.end(), 0.0);
  std::fill(obtained_value_.begin(), obtained_value_.end(), 0.0);
  const std::vector<double> encouragement = open_encouragement(t.date);
  const LabInputs in{training_,
                     compute,
                     scarcity,
                     encouragement,
                     world_.adoption.api_revenue_usd_per_year,
                     world_.adoption.open_spend_usd_per_year,
                     world_.adoption.subscription_revenue_usd_per_year,
                     research_effort() && c_.talent ? std::span<const double>(world_.talent.researchers)
                                                    : std::span<const double>(),
                     {},   // evaluation days and open-weight bans act in the daily runs
                     {}};
  step_labs(*c_.setup, world_.labs, scratch_, in, t, run_.key(kLabEfficiencyStream));
  std::swap(world_.labs, scratch_);
  log_finance(t);
}

void LabsModule::log_finance(const Tick& t) {
  const LabState& st = world_.labs;
  auto row = [&](std::size_t lab, Date d, std::size_t kind, double usd) {
    const double r[] = {static_cast<double>(lab), static_cast<double>(d.days_since_epoch()),
                        static_cast<double>(kind), usd};
    finance_log_.add(r);
  };
  for (std::size_t i = 0; i < c_.setup->n_labs; ++i) {
    for (const FundingRound& r : c_.setup->labs[i].funding_rounds)
      if (t.covers(r.date)) row(i, r.date, kScheduledRound, r.usd);
    if (st.raised_usd[i] > 0.0) row(i, t.date, st.raised_from[i], st.raised_usd[i]);
    if (st.unpaid_usd[i] > 0.0) row(i, t.date, kUnpaid, st.unpaid_usd[i]);
    if (cut_usd_[i] > 0.0 && !exited(st, i)) row(i, t.date, kCut, cut_usd_[i]);  // plans die with it
    if (st.exited_on[i] == t.date) row(i, t.date, kExit, st.capital_usd[i]);
  }
  std::fill(cut_usd_.begin(), cut_usd_.end(), 0.0);
}

void LabsModule::runs(const Tick& t) {
  const std::vector<double> encouragement = open_encouragement(t.date);
  LabInputs in{};
  in.open_encouragement = encouragement;
  if (c_.safety) {
    in.evaluation_days = world_.safety.evaluation_days;
    in.open_banned = world_.safety.open_banned;
  }
  released_.clear();
  step_runs(*c_.setup, world_.labs, in, t.date, run_.key(kLabTrainingStream),
            run_.key(kLabEfficiencyStream), released_);
  for (const Release& r : released_) released(r);
}

void LabsModule::released(const Release& r) {
  world_.releases.push_back(r);
  const double row[] = {static_cast<double>(r.lab),
                        static_cast<double>(c_.setup->country[r.lab]),
                        static_cast<double>(r.date.days_since_epoch()),
                        r.capability,
                        r.training_flop,
                        r.effective_flop,
                        r.open ? 1.0 : 0.0,
                        static_cast<double>(r.run_start.days_since_epoch()),
                        static_cast<double>(r.run_end.days_since_epoch()),
                        r.base ? 1.0 : 0.0};
  releases_log_.add(row);
}

}  // namespace airace
