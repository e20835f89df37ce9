#include "agents/indicators_module.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace airace {
namespace {

// Where installed compute came from, the last axis of /indicators/compute_by_origin_h100e.
enum class Origin : std::size_t { imported, domestic, smuggled };

double or_nan(double x) { return std::isfinite(x) ? x : std::nan(""); }

}  // namespace

void IndicatorsModule::start() {
  us_ = country_index(*c_.countries, "US");
  cn_ = country_index(*c_.countries, "CN");
  world_.indicators.assign(world_indicator_names().size(), std::nan(""));
  blocked_since_.assign(c_.countries->size(), 0.0);
  capex_since_.assign(c_.countries->size(), 0.0);
}

void IndicatorsModule::declare_axes(Declarations& d) {
  origins_ = d.add_axis({"indicators",
                         "origin",
                         "origin of installed compute: imported legally, made at home, smuggled in",
                         {"imported", "domestic", "smuggled"},
                         {}});
  openness_ = d.add_axis(
      {"indicators", "openness", "open weights or closed access", {"open", "closed"}, {}});
}

void IndicatorsModule::declare(Declarations& d) {
  d.step({"indicators.spending", c_.supply_cadence, {part::supply}, {}, {},
          [this](const Tick& t) { add_spending(t); }});
  const std::size_t step = d.step({"indicators.publish", c_.cadence, {part::supply, part::labs},
                                   {}, {part::indicators},
                                   [this](const Tick& t) { publish(t); }});
  const AxisId countries = d.axis("countries", "country");
  auto series = [&](SeriesDecl decl, SeriesFill fill) {
    decl.group = "indicators";
    d.series(step, std::move(decl), std::move(fill));
  };
  auto each = [](const std::vector<double>& v) {
    return [p = &v](SeriesRow& r) { r.set_all(*p); };
  };
  auto one = [](const double& v) {
    return [p = &v](SeriesRow& r) { r.set(*p); };
  };
  series({"", "compute_h100e", "H100e", "installed AI compute of the country's labs and clouds",
          {countries}},
         each(compute_));
  series({"", "compute_by_origin_h100e", "H100e",
          "installed AI compute by origin: imported legally, domestic (designed at home), "
          "smuggled",
          {countries, origins_}},
         each(by_origin_));
  series({"", "remote_access_h100e", "H100e",
          "compute the country's buyers rent abroad because rules block their purchases "
          "(leakage, not installed at home)",
          {countries}},
         each(remote_));
  series({"", "blocked_usd_per_year", "USD/year",
          "spending on chips the rules blocked: a per-period flow, the mean over the period "
          "that ends on the record's date (previous record, this record]; a calendar year is "
          "the records from its February 1 to the next January 1",
          {countries}},
         each(blocked_));
  series({"", "capex_usd_per_year", "USD/year",
          "capital spending of the country's labs and clouds: AI chips they own (bought or "
          "smuggled), their data centres, and their other capex: a per-period flow, the mean "
          "over the period that ends on the record's date (previous record, this record]; a "
          "calendar year is the records from its February 1 to the next January 1",
          {countries}},
         each(capex_));
  series({"", "cn_domestic_share", "fraction",
          "share of China's installed AI compute (H100e) that is domestic"},
         one(cn_domestic_));
  series({"", "cn_smuggled_h100e", "H100e",
          "H100e smuggled into China since the start (cumulative, not depreciated)"},
         [this](SeriesRow& r) { r.set(world_.supply.cumulative_smuggled_h100e[cn_]); });
  series({"", "best_capability", "log10 FLOP (effective)",
          "capability of the country's best model (NaN when it has no lab)", {countries}},
         [this](SeriesRow& r) {
           for (std::size_t k = 0; k < best_.size(); ++k) r.set(k, or_nan(best_[k]));
         });
  series({"", "us_cn_gap_months", "months",
          "months of frontier progress between the best US and the best Chinese model (positive: "
          "the US leads)"},
         one(gap_));
  series({"", "best_capability_by_openness", "log10 FLOP (effective)",
          "capability of the best open and the best closed model (NaN when there is none)",
          {openness_}},
         [this](SeriesRow& r) {
           r.set(0, or_nan(best_open_));
           r.set(1, or_nan(best_closed_));
         });
  series({"", "releases", "models", "models released since the start, by country and openness",
          {countries, openness_}},
         each(count_));
  series({"", "open_closed_gap_months", "months",
          "months of frontier progress between the best closed and the best open model "
          "(positive: closed leads)"},
         one(open_gap_));
}

void IndicatorsModule::add_spending(const Tick& t) {
  // docs/model.md §"Chip supply: capex": chips owned, their facilities, and other capex.
  const SupplySetup& s = *c_.supply;
  const SupplyState& st = world_.supply;
  const double years = years_between(run_.start, t.date);
  for (std::size_t b = 0; b < s.n_buyers; ++b) {
    const std::size_t k = s.buyer_country[b];
    blocked_since_[k] += st.blocked_usd[b];
    capex_since_[k] += st.chip_capex_usd[b] * (1.0 + s.params.facility_usd_per_chip_usd) +
                       s.buyer_other_capex_usd_per_year[b] *
                           std::pow(s.buyer_other_capex_growth_per_year[b], years) * t.dt_years;
  }
  since_years_ += t.dt_years;
}

void IndicatorsModule::publish(const Tick& t) {
  const SupplySetup& s = *c_.supply;
  const SupplyState& st = world_.supply;
  const LabState& labs = world_.labs;
  const std::vector<std::size_t>& lab_country = c_.labs->country;
  const std::size_t n = c_.countries->size();
  const std::size_t nc = s.n_chips;
  // Serial, in buyer and chip order: sums are identical whatever the thread count.
  by_origin_.assign(n * 3, 0.0);
  remote_.assign(n, 0.0);
  for (std::size_t b = 0; b < s.n_buyers; ++b) {
    const std::size_t k = s.buyer_country[b];
    for (std::size_t c = 0; c < nc; ++c) {
      const Origin legal = s.chip_origin[c] == k ? Origin::domestic : Origin::imported;
      by_origin_[k * 3 + static_cast<std::size_t>(legal)] +=
          st.installed[b * nc + c] * s.chip_h100e[c];
      by_origin_[k * 3 + static_cast<std::size_t>(Origin::smuggled)] +=
          st.smuggled[b * nc + c] * s.chip_h100e[c];
    }
    remote_[k] += st.remote_h100e[b];
  }
  best_.assign(n, -std::numeric_limits<double>::infinity());
  best_open_ = -std::numeric_limits<double>::infinity();
  best_closed_ = best_open_;
  count_.assign(n * 2, 0.0);  // [country][open, closed]
  for (std::size_t i = 0; i < lab_country.size(); ++i) {
    // A lab with no model yet (founded after the start, docs/model.md §3.3.4) counts nowhere.
    if (!holds_model(labs, i)) continue;
    best_[lab_country[i]] = std::max(best_[lab_country[i]], labs.capability[i]);
    double& b = labs.best_open[i] ? best_open_ : best_closed_;
    b = std::max(b, labs.capability[i]);
    count_[lab_country[i] * 2] += labs.open_releases[i];
    count_[lab_country[i] * 2 + 1] += labs.releases[i] - labs.open_releases[i];
  }
  compute_.assign(n, 0.0);
  blocked_.assign(n, 0.0);
  capex_.assign(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t o = 0; o < 3; ++o) compute_[k] += by_origin_[k * 3 + o];
    blocked_[k] = since_years_ > 0.0 ? blocked_since_[k] / since_years_ : 0.0;
    capex_[k] = since_years_ > 0.0 ? capex_since_[k] / since_years_ : 0.0;
  }
  std::fill(blocked_since_.begin(), blocked_since_.end(), 0.0);
  std::fill(capex_since_.begin(), capex_since_.end(), 0.0);
  since_years_ = 0.0;
  cn_domestic_ = compute_[cn_] > 0.0
                     ? by_origin_[cn_ * 3 + static_cast<std::size_t>(Origin::domestic)] /
                           compute_[cn_]
                     : std::nan("");

  const double now = years_between(run_.start, t.date);
  if (std::isfinite(best_[us_])) us_history_.add(now, best_[us_]);
  if (std::isfinite(best_[cn_])) cn_history_.add(now, best_[cn_]);
  const double rate = std::log10(c_.frontier_growth_per_year);
  gap_ = us_cn_gap_months(us_history_, cn_history_, now, rate);
  if (std::isfinite(best_closed_)) closed_history_.add(now, best_closed_);
  if (std::isfinite(best_open_)) open_history_.add(now, best_open_);
  open_gap_ = us_cn_gap_months(closed_history_, open_history_, now, rate);

  // What governments observe at their next check.
  auto publish = [this](WorldIndicator w, double v) {
    world_.indicators[static_cast<std::size_t>(w)] = v;
  };
  publish(WorldIndicator::us_cn_gap_months, gap_);
  publish(WorldIndicator::us_compute_h100e, compute_[us_]);
  publish(WorldIndicator::cn_compute_h100e, compute_[cn_]);
  publish(WorldIndicator::cn_domestic_share, cn_domestic_);
  publish(WorldIndicator::cn_smuggled_h100e, st.cumulative_smuggled_h100e[cn_]);
  publish(WorldIndicator::cn_remote_access_h100e, remote_[cn_]);
  publish(WorldIndicator::years_elapsed, now);
}

}  // namespace airace
