#include "sim/model/seminar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "output/csv.hpp"

namespace airace {

const Schema<TeamSpec>& team_schema() {
  using T = TeamSpec;
  static const Schema<TeamSpec> s(
      "teams[]", {
                     text("id", &T::id, {"short code students type, e.g. us", "", true}),
                     text("name", &T::name, {"display name, e.g. US government"}),
                 });
  return s;
}

const Schema<LeverSpec>& lever_schema() {
  using L = LeverSpec;
  static const Schema<LeverSpec> s(
      "levers[]",
      {
          text("id", &L::id, {"unique identifier, used in the API and the decision log", "",
                              true}),
          choice("set", &L::set, lever_options(),
                 {"the government lever it moves (the names policy_events[].set takes)", "",
                  true}),
          reference("team", &L::team, "teams[]", {"the team that owns it", "", true}),
          text("label", &L::label, {"what the slider is called", "", true}),
          text("explain", &L::explain, {"one or two sentences for students"}),
          number("min", &L::min, "unit of the lever", Range{},
                 {"lowest value students may choose (inside the lever's own range)", "", true}),
          number("max", &L::max, "unit of the lever", Range{},
                 {"highest value students may choose (inside the lever's own range)", "",
                  true}),
          number("step", &L::step, "unit of the lever", above(0),
                 {"slider step: the values are min, min + step, ..., max", "", true}),
      });
  return s;
}

const Schema<SeminarSettings>& seminar_schema() {
  using S = SeminarSettings;
  static const Schema<SeminarSettings> s(
      "seminar",
      {
          integer("turn_months", &S::turn_months, "months", between(1, 24),
                  {"length of a wargame turn (a quarter by default)"}),
          integer("replicates", &S::replicates, "runs",
                  between(1, static_cast<double>(kMaxSeminarReplicates)),
                  {"replicates of every dashboard and wargame run (their bands); few keep "
                   "answers within a second"}),
          date("first_turn", &S::first_turn,
               {"date from which the dashboard's levers act, and on which the wargame's first "
                "turn starts (history runs unchanged until then)"}),
      });
  return s;
}

std::optional<double> on_lever_grid(const LeverSpec& lever, double v) {
  if (!std::isfinite(v)) return std::nullopt;
  const double k = std::round((v - lever.min) / lever.step);
  const double snapped = lever.min + k * lever.step;
  const double tolerance = 1e-9 * std::max({std::abs(lever.step), std::abs(v), 1e-300});
  if (std::abs(snapped - v) > tolerance) return std::nullopt;
  const double slack = 1e-9 * std::max(std::abs(lever.max - lever.min), 1e-300);
  if (snapped < lever.min - slack || snapped > lever.max + slack) return std::nullopt;
  // The value as given (0.7, not 0 + 14 x 0.05 = 0.7000000000000001): what the scenario or the
  // student wrote.
  return std::clamp(v, lever.min, lever.max);
}

SeminarSetup resolve_seminar(const std::vector<TeamSpec>& teams,
                             const std::vector<LeverSpec>& levers,
                             const SeminarSettings& seminar,
                             const std::vector<PolicyEvent>& events,
                             const GovernmentsSetup& governments, Date start,
                             SourceLocation seminar_where, Diagnostics& diags) {
  SeminarSetup out;
  std::vector<std::string> team_ids;
  for (const TeamSpec& t : teams) team_ids.push_back(t.id);

  // Not checked against the end: a wargame's run of its first turns ends before first_turn.
  // airace serve checks that the scenario it is given reaches past it.
  if (!levers.empty() && seminar.first_turn < start)
    diags.error(seminar_where, "seminar.first_turn",
                "expected a date on or after the scenario's start " + start.iso() + ", found " +
                    seminar.first_turn.iso());

  // The value each lever has on first_turn: its initial value, changed by the policy events
  // dated up to then (the setup holds them sorted by date).
  LeverValues on_first = governments.initial;
  for (const LeverChange& c : governments.scheduled)
    if (c.date <= seminar.first_turn) on_first[static_cast<std::size_t>(c.lever)] = c.value;

  std::vector<Lever> used;
  for (const LeverSpec& l : levers) {
    const std::string path = "levers[" + l.id + "]";
    const auto team = resolve_reference(l.team, path + ".team", team_ids, "team", diags);
    out.lever_team.push_back(team.value_or(0));
    out.lever_value.push_back(l.set == Lever::none ? 0.0
                                                   : on_first[static_cast<std::size_t>(l.set)]);
    if (l.set == Lever::none) continue;  // reported by the schema
    const LeverInfo& info = lever_info(l.set);
    if (std::find(used.begin(), used.end(), l.set) != used.end())
      diags.error(l.where, path + ".set",
                  "another lever already moves " + info.name + "; give each lever its own",
                  "two sliders on one lever would overwrite each other's decisions");
    used.push_back(l.set);
    if (!(l.min < l.max)) {
      diags.error(l.where, path + ".max",
                  "expected max above min (" + format_number(l.min) + "), found " +
                      format_number(l.max));
      continue;
    }
    for (const auto& [key, v] : {std::pair{"min", l.min}, std::pair{"max", l.max}})
      if (!info.range.contains(v))
        diags.error(l.where, path + "." + key,
                    "expected a value " + info.range.text() + " (" + info.unit + ") for " +
                        info.name + ", found " + format_number(v));
    if (l.step > l.max - l.min)
      diags.error(l.where, path + ".step",
                  "expected a step of at most max - min = " + format_number(l.max - l.min) +
                      ", found " + format_number(l.step));
    else if (!on_lever_grid(l, out.lever_value.back()))
      diags.error(l.where, path,
                  "the value of " + info.name + " on seminar.first_turn (" +
                      seminar.first_turn.iso() + ") is " + format_number(out.lever_value.back()) +
                      ", which is not on the slider (min + k x step, from " +
                      format_number(l.min) + " to " + format_number(l.max) + ")",
                  "choose min and step so that the scenario's own value is one of the values");
  }
  for (const PolicyEvent& e : events)
    if (e.team.written())
      resolve_reference(e.team, "policy_events[" + e.id + "].team", team_ids, "team", diags);
  return out;
}

std::string exact_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string decision_log_csv(const std::vector<PolicyEvent>& events) {
  std::string csv;
  for (const PolicyEvent& e : events) {
    if (e.team.id.empty()) continue;
    if (csv.empty()) csv = "date,team,id,set,value\n";
    csv += e.date.iso() + "," + csv_field(e.team.id) + "," + csv_field(e.id) + "," +
           lever_info(e.set).name + "," +
           exact_number(e.to) + "\n";
  }
  return csv;
}

}  // namespace airace
