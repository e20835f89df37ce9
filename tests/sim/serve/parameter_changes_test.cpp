#include "sim/model/parameter_changes.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "sim/runner/ensemble.hpp"
#include "sim/model/model.hpp"
#include "sim/serve/seminar_model.hpp"
#include "tests/airace_process.hpp"
#include "tests/scenario_errors.hpp"

using namespace airace;

namespace parameter_changes_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";
// small.yaml's rule_2022 covers 'tpp >= 4800 and interconnect_gbps >= 600'; the A100's TPP is
// 312 TFLOPS x 16 = 4992, so a threshold of 5000 frees it for China.
const std::string kLooser = "tpp >= 5000 and interconnect_gbps >= 600";
const std::string kRule = "export_rules[rule_2022].covers";
const Date kRuleDate = Date::from_ymd(2022, 10, 7);

RunResult run(const Scenario& s, int threads = 1) {
  EnsembleOptions options;
  options.threads = threads;
  return run_ensemble(s, options, RunMetadata{});
}

// Checks the A100's legal share in CN in every replicate: 1 before the rule, 0 while the rule
// covers it, 1 again from `freed` on.
void check_a100_freed_on(const RunResult& r, Date freed) {
  const SeriesId s = r.catalog.find("chips", "legal_share");
  REQUIRE(s != kNoSeries);
  const TimeAxis& axis = r.catalog.time_axis(r.catalog.series()[s].cadence);
  const std::size_t a100_cn = 0 * 2 + 1;  // [chip * n_countries + country]
  for (const SeriesBuffer& b : r.replicates)
    for (std::size_t t = 0; t < axis.dates.size(); ++t) {
      const Date d = axis.dates[t];
      CAPTURE(d.iso());
      const double expected = d < kRuleDate ? 1.0 : d < freed ? 0.0 : 1.0;
      CHECK(b.get(s, t, a100_cn) == expected);
    }
}

// Every release of cn_lab: (date, open) over all replicates.
std::vector<std::pair<Date, bool>> cn_lab_releases(const RunResult& r) {
  std::vector<std::pair<Date, bool>> out;
  const EventTableId t = r.catalog.find_event_table("releases", "release");
  REQUIRE(t != kNoEventTable);
  const EventTableSpec& spec = r.catalog.event_tables()[t];
  std::size_t c_lab = 0, c_date = 0, c_open = 0;
  for (std::size_t c = 0; c < spec.columns.size(); ++c) {
    if (spec.columns[c].name == "lab") c_lab = c;
    if (spec.columns[c].name == "date") c_date = c;
    if (spec.columns[c].name == "open") c_open = c;
  }
  for (const SeriesBuffer& b : r.replicates)
    for (std::size_t i = 0; i < b.event_count(t); ++i) {
      const double* row = b.events(t).data() + i * b.event_columns(t);
      if (row[c_lab] != 1.0) continue;  // cn_lab is the second lab
      out.emplace_back(Date::from_days(static_cast<int64_t>(row[c_date])), row[c_open] != 0.0);
    }
  return out;
}

// cn_lab releases only open weights before `date` and only closed from it on.
void check_closed_from(const RunResult& r, Date date) {
  const auto releases = cn_lab_releases(r);
  std::size_t before = 0, after = 0;
  for (const auto& [d, open] : releases) {
    CAPTURE(d.iso());
    CHECK(open == (d < date));
    (d < date ? before : after) += 1;
  }
  CHECK(before > 0);
  CHECK(after > 0);
}

std::string event(const std::string& set, const std::string& to, const char* date = "2023-01-01") {
  return "policy_events=[{id: change, date: " + std::string(date) + ", set: '" + set +
         "', to: '" + to + "'}]";
}

std::string adaptive(const std::string& set, const std::string& to) {
  // Governments act quarterly: years_elapsed >= 0.99 first holds on 2023-01-01.
  return "us_government.adaptive_rules=[{id: change, when: 'years_elapsed >= 0.99', lag_days: "
         "30, set: '" +
         set + "', to: '" + to + "'}]";
}

bool same_results(const RunResult& a, const RunResult& b) {
  if (a.replicates.size() != b.replicates.size()) return false;
  for (std::size_t r = 0; r < a.replicates.size(); ++r) {
    const SeriesBuffer& x = a.replicates[r];
    const SeriesBuffer& y = b.replicates[r];
    for (SeriesId s = 0; s < x.series_count(); ++s) {
      const auto u = x.values(s), v = y.values(s);
      if (u.size() != v.size()) return false;
      for (std::size_t i = 0; i < u.size(); ++i)
        if (!(u[i] == v[i] || (std::isnan(u[i]) && std::isnan(v[i])))) return false;
    }
    for (EventTableId t = 0; t < x.event_table_count(); ++t) {
      const auto u = x.events(t), v = y.events(t);
      if (!std::equal(u.begin(), u.end(), v.begin(), v.end())) return false;
    }
  }
  return true;
}
}  // namespace

TEST_CASE("the schema marks the parameters that may change during a run") {
  const std::vector<std::string>& marked = changeable_parameters();
  for (const char* key :
       {"us_government.enforcement", "allies.alignment",
        "china_government.chip_subsidy_usd_per_year", "china_government.domestic_preference",
        "china_government.compute_pool_share", "china_government.open_encouragement",
        "export_rules[].covers", "export_rules[].destinations[].treatment",
        "export_rules[].destinations[].approval_rate", "export_rules[].destinations[].cap_h100e",
        "labs[].release_policy", "labs[].state_funding_usd_per_year",
        "labs[].efficiency_growth_per_year"}) {
    CAPTURE(key);
    CHECK(std::find(marked.begin(), marked.end(), key) != marked.end());
  }
  // Sizes and things derived once at the start are not marked.
  for (const char* key : {"labs[].chips", "countries[].tier", "scenario.start", "chips[].launch"}) {
    CAPTURE(key);
    CHECK(std::find(marked.begin(), marked.end(), key) == marked.end());
  }
}

TEST_CASE("a dated policy event changes an export rule's TPP threshold from its date") {
  const Scenario s = load_scenario(kSmall, {event(kRule, kLooser)});
  REQUIRE(s.versions != nullptr);
  const RunResult r = run(s);
  check_a100_freed_on(r, Date::from_ymd(2023, 1, 1));
  // /policy/parameter_changes: one row per replicate, on the date, naming the change.
  const EventTableId t = r.catalog.find_event_table("policy", "parameter_changes");
  REQUIRE(t != kNoEventTable);
  for (const SeriesBuffer& b : r.replicates) {
    REQUIRE(b.event_count(t) == 1);
    CHECK(Date::from_days(static_cast<int64_t>(b.events(t)[0])) == Date::from_ymd(2023, 1, 1));
    CHECK(b.events(t)[1] == 0.0);
  }
  // The --set spelling names the same parameter.
  check_a100_freed_on(
      run(load_scenario(kSmall, {event("export_rules.rule_2022.covers", kLooser)})),
      Date::from_ymd(2023, 1, 1));
}

TEST_CASE("a dated policy event changes a lab's release policy from its date") {
  const Scenario s = load_scenario(
      kSmall, {"labs.cn_lab.release_policy=open", event("labs[cn_lab].release_policy", "closed")});
  check_closed_from(run(s), Date::from_ymd(2023, 1, 1));
}

TEST_CASE("a dated policy event changes a lab's pace of algorithmic progress from its date") {
  // A what-if may slow a lab's research from a date this way (a lever, in a seminar).
  const char* quiet = "lab_model.efficiency_noise_sigma=0";
  const RunResult base = run(load_scenario(kSmall, {quiet}));
  const RunResult slowed =
      run(load_scenario(kSmall, {quiet,
                                 "policy_events=[{id: change, date: 2023-01-01, set: "
                                 "'labs[cn_lab].efficiency_growth_per_year', to: 1}]"}));
  const SeriesId s = base.catalog.find("labs", "algorithmic_efficiency");
  REQUIRE(s != kNoSeries);
  const TimeAxis& axis = base.catalog.time_axis(base.catalog.series()[s].cadence);
  const std::size_t cn_lab = 1, last = axis.dates.size() - 1;
  for (std::size_t r = 0; r < base.replicates.size(); ++r) {
    const SeriesBuffer &a = base.replicates[r], &b = slowed.replicates[r];
    for (std::size_t t = 0; axis.dates[t] < Date::from_ymd(2023, 1, 1); ++t) {
      CAPTURE(axis.dates[t].iso());
      CHECK(b.get(s, t, cn_lab) == a.get(s, t, cn_lab));
    }
    CHECK(b.get(s, last, cn_lab) < a.get(s, last, cn_lab));
  }
}

TEST_CASE("an adaptive rule changes an export rule's threshold and a release policy after its lag") {
  check_a100_freed_on(run(load_scenario(kSmall, {adaptive(kRule, kLooser)})),
                      Date::from_ymd(2023, 1, 31));
  const Scenario s = load_scenario(
      kSmall, {"labs.cn_lab.release_policy=open", adaptive("labs[cn_lab].release_policy", "closed")});
  check_closed_from(run(s), Date::from_ymd(2023, 1, 31));
}

TEST_CASE("a run with parameter changes is identical at 1 and 2 threads") {
  const Scenario s = load_scenario(
      kSmall, {event(kRule, kLooser, "2022-12-01"),
               "us_government.adaptive_rules=[{id: close, when: 'years_elapsed >= 0.99', "
               "lag_days: 30, set: 'labs[cn_lab].release_policy', to: closed}]"});
  CHECK(same_results(run(s, 1), run(s, 2)));
}

// small.yaml with two option levers: the rule's threshold (US) and cn_lab's release policy.
std::vector<std::string> option_lever_sets() {
  return {
      "labs.cn_lab.release_policy=open",
      "teams=[{id: us, name: US government}, {id: cn, name: China's lab}]",
      "levers=[{id: tpp, set: '" + kRule + "', team: us, label: TPP threshold, options: [{value: "
          "'tpp >= 4800 and interconnect_gbps >= 600', label: TPP 4800}, {value: '" + kLooser +
          "', label: TPP 5000 (looser)}]}, {id: release, set: 'labs[cn_lab].release_policy', "
          "team: cn, label: Release policy, options: [{value: decide, label: Decide}, {value: "
          "open, label: Open weights}, {value: closed, label: Closed}]}]",
      "seminar={turn_months: 3, replicates: 2, first_turn: 2023-01-01}"};
}

TEST_CASE("seminar option levers change an export rule's threshold and a release policy") {
  const serve::SeminarModel m(load_scenario(kSmall, option_lever_sets()), 1);
  CHECK(m.defaults() == std::vector<double>{0.0, 1.0});  // the scenario's own values
  const serve::Json info = m.info_json();
  CHECK(info["levers"][0]["options"].size() == 2);
  CHECK(info["levers"][1]["options"][2]["label"] == "Closed");
  // A student picks an option by index or by value; anything else is refused.
  CHECK(m.values_from(serve::Json::parse(R"({"tpp": 1, "release": "closed"})"), m.defaults(),
                      std::nullopt) == std::vector<double>{1.0, 2.0});
  CHECK_THROWS_AS(m.values_from(serve::Json::parse(R"({"release": "sometimes"})"), m.defaults(),
                                std::nullopt),
                  serve::RequestError);
  CHECK_THROWS_AS(
      m.values_from(serve::Json::parse(R"({"tpp": 0})"), m.defaults(), std::size_t{1}),
      serve::RequestError);  // the US team's lever

  const Date turn = Date::from_ymd(2023, 1, 1);
  const std::vector<serve::Decision> decisions = {{1, turn, 0, 1.0}, {1, turn, 1, 2.0}};
  const Scenario s = m.scenario(decisions, Date::from_ymd(2023, 12, 31));
  const RunResult r = m.run(s);
  check_a100_freed_on(r, turn);
  check_closed_from(r, turn);
  // The wargame's export loads and reruns identically.
  const std::string yaml = m.scenario_yaml(decisions, Date::from_ymd(2023, 12, 31));
  CHECK(same_results(m.run(load_scenario_text(yaml, kSmall)), r));
}

TEST_CASE("the server's runs are those of their scenarios: levers checked once, starts shared") {
  // SeminarModel::scenario takes the base's levers as checked (LeverChecks::done), and its runs
  // share what replicates work out at their start (the population, sim/core/start_cache.hpp):
  // each must give what a scenario checked in full, run on its own, gives.
  const serve::SeminarModel m(load_scenario(kSmall, option_lever_sets()), 1);
  const Date turn = Date::from_ymd(2023, 1, 1), end = m.base().info.end;
  const std::vector<std::vector<serve::Decision>> runs = {
      {}, {{0, turn, 1, 2.0}}, {{0, turn, 0, 1.0}, {0, turn, 1, 0.0}}, {{0, turn, 1, 2.0}}};
  for (const std::vector<serve::Decision>& decisions : runs) {
    CAPTURE(decisions.size());
    const Scenario fast = m.scenario(decisions, end);
    const Scenario checked = scenario_from_tree(m.scenario_tree(decisions, end), kSmall);
    CHECK(fast.seminar_setup.lever_value == checked.seminar_setup.lever_value);
    CHECK(fast.governments_setup.parameters.size() == checked.governments_setup.parameters.size());
    CHECK(to_yaml(fast.resolved) == to_yaml(checked.resolved));
    const RunResult served = m.run(fast);
    const RunResult own = run(checked);  // no start cache
    CHECK(same_results(served, own));
    // The server keeps no scenario text with a run; a download adds the one `airace run` writes.
    CHECK(served.meta.resolved_scenario_yaml.empty());
    CHECK(serve::SeminarModel::with_text(served, m.scenario_yaml(decisions, end))
              .meta.resolved_scenario_yaml == own.meta.resolved_scenario_yaml);
  }
}

TEST_CASE("a decision set mid-run on the base's run gives the series of the scenario with it") {
  // What a server that starts its runs from the base's state at seminar.first_turn would rely
  // on: a lever set there through the stepping API (set_lever, set_parameter) gives every series
  // and the releases of the scenario that decides it by a policy event. Only the table of
  // parameter changes differs: set_parameter's changes are not recorded there (and a scenario
  // without parameter changes has no such table: its catalog has one table less).
  std::vector<std::string> sets = option_lever_sets();
  sets[2] = "levers=[{id: enf, set: us_government.enforcement, team: us, label: Enforcement, "
            "min: 0, max: 4, step: 0.5}, " + sets[2].substr(8);
  const serve::SeminarModel m(load_scenario(kSmall, sets), 1);
  const Date turn = m.base().seminar.first_turn, end = m.base().info.end;
  const Scenario base = m.scenario({}, end);
  const SeriesCatalog cat = build_catalog(base);
  const EventTableId releases = cat.find_event_table("releases", "release");
  REQUIRE(releases != kNoEventTable);
  for (const auto& [lever, value] : std::vector<std::pair<std::size_t, double>>{
           {0, 3.0}, {1, 1.0}, {2, 2.0}}) {
    const LeverSpec& l = m.base().levers[lever];
    CAPTURE(l.id);
    const Scenario decided = m.scenario({{0, turn, lever, value}}, end);
    const SeriesCatalog decided_cat = build_catalog(decided);
    REQUIRE(decided_cat.series().size() == cat.series().size());
    REQUIRE(decided_cat.find_event_table("releases", "release") == releases);
    for (uint32_t replicate : {0u, 1u}) {
      Simulation whole(decided, decided_cat, replicate);
      whole.run_to_end();
      Simulation stepped(base, cat, replicate);
      stepped.advance_to(turn.plus_days(-1));
      if (l.set != Lever::none)
        stepped.set_lever(l.set, value);
      else
        stepped.set_parameter(l.parameter, lever_value_text(l, value));
      stepped.run_to_end();
      const SeriesBuffer &a = whole.series(), &b = stepped.series();
      for (SeriesId s = 0; s < a.series_count(); ++s) {
        CAPTURE(cat.series()[s].name);
        const auto u = a.values(s), v = b.values(s);
        REQUIRE(u.size() == v.size());
        for (std::size_t i = 0; i < u.size(); ++i)
          REQUIRE((u[i] == v[i] || (std::isnan(u[i]) && std::isnan(v[i]))));
      }
      const auto x = a.events(releases), y = b.events(releases);
      CHECK(std::equal(x.begin(), x.end(), y.begin(), y.end()));
    }
  }
}

TEST_CASE("unmarked or unknown parameters and bad values are refused with their location") {
  using testing::first_scenario_error;
  Diagnostic d = first_scenario_error(kSmall, {event("labs[cn_lab].talent", "2")});
  CHECK(d.key_path == "policy_events[change].set");
  CHECK(d.message.find("may not change during a run") != std::string::npos);
  CHECK(d.hint.find("labs[].release_policy") != std::string::npos);
  d = first_scenario_error(kSmall, {event("labs[cn_lab].release_polcy", "open")});
  CHECK(d.message.find("unknown parameter") != std::string::npos);
  CHECK(d.hint.find("did you mean 'labs[].release_policy'") != std::string::npos);
  d = first_scenario_error(kSmall, {event("labs[cn_labb].release_policy", "open")});
  CHECK(d.message.find("no item 'cn_labb'") != std::string::npos);
  CHECK(d.hint.find("cn_lab") != std::string::npos);
  d = first_scenario_error(kSmall, {adaptive("labs[cn_lab].release_policy", "sometimes")});
  CHECK(d.message.find("expected one of decide, open, closed") != std::string::npos);
  d = first_scenario_error(kSmall, {event(kRule, "tpp >= ")});
  CHECK(d.key_path.find("covers") != std::string::npos);

  // Through `airace check`: file:line:column of `set:` or `to:`, exit status 2.
  const testing::TempDir dir;
  const auto check = [&](const std::string& set, const std::string& to) {
    const std::filesystem::path file = dir.path / "bad.yaml";
    std::ofstream(file) << "extends: " << kSmall << "\npolicy_events:\n  - id: e\n"
                        << "    date: 2023-01-01\n    set: " << set << "\n    to: " << to << "\n";
    return testing::run_airace("check '" + file.string() + "'", dir);
  };
  testing::Outcome o = check("labs[cn_lab].talent", "2");
  CHECK(o.status == 2);
  CHECK(o.err.find("bad.yaml:5:10") != std::string::npos);
  o = check("labs[cn_lab].release_policy", "sometimes");
  CHECK(o.status == 2);
  CHECK(o.err.find("bad.yaml:6:9") != std::string::npos);
  CHECK(o.err.find("expected one of") != std::string::npos);
  o = check("export_rules[rule_2022].destinations[china].approval_rate", "0.5");
  CHECK(o.status == 2);  // an approval rate applies only to treatment licence
  CHECK(o.err.find("licence") != std::string::npos);
  o = check("export_rules[rule_2022].destinations[china].treatment", "licence");
  CHECK(o.status == 0);
}

TEST_CASE("the baseline's parameter changes are EO 14110's reporting and the 2025 H-1B fee") {
  const Scenario s = load_scenario(std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml");
  std::vector<std::pair<std::string, std::string>> changes;
  for (const auto& p : s.governments_setup.parameters) changes.emplace_back(p.origin, p.path);
  std::sort(changes.begin(), changes.end());
  CHECK(changes == std::vector<std::pair<std::string, std::string>>{
                       {"policy_events[eo_14110_reporting]", "safety.us_compute_reporting"},
                       {"policy_events[eo_14110_revoked]", "safety.us_compute_reporting"},
                       {"policy_events[h1b_100k_fee]", "talent.us_visa_openness"}});
  const SeriesCatalog cat = build_catalog(s);
  CHECK(cat.find_event_table("policy", "parameter_changes") != kNoEventTable);
}

TEST_CASE("the stepping API changes an export rule's threshold from today") {
  const Scenario s = load_scenario(kSmall);
  const SeriesCatalog cat = build_catalog(s);
  Simulation sim(s, cat, 0);
  sim.advance_to(Date::from_ymd(2022, 12, 31));
  CHECK_THROWS_AS(sim.set_parameter("labs[cn_lab].talent", "2"), InputError);
  CHECK_THROWS_AS(sim.set_parameter(kRule, "tpp >="), InputError);
  sim.set_parameter(kRule, kLooser);
  sim.run_to_end();
  const TimeAxis& axis = cat.time_axis(cat.series()[cat.find("chips", "legal_share")].cadence);
  for (std::size_t t = 0; t < axis.dates.size(); ++t) {
    const Date d = axis.dates[t];
    if (!(d < Date::from_ymd(2023, 1, 8))) CHECK(sim.series().get(cat.find("chips", "legal_share"), t, 1) == 1.0);
    if (kRuleDate < d && d < Date::from_ymd(2022, 12, 25))
      CHECK(sim.series().get(cat.find("chips", "legal_share"), t, 1) == 0.0);
  }
}

}  // namespace parameter_changes_test
