#pragma once
// Reads run files written by write_run_file (layout in output/h5_writer.hpp): for tests and for
// commands that compare or merge runs. Each call opens the file, reads and closes it again.
//
// A missing, unreadable, truncated or non-airace file raises InputError naming the file and what
// is wrong; HDF5's own error stack is never printed.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/series.hpp"

namespace airace {

// One series as stored: values row-major over `shape`: [replicate, time], then one dimension
// per entity axis ([replicate, time, lab], [replicate, time, lab, chip]).
struct StoredSeries {
  std::string group;
  std::string name;
  std::string units;
  std::string description;
  std::string cadence;                  // e.g. "monthly": read its dates with read_time_axis
  std::vector<std::string> dimensions;  // the dimension labels: "replicate", "time", "lab", ...
  std::vector<std::size_t> shape;
  std::vector<double> values;
  std::vector<std::vector<std::string>> entity_ids;  // the ids of each entity axis, in order
};

struct RunFile {
  RunMetadata meta;                       // meta.resolved_scenario_yaml holds /meta/scenario_yaml
  std::vector<std::string> series_paths;  // "group/name" of every series, in file order
  std::vector<std::string> cadences;      // the time axes under /time
};

RunFile open_run_file(const std::filesystem::path& path);

// `series_path` is "group/name", e.g. "indicators/us_cn_gap_months".
StoredSeries read_series(const std::filesystem::path& path, std::string_view series_path);

// The ISO dates ("YYYY-MM-DD") of the time axis of a cadence, e.g. "monthly".
std::vector<std::string> read_time_axis(const std::filesystem::path& path,
                                        std::string_view cadence);

}  // namespace airace
