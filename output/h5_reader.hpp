#pragma once
// Reads run files written by write_run_file (layout in output/h5_writer.hpp): for tests and for
// commands that compare or merge runs. Each call opens the file, reads and closes it again.
//
// A missing, unreadable, truncated or non-airace file raises InputError naming the file and what
// is wrong; HDF5's own error stack is never printed. So does a file whose /meta no longer
// matches its checksum_sha256 (every call checks it): "the file is damaged: ...".

#include <cstddef>
#include <cstdint>
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

// One column of an event table as stored, a value per row.
struct StoredEventColumn {
  std::string name;
  EventColumn::Kind kind = EventColumn::Kind::number;
  std::string units;  // "days since 1970-01-01" for dates, "" for entity ids
  std::string description;
  // number and flag: the values; date: days since 1970-01-01; entity: empty.
  std::vector<double> numbers;
  // entity: the ids ("deepseek"); date: the ISO dates ("2025-01-20"); number and flag: empty.
  std::vector<std::string> texts;
};

// One event table as stored: the rows of every replicate, replicate by replicate, each in the
// order the model recorded them.
struct StoredEvents {
  std::string group;
  std::string name;  // the row dimension, e.g. "release"
  std::string description;
  std::vector<std::int64_t> replicate;  // the replicate of each row
  std::vector<StoredEventColumn> columns;

  std::size_t rows() const { return replicate.size(); }
  // The column of that name; throws std::out_of_range when there is none.
  const StoredEventColumn& column(std::string_view column_name) const;
};

struct RunFile {
  RunMetadata meta;                       // meta.resolved_scenario_yaml holds /meta/scenario_yaml
  std::vector<std::string> series_paths;  // "group/name" of every series, in file order
  std::vector<std::string> cadences;      // the time axes under /time
  std::vector<std::string> event_tables;  // "group/name" of every event table, in file order
};

RunFile open_run_file(const std::filesystem::path& path);

// Turns HDF5's own error printing off for the rest of the process (the readers and writers
// turn it off only while they work). For programs, at start: HDF5 1.10 keeps the internal
// state of a file whose metadata it found damaged (a bad checksum, an address past the end)
// after the failed call has returned, and when the library shuts down at exit it prints
// "HDF5: infinite loop closing library" about it unless its printing is off. Every HDF5
// failure already becomes an InputError or OutputError that names the file and says why.
// Also turns off HDF5's clean-up at exit (it crashes there after a failed close on a full disk):
// call it first, before any other HDF5 call.
void silence_hdf5_errors();

// The path of the HDF5 file a reader of this library (run files, sweep files) is reading at
// this moment, or null. Safe to call from a signal handler: HDF5 1.10 crashes (SIGSEGV) on some
// damaged files instead of returning an error, and a program can then still say which file.
const char* file_being_read();

// Whether the reader has been inside HDF5 reading variable-length text for longer than any
// intact file needs (3 s plus 20 us a string): HDF5 1.10 loops for ever on some damaged global
// heaps instead of returning an error. A program can watch this from another thread and report
// file_being_read() as damaged. Safe to call from any thread.
bool text_read_overdue();

// `series_path` is "group/name", e.g. "indicators/us_cn_gap_months".
StoredSeries read_series(const std::filesystem::path& path, std::string_view series_path);

// The event table `name` of `group`, e.g. ("releases", "release").
StoredEvents read_events(const std::filesystem::path& path, std::string_view group,
                         std::string_view name);

// The values each replicate drew for the run's uncertain parameters (/uncertainty); empty when
// the run had none.
struct ParameterDraws {
  std::vector<std::string> parameters;  // --set paths, e.g. lab_model.scarcity_elasticity
  std::size_t replicates = 0;
  std::vector<double> values;  // [replicate * parameters.size() + parameter]
  double value(std::size_t replicate, std::size_t parameter) const {
    return values[replicate * parameters.size() + parameter];
  }
};
ParameterDraws read_parameter_draws(const std::filesystem::path& path);

// The ISO dates ("YYYY-MM-DD") of the time axis of a cadence, e.g. "monthly".
std::vector<std::string> read_time_axis(const std::filesystem::path& path,
                                        std::string_view cadence);

}  // namespace airace
