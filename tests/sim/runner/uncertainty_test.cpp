// Uncertain parameters: distributions in scenarios, drawn per replicate, correlated through a
// copula, failed replicates recorded, and bad distributions refused at their line and column.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "sim/runner/ensemble.hpp"
#include "sim/model/scenario.hpp"
#include "sim/runner/sweep_plan.hpp"
#include "sim/runner/sweep_runner.hpp"
#include "tests/scenario_errors.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace uncertainty_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

// A scenario file extending tests/data/small.yaml with `body`; removed afterwards. Line 1 is the
// extends line, so the body's first line is line 2.
struct ScenarioFile {
  fs::path path;
  explicit ScenarioFile(const std::string& body) {
    path = fs::temp_directory_path() / ("airace_uncertain_" + std::to_string(getpid()) + "_" +
                                        std::to_string(counter++) + ".yaml");
    std::ofstream(path) << "extends: " << kSmall << "\n" << body;
  }
  ~ScenarioFile() { fs::remove(path); }
  static inline int counter = 0;
};

// The values of parameter p over replicates 0..n-1.
std::vector<double> draws_of(const Scenario& s, std::size_t p, uint32_t n) {
  std::vector<double> out;
  for (uint32_t r = 0; r < n; ++r)
    out.push_back(draw_uncertain(s.uncertainty, static_cast<uint64_t>(s.run.seed), r)[p]);
  return out;
}

double fraction_below(const std::vector<double>& v, double x) {
  return static_cast<double>(std::count_if(v.begin(), v.end(), [x](double y) { return y < x; })) /
         static_cast<double>(v.size());
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size(); ++i) r[order[i]] = static_cast<double>(i);
  return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::vector<double> x = ranks(a);
  const std::vector<double> y = ranks(b);
  const double n = static_cast<double>(x.size());
  const double mean = (n - 1) / 2;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mean) * (y[i] - mean);
    sxx += (x[i] - mean) * (x[i] - mean);
    syy += (y[i] - mean) * (y[i] - mean);
  }
  return sxy / std::sqrt(sxx * syy);
}

const std::string kTwoCorrelated =
    "labs:\n"
    "  - id: cn_lab\n"
    "    efficiency_growth_per_year: {distribution: lognormal_80, p10: 2.5, p90: 4.5}\n"
    "    talent: {distribution: uniform, low: 1, high: 2}\n"
    "uncertainty:\n"
    "  correlations:\n"
    "    - between: [labs.cn_lab.talent, labs.cn_lab.efficiency_growth_per_year]\n"
    "      rank_correlation: 0.6\n";

// Every error of a scenario, each as "line:col: key: message (hint)".
std::vector<std::string> errors_of(const ScenarioFile& f) {
  std::vector<std::string> out;
  for (const Diagnostic& d : testing::scenario_errors(f.path.string()))
    out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
                  d.key_path + ": " + d.message + " (" + d.hint + ")");
  return out;
}

bool has_error(const std::vector<std::string>& errors, const std::string& where,
               const std::string& text) {
  for (const std::string& e : errors)
    if (e.starts_with(where + ": ") && e.find(text) != std::string::npos) return true;
  MESSAGE("no error at " << where << " with '" << text << "' among " << errors.size());
  for (const std::string& e : errors) MESSAGE(e);
  return false;
}
}  // namespace

TEST_CASE("a scenario with distributions validates at their medians and keeps them") {
  const ScenarioFile f(kTwoCorrelated);
  const Scenario s = load_scenario(f.path.string());
  REQUIRE(s.uncertainty.parameters.size() == 2);
  const UncertainParameter& growth = s.uncertainty.parameters[0];
  CHECK(growth.key == "labs.cn_lab.efficiency_growth_per_year");
  CHECK(growth.unit == "x/year");
  CHECK(growth.where.line == 4);
  CHECK(growth.median == doctest::Approx(std::sqrt(2.5 * 4.5)));
  CHECK(s.labs[1].efficiency_growth_per_year == doctest::Approx(std::sqrt(2.5 * 4.5)));
  CHECK(s.uncertainty.sampling.copula.has_value());
  // The stored scenario keeps the distributions, so that it reproduces the draws.
  CHECK(to_yaml(s.resolved).find("lognormal_80") != std::string::npos);
}

TEST_CASE(
    "lognormal_80 draws over 2000 replicates have their 10 and 90 percent quantiles at p10 and "
    "p90") {
  const ScenarioFile f(kTwoCorrelated);
  const Scenario s = load_scenario(f.path.string());
  const std::vector<double> v = draws_of(s, 0, 2000);
  // The fraction below a quantile is binomial: sd sqrt(0.1 * 0.9 / 2000) = 0.0067.
  CHECK(fraction_below(v, 2.5) == doctest::Approx(0.1).epsilon(0.25));
  CHECK(fraction_below(v, 4.5) == doctest::Approx(0.9).epsilon(0.03));
  CHECK(fraction_below(v, std::sqrt(2.5 * 4.5)) == doctest::Approx(0.5).epsilon(0.07));
}

TEST_CASE("two correlated parameters have the configured rank correlation") {
  const ScenarioFile f(kTwoCorrelated);
  const Scenario s = load_scenario(f.path.string());
  const std::vector<double> growth = draws_of(s, 0, 2000);
  const std::vector<double> talent = draws_of(s, 1, 2000);
  // Spearman's rho over 2000 pairs has a standard error of about (1 - rho^2) / sqrt(n) = 0.015.
  CHECK(spearman(growth, talent) == doctest::Approx(0.6).epsilon(0.08));
  // Without the correlations section they are independent.
  const ScenarioFile g(kTwoCorrelated.substr(0, kTwoCorrelated.find("uncertainty:")));
  const Scenario independent = load_scenario(g.path.string());
  CHECK(std::abs(spearman(draws_of(independent, 0, 2000), draws_of(independent, 1, 2000))) < 0.07);
}

TEST_CASE("integer parameters draw whole numbers") {
  const ScenarioFile f(
      "adoption_model:\n  adopters: {distribution: uniform, low: 1000, high: 3000}\n");
  const Scenario s = load_scenario(f.path.string());
  REQUIRE(s.uncertainty.parameters.size() == 1);
  CHECK(s.uncertainty.parameters[0].integer);
  for (double v : draws_of(s, 0, 50)) CHECK(v == std::round(v));
}

TEST_CASE("draws and results are the same with one and two threads and differ between replicates") {
  const ScenarioFile f(kTwoCorrelated +
                       "run: {replicates: 4}\nallies:\n  alignment: "
                       "{distribution: normal, mean: 0.8, sd: 0.5}\n");
  const Scenario s = load_scenario(f.path.string());
  const RunResult one = run_ensemble(s, {1, nullptr}, {});
  const RunResult two = run_ensemble(s, {2, nullptr}, {});
  REQUIRE(one.draws.values.size() == 4 * 3);
  CHECK(one.draws.values == two.draws.values);
  CHECK(one.draws.failures == two.draws.failures);
  CHECK(one.draws.values[0] != one.draws.values[3]);
  const SeriesId gap = one.catalog.find("indicators", "us_cn_gap_months");
  for (std::size_t r = 0; r < 4; ++r) {
    const auto a = one.replicates[r].values(gap);
    const auto b = two.replicates[r].values(gap);
    for (std::size_t i = 0; i < a.size(); ++i)
      CHECK((std::isnan(a[i]) ? std::isnan(b[i]) : a[i] == b[i]));
  }
}

TEST_CASE("a draw outside the valid range fails its replicate with a reason and the others run") {
  const ScenarioFile f(
      "run: {replicates: 8}\nallies:\n  alignment: {distribution: normal, mean: 0.8, sd: 0.5}\n");
  const Scenario s = load_scenario(f.path.string());
  const RunResult result = run_ensemble(s, {0, nullptr}, {});
  REQUIRE(result.draws.failures.size() == 8);
  const SeriesId gap = result.catalog.find("indicators", "us_cn_gap_months");
  std::size_t failed = 0;
  for (std::size_t r = 0; r < 8; ++r) {
    const double drawn = result.draws.values[r];
    const bool in_range = drawn >= 0 && drawn <= 1;
    CAPTURE(drawn);
    CHECK(result.draws.failures[r].empty() == in_range);
    const auto series = result.replicates[r].values(gap);
    if (!in_range) {
      ++failed;
      CHECK(result.draws.failures[r].find("allies.alignment") != std::string::npos);
      CHECK(result.draws.failures[r].find("out of range") != std::string::npos);
      CHECK(std::all_of(series.begin(), series.end(), [](double x) { return std::isnan(x); }));
    } else {
      CHECK(!std::isnan(series.back()));
    }
  }
  CHECK(failed > 0);
  CHECK(failed < 8);
  CHECK(result.draws.failed() == failed);
}

TEST_CASE("a bad distribution name or missing or misspelt key is refused at its line and column") {
  const ScenarioFile f(
      "allies:\n"
      "  alignment: {distribution: lognormal80, p10: 0.1, p90: 0.5}\n"  // line 3
      "lab_model:\n"
      "  scarcity_elasticity: {distribution: lognormal_80, p10: 0.2}\n"           // line 5
      "  market_growth_per_year: {distribution: lognormal_80, p10: 2, p90: 1}\n"  // line 6
      "  shrink_per_year: {distribution: normal, mean: 0.1, sdev: 0.02}\n"        // line 7
      "  open_market_share: {distribution: uniform, low: 0.3, high: 0.2}\n");     // line 8
  const std::vector<std::string> e = errors_of(f);
  CHECK(has_error(e, "3:29", "expected one of uniform, normal, lognormal, lognormal_80"));
  CHECK(has_error(e, "3:29", "did you mean 'lognormal_80'?"));
  CHECK(has_error(e, "5:24", "needs 'p90'"));
  CHECK(has_error(e, "6:69", "expected p90 > p10"));
  CHECK(has_error(e, "7:54", "not a key of a normal distribution"));
  CHECK(has_error(e, "7:54", "did you mean 'sd'?"));
  CHECK(has_error(e, "8:56", "expected high > low"));
}

TEST_CASE("a distribution for a key that is not a number or for run settings is refused") {
  const ScenarioFile f(
      "run:\n  seed: {distribution: uniform, low: 1, high: 9}\n"
      "scenario:\n  name: {distribution: uniform, low: 1, high: 9}\n");
  const std::vector<std::string> e = errors_of(f);
  CHECK(has_error(e, "3:9", "cannot be uncertain"));
  CHECK(has_error(e, "5:9", "a distribution can stand only for a number"));
}

TEST_CASE("a median outside the parameter's range is reported with the median") {
  const ScenarioFile f("allies:\n  alignment: {distribution: uniform, low: 1, high: 3}\n");
  const std::vector<std::string> e = errors_of(f);
  CHECK(has_error(e, "3:14", "out of range"));
  CHECK(has_error(e, "3:14", "checked at the distribution's median, 2"));
}

TEST_CASE("a correlation naming a key that is not uncertain is refused with a suggestion") {
  const ScenarioFile f(kTwoCorrelated +
                       "    - between: [labs.cn_lab.talnt, allies.alignment]\n"  // line 10
                       "      rank_correlation: 0.2\n");
  const std::vector<std::string> e = errors_of(f);
  CHECK(has_error(e, "10:17", "'labs.cn_lab.talnt' is not an uncertain parameter"));
  CHECK(has_error(e, "10:17", "did you mean 'labs.cn_lab.talent'?"));
  CHECK(has_error(e, "10:36", "'allies.alignment' is not an uncertain parameter"));
}

TEST_CASE("a correlation with a parameter that an extending file or --set fixes does not apply") {
  // The base file draws both and correlates them; a what-if that fixes one keeps the other drawn.
  const ScenarioFile base(kTwoCorrelated);
  const ScenarioFile whatif("");
  std::ofstream(whatif.path) << "extends: " << base.path.string()
                             << "\nlabs:\n  - id: cn_lab\n    talent: 1.5\n";
  const Scenario fixed = load_scenario(whatif.path.string());
  REQUIRE(fixed.uncertainty.parameters.size() == 1);
  CHECK(fixed.uncertainty.parameters[0].key == "labs.cn_lab.efficiency_growth_per_year");
  CHECK(fixed.labs[1].talent == 1.5);
  CHECK(!fixed.uncertainty.sampling.copula.has_value());
  // ... and stays fixed when a third file, or --set, sets it again.
  const Scenario again = load_scenario(whatif.path.string(), {"labs.cn_lab.talent=1.2"});
  REQUIRE(again.uncertainty.parameters.size() == 1);
  CHECK(again.labs[1].talent == 1.2);
  // The same through --set, on either parameter of the pair.
  const Scenario set = load_scenario(base.path.string(), {"labs.cn_lab.talent=1.5"});
  REQUIRE(set.uncertainty.parameters.size() == 1);
  const Scenario set_growth =
      load_scenario(base.path.string(), {"labs.cn_lab.efficiency_growth_per_year=3"});
  REQUIRE(set_growth.uncertainty.parameters.size() == 1);
  CHECK(set_growth.uncertainty.parameters[0].key == "labs.cn_lab.talent");
  // A --set that gives a new distribution keeps the parameter uncertain and correlated.
  const Scenario redrawn = load_scenario(
      base.path.string(), {"labs.cn_lab.talent={distribution: uniform, low: 1, high: 3}"});
  CHECK(redrawn.uncertainty.parameters.size() == 2);
  CHECK(redrawn.uncertainty.sampling.copula.has_value());
}

TEST_CASE("a correlation matrix that is not positive definite is refused at its section") {
  const ScenarioFile f(
      "allies:\n  alignment: {distribution: uniform, low: 0, high: 1}\n"
      "labs:\n  - id: cn_lab\n    talent: {distribution: uniform, low: 1, high: 2}\n"
      "    open_bias: {distribution: uniform, low: 0, high: 1}\n"
      "uncertainty:\n  correlations:\n"  // line 9
      "    - {between: [allies.alignment, labs.cn_lab.talent], rank_correlation: 0.9}\n"
      "    - {between: [allies.alignment, labs.cn_lab.open_bias], rank_correlation: 0.9}\n"
      "    - {between: [labs.cn_lab.talent, labs.cn_lab.open_bias], rank_correlation: -0.9}\n");
  const std::vector<std::string> e = errors_of(f);
  CHECK(has_error(e, "10:5", "positive definite"));
}

TEST_CASE("a sweep draws the base scenario's uncertain parameters by replicate at every point") {
  const fs::path dir =
      fs::temp_directory_path() / ("airace_uncertain_sweep_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "base.yaml")
      << "extends: " << kSmall
      << "\nallies:\n  alignment: {distribution: normal, mean: 0.8, sd: 0.5}\n";
  std::ofstream(dir / "sweep.yaml")
      << "sweep: {base: base.yaml, seed: 3, replicates: 6}\n"
         "design: {type: latin_hypercube, points: 3}\n"
         "parameters:\n  - {key: labs.cn_lab.efficiency_growth_per_year, range: [2, 4]}\n"
         "metrics:\n  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-12-31}\n";
  const SweepPlan plan = load_sweep(dir / "sweep.yaml");
  std::vector<std::size_t> failed_per_point(plan.points(), 0);
  for (std::size_t r = 0; r < plan.replicates; ++r) {
    const double drawn =
        draw_uncertain(plan.base.uncertainty, plan.seed, static_cast<uint32_t>(r))[0];
    for (std::size_t p = 0; p < plan.points(); ++p) {
      const RunRecord rec = run_one(plan, p * plan.replicates + r);
      CAPTURE(drawn);
      // The same replicate draws the same value at every point.
      CHECK((rec.status == RunStatus::failed) == (drawn < 0 || drawn > 1));
      if (rec.status == RunStatus::failed)
        CHECK(rec.reason.find("allies.alignment") != std::string::npos);
      failed_per_point[p] += rec.status == RunStatus::failed ? 1 : 0;
    }
  }
  CHECK(failed_per_point[0] > 0);
  CHECK(failed_per_point[0] < plan.replicates);

  // A key the base gives as a distribution and the sweep varies is set by the design: every
  // run of a point has the point's value, whatever the replicate drew (here draws outside
  // [0, 1] would fail the run, and none does).
  std::ofstream(dir / "both.yaml")
      << "sweep: {base: base.yaml, replicates: 4}\ndesign: {type: grid, levels: 2}\n"
         "parameters:\n  - {key: allies.alignment, range: [0.2, 0.6]}\n"
         "metrics:\n  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-12-31}\n";
  const SweepPlan both = load_sweep(dir / "both.yaml");
  for (std::size_t run = 0; run < both.points() * both.replicates; ++run)
    CHECK(run_one(both, run).status == RunStatus::ok);
  // The design's value is the one the run uses: the two points differ, replicates of a point
  // differ only by noise and the other draws, not by alignment.
  const std::vector<std::string> at_low = point_overrides(both, 0);
  REQUIRE(at_low.size() == 2);  // and run.seed
  CHECK(at_low[0].starts_with("allies.alignment=0.2"));
  fs::remove_all(dir);
}

TEST_CASE("every uncertain parameter of the shipped scenarios draws inside its key's range") {
  // A draw outside a key's range fails its replicate (above); a shipped scenario should not, so
  // each distribution's 1e-4 and 1 - 1e-4 quantiles, the others at their medians, must load: a
  // 100-replicate run loses a replicate to any one parameter with a chance below 1 %
  // (`low`/`high` truncate a tail that reaches further; before them market_model.
  // attention_unused_weight drew above 1 in 0.44 % of replicates).
  // A parameter whose distribution an earlier scenario checked (most what-ifs inherit the
  // baseline's) is checked once.
  std::vector<fs::path> files;
  for (const char* dir : {"scenarios", "scenarios/whatif", "scenarios/teaching"})
    for (const auto& e : fs::directory_iterator(fs::path(AIRACE_SOURCE_DIR) / dir))
      if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 10);
  std::vector<std::string> checked;
  for (const fs::path& file : files) {
    const Scenario s = load_scenario(file.string());
    std::vector<double> medians;
    for (const UncertainParameter& p : s.uncertainty.parameters) medians.push_back(p.median);
    for (std::size_t i = 0; i < medians.size(); ++i) {
      const UncertainParameter& p = s.uncertainty.parameters[i];
      const std::string what = p.key + " " + describe(p.distribution);
      if (std::find(checked.begin(), checked.end(), what) != checked.end()) continue;
      checked.push_back(what);
      for (const double u : {1e-4, 1.0 - 1e-4}) {
        std::vector<double> values = medians;
        values[i] = quantile(p.distribution, u);
        if (p.integer) values[i] = std::round(values[i]);
        CAPTURE(file.filename().string());
        CAPTURE(what);
        CAPTURE(values[i]);
        CHECK_NOTHROW((void)scenario_with_values(s, values));
      }
    }
  }
  CHECK(checked.size() > 40);
}

}  // namespace uncertainty_test
