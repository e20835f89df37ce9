#pragma once
// The contract every mechanism keeps (docs/architecture.md §"The module contract"). A module
// declares, in its own files:
//   - its entity axes (declare_axes), before any module declares series, so that modules can
//     put their series on each other's axes;
//   - its steps: a cadence, the parts of the world snapshot each reads and writes, and the code;
//   - each series it records, beside the code that fills it: the fill runs after every tick of
//     the step it belongs to and takes the step's cadence.
// The engine orders the steps of a day from what they read and write (order_steps): a step
// that reads a part the same day runs after the part's writer; a cycle, a part with two
// writing modules, or a read of a part nobody writes is an error naming them. The engine knows
// parts by name only; their types belong to the mechanisms (agents/world.hpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"
#include "sim/core/series.hpp"

namespace airace {

// One series' row at one tick: a value per entity (the product of its axes, last fastest).
class SeriesRow {
 public:
  SeriesRow(SeriesBuffer& buffer, SeriesId id, const Tick& tick)
      : buffer_(buffer), id_(id), time_(tick.index), date_(tick.date) {}
  Date date() const { return date_; }
  void set(std::size_t entity, double value) { buffer_.set(id_, time_, entity, value); }
  void set(double value) { buffer_.set(id_, time_, 0, value); }
  void set_all(std::span<const double> values) {
    for (std::size_t i = 0; i < values.size(); ++i) buffer_.set(id_, time_, i, values[i]);
  }

 private:
  SeriesBuffer& buffer_;
  SeriesId id_;
  std::size_t time_;
  Date date_;
};
using SeriesFill = std::function<void(SeriesRow&)>;

struct StepSpec {
  std::string name;  // "<module>.<step>", e.g. "labs.research"
  Cadence cadence = Cadence::monthly;
  std::vector<std::string> reads;           // parts read as written earlier the same day
  std::vector<std::string> reads_previous;  // parts read as left by earlier days
  std::vector<std::string> writes;          // parts it writes
  std::function<void(const Tick&)> run;
};

// A series as a module declares it: SeriesSpec without the cadence, which is its step's.
struct SeriesDecl {
  std::string group;
  std::string name;
  std::string units;
  std::string description;
  std::vector<AxisId> entity_axes = {};
};

// Where a module records the rows of one of its event tables.
class EventLog {
 public:
  EventLog() = default;
  EventLog(SeriesBuffer* buffer, EventTableId id) : buffer_(buffer), id_(id) {}
  void add(std::span<const double> row) {
    if (buffer_ != nullptr) buffer_->add_event(id_, row);
  }

 private:
  SeriesBuffer* buffer_ = nullptr;  // none while only the catalog is built
  EventTableId id_ = 0;
};

// What a module declares; collected by the assembly for the catalog and for each replicate.
class Declarations {
 public:
  // `buffer`: where a replicate records (its fills and event logs); null to build the catalog.
  Declarations(SeriesCatalog& catalog, SeriesBuffer* buffer)
      : catalog_(catalog), buffer_(buffer) {}

  AxisId add_axis(EntityAxis axis) { return catalog_.add_axis(std::move(axis)); }
  // An axis another module declared; throws std::logic_error naming it when there is none.
  AxisId axis(std::string_view group, std::string_view name) const;
  EventLog add_event_table(EventTableSpec spec) {
    return {buffer_, catalog_.add_event_table(std::move(spec))};
  }

  // Adds a step; returns its index for `series`.
  std::size_t step(StepSpec spec);
  // A series filled by `fill` after each tick of step `step`.
  SeriesId series(std::size_t step, SeriesDecl decl, SeriesFill fill);

  struct DeclaredStep {
    std::string module;
    StepSpec spec;
    std::vector<std::pair<SeriesId, SeriesFill>> fills;
  };
  // The module the next steps belong to (set by the assembly before each module declares).
  void begin_module(std::string name) { module_ = std::move(name); }
  std::vector<DeclaredStep>& steps() { return steps_; }
  const SeriesCatalog& catalog() const { return catalog_; }

 private:
  SeriesCatalog& catalog_;
  SeriesBuffer* buffer_;
  std::string module_;
  std::vector<DeclaredStep> steps_;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  // The random streams it draws from (sim/core/random.hpp); no two modules share one.
  virtual std::vector<Stream> streams() const { return {}; }
  virtual void declare_axes(Declarations&) {}
  virtual void declare(Declarations& d) = 0;
  // Sets up the module's state for a replicate (not called when only the catalog is built).
  virtual void start() {}
};

// The order in which the steps run on a shared day: a writer before the steps that read its
// part the same day; otherwise the order they were declared in. Throws std::logic_error
// naming the steps and parts of a cycle, of a part written by two modules, or of a read of a
// part no step writes.
std::vector<std::size_t> order_steps(const std::vector<Declarations::DeclaredStep>& steps);

// Adds the steps to the schedule in that order; after each tick of a step, its series' fills
// record into `buffer`. `before`, when set, runs before every tick of every step.
void schedule_steps(std::vector<Declarations::DeclaredStep>& steps, Schedule& schedule,
                    SeriesBuffer& buffer, std::function<void(const Tick&)> before = {});

}  // namespace airace
