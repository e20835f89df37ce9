#include "sim/core/schedule.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace airace;

namespace schedule_test {

TEST_CASE("processes on several cadences run in phase order on shared days") {
  Schedule s(Date::from_ymd(2024, 1, 1), Date::from_ymd(2024, 3, 31));  // 2024-01-01: a Monday
  std::vector<std::string> log;
  auto logger = [&log](std::string name) {
    return [&log, name](const Tick& t) { log.push_back(t.date.iso() + " " + name); };
  };
  // Added out of phase order on purpose.
  s.add({"indicators", Cadence::monthly, 90, logger("indicators")});
  s.add({"market", Cadence::trading_daily, 50, logger("market")});
  s.add({"labs", Cadence::monthly, 30, logger("labs")});
  s.add({"supply", Cadence::weekly, 20, logger("supply")});
  s.add({"government", Cadence::quarterly, 10, logger("government")});
  s.advance_to(Date::from_ymd(2024, 1, 2));
  const std::vector<std::string> expected = {"2024-01-01 government", "2024-01-01 supply",
                                             "2024-01-01 labs",       "2024-01-01 market",
                                             "2024-01-01 indicators", "2024-01-02 market"};
  CHECK(log == expected);
}

TEST_CASE("tick indices follow each cadence's time axis") {
  const Date start = Date::from_ymd(2022, 1, 1);
  const Date end = Date::from_ymd(2022, 12, 31);
  Schedule s(start, end);
  std::vector<Date> weekly, monthly, daily;
  s.add({"w", Cadence::weekly, 0, [&](const Tick& t) {
           CHECK(t.index == weekly.size());
           weekly.push_back(t.date);
         }});
  s.add({"m", Cadence::monthly, 1, [&](const Tick& t) {
           CHECK(t.index == monthly.size());
           monthly.push_back(t.date);
         }});
  s.add({"d", Cadence::daily, 2, [&](const Tick& t) { daily.push_back(t.date); }});
  s.run_to_end();
  CHECK(s.finished());
  CHECK(weekly == tick_dates(Cadence::weekly, start, end));
  CHECK(monthly == tick_dates(Cadence::monthly, start, end));
  CHECK(daily.size() == 365);
  const auto axes = s.time_axes();
  CHECK(axes.size() == 3);
}

TEST_CASE("the time step is the calendar time since the previous tick") {
  Schedule s(Date::from_ymd(2022, 1, 1), Date::from_ymd(2022, 12, 31));
  std::vector<double> dts;
  double total = 0.0;
  s.add({"m", Cadence::monthly, 0, [&](const Tick& t) {
           dts.push_back(t.dt_years);
           total += t.dt_years;
           CHECK(t.dt_years == doctest::Approx(years_between(t.previous, t.date)));
         }});
  s.run_to_end();
  CHECK(dts.front() == 0.0);                        // the first tick records the start
  CHECK(dts[1] == doctest::Approx(31.0 / 365.25));  // January
  CHECK(dts[2] == doctest::Approx(28.0 / 365.25));  // February 2022
  CHECK(total == doctest::Approx(334.0 / 365.25));  // 2022-01-01 .. 2022-12-01
}

TEST_CASE("a run can be stopped at a date and resumed with the same result") {
  auto run = [](bool pause) {
    Schedule s(Date::from_ymd(2022, 1, 1), Date::from_ymd(2023, 12, 31));
    double state = 1.0;
    std::vector<double> recorded;
    s.add({"grow", Cadence::monthly, 0, [&](const Tick& t) {
             state *= 1.0 + t.dt_years;
             recorded.push_back(state);
           }});
    if (pause) {
      s.advance_to(Date::from_ymd(2022, 6, 15));
      CHECK(s.today() == Date::from_ymd(2022, 6, 16));
      CHECK(recorded.size() == 6);
    }
    s.run_to_end();
    return recorded;
  };
  CHECK(run(true) == run(false));
}

TEST_CASE("an end date before the start date is refused") {
  CHECK_THROWS(Schedule(Date::from_ymd(2022, 1, 2), Date::from_ymd(2022, 1, 1)));
}

}  // namespace schedule_test
