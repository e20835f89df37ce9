#include "sim/runner/ensemble.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "sim/model/model.hpp"

using namespace airace;

namespace ensemble_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

bool bitwise_equal(const RunResult& a, const RunResult& b) {
  if (a.replicates.size() != b.replicates.size()) return false;
  for (std::size_t r = 0; r < a.replicates.size(); ++r)
    for (SeriesId s = 0; s < a.catalog.series().size(); ++s) {
      const auto x = a.replicates[r].values(s);
      const auto y = b.replicates[r].values(s);
      if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) != 0)
        return false;
    }
  for (std::size_t r = 0; r < a.replicates.size(); ++r)
    for (EventTableId t = 0; t < a.catalog.event_tables().size(); ++t) {
      const auto x = a.replicates[r].events(t);
      const auto y = b.replicates[r].events(t);
      if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) != 0)
        return false;
    }
  return true;
}

RunResult run(const Scenario& s, int threads) { return run_ensemble(s, {threads, nullptr}, {}); }
}  // namespace

TEST_CASE("an ensemble is bit-identical for one and two threads") {
  const Scenario s = load_scenario(kSmall, {"run.replicates=6"});
  const RunResult one = run(s, 1);
  const RunResult two = run(s, 2);
  CHECK(bitwise_equal(one, two));
  CHECK(bitwise_equal(one, run(s, 4)));
}

TEST_CASE("replicates differ from each other and seeds change results") {
  const Scenario s = load_scenario(kSmall);
  const RunResult a = run(s, 2);
  const SeriesId cap = a.catalog.find("labs", "capability");
  REQUIRE(cap != kNoSeries);
  const std::size_t last = a.catalog.time_count(a.catalog.series()[cap]) - 1;
  CHECK(a.replicates[0].get(cap, last, 0) != a.replicates[1].get(cap, last, 0));
  const RunResult b = run(load_scenario(kSmall, {"run.seed=8"}), 2);
  CHECK_FALSE(bitwise_equal(a, b));
  CHECK(bitwise_equal(a, run(s, 2)));
}

TEST_CASE("every series is filled on its own cadence") {
  const Scenario s = load_scenario(kSmall);
  const RunResult r = run(s, 2);
  for (SeriesId id = 0; id < r.catalog.series().size(); ++id) {
    const SeriesSpec& spec = r.catalog.series()[id];
    CAPTURE(spec.name);
    CHECK(r.catalog.time_count(spec) == tick_dates(spec.cadence, s.info.start, s.info.end).size());
    if (spec.description.find("NaN") != std::string::npos) continue;  // NaN is documented
    for (double v : r.replicates[0].values(id)) CHECK(std::isfinite(v));
  }
  CHECK(r.catalog.series()[r.catalog.find("labs", "compute_h100e")].cadence == Cadence::weekly);
  CHECK(r.catalog.series()[r.catalog.find("labs", "capability")].cadence == Cadence::monthly);
}

TEST_CASE("country indicators add up the labs and clouds of each country") {
  const Scenario s = load_scenario(kSmall, {"schedule.supply=monthly"});
  const RunResult r = run(s, 2);
  const SeriesId lab = r.catalog.find("labs", "compute_h100e");
  const SeriesId cloud = r.catalog.find("clouds", "compute_h100e");
  const SeriesId country = r.catalog.find("indicators", "compute_h100e");
  const SeriesId best = r.catalog.find("indicators", "best_capability");
  const SeriesId cap = r.catalog.find("labs", "capability");
  const SeriesBuffer& x = r.replicates[1];
  for (std::size_t t = 0; t < 24; ++t) {
    CHECK(x.get(country, t, 0) == doctest::Approx(x.get(lab, t, 0)));  // US = us_lab
    CHECK(x.get(country, t, 1) ==
          doctest::Approx(x.get(lab, t, 1) + x.get(cloud, t, 0)));  // CN = cn_lab + cn_cloud
    CHECK(x.get(best, t, 1) == x.get(cap, t, 1));
  }
}

TEST_CASE("the gap indicator narrows when the Chinese lab gets more compute") {
  const Scenario base = load_scenario(kSmall);
  const Scenario more = load_scenario(kSmall, {"labs.cn_lab.chips.A100=15000"});
  const RunResult a = run(base, 2);
  const RunResult b = run(more, 2);
  const SeriesId gap = a.catalog.find("indicators", "us_cn_gap_months");
  for (std::size_t r = 0; r < a.replicates.size(); ++r) {
    CHECK(a.replicates[r].get(gap, 23) > 0.0);
    CHECK(b.replicates[r].get(gap, 23) < a.replicates[r].get(gap, 23));
  }
}

TEST_CASE("a simulation can be advanced to a date and continued") {
  const Scenario s = load_scenario(kSmall);
  const SeriesCatalog cat = build_catalog(s);
  Simulation paused(s, cat, 0);
  paused.advance_to(Date::from_ymd(2022, 12, 31));
  CHECK_FALSE(paused.finished());
  CHECK(paused.today() == Date::from_ymd(2023, 1, 1));
  paused.run_to_end();
  Simulation straight(s, cat, 0);
  straight.run_to_end();
  const SeriesBuffer a = paused.take_series();
  const SeriesBuffer b = straight.take_series();
  for (SeriesId id = 0; id < cat.series().size(); ++id) {
    const auto x = a.values(id);
    const auto y = b.values(id);
    CHECK(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0);
  }
}

}  // namespace ensemble_test
