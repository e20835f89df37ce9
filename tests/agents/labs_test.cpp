#include "agents/labs.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "agents/markets.hpp"
#include "tests/agents/module_input.hpp"

using namespace airace;
using namespace airace::testing;

namespace labs_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";
const Date kStart = Date::from_ymd(2022, 1, 1);

// small.yaml's labs through the labs' own schemas and resolve_labs. cn_lab gets the values of its
// archetype, efficient_challenger, written out, as the scenario would merge them; `more` wins.
struct Labs {
  std::vector<LabConfig> labs;
  LabsSetup labs_setup;
};
Labs quiet_small(std::vector<std::string> more = {}) {
  more.insert(more.begin(), {"lab_model.efficiency_noise_sigma=0", "labs.cn_lab.talent=1.5",
                             "labs.cn_lab.open_bias=1", "labs.cn_lab.initially_open=true"});
  const ConfigNode tree = module_file_tree(kSmall, more);
  Diagnostics diags;
  Labs out;
  const auto params = read_section(tree, "lab_model", lab_model_schema(), diags);
  out.labs = read_list(tree, "labs", lab_schema(), diags);
  std::vector<std::string> country_ids;
  for (const Country& c : read_countries(tree)) country_ids.push_back(c.id);
  out.labs_setup = resolve_labs(out.labs, params, country_ids, kStart);
  require_no_errors(diags);
  return out;
}

// The diagnostics of small.yaml's labs, with `more` set, through their schema and
// validate_founding, one per line (empty: none).
std::string founding_errors(const std::vector<std::string>& more) {
  const ConfigNode tree = module_file_tree(kSmall, more);
  Diagnostics diags;
  const auto labs = read_list(tree, "labs", lab_schema(), diags);
  validate_founding(labs, kStart, diags);
  std::string all;
  for (const Diagnostic& d : diags.all()) all += format_diagnostic(d) + "\n";
  return all;
}

Tick tick_between(Date from, Date to, std::size_t index = 1) {
  return {to, from, index, years_between(from, to)};
}

const StreamKey kKey{1, 0, Stream::test};

// Steps labs monthly for `months` with fixed inputs; returns the final state and the releases.
struct Run {
  LabState state;
  std::vector<Release> releases;
};
const StreamKey kPlanKey{1, 0, kLabTrainingStream};

// As the labs module runs them: the research tick on the last day of each month, then that day's
// runs; the runs every day. `inputs_from(d)` gives the inputs of the month that starts on d.
template <class InputsFrom>
Run run_months_with(const LabsSetup& s, LabState st, InputsFrom inputs_from, int months,
                    StreamKey key = kKey, StreamKey plan_key = kPlanKey) {
  Run r;
  LabState next;
  Date d = kStart;
  for (int m = 1; m <= months; ++m) {
    const Date to = d.plus_months(1);
    const LabInputs in = inputs_from(d);
    for (Date day = d.plus_days(1); !(to < day); day = day.plus_days(1)) {
      if (day == to) {
        step_labs(s, st, next, in, tick_between(d, to, static_cast<std::size_t>(m)), key);
        std::swap(st, next);
      }
      step_runs(s, st, in, day, plan_key, key, r.releases);
    }
    d = to;
  }
  r.state = std::move(st);
  return r;
}

// The same with fixed inputs.
Run run_months(const LabsSetup& s, LabState st, const LabInputs& in, int months,
               StreamKey key = kKey, StreamKey plan_key = kPlanKey) {
  return run_months_with(
      s, std::move(st), [&](Date) { return in; }, months, key, plan_key);
}

struct Inputs {
  std::vector<double> training{10000.0, 2000.0};
  std::vector<double> compute{10000.0, 2000.0};
  std::vector<double> scarcity{0.0, 0.0};
  std::vector<double> encouragement{0.0, 0.0};
  LabInputs view() const { return {training, compute, scarcity, encouragement, {}, {}, {}, {}, {}, {}}; }
};
}  // namespace

TEST_CASE("capability is log10 of effective training compute and rises with compute") {
  const LabModelParams p;
  const double small = effective_training_compute_flop(1000, 1.0, 0.3, p);
  const double big = effective_training_compute_flop(10000, 1.0, 0.3, p);
  CHECK(big == doctest::Approx(10 * small));
  CHECK(capability_from_compute(big) - capability_from_compute(small) == doctest::Approx(1.0));
  // 989 TFLOP/s x 0.4 MFU x 0.3 share x 90 days for 1000 H100e.
  CHECK(small == doctest::Approx(1000 * 989e12 * 0.4 * 0.3 * 90 * 86400));
  CHECK(effective_training_compute_flop(1000, 2.0, 0.3, p) == doctest::Approx(2 * small));
}

TEST_CASE("efficiency grows at the plain rate when the scarcity elasticity is 0") {
  const Labs s =
      quiet_small({"lab_model.scarcity_elasticity=0", "lab_model.open_spillover_per_year=0",
                   "lab_model.closed_spillover_per_year=0"});
  Inputs in;
  in.scarcity = {0.0, 0.8};  // scarce compute changes nothing at elasticity 0
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run r = run_months(s.labs_setup, start, in.view(), 24);
  const double years = years_between(kStart, kStart.plus_months(24));
  CHECK(r.state.efficiency[0] == doctest::Approx(std::pow(2.8, years)));
  CHECK(r.state.efficiency[1] == doctest::Approx(std::pow(3.5, years)));
}

TEST_CASE("from a dated change on, a lab's efficiency grows at the change's pace") {
  const Date change = Date::from_ymd(2022, 7, 15);
  const Labs s = quiet_small(
      {"lab_model.scarcity_elasticity=0", "lab_model.open_spillover_per_year=0",
       "lab_model.closed_spillover_per_year=0",
       "labs.cn_lab.efficiency_growth_changes=[{id: later, date: 2022-07-15, per_year: 1.5}]"});
  const LabConfig& cn_lab = s.labs_setup.labs[1];
  REQUIRE(cn_lab.efficiency_growth_changes.size() == 1);
  // A month that holds the change: its days at each pace; a month after it: the new pace's log.
  CHECK(
      mean_log_efficiency_growth(cn_lab, Date::from_ymd(2022, 7, 1), Date::from_ymd(2022, 8, 1)) ==
      doctest::Approx((14 * std::log(3.5) + 17 * std::log(1.5)) / 31));
  CHECK(mean_log_efficiency_growth(cn_lab, Date::from_ymd(2022, 8, 1),
                                   Date::from_ymd(2022, 9, 1)) == std::log(1.5));
  CHECK(mean_log_efficiency_growth(cn_lab, kStart, change) == std::log(3.5));
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run r = run_months(s.labs_setup, start, in.view(), 24);
  const Date end = kStart.plus_months(24);
  CHECK(r.state.efficiency[1] == doctest::Approx(std::pow(3.5, years_between(kStart, change)) *
                                                 std::pow(1.5, years_between(change, end))));
  CHECK(r.state.efficiency[0] == doctest::Approx(std::pow(2.8, years_between(kStart, end))));
}

TEST_CASE("two changes of a lab's pace on one day are refused where they are") {
  const ConfigNode tree = module_file_tree(
      kSmall, {"labs.cn_lab.efficiency_growth_changes=[{id: a, date: 2024-12-26, per_year: 2}, "
               "{id: b, date: 2024-12-26, per_year: 3}]"});
  Diagnostics diags;
  (void)read_list(tree, "labs", lab_schema(), diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags.all()[0].key_path == "labs[cn_lab].efficiency_growth_changes[b].date");
  CHECK(diags.all()[0].message.find("two changes of the pace on 2024-12-26") != std::string::npos);
}

TEST_CASE("a dated efficiency step multiplies a lab's efficiency once, at its next research tick") {
  // cn_lab's efficiency is multiplied by 4 on 2022-07-15 (the month's tick, 2022-08-01, takes it
  // in) and grows at its pace before and after; us_lab has no step.
  const Labs s =
      quiet_small({"lab_model.scarcity_elasticity=0", "lab_model.open_spillover_per_year=0",
                   "lab_model.closed_spillover_per_year=0",
                   "labs.cn_lab.efficiency_steps=[{id: moe, date: 2022-07-15, factor: 4}]"});
  const LabConfig& cn_lab = s.labs_setup.labs[1];
  REQUIRE(cn_lab.efficiency_steps.size() == 1);
  CHECK(efficiency_step_factor(cn_lab, Date::from_ymd(2022, 7, 1), Date::from_ymd(2022, 8, 1)) ==
        4.0);
  CHECK(efficiency_step_factor(cn_lab, Date::from_ymd(2022, 6, 1), Date::from_ymd(2022, 7, 15)) ==
        4.0);
  CHECK(efficiency_step_factor(cn_lab, Date::from_ymd(2022, 7, 15), Date::from_ymd(2022, 8, 1)) ==
        1.0);
  CHECK(efficiency_step_factor(s.labs_setup.labs[0], kStart, Date::from_ymd(2030, 1, 1)) == 1.0);
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run before = run_months(s.labs_setup, start, in.view(), 6);  // to 2022-07-01
  CHECK(before.state.efficiency[1] ==
        doctest::Approx(std::pow(3.5, years_between(kStart, kStart.plus_months(6)))));
  const Run r = run_months(s.labs_setup, start, in.view(), 24);
  const Date end = kStart.plus_months(24);
  CHECK(r.state.efficiency[1] == doctest::Approx(4.0 * std::pow(3.5, years_between(kStart, end))));
  CHECK(r.state.efficiency[0] == doctest::Approx(std::pow(2.8, years_between(kStart, end))));
}

TEST_CASE("an efficiency step on or before the start date is refused where it is") {
  const ConfigNode tree = module_file_tree(
      kSmall, {"labs.cn_lab.efficiency_steps=[{id: early, date: 2022-01-01, factor: 2}, "
               "{id: later, date: 2022-01-02, factor: 2}]"});
  Diagnostics diags;
  const auto labs = read_list(tree, "labs", lab_schema(), diags);
  REQUIRE(diags.size() == 0);
  validate_founding(labs, kStart, diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags.all()[0].key_path == "labs[cn_lab].efficiency_steps[early].date");
  CHECK(diags.all()[0].message.find("part of its initial_efficiency") != std::string::npos);
  CHECK(diags.all()[0].where.line > 0);  // at the step's own line
}

TEST_CASE("research effort: growth rises with research input and falls as ideas get harder") {
  LabModelParams p;
  // Off (the defaults): a factor of exactly 1 whatever the inputs.
  CHECK(research_drive(p, 5.0, 1.0, 30.0, 1.0) == 1.0);
  p.research_input_elasticity = 0.6;
  p.research_difficulty = 0.8;
  // At the lab's first inputs and initial efficiency: 1.
  CHECK(research_drive(p, 2.0, 2.0, 0.5, 0.5) == doctest::Approx(1.0));
  // Twice the research input: 2^0.6 times the growth.
  CHECK(research_drive(p, 4.0, 2.0, 0.5, 0.5) == doctest::Approx(std::pow(2.0, 0.6)));
  // Ten times the initial efficiency on the same input: 10^-0.8 of the growth.
  CHECK(research_drive(p, 2.0, 2.0, 5.0, 0.5) == doctest::Approx(std::pow(10.0, -0.8)));
  // Balanced growth: input growing by gR a year keeps efficiency growing at a steady gA when
  // lambda ln gR = beta ln gA.
  const double gR = 4.0, gA = std::exp(0.6 * std::log(gR) / 0.8);
  for (int year = 1; year <= 5; ++year)
    CHECK(research_drive(p, std::pow(gR, year), 1.0, std::pow(gA, year), 1.0) ==
          doctest::Approx(1.0));
}

TEST_CASE("with research effort on, a lab on flat compute slows down and one that grows does not") {
  const Labs s = quiet_small({"lab_model.research_input_elasticity=0.6",
                              "lab_model.research_difficulty=0.8", "lab_model.shrink_per_year=0",
                              "labs.us_lab.capital_usd=1e13", "labs.cn_lab.capital_usd=1e13"});
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  // Flat compute: efficiency growth in the fifth year is well below the first year's.
  const Run one = run_months(s.labs_setup, start, in.view(), 12);
  const Run five = run_months(s.labs_setup, start, in.view(), 60);
  const Run four = run_months(s.labs_setup, start, in.view(), 48);
  const double first_year = std::log(one.state.efficiency[0] / start.efficiency[0]);
  const double fifth_year = std::log(five.state.efficiency[0] / four.state.efficiency[0]);
  CHECK(fifth_year < 0.6 * first_year);
  // Compute that grows as fast as balanced growth needs keeps the pace up: research input
  // grows by 4^0.5 a year (compute weight 0.5), so efficiency holds its pace near
  // exp(0.6 ln 2 / 0.8) = 1.68x a year once past the start.
  Inputs growing;
  LabState st = start;
  Run r;
  LabState next;
  Date d = kStart;
  std::vector<double> eff;
  for (int m = 1; m <= 60; ++m) {
    const double scale = std::pow(4.0, (m - 1) / 12.0);
    growing.training = {10000.0 * scale, 2000.0 * scale};
    step_labs(s.labs_setup, st, next, growing.view(),
              tick_between(d, d.plus_months(1), static_cast<std::size_t>(m)), kKey);
    std::swap(st, next);
    d = d.plus_months(1);
    if (m % 12 == 0) eff.push_back(st.efficiency[0]);
  }
  const double late = std::log(eff[4] / eff[3]);
  CHECK(late > 1.5 * fifth_year);
}

TEST_CASE("efficiency growth rises with the scarcity elasticity") {
  Inputs in;
  in.scarcity = {0.0, 0.5};
  double previous = 0.0;
  for (const char* e : {"0", "0.5", "1", "2"}) {
    const Labs s = quiet_small({std::string("lab_model.scarcity_elasticity=") + e,
                                    "lab_model.open_spillover_per_year=0",
                                    "lab_model.closed_spillover_per_year=0"});
    const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
    const Run r = run_months(s.labs_setup, start, in.view(), 12);
    CHECK(r.state.efficiency[1] > previous);
    previous = r.state.efficiency[1];
    // A lab that got the compute it wanted grows at the plain rate whatever the elasticity.
    CHECK(r.state.efficiency[0] ==
          doctest::Approx(std::pow(2.8, years_between(kStart, kStart.plus_months(12)))));
    // docs/model.md: ln A grows by ln g (1 + elasticity x scarcity) per year.
    const double years = years_between(kStart, kStart.plus_months(12));
    CHECK(std::log(r.state.efficiency[1]) ==
          doctest::Approx(std::log(3.5) * (1 + std::stod(e) * 0.5) * years));
  }
}

TEST_CASE("a lab ahead of every rival's release grows the slower the further ahead it is") {
  Inputs in;
  // cn_lab (own pace 3.5x/year) leads lab 0 (2.8x/year) by `lead` in ln efficiency.
  const auto grown = [&](const char* difficulty, double lead) {
    const Labs s = quiet_small(
        {std::string("lab_model.lead_difficulty=") + difficulty, "lab_model.scarcity_elasticity=0",
         "lab_model.open_spillover_per_year=0", "lab_model.closed_spillover_per_year=0"});
    LabState st = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
    st.efficiency = {1.0, std::exp(lead)};
    st.released_log_efficiency = {0.0, lead};
    LabState next;
    step_labs(s.labs_setup, st, next, in.view(), tick_between(kStart, kStart.plus_months(12)),
              kKey);
    return std::vector<double>{std::log(next.efficiency[0]), std::log(next.efficiency[1]) - lead};
  };
  const double years = years_between(kStart, kStart.plus_months(12));
  CHECK(grown("0", 3.0)[1] == doctest::Approx(std::log(3.5) * years));  // off: its own pace
  // docs/model.md: ln g · exp(-difficulty · lead) per year.
  CHECK(grown("0.3", 3.0)[1] == doctest::Approx(std::log(3.5) * std::exp(-0.9) * years));
  CHECK(grown("0.3", 3.0)[1] < grown("0.3", 1.0)[1]);
  // Level with the best release it loses nothing; the lab behind keeps its own pace.
  CHECK(grown("0.3", 0.0)[1] == doctest::Approx(std::log(3.5) * years));
  CHECK(grown("0.3", 3.0)[0] == doctest::Approx(std::log(2.8) * years));
  LabModelParams p;
  p.lead_difficulty = 0.3;
  CHECK(lead_drive(p, -2.0) == 1.0);  // behind: no loss
}

TEST_CASE("open releases raise rivals' efficiency and closed ones much less") {
  const Labs s = quiet_small();
  const LabsSetup& setup = s.labs_setup;
  Inputs in;
  LabState st = initial_lab_state(setup, in.training, kStart, kKey);
  // Lab 1 released a model at 8x lab 0's efficiency a year ago.
  st.efficiency = {1.0, 8.0};
  st.released_log_efficiency = {0.0, std::log(8.0)};
  st.released_on = {kStart.plus_days(-365), kStart.plus_days(-365)};
  const Tick month = tick_between(kStart, kStart.plus_months(1));
  LabState open = st, closed = st;
  open.released_open = {0, 1};
  closed.released_open = {0, 0};
  LabState after_open = open, after_closed = closed;
  apply_spillovers(setup, open, after_open, month);
  apply_spillovers(setup, closed, after_closed, month);
  const double gain_open = std::log(after_open.efficiency[0]);
  const double gain_closed = std::log(after_closed.efficiency[0]);
  CHECK(gain_open > 0.0);
  CHECK(gain_closed > 0.0);
  CHECK(gain_open > 5.0 * gain_closed);  // default rates 1.5/year open, 0.1/year closed
  // The releaser learns nothing from the lab behind it.
  CHECK(after_open.efficiency[1] == 8.0);
  // A release not yet past the lag does not spill over.
  LabState fresh = open;
  fresh.released_on = {kStart, kStart};
  LabState after_fresh = fresh;
  apply_spillovers(setup, fresh, after_fresh, month);
  CHECK(after_fresh.efficiency[0] == 1.0);
}

TEST_CASE("spillover never lifts a lab beyond the releaser's level") {
  const Labs s = quiet_small({"lab_model.open_spillover_per_year=100"});
  Inputs in;
  LabState st = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  st.talent = {1e6, 1e6};  // absorptive capacity ~1
  st.efficiency = {1.0, 8.0};
  st.released_log_efficiency = {0.0, std::log(8.0)};
  st.released_on = {kStart.plus_days(-365), kStart.plus_days(-365)};
  st.released_open = {0, 1};
  LabState next = st;
  apply_spillovers(s.labs_setup, st, next, tick_between(kStart, kStart.plus_months(60)));
  CHECK(next.efficiency[0] <= 8.0);
  CHECK(next.efficiency[0] == doctest::Approx(8.0).epsilon(1e-6));
}

TEST_CASE("a lab whose money runs out raises it, from investors up to a share of its value") {
  LabConfig lab;
  LabModelParams p;
  p.funding_runway_years = 1.5;
  p.revenue_multiple = 40.0;
  p.max_dilution = 0.2;
  // Money left: nothing happens.
  const Financing rich = finance(lab, p, 5e8, 2e9, 1e9, 1e8, 9.0);
  CHECK(rich.capital == 5e8);
  CHECK(rich.raised == 0.0);
  CHECK(rich.from == FundingSource::none);
  CHECK(rich.pay_factor == 1.0);
  // 1e9 short, burning 2e9 a year: it raises the gap and 1.5 years of burn, 4e9, which investors
  // give (a fifth of 40 x 1e9 revenue is 8e9).
  const Financing funded = finance(lab, p, -1e9, 2e9, 1e9, 1e8, 9.0);
  CHECK(funded.from == FundingSource::investors);
  CHECK(funded.raised == doctest::Approx(4e9));
  CHECK(funded.capital == doctest::Approx(3e9));
  CHECK(funded.pay_factor == 1.0);
  // With little revenue investors give 0.2 x 40 x 5e7 = 4e8: the lab cuts, its capital stays at
  // zero and it pays its staff what is left.
  const Financing cut = finance(lab, p, -1e9, 2e9, 5e7, 1e9, 9.0);
  CHECK(cut.raised == doctest::Approx(4e8));
  CHECK(cut.capital == 0.0);
  CHECK(cut.unpaid == doctest::Approx(6e8));
  CHECK(cut.pay_factor == doctest::Approx(0.4));
  // Investors come back only years_between_rounds after the last round.
  p.years_between_rounds = 0.5;
  const Financing too_soon = finance(lab, p, -1e9, 2e9, 1e9, 1e9, 0.25);
  CHECK(too_soon.raised == 0.0);
  CHECK(too_soon.from == FundingSource::none);
  CHECK(too_soon.capital == 0.0);
  CHECK(too_soon.pay_factor == 0.0);
  // A parent company or the state covers the gap whatever the revenue.
  LabConfig child = lab;
  child.parent_budget_usd_per_year = 1e9;
  CHECK(finance(child, p, -1e9, 2e9, 0.0, 1e8, 0.0).from == FundingSource::parent);
  CHECK(finance(child, p, -1e9, 2e9, 0.0, 1e8, 0.0).capital == doctest::Approx(3e9));
  LabConfig state = lab;
  state.state_linked = true;
  CHECK(finance(state, p, -1e9, 2e9, 0.0, 1e8, 0.0).from == FundingSource::state);
}

TEST_CASE("a lab whose capital runs out loses talent and it comes back with money") {
  const Labs s = quiet_small({"labs.us_lab.capital_usd=-1e9", "lab_model.shrink_per_year=1",
                                  "lab_model.market_usd_per_year=0", "adoption_model.adopters=0"});
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run poor = run_months(s.labs_setup, start, in.view(), 12);
  // No revenue, so no investor: it cannot pay its staff, who leave; its capital never goes
  // below zero.
  CHECK(poor.state.talent[0] < 0.5 * s.labs[0].talent);
  CHECK(poor.state.capital_usd[0] == 0.0);
  CHECK(poor.state.pay_factor[0] < 0.5);
  CHECK(poor.state.unpaid_usd[0] > 0.0);
  LabState refunded = poor.state;
  refunded.capital_usd[0] = 1e12;
  const Run back = run_months(s.labs_setup, refunded, in.view(), 24);
  CHECK(back.state.talent[0] > 0.8 * s.labs[0].talent);
}

TEST_CASE("short of money, a lab cuts its chip buying before its staff's pay") {
  // No revenue: its net operating costs are its staff and the running costs of its compute.
  const std::vector<std::string> poor = {"lab_model.market_usd_per_year=0",
                                         "adoption_model.adopters=0",
                                         "labs.us_lab.capital_usd=3e9"};
  std::vector<std::string> kept = poor;
  kept.push_back("lab_model.operating_reserve_years=1");
  const Labs s = quiet_small(kept);
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run one = run_months(s.labs_setup, start, in.view(), 1);
  const double burn = s.labs[0].talent_cost_usd_per_year + 3000.0 * in.compute[0];
  CHECK(one.state.reserve_usd[0] == doctest::Approx(burn));
  CHECK(chip_budget_usd(one.state, 0) == doctest::Approx(one.state.capital_usd[0] - burn));
  // Without a reserve everything it has may go on chips; with capital below its reserve, none.
  const Labs all = quiet_small(poor);
  const Run spend_all = run_months(all.labs_setup, start, in.view(), 1);
  CHECK(spend_all.state.reserve_usd[0] == 0.0);
  CHECK(chip_budget_usd(spend_all.state, 0) == spend_all.state.capital_usd[0]);
  LabState short_of_money = one.state;
  short_of_money.capital_usd[0] = 0.5 * burn;
  CHECK(chip_budget_usd(short_of_money, 0) == 0.0);
}

TEST_CASE("a lab that cannot pay its staff for exit_after_unpaid_years exits") {
  // cn_lab has no money and no revenue, and neither parent nor state behind it; its best model
  // has open weights (initially_open) and it releases closed and open ones.
  const std::vector<std::string> poor = {
      "labs.cn_lab.capital_usd=-1e9",    "lab_model.market_usd_per_year=0",
      "adoption_model.adopters=0",       "lab_model.training_run_days=60",
      "lab_model.post_training_days=20", "labs.cn_lab.open_bias=0"};
  std::vector<std::string> exits = poor;
  exits.push_back("lab_model.exit_after_unpaid_years=0.5");
  const Labs s = quiet_small(exits);
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run r = run_months(s.labs_setup, start, in.view(), 24);
  REQUIRE(exited(r.state, 1));
  // Unpaid from its first monthly tick on: 181 days of it by 2022-07-01, half a year by 08-01.
  CHECK(r.state.exited_on[1] == Date::from_ymd(2022, 8, 1));
  CHECK_FALSE(exited(r.state, 0));
  int after = 0, before = 0;
  for (const Release& rel : r.releases)
    if (rel.lab == 1) ++(rel.date < r.state.exited_on[1] ? before : after);
  CHECK(before > 0);
  CHECK(after == 0);  // it trains and releases nothing more
  CHECK(r.state.run_flop_per_second[1] == 0.0);
  CHECK(r.state.pending[1].empty());
  CHECK(std::isnan(r.state.closed_capability[1]));   // its API is gone with it ...
  CHECK(std::isfinite(r.state.open_capability[1]));  // ... its open weights are not
  CHECK(r.state.pay_factor[1] == 0.0);
  CHECK(r.state.capital_usd[1] == 0.0);
  CHECK(r.state.talent[1] < 0.6 * s.labs[1].talent);  // its staff leave
  CHECK(chip_budget_usd(r.state, 1) == 0.0);
  // It learns nothing more from others' releases.
  const Run later = run_months(s.labs_setup, r.state, in.view(), 12);
  CHECK(later.state.efficiency[1] == r.state.efficiency[1]);
  // With exit_after_unpaid_years 0 labs never exit: it goes on releasing, unpaid.
  const Labs never = quiet_small(poor);
  const Run on = run_months(never.labs_setup, start, in.view(), 24);
  CHECK_FALSE(exited(on.state, 1));
  int late = 0;
  for (const Release& rel : on.releases)
    if (rel.lab == 1 && !(rel.date < Date::from_ymd(2022, 8, 1))) ++late;
  CHECK(late > 0);
}

TEST_CASE("funding rounds add capital on their date") {
  const Labs s =
      quiet_small({"labs.us_lab.funding_rounds=[{id: seed, date: 2022-03-15, usd: 5e9}]"});
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run two = run_months(s.labs_setup, start, in.view(), 2);
  const Run three = run_months(s.labs_setup, start, in.view(), 3);
  const Labs none = quiet_small();
  const Run base = run_months(none.labs_setup, start, in.view(), 3);
  CHECK(three.state.capital_usd[0] - base.state.capital_usd[0] == doctest::Approx(5e9));
  CHECK(two.state.capital_usd[0] < three.state.capital_usd[0] - 4e9);
}

TEST_CASE("a lab founded after the start does nothing before it, then starts with its capital") {
  // cn_lab founded 2022-06-15 with $3e8; lab 0 releases open weights it could learn from.
  const Labs s = quiet_small({"labs.cn_lab.founded=2022-06-15", "labs.cn_lab.capital_usd=3e8",
                              "labs.cn_lab.initial_efficiency=0.5",
                              "lab_model.training_run_days=90"});
  const LabsSetup& setup = s.labs_setup;
  Inputs in;  // cn_lab is given compute throughout: it must not use it before its founding
  LabState start = initial_lab_state(setup, in.training, kStart, kKey);
  CHECK(start.capability[1] == 0.0);
  CHECK(start.capital_usd[1] == 0.0);
  CHECK(std::isnan(start.closed_capability[1]));
  CHECK(std::isnan(start.open_capability[1]));
  // Lab 0 released open weights a year ago, at twice cn_lab's efficiency: cn_lab learns nothing
  // from them before its founding.
  start.released_open[0] = 1;
  const Run before = run_months(setup, start, in.view(), 5);  // to 2022-06-01
  CHECK(before.state.capital_usd[1] == 0.0);
  CHECK(before.state.efficiency[1] == 0.5);
  CHECK(before.state.run_flop[1] == 0.0);
  CHECK(before.state.revenue_usd_per_year[1] == 0.0);
  for (const Release& r : before.releases) CHECK(r.lab == 0);
  const Run founded = run_months(setup, start, in.view(), 6);  // 2022-06-01 .. 2022-07-01
  // The founding tick: its capital and 16 days of flows (staff, running costs), no more.
  const double flows = (s.labs[1].talent_cost_usd_per_year + 3000.0 * in.compute[1]) * 16.0 /
                       365.25;
  CHECK(founded.state.capital_usd[1] == doctest::Approx(3e8 - flows).epsilon(0.02));
  CHECK(founded.state.run_flop[1] ==
        doctest::Approx(in.training[1] * 989e12 * 0.4 * s.labs[1].training_share * 16 * 86400));
  // Its first run starts on its founding day and its first model comes out after it.
  const Run later = run_months(setup, start, in.view(), 24);
  bool first = true;
  for (const Release& r : later.releases)
    if (r.lab == 1 && first) {
      first = false;
      CHECK(r.run_start == Date::from_ymd(2022, 6, 15));
      CHECK_FALSE(r.date < r.run_end);
    }
  CHECK_FALSE(first);
}

TEST_CASE("a lab founded after the start date may not hold chips or plans before it") {
  CHECK(founding_errors({}).empty());
  // small.yaml's cn_lab holds A100s and plans from the start.
  const std::string late = founding_errors({"labs.cn_lab.founded=2023-03-01"});
  CHECK(late.find("labs[cn_lab].chips") != std::string::npos);
  CHECK(late.find("labs[cn_lab].demand") != std::string::npos);
  const std::string ok = founding_errors(
      {"labs.cn_lab.founded=2023-03-01", "labs.cn_lab.chips={}",
       "labs.cn_lab.demand=[{usd_per_year: 1e8, start: 2023-03-01}]", "labs.cn_lab.launch=2023-10-09"});
  CHECK(ok.empty());
  const std::string early = founding_errors(
      {"labs.cn_lab.founded=2023-03-01", "labs.cn_lab.chips={}",
       "labs.cn_lab.demand=[{usd_per_year: 1e8, start: 2023-03-01}]",
       "labs.cn_lab.funding_rounds=[{id: seed, date: 2023-01-01, usd: 1e8}]",
       "labs.cn_lab.launch=2022-10-01", "labs.cn_lab.first_release=2022-11-01"});
  CHECK(early.find("labs[cn_lab].funding_rounds[seed]") != std::string::npos);
  CHECK(early.find("labs[cn_lab].first_release") != std::string::npos);
  CHECK(early.find("labs[cn_lab].launch") != std::string::npos);
}

namespace {
int64_t days_between(Date a, Date b) { return b.days_since_epoch() - a.days_since_epoch(); }
double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? std::nan("") : 0.5 * (v[(v.size() - 1) / 2] + v[v.size() / 2]);
}
}  // namespace

TEST_CASE("a lab releases each model when its post-training ends, on a working day") {
  const Labs s = quiet_small({"lab_model.training_run_days=90", "lab_model.rush_share=0"});
  Inputs in;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run r = run_months(s.labs_setup, start, in.view(), 48);
  std::vector<const Release*> us_lab;
  for (const Release& rel : r.releases)
    if (rel.lab == 0) us_lab.push_back(&rel);
  REQUIRE(us_lab.size() >= 8);
  std::vector<double> run_days, post_days;
  for (std::size_t k = 0; k < us_lab.size(); ++k) {
    const Release& rel = *us_lab[k];
    CHECK(rel.run_start < rel.run_end);
    CHECK_FALSE(rel.date < rel.run_end);  // never before its run has ended
    CHECK(rel.date.weekday() <= 5);       // labs announce on working days
    if (k > 0) CHECK_FALSE(rel.run_start < us_lab[k - 1]->run_end);  // runs follow one another
    run_days.push_back(static_cast<double>(days_between(rel.run_start, rel.run_end)));
    post_days.push_back(static_cast<double>(days_between(rel.run_end, rel.date)));
    // Capability is log10 of its training FLOP times efficiency.
    CHECK(rel.effective_flop == doctest::Approx(rel.training_flop * rel.efficiency));
    CHECK(rel.capability == doctest::Approx(std::log10(rel.effective_flop)));
  }
  // Run lengths spread around 90 days (lognormal sd 0.25), post-training around 90 (sd 0.5).
  CHECK(median_of(run_days) > 70.0);
  CHECK(median_of(run_days) < 115.0);
  CHECK(median_of(post_days) > 50.0);
  CHECK(median_of(post_days) < 160.0);
  const auto [lo, hi] = std::minmax_element(run_days.begin(), run_days.end());
  CHECK(*hi > *lo + 10.0);  // decided, not gridded: no two labs' calendars alike
  double best = start.capability[0];
  for (const Release* rel : us_lab) best = std::max(best, rel->capability);
  CHECK(r.state.capability[0] == doctest::Approx(best));
  CHECK(r.state.releases[0] == static_cast<double>(us_lab.size()));
}

TEST_CASE("release schedules differ between replicates in timing and in number") {
  const Labs s = quiet_small({"lab_model.training_run_days=90"});
  Inputs in;
  std::set<std::vector<int64_t>> schedules;
  std::set<std::size_t> counts;
  for (uint32_t rep = 0; rep < 8; ++rep) {
    const StreamKey key{1, rep, Stream::test};
    const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, key);
    const Run r = run_months(s.labs_setup, start, in.view(), 36, key,
                             StreamKey{1, rep, kLabTrainingStream});
    std::vector<int64_t> days;
    for (const Release& rel : r.releases)
      if (rel.lab == 0) days.push_back(rel.date.days_since_epoch());
    schedules.insert(days);
    counts.insert(days.size());
  }
  CHECK(schedules.size() == 8);
  CHECK(counts.size() >= 2);
}

TEST_CASE("a rival's better release brings a lab's pending release forward") {
  // rush_share 1: a lab releases the model it is post-training on the next working day when a
  // rival's release beats its own best; with rush_share 0 it waits for its post-training.
  Inputs in;
  in.training = {10000.0, 100000.0};  // cn_lab's releases beat us_lab's best
  struct Waits {
    double mean = 0.0;
    int after_rival = 0;  // us_lab releases within 3 days after a cn_lab release
  };
  auto waits = [&](const std::string& rush) {
    const Labs l = quiet_small({"lab_model.training_run_days=90", "lab_model.rush_share=" + rush,
                                "lab_model.post_training_days=200"});
    const LabState start = initial_lab_state(l.labs_setup, in.training, kStart, kKey);
    const Run r = run_months(l.labs_setup, start, in.view(), 36);
    std::vector<Date> rival;
    for (const Release& rel : r.releases)
      if (rel.lab == 1) rival.push_back(rel.date);
    Waits w;
    int n = 0;
    for (const Release& rel : r.releases) {
      if (rel.lab != 0) continue;
      w.mean += static_cast<double>(days_between(rel.run_end, rel.date));
      ++n;
      for (Date d : rival)
        if (!(rel.date < d) && days_between(d, rel.date) <= 3) ++w.after_rival;
    }
    REQUIRE(n > 0);
    w.mean /= n;
    return w;
  };
  const Waits slow = waits("0"), rushed = waits("1");
  CHECK(rushed.after_rival >= 2);
  CHECK(rushed.after_rival > slow.after_rival);
  CHECK(rushed.mean < 0.9 * slow.mean);
}

TEST_CASE("training runs started later last longer and train more FLOP") {
  const Labs s =
      quiet_small({"lab_model.training_run_days=90", "lab_model.training_run_growth_per_year=1.5",
                   "lab_model.max_training_run_days=200", "lab_model.rush_share=0"});
  const LabsSetup& setup = s.labs_setup;
  CHECK(training_run_length_days(setup, setup.start) == doctest::Approx(90.0));
  CHECK(training_run_length_days(setup, setup.start.plus_days(-100)) == doctest::Approx(90.0));
  CHECK(training_run_length_days(setup, setup.start.plus_months(12)) ==
        doctest::Approx(135.0).epsilon(0.01));
  CHECK(training_run_length_days(setup, setup.start.plus_months(60)) == doctest::Approx(200.0));
  Inputs in;
  const LabState start = initial_lab_state(setup, in.training, kStart, kKey);
  const Run r = run_months(setup, start, in.view(), 60);
  std::vector<double> early_days, late_days, early_flop, late_flop;
  for (const Release& rel : r.releases) {
    if (rel.lab != 0) continue;
    const bool early = rel.run_start < kStart.plus_months(18);
    const bool late = !(rel.run_start < kStart.plus_months(36));
    const double days = static_cast<double>(days_between(rel.run_start, rel.run_end));
    if (early) early_days.push_back(days), early_flop.push_back(rel.training_flop);
    if (late) late_days.push_back(days), late_flop.push_back(rel.training_flop);
  }
  REQUIRE(early_days.size() >= 2);
  REQUIRE(late_days.size() >= 2);
  // On fixed compute, later runs last longer (135 -> 200 typical days) and so train more.
  CHECK(median_of(late_days) > 1.2 * median_of(early_days));
  CHECK(median_of(late_flop) > 1.2 * median_of(early_flop));
}

TEST_CASE("no run is longer than max_training_run_days, however its length is drawn") {
  // docs/model.md §3.3.4 "Planning a run": the spread of a run's length around its typical one
  // stops at the ceiling (Epoch: a run longer than about nine months loses to waiting). With a
  // typical length at the ceiling and a wide spread, half the runs would pass it.
  const Labs s = quiet_small({"lab_model.training_run_days=120",
                              "lab_model.max_training_run_days=120",
                              "lab_model.run_length_sigma=0.8", "lab_model.rush_share=0"});
  Inputs in;
  const Run r = run_months(s.labs_setup, initial_lab_state(s.labs_setup, in.training, kStart, kKey),
                           in.view(), 120);
  int runs = 0, at_ceiling = 0;
  for (const Release& rel : r.releases) {
    const int64_t days = days_between(rel.run_start, rel.run_end);
    CAPTURE(rel.run_start.iso());
    CHECK(days <= 120);
    ++runs;
    at_ceiling += days == 120;
  }
  CHECK(runs >= 10);
  CHECK(at_ceiling >= runs / 4);  // the upper half of the spread stops there
}

TEST_CASE("a lab that trains in shorter runs releases more, smaller models") {
  // docs/model.md §"Labs: training runs and releases": run_length_factor scales a lab's runs
  // against the field's typical length (DeepSeek-V3: ~54 days against ~184).
  const auto releases_of_lab0 = [](const char* factor) {
    const Labs s = quiet_small({"lab_model.training_run_days=90", "lab_model.rush_share=0",
                                std::string("labs.us_lab.run_length_factor=") + factor});
    CHECK(lab_run_length_days(s.labs_setup, 0, kStart) == doctest::Approx(90.0 * std::stod(factor)));
    CHECK(lab_run_length_days(s.labs_setup, 1, kStart) == doctest::Approx(90.0));
    Inputs in;
    const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
    const Run r = run_months(s.labs_setup, start, in.view(), 48);
    std::vector<double> days, flop;
    for (const Release& rel : r.releases)
      if (rel.lab == 0 && kStart < rel.run_start) {
        days.push_back(static_cast<double>(days_between(rel.run_start, rel.run_end)));
        flop.push_back(rel.training_flop);
      }
    return std::make_pair(days, flop);
  };
  const auto [field_days, field_flop] = releases_of_lab0("1");
  const auto [short_days, short_flop] = releases_of_lab0("0.3");
  REQUIRE(field_days.size() >= 2);
  CHECK(short_days.size() > 2 * field_days.size());
  // Runs a third as long on the same compute: about a third of the days and of the FLOP.
  CHECK(median_of(short_days) < 0.45 * median_of(field_days));
  CHECK(median_of(short_days) > 0.2 * median_of(field_days));
  CHECK(median_of(short_flop) < 0.45 * median_of(field_flop));
}

TEST_CASE("a run that trained on no compute releases nothing; the lab trains once it has chips") {
  // A lab founded before its first chips arrive (Mistral in some drawn replicates) ended its
  // first run with 0 FLOP and released a "model" of capability 0, priced at 0, which adopters
  // then used at 10^268 tokens a year.
  const Labs s = quiet_small({"labs.cn_lab.founded=2022-02-15"});
  const LabsSetup& setup = s.labs_setup;
  Inputs none;
  none.training[1] = none.compute[1] = 0.0;
  Inputs chips;  // from 2023-01-01 on, 2,000 H100e
  const auto [st, releases] = run_months_with(
      setup, initial_lab_state(setup, none.training, kStart, kKey),
      [&](Date d) { return (d < Date::from_ymd(2023, 1, 1) ? none : chips).view(); }, 36);
  std::size_t cn_releases = 0;
  for (const Release& r : releases) {
    CAPTURE(r.date.iso());
    CHECK(r.training_flop > 0.0);
    CHECK(r.capability > 20.0);  // log10 FLOP of a real model
    if (r.lab != 1) continue;
    ++cn_releases;
    CHECK_FALSE(r.date < Date::from_ymd(2023, 1, 1));  // it had no chips before
  }
  CHECK(cn_releases >= 1);
  CHECK(st.capability[1] > 20.0);
}

TEST_CASE("a run trains on the compute it started with; chips that come later serve the next") {
  const Labs s = quiet_small();
  const LabsSetup& setup = s.labs_setup;
  Inputs in;
  LabState st = initial_lab_state(setup, in.training, kStart, kKey);
  const double rate = st.run_flop_per_second[0];
  REQUIRE(rate > 0.0);
  Inputs more = in;
  more.training[0] *= 3.0;  // the lab's fleet triples
  const Date feb = kStart.plus_months(1), mar = kStart.plus_months(2);
  // A run under way since before the tick keeps its rate ...
  st.run_start[0] = kStart.plus_days(-10);
  st.run_end[0] = kStart.plus_days(200);
  LabState next;
  step_labs(setup, st, next, more.view(), tick_between(feb, mar, 2), kKey);
  CHECK(next.run_flop_per_second[0] == rate);
  // ... and one that started in it runs on what the lab has now.
  st.run_start[0] = feb.plus_days(3);
  step_labs(setup, st, next, more.view(), tick_between(feb, mar, 2), kKey);
  CHECK(next.run_flop_per_second[0] == doctest::Approx(3.0 * rate));
}

TEST_CASE("a lab trains on its pre-race share until a rival's launch plus the response days") {
  // docs/model.md §3.3.4 "The race onset": cn_lab's runs take 5 % of its compute until 60 days
  // after us_lab's launch, then its training_share; us_lab, without a pre-race share, races from
  // the start.
  const Labs s = quiet_small({"labs.us_lab.launch=2022-11-30", "lab_model.race_response_days=60",
                              "labs.cn_lab.pre_race_training_share=0.05"});
  const LabsSetup& setup = s.labs_setup;
  const Date onset = Date::from_ymd(2023, 1, 29);
  CHECK(setup.race_onset[1] == onset);
  CHECK(setup.race_onset[0] < kStart);
  const double share = setup.labs[1].training_share;
  REQUIRE(share > 0.05);
  CHECK(frontier_training_share(setup, 1, onset.plus_days(-1)) == 0.05);
  CHECK(frontier_training_share(setup, 1, onset) == share);
  CHECK(frontier_training_share(setup, 0, kStart) == setup.labs[0].training_share);
  // Each run trains at the rate of the share of the day it started, on the compute of the first
  // research tick on or after its start: the rates of runs started before and after the onset
  // stand in the ratio of the shares.
  const Inputs in;
  const double per_share = effective_training_compute_flop(in.training[1], 1.0, 1.0, setup.params) /
                           (setup.params.training_run_days * 86400.0);
  LabState st = initial_lab_state(setup, in.training, kStart, kKey);
  CHECK(st.run_flop_per_second[1] == doctest::Approx(0.05 * per_share));
  std::vector<Release> releases;
  LabState next;
  int before = 0, after = 0;
  for (Date d = kStart; d < Date::from_ymd(2024, 6, 1); d = d.plus_months(1)) {
    const Date to = d.plus_months(1);
    for (Date day = d.plus_days(1); !(to < day); day = day.plus_days(1)) {
      if (day == to) {
        step_labs(setup, st, next, in.view(), tick_between(d, to), kKey);
        std::swap(st, next);
        if (d < st.run_start[1]) {  // cn_lab's run started in this month
          CAPTURE(st.run_start[1].iso());
          const bool racing = !(st.run_start[1] < onset);
          (racing ? after : before) += 1;
          CHECK(st.run_flop_per_second[1] == doctest::Approx((racing ? share : 0.05) * per_share));
        }
      }
      step_runs(setup, st, in.view(), day, kPlanKey, kKey, releases);
    }
  }
  CHECK(before >= 1);
  CHECK(after >= 1);
  // Without a pre-race share, the same lab races from the start.
  const Labs racing = quiet_small({"labs.us_lab.launch=2022-11-30"});
  CHECK(racing.labs_setup.race_onset[1] < kStart);
  CHECK(initial_lab_state(racing.labs_setup, in.training, kStart, kKey).run_flop_per_second[1] ==
        doctest::Approx(share * per_share));
}

TEST_CASE("a lab with dated runs trains only them, on their share, and releases each on its day") {
  // docs/model.md §3.3.4 "Dated runs": us_lab's only pre-training until 2022-08-04 is one run on
  // 90 % of its compute from 2022-05-01, released on 2023-03-14 (GPT-4's dates); from its end the
  // lab plans its own runs, and what they finish before 2023-03-14 is smaller and never released.
  const Labs s = quiet_small(
      {"lab_model.rush_share=0", "lab_model.post_training_sigma=0",
       "labs.us_lab.dated_runs=[{id: big, start: 2022-05-01, end: 2022-08-04, training_share: 0.9, "
       "release: 2023-03-14}]"});
  const LabsSetup& setup = s.labs_setup;
  const Inputs in;
  const double per_share = effective_training_compute_flop(in.training[0], 1.0, 1.0, setup.params) /
                           (setup.params.training_run_days * 86400.0);
  const LabState start = initial_lab_state(setup, in.training, kStart, kKey);
  CHECK(start.run_start[0] == Date::from_ymd(2022, 5, 1));  // no run under way at the start
  CHECK(start.run_flop[0] == 0.0);
  CHECK(frontier_training_share(setup, 0, Date::from_ymd(2022, 5, 1)) == 0.9);
  const Run r = run_months(setup, start, in.view(), 36);
  std::vector<const Release*> us_lab;
  for (const Release& rel : r.releases)
    if (rel.lab == 0) us_lab.push_back(&rel);
  REQUIRE(us_lab.size() >= 3);
  const Release& big = *us_lab[0];
  CHECK(big.date == Date::from_ymd(2023, 3, 14));
  CHECK(big.run_start == Date::from_ymd(2022, 5, 1));
  CHECK(big.run_end == Date::from_ymd(2022, 8, 4));
  CHECK(big.training_flop == doctest::Approx(0.9 * per_share * 95 * 86400.0));
  // The lab's own runs follow from the dated run's end; the first it finishes is smaller and is
  // not released (the dated run's model comes first).
  CHECK(us_lab[1]->date > big.date);
  CHECK(us_lab[1]->run_start > Date::from_ymd(2022, 8, 4));
  for (const Release* rel : us_lab) CHECK_FALSE(rel->run_start < Date::from_ymd(2022, 5, 1));
  // cn_lab, without dated runs, released models in 2022 as before.
  CHECK(std::any_of(r.releases.begin(), r.releases.end(), [](const Release& rel) {
    return rel.lab == 1 && rel.date < Date::from_ymd(2023, 1, 1);
  }));

  // On a dated run's release day the lab releases the largest model it has finished: a dated run
  // on 5 % of its compute loses its day to the larger run that followed it.
  const Labs small = quiet_small(
      {"lab_model.rush_share=0", "lab_model.post_training_sigma=0",
       "labs.us_lab.dated_runs=[{id: small, start: 2022-05-01, end: 2022-08-04, training_share: "
       "0.05, release: 2023-03-14}]"});
  const Run r2 = run_months(small.labs_setup,
                            initial_lab_state(small.labs_setup, in.training, kStart, kKey),
                            in.view(), 36);
  const auto first = std::find_if(r2.releases.begin(), r2.releases.end(),
                                  [](const Release& rel) { return rel.lab == 0; });
  REQUIRE(first != r2.releases.end());
  CHECK(first->date == Date::from_ymd(2023, 3, 14));
  CHECK(first->run_start == Date::from_ymd(2022, 8, 4));
  CHECK(first->training_flop > 0.05 * per_share * 95 * 86400.0 * 2.0);

  // A dated run under way at the start date has trained since its own start, at the compute of
  // the start date, as any run under way then.
  const Labs under_way = quiet_small(
      {"labs.us_lab.dated_runs=[{id: old, start: 2021-12-01, end: 2022-02-01, training_share: "
       "0.5, release: 2022-06-01}]"});
  const LabState st = initial_lab_state(under_way.labs_setup, in.training, kStart, kKey);
  CHECK(st.run_start[0] == Date::from_ymd(2021, 12, 1));
  CHECK(st.run_flop[0] == doctest::Approx(0.5 * per_share * 31 * 86400.0));
}

TEST_CASE("dated runs that overlap, end before they start or are released early are refused") {
  auto errors = [](const std::string& runs) {
    return founding_errors({"labs.us_lab.dated_runs=" + runs});
  };
  const std::string a = "{id: a, start: 2022-05-01, end: 2022-08-04, training_share: 0.9, "
                        "release: 2023-03-14}";
  CHECK(errors("[" + a + "]").empty());
  const std::string overlap = errors(
      "[" + a +
      ", {id: b, start: 2022-08-01, end: 2022-10-01, training_share: 0.5, release: 2023-01-01}]");
  CHECK(overlap.find("labs[us_lab].dated_runs[b].start") != std::string::npos);
  // One run each, and the key its error names.
  const std::pair<std::string, std::string> refused[] = {
      {"{id: c, start: 2022-05-01, end: 2022-05-01, training_share: 0.5, release: 2022-09-01}",
       "dated_runs[c].end"},  // ends as it starts
      {"{id: d, start: 2022-05-01, end: 2022-08-01, training_share: 0.5, release: 2022-07-01}",
       "dated_runs[d].release"},  // released before it ends
      {"{id: e, start: 2021-05-01, end: 2021-08-01, training_share: 0.5, release: 2021-12-01}",
       "dated_runs[e].end"},  // ends before the start date
      {"{id: f, start: 2022-05-01, end: 2022-08-01, training_share: 0, release: 2022-12-01}",
       "dated_runs[f].training_share"}};
  for (const auto& [run, key] : refused) {
    CAPTURE(run);
    CHECK(errors("[" + run + "]").find("labs[us_lab]." + key) != std::string::npos);
  }
}

TEST_CASE("with bases, a lab's race onset starts a new base on the compute it has") {
  // base_compute_step 3 on a flat fleet: updates only, until the onset raises cn_lab's share
  // from 0.05 to its training_share, more than threefold; its first run from then is a base.
  const Labs s =
      quiet_small({"labs.us_lab.launch=2022-11-30", "lab_model.race_response_days=60",
                   "labs.cn_lab.pre_race_training_share=0.05", "lab_model.training_run_days=90",
                   "lab_model.rush_share=0", "lab_model.base_compute_step=3",
                   "lab_model.max_base_age_days=0", "lab_model.update_compute_share=0.02"});
  const LabsSetup& setup = s.labs_setup;
  const Date onset = setup.race_onset[1];
  REQUIRE(setup.labs[1].training_share >= 3 * 0.05);
  const Inputs flat;
  const auto [st, releases] =
      run_months(setup, initial_lab_state(setup, flat.training, kStart, kKey), flat.view(), 30);
  std::vector<const Release*> updates, bases;
  for (const Release& r : releases) {
    if (r.lab != 1) continue;
    CAPTURE(r.run_start.iso());
    if (r.run_start < onset) CHECK_FALSE(r.base);
    (r.base ? bases : updates).push_back(&r);
  }
  REQUIRE(bases.size() == 1);
  REQUIRE_FALSE(updates.empty());
  CHECK_FALSE(bases[0]->run_start < onset);
  // Its base trains on the racing share: about training_share / 0.05 times the pre-race base.
  CHECK(bases[0]->training_flop > 3.0 * updates.front()->training_flop);
  CHECK(st.base_flop[1] == doctest::Approx(bases[0]->training_flop));
}

TEST_CASE("between bases a lab releases updates that use far less compute than its base") {
  // base_compute_step 3: a new base only once the lab's training compute has tripled over its
  // base's (or the base is max_base_age_days old); in between, updates of the base.
  const Labs s = quiet_small({"lab_model.training_run_days=90", "lab_model.rush_share=0",
                              "lab_model.base_compute_step=3", "lab_model.max_base_age_days=0",
                              "lab_model.update_compute_share=0.02"});
  const LabsSetup& setup = s.labs_setup;
  Inputs flat;
  Inputs grown = flat;
  grown.training[0] *= 4.0;  // from 2023-07 on, us_lab's cluster is four times larger
  LabState start = initial_lab_state(setup, flat.training, kStart, kKey);
  const double initial_base = start.base_flop[0];
  REQUIRE(initial_base > 0.0);
  const Date bigger = Date::from_ymd(2023, 7, 1);
  const auto [st, releases] = run_months_with(
      setup, std::move(start), [&](Date d) { return (d < bigger ? flat : grown).view(); }, 42);
  std::vector<const Release*> updates_before, bases;
  for (const Release& r : releases) {
    if (r.lab != 0) continue;
    if (r.base) bases.push_back(&r);
    else if (r.run_start < bigger) updates_before.push_back(&r);
  }
  // On flat compute: updates only, each its base's FLOP plus 2 %, every few months.
  REQUIRE(updates_before.size() >= 3);
  for (const Release* r : updates_before)
    CHECK(r->training_flop == doctest::Approx(initial_base * 1.02));
  // Once the cluster has grown fourfold, the lab pre-trains one new base on it and updates it.
  REQUIRE(bases.size() == 1);
  CHECK_FALSE(bases[0]->run_start < bigger);
  CHECK(bases[0]->training_flop > 3.0 * initial_base);
  CHECK(st.base_flop[0] == doctest::Approx(bases[0]->training_flop));
  for (const Release& r : releases)
    if (r.lab == 0 && !r.base && bases[0]->run_end < r.run_start)
      CHECK(r.training_flop == doctest::Approx(bases[0]->training_flop * 1.02));
  // An aged base is replaced whatever the compute.
  const Labs aged = quiet_small({"lab_model.base_compute_step=3", "lab_model.max_base_age_days=365"});
  LabState a = initial_lab_state(aged.labs_setup, flat.training, kStart, kKey);
  CHECK_FALSE(starts_new_base(aged.labs_setup.params, a, 0, a.base_end[0].plus_days(364),
                              aged.labs_setup.labs[0].training_share));
  CHECK(starts_new_base(aged.labs_setup.params, a, 0, a.base_end[0].plus_days(365),
                        aged.labs_setup.labs[0].training_share));
  // With base_compute_step 1 (the default) every run is a new base.
  const Labs every = quiet_small();
  CHECK(starts_new_base(every.labs_setup.params, a, 0, a.base_end[0],
                        every.labs_setup.labs[0].training_share));
}

TEST_CASE("a model further beyond the released frontier is evaluated longer before release") {
  LabModelParams p;
  p.evaluation_days_per_decade = 150.0;
  CHECK(evaluation_days(p, -0.5) == 0.0);  // behind the frontier: no extra evaluation
  CHECK(evaluation_days(p, 0.0) == 0.0);
  CHECK(evaluation_days(p, 0.4) == doctest::Approx(60.0));
  CHECK(evaluation_days(p, 1.0) == doctest::Approx(150.0));
  // In a run: the lab whose cluster is ten times its rival's (a step of about one log10 over
  // every release) waits longer from the end of its runs to their release, by about 150 days.
  auto wait = [&](double days_per_decade, double us_training) {
    const Labs l = quiet_small({"lab_model.training_run_days=90", "lab_model.rush_share=0",
                                "lab_model.post_training_sigma=0",
                                "lab_model.evaluation_days_per_decade=" +
                                    std::to_string(days_per_decade)});
    Inputs in;
    in.training = {us_training, 2000.0};
    const std::vector<double> before{2000.0, 2000.0};
    const LabState start = initial_lab_state(l.labs_setup, before, kStart, kKey);
    const Run r = run_months(l.labs_setup, start, in.view(), 24);
    for (const Release& rel : r.releases)  // its first model from the bigger cluster
      if (rel.lab == 0 && !(rel.run_start < kStart))
        return static_cast<double>(days_between(rel.run_end, rel.date));
    return std::nan("");
  };
  const double off = wait(0.0, 20000.0), small_step = wait(150.0, 2500.0),
               big_step = wait(150.0, 20000.0);
  CHECK(off == doctest::Approx(90.0).epsilon(0.05));
  CHECK(big_step > small_step + 80.0);
  CHECK(big_step > off + 100.0);
  CHECK(big_step < off + 250.0);
}

TEST_CASE("reasoning post-training raises capability at unchanged pre-training, once shown") {
  // docs/model.md §"Labs: post-training enhancements": from the day the paradigm is shown (o1,
  // 2024-09-12) the lab that showed it, and spillover_lag_months later every other lab, releases
  // models whose capability carries reasoning_gain (compute-equivalent) for reasoning_compute_share
  // more FLOP on the same pre-trained model.
  const Date shown = Date::from_ymd(2023, 1, 2);
  const auto run = [&](bool on) {
    std::vector<std::string> more = {"lab_model.training_run_days=60", "lab_model.rush_share=0",
                                     "labs.us_lab.release_policy=closed",
                                     "labs.cn_lab.release_policy=closed"};
    if (on)
      more.insert(more.end(),
                  {"lab_model.reasoning_shown=2023-01-02", "lab_model.reasoning_gain=10",
                   "lab_model.reasoning_compute_share=0.05", "lab_model.spillover_lag_months=3",
                   "labs.us_lab.shows_reasoning=true"});
    const Labs s = quiet_small(more);
    Inputs in;
    const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
    return std::make_pair(s.labs_setup, run_months(s.labs_setup, start, in.view(), 36).releases);
  };
  const auto [plain_setup, plain] = run(false);
  const auto [setup, with] = run(true);
  REQUIRE(plain.size() == with.size());
  const Date imitated = shown.plus_days(91);  // 3 months
  CHECK(post_training_gain(setup, 0, shown.plus_days(-1)) == 1.0);
  CHECK(post_training_gain(setup, 0, shown) == 10.0);
  CHECK(post_training_gain(setup, 1, shown) == 1.0);
  CHECK(post_training_gain(setup, 1, imitated) == 10.0);
  CHECK(post_training_gain(plain_setup, 0, imitated) == 1.0);  // off by default
  int before = 0, after_us = 0, after_cn = 0, waiting_cn = 0;
  for (std::size_t k = 0; k < with.size(); ++k) {
    const Release& a = plain[k];
    const Release& b = with[k];
    REQUIRE(a.lab == b.lab);
    REQUIRE(a.date == b.date);
    // The same pre-trained model and the same algorithms: only post-training differs.
    CHECK(b.efficiency == doctest::Approx(a.efficiency));
    CHECK(b.run_end == a.run_end);
    const bool carries = b.date >= (b.lab == 0 ? shown : imitated);
    if (!carries) {
      CHECK(b.capability == a.capability);
      CHECK(b.training_flop == a.training_flop);
      CHECK(b.post_training_gain == 1.0);
      ++before;
      if (b.lab == 1 && !(b.date < shown)) ++waiting_cn;
      continue;
    }
    ++(b.lab == 0 ? after_us : after_cn);
    CHECK(b.post_training_gain == 10.0);
    // A tenfold compute-equivalent gain for 5 % more FLOP: about one log10 more capability.
    CHECK(b.training_flop == doctest::Approx(1.05 * a.training_flop));
    CHECK(b.capability - a.capability == doctest::Approx(std::log10(10.0 * 1.05)));
    CHECK(b.effective_flop == doctest::Approx(10.0 * 1.05 * a.effective_flop));
    // Investors read the pre-training's efficiency: a reasoning gain is bought with inference
    // compute (longer answers), not a sign that a capability needs less compute.
    const ReleaseNews news_a{a.lab, a.date, a.capability, a.training_flop, a.open,
                             a.post_training_gain};
    const ReleaseNews news_b{b.lab, b.date, b.capability, b.training_flop, b.open,
                             b.post_training_gain};
    CHECK(release_efficiency_log10(news_b) == doctest::Approx(release_efficiency_log10(news_a)));
    CHECK(release_efficiency_log10(news_b) == doctest::Approx(std::log10(b.efficiency)));
  }
  CHECK(before >= 2);
  CHECK(after_us >= 2);
  CHECK(after_cn >= 2);
  CHECK(waiting_cn >= 1);  // cn_lab released between the showing and its imitation, without it
}

TEST_CASE("a lab earns what adopters pay per token and by subscription and a share of open use") {
  const Labs s = quiet_small();
  Inputs in;
  const std::vector<double> api{3e9, 1e9}, subscription{2e9, 0.0}, open{0.0, 4e9};
  LabInputs view = in.view();
  view.api_revenue_usd_per_year = api;
  view.subscription_revenue_usd_per_year = subscription;
  view.open_spend_usd_per_year = open;
  const LabState start = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const Run r = run_months(s.labs_setup, start, view, 1);
  for (std::size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(r.state.revenue_usd_per_year[i] ==
          doctest::Approx(api[i] + subscription[i] +
                          s.labs_setup.labs[i].complement_value * open[i]));
  }
  // Without subscriptions the lab earns less by exactly what they paid.
  view.subscription_revenue_usd_per_year = {};
  const Run without = run_months(s.labs_setup, start, view, 1);
  CHECK(r.state.revenue_usd_per_year[0] - without.state.revenue_usd_per_year[0] ==
        doctest::Approx(2e9));
}

TEST_CASE("the open or closed choice follows API revenue and state encouragement") {
  const Labs s = quiet_small();
  Inputs in;
  const LabState st = initial_lab_state(s.labs_setup, in.training, kStart, kKey);
  const double cap = st.capability[1];
  // More of the model market to lose by opening: less likely to open.
  const double low_api = open_probability(s.labs_setup, st, 1, cap, 0.05, 0.0);
  const double high_api = open_probability(s.labs_setup, st, 1, cap, 0.6, 0.0);
  CHECK(high_api < low_api);
  // More encouragement from the state: more likely to open.
  const double encouraged = open_probability(s.labs_setup, st, 1, cap, 0.05, 1.0);
  CHECK(encouraged > low_api);
  // A bigger lead over foreign rivals: less likely to hand them a spillover.
  CHECK(open_probability(s.labs_setup, st, 1, cap + 1.0, 0.05, 0.0) < low_api);
  // A fixed policy overrides the choice.
  const Labs forced = quiet_small({"labs.cn_lab.release_policy=closed"});
  CHECK(open_probability(forced.labs_setup, st, 1, cap, 0.0, 10.0) == 0.0);
}

}  // namespace labs_test
