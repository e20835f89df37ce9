#pragma once
// AI labs: installed compute by chip type, algorithmic efficiency, and the capability of their
// best model as a function of effective training compute. docs/model.md §"Labs" gives the
// equations, parameters, units and sources.
//
// State is a structure of arrays (one entry per lab). Each step reads the previous state and
// writes the next, so labs are stepped in parallel without races, and a lab's step may read
// any other lab's previous state.

#include <cstdint>
#include <string>
#include <vector>

#include "agents/chips.hpp"
#include "sim/core/params.hpp"
#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

enum class LabArchetype {
  closed_frontier,
  big_tech,
  open_weight,
  efficient_challenger,
  state_backed
};
std::string_view archetype_name(LabArchetype a);

struct ChipQuantity {
  EntityRef chip;
  double units = 0.0;  // chips
};

// A stream of chip deliveries: units_per_year at `start`, growing by growth_per_year.
struct PurchasePlan {
  EntityRef chip;
  double units_per_year = 0.0;   // chips per year at the start of the plan
  double growth_per_year = 1.0;  // multiplicative growth of the rate per year (1 = flat)
  Date start = Date::from_ymd(1900, 1, 1);
  Date end = Date::from_ymd(9999, 12, 31);
  SourceLocation where;
};

struct LabConfig {
  std::string id;
  std::string name;
  EntityRef country;
  LabArchetype archetype = LabArchetype::closed_frontier;
  std::vector<ChipQuantity> initial_chips;  // installed at the start date
  std::vector<PurchasePlan> purchases;
  double initial_efficiency = 1.0;          // × 2022-01 algorithms
  double efficiency_growth_per_year = 2.8;  // × per year
  double training_share = 0.3;              // fraction of installed compute
  std::string source;
  SourceLocation where;
};

// Parameters shared by all labs (scenario section `lab_model`).
struct LabModelParams {
  double training_run_days = 90.0;       // days
  double model_flops_utilization = 0.4;  // fraction of peak
  double depreciation_per_year = 0.2;    // 1/year, continuous rate
  double purchase_noise_sigma = 0.2;     // 1/sqrt(year), lognormal
  double efficiency_noise_sigma = 0.1;   // 1/sqrt(year), lognormal
};

const Schema<LabConfig>& lab_schema();
const Schema<PurchasePlan>& purchase_schema();
const Schema<LabModelParams>& lab_model_schema();

// Labs resolved against the catalogue: indices instead of ids, fixed for a run.
struct LabsSetup {
  std::size_t n_labs = 0;
  std::size_t n_chips = 0;
  LabModelParams params;
  std::vector<double> chip_h100e;     // [chip] H100e per chip
  std::vector<Date> chip_launch;      // [chip]
  std::vector<double> initial_chips;  // [lab * n_chips + chip] chips
  std::vector<double> initial_efficiency;
  std::vector<double> efficiency_growth_per_year;
  std::vector<double> training_share;
  struct Purchase {
    std::size_t id;  // position among all labs' plans: the entity of its random stream
    std::size_t chip;
    double units_per_year;
    double growth_per_year;
    Date start;
    Date end;
  };
  std::vector<std::vector<Purchase>> purchases;  // [lab]
};

// Resolves chip and country references and checks dates against the chips' launches: unknown
// ids, chips installed at `start` that launch later, and plans that end before their chip
// launches are reported into diags.
LabsSetup resolve_labs(const std::vector<LabConfig>& labs, const std::vector<ChipSpec>& chips,
                       const std::vector<std::string>& country_ids, const LabModelParams& params,
                       Date start, Diagnostics& diags);

struct LabState {
  std::vector<double> chips;                   // [lab * n_chips + chip] chips installed
  std::vector<double> compute_h100e;           // [lab] H100e installed
  std::vector<double> efficiency;              // [lab] × 2022-01 algorithms
  std::vector<double> effective_compute_flop;  // [lab] FLOP at 2022-01 algorithms
  std::vector<double> capability;              // [lab] log10 FLOP, best model so far
};

LabState initial_lab_state(const LabsSetup& setup);

// docs/model.md §"Labs: capability": effective training compute of a frontier run,
// E = H100e × 989 TFLOP/s × MFU × training_share × run length × efficiency.
double effective_training_compute_flop(double compute_h100e, double efficiency,
                                       double training_share, const LabModelParams& p);
// Capability of a model trained with E effective FLOP: log10(E).
double capability_from_compute(double effective_flop);

// Deliveries and depreciation over the tick's period (docs/model.md §"Labs: compute").
void step_lab_compute(const LabsSetup& setup, const LabState& prev, LabState& next,
                      const Tick& tick, StreamKey key);
// Algorithmic efficiency and best-model capability (docs/model.md §"Labs: capability").
void step_lab_research(const LabsSetup& setup, const LabState& prev, LabState& next,
                       const Tick& tick, StreamKey key);

}  // namespace airace
