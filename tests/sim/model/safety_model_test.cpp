// Safety in whole runs of the baseline (docs/model.md §3.3.8): efforts and incidents stay within
// their bounds, and the rules changed during a run act on the labs: a ban closes a country's
// releases, a pause holds its frontier, a signed agreement binds both countries' large labs; a
// market move is put down to the incidents that drove it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace safety_model_test {

namespace {
const std::string kBaseline = std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml";

Scenario baseline(const std::string& end) {
  return load_scenario(kBaseline, {"scenario.end=" + end, "adoption_model.adopters=2000"});
}

std::size_t lab_index(const Scenario& s, const std::string& id) {
  for (std::size_t i = 0; i < s.labs.size(); ++i)
    if (s.labs[i].id == id) return i;
  FAIL("no lab " << id);
  return 0;
}

// Open-weight releases by the labs of `country` after `from`.
int open_releases_after(const Simulation& sim, const Scenario& s, const std::string& country,
                        Date from) {
  int n = 0;
  for (const Release& r : sim.world().releases)
    if (s.labs[r.lab].country.id == country && from < r.date && r.open) ++n;
  return n;
}

// The best capability of `country`'s labs now (log10 FLOP).
double best_of(const Simulation& sim, const Scenario& s, const std::string& country) {
  double best = -1.0;
  for (std::size_t i = 0; i < s.labs.size(); ++i)
    if (s.labs[i].country.id == country && holds_model(sim.world().labs, i))
      best = std::max(best, sim.world().labs.capability[i]);
  return best;
}

// The rows of /markets/events whose cause is "incident", in one run of the baseline to 2026 with
// many serious incidents and investors who take `demand_loss` ln of demand off per ln(1 +
// memory units).
std::size_t incident_moves(const std::string& demand_loss) {
  const Scenario s = load_scenario(kBaseline, {"scenario.end=2026-12-31",
                                               "adoption_model.adopters=2000",
                                               "safety.serious_per_year=30",
                                               "safety.incident_demand_loss=" + demand_loss});
  const SeriesCatalog cat = build_catalog(s);
  Simulation sim(s, cat, 0);
  sim.run_to_end();
  const SeriesBuffer series = sim.take_series();
  const EventTableId t = cat.find_event_table("markets", "events");
  REQUIRE(t != kNoEventTable);
  const EventTableSpec& spec = cat.event_tables()[t];
  const std::size_t width = spec.columns.size(), cause = spec.column("event_cause");
  const std::vector<std::string>& causes = cat.axes()[spec.columns[cause].axis].ids;
  const auto incident = static_cast<double>(
      std::find(causes.begin(), causes.end(), "incident") - causes.begin());
  REQUIRE(incident < static_cast<double>(causes.size()));
  const std::span<const double> rows = series.events(t);
  std::size_t n = 0;
  for (std::size_t i = 0; i + width <= rows.size(); i += width)
    if (rows[i + cause] == incident) ++n;
  return n;
}
}  // namespace

TEST_CASE("safety: a baseline run keeps efforts within their bounds and incidents counted up") {
  const Scenario s = baseline("2028-12-31");
  const SeriesCatalog cat = build_catalog(s);
  Simulation sim(s, cat, 0);
  sim.run_to_end();
  const SafetySetup& setup = s.section<SafetySetup>("safety");
  REQUIRE(setup.enabled);
  const SeriesId effort = cat.find("safety", "effort");
  const SeriesId no_race = cat.find("safety", "no_race_effort");
  const SeriesId factor = cat.find("safety", "training_factor");
  const SeriesId incidents = cat.find("safety", "incidents");
  const std::size_t times = cat.time_count(cat.series()[effort]);
  REQUIRE(times > 80);
  const std::size_t cells = s.countries.size() * kSeverityCount;
  for (std::size_t t = 0; t < times; ++t) {
    for (std::size_t lab = 0; lab < s.labs.size(); ++lab) {
      const double e = sim.series().get(effort, t, lab);
      REQUIRE(e >= 0.0);
      REQUIRE(e <= setup.params.max_effort);
      // At the median race_sensitivity (0.35 > 0) racing only lowers effort.
      REQUIRE(e <= sim.series().get(no_race, t, lab) + 1e-15);
      REQUIRE(sim.series().get(factor, t, lab) >= 0.0);
      REQUIRE(std::isfinite(sim.series().get(factor, t, lab)));
    }
    if (t > 0)
      for (std::size_t c = 0; c < cells; ++c)
        REQUIRE(sim.series().get(incidents, t, c) >= sim.series().get(incidents, t - 1, c));
  }
}

TEST_CASE("safety: an open-weight ban set during a run closes every later release of its country") {
  const Scenario s = baseline("2027-12-31");
  const SeriesCatalog cat = build_catalog(s);
  const Date from = Date::from_ymd(2025, 6, 1);
  Simulation open(s, cat, 0), banned(s, cat, 0);
  open.advance_to(from);
  banned.advance_to(from);
  banned.set_parameter("safety.cn_open_weight_ban", "1");
  open.run_to_end();
  banned.run_to_end();
  // The labs see a rule from the safety step's next tick (the 1st of the month) on.
  const Date seen = Date::from_ymd(2025, 7, 1);
  REQUIRE(open_releases_after(open, s, "CN", seen) > 0);  // Chinese labs publish weights
  CHECK(open_releases_after(banned, s, "CN", seen) == 0);
  CHECK(open_releases_after(banned, s, "US", seen) > 0);  // Meta goes on
}

TEST_CASE("safety: a US pause holds the US frontier while China's goes on") {
  const Scenario s = baseline("2028-12-31");
  const SeriesCatalog cat = build_catalog(s);
  const Date from = Date::from_ymd(2027, 1, 1);
  Simulation racing(s, cat, 0), paused(s, cat, 0);
  racing.advance_to(from);
  paused.advance_to(from);
  paused.set_parameter("safety.us_frontier_pause", "1");
  const double us_then = best_of(paused, s, "US");
  racing.run_to_end();
  paused.run_to_end();
  CHECK(best_of(racing, s, "US") > us_then + 0.5);  // two years of frontier progress
  // Paused labs release only runs trained before the pause (their pending models); laggards
  // catch up to the band below the frontier.
  CHECK(best_of(paused, s, "US") < best_of(racing, s, "US") - 0.3);
  CHECK(best_of(paused, s, "CN") > best_of(racing, s, "CN") - 0.2);
}

TEST_CASE("safety: an evaluation agreement signed during a run binds the large labs of both sides") {
  const Scenario s = baseline("2028-12-31");
  const SeriesCatalog cat = build_catalog(s);
  Simulation sim(s, cat, 0);
  sim.advance_to(Date::from_ymd(2027, 1, 1));
  const std::size_t openai = lab_index(s, "openai");
  CHECK(sim.world().safety.evaluated[openai] == 0);
  sim.set_parameter("safety.agreements[us_cn_evaluations].in_force", "1");
  sim.advance_to(Date::from_ymd(2027, 2, 2));
  const SafetyState& st = sim.world().safety;
  CHECK(st.agreement_signed[0] == 1.0);
  // Unless a party broke it at once and was found, OpenAI's runs (above 1e26 FLOP) are bound.
  if (!st.agreement_broken[0] && !st.defecting[0 * s.countries.size() + 0]) {
    CHECK(st.evaluated[openai] == 1);
    CHECK(st.effort[openai] >= s.section<SafetySetup>("safety").params.evaluation_floor);
    CHECK(st.evaluation_days[openai] > 0.0);
  }
}

TEST_CASE("safety: a scenario without a safety section has no safety outputs") {
  const Scenario s = load_scenario(std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml");
  CHECK_FALSE(s.section<SafetySetup>("safety").enabled);
  const SeriesCatalog cat = build_catalog(s);
  CHECK(cat.find("safety", "effort") == kNoSeries);
}


TEST_CASE("safety: a firm's largest moves name the incidents that drove them") {
  // docs/model.md §3.3.7 "Largest moves": an incident that raised the demand investors expect
  // lost is the cause of a move (unless a salient release came the same day); with investors
  // who ignore incidents no move is put down to one.
  CHECK(incident_moves("0.05") > 0);
  CHECK(incident_moves("0") == 0);
}

}  // namespace safety_model_test
