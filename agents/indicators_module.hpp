#pragma once
// The headline indicators as a module (sim/core/module.hpp): compute by country and origin,
// capex, the best models and the US-China and open-closed gaps in months. What governments see
// at their next check is published here. docs/model.md §"Indicators".

#include "agents/indicators.hpp"
#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class IndicatorsModule : public Module {
 public:
  struct Config {
    const SupplySetup* supply = nullptr;
    const LabsSetup* labs = nullptr;
    const std::vector<CountrySpec>* countries = nullptr;
    double frontier_growth_per_year = 12.0;  // x/year
    Cadence cadence = Cadence::monthly;
    Cadence supply_cadence = Cadence::weekly;
  };
  IndicatorsModule(Config c, World& world, const RunContext& run)
      : c_(c), world_(world), run_(run) {}
  std::string_view name() const override { return "indicators"; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

 private:
  void add_spending(const Tick& t);
  void publish(const Tick& t);
  Config c_;
  World& world_;
  const RunContext& run_;
  std::size_t us_ = 0, cn_ = 0;
  std::vector<double> blocked_since_;  // [country] USD, since the last indicators date
  std::vector<double> capex_since_;    // [country] USD
  double since_years_ = 0.0;           // supply time they cover
  CapabilityHistory us_history_, cn_history_, closed_history_, open_history_;
  // The values of the last indicators date, as recorded.
  std::vector<double> by_origin_, compute_, remote_, blocked_, capex_, best_, count_;
  double best_open_ = 0.0, best_closed_ = 0.0, cn_domestic_ = 0.0, gap_ = 0.0, open_gap_ = 0.0;
  AxisId origins_ = 0, openness_ = 0;
};

}  // namespace airace
