#include "agents/market_shock.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <tuple>
#include <vector>

#include "agents/markets.hpp"

namespace airace {
namespace {

// The median of the values that are not NaN, by selection rather than a sort (the summary of a
// 100-replicate baseline takes some 37,000 medians of 100 values): the same value.
double median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  if (v.empty()) return std::nan("");
  const std::size_t n = v.size();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), mid, v.end());
  return n % 2 == 1 ? *mid : 0.5 * (*std::max_element(v.begin(), mid) + *mid);
}

// 1 on the open days that price one of the firm's quarterly reports (docs/model.md §"Markets:
// earnings days"): the first open day on or after each report, every 3 months from
// `earnings_day` (NaN: none, all 0).
std::vector<uint8_t> report_days(double earnings_day, const std::vector<uint8_t>& open,
                                 const std::vector<Date>& dates) {
  std::vector<uint8_t> marked(dates.size(), 0);
  if (std::isnan(earnings_day) || dates.empty()) return marked;
  const Date first = Date::from_days(static_cast<int64_t>(earnings_day));
  std::size_t t = 0;
  for (int k = first_report_on_or_after(first, dates.front());; ++k) {
    const Date report = report_date(first, k);
    while (t < dates.size() && (dates[t] < report || !open[t])) ++t;
    if (t == dates.size()) break;
    marked[t] = 1;
  }
  return marked;
}

// A firm's trend, per trading day (fraction; NaN on closed days and on its first open day): the
// calendar days since its previous open day times the median per calendar day of its median
// returns (over replicates) within kTrendDays open days either side, those that are NaN left
// out. A day's median return less it is the day's move beyond the trend: an anchored value that
// climbs 1 % a day otherwise makes the day after a holiday the "shock". Medians, not each
// replicate's returns, and their median, not their mean: a replicate's trend over a few weeks is
// mostly noise, and so is a mean of a few days that a rally or a rebound pulls, which a
// week-long closure would multiply.
constexpr std::size_t kTrendDays = 10;

std::vector<double> trend_returns(const std::vector<double>& median_return,
                                  const std::vector<uint8_t>& trading,
                                  const std::vector<Date>& dates) {
  std::vector<std::size_t> open;  // its open days after its first
  std::vector<double> days;       // calendar days since the open day before
  for (std::size_t t = 0, previous = dates.size(); t < dates.size(); ++t) {
    if (!trading[t]) continue;
    if (previous != dates.size()) {
      open.push_back(t);
      days.push_back(
          static_cast<double>(dates[t].days_since_epoch() - dates[previous].days_since_epoch()));
    }
    previous = t;
  }
  std::vector<double> out(dates.size(), std::nan(""));
  std::vector<double> rates;
  for (std::size_t k = 0; k < open.size(); ++k) {
    const std::size_t lo = k >= kTrendDays ? k - kTrendDays : 0;
    const std::size_t hi = std::min(open.size(), k + kTrendDays + 1);
    rates.clear();
    for (std::size_t j = lo; j < hi; ++j)
      if (j != k && !std::isnan(median_return[open[j]]))
        rates.push_back(median_return[open[j]] / days[j]);
    const double rate = median(rates);
    out[open[k]] = std::isnan(rate) ? 0.0 : days[k] * rate;
  }
  return out;
}

// A firm's value before the day's move (USD; NaN before its listing or where the run has no
// market values): the model moves a value as value_t = value_before · (1 + return_t).
double value_before(const SeriesBuffer& b, SeriesId values, SeriesId returns, std::size_t t,
                    std::size_t firm) {
  if (values == kNoSeries) return std::nan("");
  return b.get(values, t, firm) / (1.0 + b.get(returns, t, firm));
}

// A release's repricing of one firm, each replicate read on the day it priced the release: the
// first day the firm trades on or after the release date plus its attention lag, rounded as
// the model rounds it (docs/model.md §"Markets: attention"); replicates without the release
// count 0. Only releases in at least half of the replicates count, so that one replicate's
// release is not an ensemble's shock.
struct ReleaseShock {
  std::size_t firm = 0;
  std::string lab;
  Date release;
  double median_return = 0.0, median_excess_return = 0.0, median_excess_usd = std::nan("");
  std::size_t replicates = 0;       // that have the release
  Date date;                        // the day most of them priced it ...
  std::size_t date_replicates = 0;  // ... and how many did
};

std::optional<ReleaseShock> largest_release_shock(
    const RunResult& run, const std::vector<Date>& dates, SeriesId returns, SeriesId trading,
    SeriesId values,  // the firms' market values, or kNoSeries
    const std::vector<std::vector<double>>& trend) {  // [firm][t]: median less beyond
  const SeriesCatalog& cat = run.catalog;
  const EventTableId table = cat.find_event_table("release_market_moves", "move");
  if (table == kNoEventTable) return std::nullopt;
  const EventTableSpec& moves = cat.event_tables()[table];
  const std::size_t width = moves.columns.size();
  const std::size_t lab_col = moves.column("lab"), date_col = moves.column("date");
  const std::size_t firm_col = moves.column("firm"), lag_col = moves.column("attention_lag_days");
  if (lab_col == width || date_col == width || firm_col == width) return std::nullopt;
  const std::vector<std::string>& lab_ids = cat.axes()[moves.columns[lab_col].axis].ids;
  const std::size_t n = run.replicates.size();
  // (firm, lab, release day) -> the excess return and its day, per replicate that has it
  struct Reading {
    std::size_t replicate, t;
    double ret, excess, excess_usd;
  };
  std::map<std::tuple<std::size_t, std::size_t, int64_t>, std::vector<Reading>> groups;
  for (std::size_t r = 0; r < n; ++r) {
    const SeriesBuffer& b = run.replicates[r];
    const std::span<const double> rows = b.events(table);
    for (std::size_t i = 0; i + width <= rows.size(); i += width) {
      const auto firm = static_cast<std::size_t>(rows[i + firm_col]);
      const auto lab = static_cast<std::size_t>(rows[i + lab_col]);
      const auto day = static_cast<int64_t>(rows[i + date_col]);
      const double lag = lag_col == width ? 0.0 : rows[i + lag_col];
      if (firm >= trend.size()) continue;
      const Date peak = Date::from_days(day).plus_days(std::lround(std::isfinite(lag) ? lag : 0.0));
      auto t = static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), peak) -
                                        dates.begin());
      while (t < dates.size() && b.get(trading, t, firm) != 1.0) ++t;
      if (t >= dates.size() || std::isnan(trend[firm][t])) continue;
      const double ret = b.get(returns, t, firm);
      const double excess = ret - trend[firm][t];
      groups[{firm, lab, day}].push_back(
          {r, t, ret, excess, value_before(b, values, returns, t, firm) * excess});
    }
  }
  std::optional<ReleaseShock> best;
  for (const auto& [key, readings] : groups) {
    std::vector<double> rets(n, 0.0), excess(n, 0.0), excess_usd(n, 0.0);
    std::vector<bool> has(n, false);
    for (const Reading& x : readings)
      if (!has[x.replicate]) {
        has[x.replicate] = true;
        rets[x.replicate] = x.ret;
        excess[x.replicate] = x.excess;
        excess_usd[x.replicate] = x.excess_usd;
      }
    const auto count = static_cast<std::size_t>(std::count(has.begin(), has.end(), true));
    if (2 * count < n) continue;
    const double m = median(excess);
    if (std::isnan(m) || (best && std::abs(m) <= std::abs(best->median_excess_return))) continue;
    std::map<std::size_t, std::size_t> on;  // t -> replicates that priced it that day
    std::vector<bool> seen(n, false);
    for (const Reading& x : readings)
      if (!seen[x.replicate]) {
        seen[x.replicate] = true;
        ++on[x.t];
      }
    const auto mode = std::max_element(on.begin(), on.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;  // the first of equals: the earliest day
    });
    const std::size_t lab = std::get<1>(key);
    best = ReleaseShock{std::get<0>(key),
                        lab < lab_ids.size() ? lab_ids[lab] : std::to_string(lab),
                        Date::from_days(std::get<2>(key)),
                        median(rets),
                        m,
                        values == kNoSeries ? std::nan("") : median(excess_usd),
                        count,
                        dates[mode->first],
                        mode->second};
  }
  return best;
}

}  // namespace

std::optional<MarketShock> largest_market_shock(const RunResult& run) {
  const SeriesCatalog& cat = run.catalog;
  const SeriesId returns = cat.find("markets", "daily_return");
  const SeriesId trading = cat.find("markets", "trading");
  if (returns == kNoSeries || trading == kNoSeries || run.replicates.empty()) return std::nullopt;
  const SeriesSpec& spec = cat.series()[returns];
  if (spec.entity_axes.size() != 1) return std::nullopt;
  const EntityAxis& firms = cat.axes()[spec.entity_axes[0]];
  const std::vector<Date>& dates = cat.time_axis(spec.cadence).dates;
  // The firms' market values on the same days, for the shock's change in value.
  SeriesId values = cat.find("markets", "market_cap_usd");
  if (values != kNoSeries && (cat.series()[values].cadence != spec.cadence ||
                              cat.series()[values].entity_axes != spec.entity_axes))
    values = kNoSeries;

  std::optional<MarketShock> best;
  std::vector<double> values_usd(run.replicates.size());
  std::vector<double> day_returns(run.replicates.size());
  std::vector<std::vector<double>> trend(firms.ids.size());  // median return less beyond
  for (std::size_t f = 0; f < firms.ids.size(); ++f) {
    std::vector<double> medians(dates.size(), std::nan(""));
    std::vector<uint8_t> open(dates.size(), 0);
    for (std::size_t t = 0; t < dates.size(); ++t) {
      // Calendars are the same in all replicates.
      open[t] = run.replicates[0].get(trading, t, f) == 1.0 ? 1 : 0;
      if (!open[t]) continue;
      for (std::size_t r = 0; r < run.replicates.size(); ++r)
        day_returns[r] = run.replicates[r].get(returns, t, f);
      medians[t] = median(day_returns);
    }
    // A firm's own report is no market shock, nor part of its trend: its move has either sign,
    // replicate by replicate, and the median of a few replicates' reports is their noise.
    const std::vector<uint8_t> reports =
        report_days(firms.number(f, "firm_earnings_day"), open, dates);
    std::vector<double> quiet = medians;
    for (std::size_t t = 0; t < dates.size(); ++t)
      if (reports[t]) quiet[t] = std::nan("");
    trend[f] = trend_returns(quiet, open, dates);
    std::vector<double> beyond(dates.size());
    for (std::size_t t = 0; t < dates.size(); ++t) beyond[t] = medians[t] - trend[f][t];
    for (std::size_t t = 1; t < dates.size(); ++t) {
      const double m = beyond[t];
      if (std::isnan(m) || reports[t] ||
          (best && std::abs(m) <= std::abs(best->median_excess_return)))
        continue;
      std::size_t previous = t - 1;
      while (previous > 0 && !open[previous]) --previous;
      best = MarketShock{firms.ids[f],
                         firms.text(f, "firm_name"),
                         dates[t],
                         medians[t],
                         m,
                         std::nan(""),
                         run.replicates.size(),
                         "none",
                         0,
                         std::nullopt,
                         0,
                         dates[previous]};
    }
  }
  if (!best) return std::nullopt;

  // A release priced on different days in different replicates: read each on its own day.
  if (const std::optional<ReleaseShock> release =
          largest_release_shock(run, dates, returns, trading, values, trend);
      release && std::abs(release->median_excess_return) > std::abs(best->median_excess_return)) {
    MarketShock s{firms.ids[release->firm],
                  firms.text(release->firm, "firm_name"),
                  release->date,
                  release->median_return,
                  release->median_excess_return,
                  release->median_excess_usd,
                  run.replicates.size(),
                  "release:" + release->lab,
                  release->replicates,
                  release->release,
                  release->date_replicates,
                  std::nullopt};
    return s;
  }

  // Its change in value: each replicate's value before the day times its move beyond the trend.
  if (values != kNoSeries) {
    const auto f = static_cast<std::size_t>(
        std::find(firms.ids.begin(), firms.ids.end(), best->firm) - firms.ids.begin());
    const auto t = static_cast<std::size_t>(
        std::lower_bound(dates.begin(), dates.end(), best->date) - dates.begin());
    for (std::size_t r = 0; r < run.replicates.size(); ++r)
      values_usd[r] = value_before(run.replicates[r], values, returns, t, f) *
                      (run.replicates[r].get(returns, t, f) - trend[f][t]);
    best->median_excess_usd = median(values_usd);
  }

  // The cause: the one the replicates' event rows for that firm and day name most often.
  const EventTableId table = cat.find_event_table("markets", "events");
  if (table == kNoEventTable) return best;
  const EventTableSpec& events = cat.event_tables()[table];
  const std::size_t width = events.columns.size();
  const std::size_t firm_col = events.column("event_firm");
  const std::size_t date_col = events.column("event_date");
  const std::size_t cause_col = events.column("event_cause");
  if (firm_col == width || date_col == width || cause_col == width) return best;
  const std::vector<std::string>& causes = cat.axes()[events.columns[cause_col].axis].ids;
  const auto firm = static_cast<double>(std::find(firms.ids.begin(), firms.ids.end(), best->firm) -
                                        firms.ids.begin());
  const auto day = static_cast<double>(best->date.days_since_epoch());
  std::map<std::size_t, std::size_t> count;  // cause -> replicates
  for (const SeriesBuffer& b : run.replicates) {
    const std::span<const double> rows = b.events(table);
    for (std::size_t i = 0; i + width <= rows.size(); i += width)
      if (rows[i + firm_col] == firm && rows[i + date_col] == day)
        ++count[static_cast<std::size_t>(rows[i + cause_col])];
  }
  for (const auto& [cause, n] : count)
    if (n > best->cause_replicates && cause < causes.size()) {
      best->cause = causes[cause];
      best->cause_replicates = n;
    }
  return best;
}

namespace {

// ", -$589B in value" (billions below a trillion, with a decimal below ten), "" when NaN.
std::string value_text(double usd) {
  if (std::isnan(usd)) return "";
  const double a = std::abs(usd);
  const char* sign = usd < 0 ? "-" : "+";
  char text[64];
  if (a >= 1e12)
    std::snprintf(text, sizeof text, ", %s$%.2fT in value", sign, a / 1e12);
  else if (a >= 1e9)
    std::snprintf(text, sizeof text, ", %s$%.*fB in value", sign, a >= 1e10 ? 0 : 1, a / 1e9);
  else
    std::snprintf(text, sizeof text, ", %s$%.*fM in value", sign, a >= 1e7 ? 0 : 1, a / 1e6);
  return text;
}

// "; the first trading day after a closure since 2023-09-28" when the firm's exchange was shut
// more than four calendar days before the shock (more than a long weekend), else "".
std::string after_closure(const MarketShock& s) {
  if (!s.previous_open || s.date.days_since_epoch() - s.previous_open->days_since_epoch() <= 4)
    return "";
  return "; the first trading day after a closure since " + s.previous_open->iso();
}

}  // namespace

std::string describe_market_shock(const MarketShock& s) {
  char line[768];
  if (s.release_date) {
    std::snprintf(line, sizeof line,
                  "%s (%s) %+.1f%% on %s (the day %zu of %zu replicates priced it, each read on "
                  "its own day), %+.1f%% beyond its trend%s (median of %zu replicates); cause: %s "
                  "of %s in %zu of %zu replicates",
                  s.firm_name.c_str(), s.firm.c_str(), 100.0 * s.median_return,
                  s.date.iso().c_str(), s.date_replicates, s.replicates,
                  100.0 * s.median_excess_return, value_text(s.median_excess_usd).c_str(),
                  s.replicates, s.cause.c_str(),
                  s.release_date->iso().c_str(), s.cause_replicates, s.replicates);
    return line;
  }
  const std::string cause = s.cause_replicates == 0
                                ? std::string("not among any replicate's largest moves of the firm")
                                : s.cause + " in " + std::to_string(s.cause_replicates) + " of " +
                                      std::to_string(s.replicates) + " replicates";
  std::snprintf(line, sizeof line,
                "%s (%s) %+.1f%% on %s, %+.1f%% beyond its trend%s (median of %zu replicates); "
                "cause: %s",
                s.firm_name.c_str(), s.firm.c_str(), 100.0 * s.median_return, s.date.iso().c_str(),
                100.0 * s.median_excess_return, value_text(s.median_excess_usd).c_str(),
                s.replicates, cause.c_str());
  return line + after_closure(s);
}

}  // namespace airace
