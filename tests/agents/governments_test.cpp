#include "agents/governments.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "tests/agents/governments_data.hpp"
#include "tests/agents/module_input.hpp"

using namespace airace;
using namespace airace::testing;

namespace governments_test {

namespace {

Tick tick_on(Date d, std::size_t index = 1) { return {d, d.plus_days(-91), index, 91 / 365.25}; }

std::vector<double> world(double gap, double smuggled) {
  std::vector<double> w(world_indicator_names().size(), 0.0);
  w[static_cast<std::size_t>(WorldIndicator::us_cn_gap_months)] = gap;
  w[static_cast<std::size_t>(WorldIndicator::cn_smuggled_h100e)] = smuggled;
  return w;
}

// small.yaml's governments, through their own schemas and resolve_governments.
struct Governments {
  RuleBook rule_book;
  GovernmentsSetup governments_setup;
};

Governments governments(const std::vector<std::string>& sets) {
  const ConfigNode tree = module_file_tree(kSmall, sets);
  Governments g{read_rule_book(tree), {}};
  Diagnostics diags;
  const auto us = read_section(tree, "us_government", us_government_schema(), diags);
  const auto cn = read_section(tree, "china_government", china_government_schema(), diags);
  const auto allies = read_section(tree, "allies", allies_schema(), diags);
  const auto events = read_list(tree, "policy_events", policy_event_schema(), diags);
  g.governments_setup = resolve_governments(us, cn, allies, events, g.rule_book, diags);
  require_no_errors(diags);
  return g;
}

Governments with_rule(const std::string& when, double lag_days = 90) {
  return governments(with_adaptive_rule(when, lag_days));
}

}  // namespace

TEST_CASE("an adaptive rule fires when and only when its condition holds") {
  const Governments s = with_rule("us_cn_gap_months < 3 or cn_smuggled_h100e > 20000");
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

TEST_CASE("policy events and adaptive measures move levers on their dates") {
  const Governments s = governments(
      {"us_government.enforcement=1",
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

}  // namespace governments_test
