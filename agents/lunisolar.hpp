#pragma once
// The Chinese lunisolar calendar, computed (docs/model.md §"Markets: exchange calendars"): the
// festivals that close the exchanges of Hong Kong, Shanghai and Taiwan fall on lunar dates
// (Lunar New Year, Dragon Boat, Mid-Autumn, Buddha's Birthday, Chung Yeung) or on a solar term
// (Qingming). Dates are civil dates at UTC+8, the meridian of the Chinese calendar (GB/T
// 33661-2017 "Calculation and promulgation of the Chinese calendar"; the Hong Kong Observatory
// and Taiwan's Central Weather Administration use the same meridian).
//
// Astronomy: new moons from Meeus, "Astronomical Algorithms" (2nd ed. 1998) ch. 49 (mean phase
// plus the periodic and planetary corrections, a few seconds over 2000-2100); the Sun's apparent
// longitude from Meeus ch. 25 (low-accuracy method, about 0.01 degree, i.e. about 15 minutes in
// the time of a solar term); Delta T (TT - UT) from the Espenak & Meeus (2006) polynomial for
// 2005-2050. tests/agents/lunisolar_test.cpp checks the result against the Hong Kong Observatory's
// Gregorian-lunar conversion tables for 2020-2040.
//
// The Korean calendar follows the same rules on the meridian of 135 degrees east (UTC+9, Korea
// Standard Time; the Korea Astronomy and Space Science Institute computes it so since 1961): a
// new moon between 23:00 and 24:00 at UTC+8 begins a month a day later there, as the fourth
// month of 2023 (Buddha's Birthday 2023-05-26 in China and Hong Kong, 2023-05-27 in Korea).

#include "sim/core/calendar.hpp"

namespace airace {

// Julian Ephemeris Day (TT) of the new moon of lunation k (k = 0: 2000-01-06; Meeus ch. 49).
double new_moon_jde(int k);
// The Sun's apparent geometric longitude (degrees, 0-360) at a Julian Ephemeris Day (Meeus ch. 25).
double sun_apparent_longitude_deg(double jde);
inline constexpr int kChinaUtcOffsetHours = 8;  // hours: the Chinese calendar's meridian, 120 E
inline constexpr int kKoreaUtcOffsetHours = 9;  // hours: the Korean calendar's meridian, 135 E

// The civil date at UTC+`utc_offset_hours` of an instant given as a Julian Ephemeris Day (TT).
Date civil_date_of_jde(double jde, int utc_offset_hours);
// The civil date at UTC+`utc_offset_hours` on which the Sun's apparent longitude reaches
// `longitude_deg` within the Gregorian `year` (the crossing nearest to the mean date; e.g. 15
// degrees: Qingming, April 4 or 5; 270 degrees: the winter solstice, December 21 or 22).
Date solar_term_date(int year, double longitude_deg,
                     int utc_offset_hours = kChinaUtcOffsetHours);

// Day 1 of month 1 of the lunar year that begins in Gregorian `year`, on the calendar of the
// meridian UTC+`utc_offset_hours` (8: Chinese; 9: Korean).
Date lunar_new_year(int year, int utc_offset_hours = kChinaUtcOffsetHours);
// The Gregorian date of day `day` (1-30) of the ordinary (not leap) month `month` (1-12) of the
// lunar year that begins in Gregorian `year`, on the calendar of the meridian UTC+
// `utc_offset_hours`. Months 1-10 only: months 11 and 12 of that lunar year may be preceded by a
// leap month in the next sui, which this function does not build. Throws std::invalid_argument
// outside those ranges or past the month's end.
Date lunar_date(int year, int month, int day, int utc_offset_hours = kChinaUtcOffsetHours);

}  // namespace airace
