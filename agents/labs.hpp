#pragma once
// AI labs: algorithmic efficiency and the capability of their best model as a function of
// effective training compute. Labs buy chips as buyers of the supply model.
// docs/model.md §"Labs" gives the equations, parameters, units and sources.
//
// State is a structure of arrays (one entry per lab). Each step reads the previous state and
// writes the next, so labs are stepped in parallel without races, and a lab's step may read
// any other lab's previous state.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "agents/supply.hpp"
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

// A lab is a buyer of chips (its fleet lives in the supply model) with research of its own.
struct LabConfig : BuyerSpec {
  LabConfig() { training_weight = 0.8; }  // labs buy chips mostly to train
  LabArchetype archetype = LabArchetype::closed_frontier;
  double initial_efficiency = 1.0;          // × 2022-01 algorithms
  double efficiency_growth_per_year = 2.8;  // × per year
  double training_share = 0.3;              // fraction of its compute used for the frontier run
};

// Parameters shared by all labs (scenario section `lab_model`).
struct LabModelParams {
  double training_run_days = 90.0;       // days
  double model_flops_utilization = 0.4;  // fraction of peak
  double efficiency_noise_sigma = 0.1;   // 1/sqrt(year), lognormal
};

const Schema<LabConfig>& lab_schema();
const Schema<LabModelParams>& lab_model_schema();

// Labs resolved for a run (their chips are resolved by the supply model).
struct LabsSetup {
  std::size_t n_labs = 0;
  LabModelParams params;
  std::vector<double> initial_efficiency;
  std::vector<double> efficiency_growth_per_year;
  std::vector<double> training_share;
};

LabsSetup resolve_labs(const std::vector<LabConfig>& labs, const LabModelParams& params);

struct LabState {
  std::vector<double> efficiency;              // [lab] × 2022-01 algorithms
  std::vector<double> effective_compute_flop;  // [lab] FLOP at 2022-01 algorithms
  std::vector<double> capability;              // [lab] log10 FLOP, best model so far
};

// training_h100e: [lab] compute the lab can train on, in H100e of training value.
LabState initial_lab_state(const LabsSetup& setup, std::span<const double> training_h100e);

// docs/model.md §"Labs: capability": effective training compute of a frontier run,
// E = H100e × 989 TFLOP/s × MFU × training_share × run length × efficiency.
double effective_training_compute_flop(double compute_h100e, double efficiency,
                                       double training_share, const LabModelParams& p);
// Capability of a model trained with E effective FLOP: log10(E).
double capability_from_compute(double effective_flop);

// Algorithmic efficiency and best-model capability (docs/model.md §"Labs: capability").
void step_lab_research(const LabsSetup& setup, const LabState& prev, LabState& next,
                       std::span<const double> training_h100e, const Tick& tick, StreamKey key);

}  // namespace airace
