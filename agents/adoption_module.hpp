#pragma once
// Adoption as a module (sim/core/module.hpp): adopters choose among the models on offer at
// prices set by serving costs and margins, and pay the labs; the headline adoption indicators are
// recorded at the indicators' cadence. docs/model.md §"Adoption".

#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class AdoptionModule : public Module {
 public:
  struct Config {
    const AdoptionSetup* setup = nullptr;
    const SupplySetup* supply = nullptr;
    const std::vector<LabConfig>* labs = nullptr;
    const std::vector<SectorSpec>* sectors = nullptr;
    const std::vector<CountrySpec>* countries = nullptr;
    Cadence cadence = Cadence::monthly;
    Cadence indicators = Cadence::monthly;
    bool safety = false;  // a safety module sets each lab's reputation after its incidents
  };
  AdoptionModule(Config c, World& world, const RunContext& run)
      : c_(c), world_(world), run_(run) {}
  std::string_view name() const override { return "adoption"; }
  std::vector<Stream> streams() const override { return {kAdoptionPopulationStream, kAdoptionChoiceStream}; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

  const Population& population() const { return population_; }
  const AdoptionState& state() const { return state_; }

 private:
  void step(const Tick& t);
  void summarise();  // the shares by country, sector and provider, for the series
  void serving_capacity();  // the pools' capacity from the clouds' fleets, into serving_
  Config c_;
  World& world_;
  const RunContext& run_;
  Population population_;
  AdoptionState state_;
  AdoptionWorkspace work_;
  std::vector<double> chip_cost_;          // [country] USD per H100e-year of inference
  // docs/model.md §"Adoption: serving capacity" (with adoption_model.serving_capacity_share > 0)
  ServingCapacity serving_;                 // pools: 0 the countries outside China's tier, 1 it
  std::vector<double> serving_cost_;        // [country] chip_cost_ × its pool's scarcity
  std::vector<double> pool_scarcity_, pool_served_, pool_capacity_;  // [country] its pool's
  // [lab] capability of the best closed and open model once the lab launched, NaN before
  std::vector<double> closed_on_offer_, open_on_offer_;
  std::vector<std::size_t> providers_;     // countries whose labs make models, in country order
  std::vector<std::size_t> lab_provider_;  // [lab] index on the provider axis
  // the last step's shares ([country|sector][option], [..][provider][open, closed])
  std::vector<double> country_share_, sector_share_, by_provider_, sector_by_provider_;
  // open-weight ecosystems: [lab] cumulative downloads and derivatives; [scope][provider] the
  // shares of each provider country's families (scope: world, outside the US and China)
  std::vector<double> lab_downloads_, lab_derivatives_, download_share_, derivative_share_;
  std::vector<double> family_derivatives_;  // [lab] the derivatives the offer sees
  AxisId options_ = 0, sectors_ = 0, providers_axis_ = 0, scope_ = 0;
};

}  // namespace airace
