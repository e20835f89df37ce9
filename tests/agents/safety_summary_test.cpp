// The run summary's line on safety, on hand-built runs (agents/safety_summary.hpp).

#include "agents/safety_summary.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace airace;

namespace safety_summary_test {

namespace {

// Two countries, two severities, one agreement, two months and `reps` replicates; `fill(r, b,
// ids)` writes replicate r's values.
template <class Fill>
RunResult hand_built_run(std::size_t reps, Fill fill) {
  RunResult run;
  SeriesCatalog& cat = run.catalog;
  cat.set_time_axis({Cadence::monthly, {Date::from_ymd(2030, 11, 1), Date::from_ymd(2030, 12, 1)}});
  const AxisId countries = cat.add_axis({"countries", "country", "countries", {"US", "CN"}, {}});
  const AxisId severities =
      cat.add_axis({"safety", "severity", "severities", {"serious", "severe"}, {}});
  const AxisId agreements = cat.add_axis({"safety", "agreement", "agreements", {"evals"}, {}});
  const SeriesId incidents = cat.add_series({"safety", "incidents", "incidents", "", Cadence::monthly,
                                      {countries, severities}});
  const SeriesId in_force = cat.add_series({"safety", "agreement_in_force", "0 or 1", "",
                                     Cadence::monthly, {agreements}});
  const SeriesId found = cat.add_series({"safety", "agreement_found_broken", "0 or 1", "",
                                  Cadence::monthly, {agreements}});
  for (std::size_t r = 0; r < reps; ++r) {
    SeriesBuffer b(cat);
    fill(r, b, incidents, in_force, found);
    run.replicates.push_back(std::move(b));
  }
  return run;
}

}  // namespace

TEST_CASE("the safety summary counts replicates with a severe incident and the serious ones") {
  // Replicate r: r serious incidents in the US and 1 in China by the end; a severe one in
  // China in replicates 1 and 3; the agreement in force in November everywhere, ended by a
  // breach found in December in replicate 0 only.
  const RunResult run = hand_built_run(4, [](std::size_t r, SeriesBuffer& b, SeriesId inc,
                                             SeriesId in_force, SeriesId found) {
    b.set(inc, 1, 0 * 2 + 0, static_cast<double>(r));
    b.set(inc, 1, 1 * 2 + 0, 1.0);
    b.set(inc, 1, 1 * 2 + 1, r % 2 ? 1.0 : 0.0);
    b.set(in_force, 0, 0, 1.0);
    b.set(in_force, 1, 0, r == 0 ? 0.0 : 1.0);
    b.set(found, 1, 0, r == 0 ? 1.0 : 0.0);
  });
  const std::optional<SafetySummary> s = safety_summary(run);
  REQUIRE(s.has_value());
  CHECK(s->last == Date::from_ymd(2030, 12, 1));
  CHECK(s->with_severe == 2);
  CHECK(s->serious_median == doctest::Approx(2.5));  // 1, 2, 3, 4
  REQUIRE(s->agreements.size() == 1);
  CHECK(s->agreements[0].in_force_at_end == 3);
  CHECK(s->agreements[0].found_broken == 1);
  CHECK(describe_safety(*s) ==
        "by 2030-12-01 a severe incident in 2 of 4 replicates, serious incidents 2.5 (median); "
        "agreement evals in force at the end in 3 of 4 (ended by a breach found in 1)");
}

TEST_CASE("the safety summary leaves out agreements never in force, and runs without safety") {
  const RunResult run = hand_built_run(
      2, [](std::size_t, SeriesBuffer&, SeriesId, SeriesId, SeriesId) {});
  const std::optional<SafetySummary> s = safety_summary(run);
  REQUIRE(s.has_value());
  CHECK(s->agreements.empty());
  CHECK(describe_safety(*s) ==
        "by 2030-12-01 a severe incident in 0 of 2 replicates, serious incidents 0 (median)");
  CHECK_FALSE(safety_summary(RunResult{}).has_value());
}

}  // namespace safety_summary_test
