// The largest market shock of an ensemble, on hand-built runs (agents/market_shock.hpp).

#include "agents/market_shock.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

using namespace airace;

namespace market_shock_test {

namespace {

// Two firms over the weekdays from 2025-01-20 to `last` (five: to 2025-01-24) and three
// replicates; `ret(r, t, firm)` gives the returns, the second firm's exchange is closed on days
// `closed_from` to `closed_to` (day 2); each replicate's events name, for the second firm on
// day 3, the cause `cause_of(r)` (an index into none, rate_decision, release:lab_a). With
// `devices_earnings_day`, the second firm reports every 3 months from that day. With
// `start_values` (USD, one a firm), the run has their market values, moved by the returns.
template <class Returns, class Cause>
RunResult hand_built_run(Returns ret, Cause cause_of, Date last = Date::from_ymd(2025, 1, 24),
                         std::size_t closed_from = 2, std::size_t closed_to = 2,
                         std::optional<Date> devices_earnings_day = std::nullopt,
                         std::vector<double> start_values = {}) {
  RunResult run;
  SeriesCatalog& cat = run.catalog;
  const std::vector<Date> days =
      tick_dates(Cadence::trading_daily, Date::from_ymd(2025, 1, 20), last);
  cat.set_time_axis({Cadence::trading_daily, days});
  const AxisId firms = cat.add_axis(
      {"markets",
       "firm",
       "listed firms",
       {"chips", "devices"},
       {{"firm_name", "", "display name", std::vector<std::string>{"Chip Co", "Device Co"}},
        {"firm_earnings_day", "days since 1970-01-01", "a report",
         std::vector<double>{std::nan(""),
                             devices_earnings_day
                                 ? static_cast<double>(devices_earnings_day->days_since_epoch())
                                 : std::nan("")}}}});
  const AxisId causes =
      cat.add_axis({"markets", "cause", "causes", {"none", "rate_decision", "release:lab_a"}, {}});
  const SeriesId daily = cat.add_series(
      {"markets", "daily_return", "fraction", "returns", Cadence::trading_daily, {firms}});
  const SeriesId trading =
      cat.add_series({"markets", "trading", "0 or 1", "open", Cadence::trading_daily, {firms}});
  const SeriesId values =
      start_values.empty()
          ? kNoSeries
          : cat.add_series(
                {"markets", "market_cap_usd", "USD", "values", Cadence::trading_daily, {firms}});
  const EventTableId events =
      cat.add_event_table({"markets",
                           "events",
                           "largest moves",
                           {{"event_firm", "", "firm", EventColumn::Kind::entity, firms},
                            {"event_date", "", "day", EventColumn::Kind::date, 0},
                            {"event_cause", "", "cause", EventColumn::Kind::entity, causes}}});
  for (std::size_t r = 0; r < 3; ++r) {
    SeriesBuffer b(cat);
    std::vector<double> value = start_values;
    for (std::size_t t = 0; t < days.size(); ++t)
      for (std::size_t f = 0; f < 2; ++f) {
        const bool open = !(f == 1 && t >= closed_from && t <= closed_to);
        b.set(daily, t, f, open ? ret(r, t, f) : 0.0);
        b.set(trading, t, f, open ? 1.0 : 0.0);
        if (values != kNoSeries) {
          value[f] *= 1.0 + (open ? ret(r, t, f) : 0.0);
          b.set(values, t, f, value[f]);
        }
      }
    b.add_event(events, {1.0, static_cast<double>(days[3].days_since_epoch()),
                         static_cast<double>(cause_of(r))});
    b.add_event(events, {0.0, static_cast<double>(days[1].days_since_epoch()), 0.0});
    run.replicates.push_back(std::move(b));
  }
  return run;
}

// Chip Co over five trading days (2025-01-20..24) and four replicates, with a release by lab_a
// dated 2025-01-20 that replicate r prices after `lag(r)` days (rows of
// /release_market_moves), falling `fall` that day; the other days return `quiet`.
template <class Lag>
RunResult release_run(Lag lag, double fall, double quiet) {
  RunResult run;
  SeriesCatalog& cat = run.catalog;
  const std::vector<Date> days =
      tick_dates(Cadence::trading_daily, Date::from_ymd(2025, 1, 20), Date::from_ymd(2025, 1, 24));
  cat.set_time_axis({Cadence::trading_daily, days});
  const AxisId firms =
      cat.add_axis({"markets",
                    "firm",
                    "listed firms",
                    {"chips"},
                    {{"firm_name", "", "display name", std::vector<std::string>{"Chip Co"}}}});
  const AxisId labs = cat.add_axis({"labs", "lab", "labs", {"lab_b", "lab_a"}, {}});
  const SeriesId daily = cat.add_series(
      {"markets", "daily_return", "fraction", "returns", Cadence::trading_daily, {firms}});
  const SeriesId trading =
      cat.add_series({"markets", "trading", "0 or 1", "open", Cadence::trading_daily, {firms}});
  const EventTableId moves =
      cat.add_event_table({"release_market_moves",
                           "move",
                           "releases",
                           {{"lab", "", "lab", EventColumn::Kind::entity, labs},
                            {"date", "", "release date", EventColumn::Kind::date, 0},
                            {"firm", "", "firm", EventColumn::Kind::entity, firms},
                            {"attention_lag_days", "days", "lag", EventColumn::Kind::number, 0}}});
  for (std::size_t r = 0; r < 4; ++r) {
    SeriesBuffer b(cat);
    const double l = lag(r);
    for (std::size_t t = 0; t < days.size(); ++t) {
      // priced on the first trading day on or after the release plus its lag, rounded
      const bool priced = static_cast<long>(t) == std::lround(l);
      b.set(daily, t, 0, priced ? fall : quiet);
      b.set(trading, t, 0, 1.0);
    }
    b.add_event(moves, {1.0, static_cast<double>(days[0].days_since_epoch()), 0.0, l});
    run.replicates.push_back(std::move(b));
  }
  return run;
}

}  // namespace

TEST_CASE("the largest shock is the firm and day of the largest median return with its cause") {
  // Replicate 0 has a -50% day for chips on day 1, but the median over replicates is small;
  // devices fall 10-14% on day 3 in every replicate (after the holiday of day 2).
  const RunResult run = hand_built_run(
      [](std::size_t r, std::size_t t, std::size_t f) {
        if (f == 0 && t == 1) return r == 0 ? -0.5 : 0.01;
        if (f == 1 && t == 3) return -0.10 - 0.02 * static_cast<double>(r);
        return 0.001 * static_cast<double>(t);
      },
      [](std::size_t r) { return r == 1 ? 1 : 2; });
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->firm == "devices");
  CHECK(shock->firm_name == "Device Co");
  CHECK(shock->date.iso() == "2025-01-23");
  CHECK(shock->median_return == doctest::Approx(-0.12));
  // Its trend: 0.001 and 0.004 a day on days 1 and 4, 0.0025 a day for the two calendar days
  // since day 1.
  CHECK(shock->median_excess_return == doctest::Approx(-0.125));
  CHECK(shock->replicates == 3);
  CHECK(shock->cause == "release:lab_a");
  CHECK(shock->cause_replicates == 2);
  CHECK(describe_market_shock(*shock) ==
        "Device Co (devices) -12.0% on 2025-01-23, -12.5% beyond its trend (median of 3 "
        "replicates); cause: release:lab_a in 2 of 3 replicates");
}

TEST_CASE("a shock gives its change in value where the run has market values") {
  // Devices, worth $100B, fall 10-14 % on day 3 (the first test's shock); their value before
  // the day is $100B in every replicate (flat before), so the median change beyond the trend
  // (0.1 % a day here) is -$12.2B. Without values the line has none.
  const auto returns = [](std::size_t r, std::size_t t, std::size_t f) {
    if (f == 1 && t == 3) return -0.10 - 0.02 * static_cast<double>(r);
    return f == 1 ? 0.001 : 0.0;
  };
  const auto cause = [](std::size_t) { return 2; };
  const auto without = largest_market_shock(hand_built_run(returns, cause));
  REQUIRE(without.has_value());
  CHECK(std::isnan(without->median_excess_usd));
  CHECK(describe_market_shock(*without).find("in value") == std::string::npos);
  const auto with = largest_market_shock(hand_built_run(returns, cause, Date::from_ymd(2025, 1, 24),
                                                        2, 2, std::nullopt, {1e12, 1e11}));
  REQUIRE(with.has_value());
  CHECK(with->firm == "devices");
  CHECK(with->median_excess_return == without->median_excess_return);
  const double before = 1e11 * 1.001 * 1.001;  // days 0 and 1 (day 2 closed)
  CHECK(with->median_excess_usd == doctest::Approx(before * with->median_excess_return));
  CHECK(describe_market_shock(*with) ==
        "Device Co (devices) -12.0% on 2025-01-23, -12.2% beyond its trend, -$12B in value "
        "(median of 3 replicates); cause: release:lab_a in 3 of 3 replicates");
  MarketShock other = *with;
  other.median_excess_usd = 3.25e9;
  CHECK(describe_market_shock(other).find(", +$3.2B in value (") != std::string::npos);
  other.median_excess_usd = -5.89e11;
  CHECK(describe_market_shock(other).find(", -$589B in value (") != std::string::npos);
  other.median_excess_usd = -1.234e12;
  CHECK(describe_market_shock(other).find(", -$1.23T in value (") != std::string::npos);
}

TEST_CASE("a shock on the first day after a long closure says so") {
  // Devices' exchange is shut from 2025-01-21 to 2025-01-27 (a Golden Week); on its reopening,
  // 2025-01-28, they rise 8 % in every replicate.
  const RunResult run = hand_built_run(
      [](std::size_t, std::size_t t, std::size_t f) { return f == 1 && t == 6 ? 0.08 : 0.001; },
      [](std::size_t) { return 0; }, Date::from_ymd(2025, 1, 31), 1, 5);
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->firm == "devices");
  CHECK(shock->date.iso() == "2025-01-28");
  REQUIRE(shock->previous_open.has_value());
  CHECK(shock->previous_open->iso() == "2025-01-20");
  const std::string line = describe_market_shock(*shock);
  CHECK(line.ends_with("; the first trading day after a closure since 2025-01-20"));
  // A weekend or a long weekend is no closure worth naming.
  MarketShock weekend = *shock;
  weekend.previous_open = Date::from_ymd(2025, 1, 24);  // Friday before a Tuesday
  CHECK(describe_market_shock(weekend).find("closure") == std::string::npos);
}

TEST_CASE("a firm's steady climb is no shock, even over a holiday; a fall against it is") {
  // Devices climb 3% a calendar day, 6% on day 3 after the holiday of day 2: the largest median
  // return, but no move beyond their trend. Chips fall 4% on day 1 in every replicate.
  const RunResult run = hand_built_run(
      [](std::size_t, std::size_t t, std::size_t f) {
        if (f == 1) return t == 3 ? 0.06 : 0.03;
        return t == 1 ? -0.04 : 0.0;
      },
      [](std::size_t) { return 0; });
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->firm == "chips");
  CHECK(shock->date.iso() == "2025-01-21");
  CHECK(shock->median_return == doctest::Approx(-0.04));
  CHECK(shock->median_excess_return == doctest::Approx(-0.04));
}

TEST_CASE("a short rally beside a long closure does not make the reopening day a shock") {
  // Devices' exchange is shut from 2025-01-21 to 2025-01-27; they reopen flat on 2025-01-28
  // (8 calendar days after their last open day) and then rise 3 % a day for three days. Chips
  // fall 5 % on 2025-02-04. A trend taken as the mean of the days around would read the rally as
  // 1.1 % a day and the reopening as a fall of 9 % against it; the median of those days, 0, does
  // not, and chips' fall is the shock.
  const RunResult run = hand_built_run(
      [](std::size_t, std::size_t t, std::size_t f) {
        if (f == 0) return t == 11 ? -0.05 : 0.0;
        return t >= 7 && t <= 9 ? 0.03 : 0.0;
      },
      [](std::size_t) { return 0; }, Date::from_ymd(2025, 2, 7), 1, 5);
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->firm == "chips");
  CHECK(shock->date.iso() == "2025-02-04");
  CHECK(shock->median_excess_return == doctest::Approx(-0.05));
}

TEST_CASE("a firm's own report is no market shock, nor part of its trend") {
  // Devices report every 3 months from 2024-10-23, so on 2025-01-23 (day 3): they move 10-14 %
  // that day in every replicate, the largest median, but a report's move has either sign
  // replicate by replicate, and a few replicates' median is noise. Chips fall 4 % on day 1.
  const auto returns = [](std::size_t r, std::size_t t, std::size_t f) {
    if (f == 1 && t == 3) return -0.10 - 0.02 * static_cast<double>(r);
    return f == 0 && t == 1 ? -0.04 : 0.0;
  };
  const auto cause = [](std::size_t) { return 0; };
  const auto with_report = largest_market_shock(hand_built_run(
      returns, cause, Date::from_ymd(2025, 1, 24), 2, 2, Date::from_ymd(2024, 10, 23)));
  REQUIRE(with_report.has_value());
  CHECK(with_report->firm == "chips");
  CHECK(with_report->date.iso() == "2025-01-21");
  // Without the report the same day is the shock.
  const auto without = largest_market_shock(hand_built_run(returns, cause));
  REQUIRE(without.has_value());
  CHECK(without->firm == "devices");
  // Devices' day after a report is measured against a trend without it: Device Co reports on
  // 2025-01-22 (day 2, which it trades) and falls 12 % that day; day 3's 1 % is no move against
  // a trend made of the report.
  const auto after = largest_market_shock(hand_built_run(
      [](std::size_t, std::size_t t, std::size_t f) {
        if (f == 1) return t == 2 ? -0.12 : (t == 3 ? 0.01 : 0.0);
        return 0.0;
      },
      cause, Date::from_ymd(2025, 1, 24), 9, 9, Date::from_ymd(2024, 10, 22)));
  REQUIRE(after.has_value());
  CHECK(after->firm == "devices");
  CHECK(after->date.iso() == "2025-01-23");
  CHECK(after->median_excess_return == doctest::Approx(0.01));
}

TEST_CASE("a shock no replicate recorded among its largest moves says so") {
  const RunResult run = hand_built_run(
      [](std::size_t, std::size_t t, std::size_t f) { return f == 0 && t == 4 ? 0.3 : 0.0; },
      [](std::size_t) { return 0; });
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->firm == "chips");
  CHECK(shock->date.iso() == "2025-01-24");
  CHECK(shock->cause_replicates == 0);
  CHECK(describe_market_shock(*shock).find("not among any replicate's largest moves") !=
        std::string::npos);
}

TEST_CASE("a release priced on different days in different replicates is one shock, read on each") {
  // Chip Co falls 20% on the day each replicate prices lab_a's release: day 1 (lag 0.6) in two
  // replicates, day 2 (lag 1.6) in the other two. Per calendar day the median is the quiet
  // 0.1% (two falls of four), so the release, read on each replicate's own day, is the shock.
  const RunResult run = release_run([](std::size_t r) { return r < 2 ? 0.6 : 1.6; }, -0.20, 0.001);
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->firm == "chips");
  REQUIRE(shock->release_date.has_value());
  CHECK(shock->release_date->iso() == "2025-01-20");
  CHECK(shock->cause == "release:lab_a");
  CHECK(shock->cause_replicates == 4);
  CHECK(shock->date.iso() == "2025-01-21");  // the earlier of the two days two replicates share
  CHECK(shock->date_replicates == 2);
  CHECK(shock->median_return == doctest::Approx(-0.20));
  // beyond the firm's trend on its day, the median of the other days' median returns: on day 1
  // days 2-4 (-9.95 %, 0.1 %, 0.1 %: 0.1 % a day), on day 2 days 1, 3, 4 (the same)
  CHECK(shock->median_excess_return == doctest::Approx(-0.201));
  CHECK(describe_market_shock(*shock) ==
        "Chip Co (chips) -20.0% on 2025-01-21 (the day 2 of 4 replicates priced it, each read on "
        "its own day), -20.1% beyond its trend (median of 4 replicates); cause: release:lab_a of "
        "2025-01-20 in 4 of 4 replicates");
}

TEST_CASE("a release priced on one day in every replicate is named as the day's shock") {
  // All replicates price it on day 1: the calendar day's median is as large, and the day's
  // shock stands (no release alignment needed).
  const RunResult run = release_run([](std::size_t) { return 1.0; }, -0.20, 0.001);
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK(shock->date.iso() == "2025-01-21");
  CHECK(shock->median_return == doctest::Approx(-0.20));
  CHECK_FALSE(shock->release_date.has_value());
}

TEST_CASE("a release in fewer than half of the replicates is no ensemble's shock") {
  // Only replicate 0 prices it within the run (the others' lag takes it past the last day).
  const RunResult run = release_run([](std::size_t r) { return r == 0 ? 1.0 : 9.0; }, -0.20, 0.001);
  const auto shock = largest_market_shock(run);
  REQUIRE(shock.has_value());
  CHECK_FALSE(shock->release_date.has_value());
}

TEST_CASE("a run without markets has no market shock") {
  RunResult run;
  run.catalog.set_time_axis({Cadence::monthly, {Date::from_ymd(2025, 1, 1)}});
  run.catalog.add_series({"indicators", "gap", "months", "gap", Cadence::monthly, {}});
  run.replicates.emplace_back(run.catalog);
  CHECK_FALSE(largest_market_shock(run).has_value());
}

}  // namespace market_shock_test
