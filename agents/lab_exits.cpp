#include "agents/lab_exits.hpp"

#include <algorithm>

namespace airace {

std::vector<LabExit> lab_exits(const RunResult& run) {
  const SeriesCatalog& cat = run.catalog;
  const EventTableId table = cat.find_event_table("lab_finance", "event");
  if (table == kNoEventTable) return {};
  const EventTableSpec& spec = cat.event_tables()[table];
  const std::size_t width = spec.columns.size();
  const std::size_t lab_col = spec.column("lab");
  const std::size_t date_col = spec.column("date");
  const std::size_t kind_col = spec.column("kind");
  if (lab_col == width || date_col == width || kind_col == width) return {};
  const EntityAxis& labs = cat.axes()[spec.columns[lab_col].axis];
  const std::vector<std::string>& kinds = cat.axes()[spec.columns[kind_col].axis].ids;
  const auto exit_kind =
      static_cast<double>(std::find(kinds.begin(), kinds.end(), "exit") - kinds.begin());
  if (exit_kind >= static_cast<double>(kinds.size())) return {};

  std::vector<LabExit> per_lab(labs.ids.size());
  for (const SeriesBuffer& b : run.replicates) {
    std::vector<char> seen(labs.ids.size(), 0);  // a lab exits once; count replicates, not rows
    const std::span<const double> rows = b.events(table);
    for (std::size_t i = 0; i + width <= rows.size(); i += width) {
      if (rows[i + kind_col] != exit_kind) continue;
      const auto lab = static_cast<std::size_t>(rows[i + lab_col]);
      if (lab >= per_lab.size()) continue;
      const Date d = Date::from_days(static_cast<int64_t>(rows[i + date_col]));
      LabExit& e = per_lab[lab];
      if (e.replicates == 0 || d < e.first) e.first = d;
      if (!seen[lab]) ++e.replicates;
      seen[lab] = 1;
    }
  }
  std::vector<LabExit> out;
  for (std::size_t l = 0; l < per_lab.size(); ++l) {
    if (per_lab[l].replicates == 0) continue;
    LabExit e = per_lab[l];
    e.lab = labs.ids[l];
    e.name = labs.text(l, "lab_name");
    out.push_back(e);
  }
  return out;
}

std::string describe_lab_exits(const std::vector<LabExit>& exits, std::size_t replicates) {
  const std::string of = " of " + std::to_string(replicates) + " replicates";
  if (exits.empty()) return "none in " + std::to_string(replicates) + " replicates";
  std::string line;
  for (const LabExit& e : exits) {
    if (!line.empty()) line += "; ";
    line += e.name + " (" + e.lab + ") in " + std::to_string(e.replicates) + of +
            (e.replicates == 1 ? ", on " : ", the first on ") + e.first.iso();
  }
  return line;
}

}  // namespace airace
