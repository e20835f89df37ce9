#include "agents/market_shock.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace airace {
namespace {

double median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
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

  std::optional<MarketShock> best;
  std::vector<double> values(run.replicates.size());
  for (std::size_t t = 1; t < dates.size(); ++t)
    for (std::size_t f = 0; f < firms.ids.size(); ++f) {
      if (run.replicates[0].get(trading, t, f) != 1.0) continue;  // calendars are the same in all
      for (std::size_t r = 0; r < run.replicates.size(); ++r)
        values[r] = run.replicates[r].get(returns, t, f);
      const double m = median(values);
      if (std::isnan(m) || (best && std::abs(m) <= std::abs(best->median_return))) continue;
      best = MarketShock{
          firms.ids[f], firms.text(f, "firm_name"), dates[t], m, run.replicates.size(), "none", 0};
    }
  if (!best) return std::nullopt;

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

std::string describe_market_shock(const MarketShock& s) {
  char line[512];
  const std::string cause = s.cause_replicates == 0
                                ? std::string("not among any replicate's largest moves of the firm")
                                : s.cause + " in " + std::to_string(s.cause_replicates) + " of " +
                                      std::to_string(s.replicates) + " replicates";
  std::snprintf(line, sizeof line, "%s (%s) %+.1f%% on %s (median of %zu replicates); cause: %s",
                s.firm_name.c_str(), s.firm.c_str(), 100.0 * s.median_return, s.date.iso().c_str(),
                s.replicates, cause.c_str());
  return line;
}

}  // namespace airace
