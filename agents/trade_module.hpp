#pragma once
// Trade policy as a module (sim/core/module.hpp): what the export rules allow on the day's
// deliveries, the governments' levers turned into the supply model's policy (enforcement,
// China's procurement preference and chip subsidies, equipment controls as far as allies align),
// what labs can pay for, and the clouds' demand-driven spending after the historical period. Deliveries count against the rules'
// caps after each supply step. docs/model.md §"Export controls" and §"Governments".

#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class TradeModule : public Module {
 public:
  struct Config {
    const RuleBook* rules = nullptr;
    const GovernmentsSetup* governments = nullptr;
    const SupplySetup* supply = nullptr;
    const std::vector<CountrySpec>* countries = nullptr;
    Cadence cadence = Cadence::weekly;  // the supply model's
    bool clouds = false;  // the clouds' investment module runs (part::clouds)
  };
  TradeModule(Config c, World& world, const RunContext&) : c_(c), world_(world) {}
  std::string_view name() const override { return "trade"; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

 private:
  void set_policy(Date d);
  Config c_;
  World& world_;
  std::size_t cn_ = 0;                  // China's index among the countries
  std::vector<double> cap_used_h100e_;  // [rule * n_countries + country]
  AxisId countries_ = 0;
};

}  // namespace airace
