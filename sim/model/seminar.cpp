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

const Schema<LeverOption>& lever_option_schema() {
  using O = LeverOption;
  static const Schema<LeverOption> s(
      "levers[].options[]",
      {
          text("value", &O::value,
               {"the parameter's value, as a scenario writes it (checked against the parameter's "
                "own schema)",
                "", true}),
          text("label", &O::label, {"what students see", "", true}),
      });
  return s;
}

namespace {
void read_options(const ConfigNode& n, const std::string& path, LeverSpec& out,
                  Diagnostics& diags) {
  out.options.clear();
  if (!n.is_sequence()) {
    diags.error(n.where, path,
                "expected a list of options, each '{value: ..., label: ...}', found " +
                    n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    LeverOption o;
    o.where = n.items[i].where;
    lever_option_schema().read(n.items[i], path + "[" + std::to_string(i) + "]", o, diags);
    out.options.push_back(std::move(o));
  }
  if (out.options.size() < 2)
    diags.error(n.where, path, "expected at least two options for students to choose from");
}
}  // namespace

// min, max and step: required for a slider, not for an option lever (resolve_seminar checks).
Field<LeverSpec> slider_number(std::string key, double LeverSpec::*member, Range range,
                               std::string description) {
  Field<LeverSpec> f = number(std::move(key), member, "unit of the lever", range,
                              {std::move(description)});
  f.info.default_value.clear();
  auto read = f.read;
  f.read = [read](const ConfigNode& n, const std::string& path, LeverSpec& out, Diagnostics& d) {
    read(n, path, out, d);
    out.slider_keys_given += 1;
  };
  return f;
}

const Schema<LeverSpec>& lever_schema() {
  using L = LeverSpec;
  static const Schema<LeverSpec> s(
      "levers[]",
      {
          text("id", &L::id, {"unique identifier, used in the API and the decision log", "",
                              true}),
          custom<L>({"set", "a lever or a key path", "", "", "",
                     "what it moves: a government lever, or the key path of any parameter that "
                     "may change during a run (the names policy_events[].set takes)",
                     "", true},
                    [](const ConfigNode& n, const std::string& path, L& out, Diagnostics& d) {
                      SetTarget t;
                      read_set_target(n, path, t, d);
                      out.set = t.lever;
                      out.parameter = t.parameter;
                      out.set_where = t.where;
                    }),
          reference("team", &L::team, "teams[]", {"the team that owns it", "", true}),
          text("label", &L::label, {"what the slider is called", "", true}),
          text("explain", &L::explain, {"one or two sentences for students"}),
          slider_number("min", &L::min, Range{},
                        "lowest value students may choose (inside the lever's own range); "
                        "required unless options are given"),
          slider_number("max", &L::max, Range{},
                        "highest value students may choose (inside the lever's own range); "
                        "required unless options are given"),
          slider_number("step", &L::step, above(0),
                        "slider step: the values are min, min + step, ..., max; required unless "
                        "options are given"),
          custom<L>({"options", "list of options (see levers[].options[])", "", "[]", "",
                     "the values students choose from, each with a label (a choice such as a "
                     "release policy, or a text such as an export rule's covers); the lever is "
                     "then a select instead of a slider",
                     "", false},
                    read_options),
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
                             const std::vector<SeminarAgreement>& agreements,
                             const SeminarSettings& seminar, const std::vector<PolicyEvent>& events,
                             const GovernmentsSetup& governments, Date start,
                             SourceLocation seminar_where, Diagnostics& diags) {
  SeminarSetup out;
  std::vector<std::string> team_ids;
  for (const TeamSpec& t : teams) team_ids.push_back(t.id);

  // Not checked against the end: a wargame's run of its first turns ends before first_turn.
  // airace serve checks that the scenario it is given reaches past it.
  if ((!levers.empty() || !agreements.empty()) && seminar.first_turn < start)
    diags.error(seminar_where, "seminar.first_turn",
                "expected a date on or after the scenario's start " + start.iso() + ", found " +
                    seminar.first_turn.iso());

  // The value each lever has on first_turn: its initial value, changed by the policy events
  // dated up to then (the setup holds them sorted by date).
  LeverValues on_first = governments.initial;
  for (const LeverChange& c : governments.scheduled)
    if (c.date <= seminar.first_turn && c.lever != Lever::none)
      on_first[static_cast<std::size_t>(c.lever)] = c.value;

  std::vector<std::string> used;
  for (const LeverSpec& l : levers) {
    const std::string path = "levers[" + l.id + "]";
    const auto team = resolve_reference(l.team, path + ".team", team_ids, "team", diags);
    out.lever_team.push_back(team.value_or(0));
    // A parameter lever's value on first_turn is filled in by the assembly, which reads the tree
    // (sim/model/parameter_changes.hpp).
    out.lever_value.push_back(l.set == Lever::none ? 0.0
                                                   : on_first[static_cast<std::size_t>(l.set)]);
    if (l.set == Lever::none && l.parameter.empty()) continue;  // reported by the schema
    const std::string target = lever_target(l);
    if (std::find(used.begin(), used.end(), target) != used.end())
      diags.error(l.where, path + ".set",
                  "another lever already moves " + target + "; give each lever its own",
                  "two sliders on one lever would overwrite each other's decisions");
    used.push_back(target);
    if (l.is_option()) {
      if (l.set != Lever::none)
        diags.error(l.set_where, path + ".options",
                    "the government lever " + target +
                        " is a number: give it min, max and step instead of options");
      if (l.slider_keys_given > 0)
        diags.error(l.where, path,
                    "an option lever takes no min, max or step: students choose among its "
                    "options");
      continue;
    }
    if (l.slider_keys_given < 3) {
      diags.error(l.where, path,
                  "missing min, max or step: a slider needs all three (or give options: a list "
                  "of {value, label})");
      continue;
    }
    if (l.set == Lever::none) {  // a numeric parameter: its range is checked by the assembly
      if (!(l.min < l.max))
        diags.error(l.where, path + ".max",
                    "expected max above min (" + format_number(l.min) + "), found " +
                        format_number(l.max));
      else if (l.step > l.max - l.min)
        diags.error(l.where, path + ".step",
                    "expected a step of at most max - min = " + format_number(l.max - l.min) +
                        ", found " + format_number(l.step));
      continue;
    }
    const LeverInfo& info = lever_info(l.set);
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
  resolve_seminar_agreements(agreements, team_ids, used, out, diags);
  for (const PolicyEvent& e : events)
    if (e.team.written())
      resolve_reference(e.team, "policy_events[" + e.id + "].team", team_ids, "team", diags);
  return out;
}

std::string lever_target(const LeverSpec& lever) {
  return lever.set != Lever::none ? lever_info(lever.set).name : lever.parameter;
}

std::string lever_value_text(const LeverSpec& lever, double value) {
  if (!lever.is_option()) return exact_number(value);
  const auto i = static_cast<std::size_t>(value);
  return i < lever.options.size() ? lever.options[i].value : std::string();
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
    const std::string target =
        e.set.lever != Lever::none ? lever_info(e.set.lever).name : e.set.parameter;
    // A lever's value as a number read back exactly; another parameter's as written.
    std::string value = e.to.scalar;
    Diagnostics checked_before;  // the loader has reported any error in it
    if (e.set.lever != Lever::none)
      value = exact_number(read_number(e.to, "", Range{}, "", checked_before).value_or(0.0));
    csv += e.date.iso() + "," + csv_field(e.team.id) + "," + csv_field(e.id) + "," +
           csv_field(target) + "," + csv_field(value) + "\n";
  }
  return csv;
}

}  // namespace airace
