#pragma once
// Stock exchanges' trading days (docs/model.md §"Markets: exchange calendars"): each listed firm
// trades only on the days its exchange is open; news on a closed day moves its price on the
// exchange's next trading day.

#include <string_view>

#include "sim/core/calendar.hpp"

namespace airace {

// `weekdays` is Monday to Friday with no holidays: the stand-in for exchanges whose holidays
// follow the lunar calendar and yearly government announcements (Hong Kong, Shanghai, Taiwan),
// which the model does not compute yet.
enum class Exchange { nyse, nasdaq, euronext, weekdays };

std::string_view exchange_name(Exchange e);

// Easter Sunday of a Gregorian year (the anonymous Gregorian computus, Meeus 1991 ch. 8).
Date easter_sunday(int year);

// Whether the exchange trades on date d: a weekday that is none of its holidays.
//  - nyse, nasdaq: NYSE Rule 7.2 holidays (New Year's Day, Martin Luther King Jr. Day,
//    Washington's Birthday, Good Friday, Memorial Day, Juneteenth from 2022, Independence Day,
//    Labor Day, Thanksgiving, Christmas; a Saturday holiday closes the Friday before unless that
//    Friday ends a month or year, a Sunday holiday closes the Monday after) and the unscheduled
//    closure for President Carter's national day of mourning, 2025-01-09.
//  - euronext: New Year's Day, Good Friday, Easter Monday, 1 May, 25 and 26 December (Euronext
//    trading calendar; no substitute days).
bool is_trading_day(Exchange e, Date d);

}  // namespace airace
