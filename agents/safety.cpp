#include "agents/safety.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace airace {

const Schema<AgreementSpec>& agreement_schema() {
  using A = AgreementSpec;
  static const Schema<AgreementSpec> s(
      "safety.agreements[]",
      {
          text("id", &A::id, {"unique id of the agreement", "", true}),
          choice("kind", &A::kind,
                 {{"evaluations", AgreementKind::evaluations},
                  {"pause", AgreementKind::pause},
                  {"incident_reporting", AgreementKind::incident_reporting}},
                 {"what it binds the parties' labs to: the evaluation rule (evaluations), no "
                  "frontier runs (pause), or learning from each other's incidents as from their "
                  "own (incident_reporting)",
                  "", true}),
          reference_list("parties", &A::parties, "countries",
                         {"the governments that sign it (two or more)", "", true}),
          number("in_force", &A::in_force, "0 or 1", between(0, 1),
                 changeable({"1 while signed: in force until a party's breach is found; set it "
                             "to 0 to leave it openly, to 1 again to sign it anew",
                             "a lever: dated policy events or seminar teams set it"})),
          number("defection_per_year", &A::defection_per_year, "1/year", between(0, 100),
                 {"rate at which a party breaks it in secret when its labs are under full race "
                  "pressure (the rate scales with the pressure on its most pressed lab)",
                  "judgement, range 0.1-1: arms-control treaties were broken in secret under "
                  "rivalry (the Soviet Biopreparat programme under the BWC, 1972-1992; Iraq's "
                  "undeclared programmes), and kept where verification was strong"}),
          number("verification_per_year", &A::verification_per_year, "1/year", between(0, 365),
                 {"rate at which a party's breach is found (inspection, compute monitoring, "
                  "intelligence); a breach found ends the agreement for every party",
                  "judgement, range 0.5-4: frontier training needs tens of thousands of "
                  "accelerators in data centres visible from their power draw (Shavit 2023, "
                  "'What does it take to catch a Chinchilla?'; Heim et al. 2024 on compute "
                  "governance)"}),
          text("source", &A::source, {"where the agreement comes from"}),
      });
  return s;
}

const Schema<SafetyParams>& safety_schema() {
  using P = SafetyParams;
  const std::string fli =
      "Future of Life Institute AI Safety Index, Summer 2025 (2025-07-17): Anthropic 2.64, "
      "OpenAI 2.10, Google DeepMind 1.76, xAI 1.23, Meta 1.06, Zhipu AI 0.62, DeepSeek 0.37; "
      "Winter 2025: Alibaba Cloud 0.98 (US grade points, A = 4)";
  static const Schema<SafetyParams> s(
      "safety",
      {
          number_map("grades", &P::grades, "labs or archetypes", "grade points", between(0, 4),
                     {"each lab's safety stance as a grade (0 = F to 4 = A): a lab's own entry, "
                      "else its archetype's, else default_grade",
                      fli}),
          number("default_grade", &P::default_grade, "grade points", between(0, 4),
                 {"the grade of a lab with no entry of its own or its archetype's",
                  "assumption: a D, as most graded labs"}),
          number("effort_per_grade", &P::effort_per_grade, "fraction of compute per grade point",
                 between(0, 1),
                 {"a lab's safety effort without race pressure or incidents (its stance) per "
                  "grade point of its grade",
                  "judgement, range 0.01-0.05: OpenAI pledged 20% of its 2023 compute to "
                  "superalignment (2023-07-05) and the team did not get it (Fortune, 2024-05-21); "
                  "safety is ~2% of AI research output (Emerging Technology Observatory, 2024): "
                  "0.025 puts a C lab (2 points) at 5% of its compute"}),
          number("max_effort", &P::max_effort, "fraction of compute", between(0, 1),
                 {"most of its compute a lab spends on safety", "assumption"}),
          number("race_sensitivity", &P::race_sensitivity, "fraction", between(-1, 1),
                 {"share of its stance a lab gives up under full race pressure (a rival level "
                  "with it at the frontier); negative: a close race raises effort",
                  "Armstrong, Bostrom & Shulman 2016 ('Racing to the precipice', AI & Society "
                  "31:201-206): teams skimp on safety the closer their capabilities; Stafford, "
                  "Trager & Dafoe 2022 ('Safety not guaranteed') find close races can raise "
                  "safety where the loser's loss is small: the sign is uncertain, range -0.2 to 0.9"}),
          number("race_gap_log10", &P::race_gap_log10, "log10 FLOP", between(0.01, 10),
                 {"capability gap to a rival (and distance below the frontier) at which its "
                  "pressure falls to 1/e",
                  "judgement, range 0.25-1: half a decade of effective compute is about six "
                  "months of frontier progress"}),
          number("domestic_rivalry", &P::domestic_rivalry, "fraction", between(0, 1),
                 {"weight of a rival in the lab's own country against one abroad",
                  "Armstrong et al. 2016: enmity between teams lowers safety; judgement, range "
                  "0.3-1"}),
          number("incident_response", &P::incident_response, "x per ln(1 + memory units)", between(0, 20),
                 {"effort multiplied by 1 + this x ln(1 + the lab's incident memory): the "
                  "first incidents alarm most, routine ones little",
                  "judgement, range 0.2-1: labs tightened policies after public incidents "
                  "(Microsoft's Tay, 2016; Bing chat limits, 2023-02)"}),
          number("memory_half_life_years", &P::memory_half_life_years, "years", between(0.01, 100),
                 {"half-life of an incident's memory", "judgement, range 0.5-3"}),
          number("severe_weight", &P::severe_weight, "memory units", between(0, 100),
                 {"memory a severe incident adds to its country's labs (a serious one adds 1)",
                  "judgement, range 3-10"}),
          number("foreign_learning", &P::foreign_learning, "fraction", between(0, 1),
                 {"share of an incident abroad that labs take in (1 under an incident-reporting "
                  "agreement between the two countries)",
                  "judgement, range 0.1-0.5: incidents abroad are less visible and less trusted"}),
          number("incident_trust_loss", &P::incident_trust_loss, "utility per ln(1 + memory units)",
                 between(0, 10),
                 {"utility adopters lose on a lab's models (closed and open) per ln(1 + the memory "
                  "of the lab's own incidents)",
                  "judgement, range 0.03-0.3: users stayed with ChatGPT after its 2023-03 data "
                  "leak and Italy's ban, and with Character.AI through its 2024 lawsuits; a "
                  "severe incident (5 memory units) costs 0.05-0.5, a fraction of the trust gap "
                  "between US and Chinese providers abroad"}),
          number("incident_demand_loss", &P::incident_demand_loss,
                 "ln per ln(1 + memory units)", between(0, 1),
                 {"fall of investors' expected AI compute demand (ln, the markets' compute "
                  "factor) per ln(1 + the memory of incidents anywhere: a serious one 1, a "
                  "severe one severe_weight, fading): the first incidents move investors most",
                  "judgement, range 0-0.05: a first severe incident (ln 6 = 1.8) prices a 10-30% "
                  "chance of restrictive regulation that would cut compute demand by 30-50% (the "
                  "pause the FLI letter asked for), 2-9%; serious incidents moved no market in "
                  "2023-2025"}),
          number("us_evaluation_required", &P::us_evaluation_required, "0 or 1", between(0, 1),
                 changeable({"1: US labs whose runs reach evaluation_threshold_flop must have "
                             "their models evaluated before release",
                             "Executive Order 14110 (2023-10-30) required reports on runs above "
                             "1e26 FLOP, not evaluations; revoked 2025-01-20"})),
          number("cn_evaluation_required", &P::cn_evaluation_required, "0 or 1", between(0, 1),
                 changeable({"1: Chinese labs whose runs reach evaluation_threshold_flop must "
                             "have their models evaluated before release",
                             "CAC Interim Measures for Generative AI Services (in force "
                             "2023-08-15): a security assessment and algorithm filing before a "
                             "public service"})),
          number("us_frontier_pause", &P::us_frontier_pause, "0 or 1", between(0, 1),
                 changeable({"1: US labs within pause_band_log10 of the frontier train no runs",
                             "FLI open letter 'Pause giant AI experiments' (2023-03-22)"})),
          number("cn_frontier_pause", &P::cn_frontier_pause, "0 or 1", between(0, 1),
                 changeable({"1: Chinese labs within pause_band_log10 of the frontier train no "
                             "runs"})),
          number("us_open_weight_ban", &P::us_open_weight_ban, "0 or 1", between(0, 1),
                 changeable({"1: US labs release closed models only"})),
          number("cn_open_weight_ban", &P::cn_open_weight_ban, "0 or 1", between(0, 1),
                 changeable({"1: Chinese labs release closed models only"})),
          number("us_compute_reporting", &P::us_compute_reporting, "0 or 1", between(0, 1),
                 changeable({"1: US labs report their training runs of evaluation_threshold_flop "
                             "and more to the government, which makes a US breach of an "
                             "agreement reporting_verification times easier to find",
                             "Executive Order 14110 (2023-10-30, revoked 2025-01-20) required "
                             "reports on runs above 1e26 FLOP"})),
          number("cn_compute_reporting", &P::cn_compute_reporting, "0 or 1", between(0, 1),
                 changeable({"1: Chinese labs report their large training runs, which makes a "
                             "Chinese breach of an agreement reporting_verification times easier "
                             "to find"})),
          number("reporting_verification", &P::reporting_verification, "x", between(1, 100),
                 {"how much faster a breach by a party whose labs report their large runs is "
                  "found: declared runs can be checked against chips, power and cloud records",
                  "judgement, range 2-5: verification of declared sites and quantities is "
                  "what arms-control inspections rest on (Shavit 2023, 'What does it take to "
                  "catch a Chinchilla?')"}),
          number("severe_incident_regulates", &P::severe_incident_regulates, "0 or 1",
                 between(0, 1),
                 changeable({"1: after a severe incident by one of its labs a government "
                             "requires evaluations for the rest of the run",
                             "assumption: the EU AI Act and China's 2023 measures followed "
                             "public alarm rather than preceding it"})),
          number("evaluation_floor", &P::evaluation_floor, "fraction of compute", between(0, 1),
                 {"least safety effort of a lab an evaluation rule binds",
                  "judgement, range 0.05-0.2: dangerous-capability evaluations, red-teaming and "
                  "the fixes they bring"}),
          number("evaluation_days", &P::evaluation_days, "days", between(0, 730),
                 {"days an evaluation rule adds before each release of a lab it binds",
                  "judgement, range 30-120: pre-deployment tests by the UK and US AI Safety "
                  "Institutes took weeks (o1, 2024-12); CAC filings take months"}),
          number("evaluation_threshold_flop", &P::evaluation_threshold_flop, "FLOP", at_least(0),
                 {"physical training compute of its latest run at which a rule binds a lab",
                  "Executive Order 14110's reporting threshold; EU AI Act's systemic-risk "
                  "presumption is 1e25"}),
          number("pause_band_log10", &P::pause_band_log10, "log10 FLOP", between(0, 10),
                 {"a pause binds the labs whose best model is within this of the world's best",
                  "the FLI letter asked for no training 'more powerful than GPT-4': the frontier "
                  "labs; judgement, range 0.2-0.5"}),
          number("serious_per_year", &P::serious_per_year, "1/year", between(0, 1000),
                 {"world rate of serious incidents (misuse or an accident with real harm at "
                  "scale, publicly traced to a lab's model) at the reference capability, for a "
                  "field whose effort is that of a C lab",
                  "one to three known in 2025 (Anthropic's threat reports: data extortion of 17 "
                  "organisations with Claude Code, 2025-08-27; a state-backed cyber-espionage "
                  "campaign, 2025-11-13) from a field with open weights and labs below a C, which "
                  "raise the rate ~2-3x over this reference: judgement, range 0.15-1.5"}),
          number("severe_per_year", &P::severe_per_year, "1/year", between(0, 1000),
                 {"world rate of severe incidents (deaths or damage above USD 1B traced to a "
                  "model) at the reference capability",
                  "none by 2025: judgement, range 0.01-0.1"}),
          number("reference_capability_log10", &P::reference_capability_log10,
                 "log10 FLOP (effective)", between(0, 100),
                 {"capability at which the rates hold", "the baseline's frontier around 2025"}),
          number("capability_elasticity", &P::capability_elasticity, "log10 per log10 FLOP",
                 between(0, 5),
                 {"how much faster incidents come per decade of capability (and the deployment "
                  "that grows with it)",
                  "judgement, range 0-0.6: AI Incident Database reports grew ~30-60%/year "
                  "2020-2024 while the frontier grew ~1 decade a year"}),
          number("effort_risk_scale", &P::effort_risk_scale, "fraction of compute",
                 between(0.001, 100),
                 {"safety effort above a C lab's that cuts a lab's incident rate by 1/e",
                  "judgement, range 0.02-0.2"}),
          number("open_risk_multiplier", &P::open_risk_multiplier, "x", between(0, 100),
                 {"incident rate of a lab whose best model has open weights, against a closed one",
                  "open weights cannot be recalled and their safeguards can be removed (Seger "
                  "et al. 2023, 'Open-sourcing highly capable foundation models'); judgement, "
                  "range 1-4"}),
          custom<P>({"agreements", "list", "", "[]", "",
                     "agreements between governments (see safety.agreements[] below)", ""},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      out.agreements =
                          read_entity_list(n, path, agreement_schema(), AgreementSpec{}, d);
                    }),
      });
  return s;
}

SafetySetup resolve_safety(const SafetyParams& params, const std::vector<std::string>& lab_ids,
                           const std::vector<std::string>& lab_archetypes,
                           const std::vector<std::size_t>& lab_countries,
                           const std::vector<std::string>& country_ids, Diagnostics& diags) {
  SafetySetup s;
  s.params = params;
  s.n_labs = lab_ids.size();
  s.n_countries = country_ids.size();
  s.lab_country = lab_countries;
  for (std::size_t c = 0; c < country_ids.size(); ++c) {
    if (country_ids[c] == "US") s.us = c;
    if (country_ids[c] == "CN") s.cn = c;
  }
  std::vector<std::string> targets = lab_ids;
  for (const std::string& a : lab_archetypes)
    if (!a.empty() && std::find(targets.begin(), targets.end(), a) == targets.end())
      targets.push_back(a);
  for (const KeyedNumber& g : params.grades)
    resolve_reference(g.key, "safety.grades." + g.key.id, targets, "labs or archetypes", diags);
  auto grade_of = [&](const std::string& id) -> const double* {
    for (const KeyedNumber& g : params.grades)
      if (g.key.id == id) return &g.value;
    return nullptr;
  };
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    const double* g = grade_of(lab_ids[i]);
    if (g == nullptr && !lab_archetypes[i].empty()) g = grade_of(lab_archetypes[i]);
    s.stance.push_back(std::min(params.max_effort,
                                params.effort_per_grade * (g ? *g : params.default_grade)));
  }
  for (std::size_t a = 0; a < params.agreements.size(); ++a) {
    const AgreementSpec& ag = params.agreements[a];
    const std::string path = "safety.agreements[" + ag.id + "].parties";
    std::vector<std::size_t> parties;
    for (const EntityRef& p : ag.parties)
      if (auto c = resolve_reference(p, path, country_ids, "countries", diags)) {
        if (std::find(parties.begin(), parties.end(), *c) != parties.end())
          diags.error(p.where, path, "country '" + p.id + "' is named twice");
        parties.push_back(*c);
      }
    if (ag.parties.size() < 2)
      diags.error(ag.where, path, "an agreement needs at least two parties, found " +
                                      std::to_string(ag.parties.size()));
    s.parties.push_back(std::move(parties));
  }
  return s;
}

SafetyState initial_safety_state(const SafetySetup& setup) {
  const std::size_t n = setup.n_labs, k = setup.n_countries, a = setup.parties.size();
  SafetyState st;
  st.effort = setup.stance;
  st.no_race_effort = setup.stance;
  st.training_factor.assign(n, 1.0);
  st.evaluation_days.assign(n, 0.0);
  st.open_banned.assign(n, 0);
  st.race_pressure.assign(n, 0.0);
  st.paused.assign(n, 0);
  st.evaluated.assign(n, 0);
  st.memory.assign(n, 0.0);
  st.own_memory.assign(n, 0.0);
  st.reputation_loss.assign(n, 0.0);
  st.incidents.assign(k * kSeverityCount, 0.0);
  st.regulated_after_incident.assign(k, 0);
  st.agreement_broken.assign(a, 0);
  st.agreement_signed.assign(a, 0.0);
  st.defecting.assign(a * k, 0);
  return st;
}

namespace {

bool holds(const SafetyInputs& in, std::size_t i) {
  return in.active[i] != 0 && !std::isnan(in.capability[i]);
}

double frontier_of(const SafetyInputs& in) {
  double f = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < in.capability.size(); ++i)
    if (holds(in, i)) f = std::max(f, in.capability[i]);
  return f;
}

// The share of the world's use of models that lab i's models take (equal among the labs holding
// a model when there is no use to go by).
std::vector<double> deployment_shares(const SafetyInputs& in) {
  const std::size_t n = in.capability.size();
  std::vector<double> share(n, 0.0);
  double total = 0.0;
  std::size_t holders = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (holds(in, i)) {
      ++holders;
      if (!in.deployment.empty()) total += std::max(0.0, in.deployment[i]);
    }
  for (std::size_t i = 0; i < n; ++i)
    if (holds(in, i))
      share[i] = total > 0.0 ? std::max(0.0, in.deployment[i]) / total
                             : 1.0 / static_cast<double>(holders);
  return share;
}

// A Poisson count of mean `mean` by inversion of one uniform (the means here are small).
int poisson(double mean, RandomStream& draw) {
  if (!(mean > 0.0)) return 0;
  const double u = draw.uniform();
  double p = std::exp(-mean), cumulative = p;
  int k = 0;
  while (u > cumulative && k < 1000) {
    ++k;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

// Whether a government's own rule is on for country c: `us` for the US, `cn` for China (0 or 1);
// other countries have none.
bool own_rule(const SafetySetup& s, std::size_t c, double us, double cn) {
  return (c == s.us && us >= 0.5) || (c == s.cn && cn >= 0.5);
}

// Whether country c is a party of agreement a.
bool party(const SafetySetup& s, std::size_t a, std::size_t c) {
  return std::find(s.parties[a].begin(), s.parties[a].end(), c) != s.parties[a].end();
}

// Whether agreement a binds country c now: signed, not found broken, c a party keeping it.
bool binds(const SafetySetup& s, const SafetyState& st, std::size_t a, std::size_t c) {
  return s.params.agreements[a].in_force >= 0.5 && !st.agreement_broken[a] && party(s, a, c) &&
         !st.defecting[a * s.n_countries + c];
}

}  // namespace

std::vector<double> race_pressure(const SafetySetup& s, const SafetyInputs& in) {
  const SafetyParams& p = s.params;
  std::vector<double> pressure(s.n_labs, 0.0);
  const double frontier = frontier_of(in);
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    if (!holds(in, i)) continue;
    double closest = 0.0;
    for (std::size_t j = 0; j < s.n_labs; ++j) {
      if (j == i || !holds(in, j)) continue;
      const double weight = s.lab_country[j] == s.lab_country[i] ? p.domestic_rivalry : 1.0;
      closest = std::max(
          closest, weight * std::exp(-std::abs(in.capability[i] - in.capability[j]) / p.race_gap_log10));
    }
    const double prize = std::exp(-(frontier - in.capability[i]) / p.race_gap_log10);
    pressure[i] = closest * prize;
  }
  return pressure;
}

double safety_effort(const SafetyParams& p, double stance, double pressure, double memory,
                     bool evaluated) {
  double e = stance * (1.0 - p.race_sensitivity * pressure) *
             (1.0 + p.incident_response * std::log1p(std::max(0.0, memory)));
  e = std::clamp(e, 0.0, p.max_effort);
  return evaluated ? std::max(e, p.evaluation_floor) : e;
}

double incident_rate_per_year(const SafetySetup& s, const SafetyInputs& in,
                              std::span<const double> share, std::span<const double> effort,
                              std::size_t i, std::size_t severity) {
  const SafetyParams& p = s.params;
  if (!holds(in, i)) return 0.0;
  const double world = severity == 0 ? p.serious_per_year : p.severe_per_year;
  const double c_lab = 2.0 * p.effort_per_grade;  // a C lab's stance
  return world *
         std::pow(10.0, p.capability_elasticity * (in.capability[i] - p.reference_capability_log10)) *
         share[i] * (in.best_open[i] ? p.open_risk_multiplier : 1.0) *
         std::exp(-(effort[i] - c_lab) / p.effort_risk_scale);
}

void step_safety(const SafetySetup& s, SafetyState& st, const SafetyInputs& in, const Tick& t,
                 StreamKey key, std::vector<Incident>& incidents) {
  const SafetyParams& p = s.params;
  const std::size_t n = s.n_labs, k = s.n_countries;
  const double dt = t.dt_years;
  const uint64_t day = static_cast<uint64_t>(t.date.days_since_epoch());
  // Entities of the day's draws: incidents [lab × severity], then defections and detections
  // [agreement × country] each.
  const uint64_t defection_base = n * kSeverityCount;
  const uint64_t detection_base = defection_base + s.parties.size() * k;

  // Memory fades.
  const double fade = std::exp(-std::numbers::ln2 * dt / p.memory_half_life_years);
  for (double& m : st.memory) m *= fade;
  for (double& m : st.own_memory) m *= fade;
  st.world_memory *= fade;

  // Agreements: a new signature clears a found breach; parties under pressure break them in
  // secret (at the pressure of their most pressed lab, last tick), and breaches are found.
  for (std::size_t a = 0; a < s.parties.size(); ++a) {
    const AgreementSpec& ag = p.agreements[a];
    const bool signed_now = ag.in_force >= 0.5;
    if (signed_now && st.agreement_signed[a] < 0.5) {
      st.agreement_broken[a] = 0;
      for (std::size_t c = 0; c < k; ++c) st.defecting[a * k + c] = 0;
    }
    st.agreement_signed[a] = ag.in_force;
    if (!signed_now || st.agreement_broken[a]) continue;
    for (std::size_t c : s.parties[a]) {
      uint8_t& defects = st.defecting[a * k + c];
      if (!defects) {
        double pressed = 0.0;
        for (std::size_t i = 0; i < n; ++i)
          if (s.lab_country[i] == c) pressed = std::max(pressed, st.race_pressure[i]);
        RandomStream draw(key, day, defection_base + a * k + c);
        defects = draw.uniform() < 1.0 - std::exp(-ag.defection_per_year * pressed * dt);
      } else {
        // A party whose labs report their large runs is checked against its declarations.
        const bool reports = own_rule(s, c, p.us_compute_reporting, p.cn_compute_reporting);
        const double rate = ag.verification_per_year * (reports ? p.reporting_verification : 1.0);
        RandomStream draw(key, day, detection_base + a * k + c);
        if (draw.uniform() < 1.0 - std::exp(-rate * dt)) st.agreement_broken[a] = 1;
      }
    }
  }

  // Rules in force for each country.
  std::vector<uint8_t> eval_rule(k, 0), pause_rule(k, 0), ban(k, 0);
  for (std::size_t c = 0; c < k; ++c) {
    eval_rule[c] = own_rule(s, c, p.us_evaluation_required, p.cn_evaluation_required) ||
                   st.regulated_after_incident[c];
    pause_rule[c] = own_rule(s, c, p.us_frontier_pause, p.cn_frontier_pause);
    ban[c] = own_rule(s, c, p.us_open_weight_ban, p.cn_open_weight_ban);
    for (std::size_t a = 0; a < s.parties.size(); ++a)
      if (binds(s, st, a, c)) {
        if (p.agreements[a].kind == AgreementKind::evaluations) eval_rule[c] = 1;
        if (p.agreements[a].kind == AgreementKind::pause) pause_rule[c] = 1;
      }
  }

  // Efforts, and what they leave for training.
  st.race_pressure = race_pressure(s, in);
  const double frontier = frontier_of(in);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = s.lab_country[i];
    st.evaluated[i] = eval_rule[c] && in.training_flop[i] >= p.evaluation_threshold_flop;
    st.paused[i] = pause_rule[c] && holds(in, i) && in.capability[i] >= frontier - p.pause_band_log10;
    st.open_banned[i] = ban[c];
    st.effort[i] = safety_effort(p, s.stance[i], st.race_pressure[i], st.memory[i], st.evaluated[i]);
    st.no_race_effort[i] = safety_effort(p, s.stance[i], 0.0, st.memory[i], st.evaluated[i]);
    st.evaluation_days[i] = st.evaluated[i] ? p.evaluation_days : 0.0;
    // docs/model.md §3.3.8 "What effort costs": the scenario's training shares are what a lab
    // trains on at its stance; effort above it takes compute from training, racing frees some.
    st.training_factor[i] = st.paused[i] ? 0.0 : (1.0 - st.effort[i]) / (1.0 - s.stance[i]);
  }

  // Incidents, and their memory: in full in the lab's country, foreign_learning abroad (in full
  // between the parties of an incident-reporting agreement in force).
  const std::vector<double> share = deployment_shares(in);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t sev = 0; sev < kSeverityCount; ++sev) {
      const double mean = incident_rate_per_year(s, in, share, st.effort, i, sev) * dt;
      RandomStream draw(key, day, i * kSeverityCount + sev);
      const int count = poisson(mean, draw);
      if (count == 0) continue;
      const std::size_t c = s.lab_country[i];
      st.incidents[c * kSeverityCount + sev] += count;
      const double weight = count * (sev == 0 ? 1.0 : p.severe_weight);
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t cj = s.lab_country[j];
        double learning = cj == c ? 1.0 : p.foreign_learning;
        for (std::size_t a = 0; a < s.parties.size(); ++a)
          if (p.agreements[a].kind == AgreementKind::incident_reporting && binds(s, st, a, c) &&
              binds(s, st, a, cj))
            learning = 1.0;
        st.memory[j] += learning * weight;
      }
      st.own_memory[i] += weight;
      st.world_memory += weight;
      if (sev == 1 && p.severe_incident_regulates >= 0.5) st.regulated_after_incident[c] = 1;
      for (int m = 0; m < count; ++m) incidents.push_back({i, sev, in.best_open[i] != 0});
    }
  // docs/model.md §3.3.8 "Incidents": adopters trust a lab's models less after its own incidents.
  for (std::size_t i = 0; i < n; ++i)
    st.reputation_loss[i] = p.incident_trust_loss * std::log1p(st.own_memory[i]);
  // Investors price the regulation an incident may bring: expected AI compute demand falls.
  st.demand_loss_ln = p.incident_demand_loss * std::log1p(st.world_memory);
}

}  // namespace airace
