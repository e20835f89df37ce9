#include "agents/markets.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <numeric>

using namespace airace;

namespace markets_test {

namespace {

const Date kEnd = Date::from_ymd(2030, 12, 31);  // the calendar markets look trading days up in

// Two firms: a chip maker that lives off AI compute and a device maker that does not; one lab.
struct Market {
  MarketModelParams params;
  std::vector<FirmSpec> firms;

  Market() {
    params.factor_volatility_per_year = {0.0, 0.0, 0.0, 0.0};  // noise off unless a test wants it
    params.market_drift_per_year = 0.0;
    FirmSpec chips;
    chips.id = "chips";
    chips.country = {"US", {}};
    chips.in_index = true;
    chips.market_cap_usd = 1e12;
    chips.compute_exposure = 1.5;
    chips.idiosyncratic_volatility_per_year = 0.0;
    FirmSpec devices = chips;
    devices.id = "devices";
    devices.compute_exposure = 0.05;
    firms = {chips, devices};
  }

  MarketsSetup setup() const {
    Diagnostics d;
    MarketsSetup s =
        resolve_markets(params, firms, {"US", "CN"}, 2, Date::from_ymd(2022, 1, 3), kEnd, d);
    REQUIRE(d.empty());
    return s;
  }
};

// Trading days from 2022-01-03; a release by lab 0 on day `release_day` whose efficiency is
// `surprise_log10` above what investors believe of it at that moment.
struct Path {
  std::vector<double> chips, devices;  // market caps, USD
  MarketState last;
  Date last_date;
};

// The weekdays after `start` as the market step's ticks: tick d is the (d + 1)-th weekday.
std::vector<Tick> weekday_ticks(Date start, int days) {
  std::vector<Tick> ticks;
  Date previous = start;
  for (int d = 0; d < days; ++d) {
    Date date = previous.plus_days(1);
    while (date.weekday() >= 6) date = date.plus_days(1);
    ticks.push_back({date, previous, static_cast<std::size_t>(d), years_between(previous, date)});
    previous = date;
  }
  return ticks;
}

// A firm that resolves without a problem: listed in the US, worth $1B.
FirmSpec lone_firm() {
  FirmSpec f;
  f.id = "x";
  f.country = {"US", {}};
  f.market_cap_usd = 1e9;
  return f;
}

// The problems resolve_markets reports for `firm` alone, in a scenario of one country (US) whose
// producers are `producers`.
std::size_t problems(const MarketModelParams& p, const FirmSpec& firm,
                     const std::vector<std::string>& producers = {}) {
  Diagnostics d;
  resolve_markets(p, {firm}, {"US"}, 0, Date::from_ymd(2022, 1, 3), kEnd, d, producers);
  return d.size();
}

// From day `loss_day` on, incidents have cost `demand_loss` (ln) of expected compute demand.
Path run(const Market& m, int days, int release_day, double surprise_log10, bool open = true,
         double behind_frontier_log10 = 0.0, uint64_t seed = 1, int loss_day = -1,
         double demand_loss = 0.0) {
  const MarketsSetup s = m.setup();
  MarketState st = initial_market_state(s);
  Path out;
  for (const Tick& tick : weekday_ticks(s.start, days)) {
    const int d = static_cast<int>(tick.index);
    const Date date = tick.date;
    std::vector<ReleaseNews> news;
    const double frontier = 26.0;
    if (d == release_day) {
      // The belief the release will be compared with: today's, moved along its lab's pace.
      const double believed = st.lab_efficiency_log10[0] + st.lab_growth_log10[0] * tick.dt_years;
      const double capability = frontier - behind_frontier_log10;
      news.push_back(
          {0, date, capability, std::pow(10.0, capability - believed - surprise_log10), open});
      news.back().salience = release_salience(m.params, news.back(), frontier);
    }
    MarketInputs in;
    in.releases = news;
    in.ai_chip_spend_usd_per_year = 1e11;
    if (loss_day >= 0 && d >= loss_day) in.compute_demand_loss = demand_loss;
    step_markets(s, st, in, tick, {seed, 0, Stream::test});
    out.chips.push_back(std::exp(st.log_cap[0]));
    out.devices.push_back(std::exp(st.log_cap[1]));
    out.last_date = date;
  }
  out.last = st;
  return out;
}

double day_move(const std::vector<double>& caps, int day) {
  return caps[day] / caps[day - 1] - 1.0;
}

}  // namespace

TEST_CASE("a release that needs the compute investors believed moves nothing much") {
  const Path p = run(Market(), 30, 10, 0.0);
  CHECK(std::abs(day_move(p.chips, 10)) < 0.002);
  CHECK(std::abs(p.chips.back() / p.chips.front() - 1.0) < 0.01);
}

TEST_CASE("a release that needs ten times less compute reprices compute-exposed firms") {
  const Path p = run(Market(), 30, 10, 1.0);
  const double chips = day_move(p.chips, 10);
  const double devices = day_move(p.devices, 10);
  CAPTURE(chips);
  CAPTURE(devices);
  CHECK(chips < -0.10);
  CHECK(std::abs(devices) < std::abs(chips) / 10.0);
  CHECK(devices <= 0.0);
}

TEST_CASE("an open release reveals more than a closed one") {
  const double open = day_move(run(Market(), 30, 10, 1.0, true).chips, 10);
  const double closed = day_move(run(Market(), 30, 10, 1.0, false).chips, 10);
  CHECK(open < 2.0 * closed);  // both negative: the open one at least twice as deep
  CHECK(closed < 0.0);
}

TEST_CASE("a release far behind the frontier draws little attention") {
  const double frontier = day_move(run(Market(), 30, 10, 1.0, true, 0.0).chips, 10);
  const double behind = day_move(run(Market(), 30, 10, 1.0, true, 1.0).chips, 10);
  CHECK(behind > frontier / 3.0);
  CHECK(behind < 0.0);
}

TEST_CASE("trend followers deepen a fall and Jevons investors take part of it back") {
  Market m;
  const Path p = run(m, 60, 10, 1.0);
  const double before = p.chips[9];
  const double day = p.chips[10] / before;
  const double low = *std::min_element(p.chips.begin() + 10, p.chips.begin() + 20) / before;
  const double later = p.chips[40] / before;
  CHECK(low < day);    // overshoot after the first day
  CHECK(later > low);  // partial recovery ...
  CHECK(later < 1.0);  // ... not a full one
  // Without the other two types the first day's move is all there is.
  m.params.fundamental_share = 1.0;
  m.params.jevons_share = 0.0;
  m.params.trend_share = 0.0;
  const Path f = run(m, 60, 10, 1.0);
  CHECK(f.chips[20] / f.chips[9] == doctest::Approx(f.chips[10] / f.chips[9]).epsilon(0.02));
}

// docs/model.md §"Markets: beliefs": lab 0 releases every 20 trading days, open, at the frontier,
// exactly on a path whose efficiency grows at `pace_log10` a year. Returns the gap X − T (log10)
// after `years`.
namespace {
double gap_after(const Market& m, double pace_log10, double years) {
  const MarketsSetup s = m.setup();
  MarketState st = initial_market_state(s);
  for (const Tick& tick : weekday_ticks(s.start, static_cast<int>(years * 261))) {
    const std::size_t d = tick.index;
    const Date date = tick.date;
    std::vector<ReleaseNews> news;
    const double frontier = 26.0 + pace_log10 * years_between(s.start, date);
    if (d % 20 == 19)
      news.push_back({0, date, frontier,
                      std::pow(10.0, frontier - pace_log10 * years_between(s.start, date)), true});
    MarketInputs in;
    in.releases = news;
    in.ai_chip_spend_usd_per_year = 1e11;
    step_markets(s, st, in, tick, {1, 0, Stream::test});
  }
  return st.efficiency_log10 - st.trend_log10;
}
}  // namespace

TEST_CASE("investors who learn a lab's pace stop counting it as a surprise") {
  Market fixed;
  fixed.params.efficiency_trend_per_year = 2.8;
  Market learns = fixed;
  learns.params.trend_learns_pace = true;
  const double pace = 2.0 * std::log10(2.8);  // the lab doubles the expected pace, every year
  // With the trend at the expected pace the gap settles near (pace − trend) × h / ln 2 (0.65):
  // investors keep expecting less compute demand for as long as the lab keeps its pace.
  const double stays = gap_after(fixed, pace, 6.0);
  CHECK(stays > 0.4);
  CHECK(stays == doctest::Approx(gap_after(fixed, pace, 4.0)).epsilon(0.1));  // settled
  // Anchored on the pace they have learned, the expected path is priced in: the gap closes.
  const double closes = gap_after(learns, pace, 6.0);
  CHECK(std::abs(closes) < 0.25 * stays);
  // A lab on the expected pace surprises nobody either way.
  CHECK(std::abs(gap_after(learns, std::log10(2.8), 4.0)) < 0.1);
}

TEST_CASE("expected compute demand lost to incidents lowers compute-exposed firms the most") {
  const Path calm = run(Market(), 30, -1, 0.0);
  const Path hit = run(Market(), 30, -1, 0.0, true, 0.0, 1, 10, 0.05);
  CHECK(hit.chips[9] == calm.chips[9]);  // nothing before the incident
  // The compute factor falls by the loss (trend followers add to it as they see the fall).
  CHECK(calm.last.factor[0] - hit.last.factor[0] >= 0.05 - 1e-12);
  const double chips = hit.chips.back() / calm.chips.back() - 1.0;
  const double devices = hit.devices.back() / calm.devices.back() - 1.0;
  CHECK(chips < -0.07);  // loading 1.5
  CHECK(devices < 0.0);
  CHECK(devices > chips / 10.0);  // loading 0.05
}

TEST_CASE("with noise off prices are deterministic functions of beliefs") {
  const MarketsSetup s = Market().setup();
  const Path a = run(Market(), 40, 10, 0.7, true, 0.0, 1);
  const Path b = run(Market(), 40, 10, 0.7, true, 0.0, 99);
  CHECK(a.chips == b.chips);
  for (std::size_t i = 0; i < s.n_firms; ++i)
    CHECK(a.last.log_cap[i] == firm_log_value(s, i, a.last.factor));
  // and the compute factor is the investors' weighted revision of expected demand
  const MarketModelParams& p = s.params;
  const auto& belief = a.last.type_belief;
  CHECK(a.last.factor[0] ==
        doctest::Approx(p.fundamental_share * belief[0] + p.jevons_share * belief[1] +
                        p.trend_share * belief[2]));
}

TEST_CASE("daily factor noise has the configured correlation") {
  Market m;
  m.params.factor_volatility_per_year = {0.3, 0.2, 0.1, 0.2};
  m.params.factor_correlation = {
      {1.0, 0.6, -0.3, 0.5}, {0.6, 1.0, 0.0, 0.2}, {-0.3, 0.0, 1.0, 0.1}, {0.5, 0.2, 0.1, 1.0}};
  m.params.trend_share = 0.0;  // momentum would feed the compute factor back on itself
  m.params.fundamental_share = 0.75;
  const MarketsSetup s = m.setup();
  MarketState st = initial_market_state(s);
  const int days = 6000;
  std::vector<std::array<double, kFactorCount>> change;
  std::vector<double> chips_return, devices_return;
  Date previous = s.start;
  for (int d = 0; d < days; ++d) {
    const Date date = previous.plus_days(1);
    const Tick tick{date, previous, static_cast<std::size_t>(d), 1.0 / 252.0};
    const auto before = st.factor_noise;
    MarketInputs in;
    in.ai_chip_spend_usd_per_year = 1e11;
    step_markets(s, st, in, tick, {5, 0, Stream::test});
    std::array<double, kFactorCount> x{};
    for (std::size_t f = 0; f < kFactorCount; ++f) x[f] = st.factor_noise[f] - before[f];
    change.push_back(x);
    previous = date;
  }
  auto corr = [&](std::size_t a, std::size_t b) {
    double ma = 0, mb = 0;
    for (const auto& x : change) {
      ma += x[a];
      mb += x[b];
    }
    ma /= days;
    mb /= days;
    double sab = 0, saa = 0, sbb = 0;
    for (const auto& x : change) {
      sab += (x[a] - ma) * (x[b] - mb);
      saa += (x[a] - ma) * (x[a] - ma);
      sbb += (x[b] - mb) * (x[b] - mb);
    }
    return sab / std::sqrt(saa * sbb);
  };
  const double tolerance = 4.0 / std::sqrt(static_cast<double>(days));  // about 4 standard errors
  for (std::size_t a = 0; a < kFactorCount; ++a)
    for (std::size_t b = a + 1; b < kFactorCount; ++b) {
      CAPTURE(a);
      CAPTURE(b);
      CHECK(std::abs(corr(a, b) - m.params.factor_correlation[a][b]) < tolerance);
    }
}

TEST_CASE("a surprise hike lowers every firm by its market exposure times the sensitivity") {
  Market flat;
  Market hikes = flat;
  hikes.params.rate_sensitivity = 0.1;
  hikes.params.rate_effect_half_life_years = 1e12;  // the effect stays
  hikes.params.policy_rates = {{"start", Date::from_ymd(2021, 12, 15), 0.25, 0.25, "", {}},
                               {"hike", Date::from_ymd(2022, 2, 1), 4.5, 0.25, "", {}}};
  hikes.firms[1].market_exposure = 0.5;
  flat.firms[1].market_exposure = 0.5;
  const Path a = run(flat, 40, -1, 0.0);
  const Path b = run(hikes, 40, -1, 0.0);
  // Nobody expected it: before the hike nothing differs; after it, ln cap falls by exposure ×
  // 0.1 × 4.25.
  CHECK(b.chips[5] == doctest::Approx(a.chips[5]).epsilon(1e-12));
  CHECK(std::log(b.chips[39] / a.chips[39]) == doctest::Approx(-1.0 * 0.1 * 4.25).epsilon(1e-9));
  CHECK(std::log(b.devices[39] / a.devices[39]) ==
        doctest::Approx(-0.5 * 0.1 * 4.25).epsilon(1e-9));
  // With a half-life the effect fades: after one half-life, half of it is left.
  Market fading = hikes;
  fading.params.rate_effect_half_life_years = 0.1;
  const Path c = run(fading, 40, -1, 0.0);
  const double age = years_between(Date::from_ymd(2022, 2, 1), c.last_date);
  CHECK(std::log(c.chips[39] / a.chips[39]) ==
        doctest::Approx(-0.1 * 4.25 * std::exp2(-age / 0.1)).epsilon(1e-9));
  CHECK(policy_rate_percent(hikes.params.policy_rates, Date::from_ymd(2021, 1, 1)) !=
        policy_rate_percent(hikes.params.policy_rates, Date::from_ymd(2021, 1, 1)));  // NaN
}

TEST_CASE("an expected hike is priced before its decision and only the surprise moves that day") {
  Market flat;
  Market hikes = flat;
  hikes.params.rate_sensitivity = 0.1;
  hikes.params.rate_effect_half_life_years = 1e12;
  const Date decision = Date::from_ymd(2022, 2, 16);  // a Wednesday
  hikes.params.policy_rates = {{"start", Date::from_ymd(2022, 1, 3), 0.25, 0.25, "", {}},
                               {"hike", decision, 1.0, 0.75, "", {}}};
  const Path a = run(flat, 60, -1, 0.0);
  const Path b = run(hikes, 60, -1, 0.0);
  const auto gap = [&](int d) { return std::log(b.chips[d] / a.chips[d]); };
  // The path's day d is the (d + 1)-th weekday after 2022-01-03.
  int day = -1;
  for (Date date = Date::from_ymd(2022, 1, 3); date < decision;) {
    date = date.plus_days(1);
    while (date.weekday() >= 6) date = date.plus_days(1);
    ++day;
  }
  REQUIRE(day == 31);
  // The day before, the expected 0.5 points are priced in along the way (linearly in days).
  const double before = 0.5 * 43.0 / 44.0;
  CHECK(gap(day - 1) == doctest::Approx(-0.1 * before).epsilon(1e-9));
  CHECK(gap(10) < 0.0);
  CHECK(gap(10) > gap(day - 1));
  // On the day, only what was not expected: 1.0 − 0.75, and what was left of the path.
  CHECK(gap(day) - gap(day - 1) == doctest::Approx(-0.1 * (0.75 - before)).epsilon(1e-9));
  CHECK(gap(59) == doctest::Approx(-0.1 * 0.75).epsilon(1e-9));
  // A fully expected hike moves the market on its day by no more than one day of the path.
  Market expected = hikes;
  expected.params.policy_rates[1].expected_percent = 1.0;
  const Path e = run(expected, 60, -1, 0.0);
  const double step =
      std::log(e.chips[day] / a.chips[day]) - std::log(e.chips[day - 1] / a.chips[day - 1]);
  CHECK(std::abs(step) <= 0.1 * 0.75 / 44.0 + 1e-12);
  CHECK(std::log(e.chips[59] / a.chips[59]) == doctest::Approx(-0.1 * 0.75).epsilon(1e-9));
  CHECK(priced_policy_rate_percent(expected.params.policy_rates, decision.plus_days(-22), 45.0) ==
        doctest::Approx(0.25 + 0.75 * 22.0 / 44.0));
  // A decision far from the previous one is priced over the expectation window only.
  CHECK(priced_policy_rate_percent(expected.params.policy_rates, decision.plus_days(-22), 11.0) ==
        0.25);
  CHECK(priced_policy_rate_percent(expected.params.policy_rates, decision.plus_days(-5), 11.0) ==
        doctest::Approx(0.25 + 0.75 * 6.0 / 11.0));
}

namespace {

// The second firm of `m` over 130 trading days from the start, priced on a quantity the model
// publishes on the first trading day of each month: `publish(in, days)` sets the inputs from
// the calendar days from the start to the latest publication. Returns the largest one-day move
// of its ln value, its ln change from the first day and the calendar days the path covers.
template <class Publish>
std::array<double, 3> priced_monthly(const Market& m, Publish publish) {
  const MarketsSetup s = m.setup();
  MarketState st = initial_market_state(s);
  Date previous = s.start;
  double published = 0.0, largest_step = 0.0, first = 0.0;
  for (std::size_t d = 0; d < 130; ++d) {
    Date date = previous.plus_days(1);
    while (date.weekday() >= 6) date = date.plus_days(1);
    if (date.day() < previous.day())
      published = static_cast<double>(date.days_since_epoch() - s.start.days_since_epoch());
    MarketInputs in;
    in.ai_chip_spend_usd_per_year = 1e11;
    publish(in, published);
    const double before = st.log_cap[1];
    step_markets(s, st, in, {date, previous, d, years_between(previous, date)},
                 {1, 0, Stream::test});
    if (d == 0) first = st.log_cap[1];
    largest_step = std::max(largest_step, std::abs(st.log_cap[1] - before));
    previous = date;
  }
  return {largest_step, st.log_cap[1] - first,
          static_cast<double>(previous.days_since_epoch() - s.start.days_since_epoch())};
}

}  // namespace

TEST_CASE("a margin computed monthly is taken in over margin_news_days, not in one day") {
  // The API margin falls 1 % a day and adoption updates it on the first trading day of each
  // month; a firm with a margins loading of 1 prices it.
  const auto run_margins = [](double news_days) {
    Market m;
    m.firms[1].margins_exposure = 1.0;
    m.params.margin_news_days = news_days;
    return priced_monthly(
        m, [](MarketInputs& in, double days) { in.api_margin = 10.0 * std::exp(-0.01 * days); });
  };
  // At once: a month's fall (about 30 %) in one day.
  const auto at_once = run_margins(0.0);
  CHECK(at_once[0] > 0.25);
  // Over a month: no day moves more than a few percent, and the firm follows the margin down,
  // behind it by the month it takes in news plus half a month between updates (0.45 in ln).
  const auto spread = run_margins(30.0);
  CHECK(spread[0] < 0.05);
  CHECK(spread[1] < -0.01 * spread[2] + 0.5);
  CHECK(spread[1] > -0.01 * spread[2]);
}

TEST_CASE("China's domestic share computed monthly is taken in over days, not in one day") {
  // The share rises a point a day and the indicators publish it on the first trading day of
  // each month; a firm with a substitution loading of 1 prices it (docs/model.md §3.3.7
  // "Observed fundamentals": without the spreading, SMIC's largest median moves over replicates
  // were the first trading days of months).
  const auto run_share = [](double news_days) {
    Market m;
    m.firms[1].china_substitution_exposure = 1.0;
    m.params.substitution_news_days = news_days;
    return priced_monthly(
        m, [](MarketInputs& in, double days) { in.cn_domestic_share = 0.1 + 0.01 * days; });
  };
  // At once: a month's rise (about 0.3) in one day.
  const auto at_once = run_share(0.0);
  CHECK(at_once[0] > 0.25);
  // Over a month: no day moves more than a few percent, and the firm follows the share up,
  // behind it by the month it takes in news plus half a month between updates (0.45).
  const auto spread = run_share(30.0);
  CHECK(spread[0] < 0.05);
  CHECK(spread[1] > 0.01 * spread[2] - 0.5);
  CHECK(spread[1] < 0.01 * spread[2]);
}

TEST_CASE("a firm prices news on its exchange's next trading day") {
  // Day 9 of the path (day 0 is 2022-01-04), 2022-01-17, is Martin Luther King Jr. Day: Nasdaq
  // is closed.
  Market weekdays;
  Market nasdaq;
  for (FirmSpec& f : nasdaq.firms) f.exchange = Exchange::nasdaq;
  const Path w = run(weekdays, 30, 9, 1.0);
  const Path n = run(nasdaq, 30, 9, 1.0);
  CHECK(n.chips[9] == n.chips[8]);
  CHECK(n.devices[9] == n.devices[8]);
  CHECK(w.chips[9] < w.chips[8]);
  // The next trading day carries the news, about as deep as on a day the exchange is open.
  CAPTURE(day_move(n.chips, 10));
  CAPTURE(day_move(w.chips, 9));
  CHECK(day_move(n.chips, 10) < -0.10);
  CHECK(day_move(n.chips, 10) == doctest::Approx(day_move(w.chips, 9)).epsilon(0.1));
}

TEST_CASE("firms in Shanghai Hong Kong and Taiwan price news of Lunar New Year when they reopen") {
  // Day 20 of the path is 2022-02-01, Lunar New Year's Day: the SSE is closed to 2022-02-04
  // (reopening on day 24, 2022-02-07), HKEX to 2022-02-03 (day 23), the TWSE to 2022-02-04.
  Market weekdays;
  const Path w = run(weekdays, 40, 20, 1.0);
  for (Exchange e : {Exchange::sse, Exchange::hkex, Exchange::twse}) {
    CAPTURE(exchange_name(e));
    Market m;
    for (FirmSpec& f : m.firms) {
      f.exchange = e;
      f.daily_price_limit = 0.0;  // the calendar alone: no daily limit on the reopening's move
    }
    const Path p = run(m, 40, 20, 1.0);
    int reopen = 20;
    Date date = Date::from_ymd(2022, 2, 1);
    while (!is_trading_day(e, date)) {
      date = date.plus_days(1);
      if (date.weekday() <= 5) ++reopen;
    }
    CHECK(reopen == (e == Exchange::hkex ? 23 : 24));
    for (int d = 20; d < reopen; ++d) CHECK(p.chips[d] == p.chips[19]);
    // The day it reopens carries the fall the weekday firm took since the same close.
    const double fall = p.chips[reopen] / p.chips[19] - 1.0;
    CAPTURE(fall);
    CHECK(fall < -0.10);
    CHECK(fall == doctest::Approx(w.chips[reopen] / w.chips[19] - 1.0).epsilon(0.15));
  }
}

TEST_CASE("a firm under a daily price limit moves at most the limit a day and takes the rest later") {
  // docs/model.md §"Markets: exchange calendars", "Daily price limits": a fall of more than 10 %
  // on the TWSE closes limit-down, and the price reaches the unlimited path within days; a firm
  // with its own limit (the STAR Market's 20 %) uses it, and 0 is none. Day 9 is 2022-01-17,
  // a trading day in Taipei (the path stops before Lunar New Year).
  Market weekdays;
  const Path w = run(weekdays, 18, 9, 0.4);
  const double fall = w.chips[17] / w.chips[8] - 1.0;
  CAPTURE(fall);
  REQUIRE(day_move(w.chips, 9) < -0.15);   // unlimited, the chip maker falls by more than 15 %
  REQUIRE(fall > std::pow(0.9, 8) - 1.0);  // and by less than eight limit-down days by day 17
  CHECK(exchange_daily_price_limit(Exchange::twse) == 0.10);
  CHECK(exchange_daily_price_limit(Exchange::sse) == 0.10);
  CHECK(exchange_daily_price_limit(Exchange::nasdaq) == 0.0);
  Market taipei;
  for (FirmSpec& f : taipei.firms) f.exchange = Exchange::twse;
  const Path t = run(taipei, 18, 9, 0.4);
  for (int d = 1; d < 18; ++d) {
    CAPTURE(d);
    CHECK(std::abs(day_move(t.chips, d)) <= 0.10 + 1e-12);
  }
  CHECK(day_move(t.chips, 9) == doctest::Approx(-0.10));
  CHECK(day_move(t.chips, 10) == doctest::Approx(-0.10));
  // The rest of the fall comes on the next days: by day 17 it is the unlimited path's.
  CHECK(t.chips[17] == doctest::Approx(w.chips[17]).epsilon(0.01));
  // A firm's own limit wins: 20 % (STAR), or none.
  Market star = taipei;
  for (FirmSpec& f : star.firms) f.daily_price_limit = 0.20;
  const Path st = run(star, 18, 9, 0.4);
  CHECK(day_move(st.chips, 9) == doctest::Approx(std::max(-0.20, day_move(w.chips, 9))));
  CHECK(std::abs(day_move(st.chips, 9)) > 0.10);
  Market none = taipei;
  for (FirmSpec& f : none.firms) f.daily_price_limit = 0.0;
  CHECK(day_move(run(none, 18, 9, 0.4).chips, 9) == doctest::Approx(day_move(w.chips, 9)));
}

TEST_CASE("with noise on no firm's price moves on its exchange's holidays") {
  Market m;
  m.params.factor_volatility_per_year = {0.5, 0.5, 0.5, 0.5};
  m.firms[0].exchange = Exchange::nasdaq;
  m.firms[0].idiosyncratic_volatility_per_year = 0.5;
  m.firms[1].exchange = Exchange::euronext;
  m.firms[1].idiosyncratic_volatility_per_year = 0.5;
  const int days = 519;  // 2022-01-04 to 2023-12-29
  const Path p = run(m, days, 100, 0.5);
  Date date = Date::from_ymd(2022, 1, 3);  // the path's day 0 is the weekday after it
  int us_holidays = 0, eu_holidays = 0;
  for (int d = 0; d < days; ++d) {
    date = date.plus_days(1);
    while (date.weekday() >= 6) date = date.plus_days(1);
    if (d == 0) continue;
    if (!is_trading_day(Exchange::nasdaq, date)) {
      ++us_holidays;
      CHECK(p.chips[d] == p.chips[d - 1]);
    } else {
      CHECK(p.chips[d] != p.chips[d - 1]);
    }
    if (!is_trading_day(Exchange::euronext, date)) {
      ++eu_holidays;
      CHECK(p.devices[d] == p.devices[d - 1]);
    }
  }
  CAPTURE(date.iso());
  CHECK(us_holidays == 19);  // 9 in 2022 (from 2022-01-05) and 10 in 2023
  CHECK(eu_holidays == 8);   // 3 in 2022 and 5 in 2023
}


}  // namespace markets_test

namespace markets_test {

namespace {

MarketMove move_on(int day, double ret) {
  MarketMove m;
  m.date = Date::from_ymd(2025, 1, day);
  m.day_return = ret;
  return m;
}

}  // namespace

TEST_CASE("the largest moves keep the ten largest absolute returns in order") {
  std::vector<MarketMove> kept;
  const double returns[] = {0.01, -0.05, 0.02,  0.07, -0.01,  0.0, -0.2,
                            0.03, 0.005, -0.04, 0.06, -0.005, 0.05};
  int day = 1;
  for (double r : returns) keep_largest_move(kept, move_on(day++, r), 10);
  REQUIRE(kept.size() == 10);
  CHECK(kept[0].day_return == -0.2);
  CHECK(kept[1].day_return == 0.07);
  CHECK(kept[2].day_return == 0.06);
  // -0.05 (day 2) and 0.05 (day 13) are equally large: the earlier first.
  CHECK(kept[3].day_return == -0.05);
  CHECK(kept[4].day_return == 0.05);
  CHECK(kept[8].day_return == 0.01);  // day 1's 0.01 before day 5's equal -0.01
  CHECK(kept[9].day_return == -0.01);
  for (std::size_t k = 1; k < kept.size(); ++k)
    CHECK(std::abs(kept[k - 1].day_return) >= std::abs(kept[k].day_return));
  keep_largest_move(kept, move_on(20, 0.001), 10);
  CHECK(kept.back().day_return == -0.01);
  keep_largest_move(kept, move_on(21, -0.015), 10);
  CHECK(kept.size() == 10);
  CHECK(kept.back().day_return == 0.01);
  CHECK(kept[8].day_return == -0.015);
  std::vector<MarketMove> none;
  keep_largest_move(none, move_on(1, 0.5), 0);
  CHECK(none.empty());
}

TEST_CASE("a move's cause is a salient release then a rate decision then a faint release") {
  MoveNews news;
  CHECK(move_cause(news, -0.05) == kCauseNone);
  note_rate_decision(news, 0.75, 0.0);  // as expected: not a cause
  CHECK(move_cause(news, -0.05) == kCauseNone);
  note_rate_decision(news, 0.0, 0.1);
  CHECK(move_cause(news, -0.05) == kCauseRateDecision);
  CHECK(news.rate_change_points == 0.75);
  CHECK(news.rate_surprise_points == 0.1);
  note_release(news, 1, 0.05, 0.1, false);  // far behind the frontier: the rate decision wins
  CHECK(move_cause(news, -0.05) == kCauseRateDecision);
  note_release(news, 0, 0.9, -0.3, true);  // a frontier release wins
  CHECK(move_cause(news, -0.05) == kCauseFirstRelease + 0);
  CHECK(news.releases == 2);
  CHECK(news.open);
  CHECK(news.surprise_log10 == -0.3);
  MoveNews faint;
  note_release(faint, 1, 0.05, 0.1, false);
  CHECK(move_cause(faint, -0.05) == kCauseFirstRelease + 1);
  CHECK(cause_ids({"openai", "deepseek"}) ==
        std::vector<std::string>{"none", "rate_decision", "incident", "earnings",
                                 "release:openai", "release:deepseek"});
}

TEST_CASE("a quarterly report is a move's cause when it moved the firm the day's way by half") {
  // docs/model.md §3.3.7 "Largest moves": after a salient release and incidents, the firm's own
  // report, then a surprising rate decision, then a faint release.
  MoveNews news;
  note_rate_decision(news, 0.0, 0.1);
  note_release(news, 1, 0.05, 0.1, false);
  news.earnings_move_ln = -0.08;
  CHECK(move_cause(news, -0.10) == kCauseEarnings);
  CHECK(move_cause(news, -0.07) == kCauseEarnings);
  CHECK(move_cause(news, -0.30) == kCauseRateDecision);  // the report is under half the fall
  CHECK(move_cause(news, 0.05) == kCauseRateDecision);   // the firm rose: not the report's doing
  MoveNews quiet;
  quiet.earnings_move_ln = 0.06;
  CHECK(move_cause(quiet, 0.07) == kCauseEarnings);
  CHECK(move_cause(quiet, -0.02) == kCauseNone);
  note_release(news, 0, 0.9, -0.3, true);  // a frontier release still comes first
  CHECK(move_cause(news, -0.10) == kCauseFirstRelease + 0);
  CHECK(cause_ids({"openai"})[kCauseEarnings] == "earnings");
}

TEST_CASE("an incident is a move's cause when the fall it implies is half the day's or more") {
  // docs/model.md §3.3.7 "Largest moves": a salient release first, then incidents investors took
  // in since the firm last traded (its compute loading times the rise of the demand they expect
  // lost), then a surprising rate decision, then a faint release.
  MoveNews news;
  note_incident(news, 0.0, 1.5);    // the loss did not rise: no incident news
  note_incident(news, -0.01, 1.5);  // it faded
  CHECK(news.incident_move_ln == 0.0);
  note_rate_decision(news, 0.0, 0.1);
  note_release(news, 1, 0.05, 0.1, false);
  CHECK(move_cause(news, -0.05) == kCauseRateDecision);
  note_incident(news, 0.02, 1.5);
  note_incident(news, 0.01, 1.5);  // two ticks' rises before the firm trades add up: -0.045 ln
  CHECK(news.incident_move_ln == doctest::Approx(-0.045));
  CHECK(move_cause(news, -0.05) == kCauseIncident);
  CHECK(move_cause(news, -0.085) == kCauseIncident);  // -0.045 is at least half ln(0.915)
  CHECK(move_cause(news, -0.15) == kCauseRateDecision);  // the incident is under half the fall
  CHECK(move_cause(news, 0.04) == kCauseRateDecision);   // the firm rose: not the incident's
  MoveNews unexposed;
  note_incident(unexposed, 0.05, 0.0);  // a firm without compute loading does not price it
  CHECK(move_cause(unexposed, -0.05) == kCauseNone);
  note_release(news, 0, 0.9, -0.3, true);  // a frontier release still comes first
  CHECK(move_cause(news, -0.05) == kCauseFirstRelease + 0);
  CHECK(cause_ids({"openai"})[kCauseIncident] == "incident");
}

TEST_CASE("rate decisions are the changes after the previous day and none at the start") {
  std::vector<RateChange> rates(3);
  rates[0].date = Date::from_ymd(2021, 12, 1);
  rates[0].percent = 0.25;
  rates[1].date = Date::from_ymd(2022, 3, 16);
  rates[1].percent = 0.5;
  rates[2].date = Date::from_ymd(2022, 5, 4);
  rates[2].percent = 1.0;
  rates[2].expected_percent = 0.75;
  const Date start = Date::from_ymd(2022, 1, 3);
  CHECK(rate_decisions_between(rates, start, start, Date::from_ymd(2022, 3, 15)).empty());
  const auto one = rate_decisions_between(rates, start, Date::from_ymd(2022, 3, 15),
                                          Date::from_ymd(2022, 3, 16));
  REQUIRE(one.size() == 1);
  CHECK(one[0].change_points == 0.25);
  CHECK(one[0].surprise_points == 0.0);
  // A closed exchange prices both on its next day.
  const auto two =
      rate_decisions_between(rates, start, Date::from_ymd(2022, 3, 1), Date::from_ymd(2022, 5, 6));
  REQUIRE(two.size() == 2);
  CHECK(two[1].change_points == 0.5);
  CHECK(two[1].surprise_points == doctest::Approx(0.25));
  CHECK(
      rate_decisions_between(rates, start, Date::from_ymd(2022, 3, 16), Date::from_ymd(2022, 5, 3))
          .empty());
}


}  // namespace markets_test

namespace markets_test {

TEST_CASE("fat-tailed innovations have unit variance and more large draws than a normal") {
  RandomStream rng({3, 0, Stream::test}, 0, 0);
  const int n = 400000;
  for (double dof : {0.0, 4.7, 8.0}) {
    double sum2 = 0.0, sum4 = 0.0;
    int beyond = 0;
    for (int k = 0; k < n; ++k) {
      const double x = unit_innovation(rng, dof);
      sum2 += x * x;
      sum4 += x * x * x * x;
      beyond += std::abs(x) > 4.0 ? 1 : 0;
    }
    const double var = sum2 / n;
    CAPTURE(dof);
    CHECK(var == doctest::Approx(1.0).epsilon(0.03));
    const double share = static_cast<double>(beyond) / n;
    if (dof == 0.0) {
      CHECK(share < 2e-4);  // normal: 6.3e-5
      CHECK(sum4 / n / (var * var) == doctest::Approx(3.0).epsilon(0.05));
    } else if (dof == 8.0) {
      CHECK(share > 5e-4);  // t(8) at unit variance: P(|x| > 4) = P(|t| > 4.62) = 1.7e-3
      CHECK(sum4 / n / (var * var) == doctest::Approx(4.5).epsilon(0.15));  // 3 + 6 / (8 − 4)
    } else {
      CHECK(share > 2e-3);  // t(4.7): about 4e-3
    }
  }
}

TEST_CASE("sentiment reverts halfway in a half-life and its spread stays bounded") {
  CHECK(revert_noise(0.8, 0.5, 2.0, 2.0, 0.0) == doctest::Approx(0.4));
  // A random walk's variance grows as σ² t; reverting noise settles at σ² h / (2 ln 2).
  const double h = 1.0, sigma = 0.4, dt = 1.0 / 261.0;
  double sum2 = 0.0;
  const int paths = 2000;
  for (int p = 0; p < paths; ++p) {
    RandomStream rng({7, static_cast<uint32_t>(p), Stream::test}, 0, 0);
    double x = 0.0;
    for (int d = 0; d < 10 * 261; ++d) x = revert_noise(x, sigma, dt, h, rng.normal());
    sum2 += x * x;
  }
  CHECK(sum2 / paths ==
        doctest::Approx(sigma * sigma * h / (2.0 * std::numbers::ln2)).epsilon(0.1));
  // A long half-life is a random walk: one step adds σ² Δ.
  CHECK(revert_noise(0.0, 0.3, 0.01, 1e9, 1.0) == doctest::Approx(0.3 * 0.1).epsilon(1e-6));
  // The step from the tick's shared factors is the same number, bit for bit.
  const NoiseReversion r = noise_reversion(dt, h);
  CHECK(r.keep == doctest::Approx(std::exp2(-dt / h)));
  for (double x : {-0.7, 0.0, 0.31})
    for (double z : {-2.5, 0.0, 1.3})
      CHECK(revert_noise(x, sigma, r, z) == revert_noise(x, sigma, dt, h, z));
}

// docs/model.md §"Markets: earnings days". The device maker reports every quarter from a
// Saturday, 2022-01-15; everything else is still (no noise, no news).
struct Reports {
  std::vector<Date> days;
  std::vector<double> devices_return, chips_return, earnings_move;
};

Reports report_path(double volatility, uint64_t seed, int days = 220) {
  Market m;
  m.firms[1].earnings_day = Date::from_ymd(2022, 1, 15);
  m.firms[1].earnings_day_volatility = volatility;
  const MarketsSetup s = m.setup();
  MarketState st = initial_market_state(s);
  Reports out;
  for (const Tick& tick : weekday_ticks(s.start, days)) {
    MarketInputs in;
    in.ai_chip_spend_usd_per_year = 1e11;
    step_markets(s, st, in, tick, {seed, 0, Stream::test});
    out.days.push_back(tick.date);
    out.devices_return.push_back(st.daily_return[1]);
    out.chips_return.push_back(st.daily_return[0]);
    out.earnings_move.push_back(st.earnings_move_ln[1]);
  }
  return out;
}

TEST_CASE("a quarterly report moves its firm on its first trading day on or after the report") {
  // Reports of 2022-01-15 (a Saturday), 04-15, 07-15 and 10-15 (a Saturday): priced on 01-17,
  // 04-15, 07-15 and 10-17, and on no other day; the move stays (reverting only as the firm's
  // noise does, over a century by default). Measured against the same path without reports (the
  // device maker drifts a little with beliefs either way).
  const Reports r = report_path(0.1, 5);
  const Reports none = report_path(0.0, 5);
  const std::vector<Date> expected = {Date::from_ymd(2022, 1, 17), Date::from_ymd(2022, 4, 15),
                                      Date::from_ymd(2022, 7, 15), Date::from_ymd(2022, 10, 17)};
  std::vector<Date> moved;
  for (std::size_t d = 0; d < r.days.size(); ++d) {
    CHECK(r.chips_return[d] == none.chips_return[d]);  // a firm without reports: as it was
    CHECK(none.earnings_move[d] == 0.0);
    const double extra = std::log1p(r.devices_return[d]) - std::log1p(none.devices_return[d]);
    if (r.earnings_move[d] != 0.0) moved.push_back(r.days[d]);
    CHECK(std::abs(extra - r.earnings_move[d]) < 1e-4);
  }
  CHECK(moved == expected);
  // Its size: the sd of the ln moves over many replicates is earnings_day_volatility.
  double sum2 = 0.0;
  int n = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed)
    for (double x : report_path(0.1, seed).earnings_move)
      if (x != 0.0) {
        sum2 += x * x;
        ++n;
      }
  CHECK(n == 1200);
  CHECK(std::sqrt(sum2 / n) == doctest::Approx(0.1).epsilon(0.06));
}

TEST_CASE("reports recur every 3 months from the earnings day, before and after, without drift") {
  const Date jan31 = Date::from_ymd(2022, 1, 31);
  CHECK(report_date(jan31, 1).iso() == "2022-04-30");  // clamped to April's length ...
  CHECK(report_date(jan31, 2).iso() == "2022-07-31");  // ... but counted from the 31st
  CHECK(report_date(jan31, -1).iso() == "2021-10-31");
  CHECK(first_report_on_or_after(jan31, Date::from_ymd(2022, 5, 1)) == 2);
  CHECK(first_report_on_or_after(jan31, Date::from_ymd(2022, 4, 30)) == 1);
  CHECK(first_report_on_or_after(jan31, jan31) == 0);
  // An earnings day after the date: the reports before it count back from it.
  const Date may6 = Date::from_ymd(2022, 5, 6);
  CHECK(first_report_on_or_after(may6, Date::from_ymd(2022, 1, 3)) == -1);  // 2022-02-06
  CHECK(first_report_on_or_after(may6, Date::from_ymd(2019, 12, 1)) == -9);  // 2020-02-06
}

TEST_CASE("a move on earnings days needs the day of one report") {
  FirmSpec f = lone_firm();
  f.earnings_day_volatility = 0.05;
  Diagnostics d;
  resolve_markets(MarketModelParams{}, {f}, {"US"}, 0, Date::from_ymd(2022, 1, 3), kEnd, d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].key_path.find("earnings_day_volatility") != std::string::npos);
  f.earnings_day = Date::from_ymd(2022, 2, 3);
  CHECK(problems(MarketModelParams{}, f) == 0);
}

TEST_CASE("degrees of freedom of 2 or less are refused") {
  MarketModelParams p;
  p.factor_tail_dof = 2.0;
  FirmSpec f = lone_firm();
  f.tail_dof = 1.5;
  CHECK(problems(p, f) == 2);
}


// docs/model.md §"Markets: earnings anchor". The chip maker sells what producer 0 sells, plus a
// rest of business; `revenue(d)` gives producer 0's sales (USD/year) on trading day d.
template <class Revenue>
std::vector<double> anchored_path(Market m, int days, Revenue revenue,
                                  std::vector<double>* anchor = nullptr, bool anchored = true,
                                  double (*domestic_share)(int) = nullptr) {
  m.firms[0].producers = {{"maker", {}}};
  m.firms[0].revenue_usd_per_year = 1e10;
  m.firms[0].net_margin = anchored ? 0.4 : 0.0;
  m.firms[0].revenue_growth_at_start_per_year = 0.3;
  Diagnostics d;
  const MarketsSetup s = resolve_markets(m.params, m.firms, {"US", "CN"}, 2,
                                         Date::from_ymd(2022, 1, 3), kEnd, d, {"maker"});
  REQUIRE(d.empty());
  MarketState st = initial_market_state(s);
  std::vector<double> caps;
  for (const Tick& tick : weekday_ticks(s.start, days)) {
    const int day = static_cast<int>(tick.index);
    const double sales[] = {revenue(day)};
    MarketInputs in;
    in.ai_chip_spend_usd_per_year = sales[0];
    in.producer_revenue_usd_per_year = sales;
    if (domestic_share) in.cn_domestic_share = domestic_share(day);
    step_markets(s, st, in, tick, {1, 0, Stream::test});
    caps.push_back(std::exp(st.log_cap[0]));
    if (anchor) anchor->push_back(std::exp(st.anchor_log_value[0]));
  }
  return caps;
}

TEST_CASE("an anchored value is expected discounted earnings: it falls when they fall") {
  MarketModelParams p;
  FirmSpec f;
  f.net_margin = 0.5;
  f.market_exposure = 1.5;
  const double v = anchor_log_value(p, f, std::log(1e11), 0.3);
  // Gordon with the excess growth's gain less the excess premium's, both fading over 2 years:
  // 0.5 × 1e11 × e^((0.3 − 0.04 − (1.5 − 1) × 0.0424) × 2) / 0.0424.
  CHECK(v == doctest::Approx(std::log(0.5e11 * std::exp((0.26 - 0.5 * 0.0424) * 2.0) / 0.0424)));
  CHECK(anchor_log_value(p, f, std::log(0.5e11), 0.3) == doctest::Approx(v - std::log(2.0)));
  CHECK(anchor_log_value(p, f, std::log(1e11), 0.1) < v);  // lower expected growth
  FirmSpec thin = f;
  thin.net_margin = 0.25;
  CHECK(anchor_log_value(p, thin, std::log(1e11), 0.3) == doctest::Approx(v - std::log(2.0)));
  FirmSpec risky = f;
  risky.market_exposure = 3.0;  // discounted at twice the premium while its growth lasts
  CHECK(anchor_log_value(p, risky, std::log(1e11), 0.3) ==
        doctest::Approx(v - 1.5 * 0.0424 * 2.0));
}

TEST_CASE("an anchored firm's beta fades to the market's with its growth") {
  // Damodaran's stable growth: a firm whose growth has faded to the economy's has a beta near
  // 1 (Blume 1975: betas regress toward 1). The long run is discounted at the premium, not at
  // the firm's beta today times the premium; the excess premium weighs while growth fades.
  MarketModelParams p;
  FirmSpec f;
  f.net_margin = 1.0;
  f.market_exposure = 1.0;
  // A firm like the market (beta 1, growing with the economy) trades at 1 / premium (23.6x):
  // the market's own multiple, whatever its beta today becomes.
  const double market = anchor_log_value(p, f, 0.0, p.long_run_growth_per_year);
  CHECK(market == doctest::Approx(-std::log(p.equity_risk_premium)));
  // A high beta costs only while it lasts: beta 1.7 over a 2-year fade, 0.7 × 0.0424 × 2.
  FirmSpec high = f;
  high.market_exposure = 1.7;
  CHECK(anchor_log_value(p, high, 0.0, p.long_run_growth_per_year) ==
        doctest::Approx(market - 0.7 * p.equity_risk_premium * p.growth_fade_years));
  // The multiple on earnings now is well above the 1 / (1.7 × 0.0424) = 13.9x that discounting
  // the long run at today's beta gives, and below the market's.
  CHECK(std::exp(anchor_log_value(p, high, 0.0, p.long_run_growth_per_year)) > 20.0);
  CHECK(std::exp(anchor_log_value(p, high, 0.0, p.long_run_growth_per_year)) <
        1.0 / p.equity_risk_premium);
  // A faster fade leaves less of both the growth's gain and the premium's cost.
  MarketModelParams slow = p;
  slow.growth_fade_years = 4.0;
  CHECK(anchor_log_value(slow, high, 0.0, p.long_run_growth_per_year) <
        anchor_log_value(p, high, 0.0, p.long_run_growth_per_year));
}

TEST_CASE("an anchored firm's value follows its producers' sales, not the market's drift") {
  Market m;
  m.params.market_drift_per_year = 0.5;  // would double the factor formula in 1.4 years
  m.params.sentiment_half_life_years = 0.25;
  const int days = 1300;  // five years of weekdays
  std::vector<double> anchor;
  const auto flat = anchored_path(m, days, [](int) { return 2e10; }, &anchor);
  const auto falling = anchored_path(m, days, [](int d) { return d < 260 ? 2e10 : 5e9; });
  // The first day is the factor formula's (continuous); the start's sentiment then fades.
  const auto factors_only = anchored_path(m, days, [](int) { return 2e10; }, nullptr, false);
  CHECK(flat[0] == doctest::Approx(factors_only[0]).epsilon(1e-12));
  CHECK(factors_only[days - 1] > 5.0 * factors_only[0]);  // the drift, which the anchor drops
  CHECK(std::log(flat[days - 1] / anchor[days - 1]) ==
        doctest::Approx(std::log(1e12 / anchor[0]) * std::exp2(-5.0 / 0.25)).epsilon(0.05));
  // Flat sales: expected growth fades from the 0.3 seen at the start to 0, so does the value.
  CHECK(anchor[days - 1] < anchor[0]);
  CHECK(anchor[days - 1] == doctest::Approx(std::exp(anchor_log_value(
                                m.params, [] {
                                  FirmSpec f;
                                  f.net_margin = 0.4;
                                  return f;
                                }(), std::log(3e10), 0.0)))
                                .epsilon(0.02));
  // Sales fall: the value falls below the flat path's, by more than the earnings' ratio for
  // a while (investors extrapolate the fall), then by about that ratio (1.5e10 / 3e10).
  CHECK(falling[days - 1] < flat[days - 1]);
  CHECK(falling[days - 1] / flat[days - 1] == doctest::Approx(0.5).epsilon(0.05));
  CHECK(falling[300] / flat[300] < 0.5);
}

TEST_CASE("an anchored firm's revenue counts what it sells with its producers' chips") {
  // Nvidia's data-centre segment sells networking with its accelerators (FY2024-FY2026: $54.0B
  // beside $302.4B of compute, 10-Ks and CFO commentaries): revenue the producers' sales carry.
  Market m;
  const auto sales = [](int) { return 2e10; };
  const int days = 300;
  std::vector<double> bare, attached;
  const auto a = anchored_path(m, days, sales, &bare);
  m.firms[0].attached_revenue_per_chip_usd = 0.25;
  const auto b = anchored_path(m, days, sales, &attached);
  // Revenue 1e10 + 1.25 × 2e10 = 3.5e10 against 3e10: the anchor is higher by that ratio every
  // day; the first day's value is the factor formula's either way.
  CHECK(attached[0] / bare[0] == doctest::Approx(3.5 / 3.0).epsilon(1e-12));
  CHECK(attached[days - 1] / bare[days - 1] == doctest::Approx(3.5 / 3.0).epsilon(1e-9));
  CHECK(b[0] == doctest::Approx(a[0]).epsilon(1e-12));
}

TEST_CASE("a firm listed after the start has no price before its listing day") {
  // Constellation Energy began trading on 2022-02-02, spun off from Exelon: a firm priced before
  // it existed is not of this world. Before its listing day it has no value (NaN), does not
  // trade and moves nothing; on that day it is worth its market_cap_usd; after it, it moves with
  // the factors and its noise from there. The other firms' paths do not change.
  Market m;
  m.params.factor_volatility_per_year = {0.3, 0.1, 0.1, 0.2};
  m.firms[0].idiosyncratic_volatility_per_year = 0.3;
  const Market without = m;
  FirmSpec power = m.firms[1];
  power.id = "power";
  power.in_index = false;
  power.market_cap_usd = 1.75e10;
  power.compute_exposure = 0.3;
  power.idiosyncratic_volatility_per_year = 0.35;
  power.listed = Date::from_ymd(2022, 2, 2);
  m.firms.push_back(power);
  const auto path = [](const Market& market, std::vector<double>* listed_cap,
                       std::vector<double>* listed_return, std::vector<int>* listed_trading) {
    const MarketsSetup s = market.setup();
    MarketState st = initial_market_state(s);
    std::vector<double> chips;
    for (const Tick& tick : weekday_ticks(s.start, 80)) {
      MarketInputs in;
      in.ai_chip_spend_usd_per_year = 1e11 * std::exp(0.01 * static_cast<double>(tick.index));
      step_markets(s, st, in, tick, {3, 0, Stream::test});
      chips.push_back(st.log_cap[0]);
      if (listed_cap) {
        listed_cap->push_back(std::exp(st.log_cap[2]));
        listed_return->push_back(st.daily_return[2]);
        listed_trading->push_back(st.trading[2]);
      }
    }
    return chips;
  };
  std::vector<double> cap, ret;
  std::vector<int> trading;
  const std::vector<double> chips = path(m, &cap, &ret, &trading);
  // Trading days from 2022-01-04: 2022-02-02 is the 22nd (index 21).
  const std::size_t listing = 21;
  for (std::size_t d = 0; d < listing; ++d) {
    CHECK(std::isnan(cap[d]));
    CHECK(ret[d] == 0.0);
    CHECK(trading[d] == 0);
  }
  CHECK(cap[listing] == doctest::Approx(1.75e10).epsilon(1e-12));
  CHECK(ret[listing] == 0.0);
  CHECK(trading[listing] == 1);
  bool moved = false;
  for (std::size_t d = listing + 1; d < cap.size(); ++d) {
    CHECK(std::isfinite(cap[d]));
    CHECK(cap[d] > 0.0);
    CHECK(ret[d] == doctest::Approx(cap[d] / cap[d - 1] - 1.0).epsilon(1e-9));
    moved = moved || ret[d] != 0.0;
  }
  CHECK(moved);
  CHECK(path(without, nullptr, nullptr, nullptr) == chips);
  // A listing after the start is refused for an index member (the index is a sum: a listing would
  // read as a rise) and for a firm valued on its earnings (its anchor starts with the run).
  const auto errors = [&power](bool in_index, double net_margin) {
    Market bad;
    FirmSpec f = power;
    f.in_index = in_index;
    f.net_margin = net_margin;
    f.revenue_usd_per_year = 1e9;
    bad.firms.push_back(f);
    Diagnostics d;
    resolve_markets(bad.params, bad.firms, {"US", "CN"}, 2, Date::from_ymd(2022, 1, 3), kEnd, d);
    std::string all;
    for (const Diagnostic& e : d.all()) all += e.key_path + ": " + e.message + "\n";
    return all;
  };
  CHECK(errors(false, 0.0).empty());
  CHECK(errors(true, 0.0).find("firms[power].listed") != std::string::npos);
  CHECK(errors(false, 0.3).find("firms[power].listed") != std::string::npos);
}

TEST_CASE("a supplier's revenue is its share of its producers' sales") {
  // TSMC makes the accelerators Nvidia and AMD sell: its AI accelerator revenue was close to
  // mid-teens percent of its $90.1B of 2024 (its Q4 2024 results), about 0.12 of each USD of
  // the accelerators' sales. A share of 1 (the default) is the designer's own sales.
  Market m;
  const auto sales = [](int) { return 2e10; };
  const int days = 300;
  std::vector<double> own, supplier;
  anchored_path(m, days, sales, &own);
  m.firms[0].share_of_producer_sales = 0.12;
  anchored_path(m, days, sales, &supplier);
  // Revenue 1e10 + 0.12 × 2e10 = 1.24e10 against 1e10 + 2e10: the anchor is lower by that ratio.
  CHECK(supplier[days - 1] / own[days - 1] == doctest::Approx(1.24 / 3.0).epsilon(1e-9));
  m.firms[0].producers = {{"maker", {}}};
  m.firms[0].revenue_usd_per_year = 1e10;
  Diagnostics d;
  const MarketsSetup s = resolve_markets(m.params, m.firms, {"US", "CN"}, 2,
                                         Date::from_ymd(2022, 1, 3), kEnd, d, {"maker"});
  REQUIRE(d.empty());
  const std::vector<double> producer_sales = {2e10};
  CHECK(firm_revenue_usd_per_year(s, 0, producer_sales, 0.0) == doctest::Approx(1.24e10));
}

TEST_CASE("investors read a growing revenue's level now, not its smoothed past") {
  Market m;
  m.firms[0].revenue_growth_per_year = 0.5;  // the rest of business, all of its revenue here
  const int days = 1300;
  std::vector<double> anchor;
  // 1 USD/year of producers' sales: spending is seen
  anchored_path(
      m, days, [](int) { return 1.0; }, &anchor);
  Date last = Date::from_ymd(2022, 1, 3);
  for (int d = 0; d < days; ++d) {
    last = last.plus_days(1);
    while (last.weekday() >= 6) last = last.plus_days(1);
  }
  // After five years the smoothed revenue lags the revenue by about its smoothing time (half a
  // year of growth, e^0.25); investors who extrapolate that growth read the level of today.
  const double now = std::log(1e10) + 0.5 * years_between(Date::from_ymd(2022, 1, 3), last);
  FirmSpec f;
  f.net_margin = 0.4;
  CHECK(anchor[days - 1] ==
        doctest::Approx(std::exp(anchor_log_value(m.params, f, now, 0.5))).epsilon(0.03));
}

TEST_CASE("an anchored firm prices rates through its discount rate, not beta times sensitivity") {
  Market flat;
  flat.params.rate_sensitivity = 0.1;
  flat.params.rate_effect_half_life_years = 1e12;  // the effect stays
  flat.params.policy_rates = {{"start", Date::from_ymd(2021, 12, 15), 0.25, 0.25, "", {}}};
  flat.firms[0].market_exposure = 1.5;
  Market hikes = flat;
  hikes.params.policy_rates.push_back({"hike", Date::from_ymd(2022, 2, 1), 4.5, 0.25, "", {}});
  Market cuts = flat;
  cuts.params.policy_rates = {{"start", Date::from_ymd(2021, 12, 15), 10.25, 10.25, "", {}},
                              {"cut", Date::from_ymd(2022, 2, 1), 0.25, 10.25, "", {}}};
  const auto sales = [](int) { return 2e10; };
  const int days = 40;
  std::vector<double> anchor_flat, anchor_hike;
  const auto a = anchored_path(flat, days, sales, &anchor_flat);
  const auto b = anchored_path(hikes, days, sales, &anchor_hike);
  // Before the hike nothing differs; after it the spread over long-run growth, the premium
  // (0.0424: beta fades to 1 in the long run), widens by the 4.25 points: the value falls by
  // ln(1 + 0.0425 / 0.0424) ...
  CHECK(b[5] == doctest::Approx(a[5]).epsilon(1e-12));
  const double spread = 0.0424;
  CHECK(std::log(b[days - 1] / a[days - 1]) ==
        doctest::Approx(-std::log1p(0.0425 / spread)).epsilon(1e-9));
  CHECK(std::log(anchor_hike[days - 1] / anchor_flat[days - 1]) ==
        doctest::Approx(-std::log1p(0.0425 / spread)).epsilon(1e-9));
  // ... not by beta × sensitivity × points, as the factor formula would (1.5 × 0.1 × 4.25).
  const auto factors_flat = anchored_path(flat, days, sales, nullptr, false);
  const auto factors_hike = anchored_path(hikes, days, sales, nullptr, false);
  CHECK(std::log(factors_hike[days - 1] / factors_flat[days - 1]) ==
        doctest::Approx(-1.5 * 0.1 * 4.25).epsilon(1e-9));
  // A cut larger than the spread does not make the value infinite: the spread keeps at least
  // half of the premium, so the value at most doubles.
  const auto c = anchored_path(cuts, days, sales);
  CHECK(std::log(c[days - 1] / a[days - 1]) == doctest::Approx(std::log(2.0)).epsilon(1e-9));
}

TEST_CASE("an anchored firm's own sales carry China's substitution: it is not counted twice") {
  Market m;
  m.firms[0].china_substitution_exposure = -0.5;
  const auto sales = [](int) { return 2e10; };
  const auto none = [](int) { return 0.1; };
  const auto half = [](int d) { return d < 10 ? 0.1 : 0.6; };  // China buys at home
  const int days = 40;
  const auto a = anchored_path(m, days, sales, nullptr, true, +none);
  const auto b = anchored_path(m, days, sales, nullptr, true, +half);
  // Its producers' sales are where substitution shows (here they stay): no second fall.
  CHECK(b[days - 1] == doctest::Approx(a[days - 1]).epsilon(1e-12));
  // A firm on the factor formula has no sales of its own in the model: it falls by 0.5 × 0.5.
  const auto c = anchored_path(m, days, sales, nullptr, false, +none);
  const auto d = anchored_path(m, days, sales, nullptr, false, +half);
  CHECK(std::log(d[days - 1] / c[days - 1]) == doctest::Approx(-0.25).epsilon(1e-9));
}

TEST_CASE("an anchor needs a positive beta and revenue, and known producers") {
  MarketModelParams p;
  FirmSpec f = lone_firm();
  f.net_margin = 0.3;
  f.revenue_usd_per_year = 1e9;
  CHECK(problems(p, f, {"maker"}) == 0);
  FirmSpec no_beta = f;
  no_beta.market_exposure = 0.0;
  CHECK(problems(p, no_beta, {"maker"}) == 1);
  FirmSpec no_revenue = f;
  no_revenue.revenue_usd_per_year = 0.0;
  CHECK(problems(p, no_revenue, {"maker"}) == 1);
  FirmSpec unknown = f;
  unknown.producers = {{"nobody", {"x.yaml", 3, 5}}};
  CHECK(problems(p, unknown, {"maker"}) == 1);
}

TEST_CASE("attention peaks later for a release of a lab nobody uses, at once for the leader's") {
  MarketModelParams p;
  CHECK(attention_peak_days(p, 0.0) == 0.0);  // word of mouth off: priced on its day
  p.attention_word_of_mouth_per_day = 0.7;
  p.attention_press_unknown_per_day = 0.006;
  p.attention_press_leader_per_day = 1.0;
  // Bass (1969): the flow peaks after ln(q/p) / (p + q).
  const double unknown = attention_peak_days(p, 0.0);
  CHECK(unknown == doctest::Approx(std::log(0.7 / 0.006) / 0.706));
  CHECK(unknown > 6.0);
  CHECK(unknown < 7.0);
  // The more the lab is used, the sooner the press covers it; the leader's is news that day.
  CHECK(attention_peak_days(p, 0.05) < unknown);
  CHECK(attention_peak_days(p, 0.05) > 0.0);
  CHECK(attention_peak_days(p, 1.0) == 0.0);
  // No release waits longer than one of a lab nobody uses, and the wait shortens with its users.
  double before = unknown;
  for (double share = 0.0; share <= 1.0; share += 0.01) {
    CHECK(attention_peak_days(p, share) <= before);
    before = attention_peak_days(p, share);
  }
  // Shares outside [0, 1] are clamped.
  CHECK(attention_peak_days(p, 2.0) == 0.0);
  CHECK(attention_peak_days(p, -1.0) == unknown);
}

TEST_CASE("a lab's use for attention counts its users, not the tokens its open weights burn") {
  // Issue 23: the press and investors read a lab's users (monthly or weekly users, downloads:
  // QuestMobile, aicpb, Appfigures, OpenAI's weekly users), not the tokens organisations burn on
  // its open weights on their own compute. Two countries, three labs; options: none, then each
  // lab's closed and open (adoption's layout, [country * (1 + 2 n_labs) + option]).
  const std::size_t n_labs = 3, n_options = 1 + 2 * n_labs;
  std::vector<double> units(2 * n_options, 0.0);
  units[0] = 500.0;                   // country 0, no model: no lab's
  units[1] = 80.0;                    // lab 0 closed (an app with many users)
  units[n_options + 1] = 20.0;        // lab 0 closed, country 1
  units[4] = 5.0;                     // lab 1 open, country 0 (a few heavy self-hosters)
  units[n_options + 3] = 5.0;         // lab 1 closed, country 1
  units[n_options + 6] = std::nan("");  // lab 2 open, not on offer there
  const std::vector<double> share = lab_user_shares(units, n_labs);
  REQUIRE(share.size() == n_labs);
  CHECK(share[0] == 1.0);                        // the most-used lab by users
  CHECK(share[1] == doctest::Approx(0.1));       // closed and open, all countries: 10 of 100
  CHECK(share[2] == 0.0);                        // nobody (NaN: not on offer)
  // Bounds: in [0, 1]; all 0 before anyone adopts.
  for (double s : share) CHECK((s >= 0.0 && s <= 1.0));
  const std::vector<double> none = lab_user_shares(std::vector<double>(2 * n_options, 0.0), n_labs);
  for (double s : none) CHECK(s == 0.0);
  CHECK(lab_user_shares({}, n_labs) == std::vector<double>(n_labs, 0.0));
}

TEST_CASE("a firm listed outside the model's countries is placed by its exchange") {
  // Issue 23: SK hynix and Samsung Electronics trade on the Korea Exchange, and Korea is none of
  // the model's countries (its users and researchers are in none of its regions). A firm may
  // name its exchange's country instead of a countries[] id; it then counts for no country's
  // index. Any other id is still an error naming it.
  const auto resolve = [](const std::string& country, Exchange exchange, bool in_index) {
    Market m;
    FirmSpec memory = m.firms[0];
    memory.id = "memory";
    memory.country = {country, SourceLocation{"scenario.yaml", 40, 14}};  // as written in a file
    memory.exchange = exchange;
    memory.in_index = in_index;
    m.firms.push_back(memory);
    m.firms.push_back(memory);
    m.firms.back().id = "memory_too";
    Diagnostics d;
    const MarketsSetup s =
        resolve_markets(m.params, m.firms, {"US", "CN"}, 2, Date::from_ymd(2022, 1, 3), kEnd, d);
    std::string all;
    for (const Diagnostic& e : d.all()) all += e.key_path + ": " + e.message + " " + e.hint + "\n";
    return std::pair{s.index_country, all};
  };
  const auto [listed, none] = resolve("KR", Exchange::krx, true);
  CHECK(none.empty());
  CHECK(listed == 0);  // two of three members are "KR", but the index's country is a model's
  const auto [taiwan, also_none] = resolve("TW", Exchange::twse, false);
  CHECK(also_none.empty());
  // Korea on an exchange elsewhere, or a made-up id: an error that says what is allowed.
  const auto [a, elsewhere] = resolve("KR", Exchange::nyse, false);
  CAPTURE(elsewhere);
  CHECK(elsewhere.find("firms[memory].country") != std::string::npos);
  CHECK(elsewhere.find("unknown country id 'KR'") != std::string::npos);
  CHECK(elsewhere.find("krx: KR") != std::string::npos);
  const auto [b, made_up] = resolve("XX", Exchange::krx, false);
  CHECK(made_up.find("unknown country id 'XX'") != std::string::npos);
}

TEST_CASE("the press of the index's country covers a lab by its users there") {
  // Issue 23: investors in a US index read the US press. DeepSeek had few US users before R1's
  // app topped the US App Store (2025-01-26/27), so the US press reached it a week late, where
  // counting its users in China too had it priced the next day. Two countries, two labs: lab 0
  // used in country 0, lab 1 mostly in country 1.
  const std::size_t n_labs = 2, n_options = 1 + 2 * n_labs;
  std::vector<double> units(2 * n_options, 0.0);
  units[1] = 100.0;             // lab 0 closed, country 0
  units[3] = 2.0;               // lab 1 closed, country 0
  units[n_options + 1] = 10.0;  // lab 0 closed, country 1
  units[n_options + 4] = 60.0;  // lab 1 open, country 1
  const std::vector<double> world = lab_user_shares(units, n_labs);
  const std::vector<double> there = lab_user_shares(units, n_labs, 0);
  CHECK(world[1] == doctest::Approx(62.0 / 110.0));
  CHECK(there[0] == 1.0);
  CHECK(there[1] == doctest::Approx(0.02));
  CHECK(lab_user_shares(units, n_labs, 1)[1] == 1.0);
  // Its release is priced later when the press is the country's.
  MarketModelParams p;
  p.attention_word_of_mouth_per_day = 0.7;
  CHECK(attention_peak_days(p, there[1]) > attention_peak_days(p, world[1]) + 3.0);
  // The country is the one most index members are from, not the first member's; none without
  // an index member.
  Market m;
  m.firms[0].country = {"CN", {}};  // chips from CN first, devices from the US: a tie, the US
  CHECK(m.setup().index_country == 0);
  FirmSpec more = m.firms[0];
  more.id = "more_chips";
  m.firms.push_back(more);  // two of three members from CN
  CHECK(m.setup().index_country == 1);
  m.firms[0].country = m.firms[2].country = {"US", {}};
  m.firms[1].country = {"CN", {}};  // two of three members from the US
  CHECK(m.setup().index_country == 0);
  for (FirmSpec& f : m.firms) f.in_index = false;
  CHECK(m.setup().index_country == SIZE_MAX);
}

TEST_CASE("noise per weekday: a Monday carries one weekday of noise, not three days") {
  MarketModelParams p;
  const Date friday = Date::from_ymd(2022, 1, 7), monday = Date::from_ymd(2022, 1, 10);
  CHECK(noise_years(p, friday, monday) == doctest::Approx(3.0 / 365.25));
  p.noise_per_weekday = true;
  const double weekday = 1.0 / (365.25 * 5.0 / 7.0);
  CHECK(noise_years(p, friday, monday) == doctest::Approx(weekday));
  CHECK(noise_years(p, monday, monday.plus_days(1)) == doctest::Approx(weekday));
  // A year of weekdays carries a year of noise.
  CHECK(noise_years(p, Date::from_ymd(2021, 12, 31), Date::from_ymd(2028, 12, 31)) ==
        doctest::Approx(7.0).epsilon(2e-3));
  // In prices: with only firm noise, the variance of Monday's returns is a weekday's (three
  // times it on the calendar clock).
  const auto monday_ratio = [](bool per_weekday, double* weekday_var) {
    Market m;
    m.firms[0].idiosyncratic_volatility_per_year = 0.5;
    m.params.noise_per_weekday = per_weekday;
    double monday2 = 0.0, other2 = 0.0;
    int mondays = 0, others = 0;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
      const Path path = run(m, 260, -1, 0.0, true, 0.0, seed);
      Date date = Date::from_ymd(2022, 1, 4);  // the path's day 0
      for (std::size_t d = 1; d < path.chips.size(); ++d) {
        date = date.plus_days(1);
        while (date.weekday() >= 6) date = date.plus_days(1);
        const double r = std::log(path.chips[d] / path.chips[d - 1]);
        (date.weekday() == 1 ? monday2 : other2) += r * r;
        ++(date.weekday() == 1 ? mondays : others);
      }
    }
    *weekday_var = other2 / others;
    return (monday2 / mondays) / (other2 / others);
  };
  double other_var = 0.0, calendar_var = 0.0;
  CHECK(monday_ratio(true, &other_var) == doctest::Approx(1.0).epsilon(0.1));
  CHECK(monday_ratio(false, &calendar_var) == doctest::Approx(3.0).epsilon(0.1));
  CHECK(other_var == doctest::Approx(0.25 * weekday).epsilon(0.1));
  CHECK(calendar_var == doctest::Approx(0.25 / 365.25).epsilon(0.1));
}

TEST_CASE("transitory noise keeps the daily variance and narrows the spread over years") {
  // A firm with only its own noise, 0.5/sqrt(year): with two thirds of its daily variance in a
  // component that reverts with a 60-day half-life, a day's variance is unchanged and three
  // years' is about a third plus what the fast part holds (1 - 2/3 + 2/3 x 0.043 = 0.36).
  const auto moments = [](double share, double* daily_var, double* three_year_var) {
    Market m;
    m.firms[0].idiosyncratic_volatility_per_year = 0.5;
    m.params.transitory_noise_share = share;
    m.params.transitory_half_life_days = 60.0;
    double d2 = 0.0, y2 = 0.0;
    int days = 0, paths = 0;
    for (uint64_t seed = 1; seed <= 300; ++seed) {
      const Path path = run(m, 783, -1, 0.0, true, 0.0, seed);
      for (std::size_t d = 1; d < path.chips.size(); ++d) {
        const double r = std::log(path.chips[d] / path.chips[d - 1]);
        d2 += r * r;
        ++days;
      }
      const double y = std::log(path.chips.back() / 1e12);
      y2 += y * y;
      ++paths;
    }
    *daily_var = d2 / days;
    *three_year_var = y2 / paths;
  };
  double daily0 = 0.0, years0 = 0.0, daily = 0.0, years = 0.0;
  moments(0.0, &daily0, &years0);
  moments(2.0 / 3.0, &daily, &years);
  CHECK(daily / daily0 == doctest::Approx(1.0).epsilon(0.05));
  CHECK(years0 == doctest::Approx(0.25 * 3.0).epsilon(0.2));
  CHECK(years / years0 == doctest::Approx(0.36).epsilon(0.25));
  // Off (share 0) the noise is the one process it was, bit for bit.
  Market a, b;
  a.firms[0].idiosyncratic_volatility_per_year = b.firms[0].idiosyncratic_volatility_per_year = 0.5;
  a.params.factor_volatility_per_year = b.params.factor_volatility_per_year = {0.2, 0.1, 0.1, 0.2};
  b.params.transitory_half_life_days = 10.0;  // no effect without a share
  CHECK(run(a, 300, 50, 0.5).chips == run(b, 300, 50, 0.5).chips);
}

TEST_CASE("a transitory share of 1 or more is refused") {
  Market m;
  m.params.transitory_noise_share = 1.0;
  Diagnostics d;
  resolve_markets(m.params, m.firms, {"US", "CN"}, 2, Date::from_ymd(2022, 1, 3), kEnd, d);
  CHECK_FALSE(d.empty());
}

TEST_CASE("a release of a lab nobody uses weighs less in beliefs than the most-used lab's") {
  MarketModelParams p;
  // Off (1): every release weighs by its salience alone.
  CHECK(release_attention_weight(p, 0.0) == 1.0);
  p.attention_unused_weight = 0.1;
  CHECK(release_attention_weight(p, 0.0) == doctest::Approx(0.1));
  CHECK(release_attention_weight(p, 0.5) == doctest::Approx(0.55));
  CHECK(release_attention_weight(p, 1.0) == 1.0);
  CHECK(release_attention_weight(p, 3.0) == 1.0);  // shares clamped to [0, 1]
  // In prices: the same open release, surprising by 0.5 log10, moves the chip maker less when
  // its lab draws a tenth of the attention.
  const auto fall = [](double weight) {
    Market m;
    const MarketsSetup s = m.setup();
    MarketState st = initial_market_state(s);
    Date previous = s.start;
    double before = 0.0;
    for (int d = 0; d < 12; ++d) {
      const Date date = previous.plus_days(1);
      const Tick tick{date, previous, static_cast<std::size_t>(d), years_between(previous, date)};
      std::vector<ReleaseNews> news;
      if (d == 10) {
        const double believed = st.lab_efficiency_log10[0] + st.lab_growth_log10[0] * tick.dt_years;
        ReleaseNews r{0, date, 26.0, std::pow(10.0, 26.0 - believed - 0.5), true};
        r.attention_weight = weight;
        news.push_back(r);
        before = st.log_cap[0];
      }
      MarketInputs in;
      in.releases = news;
      in.ai_chip_spend_usd_per_year = 1e11;
      step_markets(s, st, in, tick, {1, 0, Stream::test});
      previous = date;
      if (d == 10) return std::expm1(st.log_cap[0] - before);
    }
    return 0.0;
  };
  const double full = fall(1.0), tenth = fall(0.1);
  CHECK(full < -0.10);
  CHECK(tenth < 0.0);
  CHECK(tenth > 0.5 * full);  // less than half the fall
}

TEST_CASE("an efficiency claim far out of line with beliefs is partly discounted") {
  // Student-t noise (observation_tail_dof): investors doubt a claim the more it departs from
  // what they believe; a normal filter takes every surprise in proportion.
  Market normal;
  Market robust;
  robust.params.observation_tail_dof = 2.0;
  const auto fall = [](const Market& m, double surprise) {  // ln of the day's move
    return std::log1p(day_move(run(m, 30, 10, surprise).chips, 10));
  };
  // A surprise within what investors expect moves prices about as much either way.
  const double small_normal = fall(normal, 0.1), small_robust = fall(robust, 0.1);
  CAPTURE(small_normal);
  CAPTURE(small_robust);
  CHECK(small_robust < 0.0);
  CHECK(small_robust == doctest::Approx(small_normal).epsilon(0.3));
  // A claim of ten times less compute moves them much less: partly discounted.
  const double big_normal = fall(normal, 1.0), big_robust = fall(robust, 1.0);
  CAPTURE(big_normal);
  CAPTURE(big_robust);
  CHECK(big_robust < small_robust);  // still a fall, deeper than the small one's
  CHECK(big_robust > 0.75 * big_normal);  // at most 3/4 of the normal filter's ln fall
  // Bounded influence: a claim of a hundred times less moves them no more than ten times less.
  CHECK(fall(robust, 2.0) >= big_robust - 0.01);
  // Off (0) is the normal filter exactly.
  Market off;
  off.params.observation_tail_dof = 0.0;
  CHECK(fall(off, 1.0) == big_normal);
}

}  // namespace markets_test
