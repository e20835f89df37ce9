#pragma once
// Chip supply as a module (sim/core/module.hpp): production, allocation, deliveries and
// depreciation under the day's trade policy. docs/model.md §"Chip supply".

#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class SupplyModule : public Module {
 public:
  struct Config {
    const SupplySetup* setup = nullptr;
    const std::vector<ChipSpec>* chips = nullptr;
    const std::vector<BuyerSpec>* clouds = nullptr;
    Cadence cadence = Cadence::weekly;
  };
  SupplyModule(Config c, World& world, const RunContext& run) : c_(c), world_(world), run_(run) {}
  std::string_view name() const override { return "supply"; }
  std::vector<Stream> streams() const override { return {kBuyerDemandStream}; }
  void configure(const Config& c) { c_ = c; }
  void start() override { world_.supply = initial_supply_state(*c_.setup); }
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

 private:
  Config c_;
  World& world_;
  const RunContext& run_;
  SupplyState scratch_;
  SupplyWorkspace work_;
  AxisId chips_ = 0, producers_ = 0, clouds_ = 0;
};

}  // namespace airace
