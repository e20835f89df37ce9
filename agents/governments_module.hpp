#pragma once
// Governments as a module (sim/core/module.hpp): the US government's adaptive rules answer the
// latest indicators; the policy series (export rules' status, lever values, adaptive rules
// fired) are recorded at the indicators' cadence.

#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class GovernmentsModule : public Module {
 public:
  struct Config {
    const GovernmentsSetup* setup = nullptr;
    const RuleBook* rules = nullptr;
    const std::vector<ExportRule>* export_rules = nullptr;  // for the rule axis' names
    Cadence cadence = Cadence::quarterly;  // of the adaptive rules' checks
    Cadence record = Cadence::monthly;     // of the policy series
  };
  GovernmentsModule(Config c, World& world, const RunContext& run)
      : c_(c), world_(world), run_(run) {}
  std::string_view name() const override { return "governments"; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

 private:
  Config c_;
  World& world_;
  const RunContext& run_;
  AxisId rules_ = 0, levers_ = 0, adaptive_ = 0;
};

}  // namespace airace
