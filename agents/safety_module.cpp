#include "agents/safety_module.hpp"

#include <cmath>
#include <limits>

namespace airace {

void SafetyModule::start() { world_.safety = initial_safety_state(*c_.setup); }

void SafetyModule::declare_axes(Declarations& d) {
  severities_ = d.add_axis({"safety",
                            "severity",
                            "severities of incident: serious (real harm at scale traced to a "
                            "model) and severe (deaths or damage above USD 1B)",
                            {kSeverityNames, kSeverityNames + kSeverityCount},
                            {}});
  std::vector<std::string> ids, kinds;
  for (const AgreementSpec& a : c_.setup->params.agreements) {
    ids.push_back(a.id);
    kinds.push_back(a.kind == AgreementKind::evaluations ? "evaluations"
                    : a.kind == AgreementKind::pause     ? "pause"
                                                         : "incident_reporting");
  }
  if (!ids.empty())
    agreements_ = d.add_axis({"safety",
                              "agreement",
                              "agreements between governments (safety.agreements)",
                              ids,
                              {{"agreement_kind", "", "what it binds the parties to", kinds}}});
}

void SafetyModule::declare(Declarations& d) {
  std::vector<std::string> reads = {part::labs};
  if (c_.adoption) reads.push_back(part::adoption);
  const std::size_t step =
      d.step({"safety.decide", c_.cadence, reads, {}, {part::safety}, [this](const Tick& t) {
                decide(t);
              }});
  const AxisId labs = d.axis("labs", "lab");
  const AxisId countries = d.axis("countries", "country");
  incidents_log_ = d.add_event_table(
      {"incidents",
       "incident",
       "safety incidents (docs/model.md §3.3.8 \"Incidents\"): one row per incident",
       {{"lab", "", "the lab whose model it is traced to", EventColumn::Kind::entity, labs},
        {"country", "", "the lab's country", EventColumn::Kind::entity, countries},
        {"date", "", "the research tick it fell in", EventColumn::Kind::date, 0},
        {"severity", "", "how grave", EventColumn::Kind::entity, severities_},
        {"open", "0 or 1", "1: the lab's best model had open weights", EventColumn::Kind::flag,
         0}}});

  const SafetyState& st = world_.safety;
  // A series per lab, of numbers or of 0/1 flags.
  auto per_lab = [&](SeriesDecl decl, const auto& values) {
    decl.group = "safety";
    decl.entity_axes = {labs};
    d.series(step, std::move(decl), [p = &values](SeriesRow& r) {
      for (std::size_t i = 0; i < p->size(); ++i) r.set(i, static_cast<double>((*p)[i]));
    });
  };
  per_lab({"", "effort", "fraction of compute",
           "share of the lab's compute spent on safety: evaluations, alignment research, "
           "security of its weights"},
          st.effort);
  per_lab({"", "no_race_effort", "fraction of compute",
           "the effort it would choose with no rival pressing it (same incidents and rules): "
           "the no-race counterfactual"},
          st.no_race_effort);
  per_lab({"", "race_pressure", "0 to 1",
           "closeness of its nearest rival times its nearness to the frontier"},
          st.race_pressure);
  per_lab({"", "training_factor", "x",
           "compute its training runs get, against what the scenario gives it at its stance "
           "(0: paused)"},
          st.training_factor);
  per_lab({"", "incident_memory", "memory units",
           "incidents it remembers (a serious one 1, a severe one safety.severe_weight), fading"},
          st.memory);
  per_lab({"", "reputation_loss", "utility",
           "utility adopters lose on the lab's models after its own incidents"},
          st.reputation_loss);
  per_lab({"", "evaluated", "0 or 1", "1: an evaluation rule or agreement binds the lab"},
          st.evaluated);
  per_lab({"", "paused", "0 or 1", "1: a pause stops its training runs"}, st.paused);
  d.series(step,
           {"safety", "incidents", "incidents",
            "incidents traced to the country's labs since the start",
            {countries, severities_}},
           [p = &st.incidents](SeriesRow& r) { r.set_all(*p); });
  d.series(step,
           {"safety", "compute_demand_loss", "ln",
            "investors' expected AI compute demand lost to the incidents they remember (the "
            "markets' compute factor is lowered by it)",
            {}},
           [this](SeriesRow& r) { r.set(world_.safety.demand_loss_ln); });
  d.series(step,
           {"safety", "frontier_gap_log10", "log10 FLOP (effective)",
            "the best lab's lead over the next lab (race intensity: small is a close race)",
            {}},
           [this](SeriesRow& r) { r.set(frontier_gap_); });
  d.series(step,
           {"safety", "us_cn_gap_log10", "log10 FLOP (effective)",
            "the best US lab's capability less the best Chinese lab's (negative: China leads)",
            {}},
           [this](SeriesRow& r) { r.set(us_cn_gap_); });
  if (!c_.setup->params.agreements.empty()) {
    d.series(step,
             {"safety", "agreement_in_force", "0 or 1",
              "1 while the agreement is signed and no breach has been found", {agreements_}},
             [this](SeriesRow& r) {
               const SafetyState& s = world_.safety;
               for (std::size_t a = 0; a < s.agreement_broken.size(); ++a)
                 r.set(a, s.agreement_signed[a] >= 0.5 && !s.agreement_broken[a] ? 1.0 : 0.0);
             });
    d.series(step,
             {"safety", "agreement_found_broken", "0 or 1",
              "1 while the agreement is signed but a breach of it has been found, which ended it",
              {agreements_}},
             [this](SeriesRow& r) {
               const SafetyState& s = world_.safety;
               for (std::size_t a = 0; a < s.agreement_broken.size(); ++a)
                 r.set(a, s.agreement_signed[a] >= 0.5 && s.agreement_broken[a] ? 1.0 : 0.0);
             });
    d.series(step,
             {"safety", "agreement_breached", "parties",
              "parties breaking the agreement in secret, found or not", {agreements_}},
             [this](SeriesRow& r) {
               const SafetyState& s = world_.safety;
               const std::size_t k = c_.setup->n_countries;
               for (std::size_t a = 0; a < s.agreement_broken.size(); ++a) {
                 double n = 0.0;
                 for (std::size_t c = 0; c < k; ++c) n += s.defecting[a * k + c];
                 r.set(a, n);
               }
             });
  }
}

void SafetyModule::decide(const Tick& t) {
  const SafetySetup& s = *c_.setup;
  const LabState& labs = world_.labs;
  const std::size_t n = s.n_labs;
  std::vector<double> capability(n), training_flop(n), deployment;
  std::vector<uint8_t> active(n);
  for (std::size_t i = 0; i < n; ++i) {
    active[i] = !exited(labs, i);
    capability[i] = holds_model(labs, i) ? labs.capability[i] : std::nan("");
    training_flop[i] = labs.base_flop[i];
  }
  if (c_.adoption) {
    const AdoptionOutcome& a = world_.adoption;
    deployment.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      if (i < a.api_revenue_usd_per_year.size()) deployment[i] += a.api_revenue_usd_per_year[i];
      if (i < a.open_spend_usd_per_year.size()) deployment[i] += a.open_spend_usd_per_year[i];
      if (i < a.subscription_revenue_usd_per_year.size())
        deployment[i] += a.subscription_revenue_usd_per_year[i];
    }
  }
  const SafetyInputs in{capability, training_flop, labs.best_open, active, deployment};
  incidents_.clear();
  step_safety(s, world_.safety, in, t, run_.key(kSafetyStream), incidents_);
  for (const Incident& x : incidents_) {
    const double row[] = {static_cast<double>(x.lab), static_cast<double>(s.lab_country[x.lab]),
                          static_cast<double>(t.date.days_since_epoch()),
                          static_cast<double>(x.severity), x.open ? 1.0 : 0.0};
    incidents_log_.add(row);
  }
  // Race intensity.
  const double inf = std::numeric_limits<double>::infinity();
  double best = -inf, second = -inf, us = -inf, cn = -inf;
  for (std::size_t i = 0; i < n; ++i) {
    if (!active[i] || std::isnan(capability[i])) continue;
    const double c = capability[i];
    if (c > best) {
      second = best;
      best = c;
    } else if (c > second) {
      second = c;
    }
    if (s.lab_country[i] == s.us) us = std::max(us, c);
    if (s.lab_country[i] == s.cn) cn = std::max(cn, c);
  }
  frontier_gap_ = std::isfinite(second) ? best - second : std::nan("");
  us_cn_gap_ = std::isfinite(us) && std::isfinite(cn) ? us - cn : std::nan("");
}

}  // namespace airace
