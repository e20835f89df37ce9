#include "agents/exchanges.hpp"

namespace airace {

namespace {

// The n-th (1-based) given weekday (ISO, 1 = Monday) of a month.
Date nth_weekday(int year, int month, int weekday, int n) {
  const Date first = Date::from_ymd(year, month, 1);
  const int shift = (weekday - first.weekday() + 7) % 7;
  return first.plus_days(shift + 7 * (n - 1));
}

// The last given weekday of a month.
Date last_weekday(int year, int month, int weekday) {
  const Date last = Date::from_ymd(year, month, days_in_month(year, month));
  return last.plus_days(-((last.weekday() - weekday + 7) % 7));
}

// NYSE Rule 7.2: a holiday on Saturday closes the Friday before, unless that Friday ends a month
// or year (New Year's Day on a Saturday leaves 31 December open, as on 2021-12-31); one on
// Sunday closes the Monday after.
bool nyse_observes(Date holiday, Date d) {
  if (holiday.weekday() == 6) {
    const Date friday = holiday.plus_days(-1);
    return friday.month() == holiday.month() && d == friday;
  }
  if (holiday.weekday() == 7) return d == holiday.plus_days(1);
  return d == holiday;
}

bool nyse_holiday(Date d) {
  const int y = d.year();
  if (d == Date::from_ymd(2025, 1, 9)) return true;  // national day of mourning, President Carter
  if (nyse_observes(Date::from_ymd(y, 1, 1), d)) return true;  // New Year's Day
  if (d == nth_weekday(y, 1, 1, 3)) return true;               // Martin Luther King Jr. Day
  if (d == nth_weekday(y, 2, 1, 3)) return true;               // Washington's Birthday
  if (d == easter_sunday(y).plus_days(-2)) return true;        // Good Friday
  if (d == last_weekday(y, 5, 1)) return true;                 // Memorial Day
  if (y >= 2022 && nyse_observes(Date::from_ymd(y, 6, 19), d)) return true;  // Juneteenth
  if (nyse_observes(Date::from_ymd(y, 7, 4), d)) return true;                // Independence Day
  if (d == nth_weekday(y, 9, 1, 1)) return true;                             // Labor Day
  if (d == nth_weekday(y, 11, 4, 4)) return true;                            // Thanksgiving
  return nyse_observes(Date::from_ymd(y, 12, 25), d);                        // Christmas
}

bool euronext_holiday(Date d) {
  const int y = d.year();
  const Date easter = easter_sunday(y);
  return (d.month() == 1 && d.day() == 1) || d == easter.plus_days(-2) ||
         d == easter.plus_days(1) || (d.month() == 5 && d.day() == 1) ||
         (d.month() == 12 && (d.day() == 25 || d.day() == 26));
}

}  // namespace

std::string_view exchange_name(Exchange e) {
  switch (e) {
    case Exchange::nyse: return "nyse";
    case Exchange::nasdaq: return "nasdaq";
    case Exchange::euronext: return "euronext";
    case Exchange::weekdays: return "weekdays";
  }
  return "?";
}

Date easter_sunday(int year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return Date::from_ymd(year, month, day);
}

bool is_trading_day(Exchange e, Date d) {
  if (d.weekday() > 5) return false;
  switch (e) {
    case Exchange::nyse:
    case Exchange::nasdaq: return !nyse_holiday(d);
    case Exchange::euronext: return !euronext_holiday(d);
    case Exchange::weekdays: return true;
  }
  return true;
}

}  // namespace airace
