// The safety mechanism alone (agents/safety.hpp): hand-built worlds of three labs, two in the US
// and one in China, stepped monthly with fixed capabilities.
#include "agents/safety.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace airace;

namespace safety_test {

namespace {
const Date kStart = Date::from_ymd(2025, 1, 1);

// us_a (grade 2: stance 0.05), us_b (grade 1) and cn (grade 0.4); no incidents unless a test
// sets their rates.
SafetyParams quiet() {
  SafetyParams p;
  p.grades = {{{"us_a", {}}, 2.0}, {{"us_b", {}}, 1.0}, {{"cn", {}}, 0.4}};
  p.serious_per_year = 0.0;
  p.severe_per_year = 0.0;
  return p;
}

SafetySetup setup_of(const SafetyParams& p) {
  Diagnostics diags;
  SafetySetup s = resolve_safety(p, {"us_a", "us_b", "cn"}, {"", "", ""}, {0, 0, 1}, {"US", "CN"},
                                 diags);
  REQUIRE(diags.empty());
  s.enabled = true;
  return s;
}

struct World {
  std::vector<double> capability{27.0, 26.0, 26.0};
  std::vector<double> training_flop{3e26, 1e26, 5e25};
  std::vector<uint8_t> best_open{0, 0, 1};
  std::vector<uint8_t> active{1, 1, 1};
  std::vector<double> deployment;  // equal shares
  SafetyInputs view() const { return {capability, training_flop, best_open, active, deployment}; }
};

// An agreement of `kind` between the US and China that no one breaks unless a test says so.
AgreementSpec us_cn(const std::string& id, AgreementKind kind, double in_force) {
  AgreementSpec a;
  a.id = id;
  a.kind = kind;
  a.parties = {{"US", {}}, {"CN", {}}};
  a.in_force = in_force;
  a.defection_per_year = 0.0;
  return a;
}

Tick month(int m) {
  const Date from = kStart.plus_months(m - 1), to = kStart.plus_months(m);
  return {to, from, static_cast<std::size_t>(m), years_between(from, to)};
}

// Steps `months` months from `st`; returns the incidents.
std::vector<Incident> run(const SafetySetup& s, SafetyState& st, const World& w, int months,
                          int first = 1, uint64_t seed = 1) {
  std::vector<Incident> out;
  for (int m = first; m < first + months; ++m)
    step_safety(s, st, w.view(), month(m), {seed, 0, kSafetyStream}, out);
  return out;
}
}  // namespace

TEST_CASE("stances come from a lab's grade, else its archetype's, else the default") {
  SafetyParams p;
  p.grades = {{{"anthropic", {}}, 2.64}, {{"closed_frontier", {}}, 2.0}};
  p.default_grade = 1.0;
  Diagnostics diags;
  const SafetySetup s =
      resolve_safety(p, {"anthropic", "openai", "zhipu"},
                     {"closed_frontier", "closed_frontier", "state_backed"}, {0, 0, 1},
                     {"US", "CN"}, diags);
  REQUIRE(diags.empty());
  CHECK(s.stance[0] == doctest::Approx(0.066));
  CHECK(s.stance[1] == doctest::Approx(0.05));
  CHECK(s.stance[2] == doctest::Approx(0.025));
}

TEST_CASE("grades and agreements name labs and countries that exist") {
  SafetyParams p;
  p.grades = {{{"openia", {"s.yaml", 3, 5}}, 2.0}};
  AgreementSpec a;
  a.id = "lonely";
  a.parties = {{"US", {"s.yaml", 9, 12}}};
  a.where = {"s.yaml", 8, 5};
  p.agreements = {a};
  Diagnostics diags;
  resolve_safety(p, {"openai"}, {""}, {0}, {"US", "CN"}, diags);
  REQUIRE(diags.all().size() == 2);
  CHECK(format_diagnostic(diags.all()[0]).find("openia") != std::string::npos);
  CHECK(format_diagnostic(diags.all()[1]).find("at least two parties") != std::string::npos);
}

TEST_CASE("a lab's safety effort falls as a foreign rival closes the gap, its no-race effort not") {
  const SafetySetup s = setup_of(quiet());
  double last = 1.0;
  for (double cn : {25.5, 26.0, 26.5, 26.8, 27.0}) {
    World w;
    w.capability = {27.0, 25.0, cn};  // us_b far behind: the pressure on us_a is China's
    SafetyState st = initial_safety_state(s);
    run(s, st, w, 1);
    CAPTURE(cn);
    CHECK(st.effort[0] < last);
    CHECK(st.no_race_effort[0] == doctest::Approx(0.05));
    last = st.effort[0];
  }
  // Level with the frontier: the whole race_sensitivity of the stance is given up.
  CHECK(last == doctest::Approx(0.05 * (1.0 - 0.6)));
}

TEST_CASE("a rival at home presses less than one abroad, and the frontier's laggards feel little") {
  const SafetySetup s = setup_of(quiet());
  World w;
  w.capability = {27.0, 27.0, 25.0};
  std::vector<double> home = race_pressure(s, w.view());
  CHECK(home[0] == doctest::Approx(0.5));  // domestic_rivalry
  w.capability = {27.0, 25.0, 27.0};
  std::vector<double> abroad = race_pressure(s, w.view());
  CHECK(abroad[0] == doctest::Approx(1.0));
  // us_b, 2 log10 behind both: its prize is e^-4 of the leaders'.
  CHECK(abroad[1] < 0.001);
}

TEST_CASE("a close race raises effort when race_sensitivity is negative") {
  SafetyParams p = quiet();
  p.race_sensitivity = -0.2;
  const SafetySetup s = setup_of(p);
  World w;
  w.capability = {27.0, 25.0, 27.0};
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 1);
  CHECK(st.effort[0] == doctest::Approx(0.05 * 1.2));
  CHECK(st.effort[0] > st.no_race_effort[0]);
}

TEST_CASE("incidents are remembered in full at home and in part abroad") {
  SafetyParams p = quiet();
  p.serious_per_year = 30.0;
  p.severe_per_year = 3.0;
  p.severe_incident_regulates = 0.0;
  const SafetySetup s = setup_of(p);
  World w;
  SafetyState st = initial_safety_state(s);
  st.memory = {0.0, 0.0, 0.0};
  SafetySetup lasting = s;
  lasting.params.memory_half_life_years = 1e9;  // no fading: memory is the sum of incidents
  run(lasting, st, w, 6);
  const double us = st.incidents[0] + 5.0 * st.incidents[1];
  const double cn = st.incidents[2] + 5.0 * st.incidents[3];
  REQUIRE(us + cn > 0.0);
  CHECK(st.memory[0] == doctest::Approx(us + 0.3 * cn));
  CHECK(st.memory[1] == doctest::Approx(us + 0.3 * cn));
  CHECK(st.memory[2] == doctest::Approx(cn + 0.3 * us));
}

TEST_CASE("a lab's own incidents cost it adopters' trust; its rivals' do not") {
  SafetyParams p = quiet();
  p.serious_per_year = 100.0;
  p.severe_incident_regulates = 0.0;
  const SafetySetup s = setup_of(p);
  World w;
  w.deployment = {1.0, 0.0, 0.0};  // only us_a's models are used: only it has incidents
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 1);
  REQUIRE(st.incidents[0] > 0.0);
  CHECK(st.own_memory[0] == doctest::Approx(st.incidents[0]));
  CHECK(st.reputation_loss[0] == doctest::Approx(0.1 * std::log1p(st.incidents[0])));
  CHECK(st.reputation_loss[1] == 0.0);
  CHECK(st.reputation_loss[2] == 0.0);
  SafetySetup calm = s;
  calm.params.serious_per_year = 0.0;
  const double loss = st.reputation_loss[0];
  run(calm, st, w, 12, 2);
  CHECK(st.reputation_loss[0] < loss);  // it fades with the memory
  CHECK(st.reputation_loss[0] > 0.0);
}

TEST_CASE("effort rises after an incident and falls back as its memory fades") {
  const SafetySetup s = setup_of(quiet());
  World w;
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 1);
  const double before = st.effort[0];
  st.memory = {1.0, 1.0, 1.0};  // a serious incident at home
  run(s, st, w, 1, 2);
  const double after = st.effort[0];
  CHECK(after > 1.3 * before);  // 1 + incident_response x ln(1 + memory after a month's fading)
  CHECK(st.no_race_effort[0] > 0.05);
  run(s, st, w, 35, 3);  // three years on: memory's half-life is a year
  CHECK(st.effort[0] < after);
  CHECK(st.effort[0] == doctest::Approx(before * (1.0 + 0.5 * std::log1p(std::pow(0.5, 3.0)))).epsilon(0.01));
}

TEST_CASE("effort stays between 0 and max_effort, and an evaluation rule holds it at its floor") {
  SafetyParams p = quiet();
  p.us_evaluation_required = 1.0;
  p.evaluation_floor = 0.1;
  SafetySetup s = setup_of(p);
  World w;
  w.capability = {27.0, 27.0, 27.0};
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 1);
  CHECK(st.evaluated[0] == 1);
  CHECK(st.effort[0] == doctest::Approx(0.1));
  CHECK(st.evaluation_days[0] == doctest::Approx(60.0));
  CHECK(st.evaluated[1] == 1);  // exactly at the threshold
  CHECK(st.evaluated[2] == 0);  // China has no rule in force
  CHECK(st.evaluation_days[2] == 0.0);
  CHECK(st.training_factor[0] == doctest::Approx(0.9 / 0.95));
  st.memory = {1e6, 1e6, 1e6};
  s.params.incident_response = 100.0;
  run(s, st, w, 1, 2);
  for (double e : st.effort) CHECK(e == doctest::Approx(p.max_effort));
  // Below the threshold, no rule binds.
  w.training_flop = {9e25, 9e25, 9e25};
  st = initial_safety_state(s);
  run(s, st, w, 1);
  CHECK(st.evaluated[0] == 0);
}

TEST_CASE("a pause stops the runs of its country's frontier labs only; a ban closes its labs") {
  SafetyParams p = quiet();
  p.us_frontier_pause = 1.0;
  p.cn_open_weight_ban = 1.0;
  const SafetySetup s = setup_of(p);
  World w;
  w.capability = {27.0, 26.0, 27.0};
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 1);
  CHECK(st.paused == std::vector<uint8_t>{1, 0, 0});
  CHECK(st.training_factor[0] == 0.0);
  CHECK(st.training_factor[1] > 0.9);
  CHECK(st.open_banned == std::vector<uint8_t>{0, 0, 1});
}

TEST_CASE("incidents come more often with capability, deployment and open weights, less with effort") {
  SafetyParams p = quiet();
  p.serious_per_year = 1.0;
  p.reference_capability_log10 = 26.0;
  const SafetySetup s = setup_of(p);
  World w;
  w.capability = {27.0, 26.0, 26.0};
  w.best_open = {0, 0, 0};
  const std::vector<double> share{0.5, 0.25, 0.25}, effort{0.05, 0.05, 0.05};
  const double at27 = incident_rate_per_year(s, w.view(), share, effort, 0, 0);
  const double at26 = incident_rate_per_year(s, w.view(), share, effort, 1, 0);
  CHECK(at27 / at26 == doctest::Approx(2.0 * std::pow(10.0, 0.3)));  // twice the share, +1 log10
  CHECK(at26 == doctest::Approx(0.25));  // the reference capability, a C lab's effort
  w.best_open = {0, 1, 0};
  CHECK(incident_rate_per_year(s, w.view(), share, effort, 1, 0) == doctest::Approx(0.5));
  const std::vector<double> more{0.05, 0.10, 0.05};
  w.best_open = {0, 0, 0};
  CHECK(incident_rate_per_year(s, w.view(), share, more, 1, 0) ==
        doctest::Approx(0.25 * std::exp(-1.0)));
  w.active = {1, 0, 1};  // an exited lab has none
  CHECK(incident_rate_per_year(s, w.view(), share, effort, 1, 0) == 0.0);
}

TEST_CASE("incident counts follow their rate over many months") {
  SafetyParams p = quiet();
  p.serious_per_year = 12.0;  // one a month across the three labs, at the reference capability
  p.reference_capability_log10 = 27.0;
  p.capability_elasticity = 0.0;
  p.incident_response = 0.0;
  p.severe_incident_regulates = 0.0;
  p.grades = {{{"us_a", {}}, 2.0}, {{"us_b", {}}, 2.0}, {{"cn", {}}, 2.0}};
  p.race_sensitivity = 0.0;
  const SafetySetup s = setup_of(p);
  World w;
  w.best_open = {0, 0, 0};
  SafetyState st = initial_safety_state(s);
  const std::vector<Incident> all = run(s, st, w, 1200);
  double months = 0.0;
  for (int m = 1; m <= 1200; ++m) months += month(m).dt_years * 12.0;
  const double per_month = static_cast<double>(all.size()) / months;
  CHECK(per_month > 0.9);
  CHECK(per_month < 1.1);
  CHECK(st.incidents[0] + st.incidents[2] == doctest::Approx(static_cast<double>(all.size())));
}

TEST_CASE("a severe incident brings its country's evaluation rule") {
  SafetyParams p = quiet();
  p.severe_per_year = 1e4;
  SafetySetup s = setup_of(p);
  World w;
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 1);
  CHECK(st.regulated_after_incident == std::vector<uint8_t>{1, 1});
  s.params.severe_per_year = 0.0;
  run(s, st, w, 1, 2);
  CHECK(st.evaluated[0] == 1);
  s.params.severe_incident_regulates = 0.0;
  st = initial_safety_state(s);
  s.params.severe_per_year = 1e4;
  run(s, st, w, 1);
  CHECK(st.regulated_after_incident == std::vector<uint8_t>{0, 0});
}

TEST_CASE("an agreement binds its parties while signed; a breach found ends it; signing anew restores it") {
  SafetyParams p = quiet();
  const AgreementSpec a = us_cn("evals", AgreementKind::evaluations, 1.0);
  p.agreements = {a};
  SafetySetup s = setup_of(p);
  World w;
  w.capability = {27.0, 26.0, 27.0};
  w.training_flop = {3e26, 1e26, 2e26};
  SafetyState st = initial_safety_state(s);
  run(s, st, w, 12);
  CHECK(st.evaluated[0] == 1);
  CHECK(st.evaluated[2] == 1);
  CHECK(st.agreement_broken[0] == 0);
  // Under full pressure, a party that breaks at 1000/year does so at once, in secret: its labs
  // drop the rule; found at 1000/year, the agreement ends for both.
  s.params.agreements[0].defection_per_year = 1000.0;
  s.params.agreements[0].verification_per_year = 0.0;
  run(s, st, w, 1, 13);
  CHECK(st.defecting[0 * 2 + 0] + st.defecting[0 * 2 + 1] >= 1);
  CHECK(st.agreement_broken[0] == 0);
  s.params.agreements[0].verification_per_year = 1000.0;
  run(s, st, w, 1, 14);
  CHECK(st.agreement_broken[0] == 1);
  run(s, st, w, 1, 15);
  CHECK(st.evaluated[0] == 0);
  CHECK(st.evaluated[2] == 0);
  // Left openly (0), then signed again (1): in force anew.
  s.params.agreements[0] = a;
  s.params.agreements[0].in_force = 0.0;
  run(s, st, w, 1, 16);
  s.params.agreements[0].in_force = 1.0;
  run(s, st, w, 1, 17);
  CHECK(st.agreement_broken[0] == 0);
  CHECK(st.evaluated[0] == 1);
}

TEST_CASE("a breach by a party whose labs report their large runs is found faster") {
  // The share of 2,000 seeds in which China's secret breach is found within its first month:
  // 1 - e^(-rate / 12) with rate 2/year, or 3 x 2/year when China's labs report.
  auto found_share = [](double reporting) {
    SafetyParams p = quiet();
    p.cn_compute_reporting = reporting;
    AgreementSpec a = us_cn("evals", AgreementKind::evaluations, 1.0);
    a.verification_per_year = 2.0;
    p.agreements = {a};
    const SafetySetup s = setup_of(p);
    World w;
    int found = 0;
    for (uint64_t seed = 1; seed <= 2000; ++seed) {
      SafetyState st = initial_safety_state(s);
      run(s, st, w, 1, 1, seed);
      st.defecting[0 * 2 + 1] = 1;  // China breaks it in secret
      run(s, st, w, 1, 2, seed);
      found += st.agreement_broken[0];
    }
    return found / 2000.0;
  };
  const double plain = found_share(0.0), reported = found_share(1.0);
  const double month = years_between(kStart.plus_months(1), kStart.plus_months(2));
  CHECK(plain == doctest::Approx(1.0 - std::exp(-2.0 * month)).epsilon(0.15));
  CHECK(reported == doctest::Approx(1.0 - std::exp(-6.0 * month)).epsilon(0.1));
  CHECK(reported > 2.0 * plain);
}

TEST_CASE("an incident-reporting agreement makes its parties learn from each other in full") {
  SafetyParams p = quiet();
  p.severe_incident_regulates = 0.0;
  p.agreements = {us_cn("reporting", AgreementKind::incident_reporting, 0.0)};
  auto memory_abroad = [&](double in_force) {
    SafetySetup s = setup_of(p);
    s.params.agreements[0].in_force = in_force;
    World w;
    w.capability = {26.0, 26.0, 26.0};
    w.deployment = {1.0, 0.0, 0.0};  // only us_a's models are used: only it has incidents
    s.params.serious_per_year = 100.0;
    SafetyState st = initial_safety_state(s);
    run(s, st, w, 1);
    REQUIRE(st.incidents[0] > 0.0);
    return st.memory[2] / st.memory[0];
  };
  CHECK(memory_abroad(0.0) == doctest::Approx(0.3));
  CHECK(memory_abroad(1.0) == doctest::Approx(1.0));
}

}  // namespace safety_test
