#include "sim/core/schedule.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>

namespace airace {

namespace {
std::atomic<ProcessTimer> process_timer{nullptr};
}  // namespace

void set_process_timer(ProcessTimer timer) { process_timer.store(timer); }

Schedule::Schedule(Date start, Date end) : start_(start), end_(end), today_(start) {
  if (end < start) throw std::invalid_argument("the end date is before the start date");
}

void Schedule::add(Process p) {
  if (today_ != start_) throw std::logic_error("processes must be added before the run starts");
  const Date first = first_tick_from(p.cadence, start_);
  Entry e{std::move(p), entries_.size(), 0, start_, first};
  entries_.push_back(std::move(e));
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.process.phase < b.process.phase;
  });
}

void Schedule::step_day() {
  if (finished()) return;
  for (Entry& e : entries_) {
    if (e.next != today_) continue;
    const Tick tick{today_, e.last, e.next_index, years_between(e.last, today_)};
    if (const ProcessTimer timer = process_timer.load(std::memory_order_relaxed)) {
      const auto t0 = std::chrono::steady_clock::now();
      e.process.step(tick);
      timer(e.process.name,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } else {
      e.process.step(tick);
    }
    e.last = today_;
    e.next = next_tick_after(e.process.cadence, today_);
    ++e.next_index;
  }
  today_ = today_.plus_days(1);
}

void Schedule::advance_to(Date until) {
  const Date stop = std::min(until, end_);
  while (!finished() && today_ <= stop) {
    Date next = stop.plus_days(1);
    for (const Entry& e : entries_) next = std::min(next, e.next);
    if (next > stop) {
      today_ = stop.plus_days(1);
      return;
    }
    today_ = next;
    step_day();
  }
}

std::vector<TimeAxis> Schedule::time_axes() const {
  std::vector<TimeAxis> axes;
  for (const Entry& e : entries_) {
    const Cadence c = e.process.cadence;
    if (std::none_of(axes.begin(), axes.end(), [c](const TimeAxis& t) { return t.cadence == c; }))
      axes.push_back({c, tick_dates(c, start_, end_)});
  }
  return axes;
}

}  // namespace airace
