#include "agents/labs.hpp"

#include <cmath>

#include "sim/core/parallel.hpp"

namespace airace {

std::string_view archetype_name(LabArchetype a) {
  switch (a) {
    case LabArchetype::closed_frontier: return "closed_frontier";
    case LabArchetype::big_tech: return "big_tech";
    case LabArchetype::open_weight: return "open_weight";
    case LabArchetype::efficient_challenger: return "efficient_challenger";
    case LabArchetype::state_backed: return "state_backed";
  }
  return "?";
}

const Schema<LabConfig>& lab_schema() {
  using L = LabConfig;
  static const Schema<LabConfig> schema("labs[]", [] {
    std::vector<Field<L>> f = buyer_fields<L>();
    f.push_back(choice("archetype", &L::archetype,
                       {{"closed_frontier", LabArchetype::closed_frontier},
                        {"big_tech", LabArchetype::big_tech},
                        {"open_weight", LabArchetype::open_weight},
                        {"efficient_challenger", LabArchetype::efficient_challenger},
                        {"state_backed", LabArchetype::state_backed}},
                       {"kind of lab (sets defaults in later model versions)"}));
    f.push_back(number("initial_efficiency", &L::initial_efficiency, "x 2022-01 algorithms",
                       above(0),
                       {"algorithmic efficiency at the start date relative to the 2022-01 "
                        "reference",
                        "1 by definition at 2022-01"}));
    f.push_back(number("efficiency_growth_per_year", &L::efficiency_growth_per_year, "x/year",
                       between(0.1, 100),
                       {"growth of algorithmic efficiency from the lab's research",
                        "Ho et al. 2024 (Epoch): compute for fixed performance halves every ~8 "
                        "months, ~2.8x/year (95% CI 5-14 months)"}));
    f.push_back(number("training_share", &L::training_share, "fraction", between(0, 1),
                       {"share of the lab's compute used for its frontier training run",
                        "assumption, see docs/model.md §3.3.4"}));
    return f;
  }());
  return schema;
}

const Schema<LabModelParams>& lab_model_schema() {
  using M = LabModelParams;
  static const Schema<LabModelParams> schema(
      "lab_model",
      {
          number("training_run_days", &M::training_run_days, "days", between(1, 1000),
                 {"length of a frontier training run",
                  "Epoch: frontier LLM runs ~90-100 days, +1.4x/year (calibration §5)"}),
          number("model_flops_utilization", &M::model_flops_utilization, "fraction",
                 Range{0, 1, true, false},
                 {"achieved share of peak throughput during training",
                  "typical 30-50% for large runs (DeepSeek-V3 and Llama 3 reports)"}),
          number("efficiency_noise_sigma", &M::efficiency_noise_sigma, "1/sqrt(year)",
                 between(0, 5),
                 {"standard deviation of the log of efficiency growth over one year"}),
      });
  return schema;
}

LabsSetup resolve_labs(const std::vector<LabConfig>& labs, const LabModelParams& params) {
  LabsSetup s;
  s.n_labs = labs.size();
  s.params = params;
  for (const LabConfig& lab : labs) {
    s.initial_efficiency.push_back(lab.initial_efficiency);
    s.efficiency_growth_per_year.push_back(lab.efficiency_growth_per_year);
    s.training_share.push_back(lab.training_share);
  }
  return s;
}

double effective_training_compute_flop(double compute_h100e, double efficiency,
                                       double training_share, const LabModelParams& p) {
  const double seconds = p.training_run_days * 86400.0;
  return compute_h100e * kH100DenseBf16Tflops * 1e12 * p.model_flops_utilization * training_share *
         seconds * efficiency;
}

double capability_from_compute(double effective_flop) {
  return effective_flop > 0.0 ? std::log10(effective_flop) : 0.0;
}

namespace {

// Labs per task: a lab's step costs well under a microsecond, so a handful of labs runs as one
// task and the parallelism comes from the replicates; hundreds of labs split across threads.
constexpr std::size_t kLabGrain = 32;

template <class F>
void for_each_lab(std::size_t n, F&& f) {
  parallel_for_each_index(n, kLabGrain, std::forward<F>(f));
}

}  // namespace

LabState initial_lab_state(const LabsSetup& s, std::span<const double> training_h100e) {
  LabState st;
  st.efficiency = s.initial_efficiency;
  st.effective_compute_flop.resize(s.n_labs);
  st.capability.resize(s.n_labs);
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    st.effective_compute_flop[i] = effective_training_compute_flop(
        training_h100e[i], st.efficiency[i], s.training_share[i], s.params);
    st.capability[i] = capability_from_compute(st.effective_compute_flop[i]);
  }
  return st;
}

void step_lab_research(const LabsSetup& s, const LabState& prev, LabState& next,
                       std::span<const double> training_h100e, const Tick& tick, StreamKey key) {
  const double dt = tick.dt_years;
  const double sigma = s.params.efficiency_noise_sigma * std::sqrt(dt);
  next = prev;
  for_each_lab(s.n_labs, [&](std::size_t i) {
    RandomStream rng(key, tick.index, i);
    // docs/model.md §"Labs: capability": A' = A·g^dt·exp(σ√dt·Z)
    next.efficiency[i] = prev.efficiency[i] * std::pow(s.efficiency_growth_per_year[i], dt) *
                         std::exp(sigma * rng.normal());
    next.effective_compute_flop[i] = effective_training_compute_flop(
        training_h100e[i], next.efficiency[i], s.training_share[i], s.params);
    // The best model never gets worse: capability is a running maximum.
    next.capability[i] =
        std::max(prev.capability[i], capability_from_compute(next.effective_compute_flop[i]));
  });
}

}  // namespace airace
