#include "sim/core/calendar.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace airace {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m;
  unsigned d;
};

constexpr Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

Date Date::from_ymd(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    throw std::invalid_argument("invalid calendar date");
  return Date(days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

std::optional<Date> Date::parse(std::string_view text) {
  // YYYY-MM or YYYY-MM-DD, four-digit years only.
  if (text.size() != 7 && text.size() != 10) return std::nullopt;
  if (text[4] != '-') return std::nullopt;
  int y = 0, m = 0, d = 1;
  if (!parse_int(text.substr(0, 4), y) || !parse_int(text.substr(5, 2), m)) return std::nullopt;
  if (text.size() == 10) {
    if (text[7] != '-' || !parse_int(text.substr(8, 2), d)) return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return from_ymd(y, m, d);
}

int Date::year() const { return static_cast<int>(civil_from_days(days_).y); }
int Date::month() const { return static_cast<int>(civil_from_days(days_).m); }
int Date::day() const { return static_cast<int>(civil_from_days(days_).d); }

int Date::weekday() const {
  // 1970-01-01 was a Thursday (ISO 4).
  const int64_t w = ((days_ % 7) + 7 + 3) % 7;  // 0 = Monday
  return static_cast<int>(w) + 1;
}

std::string Date::iso() const {
  const Civil c = civil_from_days(days_);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(c.y), c.m, c.d);
  return buf;
}

Date Date::plus_months(int n) const {
  const Civil c = civil_from_days(days_);
  int64_t total = c.y * 12 + (c.m - 1) + n;
  const int y = static_cast<int>(total >= 0 ? total / 12 : (total - 11) / 12);
  const int m = static_cast<int>(total - int64_t{y} * 12) + 1;
  const int d = std::min(static_cast<int>(c.d), days_in_month(y, m));
  return from_ymd(y, m, d);
}

std::string_view cadence_name(Cadence c) {
  switch (c) {
    case Cadence::daily: return "daily";
    case Cadence::trading_daily: return "trading_daily";
    case Cadence::weekly: return "weekly";
    case Cadence::monthly: return "monthly";
    case Cadence::quarterly: return "quarterly";
    case Cadence::yearly: return "yearly";
  }
  return "?";
}

std::optional<Cadence> parse_cadence(std::string_view name) {
  for (Cadence c : kAllCadences)
    if (cadence_name(c) == name) return c;
  return std::nullopt;
}

bool ticks_on(Cadence c, Date d) {
  switch (c) {
    case Cadence::daily: return true;
    case Cadence::trading_daily: return d.weekday() <= 5;
    case Cadence::weekly: return d.weekday() == 1;
    case Cadence::monthly: return d.day() == 1;
    case Cadence::quarterly: return d.day() == 1 && (d.month() - 1) % 3 == 0;
    case Cadence::yearly: return d.day() == 1 && d.month() == 1;
  }
  return false;
}

double nominal_period_years(Cadence c) {
  switch (c) {
    case Cadence::daily:
    case Cadence::trading_daily: return 1.0 / 365.25;
    case Cadence::weekly: return 7.0 / 365.25;
    case Cadence::monthly: return 1.0 / 12.0;
    case Cadence::quarterly: return 0.25;
    case Cadence::yearly: return 1.0;
  }
  return 0.0;
}

Date next_tick_after(Cadence c, Date d) {
  switch (c) {
    case Cadence::daily: return d.plus_days(1);
    case Cadence::trading_daily: return d.plus_days(d.weekday() >= 5 ? 8 - d.weekday() : 1);
    case Cadence::weekly: return d.plus_days(8 - d.weekday());
    case Cadence::monthly: return Date::from_ymd(d.year(), d.month(), 1).plus_months(1);
    case Cadence::quarterly: {
      const int first_month = (d.month() - 1) / 3 * 3 + 1;
      return Date::from_ymd(d.year(), first_month, 1).plus_months(3);
    }
    case Cadence::yearly: return Date::from_ymd(d.year() + 1, 1, 1);
  }
  return d.plus_days(1);
}

std::vector<Date> tick_dates(Cadence c, Date start, Date end) {
  std::vector<Date> out;
  for (Date d = first_tick_from(c, start); d <= end; d = next_tick_after(c, d)) out.push_back(d);
  return out;
}

}  // namespace airace
