#pragma once
// Markets as a module (sim/core/module.hpp): investors see the day's releases, revise their
// beliefs, and firms are repriced; how each firm fared after each release is recorded, and each
// firm's largest daily moves with the news they priced (/markets/events).
// docs/model.md §"Markets".

#include <algorithm>
#include <limits>

#include "agents/markets.hpp"
#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class MarketsModule : public Module {
 public:
  struct Config {
    const MarketsSetup* setup = nullptr;
    Cadence cadence = Cadence::trading_daily;
    Date end = Date::from_ymd(9999, 12, 31);  // the scenario's end: the largest moves are written
                                              // on the last tick on or before it
    bool safety = false;  // a safety module prices incidents into expected compute demand
  };
  MarketsModule(Config c, World& world, const RunContext& run)
      : c_(c), world_(world), run_(run) {}
  std::string_view name() const override { return "markets"; }
  std::vector<Stream> streams() const override { return {kMarketsStream}; }
  void configure(const Config& c) { c_ = c; }
  void start() override {
    state_ = initial_market_state(*c_.setup);
    pending_.assign(c_.setup->n_firms, MoveNews{});
    largest_.assign(c_.setup->n_firms, {});
    demand_loss_ln_ = 0.0;
    held_.clear();
    released_best_ = -std::numeric_limits<double>::infinity();  // the labs' models at the start
    for (double c : world_.labs.capability) released_best_ = std::max(released_best_, c);
  }
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

  const MarketState& state() const { return state_; }

 private:
  void step(const Tick& t);
  Config c_;
  World& world_;
  const RunContext& run_;
  MarketState state_;
  std::size_t seen_releases_ = 0;  // releases already shown to investors
  double released_best_ = 0.0;     // log10 FLOP (effective): the best model among them and at
                                   // the start, the frontier a new release is measured against
  std::vector<ReleaseNews> news_;  // releases whose attention peaked since the last trading day
  // releases seen but not yet priced, with the date their attention peaks
  std::vector<std::pair<ReleaseNews, Date>> held_;
  std::vector<ReleaseWatch> watches_, watched_;
  void record_largest_moves(const Tick& t);
  std::vector<double> lab_usage_shares() const;
  std::vector<MoveNews> pending_;                // [firm] news since its previous trading day
  double demand_loss_ln_ = 0.0;  // the compute demand lost to incidents at the last trading day
  std::vector<std::vector<MarketMove>> largest_;  // [firm] largest moves so far
  AxisId firms_ = 0, factors_ = 0, investors_ = 0, causes_ = 0;
  EventLog moves_, events_;
};

}  // namespace airace
