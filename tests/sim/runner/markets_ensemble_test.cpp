// Markets in a scenario: bad input located in the file, and the historical baseline's shock of
// January 2025 over an ensemble.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>

#include "agents/markets.hpp"
#include "sim/runner/ensemble.hpp"
#include "tests/scenario_errors.hpp"

using namespace airace;

namespace markets_ensemble_test {

namespace {

// Every error of small.yaml extended by `yaml`, written to the file `name` (line 2 onwards) in the
// temporary folder, one formatted error a line.
std::string errors_of_extension(const std::string& name, const std::string& yaml) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / name;
  std::ofstream(file) << "extends: " << AIRACE_SOURCE_DIR << "/tests/data/small.yaml\n" << yaml;
  std::string all;
  for (const Diagnostic& e : testing::scenario_errors(file.string()))
    all += format_diagnostic(e) + "\n";
  std::filesystem::remove(file);
  return all;
}

}  // namespace

TEST_CASE("bad market input is reported") {
  const std::string all = errors_of_extension(
      "airace_bad_markets.yaml",
      "market_model:\n"
      "  factor_correlation: [[1, 0.9, 0.9, 0], [0.9, 1, -0.9, 0], [0.9, -0.9, 1, 0], "
      "[0, 0, 0, 1]]\n"
      "  fundamental_share: 0.9\n"
      "firms:\n"
      "  - {id: nv, country: US, market_cap_usd: -5}\n"
      "  - {id: x, country: XX, market_cap_usd: 1e9, compute_exposur: 1}\n");
  CAPTURE(all);
  CHECK(all.find("airace_bad_markets.yaml:3:23") != std::string::npos);
  CHECK(all.find("not positive definite") != std::string::npos);
  CHECK(all.find("expected 1") != std::string::npos);  // the investor shares
  CHECK(all.find("market_cap_usd") != std::string::npos);
  CHECK(all.find("unknown country id 'XX'") != std::string::npos);
  CHECK(all.find("did you mean 'compute_exposure'") != std::string::npos);
}

TEST_CASE("policy rates must be in date order and start on or before the start date") {
  const std::string all = errors_of_extension("airace_bad_rates.yaml",
                                              "market_model:\n"
                                              "  policy_rates:\n"
                                              "    - {id: late, date: 2030-01-01, percent: 2}\n"
                                              "    - {id: earlier, date: 2029-01-01, percent: 3}\n");
  CAPTURE(all);
  CHECK(all.find("airace_bad_rates.yaml:5") != std::string::npos);
  CHECK(all.find("date order") != std::string::npos);
  CHECK(all.find("after the start date") != std::string::npos);
}

// ---- The historical baseline -----------------------------------------------------------------

namespace {

struct ShockDay {
  // [replicate] returns on the day investors price DeepSeek-R1, when its attention peaks
  // (docs/model.md §3.3.7 "Attention"): the first Nasdaq day on or after its release plus its
  // `attention_lag_days`, about a week later at the medians with the press of the US
  std::vector<double> nvidia, index;
  std::vector<double> holiday;  // [replicate] Nvidia's return on 2025-01-20
};

ShockDay shock_day(const std::string& file, std::vector<std::string> sets = {}) {
  sets.push_back("run.replicates=20");
  sets.push_back("scenario.end=2025-03-31");
  // At the calibrated point: the parameters' uncertainty widens the shock (docs/calibration.md).
  const RunResult r = run_ensemble(scenario_at_medians(load_scenario(file, sets)), {}, {});
  const SeriesCatalog& cat = r.catalog;
  const SeriesId ret = cat.find("markets", "daily_return");
  const SeriesId idx = cat.find("markets", "index_return");
  const SeriesId open = cat.find("markets", "trading");
  const std::vector<Date>& days = cat.time_axis(cat.series()[ret].cadence).dates;
  // DeepSeek-R1 came out on 2025-01-20, Martin Luther King Jr. Day: Nasdaq was closed.
  const Date release = Date::from_ymd(2025, 1, 20);
  const auto t0 =
      static_cast<std::size_t>(std::find(days.begin(), days.end(), release) - days.begin());
  REQUIRE(t0 < days.size());
  const EventTableId moves = cat.find_event_table("release_market_moves", "move");
  REQUIRE(moves != kNoEventTable);
  const EventTableSpec& spec = cat.event_tables()[moves];
  const std::size_t width = spec.columns.size(), lab = spec.column("lab"),
                    date = spec.column("date"), firm = spec.column("firm"),
                    lag = spec.column("attention_lag_days");
  const std::vector<std::string>& labs = cat.axes()[spec.columns[lab].axis].ids;
  const auto deepseek =
      static_cast<double>(std::find(labs.begin(), labs.end(), "deepseek") - labs.begin());
  ShockDay out;
  for (const SeriesBuffer& rep : r.replicates) {
    const std::span<const double> rows = rep.events(moves);
    std::size_t t = days.size();
    for (std::size_t i = 0; i + width <= rows.size(); i += width)
      if (rows[i + lab] == deepseek && rows[i + firm] == 0.0 &&  // nvidia is the first firm
          rows[i + date] == static_cast<double>(release.days_since_epoch())) {
        const Date peak = release.plus_days(std::lround(rows[i + lag]));
        t = static_cast<std::size_t>(std::lower_bound(days.begin(), days.end(), peak) -
                                     days.begin());
        while (t < days.size() && rep.get(open, t, 0) != 1.0) ++t;
      }
    REQUIRE(t < days.size());
    out.nvidia.push_back(rep.get(ret, t, 0));
    out.index.push_back(rep.get(idx, t));
    out.holiday.push_back(rep.get(ret, t0, 0));
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return 0.5 * (v[(v.size() - 1) / 2] + v[v.size() / 2]);
}

const std::string kBaselineFile = std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml";

}  // namespace

TEST_CASE("the efficient open release of January 2025 reprices Nvidia on its trading day") {
  const ShockDay open = shock_day(kBaselineFile);
  CAPTURE(median(open.nvidia));
  CAPTURE(median(open.index));
  // Nasdaq was closed on the release day: Nvidia's price did not move.
  for (double r : open.holiday) CHECK(r == 0.0);
  // SF12 over 100 replicates is checked in the closing note; 20 replicates bound the median.
  CHECK(median(open.nvidia) < -0.10);
  CHECK(median(open.nvidia) > -0.30);
  CHECK(median(open.index) < -0.015);
  CHECK(median(open.index) > -0.08);
  // The challenger releasing closed: investors cannot check its compute, so its part of the
  // shock goes. Other labs' open releases of the same week (MiniMax, Alibaba, ByteDance in a
  // quarter of the replicates, release days being decided, not gridded) keep a shock of their
  // own on those days in some replicates; and where DeepSeek's releases before R1 are closed too,
  // investors know less of it and R1 surprises them more. Over 100 replicates at the medians the
  // closed R1 is smaller by more than a point in 68 (median -12.3 % against -16.0 %); over these
  // 20, in 10. Paths part after R1's release (adoption differs), so some would be smaller by
  // chance: with a closed release read as an open one (closed_observation_sd 0.15), 6 of these 20
  // and 48 of 100, the median -16.4 %. The median's difference is the sharper check.
  const ShockDay closed =
      shock_day(std::string(AIRACE_SOURCE_DIR) + "/scenarios/whatif/challenger_closed.yaml");
  int smaller = 0;
  for (std::size_t rep = 0; rep < open.nvidia.size(); ++rep)
    smaller += closed.nvidia[rep] > open.nvidia[rep] + 0.01;
  CAPTURE(smaller);
  CHECK(smaller >= 9);
  CHECK(median(closed.nvidia) > median(open.nvidia) + 0.03);
  // And without investors who read compute into demand there is no shock at all.
  const ShockDay blind = shock_day(kBaselineFile, {"market_model.compute_demand_elasticity=0",
                                                   "market_model.jevons_elasticity=0"});
  CHECK(std::abs(median(blind.nvidia)) < 0.02);
}

namespace {

// The baseline at its parameters' medians, 12 replicates to mid-2025, and its run (loaded and
// run once for the tests that read its releases' market moves).
struct MediansRun {
  Scenario scenario;
  RunResult result;
};

const MediansRun& baseline_to_mid_2025() {
  static const MediansRun r = [] {
    Scenario sc = scenario_at_medians(
        load_scenario(kBaselineFile, {"run.replicates=12", "scenario.end=2025-06-30"}));
    RunResult result = run_ensemble(sc, {}, {});
    return MediansRun{std::move(sc), std::move(result)};
  }();
  return r;
}

}  // namespace

TEST_CASE("a release is weighed by its benchmark position when it came out") {
  // docs/model.md §3.3.7 "Attention": a release priced days later, when its attention peaks, keeps
  // the salience it drew when it came out (what the press and word of mouth spread); a better
  // model released meanwhile does not quiet it. In the baseline OpenAI's or Google's releases of
  // the week after DeepSeek-R1 did so in about a tenth of the replicates.
  const Scenario& sc = baseline_to_mid_2025().scenario;
  const RunResult& r = baseline_to_mid_2025().result;
  const SeriesCatalog& cat = r.catalog;
  const EventTableId moves = cat.find_event_table("release_market_moves", "move");
  const EventTableId releases = cat.find_event_table("releases", "release");
  REQUIRE(moves != kNoEventTable);
  REQUIRE(releases != kNoEventTable);
  const EventTableSpec& m = cat.event_tables()[moves];
  const EventTableSpec& rl = cat.event_tables()[releases];
  const std::size_t mw = m.columns.size(), m_lab = m.column("lab"), m_date = m.column("date"),
                    m_firm = m.column("firm"), m_salience = m.column("salience"),
                    m_lag = m.column("attention_lag_days");
  const std::size_t rw = rl.columns.size(), r_lab = rl.column("lab"), r_date = rl.column("date"),
                    r_capability = rl.column("capability");
  const double salience_log10 = sc.markets_setup.params.salience_log10;
  int late = 0, overtaken = 0;
  for (const SeriesBuffer& rep : r.replicates) {
    const std::span<const double> rel = rep.events(releases);
    const std::span<const double> mv = rep.events(moves);
    for (std::size_t i = 0; i + mw <= mv.size(); i += mw) {
      if (mv[i + m_firm] != 0.0 || mv[i + m_lag] < 1.0) continue;  // one row a release, priced late
      const double day = mv[i + m_date];
      // (from mid-2023, when the models released beat those the labs had at the start)
      if (day < static_cast<double>(Date::from_ymd(2023, 7, 1).days_since_epoch())) continue;
      // The release's capability, the best released by its day and the best by its pricing.
      double capability = -1.0, best_then = 0.0, best_priced = 0.0;
      for (std::size_t j = 0; j + rw <= rel.size(); j += rw) {
        if (rel[j + r_date] <= day) best_then = std::max(best_then, rel[j + r_capability]);
        if (rel[j + r_date] <= day + mv[i + m_lag])
          best_priced = std::max(best_priced, rel[j + r_capability]);
        if (rel[j + r_date] == day && rel[j + r_lab] == mv[i + m_lab])
          capability = rel[j + r_capability];
      }
      REQUIRE(capability > 0.0);
      ++late;
      overtaken += best_priced > best_then + 0.05;
      CHECK(mv[i + m_salience] ==
            doctest::Approx(std::exp(-std::max(0.0, best_then - capability) / salience_log10))
                .epsilon(1e-9));
    }
  }
  CAPTURE(late);
  CHECK(late > 20);
  CHECK(overtaken > 0);  // the case the test is about occurs
}

TEST_CASE("when a release's attention peaks follows its lab's users, not its benchmark position") {
  // docs/model.md §3.3.7 "Attention": a release's salience sets how much attention it draws (its
  // weight in beliefs), not how fast word of mouth spreads it, so no release waits longer than
  // one of a lab nobody uses, however far behind the frontier it stands. With word of mouth
  // scaled by salience, releases far behind were priced at once (the press outpacing it) and
  // those a little less far behind up to four weeks late.
  const MarketModelParams& p = baseline_to_mid_2025().scenario.markets_setup.params;
  const double q = p.attention_word_of_mouth_per_day, unknown = p.attention_press_unknown_per_day;
  REQUIRE(q > 0.0);
  const double longest = std::log(q / unknown) / (q + unknown);
  const RunResult& r = baseline_to_mid_2025().result;
  const EventTableId moves = r.catalog.find_event_table("release_market_moves", "move");
  REQUIRE(moves != kNoEventTable);
  const EventTableSpec& m = r.catalog.event_tables()[moves];
  const std::size_t mw = m.columns.size(), m_firm = m.column("firm"),
                    m_salience = m.column("salience"), m_lag = m.column("attention_lag_days");
  int rows = 0, unnoticed_late = 0;
  double latest = 0.0;
  for (const SeriesBuffer& rep : r.replicates) {
    const std::span<const double> mv = rep.events(moves);
    for (std::size_t i = 0; i + mw <= mv.size(); i += mw) {
      if (mv[i + m_firm] != 0.0) continue;  // one row a release
      ++rows;
      latest = std::max(latest, mv[i + m_lag]);
      unnoticed_late += mv[i + m_salience] < 0.01 && mv[i + m_lag] >= 1.0;
    }
  }
  CAPTURE(rows);
  CAPTURE(latest);
  CAPTURE(unnoticed_late);
  CHECK(rows > 100);
  CHECK(latest <= longest + 1e-9);
  CHECK(latest > 3.0);  // labs few use are priced days late
  CHECK(unnoticed_late > 0);  // far behind the frontier too
}

}  // namespace markets_ensemble_test
