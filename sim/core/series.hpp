#pragma once
// Series recording: named time series with units and a description, per entity or per
// indicator, each on its cadence's time axis, buffered in memory for the run.
//
// A SeriesCatalog describes the layout once per run (shared by all replicates); each replicate
// fills its own SeriesBuffer, so replicates never share mutable state. output/ writes a
// RunResult (catalog + time axes + all buffers + metadata) without knowing any actor.

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "sim/core/calendar.hpp"

namespace airace {

// A static attribute of each entity of an axis (a chip's throughput, a lab's country).
struct EntityAttribute {
  std::string name;
  std::string units;  // "" for text attributes
  std::string description;
  std::variant<std::vector<std::string>, std::vector<double>> values;
};

// The entities of one actor kind or category: labs, chips, countries. Written as
// /<group>/<name> (the ids, a dimension scale) and /<group>/<attribute> for each attribute.
struct EntityAxis {
  std::string group;  // HDF5 group, e.g. "labs"
  std::string name;   // dimension name, e.g. "lab"
  std::string description;
  std::vector<std::string> ids;
  std::vector<EntityAttribute> attributes;
};

struct TimeAxis {
  Cadence cadence;
  std::vector<Date> dates;
};

using AxisId = std::size_t;
using SeriesId = std::size_t;
inline constexpr SeriesId kNoSeries = std::numeric_limits<SeriesId>::max();

struct SeriesSpec {
  std::string group;  // "labs", "indicators", ...
  std::string name;   // dataset name inside the group
  std::string units;
  std::string description;
  Cadence cadence = Cadence::monthly;
  // None: one value per time. One axis: a value per entity. Several: a value per combination,
  // the last axis varying fastest (e.g. {lab, chip} for chips installed by lab and chip type).
  std::vector<AxisId> entity_axes = {};
};

// The layout of a run's output. Built once by the model, before any replicate runs.
class SeriesCatalog {
 public:
  // Throws std::logic_error on a duplicate name within a group: a programming error.
  AxisId add_axis(EntityAxis axis);
  SeriesId add_series(SeriesSpec spec);
  void set_time_axis(TimeAxis axis);

  const std::vector<EntityAxis>& axes() const { return axes_; }
  const std::vector<SeriesSpec>& series() const { return series_; }
  const std::vector<TimeAxis>& time_axes() const { return time_axes_; }
  const TimeAxis& time_axis(Cadence c) const;  // throws std::out_of_range when absent
  bool has_time_axis(Cadence c) const;

  // Values per time step: the product of the sizes of the entity axes (1 for none).
  std::size_t entity_count(const SeriesSpec& s) const {
    std::size_t n = 1;
    for (AxisId a : s.entity_axes) n *= axes_.at(a).ids.size();
    return n;
  }
  // "US", or "openai/H100" for a series over several axes; "" for none.
  std::string entity_label(const SeriesSpec& s, std::size_t entity) const;
  std::size_t time_count(const SeriesSpec& s) const { return time_axis(s.cadence).dates.size(); }
  // Finds a series by group and name; kNoSeries when absent.
  SeriesId find(std::string_view group, std::string_view name) const;

 private:
  void check_name_free(const std::string& group, const std::string& name) const;
  std::vector<EntityAxis> axes_;
  std::vector<SeriesSpec> series_;
  std::vector<TimeAxis> time_axes_;
};

// One replicate's recorded values: for each series a [time][entity] array, NaN until set.
class SeriesBuffer {
 public:
  SeriesBuffer() = default;
  explicit SeriesBuffer(const SeriesCatalog& catalog);

  void set(SeriesId s, std::size_t time_index, std::size_t entity, double value) {
    data_[s][time_index * width_[s] + entity] = value;
  }
  void set(SeriesId s, std::size_t time_index, double value) { set(s, time_index, 0, value); }
  double get(SeriesId s, std::size_t time_index, std::size_t entity = 0) const {
    return data_[s][time_index * width_[s] + entity];
  }
  // All values of series s, [time][entity] row-major. Throws std::out_of_range for a series
  // the buffer does not hold (e.g. a default-constructed buffer).
  std::span<const double> values(SeriesId s) const { return data_.at(s); }
  std::size_t series_count() const { return data_.size(); }

 private:
  std::vector<std::vector<double>> data_;
  std::vector<std::size_t> width_;
};

// Everything a run writes: what output/ needs, nothing about actors.
struct RunMetadata {
  std::string program_version;
  std::string git_revision;
  std::string scenario_name;
  std::string scenario_file;
  std::string resolved_scenario_yaml;  // the fully resolved scenario, as YAML text
  std::string command_line;
  std::string created_utc;  // ISO 8601, e.g. "2026-11-23T07:10:00Z"
  unsigned long long seed = 0;
  std::size_t replicates = 0;
};

struct RunResult {
  RunMetadata meta;
  SeriesCatalog catalog;
  std::vector<SeriesBuffer> replicates;  // one per replicate, in replicate order
};

}  // namespace airace
