#include "sim/model/model.hpp"

#include <stdexcept>

namespace airace {

namespace {
// The modules' declarations into `catalog`, without a replicate (no state, no recording).
std::vector<Declarations::DeclaredStep> declare_modules(const Scenario& s, SeriesCatalog& catalog) {
  World world;
  const RunContext run{static_cast<uint64_t>(s.run.seed), 0, s.info.start};
  ModuleSet modules(s, world, run);
  Declarations d(catalog, nullptr);
  modules.declare(d);
  return std::move(d.steps());  // their closures are never called
}

// A catalog with the scenario's time axes, before the modules declare.
SeriesCatalog with_time_axes(const Scenario& s) {
  SeriesCatalog catalog;
  for (Cadence c : {s.schedule.governments, s.schedule.supply, s.schedule.adoption, s.schedule.labs,
                    s.schedule.markets, s.schedule.indicators})
    catalog.set_time_axis({c, tick_dates(c, s.info.start, s.info.end)});
  return catalog;
}
}  // namespace

SeriesCatalog build_catalog(const Scenario& s) {
  SeriesCatalog catalog = with_time_axes(s);
  // A cycle or a read of a part nobody writes fails here, before any run.
  order_steps(declare_modules(s, catalog));
  if (!s.governments_setup.parameters.empty()) add_parameter_change_outputs(s, catalog);
  return catalog;
}

bool same_layout(const SeriesCatalog& a, const SeriesCatalog& b) {
  if (a.series().size() != b.series().size() || a.event_tables().size() != b.event_tables().size())
    return false;
  for (std::size_t i = 0; i < a.series().size(); ++i) {
    const SeriesSpec& x = a.series()[i];
    const SeriesSpec& y = b.series()[i];
    if (x.group != y.group || x.name != y.name || a.time_count(x) != b.time_count(y) ||
        a.entity_count(x) != b.entity_count(y))
      return false;
  }
  return true;
}

std::vector<StepSpec> step_order(const Scenario& s) {
  SeriesCatalog catalog;
  const std::vector<Declarations::DeclaredStep> steps = declare_modules(s, catalog);
  std::vector<StepSpec> out;
  for (std::size_t i : order_steps(steps)) out.push_back(steps[i].spec);
  return out;
}

Simulation::Simulation(const Scenario& s, const SeriesCatalog& catalog, uint32_t replicate,
                       StartCache* start_cache)
    : base_(s),
      parameter_changes_(s),
      base_parameter_count_(s.governments_setup.parameters.size()),
      run_{static_cast<uint64_t>(s.run.seed), replicate, s.info.start, start_cache},
      modules_(s, world_, run_),
      schedule_(s.info.start, s.info.end),
      series_(catalog) {
  SeriesCatalog own = with_time_axes(s);
  Declarations d(own, &series_);
  modules_.declare(d);
  if (!s.governments_setup.parameters.empty())
    parameter_change_log_ = {&series_, add_parameter_change_outputs(s, own)};
  if (!same_layout(own, catalog)) throw LayoutMismatch();
  steps_ = std::move(d.steps());
  modules_.start();
  // Every step sees the parameters in force when it runs: a change due today, or made today by
  // an adaptive rule without lag, holds from the next step on.
  std::function<void(const Tick&)> before;
  if (parameter_changes_.any())
    before = [this](const Tick& t) { apply_parameter_changes(t.date); };
  schedule_steps(steps_, schedule_, series_, before);
}

void Simulation::apply_parameter_changes(Date d) {
  if (const Scenario* in_force = parameter_changes_.scenario_on(world_.governments, d)) {
    modules_.use_scenario(*in_force);
    for (std::size_t c : parameter_changes_.newly_in_force())
      if (c < base_parameter_count_) {  // set_parameter's changes are not recorded
        const double row[] = {static_cast<double>(d.days_since_epoch()), static_cast<double>(c)};
        parameter_change_log_.add(row);
      }
  }
}

void Simulation::set_parameter(const std::string& path, const std::string& value) {
  ConfigNode to;
  to.kind = ConfigNode::Kind::scalar;
  to.scalar = value;
  to.where = SourceLocation{"set_parameter", 0, 0};
  const std::size_t i = base_.versions->add({path, to, to.where, "set_parameter"});
  airace::set_parameter(world_.governments, i, today());
  if (const Scenario* in_force = parameter_changes_.scenario_on(world_.governments, today()))
    modules_.use_scenario(*in_force);
}

}  // namespace airace
