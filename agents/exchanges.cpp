#include "agents/exchanges.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "agents/lunisolar.hpp"

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

// The days of year y on which NYSE's holidays close it. NYSE Rule 7.2: a holiday on Saturday
// closes the Friday before, unless that Friday ends a month or year (New Year's Day on a Saturday
// leaves 31 December open, as on 2021-12-31); one on Sunday closes the Monday after.
std::vector<Date> nyse_holidays(int y) {
  std::vector<Date> days;
  auto observe = [&days](Date holiday) {
    if (holiday.weekday() == 6) {
      const Date friday = holiday.plus_days(-1);
      if (friday.month() == holiday.month()) days.push_back(friday);
    } else {
      days.push_back(holiday.weekday() == 7 ? holiday.plus_days(1) : holiday);
    }
  };
  if (y == 2025) days.push_back(Date::from_ymd(2025, 1, 9));  // day of mourning, President Carter
  observe(Date::from_ymd(y, 1, 1));                           // New Year's Day
  days.push_back(nth_weekday(y, 1, 1, 3));                    // Martin Luther King Jr. Day
  days.push_back(nth_weekday(y, 2, 1, 3));                    // Washington's Birthday
  days.push_back(easter_sunday(y).plus_days(-2));             // Good Friday
  days.push_back(last_weekday(y, 5, 1));                      // Memorial Day
  if (y >= 2022) observe(Date::from_ymd(y, 6, 19));           // Juneteenth
  observe(Date::from_ymd(y, 7, 4));                           // Independence Day
  days.push_back(nth_weekday(y, 9, 1, 1));                    // Labor Day
  days.push_back(nth_weekday(y, 11, 4, 4));                   // Thanksgiving
  observe(Date::from_ymd(y, 12, 25));                         // Christmas
  return days;
}

std::vector<Date> euronext_holidays(int y) {
  const Date easter = easter_sunday(y);
  return {Date::from_ymd(y, 1, 1), easter.plus_days(-2),      easter.plus_days(1),
          Date::from_ymd(y, 5, 1), Date::from_ymd(y, 12, 25), Date::from_ymd(y, 12, 26)};
}

// Euronext's holidays and Christmas Eve and New Year's Eve (the order does not matter: the days
// are sorted where they are used).
std::vector<Date> xetra_holidays(int y) {
  std::vector<Date> days = euronext_holidays(y);
  days.push_back(Date::from_ymd(y, 12, 24));
  days.push_back(Date::from_ymd(y, 12, 31));
  return days;
}

bool weekend(Date d) { return d.weekday() > 5; }

// Closed weekdays of one exchange, built year by year, as days since 1970-01-01.
class ClosedDays {
 public:
  bool contains(Date d) const {
    return std::find(days_.begin(), days_.end(), key(d)) != days_.end();
  }
  void add(Date d) {
    if (!weekend(d) && !contains(d)) days_.push_back(key(d));
  }
  void remove(Date d) { std::erase(days_, key(d)); }
  void add_weekdays(Date first, Date last) {
    for (Date d = first; d <= last; d = d.plus_days(1)) add(d);
  }
  std::vector<int64_t> sorted() const {
    std::vector<int64_t> v = days_;
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  static int64_t key(Date d) { return d.days_since_epoch(); }
  std::vector<int64_t> days_;
};

// Hong Kong: General Holidays Ordinance (Cap. 149) Schedule, as gazetted each year (e.g. the
// general holidays for 2026, gazetted 2025-05-16: "as the Ching Ming Festival falls on a Sunday,
// the following day ...; as [it] falls on the Easter Monday, the next day that is not itself a
// general holiday"). A holiday on a Sunday, or on the same day as another, moves to the next day
// that is neither a Sunday nor a general holiday; Saturdays are not substituted.
void hkex_year(int y, ClosedDays& closed) {
  const Date lny = lunar_new_year(y), easter = easter_sunday(y);
  Date after_christmas = Date::from_ymd(y, 12, 26);
  if (after_christmas.weekday() == 7) after_christmas = after_christmas.plus_days(1);
  std::vector<Date> holidays = {
      Date::from_ymd(y, 1, 1),   lny,
      lny.plus_days(1),          lny.plus_days(2),
      solar_term_date(y, 15.0),                         // Ching Ming
      easter.plus_days(-2),                             // Good Friday
      easter.plus_days(-1),                             // the day following Good Friday
      easter.plus_days(1),                              // Easter Monday
      Date::from_ymd(y, 5, 1),   lunar_date(y, 4, 8),   // the Birthday of the Buddha
      lunar_date(y, 5, 5),                              // Tuen Ng
      Date::from_ymd(y, 7, 1),   lunar_date(y, 8, 16),  // the day following Mid-Autumn
      Date::from_ymd(y, 10, 1),  lunar_date(y, 9, 9),   // Chung Yeung
      Date::from_ymd(y, 12, 25), after_christmas};
  std::sort(holidays.begin(), holidays.end());
  std::vector<Date> general(holidays.begin(), holidays.end());
  auto is_general = [&](Date d) {
    return std::find(general.begin(), general.end(), d) != general.end();
  };
  for (std::size_t i = 0; i < holidays.size(); ++i) {
    const bool coincides = i > 0 && holidays[i] == holidays[i - 1];
    if (holidays[i].weekday() != 7 && !coincides) continue;
    Date d = holidays[i].plus_days(1);
    while (d.weekday() == 7 || is_general(d)) d = d.plus_days(1);
    general.push_back(d);
  }
  for (Date d : general) closed.add(d);
}

// Mainland China (the SSE and its STAR Market). The National Holidays regulation (State Council
// Decree 270, revised 2024-11-12, in force 2025-01-01) gives 13 days: New Year's Day, Spring
// Festival eve and days 1-3, Qingming, 1-2 May, Dragon Boat, Mid-Autumn, 1-3 October; each year
// the State Council's General Office arranges the breaks with make-up working days, and the SSE
// announces its closures (e.g. "关于上海证券交易所2026年部分节假日休市安排的通知", 2025-12-22).
// The arrangements are not fixed by law; this rule reproduces those published for 2024, 2025
// and 2026 (tests/agents/exchanges_test.cpp):
//  - a one-day festival (New Year, Qingming, Dragon Boat, Mid-Autumn) on a Monday, Wednesday or
//    Friday closes that day; on a Tuesday also the Monday before, on a Thursday also the Friday
//    after (bridged by a weekend make-up day); on a Saturday or Sunday the Monday after;
//  - Spring Festival: the eve to the 7th day of the first month (8 days);
//  - Labour Day: 1-5 May; National Day: 1-7 October, or 1-8 October when Mid-Autumn falls in
//    it, or the 8 days from Mid-Autumn when it falls on 29 or 30 September.
// Published departures of 2022-2023, under the former regulation (Labour Day one day): open on
// 2022-02-07 (the Spring Festival break ended on day 6), 2022-05-05, 2023-05-04 and 2023-05-05
// (Labour Day breaks of 30 April-4 May and 29 April-3 May). Years after 2026 follow the rule:
// an assumption, as each year's arrangement is announced only in the preceding November.
void sse_one_day(Date h, ClosedDays& closed) {
  switch (h.weekday()) {
    case 2: closed.add(h.plus_days(-1)); break;
    case 4: closed.add(h.plus_days(1)); break;
    case 6: closed.add(h.plus_days(2)); break;
    case 7: closed.add(h.plus_days(1)); break;
    default: break;
  }
  closed.add(h);
}

void sse_year(int y, ClosedDays& closed) {
  const Date lny = lunar_new_year(y);
  sse_one_day(Date::from_ymd(y, 1, 1), closed);
  closed.add_weekdays(lny.plus_days(-1), lny.plus_days(6));
  sse_one_day(solar_term_date(y, 15.0), closed);
  closed.add_weekdays(Date::from_ymd(y, 5, 1), Date::from_ymd(y, 5, 5));
  sse_one_day(lunar_date(y, 5, 5), closed);
  const Date mid_autumn = lunar_date(y, 8, 15);
  const Date oct1 = Date::from_ymd(y, 10, 1), oct8 = Date::from_ymd(y, 10, 8);
  if (!(mid_autumn < oct1) && !(oct8 < mid_autumn)) {
    closed.add_weekdays(oct1, oct8);
  } else if (!(mid_autumn < Date::from_ymd(y, 9, 29)) && mid_autumn < oct1) {
    closed.add_weekdays(mid_autumn, mid_autumn.plus_days(7));
  } else {
    sse_one_day(mid_autumn, closed);
    closed.add_weekdays(oct1, Date::from_ymd(y, 10, 7));
  }
  static const std::array<Date, 4> kOpenAgainstRule = {
      Date::from_ymd(2022, 2, 7), Date::from_ymd(2022, 5, 5), Date::from_ymd(2023, 5, 4),
      Date::from_ymd(2023, 5, 5)};
  for (Date d : kOpenAgainstRule)
    if (d.year() == y) closed.remove(d);
}

// Taiwan (TWSE). Holidays: Commemorative Days and Holidays Implementation Act (promulgated
// 2025-06; from 2025) and before it the Implementation Rules for Memorial Days and Holidays: 1
// January; the Lunar New Year break (eve and days 1-3; from 2025 also the day before the eve), a
// Saturday or Sunday in it replaced by the weekdays after it; 28 February; Children's Day (4
// April; when it is also Tomb Sweeping Day, on the day before, or the day after when that is a
// Thursday) and Tomb Sweeping Day (Qingming);
// Labour Day (1 May); Dragon Boat; Mid-Autumn; from 2025 Teachers' Day (28 September), Taiwan
// Retrocession Day (25 October) and Constitution Day (25 December); National Day (10 October).
// Any other holiday on a Saturday is observed on the weekday before, on a Sunday on the weekday
// after. The TWSE does not trade on the two weekdays before the Lunar New Year break (settlement
// only; TWSE's yearly "開(休)市日期表"). Bridge holidays ("調整放假") were announced yearly by the
// Directorate-General of Personnel Administration and are listed for 2022-2024; none after.
void twse_year(int y, ClosedDays& closed) {
  static const std::array<Date, 8> kBridges = {
      Date::from_ymd(2022, 2, 4),  Date::from_ymd(2023, 1, 20), Date::from_ymd(2023, 1, 27),
      Date::from_ymd(2023, 2, 27), Date::from_ymd(2023, 4, 3),  Date::from_ymd(2023, 6, 23),
      Date::from_ymd(2023, 10, 9), Date::from_ymd(2024, 2, 8)};
  auto bridge = [](Date d) {
    return std::find(kBridges.begin(), kBridges.end(), d) != kBridges.end();
  };
  for (Date d : kBridges)
    if (d.year() == y) closed.add(d);
  const bool act_2025 = y >= 2025;
  const Date lny = lunar_new_year(y);
  const Date first = lny.plus_days(act_2025 ? -2 : -1), last = lny.plus_days(2);
  int weekend_days = 0;
  for (Date d = first; d <= last; d = d.plus_days(1)) {
    if (weekend(d)) ++weekend_days;
    closed.add(d);
  }
  for (Date d = last.plus_days(1); weekend_days > 0; d = d.plus_days(1))
    if (!weekend(d) && !closed.contains(d)) {
      closed.add(d);
      --weekend_days;
    }
  Date start = first;
  while (weekend(start.plus_days(-1)) || bridge(start.plus_days(-1))) start = start.plus_days(-1);
  for (int n = 0; n < 2;) {
    start = start.plus_days(-1);
    if (!weekend(start)) {
      closed.add(start);
      ++n;
    }
  }
  auto observe = [&closed](Date h) {
    if (h.weekday() == 6) {
      Date d = h.plus_days(-1);
      while (weekend(d) || closed.contains(d)) d = d.plus_days(-1);
      closed.add(d);
    } else if (h.weekday() == 7) {
      Date d = h.plus_days(1);
      while (weekend(d) || closed.contains(d)) d = d.plus_days(1);
      closed.add(d);
    } else {
      closed.add(h);
    }
  };
  // Children's Day on Tomb Sweeping Day moves to the day before, or to the day after when they
  // fall on a Thursday (2024: closed 4 and 5 April).
  auto children_day_observed = [](Date children, Date qingming) {
    if (children != qingming) return children;
    return children.weekday() == 4 ? children.plus_days(1) : children.plus_days(-1);
  };
  const Date qingming = solar_term_date(y, 15.0), children = Date::from_ymd(y, 4, 4);
  std::vector<Date> holidays = {Date::from_ymd(y, 1, 1),
                                Date::from_ymd(y, 2, 28),
                                children_day_observed(children, qingming),
                                qingming,
                                Date::from_ymd(y, 5, 1),
                                lunar_date(y, 5, 5),
                                lunar_date(y, 8, 15),
                                Date::from_ymd(y, 10, 10)};
  if (act_2025)
    holidays.insert(holidays.end(), {Date::from_ymd(y, 9, 28), Date::from_ymd(y, 10, 25),
                                     Date::from_ymd(y, 12, 25)});
  std::sort(holidays.begin(), holidays.end());
  for (Date h : holidays) observe(h);
}

// Korea (KRX). Public holidays (Regulations on Holidays of Government Offices; Act on Public
// Holidays, 2021) on the Korean lunisolar calendar (UTC+9): 1 January; Seollal (the eve, day 1
// and day 2 of the first month); 1 March; Children's Day (5 May); Buddha's Birthday (4/8);
// Memorial Day (6 June); Liberation Day (15 August); Chuseok (8/14-8/16); National Foundation Day
// (3 October); Hangeul Day (9 October); Christmas. Substitute holidays, the first weekday after
// that is no holiday: for Seollal and Chuseok on a Sunday or another holiday and for Children's
// Day on a weekend or another holiday (since 2014); for 1 March, 15 August, 3 and 9 October on a
// weekend or another holiday (amendment of 2021-08-04); for Buddha's Birthday and Christmas (of
// 2023-05-04). Two holidays on one day bring one substitute. The KRX also closes on Labour Day
// (1 May) and on its year-end closing day (31 December, or the last weekday before it). Election
// days are holidays: those held 2022-2026 and the regular ones the Public Official Election Act
// (art. 34) sets through 2030; the temporary holidays the Cabinet designated are listed (none is
// known after 2025; later elections and temporary holidays are not in the calendar).
void krx_year(int y, ClosedDays& closed) {
  static const std::array<Date, 11> kDesignated = {
      Date::from_ymd(2022, 3, 9),   // presidential election
      Date::from_ymd(2022, 6, 1),   // local elections
      Date::from_ymd(2023, 10, 2),  // temporary holiday
      Date::from_ymd(2024, 4, 10),  // National Assembly election
      Date::from_ymd(2024, 10, 1),  // temporary holiday (Armed Forces Day)
      Date::from_ymd(2025, 1, 27),  // temporary holiday
      Date::from_ymd(2025, 6, 3),   // presidential election (after the impeachment)
      Date::from_ymd(2026, 6, 3),   // local elections
      Date::from_ymd(2028, 4, 12),  // National Assembly election (term ends 2028-05-29)
      Date::from_ymd(2030, 3, 27),  // presidential election (term ends 2030-06-03)
      Date::from_ymd(2030, 6, 12)};  // local elections (5 June is the eve of Memorial Day)
  for (Date d : kDesignated)
    if (d.year() == y) closed.add(d);
  // Each holiday and on which days it brings a substitute: none, a Sunday, or a weekend.
  enum class Substitute { none, sunday, weekend };
  struct Holiday {
    Date day;
    Substitute rule;
  };
  const Substitute lunar_block = y >= 2014 ? Substitute::sunday : Substitute::none;
  const Substitute children = y >= 2014 ? Substitute::weekend : Substitute::none;
  const Substitute national = y >= 2021 ? Substitute::weekend : Substitute::none;
  const Substitute added_2023 = y >= 2023 ? Substitute::weekend : Substitute::none;
  const Date seollal = lunar_new_year(y, kKoreaUtcOffsetHours);
  const Date chuseok = lunar_date(y, 8, 15, kKoreaUtcOffsetHours);
  std::vector<Holiday> holidays = {
      {Date::from_ymd(y, 1, 1), Substitute::none},
      {seollal.plus_days(-1), lunar_block},
      {seollal, lunar_block},
      {seollal.plus_days(1), lunar_block},
      {Date::from_ymd(y, 3, 1), national},
      {Date::from_ymd(y, 5, 5), children},
      {lunar_date(y, 4, 8, kKoreaUtcOffsetHours), added_2023},
      {Date::from_ymd(y, 6, 6), Substitute::none},
      {Date::from_ymd(y, 8, 15), national},
      {chuseok.plus_days(-1), lunar_block},
      {chuseok, lunar_block},
      {chuseok.plus_days(1), lunar_block},
      {Date::from_ymd(y, 10, 3), national},
      {Date::from_ymd(y, 10, 9), national},
      {Date::from_ymd(y, 12, 25), added_2023}};
  std::stable_sort(holidays.begin(), holidays.end(),
                   [](const Holiday& a, const Holiday& b) { return a.day < b.day; });
  std::vector<Date> off;
  for (const Holiday& h : holidays) off.push_back(h.day);
  auto is_off = [&off](Date d) { return std::find(off.begin(), off.end(), d) != off.end(); };
  for (std::size_t i = 0; i < holidays.size(); ++i) {
    const Holiday& h = holidays[i];
    if (h.rule == Substitute::none) continue;
    const bool coincides = i > 0 && holidays[i - 1].day == h.day;
    const int w = h.day.weekday();
    const bool on_weekend = h.rule == Substitute::weekend ? w >= 6 : w == 7;
    if (!coincides && !on_weekend) continue;
    Date d = h.day.plus_days(1);
    while (weekend(d) || is_off(d)) d = d.plus_days(1);
    off.push_back(d);
  }
  for (Date d : off) closed.add(d);
  closed.add(Date::from_ymd(y, 5, 1));  // Labour Day
  Date year_end = Date::from_ymd(y, 12, 31);
  while (weekend(year_end)) year_end = year_end.plus_days(-1);
  closed.add(year_end);
}

// Adds the closed days of year y of an exchange on the lunisolar calendar.
void lunar_year(Exchange e, int y, ClosedDays& closed) {
  switch (e) {
    case Exchange::hkex: hkex_year(y, closed); break;
    case Exchange::sse: sse_year(y, closed); break;
    case Exchange::twse: twse_year(y, closed); break;
    case Exchange::krx: krx_year(y, closed); break;
    default: break;
  }
}

// Each lunisolar exchange's closed weekdays over the years the cache covers, built once.
constexpr int kFirstCachedYear = 1990, kLastCachedYear = 2100;
constexpr std::array kLunarExchanges = {Exchange::hkex, Exchange::sse, Exchange::twse,
                                        Exchange::krx};

const std::vector<int64_t>& cached_lunar_days(Exchange e) {
  static const auto all = [] {
    std::array<std::vector<int64_t>, kLunarExchanges.size()> c;
    for (std::size_t k = 0; k < kLunarExchanges.size(); ++k) {
      ClosedDays closed;
      for (int y = kFirstCachedYear; y <= kLastCachedYear; ++y)
        lunar_year(kLunarExchanges[k], y, closed);
      c[k] = closed.sorted();
    }
    return c;
  }();
  return all[static_cast<std::size_t>(
      std::find(kLunarExchanges.begin(), kLunarExchanges.end(), e) - kLunarExchanges.begin())];
}

// The closed weekdays of year y, sorted, as days since 1970-01-01.
std::vector<int64_t> lunar_closed_days(Exchange e, int y) {
  const int64_t from = Date::from_ymd(y, 1, 1).days_since_epoch();
  const int64_t to = Date::from_ymd(y, 12, 31).days_since_epoch();
  auto in_year = [from, to](const std::vector<int64_t>& days) {
    return std::vector<int64_t>(std::lower_bound(days.begin(), days.end(), from),
                                std::upper_bound(days.begin(), days.end(), to));
  };
  if (y <= kFirstCachedYear || y >= kLastCachedYear) {  // a year's rules reach into its neighbours
    ClosedDays closed;
    for (int year = y - 1; year <= y + 1; ++year) lunar_year(e, year, closed);
    return in_year(closed.sorted());
  }
  return in_year(cached_lunar_days(e));
}

// The holidays of year y on which exchange e does not trade (one at a weekend changes nothing),
// sorted, as days since 1970-01-01.
std::vector<int64_t> closed_days(Exchange e, int y) {
  std::vector<int64_t> days;
  auto add = [&days](const std::vector<Date>& holidays) {
    for (Date d : holidays) days.push_back(d.days_since_epoch());
    std::sort(days.begin(), days.end());
  };
  switch (e) {
    case Exchange::nyse:
    case Exchange::nasdaq: add(nyse_holidays(y)); break;
    case Exchange::euronext: add(euronext_holidays(y)); break;
    case Exchange::xetra: add(xetra_holidays(y)); break;
    case Exchange::hkex:
    case Exchange::sse:
    case Exchange::twse:
    case Exchange::krx: return lunar_closed_days(e, y);
    case Exchange::weekdays: break;
  }
  return days;
}

}  // namespace

double exchange_daily_price_limit(Exchange e) {
  if (e == Exchange::krx) return 0.30;
  return e == Exchange::twse || e == Exchange::sse ? 0.10 : 0.0;
}

std::string_view exchange_name(Exchange e) {
  switch (e) {
    case Exchange::nyse: return "nyse";
    case Exchange::nasdaq: return "nasdaq";
    case Exchange::euronext: return "euronext";
    case Exchange::xetra: return "xetra";
    case Exchange::hkex: return "hkex";
    case Exchange::sse: return "sse";
    case Exchange::twse: return "twse";
    case Exchange::krx: return "krx";
    case Exchange::weekdays: return "weekdays";
  }
  return "?";
}

std::string_view exchange_country(Exchange e) {
  switch (e) {
    case Exchange::nyse:
    case Exchange::nasdaq: return "US";
    case Exchange::xetra: return "DE";
    case Exchange::hkex: return "HK";
    case Exchange::sse: return "CN";
    case Exchange::twse: return "TW";
    case Exchange::krx: return "KR";
    case Exchange::euronext:
    case Exchange::weekdays: return "";
  }
  return "";
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
  if (weekend(d)) return false;
  const std::vector<int64_t> closed = closed_days(e, d.year());
  return !std::binary_search(closed.begin(), closed.end(), d.days_since_epoch());
}

TradingCalendar::TradingCalendar(Date first, Date last) : first_(first) {
  days_ = std::max<int64_t>(0, last.days_since_epoch() - first.days_since_epoch() + 1);
  static std::mutex mutex;
  static Date built_first, built_last;
  static std::shared_ptr<const std::vector<uint8_t>> built;
  {
    const std::lock_guard lock(mutex);
    if (built != nullptr && built_first == first && built_last == last) {
      open_ = built;
      return;
    }
  }
  const auto n = static_cast<std::size_t>(days_);
  auto open = std::make_shared<std::vector<uint8_t>>(kExchangeCount * n, 0);
  for (std::size_t day = 0; day < n; ++day)
    if (!weekend(first.plus_days(static_cast<int64_t>(day))))
      for (std::size_t e = 0; e < kExchangeCount; ++e) (*open)[e * n + day] = 1;
  // As is_trading_day: a weekday is closed when it is among its year's closed days.
  for (int y = first.year(); n > 0 && y <= last.year(); ++y) {
    const int64_t from = std::max(first, Date::from_ymd(y, 1, 1)).days_since_epoch();
    const int64_t to = std::min(last, Date::from_ymd(y, 12, 31)).days_since_epoch();
    for (std::size_t e = 0; e < kExchangeCount; ++e)
      for (int64_t day : closed_days(static_cast<Exchange>(e), y))
        if (from <= day && day <= to)
          (*open)[e * n + static_cast<std::size_t>(day - first.days_since_epoch())] = 0;
  }
  open_ = open;
  const std::lock_guard lock(mutex);
  built_first = first;
  built_last = last;
  built = std::move(open);
}

}  // namespace airace
