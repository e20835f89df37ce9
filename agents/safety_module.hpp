#pragma once
// Safety and restraint as a module (sim/core/module.hpp): each lab's safety effort, incidents,
// governments' safety rules and agreements, at the labs' research cadence, from the labs (and
// the use of their models) as the research tick left them. Publishes part::safety, which the
// labs read as earlier days left it: compute for training runs, evaluation days before a
// release, open weights banned. docs/model.md §3.3.8 "Safety".

#include <vector>

#include "agents/safety.hpp"
#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class SafetyModule : public Module {
 public:
  struct Config {
    const SafetySetup* setup = nullptr;
    Cadence cadence = Cadence::monthly;  // the labs' research cadence
    bool adoption = false;               // deployment from adoption's spending on each lab
  };
  SafetyModule(Config c, World& world, const RunContext& run) : world_(world), run_(run) {
    configure(c);
  }
  std::string_view name() const override { return "safety"; }
  std::vector<Stream> streams() const override { return {kSafetyStream}; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

 private:
  void decide(const Tick& t);

  Config c_;
  World& world_;
  const RunContext& run_;
  AxisId severities_ = 0, agreements_ = 0;
  EventLog incidents_log_;
  std::vector<Incident> incidents_;  // this tick's
  // Race intensity, this tick: log10 FLOP
  double frontier_gap_ = 0.0, us_cn_gap_ = 0.0;
};

}  // namespace airace
