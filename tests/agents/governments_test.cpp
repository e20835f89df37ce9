#include "agents/governments.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"
#include "tests/scenario_errors.hpp"

using namespace airace;

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

// small.yaml with a third country and an adaptive export rule: the US bans the A100 and H100 for
// the rest of the world when its condition holds.
const std::vector<std::string> kAdaptive = {
    "countries=[{id: US, tier: us}, {id: CN, tier: china}, {id: SG, tier: rest}]",
    "export_rules=[{id: rule_2022, announced: 2022-10-07, effective: 2022-10-07, covers: 'tpp >= "
    "4800 and interconnect_gbps >= 600', destinations: [{to: china}]}, {id: tighten, adaptive: "
    "true, covers: 'tpp >= 4800', destinations: [{to: rest, treatment: banned}]}]",
};

Tick tick_on(Date d, std::size_t index = 1) { return {d, d.plus_days(-91), index, 91 / 365.25}; }

std::vector<double> world(double gap, double smuggled) {
  std::vector<double> w(world_indicator_names().size(), 0.0);
  w[static_cast<std::size_t>(WorldIndicator::us_cn_gap_months)] = gap;
  w[static_cast<std::size_t>(WorldIndicator::cn_smuggled_h100e)] = smuggled;
  return w;
}

Scenario with_rule(const std::string& when, double lag_days = 90) {
  std::vector<std::string> sets = kAdaptive;
  sets.push_back("us_government.adaptive_rules=[{id: close_gap, when: '" + when +
                 "', lag_days: " + std::to_string(lag_days) + ", announces: tighten}]");
  return load_scenario(kSmall, sets);
}

}  // namespace

TEST_CASE("an adaptive rule fires when and only when its condition holds") {
  const Scenario s = with_rule("us_cn_gap_months < 3 or cn_smuggled_h100e > 20000");
  const GovernmentsSetup& g = s.governments_setup;
  GovernmentState state = initial_government_state(g, s.rule_book);
  const std::size_t rule = 1;  // tighten
  REQUIRE(s.rule_book.ids[rule] == "tighten");
  const Date q1 = Date::from_ymd(2023, 1, 1);
  step_governments(g, state, world(5, 1000), tick_on(q1));
  CHECK(state.fired[0] == 0);
  CHECK(rule_status(s.rule_book, state.rule_times, rule, q1.plus_days(400)) ==
        RuleStatus::pending);
  // NaN (no indicator published yet) never satisfies a condition.
  step_governments(g, state, world(std::nan(""), std::nan("")), tick_on(q1));
  CHECK(state.fired[0] == 0);
  const Date q2 = Date::from_ymd(2023, 4, 1);
  step_governments(g, state, world(2.5, 1000), tick_on(q2, 2));
  CHECK(state.fired[0] == 1);
  CHECK(state.fired_on[0] == q2);
  CHECK(rule_status(s.rule_book, state.rule_times, rule, q2) == RuleStatus::announced);
  CHECK(rule_status(s.rule_book, state.rule_times, rule, q2.plus_days(89)) ==
        RuleStatus::announced);
  CHECK(rule_status(s.rule_book, state.rule_times, rule, q2.plus_days(90)) ==
        RuleStatus::in_force);
  // It fires once: a later quarter with the condition still true changes nothing.
  step_governments(g, state, world(1, 1000), tick_on(Date::from_ymd(2023, 7, 1), 3));
  CHECK(state.fired_on[0] == q2);
}

TEST_CASE("in a run an adaptive rule changes treatment only after its condition and lag") {
  for (const char* when : {"years_elapsed >= 0.99", "cn_smuggled_h100e > 1e15"}) {
    CAPTURE(when);
    const Scenario s = with_rule(when, 30);
    const SeriesCatalog cat = build_catalog(s);
    Simulation sim(s, cat, 0);
    sim.run_to_end();
    const bool should_fire = std::string(when) == "years_elapsed >= 0.99";
    CHECK(sim.governments().fired[0] == (should_fire ? 1 : 0));
    const std::vector<Date> weeks = tick_dates(s.schedule.supply, s.info.start, s.info.end);
    const std::size_t h100_sg = 1 * 3 + 2;
    for (std::size_t t = 0; t < weeks.size(); ++t) {
      // Governments act quarterly: the first quarter with years_elapsed >= 0.99 is 2023-01-01, and
      // the rule is in force 30 days later.
      const bool in_force = should_fire && !(weeks[t] < Date::from_ymd(2023, 1, 31));
      CHECK(sim.series().get(cat.find("chips", "legal_share"), t, h100_sg) == (in_force ? 0.0 : 1.0));
    }
  }
}

TEST_CASE("policy events and adaptive measures move levers on their dates") {
  const Scenario s = load_scenario(
      kSmall, {"us_government.enforcement=1",
               "policy_events=[{id: crackdown, date: 2023-01-01, set: us_government.enforcement, "
               "to: 3}, {id: align, date: 2022-06-01, set: allies.alignment, to: 0.9}]"});
  const GovernmentState st = initial_government_state(s.governments_setup, s.rule_book);
  auto lever = [&](Date d, Lever l) {
    return levers_at(s.governments_setup, st, d)[static_cast<std::size_t>(l)];
  };
  CHECK(lever(Date::from_ymd(2022, 12, 31), Lever::us_enforcement) == 1.0);
  CHECK(lever(Date::from_ymd(2023, 1, 1), Lever::us_enforcement) == 3.0);
  CHECK(lever(Date::from_ymd(2022, 5, 31), Lever::ally_alignment) == 0.5);
  CHECK(lever(Date::from_ymd(2022, 6, 1), Lever::ally_alignment) == 0.9);
}

TEST_CASE("a lever set from outside mid-run changes what follows and only that") {
  const Scenario s = load_scenario(kSmall, {"us_government.enforcement=0.2"});
  const SeriesCatalog cat = build_catalog(s);
  Simulation a(s, cat, 0);
  Simulation b(s, cat, 0);
  const Date pause = Date::from_ymd(2023, 1, 1);
  a.advance_to(pause);
  b.advance_to(pause);
  b.set_lever(Lever::us_enforcement, 5.0);
  const double before = a.supply().cumulative_smuggled_h100e[1];
  CHECK(before == b.supply().cumulative_smuggled_h100e[1]);
  a.run_to_end();
  b.run_to_end();
  CHECK(b.supply().cumulative_smuggled_h100e[1] - before <
        0.1 * (a.supply().cumulative_smuggled_h100e[1] - before));
}

TEST_CASE("bad government input is refused with its location") {
  auto first_error = [](const std::vector<std::string>& sets) {
    return testing::first_scenario_error(kSmall, sets);
  };
  Diagnostic d = first_error({"us_government.adaptive_rules=[{id: a, when: 'gap < 3', "
                              "set: us_government.enforcement, to: 2}]"});
  CHECK(d.message.find("unknown variable 'gap'") != std::string::npos);
  d = first_error({"us_government.adaptive_rules=[{id: a, when: 'us_cn_gap_months < 3'}]"});
  CHECK(d.message.find("needs a measure") != std::string::npos);
  d = first_error({"us_government.adaptive_rules=[{id: a, when: 'us_cn_gap_months < 3', "
                   "announces: rule_2022}]"});
  CHECK(d.message.find("adaptive: true") != std::string::npos);
  d = first_error(
      {"policy_events=[{id: e, date: 2023-01-01, set: allies.alignment, to: 1.5}]"});
  CHECK(d.message.find("expected a value") != std::string::npos);
  d = first_error({"policy_events=[{id: e, date: 2023-01-01, set: allies.alignmnet, to: 1}]"});
  CHECK(d.hint.find("allies.alignment") != std::string::npos);
}
