// Governments in a run: adaptive rules, levers set from outside, and bad input located.
#include <doctest/doctest.h>

#include "agents/governments.hpp"
#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"
#include "tests/agents/governments_data.hpp"
#include "tests/scenario_errors.hpp"

using namespace airace;

namespace governments_model_test {
using airace::testing::kSmall;

namespace {

Scenario with_rule(const std::string& when, double lag_days = 90) {
  return load_scenario(kSmall, airace::testing::with_adaptive_rule(when, lag_days));
}

}  // namespace

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

}  // namespace governments_model_test
