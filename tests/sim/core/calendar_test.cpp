#include "sim/core/calendar.hpp"

#include <doctest/doctest.h>

using namespace airace;

namespace calendar_test {

TEST_CASE("dates round-trip through days since the epoch") {
  CHECK(Date::from_ymd(1970, 1, 1).days_since_epoch() == 0);
  CHECK(Date::from_ymd(2000, 3, 1).days_since_epoch() == 11017);
  for (int64_t d = -800000; d < 800000; d += 997) {
    const Date x = Date::from_days(d);
    CHECK(Date::from_ymd(x.year(), x.month(), x.day()) == x);
  }
}

TEST_CASE("leap years follow the Gregorian rule") {
  CHECK(is_leap_year(2024));
  CHECK(is_leap_year(2000));
  CHECK_FALSE(is_leap_year(1900));
  CHECK_FALSE(is_leap_year(2023));
  CHECK(days_in_month(2024, 2) == 29);
  CHECK(days_in_month(2023, 2) == 28);
}

TEST_CASE("date parsing accepts ISO days and months and rejects the rest") {
  CHECK(Date::parse("2025-01-27")->iso() == "2025-01-27");
  CHECK(Date::parse("2023-10")->iso() == "2023-10-01");
  CHECK_FALSE(Date::parse("2023-02-29"));
  CHECK_FALSE(Date::parse("2023-13-01"));
  CHECK_FALSE(Date::parse("23-10-01"));
  CHECK_FALSE(Date::parse("2023/10/01"));
  CHECK_FALSE(Date::parse(""));
  CHECK_FALSE(Date::parse("2023-1-01"));
  CHECK_THROWS(Date::from_ymd(2023, 2, 29));
}

TEST_CASE("weekdays and month arithmetic") {
  CHECK(Date::from_ymd(2025, 1, 27).weekday() == 1);  // the Monday of the DeepSeek rout
  CHECK(Date::from_ymd(1970, 1, 1).weekday() == 4);
  CHECK(Date::from_ymd(2024, 1, 31).plus_months(1) == Date::from_ymd(2024, 2, 29));
  CHECK(Date::from_ymd(2024, 11, 15).plus_months(3) == Date::from_ymd(2025, 2, 15));
  CHECK(Date::from_ymd(2024, 1, 15).plus_months(-13) == Date::from_ymd(2022, 12, 15));
}

TEST_CASE("each cadence ticks on the first day of its period") {
  const Date start = Date::from_ymd(2022, 1, 1);
  const Date end = Date::from_ymd(2023, 12, 31);
  CHECK(tick_dates(Cadence::daily, start, end).size() == 730);
  CHECK(tick_dates(Cadence::monthly, start, end).size() == 24);
  CHECK(tick_dates(Cadence::quarterly, start, end).size() == 8);
  CHECK(tick_dates(Cadence::yearly, start, end).size() == 2);
  const auto weeks = tick_dates(Cadence::weekly, start, end);
  CHECK(weeks.size() == 104);
  for (Date d : weeks) CHECK(d.weekday() == 1);
  const auto trading = tick_dates(Cadence::trading_daily, start, end);
  CHECK(trading.size() == 520);
  for (Date d : tick_dates(Cadence::quarterly, start, end)) CHECK((d.month() - 1) % 3 == 0);
}

TEST_CASE("cadence names parse back to cadences") {
  for (Cadence c : kAllCadences) CHECK(parse_cadence(cadence_name(c)) == c);
  CHECK_FALSE(parse_cadence("fortnightly"));
}

TEST_CASE("the next tick is the first later day on which the cadence ticks") {
  for (Cadence c : kAllCadences) {
    CAPTURE(cadence_name(c));
    for (Date d = Date::from_ymd(2023, 11, 20); d < Date::from_ymd(2025, 3, 10);
         d = d.plus_days(1)) {
      Date scan = d.plus_days(1);
      while (!ticks_on(c, scan)) scan = scan.plus_days(1);
      REQUIRE(next_tick_after(c, d) == scan);
    }
  }
}

}  // namespace calendar_test
