#include "sim/core/series.hpp"

#include <cmath>
#include <stdexcept>

namespace airace {

void SeriesCatalog::check_name_free(const std::string& group, const std::string& name) const {
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

SeriesBuffer::SeriesBuffer(const SeriesCatalog& catalog) {
  for (const SeriesSpec& s : catalog.series()) {
    const std::size_t w = catalog.entity_count(s);
    width_.push_back(w);
    data_.emplace_back(catalog.time_count(s) * w, std::nan(""));
  }
}

}  // namespace airace
