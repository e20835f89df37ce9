#pragma once
// Sweep results: the final HDF5 file of a sweep, the part file of one shard (same layout; the
// runs of other shards are "not run"), and the batch files a running sweep commits so that it
// can be resumed. Knows runs and numbers, not actors. Layout (P points, K parameters,
// R replicates; run = point * R + replicate):
//
//   /meta                  attrs sweep_name, sweep_file, sweep_hash, program_version,
//                          git_revision, base_scenario_file, design, command_line, created_utc
//                          (strings); seed, points, replicates, base_rows, second_order,
//                          trajectories, levels, shard_index, shard_count (uint64);
//                          layout_version (int32, = 1). second_order, trajectories and levels
//                          (a Morris design's r and p) are absent from files written before
//                          them, read as 0
//   /meta/sweep_yaml       the sweep file's text;  /meta/base_scenario_yaml  the base, resolved
//   /meta                  attr checksum_covers (string array): "attr:sweep_name", ...
//                          "attr:layout_version" (each attr above, in that order),
//                          "dataset:sweep_yaml", "dataset:base_scenario_yaml"; attr
//                          checksum_sha256 (string): lower-case hex SHA-256 of, for each covered
//                          item in order, its name "\n" the decimal byte length of its value "\n"
//                          the value's bytes "\n" (text as UTF-8, an integer as its decimal text,
//                          a string array as its items joined by "\n"). Not covered: everything
//                          outside /meta, so /sensitivity, added later, leaves it valid. A file
//                          with neither attr (written before) is read unchecked
//   /design                [P, K] float64, the parameter values; attr parameters, units
//   /parameter             [K] names (dimension scale of /design's second axis)
//   /point, /replicate     [P], [R] int64 dimension scales
//   /runs/status           [P, R] int8: 0 not run (a part file: another shard's run), 1 ok,
//                          2 failed; /runs/reason [P, R] strings ("" unless failed)
//   /metrics/<name>        [P, R] float64, NaN for failed runs; attrs units, description, kind,
//                          series
//   /series/<group>/<name> [P, R, T, E...] float64, kept series; attrs units, description,
//                          cadence, dimensions; /series/time_<cadence> [T] ISO dates
//   /sensitivity/<metric>  (after `airace analyse`) of a saltelli design: first_order,
//                          first_order_low/high, total, total_low/high [K]; attrs confidence,
//                          resamples, outcome_variance, method "sobol"; of a second-order one
//                          also second_order, second_order_low/high [K, K] (parameter,
//                          other_parameter), symmetric, NaN on the diagonal. Of a morris design:
//                          mu_star, mu_star_low/high, mu, sigma [K]; attrs confidence,
//                          resamples, method "morris", levels, trajectories
//
// Every dimension of every dataset has a dimension scale, so that netCDF readers (h5netcdf and
// netCDF-C, hence xarray) open every group as it is. They see a scale in the variable's own group
// or an ancestor: /point, /replicate and /parameter serve every group (/sensitivity's indices
// have /parameter attached). /series/time_<cadence> is a scale; as in run files
// (output/h5_writer.hpp) each /series/<group> also carries its own coordinates, attached last
// (the one netCDF readers take), the canonical scale first:
//
//   /series/<group>/time_<cadence> [T]  int64 days since 1970-01-01 with CF attrs units and
//                                       calendar (xarray decodes datetime64); attr canonical_axis
//   /series/<group>/<axis>         [E]  the ids of an entity axis of a kept series (e.g.
//                                       country), dimension scale
//
// Readers of the kept series skip the datasets of /series/<group> that are dimension scales.
//
// HDF5 is called from the calling thread only.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "output/replace_file.hpp"

namespace airace {

enum class RunStatus : int8_t { not_run = 0, ok = 1, failed = 2 };

struct SweepMeta {
  std::string sweep_name;
  std::string sweep_file;
  std::string sweep_yaml;
  std::string sweep_hash;
  std::string program_version;
  std::string git_revision;
  std::string base_scenario_file;
  std::string base_scenario_yaml;
  std::string design;
  std::string command_line;
  std::string created_utc;
  uint64_t seed = 0;
  uint64_t base_rows = 0;  // saltelli N; 0 for other designs
  uint64_t second_order = 0;  // saltelli: 1 when the design has the B_A^(i) blocks
  uint64_t trajectories = 0;  // morris r; 0 for other designs
  uint64_t levels = 0;        // morris p; 0 for other designs
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;  // 1: a whole sweep; more: a part file
};

struct SweepMetricInfo {
  std::string name;
  std::string units;
  std::string description;
  std::string kind;
  std::string series;
};

struct SweepSeriesInfo {
  std::string group;
  std::string name;
  std::string units;
  std::string description;
  std::string cadence;
  std::vector<std::string> dates;       // ISO
  std::vector<std::string> dimensions;  // after point, replicate, time: entity axis names
  std::vector<std::size_t> entity_shape;
  // The ids of each entity axis, in the order of `dimensions`; empty when a file written before
  // they were stored is read (its axes are then written as numbers 0..E-1).
  std::vector<std::vector<std::string>> entity_ids;
  std::size_t values_per_run = 0;  // dates x entities
};

struct SweepTable {
  SweepMeta meta;
  std::size_t points = 0;
  std::size_t replicates = 0;
  std::vector<std::string> parameters;
  std::vector<std::string> parameter_units;
  std::vector<double> design;  // [point][parameter]
  std::vector<SweepMetricInfo> metrics;
  std::vector<SweepSeriesInfo> series;
  std::vector<RunStatus> status;                   // [run]
  std::vector<std::string> reason;                 // [run]
  std::vector<std::vector<double>> metric_values;  // [metric][run]
  std::vector<std::vector<double>> series_values;  // [series][run * values_per_run]

  std::size_t runs() const { return points * replicates; }
  // Sizes every per-run array for points x replicates runs, all not run (NaN values).
  void allocate();
};

// The indices of one metric, as named [K] datasets (first_order, mu_star, ...) and [K, K] ones
// (second_order, ...), with number attributes (outcome_variance, ...) and the method's name.
struct SensitivityRecord {
  std::string metric;
  std::string method;                                                      // "sobol" or "morris"
  std::vector<std::pair<std::string, std::vector<double>>> per_parameter;  // [K] each
  std::vector<std::pair<std::string, std::vector<double>>> per_pair;       // [K * K] each
  std::vector<std::pair<std::string, double>> numbers;
};

// Writes `table` into the temporary file of `out` (the caller commits it). Throws OutputError.
void write_sweep_file(FileReplacement& out, const SweepTable& table);
// Writes by a FileReplacement (output/replace_file.hpp): the old file stays until the new one is
// complete on disk. Throws OutputError, or InputError for a path the rules refuse.
void write_sweep_file(const std::filesystem::path& path, const SweepTable& table,
                      const OutputRules& rules = {});
// Throws InputError naming the file when it is missing or not a sweep file, or when its /meta
// no longer matches its checksum_sha256 ("the file is damaged: ...").
SweepTable read_sweep_file(const std::filesystem::path& path);
// Adds (or replaces) /sensitivity in a sweep file, by a FileReplacement of it.
void write_sensitivity(const std::filesystem::path& path, const std::vector<SensitivityRecord>& r,
                       double confidence, std::size_t resamples, const OutputRules& rules = {});

// ---- Batches of finished runs, for resuming --------------------------------------------------
//
// A directory holds an identity file, STAMP ("<sweep hash> <program version>"), and batch files
// batch-<n>.bin. A batch is written to a temporary name, flushed to disk and renamed; it ends in
// a checksum of everything before it, so a torn or truncated batch is recognised and dropped
// (its runs are done again).

struct RunRecord {
  uint64_t run = 0;
  RunStatus status = RunStatus::ok;
  std::string reason;
  std::vector<double> values;  // the metrics, then each kept series' values
};

class BatchStore {
 public:
  // Creates the directory and stamp, or checks an existing stamp; a different stamp is an
  // InputError (the directory belongs to another sweep definition or program version).
  BatchStore(std::filesystem::path dir, const std::string& stamp);
  // Every record of every sound batch, in no particular order. Temporaries of batches that were
  // never renamed (they saved no run) are removed. Damaged batches are removed, and
  // their names appended to `dropped`.
  std::vector<RunRecord> load(std::vector<std::string>& dropped) const;
  // Commits one batch; returns its file name.
  std::string commit(const std::vector<RunRecord>& records);
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::size_t next_ = 1;
};

}  // namespace airace
