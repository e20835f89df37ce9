#pragma once
// Stock exchanges' trading days (docs/model.md §"Markets: exchange calendars"): each listed firm
// trades only on the days its exchange is open; news on a closed day moves its price on the
// exchange's next trading day.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sim/core/calendar.hpp"

namespace airace {

// `weekdays` is Monday to Friday with no holidays (for an exchange whose holidays the model
// lacks). xetra: Deutsche Börse's Xetra (Frankfurt); hkex: Hong Kong; sse: Shanghai (main board
// and STAR market); twse: Taiwan; krx: the Korea Exchange (KOSPI).
enum class Exchange { nyse, nasdaq, euronext, xetra, hkex, sse, twse, krx, weekdays };

std::string_view exchange_name(Exchange e);
// The country an exchange is in, as an ISO 3166-1 code (nyse, nasdaq: US; xetra: DE; hkex: HK;
// sse: CN; twse: TW; krx: KR); empty for euronext (markets in five countries) and weekdays.
std::string_view exchange_country(Exchange e);

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
//  - xetra: New Year's Day, Good Friday, Easter Monday, 1 May, 24, 25, 26 and 31 December
//    (Deutsche Börse's trading calendar of Xetra and Börse Frankfurt; Ascension, Whit Monday,
//    Corpus Christi and German Unity Day are trading days, as in every year it published from
//    2022; no substitute days).
//  - hkex: Hong Kong's general holidays (General Holidays Ordinance, Cap. 149, Schedule): 1
//    January, Lunar New Year's Day and the two days after, Ching Ming, Good Friday, the day after
//    and Easter Monday, 1 May, the Birthday of the Buddha (4th month, 8th day), Tuen Ng (5/5),
//    1 July, the day after Mid-Autumn (8/16), 1 October, Chung Yeung (9/9), Christmas Day and the
//    first weekday after it; one falling on a Sunday moves to the next day that is no general
//    holiday. Typhoon and rainstorm closures are unscheduled and left out.
//  - sse: mainland China's public holidays (National Holidays regulation, revised 2024-11, in
//    force 2025) as the State Council arranges them, by a rule that reproduces the published
//    arrangements of 2024-2026 (sse_holiday in exchanges.cpp), plus the published departures of
//    2022-2023. The exchange never trades at weekends, make-up working days included.
//  - twse: Taiwan's national holidays (Commemorative Days and Holidays Implementation Act,
//    2025; before it the Implementation Rules of 2015) with their substitution rules, the two
//    settlement-only days before the Lunar New Year break, and the bridge holidays the
//    Directorate-General of Personnel Administration announced for 2022-2024.
//  - krx: Korea's public holidays on the Korean lunisolar calendar (UTC+9) with their
//    substitution rules, Labour Day, the year-end closing day, election days through 2030 and
//    the temporary holidays designated for 2023-2025 (krx_year in exchanges.cpp).
bool is_trading_day(Exchange e, Date d);

// docs/model.md §"Markets: exchange calendars", "Daily price limits": the largest move of a
// stock's close from the previous close the exchange allows (fraction; 0: none).
//  - twse: 10 % (TWSE, since 2015-06-01; 7 % before).
//  - sse: 10 %, the main board's (SSE trading rules); the STAR Market's is 20 % (SSE STAR Market
//    trading rules, 2019), which a firm listed there sets as its own (firms[].daily_price_limit).
//  - krx: 30 % (Korea Exchange, since 2015-06-15; 15 % before).
//  - nyse, nasdaq, euronext, xetra, hkex: none. US limit up-limit down bands pause trading for minutes;
//    Euronext's collars, Xetra's volatility interruptions and HKEX's volatility control mechanism pause or cap trades within a
//    session; none bounds the day's close.
double exchange_daily_price_limit(Exchange e);

inline constexpr std::size_t kExchangeCount = static_cast<std::size_t>(Exchange::weekdays) + 1;

// Every exchange's trading days over [first, last], worked out once from each year's holidays as
// is_trading_day does and then looked up: markets ask for each firm on each trading day. Built at
// setup and only read after, so replicates running in parallel share it; a day outside the range
// is computed. Calendars of the range last built share its table (airace serve derives some 25
// scenarios per run, each with the same calendar).
class TradingCalendar {
 public:
  TradingCalendar() = default;
  TradingCalendar(Date first, Date last);
  bool is_trading_day(Exchange e, Date d) const {
    const int64_t day = d.days_since_epoch() - first_.days_since_epoch();
    if (day < 0 || day >= days_) return airace::is_trading_day(e, d);
    return (*open_)[static_cast<std::size_t>(e) * static_cast<std::size_t>(days_) +
                    static_cast<std::size_t>(day)] != 0;
  }

 private:
  Date first_;
  int64_t days_ = 0;
  std::shared_ptr<const std::vector<uint8_t>> open_;  // [exchange * days + day since first]
};

}  // namespace airace
