#include "agents/lunisolar.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace airace {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kSynodicMonthDays = 29.530588861;  // Meeus ch. 49, mean synodic month
constexpr double kTropicalYearDays = 365.2422;
constexpr double kJdUnixEpoch = 2440587.5;  // JD of 1970-01-01 00:00 UT

double julian_day(Date d) { return kJdUnixEpoch + static_cast<double>(d.days_since_epoch()); }

// Delta T = TT - UT in seconds: Espenak & Meeus (2006), "Five Millennium Canon of Solar
// Eclipses", NASA/TP-2006-214141, polynomial for 2005-2050 (used here for 2000-2050 too: the
// error stays under a few seconds, far below what moves a date).
double delta_t_seconds(double jde) {
  const double t = (jde - 2451545.0) / kTropicalYearDays;  // years since 2000
  return 62.92 + 0.32217 * t + 0.005589 * t * t;
}

// The lunation whose new moon falls on or before date d (civil dates at UTC+`utc`).
int lunation_on_or_before(Date d, int utc) {
  int k = static_cast<int>(std::floor((julian_day(d) - 2451550.09766) / kSynodicMonthDays));
  while (civil_date_of_jde(new_moon_jde(k + 1), utc) <= d) ++k;
  while (d < civil_date_of_jde(new_moon_jde(k), utc)) --k;
  return k;
}

// The sui of a Gregorian year: the lunar months from the one holding the winter solstice of
// year - 1 (month 11) up to the one holding the solstice of `year` (excluded). In a sui of 13
// months the first month holding no major solar term (zhongqi, longitudes a multiple of 30
// degrees) is the leap month (GB/T 33661-2017 §5.3).
struct Sui {
  int first_lunation = 0;  // month 11 of the previous lunar year
  int months = 12;         // 12 or 13
  int leap = -1;           // index (1..12) of the leap month, -1: none
};

Sui sui_of(int year, int utc) {
  Sui s;
  s.first_lunation = lunation_on_or_before(solar_term_date(year - 1, 270.0, utc), utc);
  s.months = lunation_on_or_before(solar_term_date(year, 270.0, utc), utc) - s.first_lunation;
  if (s.months == 13) {
    std::array<Date, 11> zhongqi{};  // 300, 330, 0, ..., 240 degrees: all in `year`
    for (std::size_t j = 0; j < zhongqi.size(); ++j)
      zhongqi[j] =
          solar_term_date(year, std::fmod(300.0 + 30.0 * static_cast<double>(j), 360.0), utc);
    for (int i = 1; i <= 12 && s.leap < 0; ++i) {
      const Date start = civil_date_of_jde(new_moon_jde(s.first_lunation + i), utc);
      const Date end = civil_date_of_jde(new_moon_jde(s.first_lunation + i + 1), utc);
      bool has_zhongqi = false;
      for (Date z : zhongqi) has_zhongqi = has_zhongqi || (!(z < start) && z < end);
      if (!has_zhongqi) s.leap = i;
    }
  }
  return s;
}

}  // namespace

double new_moon_jde(int k_int) {
  const double k = k_int;
  const double t = k / 1236.85;
  const double t2 = t * t, t3 = t2 * t, t4 = t3 * t;
  double jde = 2451550.09766 + kSynodicMonthDays * k + 0.00015437 * t2 - 0.000000150 * t3 +
               0.00000000073 * t4;
  const double e = 1.0 - 0.002516 * t - 0.0000074 * t2;
  const double m = (2.5534 + 29.10535670 * k - 0.0000014 * t2 - 0.00000011 * t3) * kDeg;
  const double mp =
      (201.5643 + 385.81693528 * k + 0.0107582 * t2 + 0.00001238 * t3 - 0.000000058 * t4) * kDeg;
  const double f =
      (160.7108 + 390.67050284 * k - 0.0016118 * t2 - 0.00000227 * t3 + 0.000000011 * t4) * kDeg;
  const double om = (124.7746 - 1.56375588 * k + 0.0020672 * t2 + 0.00000215 * t3) * kDeg;
  using std::sin;
  jde += -0.40720 * sin(mp) + 0.17241 * e * sin(m) + 0.01608 * sin(2 * mp) + 0.01039 * sin(2 * f) +
         0.00739 * e * sin(mp - m) - 0.00514 * e * sin(mp + m) + 0.00208 * e * e * sin(2 * m) -
         0.00111 * sin(mp - 2 * f) - 0.00057 * sin(mp + 2 * f) + 0.00056 * e * sin(2 * mp + m) -
         0.00042 * sin(3 * mp) + 0.00042 * e * sin(m + 2 * f) + 0.00038 * e * sin(m - 2 * f) -
         0.00024 * e * sin(2 * mp - m) - 0.00017 * sin(om) - 0.00007 * sin(mp + 2 * m) +
         0.00004 * sin(2 * mp - 2 * f) + 0.00004 * sin(3 * m) + 0.00003 * sin(mp + m - 2 * f) +
         0.00003 * sin(2 * mp + 2 * f) - 0.00003 * sin(mp + m + 2 * f) +
         0.00003 * sin(mp - m + 2 * f) - 0.00002 * sin(mp - m - 2 * f) - 0.00002 * sin(3 * mp + m) +
         0.00002 * sin(4 * mp);
  // Meeus ch. 49: the planetary arguments A1-A14 and their coefficients.
  const std::array<double, 14> a = {299.77 + 0.107408 * k - 0.009173 * t2,
                                    251.88 + 0.016321 * k,
                                    251.83 + 26.651886 * k,
                                    349.42 + 36.412478 * k,
                                    84.66 + 18.206239 * k,
                                    141.74 + 53.303771 * k,
                                    207.14 + 2.453732 * k,
                                    154.84 + 7.306860 * k,
                                    34.52 + 27.261239 * k,
                                    207.19 + 0.121824 * k,
                                    291.34 + 1.844379 * k,
                                    161.72 + 24.198154 * k,
                                    239.56 + 25.513099 * k,
                                    331.55 + 3.592518 * k};
  const std::array<double, 14> c = {0.000325, 0.000165, 0.000164, 0.000126, 0.000110,
                                    0.000062, 0.000060, 0.000056, 0.000047, 0.000042,
                                    0.000040, 0.000037, 0.000035, 0.000023};
  for (std::size_t i = 0; i < a.size(); ++i) jde += c[i] * sin(a[i] * kDeg);
  return jde;
}

double sun_apparent_longitude_deg(double jde) {
  const double t = (jde - 2451545.0) / 36525.0;
  const double l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t;
  const double m = (357.52911 + 35999.05029 * t - 0.0001537 * t * t) * kDeg;
  const double c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * std::sin(m) +
                   (0.019993 - 0.000101 * t) * std::sin(2 * m) + 0.000289 * std::sin(3 * m);
  const double omega = (125.04 - 1934.136 * t) * kDeg;
  const double lambda = l0 + c - 0.00569 - 0.00478 * std::sin(omega);
  const double wrapped = std::fmod(lambda, 360.0);
  return wrapped < 0 ? wrapped + 360.0 : wrapped;
}

Date civil_date_of_jde(double jde, int utc_offset_hours) {
  const double jd_ut = jde - delta_t_seconds(jde) / 86400.0;
  return Date::from_days(static_cast<int64_t>(
      std::floor(jd_ut + static_cast<double>(utc_offset_hours) / 24.0 - kJdUnixEpoch)));
}

Date solar_term_date(int year, double longitude_deg, int utc_offset_hours) {
  // The Sun stands near 280 degrees on 1 January: a first guess inside the year.
  const double offset = std::fmod(longitude_deg - 280.0 + 720.0, 360.0);
  double jde = julian_day(Date::from_ymd(year, 1, 1)) + offset / 360.0 * kTropicalYearDays;
  for (int i = 0; i < 8; ++i) {
    double delta =
        std::fmod(longitude_deg - sun_apparent_longitude_deg(jde) + 540.0, 360.0) - 180.0;
    jde += delta * kTropicalYearDays / 360.0;
  }
  return civil_date_of_jde(jde, utc_offset_hours);
}

Date lunar_date(int year, int month, int day, int utc_offset_hours) {
  if (month < 1 || month > 10 || day < 1 || day > 30)
    throw std::invalid_argument("lunar_date: month " + std::to_string(month) + " day " +
                                std::to_string(day) + " is outside months 1-10, days 1-30");
  const Sui s = sui_of(year, utc_offset_hours);
  int number = 11;
  for (int i = 1; i < s.months; ++i) {
    if (i == s.leap) continue;  // a leap month repeats the number before it
    number = number % 12 + 1;
    if (number != month) continue;
    const Date start = civil_date_of_jde(new_moon_jde(s.first_lunation + i), utc_offset_hours);
    const Date next = civil_date_of_jde(new_moon_jde(s.first_lunation + i + 1), utc_offset_hours);
    if (day > next.days_since_epoch() - start.days_since_epoch())
      throw std::invalid_argument("lunar_date: month " + std::to_string(month) + " of " +
                                  std::to_string(year) + " has no day " + std::to_string(day));
    return start.plus_days(day - 1);
  }
  throw std::logic_error("lunar_date: no month " + std::to_string(month) + " in the sui of " +
                         std::to_string(year));
}

Date lunar_new_year(int year, int utc_offset_hours) {
  return lunar_date(year, 1, 1, utc_offset_hours);
}

}  // namespace airace
