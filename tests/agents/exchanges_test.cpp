// Exchange calendars against the exchanges' published holiday lists (agents/exchanges.hpp).

#include "agents/exchanges.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agents/lunisolar.hpp"

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

TEST_CASE("Xetra closes on its published non-trading days 2022-2026 and on no other weekday") {
  // Deutsche Börse's trading calendar of Xetra and Börse Frankfurt (FWB): 2024-2029 as published
  // on deutsche-boerse-cash-market.com ("Trading calendar"); 2022 and 2023 by the same rule, with
  // Ascension, Whit Monday, Corpus Christi and German Unity Day trading days (Börse Frankfurt
  // Zertifikate circular 003/2022 lists them as holidays on which the FWB calendar trades).
  const std::vector<std::string> published = {
      "2022-04-15", "2022-04-18", "2022-12-26",                                            //
      "2023-04-07", "2023-04-10", "2023-05-01", "2023-12-25", "2023-12-26",                //
      "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-01", "2024-12-24", "2024-12-25",  //
      "2024-12-26", "2024-12-31",                                                          //
      "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-12-24", "2025-12-25",  //
      "2025-12-26", "2025-12-31",                                                          //
      "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-24", "2026-12-25",  //
      "2026-12-31"};
  CHECK(closed_weekdays(Exchange::xetra, 2022, 2026) == published);
  // 2027-2029 as published: New Year's Day 2027 a Friday, Labour Day 2027 a Saturday.
  CHECK_FALSE(is_trading_day(Exchange::xetra, Date::from_ymd(2027, 1, 1)));
  CHECK_FALSE(is_trading_day(Exchange::xetra, Date::from_ymd(2027, 3, 29)));
  CHECK_FALSE(is_trading_day(Exchange::xetra, Date::from_ymd(2028, 4, 17)));
  CHECK_FALSE(is_trading_day(Exchange::xetra, Date::from_ymd(2029, 12, 31)));
  CHECK(is_trading_day(Exchange::xetra, Date::from_ymd(2024, 5, 20)));   // Whit Monday
  CHECK(is_trading_day(Exchange::xetra, Date::from_ymd(2024, 10, 3)));   // German Unity Day
  CHECK(is_trading_day(Exchange::xetra, Date::from_ymd(2025, 1, 27)));   // the DeepSeek rout
}

// Where the 2022-2026 lists of Hong Kong, Shanghai and Taiwan below were checked (republications
// of the official notices, found in December 2026; the official pages are info.gov.hk, sse.com.cn
// and twse.com.tw):
//  - Hong Kong 2026: publicholidaynews.com/20250516-hong-kong-announces-general-holidays-for-2026
//    (the government's announcement of 2025-05-16); 2022: worldpublicholiday.com/zh/hong-kong/2022
//    and gotravelvideo.com/zh/hkholiday; 2021: cmschina.com.hk/en/CS/holidayTable.
//  - SSE 2024: the SSE notice of 2023-12-26 as republished at meimuju.com/news/10252.html; 2025:
//    the notice of 2024-12-23 (bg3.co, "滬深北交易所公佈2025年部分節假日休市安排"); 2026: the notice
//    of 2025-12-22 (etnet.com.hk news ETN351222775; srwlw.com/article/101784.html); 2023: the
//    Shanghai Futures Exchange's notice of 2022-12-27 on the same State Council arrangement.
//  - TWSE 2022: TWSE's 111年 table as republished at coco-in.net/thread-155030-1-1.html; 2023:
//    kgi.com.tw stock-market calendar (TWSE's 112年 table); 2024: forexchurch.com
//    TWSE holiday calendar; 2025: TWSE announcement of 2024-11-22 (nextapple.com.sg, ctee.com.tw);
//    2026: TWSE announcement of 2025-10-29 (udn.com/news/story/7251/9104888, ettoday.net).
//  The Hong Kong lists of 2023-2025 (but for late 2025, in when.com's Wikipedia excerpt), the
//  SSE's of 2022 (but for New Year and Spring Festival) and the TWSE's three holidays added in
//  2025 were not found in a republication during that search: they are as published to the best
//  of the author's knowledge, and agree with the rules.
TEST_CASE(
    "HKEX closes on Hong Kong's gazetted general holidays 2022-2026 and on no other weekday") {
  // Hong Kong general holidays as gazetted each year (info.gov.hk "General holidays for <year>";
  // 2026 announced 2025-05-16), weekdays only; HKEX closes on each (hkex.com.hk trading calendar).
  // Half-day sessions (eves of Christmas, New Year and Lunar New Year) are trading days.
  const std::vector<std::string> published = {
      "2022-02-01", "2022-02-02", "2022-02-03", "2022-04-05", "2022-04-15",
      "2022-04-18", "2022-05-02", "2022-05-09", "2022-06-03", "2022-07-01",
      "2022-09-12", "2022-10-04", "2022-12-26", "2022-12-27",  //
      "2023-01-02", "2023-01-23", "2023-01-24", "2023-01-25", "2023-04-05",
      "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-26", "2023-06-22",
      "2023-10-02", "2023-10-23", "2023-12-25", "2023-12-26",  //
      "2024-01-01", "2024-02-12", "2024-02-13", "2024-03-29", "2024-04-01",
      "2024-04-04", "2024-05-01", "2024-05-15", "2024-06-10", "2024-07-01",
      "2024-09-18", "2024-10-01", "2024-10-11", "2024-12-25", "2024-12-26",  //
      "2025-01-01", "2025-01-29", "2025-01-30", "2025-01-31", "2025-04-04",
      "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-05", "2025-07-01",
      "2025-10-01", "2025-10-07", "2025-10-29", "2025-12-25", "2025-12-26",  //
      "2026-01-01", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-03",
      "2026-04-06", "2026-04-07", "2026-05-01", "2026-05-25", "2026-06-19",
      "2026-07-01", "2026-10-01", "2026-10-19", "2026-12-25"};
  CHECK(closed_weekdays(Exchange::hkex, 2022, 2026) == published);
  // 2021: Ching Ming on Sunday 4 April, the next day Easter Monday: the 6th is the substitute.
  CHECK_FALSE(is_trading_day(Exchange::hkex, Date::from_ymd(2021, 4, 6)));
  CHECK(is_trading_day(Exchange::hkex, Date::from_ymd(2025, 1, 28)));  // eve: half day
}

TEST_CASE("the SSE closes on the days it announced for 2022-2026 and on no other weekday") {
  // SSE notices "关于上海证券交易所<year>年部分节假日休市安排的通知" (2022: December 2021; 2024:
  // 2023-12-26; 2025: 2024-12-23; 2026: 2025-12-22; 2023 from the State Council's arrangement
  // as the Shanghai Futures Exchange announced it on 2022-12-27), weekdays only.
  const std::vector<std::string> published = {
      "2022-01-03", "2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04",
      "2022-04-04", "2022-04-05", "2022-05-02", "2022-05-03", "2022-05-04", "2022-06-03",
      "2022-09-12", "2022-10-03", "2022-10-04", "2022-10-05", "2022-10-06", "2022-10-07",  //
      "2023-01-02", "2023-01-23", "2023-01-24", "2023-01-25", "2023-01-26", "2023-01-27",
      "2023-04-05", "2023-05-01", "2023-05-02", "2023-05-03", "2023-06-22", "2023-06-23",
      "2023-09-29", "2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06",  //
      "2024-01-01", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15",
      "2024-02-16", "2024-04-04", "2024-04-05", "2024-05-01", "2024-05-02", "2024-05-03",
      "2024-06-10", "2024-09-16", "2024-09-17", "2024-10-01", "2024-10-02", "2024-10-03",
      "2024-10-04", "2024-10-07",  //
      "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03",
      "2025-02-04", "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02",
      "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08",  //
      "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
      "2026-02-20", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05",
      "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",
      "2026-10-07"};
  CHECK(closed_weekdays(Exchange::sse, 2022, 2026) == published);
  // Make-up working days at weekends do not open the exchange (2026-02-14, a Saturday).
  CHECK_FALSE(is_trading_day(Exchange::sse, Date::from_ymd(2026, 2, 14)));
}

TEST_CASE("the TWSE closes on the days it announced for 2022-2026 and on no other weekday") {
  // TWSE "有價證券集中交易市場開(休)市日期表" of each year (2023 as KGI republished it; 2025
  // announced 2024-11-22; 2026 announced 2025-10-29), weekdays only, with the two settlement-only
  // days before the Lunar New Year break. 2025-09-29, 2025-10-24 and 2025-12-25 are the holidays
  // the Commemorative Days and Holidays Implementation Act added in 2025 (Teachers' Day,
  // Retrocession Day, Constitution Day), closed after the calendar of 2024-11 was published.
  const std::vector<std::string> published = {
      "2022-01-27", "2022-01-28", "2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03",
      "2022-02-04", "2022-02-28", "2022-04-04", "2022-04-05", "2022-05-02", "2022-06-03",
      "2022-09-09", "2022-10-10",  //
      "2023-01-02", "2023-01-18", "2023-01-19", "2023-01-20", "2023-01-23", "2023-01-24",
      "2023-01-25", "2023-01-26", "2023-01-27", "2023-02-27", "2023-02-28", "2023-04-03",
      "2023-04-04", "2023-04-05", "2023-05-01", "2023-06-22", "2023-06-23", "2023-09-29",
      "2023-10-09", "2023-10-10",  //
      "2024-01-01", "2024-02-06", "2024-02-07", "2024-02-08", "2024-02-09", "2024-02-12",
      "2024-02-13", "2024-02-14", "2024-02-28", "2024-04-04", "2024-04-05", "2024-05-01",
      "2024-06-10", "2024-09-17", "2024-10-10",  //
      "2025-01-01", "2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28", "2025-01-29",
      "2025-01-30", "2025-01-31", "2025-02-28", "2025-04-03", "2025-04-04", "2025-05-01",
      "2025-05-30", "2025-09-29", "2025-10-06", "2025-10-10", "2025-10-24", "2025-12-25",  //
      "2026-01-01", "2026-02-12", "2026-02-13", "2026-02-16", "2026-02-17", "2026-02-18",
      "2026-02-19", "2026-02-20", "2026-02-27", "2026-04-03", "2026-04-06", "2026-05-01",
      "2026-06-19", "2026-09-25", "2026-09-28", "2026-10-09", "2026-10-26", "2026-12-25"};
  CHECK(closed_weekdays(Exchange::twse, 2022, 2026) == published);
  // 2022-01-01 was a Saturday: observed on Friday 2021-12-31.
  CHECK_FALSE(is_trading_day(Exchange::twse, Date::from_ymd(2021, 12, 31)));
}

TEST_CASE("the KRX closes on the holidays designated for 2022-2026 and on no other weekday") {
  // The Korea Exchange closes on Korea's public holidays (Regulations on Holidays of Government
  // Offices; Act on Public Holidays, 2021), on Labour Day (1 May) and on the year-end closing day
  // (31 December, or the last weekday before it), weekdays only. Substitute holidays: Seollal and
  // Chuseok on a Sunday or another holiday, Children's Day on a weekend or another holiday (since
  // 2014); 1 March, 15 August, 3 and 9 October on a weekend (since 2021-08), Buddha's Birthday and
  // Christmas (since 2023-05). Election days (2022-03-09 presidential, 2022-06-01 local,
  // 2024-04-10 National Assembly, 2025-06-03 presidential, 2026-06-03 local) and the temporary
  // holidays the Cabinet designated (2023-10-02, 2024-10-01, 2025-01-27, when Nvidia fell 17 %).
  const std::vector<std::string> published = {
      "2022-01-31", "2022-02-01", "2022-02-02", "2022-03-01", "2022-03-09", "2022-05-05",
      "2022-06-01", "2022-06-06", "2022-08-15", "2022-09-09", "2022-09-12", "2022-10-03",
      "2022-10-10", "2022-12-30",  //
      "2023-01-23", "2023-01-24", "2023-03-01", "2023-05-01", "2023-05-05", "2023-05-29",
      "2023-06-06", "2023-08-15", "2023-09-28", "2023-09-29", "2023-10-02", "2023-10-03",
      "2023-10-09", "2023-12-25", "2023-12-29",  //
      "2024-01-01", "2024-02-09", "2024-02-12", "2024-03-01", "2024-04-10", "2024-05-01",
      "2024-05-06", "2024-05-15", "2024-06-06", "2024-08-15", "2024-09-16", "2024-09-17",
      "2024-09-18", "2024-10-01", "2024-10-03", "2024-10-09", "2024-12-25", "2024-12-31",  //
      "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-03-03",
      "2025-05-01", "2025-05-05", "2025-05-06", "2025-06-03", "2025-06-06", "2025-08-15",
      "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08", "2025-10-09", "2025-12-25",
      "2025-12-31",  //
      "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-03-02", "2026-05-01",
      "2026-05-05", "2026-05-25", "2026-06-03", "2026-08-17", "2026-09-24", "2026-09-25",
      "2026-10-05", "2026-10-09", "2026-12-25", "2026-12-31"};
  CHECK(closed_weekdays(Exchange::krx, 2022, 2026) == published);
  // 2028: Chuseok (2-4 October) holds National Foundation Day (the 3rd): the 5th is its substitute.
  CHECK_FALSE(is_trading_day(Exchange::krx, Date::from_ymd(2028, 10, 5)));
  // The 22nd National Assembly's term ends on 2028-05-29: its election, the first Wednesday after
  // the 50th day before (Public Official Election Act, art. 34), is 2028-04-12.
  CHECK_FALSE(is_trading_day(Exchange::krx, Date::from_ymd(2028, 4, 12)));
  CHECK(exchange_daily_price_limit(Exchange::krx) == 0.30);  // KRX, since 2015-06-15
}

TEST_CASE("the calendars of Hong Kong Shanghai Taiwan and Korea stay plausible through 2040") {
  // Each year of 2020-2040: Hong Kong 12-16 weekday holidays, Shanghai 17-22 (the 13 statutory
  // days and the bridged days of the breaks), Taiwan 13-21, Korea 12-19 (its elections before 2022 are not listed); Lunar New Year's Day
  // always closed (Seollal on the Korean calendar).
  for (int y = 2020; y <= 2040; ++y) {
    CAPTURE(y);
    const auto hk = closed_weekdays(Exchange::hkex, y, y).size();
    const auto sse = closed_weekdays(Exchange::sse, y, y).size();
    const auto tw = closed_weekdays(Exchange::twse, y, y).size();
    const auto kr = closed_weekdays(Exchange::krx, y, y).size();
    CHECK(kr >= 12);
    CHECK(kr <= 19);
    CHECK(hk >= 12);
    CHECK(hk <= 16);
    CHECK(sse >= 17);
    CHECK(sse <= 22);
    CHECK(tw >= 13);
    CHECK(tw <= 21);
    const Date lny = lunar_new_year(y);
    if (lny.weekday() <= 5)
      for (Exchange e : {Exchange::hkex, Exchange::sse, Exchange::twse})
        CHECK_FALSE(is_trading_day(e, lny));
    const Date seollal = lunar_new_year(y, kKoreaUtcOffsetHours);
    if (seollal.weekday() <= 5) CHECK_FALSE(is_trading_day(Exchange::krx, seollal));
  }
}

TEST_CASE("no exchange trades at weekends and the weekday stand-in trades every weekday") {
  for (Exchange e : {Exchange::nyse, Exchange::nasdaq, Exchange::euronext, Exchange::xetra,
                     Exchange::hkex, Exchange::sse, Exchange::twse, Exchange::krx,
                     Exchange::weekdays}) {
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

TEST_CASE("the trading calendar answers as the direct computation on every day 2020-2040") {
  const Date first = Date::from_ymd(2020, 1, 1), last = Date::from_ymd(2040, 12, 31);
  const TradingCalendar calendar(first, last);
  for (std::size_t i = 0; i < kExchangeCount; ++i) {
    const auto e = static_cast<Exchange>(i);
    CAPTURE(exchange_name(e));
    int differ = 0, days = 0;
    // One day either side: outside its range the calendar computes the answer.
    for (Date d = first.plus_days(-1); d <= last.plus_days(1); d = d.plus_days(1), ++days)
      if (calendar.is_trading_day(e, d) != is_trading_day(e, d)) ++differ;
    CHECK(differ == 0);
    CHECK(days == 7673);
  }
  CHECK(exchange_name(static_cast<Exchange>(kExchangeCount - 1)) == "weekdays");
  // An empty calendar computes every answer.
  const TradingCalendar none;
  CHECK_FALSE(none.is_trading_day(Exchange::nyse, Date::from_ymd(2025, 1, 9)));
  CHECK(none.is_trading_day(Exchange::nyse, Date::from_ymd(2025, 1, 10)));
}

}  // namespace exchanges_test
