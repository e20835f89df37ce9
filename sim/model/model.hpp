#pragma once
// The model assembly: the scenario's mechanisms as modules (sim/core/module.hpp) on one world
// snapshot (agents/world.hpp), their steps in one schedule. A Simulation is one replicate; it is
// advanced from outside (advance_to), so a caller can stop at a date, inspect or change the
// world, and go on. docs/architecture.md is the map.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "agents/world.hpp"
#include "sim/core/module.hpp"
#include "sim/core/schedule.hpp"
#include "sim/core/series.hpp"
#include "sim/model/parameter_changes.hpp"
#include "sim/model/scenario.hpp"

namespace airace {

// The modules of a scenario, registered in sim/model/modules.cpp (one line each).
class ModuleSet {
 public:
  ModuleSet(const Scenario& s, World& world, const RunContext& run);
  // Axes of every module first, then their steps, series and event tables.
  void declare(Declarations& d);
  void start();
  // Points every module at the setups of `s` (a version of the same scenario: same entities).
  void use_scenario(const Scenario& s);

 private:
  template <class M, class ConfigOf>
  void add(ConfigOf config_of);
  struct Entry {
    std::unique_ptr<Module> module;
    std::function<void(const Scenario&)> configure;
  };
  std::vector<Entry> modules_;
  const Scenario& scenario_;
  World& world_;
  const RunContext& run_;
};

// The output layout of a scenario: time axes, entity axes, series and event tables.
SeriesCatalog build_catalog(const Scenario& s);

// Whether two catalogs lay their values out alike: the same series and event tables, each with
// as many times and entities (a replicate's drawn numbers, e.g. adoption_model.adopters, might
// change a layout).
bool same_layout(const SeriesCatalog& a, const SeriesCatalog& b);

// Thrown by Simulation when its scenario's layout is not the catalog's it is to record into.
class LayoutMismatch : public std::logic_error {
 public:
  LayoutMismatch()
      : std::logic_error("a simulation's catalog differs from the scenario's build_catalog") {}
};

// The steps of a scenario's modules in the order they run on a shared day, with their cadence
// and what they read and write (docs/model.md §1.3 is checked against it).
std::vector<StepSpec> step_order(const Scenario& s);

class Simulation {
 public:
  // `catalog` is build_catalog(s) (shared by the replicates of an ensemble); throws
  // LayoutMismatch, before starting, when s lays its outputs out otherwise (same_layout).
  // `start_cache`, when given, is shared with runs of the same scenario and seed that differ only
  // in changes dated after its start (sim/core/start_cache.hpp).
  Simulation(const Scenario& s, const SeriesCatalog& catalog, uint32_t replicate,
             StartCache* start_cache = nullptr);
  Simulation(const Simulation&) = delete;  // the schedule's steps point into this object
  Simulation& operator=(const Simulation&) = delete;

  void advance_to(Date d) { schedule_.advance_to(d); }
  void run_to_end() { schedule_.run_to_end(); }
  bool finished() const { return schedule_.finished(); }
  Date today() const { return schedule_.today(); }

  const World& world() const { return world_; }
  const LabState& labs() const { return world_.labs; }
  const SupplyState& supply() const { return world_.supply; }
  const GovernmentState& governments() const { return world_.governments; }
  // Changes a lever from today on (a seminar turn, a what-if mid-run).
  void set_lever(Lever lever, double value) {
    airace::set_lever(world_.governments, lever, value, today());
  }
  // Changes a parameter that may change during a run (its --set key path) from today on,
  // checked by its own schema: throws InputError when refused. Not in /policy/parameter_changes.
  void set_parameter(const std::string& path, const std::string& value);
  const SeriesBuffer& series() const { return series_; }
  SeriesBuffer take_series() { return std::move(series_); }

 private:
  // Points the modules at the scenario version in force at this moment of day d.
  void apply_parameter_changes(Date d);

  const Scenario& base_;
  ParameterChanges parameter_changes_;
  std::size_t base_parameter_count_;  // changes its events and adaptive rules make
  EventLog parameter_change_log_;
  RunContext run_;
  World world_;
  ModuleSet modules_;
  Schedule schedule_;
  SeriesBuffer series_;
  std::vector<Declarations::DeclaredStep> steps_;
};

}  // namespace airace
