#include "sim/model/model.hpp"

#include <stdexcept>

namespace airace {

SeriesCatalog build_catalog(const Scenario& s) {
  SeriesCatalog catalog;
  for (Cadence c : {s.schedule.governments, s.schedule.supply, s.schedule.adoption, s.schedule.labs,
                    s.schedule.markets, s.schedule.indicators})
    catalog.set_time_axis({c, tick_dates(c, s.info.start, s.info.end)});
  World world;
  const RunContext run{static_cast<uint64_t>(s.run.seed), 0, s.info.start};
  ModuleSet modules(s, world, run);
  Declarations d(catalog, nullptr);
  modules.declare(d);
  order_steps(d.steps());  // a cycle or a read of a part nobody writes fails here, before any run
  return catalog;
}

Simulation::Simulation(const Scenario& s, const SeriesCatalog& catalog, uint32_t replicate)
    : run_{static_cast<uint64_t>(s.run.seed), replicate, s.info.start},
      modules_(s, world_, run_),
      schedule_(s.info.start, s.info.end),
      series_(catalog) {
  SeriesCatalog own;
  Declarations d(own, &series_);
  modules_.declare(d);
  if (own.series().size() != catalog.series().size() ||
      own.event_tables().size() != catalog.event_tables().size())
    throw std::logic_error("a simulation's catalog differs from the scenario's build_catalog");
  steps_ = std::move(d.steps());
  modules_.start();
  schedule_steps(steps_, schedule_, series_);
}

}  // namespace airace
