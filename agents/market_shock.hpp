#pragma once
// The largest market shock of an ensemble, for the run summary (docs/model.md §"Markets:
// largest moves"): the firm and trading day whose median daily return over replicates stands
// furthest beyond the firm's trend, and what drove it according to the replicates'
// /markets/events rows; or, when larger, a release's repricing, each replicate read on the day
// it priced that release (/release_market_moves), so that a release priced on different days in
// different replicates (its attention peaks a day later in some) is not split between them.

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>

#include "sim/core/series.hpp"

namespace airace {

struct MarketShock {
  std::string firm;            // id on the markets/firm axis
  std::string firm_name;       // its display name
  Date date;                   // the trading day
  double median_return = 0.0;  // fraction, median over replicates of the firm's return that day
  double median_excess_return = 0.0;  // fraction, that median less its trend: the calendar
                                      // days since its last open day times its median median
                                      // return per day over the 10 open days either side
  // USD, the median over replicates of the firm's value before the day times its return beyond
  // the trend (NaN when the run has no /markets/market_cap_usd)
  double median_excess_usd = std::nan("");
  std::size_t replicates = 0;
  std::string cause;                 // the cause most replicates give (markets/cause ids) ...
  std::size_t cause_replicates = 0;  // ... and how many give it; 0: the day is in none of
                                     // the replicates' largest moves
  // Set when the shock is a release's repricing read on each replicate's own day: the release's
  // date (its lab is `cause`, "release:<lab>", and `cause_replicates` the replicates that have
  // it; returns are 0 in the others); `date` is the day most of them priced it, and
  // `date_replicates` how many did.
  std::optional<Date> release_date;
  std::size_t date_replicates = 0;
  // The firm's previous trading day: after a closure longer than a long weekend (the Lunar New
  // Year, Golden Week) the day prices all that moved while the exchange was shut.
  std::optional<Date> previous_open;
};

// Empty when the run has no markets (no /markets/daily_return series) or no trading day.
std::optional<MarketShock> largest_market_shock(const RunResult& run);

// One line: "Nvidia (nvidia) -17.8% on 2025-01-27, -18.0% beyond its trend, -$589B in value
// (median of 100 replicates); cause: release:deepseek in 87 of 100 replicates", or for a
// release's repricing "Nvidia (nvidia) -6.5% on 2025-01-21 (the day 70 of 100 replicates priced
// it, each read on its own day), -6.6% beyond its trend, -$230B in value (median of 100
// replicates); cause: release:deepseek of 2025-01-20 in 100 of 100 replicates" (no value where
// the run has none). A day after its exchange was closed more than four
// calendar days adds "; the first trading day after a closure since <previous open day>".
std::string describe_market_shock(const MarketShock& shock);

}  // namespace airace
