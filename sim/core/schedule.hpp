#pragma once
// The run loop, one calendar day at a time. Each process (an actor kind's step) has a cadence
// and a phase; on a day when several processes tick they run in phase order (ties in the order
// they were added). The loop is driven from outside (advance_to, step_day), never a closed
// `for`, so a caller can stop at a date, change a lever and go on.
//
// Convention (docs/model.md §"Time"): a tick on date d advances the process's state over the
// period since its previous tick (dt_years; 0 on a first tick at the start date) and then
// records the state on date d. The first recorded value is therefore the initial condition.

#include <functional>
#include <string>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/series.hpp"

namespace airace {

struct Tick {
  Date date;
  Date previous;          // the process's previous tick, or the start date on its first tick
  std::size_t index = 0;  // position on the cadence's time axis
  double dt_years = 0.0;  // years_between(previous, date)
  // Whether `d` falls in this tick: after the previous tick, up to and including this one.
  bool covers(Date d) const { return previous < d && !(date < d); }
};

// Where a benchmark learns what each process costs (bench/bench_baseline.cpp): when set, every
// tick of every schedule in the program reports its process's name and its wall time in seconds,
// from the thread that ran it. Null (the default): nothing is timed. Never used by the model.
using ProcessTimer = void (*)(const std::string& process, double seconds);
void set_process_timer(ProcessTimer timer);

struct Process {
  std::string name;
  Cadence cadence = Cadence::monthly;
  int phase = 0;  // lower runs first on a shared day
  std::function<void(const Tick&)> step;
};

class Schedule {
 public:
  Schedule(Date start, Date end);  // throws std::invalid_argument when end < start

  void add(Process p);

  // Runs every day up to and including `until` (clamped to the end date). Days on which no
  // process ticks are skipped at no cost.
  void advance_to(Date until);
  // Runs one day: the processes that tick today, in phase order.
  void step_day();
  void run_to_end() { advance_to(end_); }

  bool finished() const { return today_ > end_; }
  Date today() const { return today_; }  // the next day to run
  Date start() const { return start_; }
  Date end() const { return end_; }

  // Time axes of the cadences used by the processes (for the series catalog).
  std::vector<TimeAxis> time_axes() const;

 private:
  struct Entry {
    Process process;
    std::size_t order = 0;
    std::size_t next_index = 0;
    Date last;  // date of the previous tick, or the start date
    Date next;  // date of the next tick
  };
  Date start_;
  Date end_;
  Date today_;
  std::vector<Entry> entries_;  // kept sorted by (phase, order)
};

}  // namespace airace
