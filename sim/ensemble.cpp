#include "sim/ensemble.hpp"

#include <oneapi/tbb/global_control.h>

#include <memory>
#include <optional>

#include "airace/version.hpp"
#include "sim/core/parallel.hpp"
#include "sim/model.hpp"

namespace airace {

std::size_t ensemble_days(const Scenario& s) {
  const auto days = s.info.end.days_since_epoch() - s.info.start.days_since_epoch() + 1;
  return static_cast<std::size_t>(days) * static_cast<std::size_t>(s.run.replicates);
}

std::size_t ensemble_series_bytes(const Scenario& s) {
  ModelOutputs ids;
  const SeriesCatalog catalog = build_catalog(s, ids);
  std::size_t per_replicate = 0;
  for (const SeriesSpec& spec : catalog.series())
    per_replicate += catalog.time_count(spec) * catalog.entity_count(spec) * sizeof(double);
  return per_replicate * static_cast<std::size_t>(s.run.replicates);
}

RunResult run_ensemble(const Scenario& s, const EnsembleOptions& options, RunMetadata meta) {
  std::optional<oneapi::tbb::global_control> cap;
  if (options.threads > 0)
    cap.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                static_cast<std::size_t>(options.threads));

  RunResult result;
  ModelOutputs ids;
  result.catalog = build_catalog(s, ids);
  const auto n = static_cast<std::size_t>(s.run.replicates);
  result.replicates.resize(n);

  parallel_for_each_index(n, 1, [&](std::size_t r) {
    Simulation sim(s, result.catalog, ids, static_cast<uint32_t>(r));
    // Advance a month at a time so that progress is visible on long runs.
    Date last = s.info.start;
    while (!sim.finished()) {
      const Date until = std::min(sim.today().plus_months(1), s.info.end);
      sim.advance_to(until);
      const Date now = sim.finished() ? s.info.end.plus_days(1) : sim.today();
      if (options.days_done != nullptr)
        options.days_done->fetch_add(
            static_cast<std::size_t>(now.days_since_epoch() - last.days_since_epoch()),
            std::memory_order_relaxed);
      last = now;
    }
    result.replicates[r] = sim.take_series();
  });

  meta.program_version = kProgramVersion;
  meta.git_revision = kGitRevision;
  meta.scenario_name = s.info.name;
  meta.scenario_file = s.file;
  meta.resolved_scenario_yaml = to_yaml(s.resolved);
  meta.seed = static_cast<unsigned long long>(s.run.seed);
  meta.replicates = n;
  result.meta = std::move(meta);
  return result;
}

}  // namespace airace
