// Which labs exited in an ensemble, on hand-built runs (agents/lab_exits.hpp).

#include "agents/lab_exits.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace airace;

namespace lab_exits_test {

namespace {

// Three labs and four replicates; `rows(r)` lists replicate r's /lab_finance rows as
// {lab, day offset from 2028-01-01, kind} with kinds unpaid (0), cut (1) and exit (2).
template <class Rows>
RunResult hand_built_run(Rows rows) {
  RunResult run;
  SeriesCatalog& cat = run.catalog;
  cat.set_time_axis({Cadence::monthly, {Date::from_ymd(2028, 1, 1)}});
  const AxisId labs = cat.add_axis(
      {"labs",
       "lab",
       "AI labs",
       {"lab_a", "lab_b", "lab_c"},
       {{"lab_name", "", "display name", std::vector<std::string>{"Lab A", "Lab B", "Lab C"}}}});
  const AxisId kinds =
      cat.add_axis({"labs", "finance_kind", "kinds", {"unpaid", "cut", "exit"}, {}});
  const EventTableId table =
      cat.add_event_table({"lab_finance",
                           "event",
                           "money events",
                           {{"lab", "", "lab", EventColumn::Kind::entity, labs},
                            {"date", "", "day", EventColumn::Kind::date, 0},
                            {"kind", "", "kind", EventColumn::Kind::entity, kinds},
                            {"usd", "USD", "money", EventColumn::Kind::number, 0}}});
  const double start = static_cast<double>(Date::from_ymd(2028, 1, 1).days_since_epoch());
  for (std::size_t r = 0; r < 4; ++r) {
    SeriesBuffer b(cat);
    for (const std::vector<double>& row : rows(r))
      b.add_event(table, {row[0], start + row[1], row[2], 1e6});
    run.replicates.push_back(std::move(b));
  }
  return run;
}

}  // namespace

TEST_CASE("lab exits: each lab that exited, in how many replicates and when first") {
  // lab_b exits in replicates 1 and 3 (day 200, then day 40); lab_a only cuts and goes unpaid;
  // lab_c exits in replicate 2.
  const RunResult run = hand_built_run([](std::size_t r) {
    std::vector<std::vector<double>> rows = {{0, 10, 1}, {0, 20, 0}};
    if (r == 1) rows.push_back({1, 200, 2});
    if (r == 3) rows.push_back({1, 40, 2});
    if (r == 2) rows.push_back({2, 300, 2});
    return rows;
  });
  const std::vector<LabExit> exits = lab_exits(run);
  REQUIRE(exits.size() == 2);
  CHECK(exits[0].lab == "lab_b");
  CHECK(exits[0].name == "Lab B");
  CHECK(exits[0].replicates == 2);
  CHECK(exits[0].first == Date::from_ymd(2028, 1, 1).plus_days(40));
  CHECK(exits[1].lab == "lab_c");
  CHECK(exits[1].replicates == 1);
  CHECK(describe_lab_exits(exits, 4) ==
        "Lab B (lab_b) in 2 of 4 replicates, the first on 2028-02-10; Lab C (lab_c) in 1 of 4 "
        "replicates, on 2028-10-27");
}

TEST_CASE("lab exits: none in a run where no lab exits, or without labs") {
  const RunResult run = hand_built_run([](std::size_t) {
    return std::vector<std::vector<double>>{{0, 10, 1}};
  });
  CHECK(lab_exits(run).empty());
  CHECK(describe_lab_exits(lab_exits(run), 4) == "none in 4 replicates");
  RunResult bare;
  bare.catalog.set_time_axis({Cadence::monthly, {Date::from_ymd(2025, 1, 1)}});
  bare.replicates.emplace_back(bare.catalog);
  CHECK(lab_exits(bare).empty());
}

}  // namespace lab_exits_test
