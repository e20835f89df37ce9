// Exchange calendars against the exchanges' published holiday lists (agents/exchanges.hpp).

#include "agents/exchanges.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace airace;

namespace exchanges_test {

namespace {

// Weekdays of [from, to] on which the exchange does not trade, as ISO dates.
std::vector<std::string> closed_weekdays(Exchange e, int from, int to) {
  std::vector<std::string> closed;
  for (Date d = Date::from_ymd(from, 1, 1); d <= Date::from_ymd(to, 12, 31); d = d.plus_days(1))
    if (d.weekday() <= 5 && !is_trading_day(e, d)) closed.push_back(d.iso());
  return closed;
}

}  // namespace

TEST_CASE("Easter Sunday follows the Gregorian computus") {
  CHECK(easter_sunday(2022).iso() == "2022-04-17");
  CHECK(easter_sunday(2024).iso() == "2024-03-31");
  CHECK(easter_sunday(2025).iso() == "2025-04-20");
  CHECK(easter_sunday(2038).iso() == "2038-04-25");  // the latest possible date
  CHECK(easter_sunday(2008).iso() == "2008-03-23");
}

TEST_CASE(
    "NYSE and Nasdaq close on the holidays NYSE published for 2022-2026 and on no other weekday") {
  // NYSE holiday lists (nyse.com "Holidays & trading hours"), including the national day of
  // mourning for President Carter (2025-01-09). 2022-01-01 was a Saturday: 2021-12-31 traded.
  const std::vector<std::string> published = {
      "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04",
      "2022-09-05", "2022-11-24", "2022-12-26",  //
      "2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29", "2023-06-19",
      "2023-07-04", "2023-09-04", "2023-11-23", "2023-12-25",  //
      "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19",
      "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25",  //
      "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
      "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",  //
      "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
      "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"};
  CHECK(closed_weekdays(Exchange::nyse, 2022, 2026) == published);
  CHECK(closed_weekdays(Exchange::nasdaq, 2022, 2026) == published);
  CHECK(is_trading_day(Exchange::nyse, Date::from_ymd(2021, 12, 31)));
  CHECK_FALSE(is_trading_day(Exchange::nyse, Date::from_ymd(2021, 12, 24)));  // Christmas on Sat
  CHECK(is_trading_day(Exchange::nyse, Date::from_ymd(2025, 1, 21)));
  CHECK(is_trading_day(Exchange::nyse, Date::from_ymd(2025, 1, 27)));  // the DeepSeek rout
  // Juneteenth is a holiday only from 2022.
  CHECK(is_trading_day(Exchange::nyse, Date::from_ymd(2021, 6, 18)));
}

TEST_CASE("Euronext closes on its published holidays 2022-2026 and on no other weekday") {
  const std::vector<std::string> published = {
      "2022-04-15", "2022-04-18", "2022-12-26",                                            //
      "2023-04-07", "2023-04-10", "2023-05-01", "2023-12-25", "2023-12-26",                //
      "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-01", "2024-12-25", "2024-12-26",  //
      "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-12-25", "2025-12-26",  //
      "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25"};
  CHECK(closed_weekdays(Exchange::euronext, 2022, 2026) == published);
}

TEST_CASE("no exchange trades at weekends and the weekday stand-in trades every weekday") {
  for (Exchange e : {Exchange::nyse, Exchange::nasdaq, Exchange::euronext, Exchange::weekdays}) {
    CHECK_FALSE(is_trading_day(e, Date::from_ymd(2025, 1, 25)));
    CHECK_FALSE(is_trading_day(e, Date::from_ymd(2025, 1, 26)));
  }
  CHECK(closed_weekdays(Exchange::weekdays, 2020, 2040).empty());
  // Every NYSE year 2020-2040 has 9 to 11 weekday holidays, never more.
  for (int y = 2020; y <= 2040; ++y) {
    const auto n = closed_weekdays(Exchange::nyse, y, y).size();
    CHECK(n >= 8);
    CHECK(n <= 11);
  }
}

}  // namespace exchanges_test
