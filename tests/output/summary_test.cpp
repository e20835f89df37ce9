// The run summary's text (output/summary.hpp), on hand-built runs.

#include "output/summary.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace airace;

namespace summary_test {

namespace {

// A run whose indicators/us_cn_gap_months (months, no entity axis) is `first` everywhere but on
// its last month, where replicate r holds last[r].
RunResult gap_run(double first, const std::vector<double>& last) {
  RunResult run;
  SeriesCatalog& cat = run.catalog;
  const std::vector<Date> months =
      tick_dates(Cadence::monthly, Date::from_ymd(2030, 1, 1), Date::from_ymd(2030, 12, 1));
  cat.set_time_axis({Cadence::monthly, months});
  const SeriesId gap =
      cat.add_series({"indicators", "us_cn_gap_months", "months", "US lead", Cadence::monthly, {}});
  for (double v : last) {
    SeriesBuffer b(cat);
    for (std::size_t t = 0; t + 1 < months.size(); ++t) b.set(gap, t, first);
    b.set(gap, months.size() - 1, v);
    run.replicates.push_back(std::move(b));
  }
  return run;
}

}  // namespace

TEST_CASE("the summary counts the replicates with each sign of the US-China gap at the end") {
  const double nan = std::nan("");
  // Earlier months do not count: only the last date's signs.
  CHECK(describe_gap_sign(gap_run(-5.0, {3.0, 0.5, -2.0, 0.0, 7.0})) ==
        "the US ahead of China (us_cn_gap_months > 0) on 2030-12-01 in 3 of 5 replicates, China "
        "ahead in 1, level in 1");
  CHECK(describe_gap_sign(gap_run(5.0, {-1.0, nan})) ==
        "the US ahead of China (us_cn_gap_months > 0) on 2030-12-01 in 0 of 2 replicates, China "
        "ahead in 1, level in 0 (n/a in 1)");
  // A run without the indicator (e.g. --groups markets) says nothing.
  RunResult none;
  none.catalog.set_time_axis(
      {Cadence::monthly,
       tick_dates(Cadence::monthly, Date::from_ymd(2030, 1, 1), Date::from_ymd(2030, 2, 1))});
  CHECK(describe_gap_sign(none).empty());
}

}  // namespace summary_test
