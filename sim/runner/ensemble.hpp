#pragma once
// Ensembles: the replicates of a scenario run in parallel (oneTBB). Each replicate owns its
// state and series buffer and draws from streams keyed by its index, so the result is
// bit-identical whatever the number of threads.

#include <atomic>
#include <cstddef>

#include "sim/core/series.hpp"
#include "sim/core/start_cache.hpp"
#include "sim/model/scenario.hpp"

namespace airace {

struct EnsembleOptions {
  int threads = 0;  // 0: all cores; otherwise the most threads oneTBB may use
  // Incremented by one for every simulated day of every replicate (for progress bars);
  // may be null.
  std::atomic<std::size_t>* days_done = nullptr;
  // Shared with other ensembles of the same scenario and seed whose scenarios differ only in
  // changes dated after the start (airace serve's runs); may be null.
  StartCache* start_cache = nullptr;
  // Whether meta holds the resolved scenario's text (airace serve writes it only when a run is
  // downloaded, as scenario_yaml gives it).
  bool scenario_text = true;
};

// Simulated days in the whole ensemble: the denominator of a progress bar.
std::size_t ensemble_days(const Scenario& s);

// With uncertain parameters, each replicate draws its values from (seed, replicate) and runs its
// own scenario; a replicate whose draw is out of range is recorded in the result's draws as
// failed, with NaN series, and the others run.
// Runs every replicate and returns the series with `meta` filled in (seed, replicates,
// versions, resolved scenario text). The caller supplies the command line and creation time.
RunResult run_ensemble(const Scenario& s, const EnsembleOptions& options, RunMetadata meta);

}  // namespace airace
