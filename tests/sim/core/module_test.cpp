#include "sim/core/module.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace airace;

namespace module_test {

namespace {

using Steps = std::vector<Declarations::DeclaredStep>;

Declarations::DeclaredStep step(std::string module, std::string name,
                                std::vector<std::string> reads, std::vector<std::string> writes,
                                std::vector<std::string> previous = {}) {
  return {std::move(module),
          {std::move(name), Cadence::monthly, std::move(reads), std::move(previous),
           std::move(writes), [](const Tick&) {}},
          {}};
}

std::vector<std::string> names(const Steps& steps) {
  std::vector<std::string> out;
  for (std::size_t i : order_steps(steps)) out.push_back(steps[i].spec.name);
  return out;
}

std::string refusal(const Steps& steps) {
  try {
    order_steps(steps);
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a step that reads a part the same day runs after the part's writer") {
  const Steps steps = {step("b", "b.use", {"price"}, {}), step("a", "a.set", {}, {"price"})};
  CHECK(names(steps) == std::vector<std::string>{"a.set", "b.use"});
}

TEST_CASE("steps that do not depend on each other keep the order they were declared in") {
  const Steps steps = {step("c", "c.one", {}, {"x"}), step("a", "a.two", {}, {"y"}),
                       step("b", "b.three", {}, {"z"})};
  CHECK(names(steps) == std::vector<std::string>{"c.one", "a.two", "b.three"});
}

TEST_CASE("a read of an earlier day's value puts no step first") {
  // b reads what a writes, but as the previous days left it: b may run first.
  const Steps steps = {step("b", "b.use", {}, {"y"}, {"x"}), step("a", "a.set", {"y"}, {"x"})};
  CHECK(names(steps) == std::vector<std::string>{"b.use", "a.set"});
}

TEST_CASE("a step reading its own module's part depends only on the module's earlier steps") {
  const Steps steps = {step("labs", "labs.research", {"labs"}, {"labs"}),
                       step("labs", "labs.dated", {"labs"}, {"labs"})};
  CHECK(names(steps) == std::vector<std::string>{"labs.research", "labs.dated"});
}

TEST_CASE("same-day reads that form a cycle are refused naming the steps") {
  const Steps steps = {step("a", "a.step", {"y"}, {"x"}), step("b", "b.step", {"x"}, {"y"})};
  const std::string why = refusal(steps);
  CHECK(why.find("cycle") != std::string::npos);
  CHECK(why.find("a.step reads what b.step writes") != std::string::npos);
  CHECK(why.find("b.step reads what a.step writes") != std::string::npos);
}

TEST_CASE("a read of a part no step writes is refused naming the step and the part") {
  const std::string why = refusal({step("a", "a.step", {"ghost"}, {"x"})});
  CHECK(why == "a.step reads the part 'ghost', which no step writes");
  CHECK(refusal({step("a", "a.step", {}, {"x"}, {"ghost"})}).find("'ghost'") != std::string::npos);
}

TEST_CASE("a part written by two modules is refused") {
  const std::string why = refusal({step("a", "a.step", {}, {"x"}), step("b", "b.step", {}, {"x"})});
  CHECK(why.find("'x' is written by a.step and by b.step") != std::string::npos);
}

TEST_CASE("a step's series are recorded after each of its ticks on its cadence") {
  SeriesCatalog catalog;
  const Date start = Date::from_ymd(2024, 1, 1);
  const Date end = Date::from_ymd(2024, 3, 31);
  catalog.set_time_axis({Cadence::monthly, tick_dates(Cadence::monthly, start, end)});
  double level = 0.0;
  SeriesCatalog declared;
  {
    Declarations counting(catalog, nullptr);
    counting.begin_module("test");
    const std::size_t s =
        counting.step({"test.grow", Cadence::monthly, {}, {}, {"level"}, [](const Tick&) {}});
    counting.series(s, {"test", "level", "units", "the level"}, [](SeriesRow&) {});
  }
  SeriesBuffer buffer(catalog);
  Declarations d(declared, &buffer);
  d.begin_module("test");
  const std::size_t s = d.step({"test.grow", Cadence::monthly, {}, {}, {"level"},
                                [&level](const Tick&) { level += 1.0; }});
  const SeriesId id =
      d.series(s, {"test", "level", "units", "the level"}, [&level](SeriesRow& r) { r.set(level); });
  CHECK(declared.series()[id].cadence == Cadence::monthly);
  Schedule schedule(start, end);
  schedule_steps(d.steps(), schedule, buffer);
  schedule.run_to_end();
  CHECK(buffer.get(id, 0) == 1.0);
  CHECK(buffer.get(id, 2) == 3.0);
}

}  // namespace module_test
