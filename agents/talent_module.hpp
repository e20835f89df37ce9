#pragma once
// Research talent as a module (sim/core/module.hpp): each lab's research staff, moving between
// labs and countries at the labs' cadence, from the labs and the supply as earlier days left
// them. Publishes part::talent, which the labs' research reads. docs/model.md §"Talent".

#include "agents/talent.hpp"
#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class TalentModule : public Module {
 public:
  struct Config {
    TalentParams params;
    const LabsSetup* labs = nullptr;
    const SupplySetup* supply = nullptr;
    const std::vector<CountrySpec>* countries = nullptr;
    Cadence cadence = Cadence::monthly;  // the labs' research cadence
  };
  TalentModule(Config c, World& world, const RunContext&) : world_(world) { configure(c); }
  std::string_view name() const override { return "talent"; }
  void configure(const Config& c);
  void start() override;
  void declare(Declarations& d) override;

 private:
  void move(const Tick& t);

  Config c_;
  TalentSetup setup_;
  World& world_;
  TalentState scratch_;  // the next state while the step runs
  // Per country, last tick: FTE/year arriving from and leaving for other countries' labs.
  std::vector<double> arrivals_, departures_;
  std::vector<double> by_country_;  // [country] FTE
};

}  // namespace airace
