#include "agents/markets_module.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace airace {

void MarketsModule::declare_axes(Declarations& d) {
  std::vector<std::string> ids, names, countries, exchanges, index;
  std::vector<double> compute, margins, listed, earnings, own_noise, report_move;
  for (const FirmSpec& f : c_.setup->firms) {
    listed.push_back(static_cast<double>(std::max(f.listed, c_.setup->start).days_since_epoch()));
    earnings.push_back(f.earnings_day_volatility > 0.0
                           ? static_cast<double>(f.earnings_day.days_since_epoch())
                           : std::numeric_limits<double>::quiet_NaN());
    own_noise.push_back(f.idiosyncratic_volatility_per_year);
    report_move.push_back(f.earnings_day_volatility);
    compute.push_back(f.compute_exposure);
    margins.push_back(f.margins_exposure);
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
                        {"in_index", "0 or 1", "member of the US index", index},
                        {"firm_compute_exposure", "-",
                         "loading on the compute factor (scripts/plot.py: at least 0.2 makes a "
                         "hardware firm)",
                         compute},
                        {"firm_margins_exposure", "-", "loading on the model-layer margins factor",
                         margins},
                        {"firm_daily_price_limit", "fraction",
                         "largest move of its daily close its exchange allows (0: none)",
                         c_.setup->price_limit},
                        {"firm_listed", "days since 1970-01-01",
                         "its first day with a price: its listing, or the start (no value before)",
                         listed},
                        {"firm_earnings_day", "days since 1970-01-01",
                         "a day on which one of its quarterly reports was priced; the others recur "
                         "every 3 months from it, each priced on its first trading day on or "
                         "after the report (NaN: no earnings days)",
                         earnings},
                        {"firm_idiosyncratic_volatility_per_year", "1/sqrt(year)",
                         "its own noise (docs/model.md §3.3.7, scripts/firm_returns.py)",
                         own_noise},
                        {"firm_earnings_day_volatility", "ln",
                         "sd of the ln move each of its quarterly reports brings (0: none)",
                         report_move}}});
  factors_ = d.add_axis({"markets",
                         "factor",
                         "factors firms are exposed to",
                         {kFactorNames.begin(), kFactorNames.end()},
                         {}});
  investors_ = d.add_axis(
      {"markets", "investor", "types of investor", {"fundamental", "jevons", "trend"}, {}});
}

void MarketsModule::declare(Declarations& d) {
  std::vector<std::string> previous = {part::indicators};
  if (c_.safety) previous.push_back(part::safety);  // docs/model.md §3.3.8 "Incidents"
  const std::size_t step = d.step({"markets.trade",
                                   c_.cadence,
                                   {part::labs, part::releases, part::supply, part::adoption},
                                   previous,
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
         EventColumn::Kind::number, 0},
        {"attention_lag_days", "days",
         "days from the release to the peak of the attention it drew; investors price it on the "
         "first trading day on or after that (rounded to a day)",
         EventColumn::Kind::number, 0}}});
  std::vector<std::string> lab_ids = d.catalog().axes()[d.axis("labs", "lab")].ids;
  causes_ = d.add_axis({"markets",
                        "cause",
                        "what drove a firm's daily move: no news, a rate decision, or a release "
                        "by a lab",
                        cause_ids(lab_ids),
                        {}});
  // docs/model.md §"Markets: largest moves".
  events_ = d.add_event_table(
      {"markets",
       "events",
       "each firm's largest daily moves in each replicate (by absolute return, at most " +
           std::to_string(kLargestMovesPerFirm) + " a firm) and the news they priced",
       {{"event_firm", "", "the firm", EventColumn::Kind::entity, firms_},
        {"event_date", "", "the trading day (its exchange's)", EventColumn::Kind::date, 0},
        {"event_rank", "-", "1: the firm's largest absolute daily return in the replicate",
         EventColumn::Kind::number, 0},
        {"event_return", "fraction", "change of the firm's market capitalisation that day",
         EventColumn::Kind::number, 0},
        {"event_index_return", "fraction", "change of the index the same day",
         EventColumn::Kind::number, 0},
        {"event_cause", "",
         "what drove it: the most salient release priced that day when its salience is at "
         "least 1/e, else incidents that imply at least half its fall, else the firm's "
         "quarterly report when it moved the firm the day's way by at least half the day's "
         "move, else a rate decision that surprised the market, else a less salient release, "
         "else none",
         EventColumn::Kind::entity, causes_},
        {"event_releases", "releases",
         "releases priced that day (seen since the firm's previous trading day)",
         EventColumn::Kind::number, 0},
        {"event_salience", "fraction", "salience of the most salient of them (NaN: none)",
         EventColumn::Kind::number, 0},
        {"event_surprise_log10", "log10", "its efficiency surprise (NaN: no release)",
         EventColumn::Kind::number, 0},
        {"event_rate_change_points", "percentage points",
         "change of the policy rate decided since the firm's previous trading day (0: none)",
         EventColumn::Kind::number, 0},
        {"event_rate_surprise_points", "percentage points",
         "that change less what the market expected of it the day before (0: none or as expected)",
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
  series({"", "anchor_value_usd", "USD",
          "expected discounted earnings of each firm anchored on its earnings (NaN: not "
          "anchored, or before AI chip spending is first observed)",
          {firms_}},
         [this](SeriesRow& r) {
           for (std::size_t i = 0; i < c_.setup->n_firms; ++i)
             r.set(i, std::exp(state_.anchor_log_value[i]));
         });
  series({"", "expected_growth_per_year", "ln/year",
          "growth of revenue investors extrapolate for each firm anchored on its earnings (0: "
          "not anchored)",
          {firms_}},
         [this](SeriesRow& r) { r.set_all(state_.expected_growth); });
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
  // docs/model.md §"Markets: attention": a release is priced on the day its attention peaks,
  // which comes later the less its lab is used (the press) and sooner the nearer the frontier
  // it is (word of mouth).
  const std::vector<double> usage = lab_usage_shares();
  // The press investors read: all countries', or the index's country's.
  const std::vector<double> press =
      m.params.attention_press_index_country && m.index_country != SIZE_MAX
          ? lab_user_shares(world_.adoption.units, m.n_labs, m.index_country)
          : usage;
  // A release's benchmark position is taken against the best model out on its day (those
  // released before this trading day's batch and the batch's own up to that day): it is what the
  // press and word of mouth spread, and weighs it in beliefs when it is priced, whatever is
  // released meanwhile.
  const std::span<const Release> batch(world_.releases.begin() + seen_releases_,
                                       world_.releases.end());
  for (const Release& r : batch) {
    double frontier = released_best_;
    for (const Release& o : batch)
      if (!(r.date < o.date)) frontier = std::max(frontier, o.capability);
    ReleaseNews n{r.lab, r.date, r.capability, r.training_flop, r.open, r.post_training_gain};
    n.salience = release_salience(m.params, n, frontier);
    n.attention_lag_days = attention_peak_days(m.params, r.lab < press.size() ? press[r.lab] : 0.0);
    held_.emplace_back(n, r.date.plus_days(static_cast<int>(std::lround(n.attention_lag_days))));
  }
  for (const Release& r : batch) released_best_ = std::max(released_best_, r.capability);
  seen_releases_ = world_.releases.size();
  // Its weight in beliefs grows with its lab's adoption on the day it is priced (every lab
  // weighs alike before anyone adopts).
  const bool anyone_adopts = std::any_of(usage.begin(), usage.end(), [](double u) { return u > 0; });
  for (const auto& [n, peak] : held_)
    if (!(t.date < peak)) {
      news_.push_back(n);
      news_.back().attention_weight =
          anyone_adopts && n.lab < usage.size() ? release_attention_weight(m.params, usage[n.lab])
                                                : 1.0;
    }
  std::erase_if(held_, [&t](const auto& h) { return !(t.date < h.second); });
  double spend = 0.0;
  for (double r : world_.supply.revenue_usd_per_year) spend += r;
  MarketInputs in;
  in.releases = news_;
  in.ai_chip_spend_usd_per_year = spend;
  in.api_margin = world_.offer.margin.empty() ? 0.0 : world_.offer.margin[0];
  in.producer_revenue_usd_per_year = world_.supply.revenue_usd_per_year;
  in.cn_domestic_share =
      world_.indicators[static_cast<std::size_t>(WorldIndicator::cn_domestic_share)];
  if (c_.safety) in.compute_demand_loss = world_.safety.demand_loss_ln;
  const std::size_t first_new_watch = watches_.size();
  watch_releases(m, state_, news_, watches_);
  for (std::size_t w = first_new_watch; w < watches_.size(); ++w)
    for (MoveNews& news : pending_)
      note_release(news, watches_[w].release.lab, watches_[w].salience,
                   watches_[w].surprise_log10, watches_[w].release.open);
  for (const RateDecision& d :
       rate_decisions_between(m.params.policy_rates, m.start, t.previous, t.date))
    for (MoveNews& news : pending_) note_rate_decision(news, d.change_points, d.surprise_points);
  // An incident reaches a firm through the compute factor alone (docs/model.md §3.3.8).
  for (std::size_t i = 0; i < m.n_firms; ++i)
    note_incident(pending_[i], in.compute_demand_loss - demand_loss_ln_,
                  m.firms[i].compute_exposure);
  demand_loss_ln_ = in.compute_demand_loss;
  step_markets(m, state_, in, t, run_.key(kMarketsStream));
  record_largest_moves(t);
  watched_.clear();
  update_watches(m, state_, watches_, watched_);
  for (const ReleaseWatch& w : watched_)
    for (std::size_t i = 0; i < m.n_firms; ++i) {
      if (!std::isfinite(w.log_cap_before[i])) continue;  // listed after the release: no row
      const double row[] = {static_cast<double>(w.release.lab),
                            static_cast<double>(w.release.date.days_since_epoch()),
                            static_cast<double>(i),
                            w.release.open ? 1.0 : 0.0,
                            w.surprise_log10,
                            w.salience,
                            w.day_return[i],
                            w.worst[i],
                            w.release.attention_lag_days};
      moves_.add(row);
    }
}

std::vector<double> MarketsModule::lab_usage_shares() const {
  // Each lab's users (adopting units on its closed and open models, all countries) over the
  // most-used lab's: the press reads users, not tokens (docs/model.md §"Markets: attention").
  return lab_user_shares(world_.adoption.units, c_.setup->n_labs);
}

void MarketsModule::record_largest_moves(const Tick& t) {
  const MarketsSetup& m = *c_.setup;
  for (std::size_t i = 0; i < m.n_firms; ++i) {
    if (!state_.trading[i]) continue;
    pending_[i].earnings_move_ln = state_.earnings_move_ln[i];
    keep_largest_move(largest_[i],
                      {i, t.date, state_.daily_return[i], state_.index_return, pending_[i]},
                      kLargestMovesPerFirm);
    pending_[i] = MoveNews{};
  }
  if (!(c_.end < next_tick_after(c_.cadence, t.date))) return;
  for (const std::vector<MarketMove>& moves : largest_)
    for (std::size_t k = 0; k < moves.size(); ++k) {
      const MarketMove& mv = moves[k];
      const bool release = mv.news.releases > 0;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const double row[] = {static_cast<double>(mv.firm),
                            static_cast<double>(mv.date.days_since_epoch()),
                            static_cast<double>(k + 1),
                            mv.day_return,
                            mv.index_return,
                            static_cast<double>(move_cause(mv.news, mv.day_return)),
                            static_cast<double>(mv.news.releases),
                            release ? mv.news.salience : nan,
                            release ? mv.news.surprise_log10 : nan,
                            mv.news.rate_change_points,
                            mv.news.rate_surprise_points};
      events_.add(row);
    }
}

}  // namespace airace
