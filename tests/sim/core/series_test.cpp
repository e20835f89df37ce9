// Series catalogs and buffers (sim/core/series.cpp): a selection of a run's series.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/core/series.hpp"

using namespace airace;

namespace series_test {

namespace {
// Two groups: g1 with x [place] and y, g2 with z and an event table; two replicates whose
// values tell replicate, series, time and entity apart.
RunResult two_group_result() {
  RunResult r;
  SeriesCatalog& c = r.catalog;
  const AxisId places = c.add_axis({"g1", "place", "places", {"a", "b"}, {}});
  c.set_time_axis({Cadence::monthly, {Date::from_ymd(2022, 1, 1), Date::from_ymd(2022, 2, 1),
                                      Date::from_ymd(2022, 3, 1)}});
  c.add_series({"g1", "x", "u", "x", Cadence::monthly, {places}});
  c.add_series({"g1", "y", "u", "y", Cadence::monthly});
  c.add_series({"g2", "z", "u", "z", Cadence::monthly});
  c.add_event_table({"g2", "events", "events", {{"size", "u", "size"}, {"when", "d", "when"}}});
  for (int rep = 0; rep < 2; ++rep) {
    SeriesBuffer b(c);
    for (SeriesId s = 0; s < 3; ++s)
      for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t e = 0; e < c.entity_count(c.series()[s]); ++e)
          b.set(s, t, e, 1000.0 * rep + 100.0 * static_cast<double>(s) +
                             10.0 * static_cast<double>(t) + static_cast<double>(e));
    b.add_event(0, {1.0 + rep, 2.0});
    b.add_event(0, {3.0 + rep, 4.0});
    r.replicates.push_back(std::move(b));
  }
  r.meta.replicates = 2;
  return r;
}
}  // namespace

TEST_CASE("an axis gives an entity's text attribute, or its id where it has none") {
  const EntityAxis labs{
      "labs",
      "lab",
      "labs",
      {"openai", "deepseek"},
      {{"lab_share", "fraction", "a number, not a name", std::vector<double>{0.5, 0.5}},
       {"lab_name", "", "display name", std::vector<std::string>{"OpenAI", "DeepSeek"}}}};
  CHECK(labs.text(0, "lab_name") == "OpenAI");
  CHECK(labs.text(1, "lab_name") == "DeepSeek");
  CHECK(labs.text(1, "lab_share") == "deepseek");  // numbers are not text
  CHECK(labs.text(1, "firm_name") == "deepseek");
}

TEST_CASE("a selection keeps the series of its groups and those it names with their values") {
  const RunResult kept = select_series(two_group_result(), {{"g2"}, {"g1/y"}});
  const SeriesCatalog& c = kept.catalog;
  REQUIRE(c.series().size() == 2);
  CHECK(c.series()[0].name == "y");
  CHECK(c.series()[1].name == "z");
  CHECK(c.axes().size() == 1);  // entity axes stay, whatever series use them
  CHECK(c.time_axes().size() == 1);
  REQUIRE(c.event_tables().size() == 1);
  REQUIRE(kept.replicates.size() == 2);
  CHECK(kept.meta.replicates == 2);
  for (std::size_t rep = 0; rep < 2; ++rep) {
    const SeriesBuffer& b = kept.replicates[rep];
    CHECK(b.get(0, 2) == doctest::Approx(1000.0 * static_cast<double>(rep) + 100 + 20));
    CHECK(b.get(1, 1) == doctest::Approx(1000.0 * static_cast<double>(rep) + 200 + 10));
    REQUIRE(b.event_count(0) == 2);
    CHECK(b.events(0)[2] == doctest::Approx(3.0 + static_cast<double>(rep)));
  }
}

TEST_CASE("a named series keeps neither its group's other series nor its event tables") {
  const RunResult kept = select_series(two_group_result(), {{}, {"g2/z"}});
  REQUIRE(kept.catalog.series().size() == 1);
  CHECK(kept.catalog.series()[0].group == "g2");
  CHECK(kept.catalog.event_tables().empty());
  CHECK(kept.replicates[1].get(0, 0) == doctest::Approx(1200.0));
}

TEST_CASE("an empty selection keeps everything") {
  const RunResult kept = select_series(two_group_result(), {});
  CHECK(kept.catalog.series().size() == 3);
  CHECK(kept.catalog.event_tables().size() == 1);
  CHECK(kept.replicates[0].get(0, 1, 1) == doctest::Approx(11.0));
}

}  // namespace series_test
