// The talent mechanism alone (agents/talent.hpp): small hand-built worlds of three labs, two in
// the US and one in China, stepped monthly with fixed inputs.
#include "agents/talent.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numeric>

using namespace airace;

namespace talent_test {

namespace {
const Date kStart = Date::from_ymd(2022, 1, 1);

// Labs us_a, us_b (US) and cn (China), 100 researchers each, $2M/year per researcher in the US
// and $0.5M in China.
LabsSetup three_labs() {
  LabsSetup s;
  s.n_labs = 3;
  s.start = kStart;
  s.country = {0, 0, 1};
  for (double cost : {2e8, 2e8, 5e7}) {
    LabConfig l;
    l.researchers = 100;
    l.talent_cost_usd_per_year = cost;
    s.labs.push_back(l);
  }
  return s;
}

TalentSetup setup_of(TalentParams p, const LabsSetup& labs = three_labs()) {
  return resolve_talent(p, labs, {"US", "CN"});
}

// No new researchers: only moves and exits change the total.
TalentParams no_entry() {
  TalentParams p;
  p.us_entry_per_year = p.cn_entry_per_year = p.other_entry_per_year = 0.0;
  return p;
}

struct Inputs {
  std::vector<double> pay_factor{1.0, 1.0, 1.0};
  std::vector<double> compute{2000.0, 2000.0, 1000.0};
  std::vector<double> capability{25.0, 25.0, 24.5};
  std::vector<Date> exited_on;  // empty: no lab exits
  TalentInputs view() const { return {pay_factor, compute, capability, exited_on}; }
};

TalentState run_months(const TalentSetup& s, const Inputs& in, int months) {
  TalentState st = initial_talent_state(s), next;
  Date d = kStart;
  for (int m = 1; m <= months; ++m) {
    const Date to = d.plus_months(1);
    step_talent(s, st, next, in.view(), {to, d, static_cast<std::size_t>(m), years_between(d, to)});
    std::swap(st, next);
    d = to;
  }
  return st;
}

double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// Researchers who moved from China to the US (country 1 to country 0) since the start.
double cn_to_us(const TalentState& st) { return st.moves[1 * 2 + 0]; }
double us_to_cn(const TalentState& st) { return st.moves[0 * 2 + 1]; }
}  // namespace

TEST_CASE("talent: higher pay draws researchers") {
  LabsSetup labs = three_labs();
  labs.labs[1].talent_cost_usd_per_year = 4e8;  // us_b pays twice as much per researcher
  const TalentState st = run_months(setup_of(no_entry(), labs), Inputs{}, 24);
  CHECK(st.researchers[1] > st.researchers[0] + 10);
  // Equal labs stay equal.
  const TalentState even = run_months(setup_of(no_entry()), Inputs{}, 24);
  CHECK(even.researchers[0] == doctest::Approx(even.researchers[1]));
}

TEST_CASE("talent: more compute per researcher and a better model draw researchers") {
  Inputs more_compute;
  more_compute.compute[1] = 8000.0;
  const TalentState a = run_months(setup_of(no_entry()), more_compute, 24);
  CHECK(a.researchers[1] > a.researchers[0]);
  Inputs ahead;
  ahead.capability[1] = 26.0;
  const TalentState b = run_months(setup_of(no_entry()), ahead, 24);
  CHECK(b.researchers[1] > b.researchers[0]);
}

TEST_CASE("talent: a lab with pay_factor 0 loses its staff to the others") {
  Inputs in;
  in.pay_factor[0] = 0.0;
  const TalentSetup s = setup_of(no_entry());
  const TalentState st = run_months(s, in, 12);
  CHECK(st.researchers[0] < 5.0);
  CHECK(st.researchers[1] > 130.0);  // up to its hiring cap; the rest leave the labs
  CHECK(total(st.exits) > 0.0);
  // The less it can pay, the faster it shrinks.
  const double none = run_months(s, in, 3).researchers[0];
  in.pay_factor[0] = 0.5;
  const double half = run_months(s, in, 3).researchers[0];
  in.pay_factor[0] = 1.0;
  const double full = run_months(s, in, 3).researchers[0];
  CHECK(none < half);
  CHECK(half < full - 10.0);
}

TEST_CASE("talent: a lab that has exited takes no one, however attractive, and its staff leave") {
  const TalentSetup s = setup_of(no_entry());
  const double team = initial_talent_state(s).researchers[0];
  Inputs in;
  in.compute[0] = 1e6;  // the most attractive lab by far on compute per researcher
  in.capability[0] = 27.0;
  const TalentState active = run_months(s, in, 12);
  CHECK(active.researchers[0] > team + 20.0);
  // Exited ten days in (labs also set its pay_factor to 0; here only the exit acts): those who
  // reconsider all go elsewhere and no one joins.
  in.exited_on = {kStart.plus_days(10), Date::from_ymd(9999, 12, 31), Date::from_ymd(9999, 12, 31)};
  const TalentState gone = run_months(s, in, 12);
  CHECK(gone.researchers[0] < team - 10.0);  // at the rate researchers reconsider (20%/year)
  CHECK(gone.researchers[1] + gone.researchers[2] > active.researchers[1] + active.researchers[2]);
}

TEST_CASE("talent: a lab founded later has no staff, takes no one before its founding, then "
          "starts with its founding team") {
  LabsSetup labs = three_labs();
  labs.labs[1].founded = kStart.plus_days(100);  // us_b, founded in the fourth month
  const TalentSetup s = setup_of(TalentParams{}, labs);
  Inputs in;
  in.pay_factor = {1.0, 1.0, 1.0};
  in.compute = {2000.0, 1e6, 1000.0};  // us_b would be the most attractive lab by far
  const TalentState start = initial_talent_state(s);
  CHECK(start.researchers[1] == 0.0);
  const TalentState before = run_months(s, in, 3);
  CHECK(before.researchers[1] == 0.0);
  // Without us_b the others' flows are those of a world where it does not exist: the US total
  // grows by entrants only into us_a.
  CHECK(before.researchers[0] > 100.0);
  const TalentState after = run_months(s, in, 4);
  CHECK(after.researchers[1] == doctest::Approx(100.0));
  CHECK(after.entrants[0] - before.entrants[0] >= 100.0);  // the founding team counts as entrants
  const TalentState later = run_months(s, in, 16);
  CHECK(later.researchers[1] > 150.0);  // then it hires like any lab
}

TEST_CASE("talent: a lower US visa openness lowers moves into the US") {
  TalentParams p = no_entry();
  p.cn_returnee_programme = 0.0;
  auto moved_in = [&](double openness) {
    p.us_visa_openness = openness;
    return cn_to_us(run_months(setup_of(p), Inputs{}, 24));
  };
  const double open = moved_in(1.0), half = moved_in(0.5), shut = moved_in(0.0);
  CHECK(open > 1.0);
  CHECK(half < open);
  CHECK(half > 0.0);
  CHECK(shut == 0.0);
}

TEST_CASE("talent: the returnee programme raises moves into China") {
  TalentParams p = no_entry();
  p.cn_returnee_programme = 0.0;
  const double none = us_to_cn(run_months(setup_of(p), Inputs{}, 24));
  p.cn_returnee_programme = 2.0;
  const double strong = us_to_cn(run_months(setup_of(p), Inputs{}, 24));
  CHECK(strong > 2.0 * none);
}

TEST_CASE("talent: moves conserve the total and only entries and exits change it") {
  Inputs in;
  in.compute = {50000.0, 100.0, 3000.0};
  in.capability = {26.0, 24.0, 25.5};
  TalentParams p = no_entry();
  p.us_visa_openness = 0.3;
  const TalentSetup s = setup_of(p);
  const TalentState st = run_months(s, in, 60);
  CHECK(total(st.researchers) == doctest::Approx(300.0).epsilon(1e-12));
  CHECK(st.researchers[0] != doctest::Approx(100.0));  // it did move people
  CHECK(total(st.exits) == 0.0);
  // With entrants and a lab that cannot pay: the total changes by entries minus exits.
  in.pay_factor = {1.0, 0.3, 1.0};
  const TalentSetup grows = setup_of(TalentParams{});
  const TalentState g = run_months(grows, in, 60);
  CHECK(total(g.entrants) > 0.0);
  CHECK(total(g.exits) >= 0.0);
  CHECK(total(g.researchers) ==
        doctest::Approx(300.0 + total(g.entrants) - total(g.exits)).epsilon(1e-12));
}

TEST_CASE("talent: a lab grows no faster than its hiring cap") {
  Inputs in;
  in.compute[1] = 1e7;  // everyone wants to work at us_b
  TalentParams p;
  p.mobility_per_year = 1.0;
  p.max_headcount_growth_per_year = 1.5;
  const TalentState st = run_months(setup_of(p), in, 12);
  CHECK(st.researchers[1] <= 150.0 * (1 + 1e-12));
  CHECK(st.researchers[1] > 140.0);
}

TEST_CASE("talent: researchers stay finite and non-negative whatever the inputs") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Inputs in;
  in.pay_factor = {nan, -3.0, 7.0};
  in.compute = {-5.0, inf, 0.0};
  in.capability = {-inf, nan, 1e6};
  TalentParams p;
  p.mobility_per_year = 12.0;
  p.pay_weight = p.compute_weight = p.standing_weight = 10.0;
  p.cn_returnee_programme = 10.0;
  p.max_headcount_growth_per_year = 100.0;
  p.unpaid_leave_per_year = 365.0;
  const TalentSetup s = setup_of(p);
  TalentState st = initial_talent_state(s), next;
  Date d = kStart;
  for (int m = 1; m <= 120; ++m) {
    const Date to = d.plus_months(1);
    step_talent(s, st, next, in.view(), {to, d, static_cast<std::size_t>(m), years_between(d, to)});
    std::swap(st, next);
    d = to;
    for (double r : st.researchers) {
      REQUIRE(std::isfinite(r));
      REQUIRE(r >= 0.0);
    }
    for (double x : st.moves) REQUIRE(std::isfinite(x));
  }
  // A first tick on the start date (dt = 0) changes nothing.
  const TalentState first = initial_talent_state(s);
  step_talent(s, first, next, Inputs{}.view(), {kStart, kStart, 0, 0.0});
  CHECK(next.researchers == first.researchers);
  for (double x : next.exits_per_year) CHECK(x == 0.0);
}

TEST_CASE("talent: the same inputs give bit-identical flows") {
  Inputs in;
  in.compute = {12345.0, 678.0, 9000.0};
  const TalentSetup s = setup_of(TalentParams{});
  const TalentState a = run_months(s, in, 36);
  const TalentState b = run_months(s, in, 36);
  CHECK(a.researchers == b.researchers);
  CHECK(a.moves == b.moves);
}

TEST_CASE("talent: the section resolves US and China values by country id") {
  TalentParams p;
  p.us_visa_openness = 0.25;
  p.cn_entry_per_year = 0.4;
  LabsSetup labs = three_labs();
  const TalentSetup s = resolve_talent(p, labs, {"CN", "US", "EU"});
  CHECK(s.visa_openness == std::vector<double>{1.0, 0.25, 1.0});
  CHECK(s.entry_per_year == std::vector<double>{0.4, 0.2, 0.2});
  CHECK(s.returnee_utility == std::vector<double>{1.5, 0.0, 0.0});
  CHECK(s.full_pay_usd_per_year == std::vector<double>{2e6, 2e6, 5e5});
  CHECK(talent_schema().describe().size() == 13);
}

}  // namespace talent_test
