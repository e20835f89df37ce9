// Sections of the scenario file that a mechanism registers beside its module
// (sim/model/modules.cpp, docs/architecture.md §"Adding a mechanism"); `indicators:` is one.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "agents/indicators.hpp"
#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace mechanism_sections_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

std::vector<Diagnostic> errors_of(const std::string& text) {
  try {
    load_scenario_text("extends: " + kSmall + "\n" + text, "section.yaml");
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}
}  // namespace

TEST_CASE("a registered section reaches its module with its defaults or the file's values") {
  const Scenario plain = load_scenario(kSmall);
  CHECK(plain.section<IndicatorParams>("indicators").frontier_growth_per_year == 12.0);
  const Scenario set = load_scenario(kSmall, {"indicators.frontier_growth_per_year=20"});
  CHECK(set.section<IndicatorParams>("indicators").frontier_growth_per_year == 20.0);
  // The module uses it: where the history is too short, a faster frontier turns the same
  // capability gap into fewer months.
  auto gaps = [](const Scenario& s) {
    const SeriesCatalog catalog = build_catalog(s);
    Simulation sim(s, catalog, 0);
    sim.run_to_end();
    const SeriesId id = catalog.find("indicators", "us_cn_gap_months");
    const auto v = sim.series().values(id);
    return std::vector<double>(v.begin(), v.end());
  };
  const std::vector<double> slow =
      gaps(load_scenario(kSmall, {"indicators.frontier_growth_per_year=4"}));
  const std::vector<double> fast =
      gaps(load_scenario(kSmall, {"indicators.frontier_growth_per_year=40"}));
  REQUIRE(slow.size() == fast.size());
  std::size_t differ = 0;
  for (std::size_t t = 0; t < slow.size(); ++t) {
    if (!std::isfinite(slow[t]) || !std::isfinite(fast[t])) continue;
    CAPTURE(t);
    CHECK(std::abs(fast[t]) <= std::abs(slow[t]) + 1e-9);
    differ += fast[t] != slow[t];
  }
  CHECK(differ > 0);
}

TEST_CASE("a registered section's errors name the file line and column and what was expected") {
  const std::vector<Diagnostic> typo = errors_of("indicators:\n  frontier_growth_per_yer: 3\n");
  REQUIRE(typo.size() == 1);
  CHECK(typo[0].where.file == "section.yaml");
  CHECK(typo[0].where.line == 3);
  CHECK(typo[0].where.column == 3);
  CHECK(typo[0].key_path == "indicators.frontier_growth_per_yer");
  CHECK(typo[0].message == "unknown key");
  CHECK(typo[0].hint.find("frontier_growth_per_year") != std::string::npos);
  const std::vector<Diagnostic> range = errors_of("indicators: {frontier_growth_per_year: 0.5}\n");
  REQUIRE(range.size() == 1);
  CHECK(range[0].where.line == 2);
  CHECK(range[0].message.find("(1, 1000]") != std::string::npos);
  const std::vector<Diagnostic> shape = errors_of("indicators: 12\n");
  REQUIRE(shape.size() == 1);
  CHECK(shape[0].message.find("expected a mapping") != std::string::npos);
}

TEST_CASE("a registered section is described and may hold uncertain parameters") {
  const std::vector<ParamInfo> all = all_parameters();
  auto listed = [&all](const std::string& key) {
    return std::any_of(all.begin(), all.end(), [&key](const ParamInfo& p) { return p.key == key; });
  };
  CHECK(listed("indicators"));
  CHECK(listed("indicators.frontier_growth_per_year"));
  const Scenario s = load_scenario(
      kSmall, {"indicators.frontier_growth_per_year={distribution: uniform, low: 5, high: 20}"});
  REQUIRE(s.uncertainty.parameters.size() == 1);
  CHECK(s.section<IndicatorParams>("indicators").frontier_growth_per_year == 12.5);  // median
}

}  // namespace mechanism_sections_test
