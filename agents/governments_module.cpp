#include "agents/governments_module.hpp"

namespace airace {

void GovernmentsModule::start() {
  world_.governments = initial_government_state(*c_.setup, *c_.rules);
}

void GovernmentsModule::declare_axes(Declarations& d) {
  std::vector<std::string> ids, names;
  for (const ExportRule& r : *c_.export_rules) {
    ids.push_back(r.id);
    names.push_back(r.name.empty() ? r.id : r.name);
  }
  rules_ = d.add_axis(
      {"policy", "rule", "export-control rules", ids, {{"rule_name", "", "display name", names}}});
  std::vector<std::string> levers, units;
  for (std::size_t l = 0; l < kLeverCount; ++l) {
    levers.push_back(lever_info(static_cast<Lever>(l)).name);
    units.push_back(lever_info(static_cast<Lever>(l)).unit);
  }
  levers_ = d.add_axis({"policy",
                        "lever",
                        "government levers, named by the scenario key of their initial value",
                        levers,
                        {{"lever_unit", "", "unit of the lever's value", units}}});
  adaptive_ = d.add_axis(
      {"policy", "adaptive_rule", "the US government's adaptive rules", c_.setup->adaptive_ids, {}});
}

void GovernmentsModule::declare(Declarations& d) {
  d.step({"governments.adaptive_rules", c_.cadence, {}, {part::indicators}, {part::governments},
          [this](const Tick& t) {
            // The world as last published, with today's date.
            std::vector<double> seen = world_.indicators;
            seen[static_cast<std::size_t>(WorldIndicator::years_elapsed)] =
                years_between(run_.start, t.date);
            step_governments(*c_.setup, world_.governments, seen, t);
          }});
  const std::size_t record = d.step({"governments.record", c_.record, {part::governments}, {}, {},
                                     [](const Tick&) {}});
  if (c_.rules->n_rules > 0)
    d.series(record,
             {"policy", "rule_status", "code",
              "0 not announced, 1 announced, 2 in force, 3 ended or superseded", {rules_}},
             [this](SeriesRow& row) {
               for (std::size_t r = 0; r < c_.rules->n_rules; ++r)
                 row.set(r, static_cast<double>(
                                rule_status(*c_.rules, world_.governments.rule_times, r, row.date())));
             });
  d.series(record,
           {"policy", "levers", "unit of each lever (lever_unit)",
            "value of each government lever", {levers_}},
           [this](SeriesRow& row) {
             const LeverValues lever = levers_at(*c_.setup, world_.governments, row.date());
             row.set_all(lever);
           });
  if (!c_.setup->adaptive.empty())
    d.series(record,
             {"policy", "adaptive_fired", "0 or 1",
              "1 once the adaptive rule's condition has held", {adaptive_}},
             [this](SeriesRow& row) {
               for (std::size_t a = 0; a < world_.governments.fired.size(); ++a)
                 row.set(a, world_.governments.fired[a]);
             });
}

}  // namespace airace
