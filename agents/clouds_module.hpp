#pragma once
// Clouds' investment as a module (sim/core/module.hpp): each supply tick, every cloud
// (clouds[]) reads its part of adoption's inference demand, the demand's trend, its fleet and the
// price of inference chips as earlier days left them, and after the historical period decides
// its chip spending, which the trade policy hands to the supply step in place of its plans.
// docs/model.md §"Clouds' investment".

#include <deque>

#include "agents/clouds.hpp"
#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class CloudsModule : public Module {
 public:
  struct Config {
    CloudInvestmentParams params;
    const SupplySetup* supply = nullptr;
    const std::vector<CountrySpec>* countries = nullptr;  // their tiers set the serving pools
    Cadence cadence = Cadence::weekly;  // the supply model's
  };
  CloudsModule(Config c, World& world, const RunContext&) : c_(c), world_(world) {}
  std::string_view name() const override { return "clouds"; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare(Declarations& d) override;

 private:
  void invest(const Tick& t);
  Config c_;
  World& world_;
  std::vector<std::deque<double>> record_;  // [pool] served demand, one value per tick
  std::vector<std::size_t> pool_;           // [country] serving pool (serving_pools)
  std::vector<double> chip_cost_;           // [country] USD/H100e-year
  std::vector<double> fleet_;               // [cloud] H100e of inference value installed
  std::vector<double> serving_;             // [cloud] H100e serving adoption (after the switch)
  std::vector<double> price_;               // [cloud] USD/H100e paid at the last tick
  bool switched_ = false;                   // the serving capacity has been set up
  // [cloud], last tick: H100e served and expected, fraction, USD/year wanted, financed, spent
  std::vector<double> served_, expected_, utilisation_, wanted_, financing_;
};

}  // namespace airace
