#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "sim/model/scenario.hpp"
#include "sim/serve/seminar_model.hpp"
#include "tests/scenario_errors.hpp"

using namespace airace;

namespace seminar_test {
using airace::serve::Game;
using airace::serve::Json;
using airace::serve::RequestError;
using airace::serve::SeminarModel;
using airace::testing::first_scenario_error;
using airace::testing::scenario_errors;

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

// small.yaml (2022-2023) with two teams and a lever each; turns of a quarter from 2023-01.
std::vector<std::string> seminar_sets(std::string enforcement_lever = {}) {
  if (enforcement_lever.empty())
    enforcement_lever =
        "{id: enf, set: us_government.enforcement, team: us, label: Enforcement, min: 0, max: 4, "
        "step: 0.5}";
  return {"teams=[{id: us, name: US government}, {id: cn, name: China's government}]",
          "levers=[" + enforcement_lever +
              ", {id: sub, set: china_government.chip_subsidy_usd_per_year, team: cn, label: "
              "Subsidy, min: 0, max: 10000000000, step: 1000000000}]",
          "seminar={turn_months: 3, replicates: 2, first_turn: 2023-01-01}"};
}

// seminar_sets() with two agreements of small.yaml's countries (a pause and an evaluations
// agreement, neither signed) that the teams may negotiate; `agreements` replaces the seminar's.
std::vector<std::string> agreement_sets(std::string agreements = {}) {
  if (agreements.empty())
    agreements =
        "agreements=[{id: pause, set: 'safety.agreements[pause].in_force', parties: [us, cn], "
        "label: Frontier pause, explain: No frontier training runs.}, {id: evals, set: "
        "'safety.agreements[evals].in_force', parties: [us, cn], label: Evaluations}]";
  std::vector<std::string> sets = seminar_sets();
  sets.push_back(
      "safety={agreements: [{id: pause, kind: pause, parties: [US, CN], in_force: 0}, {id: "
      "evals, kind: evaluations, parties: [US, CN], in_force: 0}]}");
  sets.push_back(std::move(agreements));
  return sets;
}

// The status of game g's agreement `id` as `team` sees it.
Json agreement_in(const Game& g, std::optional<std::size_t> team, const std::string& id) {
  const Json state = g.state(team);
  for (const Json& a : state["agreements"])
    if (a["id"] == id) return a;
  return nullptr;
}

template <class F>
int status_of_move(F&& move) {
  try {
    move();
  } catch (const RequestError& e) {
    return e.status();
  }
  return 200;
}

std::string message_of(const std::vector<std::string>& sets) {
  return first_scenario_error(kSmall, sets).message;
}

int status_of(const SeminarModel& m, const Json& levers, std::optional<std::size_t> team) {
  try {
    m.values_from(levers, m.defaults(), team);
  } catch (const RequestError& e) {
    return e.status();
  }
  return 200;
}

// Every value of every series and event table of two results, NaN equal to NaN.
bool same_series(const RunResult& a, const RunResult& b) {
  if (a.replicates.size() != b.replicates.size()) return false;
  for (std::size_t r = 0; r < a.replicates.size(); ++r) {
    const SeriesBuffer& x = a.replicates[r];
    const SeriesBuffer& y = b.replicates[r];
    if (x.series_count() != y.series_count()) return false;
    for (SeriesId s = 0; s < x.series_count(); ++s) {
      const auto u = x.values(s), v = y.values(s);
      if (u.size() != v.size()) return false;
      for (std::size_t i = 0; i < u.size(); ++i)
        if (!(u[i] == v[i] || (std::isnan(u[i]) && std::isnan(v[i])))) return false;
    }
    for (EventTableId t = 0; t < x.event_table_count(); ++t) {
      const auto u = x.events(t), v = y.events(t);
      if (!std::equal(u.begin(), u.end(), v.begin(), v.end(), [](double p, double q) {
            return p == q || (std::isnan(p) && std::isnan(q));
          }))
        return false;
    }
  }
  return true;
}
}  // namespace

TEST_CASE("a scenario's levers are read with their teams and the values in force on first_turn") {
  const Scenario s = load_scenario(kSmall, seminar_sets());
  REQUIRE(s.levers.size() == 2);
  CHECK(s.levers[0].set == Lever::us_enforcement);
  CHECK(s.seminar_setup.lever_team == std::vector<std::size_t>{0, 1});
  CHECK(s.seminar_setup.lever_value == std::vector<double>{1.0, 0.0});
  CHECK(s.seminar.replicates == 2);
  // A policy event before first_turn sets the value the slider starts from.
  std::vector<std::string> sets = seminar_sets();
  sets.push_back(
      "policy_events=[{id: tighten, date: 2022-06-01, set: us_government.enforcement, to: 2.5}]");
  CHECK(load_scenario(kSmall, sets).seminar_setup.lever_value[0] == 2.5);
}

TEST_CASE("bad levers are refused naming the key and what was expected") {
  const auto enforcement = [](const std::string& team, const std::string& range) {
    return "{id: enf, set: us_government.enforcement, team: " + team + ", label: E, " + range +
           "}";
  };
  CHECK(first_scenario_error(kSmall, seminar_sets(enforcement("usa", "min: 0, max: 4, step: 1")))
            .message == "unknown team id 'usa'");
  CHECK(message_of(seminar_sets(enforcement("us", "min: 4, max: 1, step: 1")))
            .find("expected max above min") != std::string::npos);
  const Diagnostic range = first_scenario_error(
      kSmall, seminar_sets("{id: al, set: allies.alignment, team: us, label: A, min: 0, max: 2, "
                           "step: 0.5}"));
  CHECK(range.key_path == "levers[al].max");
  CHECK(range.message.find("allies.alignment") != std::string::npos);
  CHECK(message_of(seminar_sets(enforcement("us", "min: 0, max: 4, step: 5")))
            .find("a step of at most") != std::string::npos);
  // enforcement is 1 on first_turn: 0.3 + k x 0.5 never reaches it
  CHECK(message_of(seminar_sets(enforcement("us", "min: 0.3, max: 4, step: 0.5")))
            .find("not on the slider") != std::string::npos);
  CHECK(first_scenario_error(kSmall,
                             seminar_sets(enforcement("us", "min: 0, max: 4, step: 1, lable: E")))
            .key_path == "levers[enf].lable");
  CHECK(first_scenario_error(kSmall, seminar_sets("{id: enf, set: us_government.enforcment, team: "
                                                  "us, label: E, min: 0, max: 4, step: 1}"))
            .key_path == "levers[enf].set");
  const std::string lever = enforcement("us", "min: 0, max: 4, step: 0.5");
  // two sliders on one lever
  std::vector<std::string> twice = seminar_sets();
  twice[1] = "levers=[" + lever + ", {id: enf2, set: us_government.enforcement, team: cn, label: "
             "F, min: 0, max: 4, step: 1}]";
  CHECK(message_of(twice).find("another lever already moves") != std::string::npos);
  std::vector<std::string> turn = seminar_sets();
  turn[2] = "seminar={turn_months: 0}";
  CHECK(first_scenario_error(kSmall, turn).key_path == "seminar.turn_months");
  turn[2] = "seminar={replicates: 1000}";
  CHECK(first_scenario_error(kSmall, turn).key_path == "seminar.replicates");
  turn[2] = "seminar={first_turn: 2021-01-01}";
  CHECK(first_scenario_error(kSmall, turn).key_path == "seminar.first_turn");
  std::vector<std::string> event = seminar_sets();
  event.push_back(
      "policy_events=[{id: x, date: 2022-06-01, set: us_government.enforcement, to: 2, team: eu}]");
  CHECK(first_scenario_error(kSmall, event).key_path == "policy_events[x].team");
}

TEST_CASE("lever values from a request are checked against their slider and their team") {
  const SeminarModel m(load_scenario(kSmall, seminar_sets()), 1);
  CHECK(status_of(m, Json::parse(R"({"enf": 2.5})"), std::nullopt) == 200);
  CHECK(m.values_from(Json::parse(R"({"enf": 2.5})"), m.defaults(), std::nullopt) ==
        std::vector<double>{2.5, 0.0});
  CHECK(status_of(m, Json::parse(R"({"enf": 2.2})"), std::nullopt) == 400);   // off the grid
  CHECK(status_of(m, Json::parse(R"({"enf": 4.5})"), std::nullopt) == 400);   // above max
  CHECK(status_of(m, Json::parse(R"({"enf": -0.5})"), std::nullopt) == 400);  // below min
  CHECK(status_of(m, Json::parse(R"({"enf": "2"})"), std::nullopt) == 400);
  CHECK(status_of(m, Json::parse(R"({"enf": null})"), std::nullopt) == 400);
  CHECK(status_of(m, Json::parse(R"({"enff": 2})"), std::nullopt) == 400);
  CHECK(status_of(m, Json::parse(R"([1, 2])"), std::nullopt) == 400);
  CHECK(status_of(m, Json::parse(R"({"enf": 1e308})"), std::nullopt) == 400);
  CHECK(status_of(m, Json::parse(R"({"sub": 3000000000})"), 0) == 403);  // China's lever
  CHECK(status_of(m, Json::parse(R"({"sub": 3000000000})"), 1) == 200);
}

TEST_CASE("a scenario without levers cannot be served") {
  CHECK_THROWS_AS(SeminarModel(load_scenario(kSmall), 1), InputError);
}

TEST_CASE("a wargame's decisions act from their turn and its export reruns identically") {
  const SeminarModel m(load_scenario(kSmall, seminar_sets()), 1);
  Game g(m);
  Json s = g.state(std::nullopt);
  CHECK(s["turn"] == 1);
  CHECK(s["date"] == "2023-01-01");
  CHECK(s["shown_until"] == "2022-12-31");
  CHECK(s["world"]["dates"].back().get<std::string>().starts_with("2022-12"));

  // Turn 1: the US submits; the turn runs once China has too.
  CHECK_FALSE(g.submit(0, Json::parse(R"({"enf": 3})")));
  CHECK_THROWS_AS(g.submit(0, Json::parse(R"({"sub": 1000000000})")), RequestError);
  CHECK(g.state(0)["pending"]["enf"] == 3.0);
  CHECK(g.state(1)["levers"].size() == 1);  // a team sees only its own levers
  CHECK(g.submit(1, Json::parse(R"({"sub": 4000000000})")));
  g.advance();
  s = g.state(std::nullopt);
  CHECK(s["turn"] == 2);
  CHECK(s["world"]["dates"].back().get<std::string>().starts_with("2023-03"));
  const std::string digest = s["digest"].dump();
  INFO(digest);
  CHECK(digest.find("US government set Enforcement to 3 index (it was 1 index)") != std::string::npos);
  // The lever is in force from the turn's date, not before it.
  const RunResult& after1 = g.result();
  const SeriesId levers = after1.catalog.find("policy", "levers");
  const TimeAxis& axis = after1.catalog.time_axis(after1.catalog.series()[levers].cadence);
  for (std::size_t t = 0; t < axis.dates.size(); ++t)
    CHECK(after1.replicates[0].get(levers, t, 0) ==
          (axis.dates[t] < Date::from_ymd(2023, 1, 1) ? 1.0 : 3.0));

  // Turn 2: the facilitator advances without China; then undo and play it again.
  g.submit(0, Json::parse(R"({"enf": 0.5})"));
  g.advance();
  CHECK(g.state(std::nullopt)["turn"] == 3);
  g.undo();
  CHECK(g.state(std::nullopt)["turn"] == 2);
  CHECK(g.state(0)["levers"][0]["value"] == 3.0);
  CHECK(g.state(std::nullopt)["history"].size() == 1);
  g.submit(0, Json::parse(R"({"enf": 4})"));
  g.advance();

  // The export, loaded as a file and run, gives the game's series bit for bit.
  const std::string yaml = g.export_yaml();
  const Scenario replay = load_scenario_text(yaml, kSmall);
  CHECK(replay.info.end == Date::from_ymd(2023, 6, 30));
  const RunResult rerun = m.run(replay);
  CHECK(same_series(rerun, g.result()));
  CHECK(rerun.meta.decisions_csv ==
        "date,team,id,set,value\n"
        "2023-01-01,us,turn1_enf,us_government.enforcement,3\n"
        "2023-01-01,cn,turn1_sub,china_government.chip_subsidy_usd_per_year,4000000000\n"
        "2023-04-01,us,turn2_enf,us_government.enforcement,4\n");

  g.pause();
  CHECK_THROWS_AS(g.advance(), RequestError);
  g.resume();
  g.end();
  CHECK_THROWS_AS(g.submit(0, Json::parse(R"({"enf": 1})")), RequestError);
}

TEST_CASE("a scenario's agreements are read with their parties and their value on first_turn") {
  const Scenario s = load_scenario(kSmall, agreement_sets());
  REQUIRE(s.agreements.size() == 2);
  CHECK(s.agreements[0].parameter == "safety.agreements[pause].in_force");
  CHECK(s.agreements[0].label == "Frontier pause");
  CHECK(s.seminar_setup.agreement_parties == std::vector<std::vector<std::size_t>>{{0, 1}, {0, 1}});
  CHECK(s.seminar_setup.agreement_value == std::vector<double>{0.0, 0.0});
  // Signed before the game: it starts in force.
  std::vector<std::string> sets = agreement_sets();
  sets.push_back(
      "policy_events=[{id: signed, date: 2022-06-01, set: "
      "'safety.agreements[evals].in_force', to: 1}]");
  CHECK(load_scenario(kSmall, sets).seminar_setup.agreement_value == std::vector<double>{0.0, 1.0});
}

TEST_CASE("bad agreements are refused naming the key and what was expected") {
  const auto agreement = [](const std::string& set, const std::string& parties) {
    return agreement_sets("agreements=[{id: a, set: " + set + ", parties: " + parties +
                          ", label: A}]");
  };
  const std::string pause = "'safety.agreements[pause].in_force'";
  Diagnostic d = first_scenario_error(kSmall, agreement(pause, "[us, usa]"));
  CHECK(d.key_path == "agreements[a].parties");
  CHECK(d.message == "unknown team id 'usa'");
  CHECK(d.where.line > 0);
  d = first_scenario_error(kSmall, agreement(pause, "[us]"));
  CHECK(d.key_path == "agreements[a].parties");
  CHECK(d.message.find("at least two teams") != std::string::npos);
  CHECK(message_of(agreement(pause, "[us, us]")).find("named twice") != std::string::npos);
  // Not a parameter that may change during a run; not one at all; a government lever.
  d = first_scenario_error(kSmall,
                           agreement("'safety.agreements[pause].defection_per_year'", "[us, cn]"));
  CHECK(d.key_path == "agreements[a].set");
  CHECK(d.message.find("may not change during a run") != std::string::npos);
  CHECK(first_scenario_error(kSmall, agreement("'safety.agreements[paws].in_force'", "[us, cn]"))
            .key_path == "agreements[a].set");
  d = first_scenario_error(kSmall, agreement("us_government.enforcement", "[us, cn]"));
  CHECK(d.key_path == "agreements[a].set");
  CHECK(d.message.find("is a number, not an agreement") != std::string::npos);
  // A parameter that does not take 1.
  CHECK(first_scenario_error(kSmall, agreement("'labs[cn_lab].release_policy'", "[us, cn]"))
            .key_path.starts_with("labs"));
  // Two agreements on one parameter.
  CHECK(message_of(agreement_sets("agreements=[{id: a, set: " + pause +
                                  ", parties: [us, cn], label: A}, {id: b, set: " + pause +
                                  ", parties: [us, cn], label: B}]"))
            .find("already moves") != std::string::npos);
  // Neither signed nor not on first_turn.
  std::vector<std::string> half = agreement(pause, "[us, cn]");
  half.push_back(
      "policy_events=[{id: half, date: 2022-06-01, set: "
      "'safety.agreements[pause].in_force', to: 0.5}]");
  d = first_scenario_error(kSmall, half);
  CHECK(d.key_path == "agreements[a]");
  CHECK(d.message.find("not signed (0) or signed (1)") != std::string::npos);
  CHECK(first_scenario_error(kSmall, agreement_sets("agreements=[{id: a, set: " + pause +
                                                    ", parties: [us, cn], label: A, lable: B}]"))
            .key_path == "agreements[a].lable");
}

TEST_CASE("teams propose accept and break an agreement and the export replays it") {
  const SeminarModel m(load_scenario(kSmall, agreement_sets()), 1);
  Game g(m);
  CHECK(m.info_json()["agreements"].size() == 2);
  CHECK(m.info_json()["agreements"][0]["parties"] == Json::parse(R"(["us", "cn"])"));
  Json a = agreement_in(g, 1, "pause");
  CHECK(a["status"] == "none");
  CHECK(a["actions"] == Json::parse(R"(["propose"])"));

  // Turn 1: the US proposes, China declines; the US proposes again and withdraws; then proposes
  // once more, and the proposal stands to the next turn.
  g.propose(0, "pause");
  a = agreement_in(g, 1, "pause");  // China sees it
  CHECK(a["status"] == "proposed");
  CHECK(a["proposed_by"] == "us");
  CHECK(a["actions"] == Json::parse(R"(["accept", "decline"])"));
  CHECK(agreement_in(g, 0, "pause")["actions"] == Json::parse(R"(["withdraw"])"));
  CHECK(agreement_in(g, std::nullopt, "pause")["status"] == "proposed");  // and the facilitator
  g.decline(1, "pause");
  CHECK(agreement_in(g, 0, "pause")["status"] == "none");
  g.propose(0, "pause");
  g.withdraw(0, "pause");
  CHECK(agreement_in(g, 0, "pause")["status"] == "none");
  g.propose(0, "pause");
  g.advance();
  CHECK(agreement_in(g, 1, "pause")["status"] == "proposed");
  CHECK(g.state(std::nullopt)["history"][0]["decisions"].empty());  // a proposal is no decision

  // Turn 2 (2023-04-01): China accepts; the agreement is signed from this turn's date.
  g.accept(1, "pause");
  a = agreement_in(g, 0, "pause");
  CHECK(a["status"] == "in_force");
  CHECK(a["since"] == "2023-04-01");
  CHECK(a["signed_by"] == Json::parse(R"(["us", "cn"])"));
  CHECK(a["actions"].empty());  // broken from the next turn only
  g.advance();
  Json s = g.state(std::nullopt);
  const Json& d = s["history"][1]["decisions"];
  REQUIRE(d.size() == 1);
  CHECK(d[0]["agreement"] == "pause");
  CHECK(d[0]["teams"] == Json::parse(R"(["us", "cn"])"));
  CHECK(s["digest"][0] ==
        "US government and China's government signed the agreement 'Frontier pause'.");
  CHECK(agreement_in(g, 1, "pause")["actions"] == Json::parse(R"(["break"])"));

  // Turn 3 (2023-07-01): China breaks it; undone, then broken again.
  g.break_agreement(1, "pause");
  g.advance();
  a = agreement_in(g, 0, "pause");
  CHECK(a["status"] == "broken");
  CHECK(a["broken_by"] == "cn");
  CHECK(a["broken_on"] == "2023-07-01");
  CHECK(g.state(std::nullopt)["digest"][0] ==
        "China's government broke the agreement 'Frontier pause'.");
  g.undo();
  CHECK(agreement_in(g, 0, "pause")["status"] == "in_force");
  g.undo();  // turn 2: back to China's answer to the standing proposal
  CHECK(agreement_in(g, 0, "pause")["status"] == "proposed");
  g.accept(1, "pause");
  g.advance();
  g.break_agreement(1, "pause");
  g.advance();

  // The run: signed from 2023-04-01, broken from 2023-07-01.
  const RunResult& r = g.result();
  const SeriesId in_force = r.catalog.find("safety", "agreement_in_force");
  REQUIRE(in_force != kNoSeries);
  const TimeAxis& axis = r.catalog.time_axis(r.catalog.series()[in_force].cadence);
  for (std::size_t t = 0; t < axis.dates.size(); ++t) {
    const Date day = axis.dates[t];
    if (day < Date::from_ymd(2023, 4, 1) || Date::from_ymd(2023, 7, 1) <= day)
      CHECK(r.replicates[0].get(in_force, t, 0) == 0.0);
  }

  // The export, loaded as a file and run, gives the game's series bit for bit; the decision log
  // names both teams that signed and the one that broke it.
  const std::string yaml = g.export_yaml();
  const Scenario replay = load_scenario_text(yaml, kSmall);
  const RunResult rerun = m.run(replay);
  CHECK(same_series(rerun, g.result()));
  CHECK(rerun.meta.decisions_csv ==
        "date,team,id,set,value\n"
        "2023-04-01,us,turn2_pause_signed_us,safety.agreements[pause].in_force,1\n"
        "2023-04-01,cn,turn2_pause_signed_cn,safety.agreements[pause].in_force,1\n"
        "2023-07-01,cn,turn3_pause_broken,safety.agreements[pause].in_force,0\n");
  CHECK_FALSE(same_series(rerun, m.run(m.scenario({}, replay.info.end))));  // it does act
}

TEST_CASE("the digest says when the model finds an agreement broken in secret, and the incidents") {
  std::vector<std::string> sets = agreement_sets();
  // Broken at once under any race pressure, and found at once; incidents every month.
  sets.push_back("safety.agreements.pause.defection_per_year=100");
  sets.push_back("safety.agreements.pause.verification_per_year=365");
  sets.push_back("safety.serious_per_year=1000");
  const SeminarModel m(load_scenario(kSmall, sets), 1);
  Game g(m);
  g.propose(0, "pause");
  g.accept(1, "pause");
  g.advance();  // signed on the turn's first day, broken and found within the turn
  const Json s = g.state(std::nullopt);
  bool found = false, incidents = false;
  for (const Json& line : s["history"][0]["digest"]) {
    const std::string text = line.get<std::string>();
    found = found || text.starts_with("The agreement 'Frontier pause' was found broken in secret");
    incidents = incidents || text.starts_with("Serious AI incidents this turn: ");
  }
  CHECK(found);
  CHECK(incidents);
  // The game's own record is the teams' moves: signed, never broken by a team.
  CHECK(agreement_in(g, 0, "pause")["status"] == "in_force");
}

TEST_CASE("agreement moves that the game or the agreement does not allow are refused") {
  std::vector<std::string> sets = agreement_sets();
  sets[0] = "teams=[{id: us, name: US}, {id: cn, name: China}, {id: eu, name: EU}]";
  const SeminarModel m(load_scenario(kSmall, sets), 1);
  Game g(m);
  CHECK(status_of_move([&] { g.propose(0, "paws"); }) == 400);   // no such agreement
  CHECK(status_of_move([&] { g.propose(2, "pause"); }) == 403);  // not a party
  CHECK(status_of_move([&] { g.accept(0, "pause"); }) == 409);   // nothing proposed
  CHECK(status_of_move([&] { g.decline(0, "pause"); }) == 409);
  CHECK(status_of_move([&] { g.withdraw(0, "pause"); }) == 409);
  CHECK(status_of_move([&] { g.break_agreement(0, "pause"); }) == 409);  // not in force
  g.propose(0, "pause");
  CHECK(status_of_move([&] { g.propose(0, "pause"); }) == 409);  // already proposed
  CHECK(status_of_move([&] { g.propose(1, "pause"); }) == 409);
  CHECK(status_of_move([&] { g.accept(0, "pause"); }) == 409);  // its own proposal
  CHECK(status_of_move([&] { g.decline(0, "pause"); }) == 409);
  CHECK(status_of_move([&] { g.withdraw(1, "pause"); }) == 409);  // not its proposal
  CHECK(status_of_move([&] { g.accept(2, "pause"); }) == 403);
  g.accept(1, "pause");
  CHECK(status_of_move([&] { g.propose(0, "pause"); }) == 409);  // already in force
  CHECK(status_of_move([&] { g.accept(1, "pause"); }) == 409);
  CHECK(status_of_move([&] { g.break_agreement(1, "pause"); }) == 409);  // signed this turn
  g.advance();
  g.break_agreement(0, "pause");
  CHECK(status_of_move([&] { g.propose(1, "pause"); }) == 409);  // broken this turn
  CHECK(agreement_in(g, 1, "pause")["actions"].empty());
  g.pause();
  CHECK(status_of_move([&] { g.propose(0, "evals"); }) == 409);  // the game is paused
  g.resume();
  g.end();
  CHECK(status_of_move([&] { g.propose(0, "evals"); }) == 409);  // over
  CHECK(agreement_in(g, 0, "evals")["actions"].empty());
}

TEST_CASE("the scenario of a run is the one its text gives, without reading the text back") {
  // SeminarModel::scenario merges the decisions into the base's tree and validates that tree;
  // the downloads give its text, which airace run reads: both must be the same scenario.
  const SeminarModel m(load_scenario(kSmall, seminar_sets()), 1);
  const std::vector<serve::Decision> decisions = {{0, Date::from_ymd(2023, 1, 1), 0, 3.0},
                                                  {0, Date::from_ymd(2023, 1, 1), 1, 4e9}};
  const Date end = m.base().info.end;
  const Scenario direct = m.scenario(decisions, end);
  const Scenario read_back = load_scenario_text(m.scenario_yaml(decisions, end), kSmall);
  CHECK(to_yaml(direct.resolved) == to_yaml(read_back.resolved));
  CHECK(direct.info.name == read_back.info.name);
  CHECK(direct.policy_events.size() == read_back.policy_events.size());
  const RunResult a = m.run(direct), b = m.run(read_back);
  CHECK(same_series(a, b));
  CHECK(a.meta.decisions_csv == b.meta.decisions_csv);
  CHECK_FALSE(same_series(a, m.run(m.scenario({}, end))));  // the decisions do act
}

TEST_CASE("the game ends once its turns reach the scenario's end") {
  std::vector<std::string> sets = seminar_sets();
  sets[2] = "seminar={turn_months: 6, replicates: 1, first_turn: 2023-01-01}";
  const SeminarModel m(load_scenario(kSmall, sets), 1);
  Game g(m);
  g.advance();  // 2023-01 .. 2023-06
  CHECK(g.state(std::nullopt)["status"] == "playing");
  g.advance();  // 2023-07 .. 2023-12, the end
  CHECK(g.state(std::nullopt)["status"] == "ended");
  CHECK(g.state(std::nullopt)["shown_until"] == "2023-12-31");
  g.undo();  // reopens it
  CHECK(g.state(std::nullopt)["status"] == "playing");
}

TEST_CASE("the dashboard's view has bands for every indicator and flagship releases") {
  const SeminarModel m(load_scenario(kSmall, seminar_sets()), 1);
  std::vector<double> values = m.defaults();
  values[0] = 4.0;
  const Scenario s = m.scenario({{0, Date::from_ymd(2023, 1, 1), 0, 4.0}}, Date::from_ymd(2023, 12, 31));
  const RunResult r = m.run(s);
  const Json v = m.view(r, Date::from_ymd(2023, 12, 31));
  CHECK(v["dates"].size() == 24);
  REQUIRE_FALSE(m.indicators().empty());
  for (const auto& ind : m.indicators()) {
    const Json& b = v["series"][ind.id];
    CHECK(b["median"].size() == 24);
    for (std::size_t t = 0; t < 24; ++t)
      if (!b["median"][t].is_null())
        CHECK(b["p5"][t].get<double>() <= b["p95"][t].get<double>());
  }
  for (const Json& rel : v["releases"]) CHECK(rel["date"].get<std::string>() <= "2023-12-31");
}

TEST_CASE("only releases moving the world's best half an order of magnitude are frontier") {
  const SeminarModel m(load_scenario(kSmall, seminar_sets()), 1);
  const RunResult r = m.run(m.scenario({}, Date::from_ymd(2023, 12, 31)));
  const Json v = m.view(r, Date::from_ymd(2023, 12, 31));
  REQUIRE_FALSE(v["releases"].empty());
  // The flagship releases of replicate 0 again, with their capability: which ones the view
  // must mark.
  const EventTableId t = r.catalog.find_event_table("releases", "release");
  const EventTableSpec& spec = r.catalog.event_tables()[t];
  std::size_t c_cap = 0, c_country = 0;
  for (std::size_t c = 0; c < spec.columns.size(); ++c) {
    if (spec.columns[c].name == "capability") c_cap = c;
    if (spec.columns[c].name == "country") c_country = c;
  }
  const SeriesBuffer& b = r.replicates[0];
  std::vector<bool> expected;
  std::map<double, double> best;
  double marked = -1e300;
  for (std::size_t i = 0; i < b.event_count(t); ++i) {
    const double* row = b.events(t).data() + i * b.event_columns(t);
    const auto it = best.find(row[c_country]);
    if (it != best.end() && row[c_cap] <= it->second) continue;
    best[row[c_country]] = row[c_cap];
    expected.push_back(row[c_cap] >= marked + 0.5);
    if (expected.back()) marked = row[c_cap];
  }
  REQUIRE(v["releases"].size() == expected.size());
  std::size_t frontier = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(v["releases"][i]["frontier"].get<bool>() == expected[i]);
    frontier += expected[i] ? 1 : 0;
  }
  CHECK(v["releases"][0]["frontier"].get<bool>());
  CHECK(frontier < expected.size());
}

TEST_CASE("the market view sums the hardware firms and the platforms and is null without firms") {
  const SeminarModel none(load_scenario(kSmall, seminar_sets()), 1);
  CHECK(none.info_json()["markets"].empty());
  const RunResult plain = none.run(none.scenario({}, Date::from_ymd(2023, 12, 31)));
  CHECK(none.view(plain, Date::from_ymd(2023, 12, 31))["markets"].is_null());

  std::vector<std::string> sets = seminar_sets();
  sets.push_back(
      "firms=[{id: nvidia, name: Nvidia, country: US, exchange: nasdaq, index: true, "
      "market_cap_usd: 7.0e11, compute_exposure: 1.5}, {id: fab, name: Fab, country: US, "
      "exchange: nasdaq, market_cap_usd: 3.0e11, compute_exposure: 0.5}, {id: cloud, name: "
      "Cloud, country: US, exchange: nasdaq, index: true, market_cap_usd: 2.0e12, "
      "compute_exposure: 0.1, margins_exposure: 0.2}, {id: rest, name: Rest, country: US, "
      "exchange: nasdaq, index: true, market_cap_usd: 8.0e12}]");
  const SeminarModel m(load_scenario(kSmall, sets), 1);
  const Json info = m.info_json();
  REQUIRE(info["markets"].size() == 4);
  CHECK(info["markets"][0]["id"] == "market_index");
  const RunResult r = m.run(m.scenario({}, Date::from_ymd(2023, 12, 31)));
  const Json v = m.view(r, Date::from_ymd(2023, 6, 30))["markets"];
  REQUIRE(v.is_object());
  REQUIRE_FALSE(v["dates"].empty());
  CHECK(v["dates"].back().get<std::string>() <= "2023-06-30");
  const Json& series = v["series"];
  for (const char* id : {"market_index", "market_nvidia", "market_hardware", "market_platforms"})
    CHECK(series[id]["median"].size() == v["dates"].size());
  // On the first trading day every replicate still has the scenario's values.
  CHECK(series["market_nvidia"]["median"][0].get<double>() ==
        doctest::Approx(7.0e11).epsilon(0.05));
  CHECK(series["market_hardware"]["median"][0].get<double>() ==
        doctest::Approx(1.0e12).epsilon(0.05));
  CHECK(series["market_platforms"]["median"][0].get<double>() ==
        doctest::Approx(2.0e12).epsilon(0.05));
  CHECK(series["market_index"]["median"][0].get<double>() ==
        doctest::Approx(1.07e13).epsilon(0.05));
}

TEST_CASE("every scenario of the library can be served with the default levers") {
  namespace fs = std::filesystem;
  std::size_t served = 0;
  for (const char* dir : {"scenarios", "scenarios/whatif", "scenarios/teaching"})
    for (const fs::directory_entry& e : fs::directory_iterator(fs::path(AIRACE_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".yaml") continue;
      INFO(e.path().string());
      const Scenario s = load_scenario(e.path());
      const Scenario with = s.levers.empty() ? airace::serve::with_default_levers(s) : s;
      CHECK(with.levers.size() >= 6);  // seminar.yaml adds option levers
      CHECK(with.teams.size() == 2);
      CHECK(with.seminar.first_turn < with.info.end);
      ++served;
    }
  CHECK(served > 20);
  // The defaults start turns in 2025 when the scenario spans it, else a month after its start.
  CHECK(airace::serve::with_default_levers(load_scenario(kSmall)).seminar.first_turn ==
        Date::from_ymd(2022, 2, 1));
  // A value off the default slider is reported, saying to declare levers.
  bool refused = false;
  try {
    airace::serve::with_default_levers(load_scenario(kSmall, {"us_government.enforcement=1.1"}));
  } catch (const InputError& e) {
    refused = e.diagnostics().back().hint.find("declare levers") != std::string::npos;
  }
  CHECK(refused);
}

}  // namespace seminar_test
