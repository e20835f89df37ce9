#pragma once
// A sweep file (docs/sweeps.md) validated into a frozen plan: the base scenario, the parameters
// varied (by the key paths `--set` accepts), the design expanded into points, the replicates,
// the seed and the outcome metrics. Every problem in the file is reported at once, each at its
// line and column, as for scenarios; nothing runs until the plan is whole.
//
// Runs are numbered run = point * replicates + replicate. Run (p, r) is replicate r of the base
// scenario with point p's overrides and run.seed = the sweep's seed: replicate r draws the same
// random numbers at every point (common random numbers), so differences between points come
// from the parameters, and a run's result depends on nothing but (p, r).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/config_tree.hpp"
#include "sim/core/series.hpp"
#include "sim/model/scenario.hpp"
#include "sim/sweep/design.hpp"

namespace airace {

enum class DesignType { grid, latin_hypercube, sobol, saltelli, morris };
std::string design_type_name(DesignType t);

struct SweepParameter {
  std::string key;       // a --set path, e.g. labs.deepseek.efficiency_growth_per_year
  std::string unit;      // from the scenario schema; "" when it has none
  bool integer = false;  // an integer parameter: design values are rounded
  bool has_range = false;
  double low = 0.0;
  double high = 0.0;
  bool log_scale = false;
  std::vector<double> values;  // when given instead of a range
  SourceLocation where;
};

enum class MetricKind { value_at, max_drawdown, first_crossing, mean };
std::string metric_kind_name(MetricKind k);

struct SweepMetric {
  std::string name;
  std::string series;                                       // "group/name"
  std::vector<std::pair<std::string, std::string>> entity;  // axis name -> id
  MetricKind kind = MetricKind::value_at;
  Date at;    // value_at
  Date from;  // window of max_drawdown, first_crossing, mean
  Date to;
  double threshold = 0.0;  // first_crossing
  bool upward = true;      // first_crossing: crossing from below (true) or from above
  bool relative = true;    // max_drawdown: as a fraction of the peak (true) or in series units
  SourceLocation where;

  // Resolved against the base scenario's catalog.
  SeriesId series_id = kNoSeries;
  std::size_t entity_index = 0;
  std::string units;
  std::string description;
};

struct SweepPlan {
  std::string file;  // the sweep file, as named
  std::string text;  // its text, stored in every output
  std::string hash;  // 16 hex digits over the sweep text and the resolved base scenario
  std::string name;
  std::string description;
  std::filesystem::path base_file;  // the base scenario, resolved against the sweep file
  // Every file read: the sweep file (when loaded from one), the base scenario and its extends:
  // chain. An output path must be none of them.
  std::vector<std::filesystem::path> files_read;
  ConfigNode base_tree;             // after extends
  Scenario base;                    // loaded once: metrics and kept series are resolved on it
  DesignType design = DesignType::latin_hypercube;
  std::size_t base_rows = 0;  // saltelli: N
  bool second_order = false;  // saltelli: with the B_A^(i) blocks, N(2k + 2) points
  std::size_t trajectories = 0;  // morris: r
  std::size_t levels = 0;        // grid over ranges, morris: p
  uint64_t seed = 1;
  std::size_t replicates = 1;
  std::vector<SweepParameter> parameters;
  std::vector<SweepMetric> metrics;
  std::vector<std::string> keep_series;  // "group/name"
  std::vector<SeriesId> keep_series_ids;
  SeriesCatalog base_catalog;
  DesignMatrix values;  // [points, parameters], in each parameter's unit

  std::size_t points() const { return static_cast<std::size_t>(values.rows()); }
  std::size_t runs() const { return points() * replicates; }
};

// The design as `airace check` and `airace sweep` name it: "saltelli", "saltelli (second
// order)", "morris (r = 6 trajectories, p = 4 levels)".
std::string design_label(const SweepPlan& plan);

// Whether a YAML text is meant as a sweep file rather than a scenario: its top level is a
// mapping with a `sweep:` section, or holds only sections of a sweep file (design, parameters,
// metrics, keep_series), which no scenario has. Malformed YAML is not a sweep (the scenario
// loader reports it). `airace check` decides with it how to validate a file.
bool is_sweep_text(const std::string& text, const std::string& file_name);

// Loads and validates; throws InputError listing every problem.
SweepPlan load_sweep(const std::filesystem::path& file);
// The same from text held in memory, read as if it were the file `file`: named in messages, and
// sweep.base is resolved relative to its folder.
SweepPlan load_sweep_text(const std::string& text, const std::filesystem::path& file);

// The --set overrides of a point (its parameter values, then run.seed).
std::vector<std::string> point_overrides(const SweepPlan& plan, std::size_t point);

// The value of one metric from a run's recorded series (docs/sweeps.md §Metrics). NaN when the
// series has no value in the window (or, for first_crossing, never crosses).
double metric_value(const SweepMetric& m, const SeriesCatalog& catalog, const SeriesBuffer& run,
                    Date scenario_start);

}  // namespace airace
