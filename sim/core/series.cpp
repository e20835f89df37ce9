#include "sim/core/series.hpp"

#include <cmath>
#include <stdexcept>

namespace airace {

std::string_view event_kind_name(EventColumn::Kind k) {
  switch (k) {
    case EventColumn::Kind::number: return "number";
    case EventColumn::Kind::date: return "date";
    case EventColumn::Kind::entity: return "entity";
    case EventColumn::Kind::flag: return "flag";
  }
  return "?";
}

std::vector<std::string> event_table_dataset_names(const EventTableSpec& spec) {
  std::vector<std::string> names = {spec.name, spec.name + "_replicate"};
  for (const EventColumn& c : spec.columns) {
    names.push_back(c.name);
    if (c.kind == EventColumn::Kind::date) names.push_back(c.name + "_iso");
  }
  return names;
}

void SeriesCatalog::check_name_free(const std::string& group, const std::string& name) const {
  for (const EventTableSpec& t : event_tables_) {
    if (t.group != group) continue;
    for (const std::string& taken : event_table_dataset_names(t))
      if (taken == name)
        throw std::logic_error("duplicate dataset " + group + "/" + name + " (event table " +
                               t.name + " uses it)");
  }
  for (const EntityAxis& a : axes_) {
    if (a.group != group) continue;
    if (a.name == name) throw std::logic_error("duplicate dataset " + group + "/" + name);
    for (const EntityAttribute& attr : a.attributes)
      if (attr.name == name) throw std::logic_error("duplicate dataset " + group + "/" + name);
  }
  for (const SeriesSpec& s : series_)
    if (s.group == group && s.name == name)
      throw std::logic_error("duplicate dataset " + group + "/" + name);
}

AxisId SeriesCatalog::add_axis(EntityAxis axis) {
  check_name_free(axis.group, axis.name);
  for (const EntityAttribute& attr : axis.attributes) {
    check_name_free(axis.group, attr.name);
    const std::size_t n = std::visit([](const auto& v) { return v.size(); }, attr.values);
    if (n != axis.ids.size())
      throw std::logic_error("attribute " + attr.name + " has " + std::to_string(n) +
                             " values for " + std::to_string(axis.ids.size()) + " entities");
  }
  axes_.push_back(std::move(axis));
  return axes_.size() - 1;
}

SeriesId SeriesCatalog::add_series(SeriesSpec spec) {
  check_name_free(spec.group, spec.name);
  for (std::size_t k = 0; k < spec.entity_axes.size(); ++k) {
    if (spec.entity_axes[k] >= axes_.size())
      throw std::logic_error("series " + spec.name + " names an unknown entity axis");
    for (std::size_t j = 0; j < k; ++j)
      if (spec.entity_axes[j] == spec.entity_axes[k])
        throw std::logic_error("series " + spec.name + " names an entity axis twice");
  }
  if (spec.units.empty()) throw std::logic_error("series " + spec.name + " has no units");
  series_.push_back(std::move(spec));
  return series_.size() - 1;
}

EventTableId SeriesCatalog::add_event_table(EventTableSpec spec) {
  const std::string where = "event table " + spec.group + "/" + spec.name;
  if (spec.columns.empty()) throw std::logic_error(where + " has no columns");
  const std::vector<std::string> names = event_table_dataset_names(spec);
  for (std::size_t k = 0; k < names.size(); ++k) {
    for (std::size_t j = 0; j < k; ++j)
      if (names[j] == names[k])
        throw std::logic_error(where + " uses the name " + names[k] + " twice");
    check_name_free(spec.group, names[k]);
  }
  for (const EventColumn& c : spec.columns) {
    const std::string column = where + " column " + c.name;
    switch (c.kind) {
      case EventColumn::Kind::number:
        if (c.units.empty()) throw std::logic_error(column + " has no units");
        break;
      case EventColumn::Kind::date:
        if (!c.units.empty())
          throw std::logic_error(column +
                                 " is a date: its units are days since 1970-01-01, "
                                 "set by the file layout; leave them empty");
        break;
      case EventColumn::Kind::entity:
        if (c.axis >= axes_.size())
          throw std::logic_error(column + " names an unknown entity axis");
        if (!c.units.empty()) throw std::logic_error(column + " holds entity ids: no units");
        break;
      case EventColumn::Kind::flag: break;
    }
  }
  event_tables_.push_back(std::move(spec));
  return event_tables_.size() - 1;
}

void SeriesCatalog::set_time_axis(TimeAxis axis) {
  for (TimeAxis& t : time_axes_)
    if (t.cadence == axis.cadence) {
      t = std::move(axis);
      return;
    }
  time_axes_.push_back(std::move(axis));
}

const TimeAxis& SeriesCatalog::time_axis(Cadence c) const {
  for (const TimeAxis& t : time_axes_)
    if (t.cadence == c) return t;
  throw std::out_of_range("no time axis for cadence " + std::string(cadence_name(c)));
}

bool SeriesCatalog::has_time_axis(Cadence c) const {
  for (const TimeAxis& t : time_axes_)
    if (t.cadence == c) return true;
  return false;
}

std::string SeriesCatalog::entity_label(const SeriesSpec& s, std::size_t entity) const {
  std::string label;
  for (std::size_t k = s.entity_axes.size(); k-- > 0;) {
    const std::vector<std::string>& ids = axes_.at(s.entity_axes[k]).ids;
    const std::string id = ids.at(entity % ids.size());
    entity /= ids.size();
    label = label.empty() ? id : id + "/" + label;
  }
  return label;
}

SeriesId SeriesCatalog::find(std::string_view group, std::string_view name) const {
  for (std::size_t i = 0; i < series_.size(); ++i)
    if (series_[i].group == group && series_[i].name == name) return i;
  return kNoSeries;
}

EventTableId SeriesCatalog::find_event_table(std::string_view group, std::string_view name) const {
  for (std::size_t i = 0; i < event_tables_.size(); ++i)
    if (event_tables_[i].group == group && event_tables_[i].name == name) return i;
  return kNoEventTable;
}

SeriesBuffer::SeriesBuffer(const SeriesCatalog& catalog) {
  for (const SeriesSpec& s : catalog.series()) {
    const std::size_t w = catalog.entity_count(s);
    width_.push_back(w);
    data_.emplace_back(catalog.time_count(s) * w, std::nan(""));
  }
  for (const EventTableSpec& t : catalog.event_tables()) {
    columns_.push_back(t.columns.size());
    events_.emplace_back();
  }
}

void SeriesBuffer::add_event(EventTableId t, std::span<const double> row) {
  std::vector<double>& rows = events_.at(t);
  if (row.size() != columns_[t])
    throw std::logic_error("an event of table " + std::to_string(t) + " has " +
                           std::to_string(row.size()) + " values for " +
                           std::to_string(columns_[t]) + " columns");
  rows.insert(rows.end(), row.begin(), row.end());
}

bool SeriesSelection::keeps(const SeriesSpec& s) const {
  if (empty()) return true;
  for (const std::string& g : groups)
    if (g == s.group) return true;
  for (const std::string& path : series)
    if (path.size() == s.group.size() + 1 + s.name.size() && path.starts_with(s.group) &&
        path[s.group.size()] == '/' && path.ends_with(s.name))
      return true;
  return false;
}

bool SeriesSelection::keeps(const EventTableSpec& t) const {
  if (empty()) return true;
  for (const std::string& g : groups)
    if (g == t.group) return true;
  return false;
}

RunResult select_series(RunResult result, const SeriesSelection& keep) {
  if (keep.empty()) return result;
  const SeriesCatalog& full = result.catalog;
  SeriesCatalog kept;
  for (const EntityAxis& a : full.axes()) kept.add_axis(a);  // same ids: AxisIds stay valid
  for (const TimeAxis& t : full.time_axes()) kept.set_time_axis(t);
  std::vector<SeriesId> series_from;
  for (SeriesId s = 0; s < full.series().size(); ++s)
    if (keep.keeps(full.series()[s])) {
      kept.add_series(full.series()[s]);
      series_from.push_back(s);
    }
  std::vector<EventTableId> tables_from;
  for (EventTableId t = 0; t < full.event_tables().size(); ++t)
    if (keep.keeps(full.event_tables()[t])) {
      kept.add_event_table(full.event_tables()[t]);
      tables_from.push_back(t);
    }
  RunResult out;
  out.meta = std::move(result.meta);
  out.draws = std::move(result.draws);
  for (SeriesBuffer& buffer : result.replicates) {
    SeriesBuffer copy(kept);
    for (SeriesId s = 0; s < series_from.size(); ++s) {
      const SeriesSpec& spec = kept.series()[s];
      const std::size_t width = kept.entity_count(spec);
      const std::span<const double> values = buffer.values(series_from[s]);
      for (std::size_t i = 0; i < values.size(); ++i) copy.set(s, i / width, i % width, values[i]);
    }
    for (EventTableId t = 0; t < tables_from.size(); ++t) {
      const std::span<const double> rows = buffer.events(tables_from[t]);
      const std::size_t columns = buffer.event_columns(tables_from[t]);
      for (std::size_t r = 0; r + columns <= rows.size(); r += columns)
        copy.add_event(t, rows.subspan(r, columns));
    }
    out.replicates.push_back(std::move(copy));
    buffer = SeriesBuffer();
  }
  out.catalog = std::move(kept);
  return out;
}

}  // namespace airace
