#pragma once
// Series recording: named time series with units and a description, per entity or per
// indicator, each on its cadence's time axis, buffered in memory for the run; and event tables,
// a variable number of rows per replicate for things that happen at a date (a model release).
//
// A SeriesCatalog describes the layout once per run (shared by all replicates); each replicate
// fills its own SeriesBuffer, so replicates never share mutable state. output/ writes a
// RunResult (catalog + time axes + all buffers + metadata) without knowing any actor.

#include <cstddef>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
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
  // Entity `index`'s value of the text attribute `attribute` (a display name such as
  // "lab_name"); its id when the axis has no such text attribute.
  const std::string& text(std::size_t index, std::string_view attribute) const {
    for (const EntityAttribute& a : attributes) {
      const auto* values = std::get_if<std::vector<std::string>>(&a.values);
      if (a.name == attribute && values != nullptr && index < values->size())
        return (*values)[index];
    }
    return ids[index];
  }
  // Entity `index`'s value of the number attribute `attribute`; NaN when the axis has none.
  double number(std::size_t index, std::string_view attribute) const {
    for (const EntityAttribute& a : attributes) {
      const auto* values = std::get_if<std::vector<double>>(&a.values);
      if (a.name == attribute && values != nullptr && index < values->size())
        return (*values)[index];
    }
    return std::numeric_limits<double>::quiet_NaN();
  }
};

struct TimeAxis {
  Cadence cadence;
  std::vector<Date> dates;
};

using AxisId = std::size_t;
using SeriesId = std::size_t;
inline constexpr SeriesId kNoSeries = std::numeric_limits<SeriesId>::max();
using EventTableId = std::size_t;
inline constexpr EventTableId kNoEventTable = std::numeric_limits<EventTableId>::max();

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

// One column of an event table. Every value is held as a double in the buffer:
//   number  the value itself, in `units` (NaN allowed);
//   date    days since 1970-01-01 (Date::days_since_epoch), a whole number; `units` stays empty
//           (the file states "days since 1970-01-01");
//   entity  an index into the ids of entity axis `axis`; `units` stays empty;
//   flag    0 or 1 (open or closed weights); `units` may stay empty.
struct EventColumn {
  enum class Kind { number, date, entity, flag };
  std::string name;
  std::string units;
  std::string description;
  Kind kind = Kind::number;
  AxisId axis = 0;  // entity columns only: the axis whose ids the column indexes
};

std::string_view event_kind_name(EventColumn::Kind k);  // "number", "date", "entity", "flag"

// Discrete events, a variable number per replicate: e.g. group "releases", name "release" (the
// name of the row dimension in the file), columns lab, date, capability, open.
struct EventTableSpec {
  std::string group;
  std::string name;
  std::string description;
  std::vector<EventColumn> columns;
  // The index of the column named `column_name`; columns.size() when there is none.
  std::size_t column(const std::string& column_name) const {
    for (std::size_t c = 0; c < columns.size(); ++c)
      if (columns[c].name == column_name) return c;
    return columns.size();
  }
};

// The names an event table takes in its group: the row dimension <name>, <name>_replicate, each
// column, and <column>_iso for each date column.
std::vector<std::string> event_table_dataset_names(const EventTableSpec& spec);

// The layout of a run's output. Built once by the model, before any replicate runs.
class SeriesCatalog {
 public:
  // Throws std::logic_error on a duplicate name within a group: a programming error. An event
  // table takes every name event_table_dataset_names lists; it needs at least one column, units
  // on number columns, none on date and entity columns, and an existing axis for entity columns.
  AxisId add_axis(EntityAxis axis);
  SeriesId add_series(SeriesSpec spec);
  EventTableId add_event_table(EventTableSpec spec);
  void set_time_axis(TimeAxis axis);

  const std::vector<EntityAxis>& axes() const { return axes_; }
  const std::vector<SeriesSpec>& series() const { return series_; }
  const std::vector<EventTableSpec>& event_tables() const { return event_tables_; }
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
  // Finds an event table by group and name; kNoEventTable when absent.
  EventTableId find_event_table(std::string_view group, std::string_view name) const;

 private:
  void check_name_free(const std::string& group, const std::string& name) const;
  std::vector<EntityAxis> axes_;
  std::vector<SeriesSpec> series_;
  std::vector<EventTableSpec> event_tables_;
  std::vector<TimeAxis> time_axes_;
};

// One replicate's recorded values: for each series a [time][entity] array, NaN until set; for
// each event table its rows in the order recorded, none at first.
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

  // Appends one event: a value per column, in the table's column order (see EventColumn for
  // what each kind holds). Throws std::logic_error when the row has the wrong width and
  // std::out_of_range for a table the buffer does not hold.
  void add_event(EventTableId t, std::span<const double> row);
  void add_event(EventTableId t, std::initializer_list<double> row) {
    add_event(t, std::span<const double>(row.begin(), row.size()));
  }
  std::size_t event_count(EventTableId t) const { return events_.at(t).size() / columns_.at(t); }
  // All events of table t, [row][column] row-major. Throws std::out_of_range like values().
  std::span<const double> events(EventTableId t) const { return events_.at(t); }
  std::size_t event_table_count() const { return events_.size(); }
  std::size_t event_columns(EventTableId t) const { return columns_.at(t); }

 private:
  std::vector<std::vector<double>> data_;
  std::vector<std::size_t> width_;
  std::vector<std::vector<double>> events_;
  std::vector<std::size_t> columns_;  // per event table
};

// Everything a run writes: what output/ needs, nothing about actors.
struct RunMetadata {
  std::string program_version;
  std::string git_revision;
  std::string scenario_name;
  std::string scenario_file;
  std::string resolved_scenario_yaml;  // the fully resolved scenario, as YAML text
  std::string decisions_csv;  // seminar teams' decisions (decision_log_csv), "" when none
  std::string command_line;
  std::string created_utc;  // ISO 8601, e.g. "2026-11-23T07:10:00Z"
  unsigned long long seed = 0;
  std::size_t replicates = 0;
};

// The values each replicate drew for the scenario's uncertain parameters, and the replicates
// that failed (a draw outside its parameter's range): their series stay NaN.
struct ReplicateDraws {
  std::vector<std::string> parameters;     // key paths, e.g. labs.cn_lab.talent
  std::vector<std::string> units;          // one per parameter; "" when it has none
  std::vector<std::string> distributions;  // one per parameter, e.g. "uniform(low=1, high=2)"
  std::vector<double> values;              // [replicate][parameter]
  std::vector<std::string> failures;       // one per replicate: why it failed, "" when it ran

  bool empty() const { return parameters.empty(); }
  std::size_t failed() const {
    std::size_t n = 0;
    for (const std::string& f : failures) n += f.empty() ? 0 : 1;
    return n;
  }
};

struct RunResult {
  RunMetadata meta;
  SeriesCatalog catalog;
  std::vector<SeriesBuffer> replicates;  // one per replicate, in replicate order
  ReplicateDraws draws;                  // empty when no parameter is uncertain
};

// Part of a run's series, for a smaller file (`airace run --groups/--series`): every series and
// event table of `groups`, and the series named "group/name" in `series`. Entity axes, time
// axes and the draws of uncertain parameters are always kept. Empty: everything.
struct SeriesSelection {
  std::vector<std::string> groups;
  std::vector<std::string> series;
  bool empty() const { return groups.empty() && series.empty(); }
  bool keeps(const SeriesSpec& s) const;
  bool keeps(const EventTableSpec& t) const;
};

// `result` with only the series and event tables `keep` selects (the same values, in the
// catalog's order); each replicate's full buffer is freed once copied.
RunResult select_series(RunResult result, const SeriesSelection& keep);

}  // namespace airace
