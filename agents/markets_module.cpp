#include "agents/markets_module.hpp"

#include <cmath>
#include <limits>

namespace airace {

void MarketsModule::declare_axes(Declarations& d) {
  std::vector<std::string> ids, names, countries, exchanges, index;
  for (const FirmSpec& f : c_.setup->firms) {
    ids.push_back(f.id);
    names.push_back(f.name.empty() ? f.id : f.name);
    countries.push_back(f.country.id);
    exchanges.push_back(std::string(exchange_name(f.exchange)));
    index.push_back(f.in_index ? "1" : "0");
  }
  firms_ = d.add_axis({"markets",
                       "firm",
                       "listed firms",
                       ids,
                       {{"firm_name", "", "display name", names},
                        {"firm_country", "", "where it is listed", countries},
                        {"firm_exchange", "", "exchange whose trading days its price follows",
                         exchanges},
                        {"in_index", "0 or 1", "member of the US index", index}}});
  factors_ = d.add_axis({"markets",
                         "factor",
                         "factors firms are exposed to",
                         {kFactorNames.begin(), kFactorNames.end()},
                         {}});
  investors_ = d.add_axis(
      {"markets", "investor", "types of investor", {"fundamental", "jevons", "trend"}, {}});
}

void MarketsModule::declare(Declarations& d) {
  const std::size_t step = d.step({"markets.trade",
                                   c_.cadence,
                                   {part::labs, part::releases, part::supply, part::adoption},
                                   {part::indicators},
                                   {},
                                   [this](const Tick& t) { this->step(t); }});
  moves_ = d.add_event_table(
      {"release_market_moves",
       "move",
       "how each firm fared after each release: one row per release and firm",
       {{"lab", "", "the releasing lab", EventColumn::Kind::entity, d.axis("labs", "lab")},
        {"date", "", "release date", EventColumn::Kind::date, 0},
        {"firm", "", "the firm", EventColumn::Kind::entity, firms_},
        {"open", "0 or 1", "1: open weights", EventColumn::Kind::flag, 0},
        {"surprise_log10", "log10", "efficiency the release revealed minus investors' belief",
         EventColumn::Kind::number, 0},
        {"salience", "fraction", "attention the release drew (1: at the frontier)",
         EventColumn::Kind::number, 0},
        {"day_return", "fraction",
         "change of market capitalisation on the release's trading day (the firm's first on or "
         "after the release)",
         EventColumn::Kind::number, 0},
        {"max_drawdown", "fraction",
         "worst market capitalisation over the following window relative to the day before",
         EventColumn::Kind::number, 0}}});
  auto series = [&](SeriesDecl decl, SeriesFill fill) {
    decl.group = "markets";
    d.series(step, std::move(decl), std::move(fill));
  };
  series({"", "market_cap_usd", "USD", "market capitalisation of each firm", {firms_}},
         [this](SeriesRow& r) {
           for (std::size_t i = 0; i < c_.setup->n_firms; ++i)
             r.set(i, std::exp(state_.log_cap[i]));
         });
  series({"", "daily_return", "fraction",
          "change of market capitalisation since the day before (0 while its exchange is closed)",
          {firms_}},
         [this](SeriesRow& r) { r.set_all(state_.daily_return); });
  series({"", "trading", "0 or 1", "1: the firm's exchange is open that day", {firms_}},
         [this](SeriesRow& r) {
           for (std::size_t i = 0; i < c_.setup->n_firms; ++i) r.set(i, state_.trading[i]);
         });
  series({"", "index_usd", "USD", "sum of the market capitalisations of the index members"},
         [this](SeriesRow& r) { r.set(state_.index_usd); });
  series({"", "index_return", "fraction", "change of the index since the day before"},
         [this](SeriesRow& r) { r.set(state_.index_return); });
  series({"", "believed_efficiency_log10", "log10 (x 2022-01 algorithms)",
          "investors' belief about frontier algorithmic efficiency (effective FLOP per physical "
          "FLOP)"},
         [this](SeriesRow& r) { r.set(state_.efficiency_log10); });
  series({"", "efficiency_sd_log10", "log10", "investors' uncertainty about it"},
         [this](SeriesRow& r) { r.set(std::sqrt(state_.efficiency_var)); });
  series({"", "efficiency_gap_log10", "log10",
          "believed efficiency minus the trend investors anchor on (positive: less compute "
          "needed than expected)"},
         [this](SeriesRow& r) { r.set(state_.efficiency_log10 - state_.trend_log10); });
  series({"", "investor_belief", "ln (x expected compute demand)",
          "each investor type's revision of expected AI compute demand", {investors_}},
         [this](SeriesRow& r) { r.set_all(state_.type_belief); });
  series({"", "factors", "ln", "level of each factor (the firms' loadings multiply it)",
          {factors_}},
         [this](SeriesRow& r) { r.set_all(state_.factor); });
}

void MarketsModule::step(const Tick& t) {
  const MarketsSetup& m = *c_.setup;
  news_.clear();
  for (; seen_releases_ < world_.releases.size(); ++seen_releases_) {
    const Release& r = world_.releases[seen_releases_];
    news_.push_back({r.lab, r.date, r.capability, r.training_flop, r.open});
  }
  double frontier = -std::numeric_limits<double>::infinity();
  for (double c : world_.labs.capability) frontier = std::max(frontier, c);
  double spend = 0.0;
  for (double r : world_.supply.revenue_usd_per_year) spend += r;
  MarketInputs in;
  in.releases = news_;
  in.frontier_capability = frontier;
  in.ai_chip_spend_usd_per_year = spend;
  in.api_margin = world_.offer.margin.empty() ? 0.0 : world_.offer.margin[0];
  in.cn_domestic_share =
      world_.indicators[static_cast<std::size_t>(WorldIndicator::cn_domestic_share)];
  watch_releases(m, state_, news_, frontier, watches_);
  step_markets(m, state_, in, t, run_.key(kMarketsStream));
  watched_.clear();
  update_watches(m, state_, watches_, watched_);
  for (const ReleaseWatch& w : watched_)
    for (std::size_t i = 0; i < m.n_firms; ++i) {
      const double row[] = {static_cast<double>(w.release.lab),
                            static_cast<double>(w.release.date.days_since_epoch()),
                            static_cast<double>(i),
                            w.release.open ? 1.0 : 0.0,
                            w.surprise_log10,
                            w.salience,
                            w.day_return[i],
                            w.worst[i]};
      moves_.add(row);
    }
}

}  // namespace airace
