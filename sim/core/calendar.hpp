#pragma once
// Calendar time: civil dates, cadences, and the time axis of each cadence within a run.
// docs/model.md §"Time" describes the conventions (a cadence ticks on the first day of its period).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airace {

// A proleptic Gregorian calendar date. Stored as days since 1970-01-01 so that
// comparison and arithmetic are integer operations.
class Date {
 public:
  constexpr Date() = default;
  static Date from_ymd(int year, int month, int day);  // throws std::invalid_argument
  static constexpr Date from_days(int64_t days_since_epoch) { return Date(days_since_epoch); }
  // Parses "YYYY-MM-DD" or "YYYY-MM" (the first of the month); nullopt when malformed or invalid.
  static std::optional<Date> parse(std::string_view text);

  int year() const;
  int month() const;    // 1..12
  int day() const;      // 1..31
  int weekday() const;  // ISO: 1 = Monday .. 7 = Sunday
  constexpr int64_t days_since_epoch() const { return days_; }
  std::string iso() const;  // "YYYY-MM-DD"

  Date plus_days(int64_t n) const { return Date(days_ + n); }
  // Same day of month, clamped to the month's length.
  Date plus_months(int n) const;

  friend constexpr auto operator<=>(Date, Date) = default;

 private:
  constexpr explicit Date(int64_t d) : days_(d) {}
  int64_t days_ = 0;
};

bool is_leap_year(int year);
int days_in_month(int year, int month);

// Fraction of a year between two dates, in the model's convention of 365.25 days a year.
inline double years_between(Date from, Date to) {
  return static_cast<double>(to.days_since_epoch() - from.days_since_epoch()) / 365.25;
}

// How often an actor kind acts. Each cadence ticks on the first day of its period:
// every day; every weekday (Monday–Friday, the trading calendar without holidays);
// every Monday; the 1st of each month; 1 January, April, July and October; 1 January.
enum class Cadence { daily, trading_daily, weekly, monthly, quarterly, yearly };
inline constexpr Cadence kAllCadences[] = {Cadence::daily,     Cadence::trading_daily,
                                           Cadence::weekly,    Cadence::monthly,
                                           Cadence::quarterly, Cadence::yearly};

std::string_view cadence_name(Cadence c);
std::optional<Cadence> parse_cadence(std::string_view name);
// Whether cadence c ticks on date d.
bool ticks_on(Cadence c, Date d);
// Nominal length of one period of the cadence, in years (a trading day is 1/365.25 like a day:
// rates are applied per elapsed calendar time, see years_between).
double nominal_period_years(Cadence c);

// The first date after d on which cadence c ticks.
Date next_tick_after(Cadence c, Date d);
// The first date on or after d on which cadence c ticks.
inline Date first_tick_from(Cadence c, Date d) {
  return ticks_on(c, d) ? d : next_tick_after(c, d);
}

// The dates on which a cadence ticks in [start, end], in order.
std::vector<Date> tick_dates(Cadence c, Date start, Date end);

}  // namespace airace
