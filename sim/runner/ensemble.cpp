#include "sim/runner/ensemble.hpp"

#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "airace/version.hpp"
#include "sim/core/parallel.hpp"
#include "sim/model/model.hpp"

namespace airace {

std::size_t ensemble_days(const Scenario& s) {
  const auto days = s.info.end.days_since_epoch() - s.info.start.days_since_epoch() + 1;
  return static_cast<std::size_t>(days) * static_cast<std::size_t>(s.run.replicates);
}

RunResult run_ensemble(const Scenario& s, const EnsembleOptions& options, RunMetadata meta) {
  std::optional<oneapi::tbb::global_control> cap;
  if (options.threads > 0)
    cap.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                static_cast<std::size_t>(options.threads));

  RunResult result;
  result.catalog = build_catalog(s);
  const auto n = static_cast<std::size_t>(s.run.replicates);
  result.replicates.resize(n);
  const std::vector<UncertainParameter>& uncertain = s.uncertainty.parameters;
  const std::size_t k = uncertain.size();
  if (k > 0) {
    for (const UncertainParameter& p : uncertain) {
      result.draws.parameters.push_back(p.key);
      result.draws.units.push_back(p.unit);
      result.draws.distributions.push_back(describe(p.distribution));
    }
    result.draws.values.resize(n * k);
    result.draws.failures.resize(n);
  }
  const auto days_per_replicate =
      static_cast<std::size_t>(s.info.end.days_since_epoch() - s.info.start.days_since_epoch() + 1);

  parallel_for_each_index(n, 1, [&](std::size_t r) {
    const auto replicate = static_cast<uint32_t>(r);
    std::optional<Scenario> own;
    std::optional<Simulation> sim;
    if (k > 0) {
      // docs/scenarios.md §"Uncertain parameters": drawn from (seed, replicate), never redrawn.
      const std::vector<double> values =
          draw_uncertain(s.uncertainty, static_cast<uint64_t>(s.run.seed), replicate);
      std::copy(values.begin(), values.end(),
                result.draws.values.begin() + static_cast<std::ptrdiff_t>(r * k));
      std::string failure;
      try {
        own.emplace(scenario_with_values(s, values));
      } catch (const InputError& e) {
        failure = first_problem(e);
      }
      // The replicate's own layout is checked as its simulation is set up, before it starts.
      if (own) {
        try {
          sim.emplace(*own, result.catalog, replicate, options.start_cache);
        } catch (const LayoutMismatch&) {
          failure = "the drawn values change the layout of the output";
        }
      }
      if (!failure.empty()) {
        result.draws.failures[r] = std::move(failure);
        result.replicates[r] = SeriesBuffer(result.catalog);  // NaN throughout
        if (options.days_done != nullptr)
          options.days_done->fetch_add(days_per_replicate, std::memory_order_relaxed);
        return;
      }
    } else {
      sim.emplace(s, result.catalog, replicate, options.start_cache);
    }
    // Advance a month at a time so that progress is visible on long runs.
    Date last = s.info.start;
    while (!sim->finished()) {
      const Date until = std::min(sim->today().plus_months(1), s.info.end);
      sim->advance_to(until);
      const Date now = sim->finished() ? s.info.end.plus_days(1) : sim->today();
      if (options.days_done != nullptr)
        options.days_done->fetch_add(
            static_cast<std::size_t>(now.days_since_epoch() - last.days_since_epoch()),
            std::memory_order_relaxed);
      last = now;
    }
    result.replicates[r] = sim->take_series();
  });

  meta.program_version = kProgramVersion;
  meta.git_revision = kGitRevision;
  meta.scenario_name = s.info.name;
  meta.scenario_file = s.file;
  if (options.scenario_text) meta.resolved_scenario_yaml = to_yaml(s.resolved);
  meta.decisions_csv = decision_log_csv(s.policy_events);
  meta.seed = static_cast<unsigned long long>(s.run.seed);
  meta.replicates = n;
  result.meta = std::move(meta);
  return result;
}

}  // namespace airace
