#pragma once
// Labs as a module (sim/core/module.hpp): they pay for the chips delivered to them, research,
// train models and release them on the day their post-training ends (any day).
// docs/model.md §"Labs".

#include "agents/world.hpp"
#include "sim/core/module.hpp"

namespace airace {

class LabsModule : public Module {
 public:
  struct Config {
    const LabsSetup* setup = nullptr;
    const std::vector<LabConfig>* labs = nullptr;
    const SupplySetup* supply = nullptr;
    const GovernmentsSetup* governments = nullptr;
    const std::vector<CountrySpec>* countries = nullptr;
    Cadence cadence = Cadence::monthly;         // research
    Cadence supply_cadence = Cadence::weekly;   // paying for deliveries
    bool adoption = false;  // revenue from adopters (else from the demand curve of lab_model)
    bool talent = false;    // a talent module moves researchers (else labs[].researchers)
    bool safety = false;    // a safety module sets compute for runs, evaluations, open bans
  };
  LabsModule(Config c, World& world, const RunContext& run) : c_(c), world_(world), run_(run) {}
  std::string_view name() const override { return "labs"; }
  std::vector<Stream> streams() const override { return {kLabEfficiencyStream, kLabTrainingStream}; }
  void configure(const Config& c) { c_ = c; }
  void start() override;
  void declare_axes(Declarations& d) override;
  void declare(Declarations& d) override;

 private:
  void pay_for_chips();
  void research(const Tick& t);
  void runs(const Tick& t);
  std::vector<double> training_h100e(Date d) const;
  std::vector<double> open_encouragement(Date d) const;
  void released(const Release& r);

  Config c_;
  World& world_;
  const RunContext& run_;
  std::size_t cn_ = 0;
  LabState scratch_;                    // the next state while a step runs
  std::vector<double> training_;        // [lab] H100e (training value) at the last research tick
  std::vector<double> wanted_value_;    // [lab] H100e its spending wanted since the last tick
  std::vector<double> obtained_value_;  // [lab] H100e of it obtained
  std::vector<double> cut_usd_;         // [lab] chip spending planned beyond its budget, same
  std::vector<Release> released_;       // this step's releases
  void log_finance(const Tick& t);
  bool research_effort() const {
    return c_.setup->params.research_input_elasticity != 0.0 ||
           c_.setup->params.research_difficulty != 0.0;
  }

  AxisId labs_ = 0;
  AxisId finance_kinds_ = 0;
  EventLog releases_log_;
  EventLog finance_log_;
};

}  // namespace airace
