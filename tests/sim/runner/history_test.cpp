// The export-control history of 2022-2025 as it comes out of the baseline's mechanisms: which
// Nvidia chips China buys, the rise of domestic chips, stockpiling before rules bite, and the
// direction of the what-ifs. Each check names the mechanism that produces it; removing that
// mechanism breaks the check.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "sim/model/model.hpp"
#include "sim/runner/ensemble.hpp"

using namespace airace;

namespace history_test {

namespace {
const std::string kBaseline = std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml";
const std::string kWhatIf = std::string(AIRACE_SOURCE_DIR) + "/scenarios/whatif/";

RunResult run_baseline(std::vector<std::string> sets = {}, const std::string& file = kBaseline,
                       int replicates = 4) {
  sets.push_back("run.replicates=" + std::to_string(replicates));
  sets.push_back("scenario.end=2027-12-31");
  // The mechanisms at the calibrated point: the uncertain parameters at their medians.
  return run_ensemble(scenario_at_medians(load_scenario(file, sets)), {}, {});
}

struct Sales {
  const RunResult& r;
  SeriesId sales;
  std::vector<Date> weeks;
  std::vector<std::string> chips;
  std::vector<std::string> countries;

  explicit Sales(const RunResult& run, const char* name = "sales")
      : r(run), sales(run.catalog.find("chips", name)) {
    const SeriesSpec& spec = run.catalog.series()[sales];
    weeks = run.catalog.time_axis(spec.cadence).dates;
    chips = run.catalog.axes()[spec.entity_axes[0]].ids;
    countries = run.catalog.axes()[spec.entity_axes[1]].ids;
  }
  std::size_t chip(const std::string& id) const {
    return static_cast<std::size_t>(std::find(chips.begin(), chips.end(), id) - chips.begin());
  }
  // Chips of the given types sold to China from `from` (inclusive) to `to` (exclusive), per
  // week, in replicate `rep`.
  double weekly(std::size_t rep, std::vector<std::string> ids, Date from, Date to) const {
    const std::size_t cn = static_cast<std::size_t>(
        std::find(countries.begin(), countries.end(), "CN") - countries.begin());
    double sum = 0.0;
    int n = 0;
    for (std::size_t t = 0; t < weeks.size(); ++t) {
      if (weeks[t] < from || !(weeks[t] < to)) continue;
      ++n;
      for (const std::string& id : ids)
        sum += r.replicates[rep].get(sales, t, chip(id) * countries.size() + cn);
    }
    return sum / std::max(n, 1);
  }
};

Date ymd(int y, int m, int d) { return Date::from_ymd(y, m, d); }

double at(const RunResult& r, const char* group, const char* name, std::size_t rep, Date d,
          std::size_t entity = 0) {
  const SeriesId id = r.catalog.find(group, name);
  const std::vector<Date>& dates = r.catalog.time_axis(r.catalog.series()[id].cadence).dates;
  const std::size_t t =
      static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), d) - dates.begin());
  return r.replicates[rep].get(id, t, entity);
}

// The index of country `id` on /indicators/compute_h100e's axis (a test fails if it has none).
std::size_t compute_country(const RunResult& r, const std::string& id) {
  const SeriesSpec& spec = r.catalog.series()[r.catalog.find("indicators", "compute_h100e")];
  const std::vector<std::string>& ids = r.catalog.axes()[spec.entity_axes[0]].ids;
  const auto k = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
  REQUIRE(k < ids.size());
  return k;
}

const std::vector<std::string> kA100H100 = {"A100", "H100"};
const std::vector<std::string> kChinaVariants = {"A800", "H800"};
const std::vector<std::string> kH20 = {"H20"};
const std::vector<std::string> kAscend = {"Ascend910B", "Ascend910C"};
}  // namespace

TEST_CASE("Nvidia's sales to China move from A100 to A800 and H800 to H20 and then fall") {
  const RunResult r = run_baseline();
  const Sales s(r);
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    CAPTURE(rep);
    // Before 2022-10 (rule bis_2022_10): the A100 is what China buys.
    CHECK(s.weekly(rep, kA100H100, ymd(2022, 1, 1), ymd(2022, 8, 1)) > 1000);
    // After: not legally until the H200-class licences of the 2025-12 decision (in force
    // 2026-01-15). The A800 (from its launch) and H800 take over.
    CHECK(s.weekly(rep, kA100H100, ymd(2022, 10, 10), ymd(2026, 1, 12)) == 0.0);
    CHECK(s.weekly(rep, kChinaVariants, ymd(2023, 1, 1), ymd(2023, 8, 1)) > 1000);
    // bis_2023_10 (in force 2023-10-23) catches the China variants; the H20 arrives in 2024-04.
    CHECK(s.weekly(rep, kChinaVariants, ymd(2023, 10, 30), ymd(2026, 1, 12)) == 0.0);
    CHECK(s.weekly(rep, kH20, ymd(2024, 5, 1), ymd(2025, 1, 1)) > 5000);
    // The 2025-04 licence requirement: H20 sales collapse.
    const double before = s.weekly(rep, kH20, ymd(2024, 10, 1), ymd(2025, 1, 1));
    const double after = s.weekly(rep, kH20, ymd(2025, 4, 14), ymd(2025, 7, 1));
    CHECK(after < 0.1 * before);
    // The 2025-12 decision: Hopper-class chips are sold to approved Chinese customers again.
    CHECK(s.weekly(rep, {"H200"}, ymd(2026, 2, 1), ymd(2026, 12, 31)) > 500);
  }
}

TEST_CASE("no lab's capital is ever below zero") {
  // Drawn parameters: in 18 of 100 replicates OpenAI or Anthropic ran out of money before labs
  // raised money when theirs ran out (docs/model.md §"Labs: money").
  const RunResult r = run_baseline({}, kBaseline, 12);
  const SeriesId id = r.catalog.find("labs", "capital_usd");
  const std::size_t times = r.catalog.time_axis(r.catalog.series()[id].cadence).dates.size();
  const std::size_t labs = r.catalog.axes().at(r.catalog.series()[id].entity_axes.at(0)).ids.size();
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep)
    for (std::size_t t = 0; t < times; ++t)
      for (std::size_t lab = 0; lab < labs; ++lab) {
        CAPTURE(rep);
        CAPTURE(t);
        CAPTURE(lab);
        CHECK(r.replicates[rep].get(id, t, lab) >= 0.0);
      }
}

TEST_CASE("a lab has no capability before its first model, and a real one after") {
  // xAI was founded on 2023-07-12 and Mistral on 2023-06-13: before their first models their
  // capability, and the EU's best, is NaN, never 0 (docs/model.md §3.3.4 "Founding").
  const RunResult r = run_baseline();
  const SeriesId id = r.catalog.find("labs", "capability");
  const std::vector<Date>& dates = r.catalog.time_axis(r.catalog.series()[id].cadence).dates;
  const std::vector<std::string>& labs =
      r.catalog.axes().at(r.catalog.series()[id].entity_axes.at(0)).ids;
  const auto xai = static_cast<std::size_t>(std::find(labs.begin(), labs.end(), "xai") - labs.begin());
  REQUIRE(xai < labs.size());
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep)
    for (std::size_t t = 0; t < dates.size(); ++t) {
      CAPTURE(rep);
      CAPTURE(dates[t].iso());
      for (std::size_t lab = 0; lab < labs.size(); ++lab) {
        const double c = r.replicates[rep].get(id, t, lab);
        CHECK((std::isnan(c) || c > 20.0));  // log10 FLOP: a model, or none
      }
      if (dates[t] < ymd(2023, 7, 12)) CHECK(std::isnan(r.replicates[rep].get(id, t, xai)));
    }
  CHECK(std::isnan(at(r, "indicators", "best_capability", 0, ymd(2023, 1, 1), 3)));  // EU
  CHECK(at(r, "indicators", "best_capability", 0, ymd(2025, 1, 1), 3) > 20.0);
}

TEST_CASE("China's domestic share of compute rises over 2023-2025") {
  const RunResult r = run_baseline();
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    const double y2023 = at(r, "indicators", "cn_domestic_share", rep, ymd(2023, 12, 1));
    const double y2024 = at(r, "indicators", "cn_domestic_share", rep, ymd(2024, 12, 1));
    const double y2025 = at(r, "indicators", "cn_domestic_share", rep, ymd(2025, 12, 1));
    CHECK(y2023 < y2024);
    CHECK(y2024 < y2025);
    CHECK(y2025 > 0.25);
  }
  // Without the rules China keeps buying Nvidia: the domestic share stays lower (it still
  // grows, by the procurement preference and Huawei's falling costs).
  const RunResult open = run_baseline({"export_rules=[]"});
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    const double base = at(r, "indicators", "cn_domestic_share", rep, ymd(2025, 12, 1));
    CHECK(at(open, "indicators", "cn_domestic_share", rep, ymd(2025, 12, 1)) < 0.8 * base);
  }
}

TEST_CASE("buyers stockpile chips between a rule's announcement and its effective date") {
  // Orders (/chips/orders, SF10's measure): the baseline queues orders placed ahead of a rule
  // behind the ordinary ones (supply_model.stockpile_orders_queue), so what is ordered in the
  // window is not all delivered in it.
  const RunResult r = run_baseline();
  const RunResult calm = run_baseline({"supply_model.stockpile_boost=0"});
  const Sales s(r, "orders");
  const Sales c(calm, "orders");
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    CAPTURE(rep);
    // bis_2022_10: announced 2022-08-26, in force 2022-10-07.
    const double a100_window = s.weekly(rep, kA100H100, ymd(2022, 8, 29), ymd(2022, 10, 3));
    const double a100_before = s.weekly(rep, kA100H100, ymd(2022, 6, 1), ymd(2022, 8, 22));
    CHECK(a100_window > 1.5 * a100_before);
    CHECK(c.weekly(rep, kA100H100, ymd(2022, 8, 29), ymd(2022, 10, 3)) < 1.1 * a100_before);
    // h20_licence_2025_04: telegraphed 2025-01-13, in force 2025-04-09.
    const double h20_window = s.weekly(rep, kH20, ymd(2025, 1, 20), ymd(2025, 4, 7));
    const double h20_before = s.weekly(rep, kH20, ymd(2024, 10, 1), ymd(2025, 1, 13));
    CHECK(h20_window > 1.1 * h20_before);
    CHECK(h20_window > c.weekly(rep, kH20, ymd(2025, 1, 20), ymd(2025, 4, 7)));
  }
}

TEST_CASE("without the 2023 rule China ends 2024 with more compute") {
  const RunResult base = run_baseline();
  const RunResult whatif = run_baseline({}, kWhatIf + "no_2023_rule.yaml");
  const std::size_t cn = 1;
  for (std::size_t rep = 0; rep < base.replicates.size(); ++rep) {
    const double a = at(base, "indicators", "compute_h100e", rep, ymd(2024, 12, 1), cn);
    const double b = at(whatif, "indicators", "compute_h100e", rep, ymd(2024, 12, 1), cn);
    CHECK(b > 1.05 * a);
  }
  // The what-if is the baseline less one rule, nothing else.
  const Scenario s = load_scenario(kWhatIf + "no_2023_rule.yaml");
  CHECK(s.export_rules.size() == load_scenario(kBaseline).export_rules.size() - 1);
}

TEST_CASE("with stockpile orders queued behind ordinary ones, removing the 2023 rule lowers neither China's nor the Gulf's 2023 compute") {
  // supply_model.stockpile_orders_queue (docs/model.md §3.3.1 Allocation): Nvidia's packaging
  // slots are all spoken for by ordinary orders in Aug-Oct 2023, so the A800/H800 China orders
  // ahead of the rule are not delivered before it; without the rule China keeps buying them
  // after 2023-10-23. The baseline queues them (since 2026-12-07; stockpile_at_once.yaml does not).
  const RunResult base = run_baseline();
  const RunResult whatif = run_baseline({}, kWhatIf + "no_2023_rule.yaml");
  const std::size_t cn = compute_country(base, "CN");
  const std::size_t ae = compute_country(base, "AE");
  const Sales s(base);
  const Sales o(base, "orders");
  for (std::size_t rep = 0; rep < base.replicates.size(); ++rep) {
    CAPTURE(rep);
    const Date d = ymd(2023, 12, 1);
    CHECK(at(whatif, "indicators", "compute_h100e", rep, d, cn) >=
          at(base, "indicators", "compute_h100e", rep, d, cn));
    CHECK(at(whatif, "indicators", "compute_h100e", rep, d, ae) >=
          at(base, "indicators", "compute_h100e", rep, d, ae));
    // Nor over the year: the mean of 2023's months. Month by month the what-if is lower only
    // by the pull-forward a coming rule sets off (SF10), ahead of the rule and by less than
    // 0.2% (the Gulf at 2023-09 and 2023-10, its licence's twentieth of a ban's stockpile).
    for (const std::size_t c : {cn, ae}) {
      double base_year = 0, whatif_year = 0;
      for (int month = 1; month <= 12; ++month) {
        const Date m = ymd(2023, month, 1);
        const double a = at(base, "indicators", "compute_h100e", rep, m, c);
        const double b = at(whatif, "indicators", "compute_h100e", rep, m, c);
        CHECK(b >= 0.998 * a);
        base_year += a;
        whatif_year += b;
      }
      CHECK(whatif_year >= base_year);
    }
    // No spike is delivered: China's A800/H800 in the announced window run at less than 1.5
    // times the rate of the quarter before (a stockpile delivered would be up to 7 times).
    const double window = s.weekly(rep, kChinaVariants, ymd(2023, 8, 14), ymd(2023, 10, 23));
    const double before = s.weekly(rep, kChinaVariants, ymd(2023, 5, 1), ymd(2023, 8, 7));
    CHECK(window < 1.5 * before);
    // But it is ordered (/chips/orders, SF10's measure): China's orders of them in the window
    // are more than twice those of the quarter before, and none is delivered after the rule.
    const double ordered = o.weekly(rep, kChinaVariants, ymd(2023, 8, 14), ymd(2023, 10, 23));
    CHECK(ordered > 2.0 * o.weekly(rep, kChinaVariants, ymd(2023, 5, 1), ymd(2023, 8, 7)));
    CHECK(ordered > 2.0 * window);
    CHECK(s.weekly(rep, kChinaVariants, ymd(2023, 10, 30), ymd(2024, 12, 31)) == 0.0);
  }
  // Orders are never fewer than the chips sold, chip by chip and country by country.
  const std::size_t cells = s.chips.size() * s.countries.size();
  for (std::size_t rep = 0; rep < base.replicates.size(); ++rep)
    for (std::size_t t = 0; t < s.weeks.size(); ++t)
      for (std::size_t i = 0; i < cells; ++i) {
        const double sold = base.replicates[rep].get(s.sales, t, i);
        const double ordered = base.replicates[rep].get(o.sales, t, i);
        if (!(ordered >= sold * (1 - 1e-12))) {
          CAPTURE(rep);
          CAPTURE(t);
          CAPTURE(i);
          CHECK(ordered >= sold * (1 - 1e-12));
        }
      }
}

TEST_CASE("removing the 2023 rule lowers no one's 2023 compute but by the stockpile it set off") {
  // Proportional stockpiling: the rule's licence at approval rate 0.95 for the Gulf sets off
  // a twentieth of a ban's stockpile, so without the rule the Gulf has no less compute at
  // 2023-12 (it had 32% less while any rule triggered the full stockpile).
  const RunResult base = run_baseline();
  const RunResult whatif = run_baseline({}, kWhatIf + "no_2023_rule.yaml");
  const std::size_t cn = compute_country(base, "CN");
  const std::size_t ae = compute_country(base, "AE");
  // With China at its reported share of Nvidia's sales and the sourced order lead time (36-52
  // weeks, Omdia 2023-11; scenarios/whatif/china_share_sourced.yaml) no order placed after the
  // FT's report arrives before the rule: nothing is stockpiled, and without the rule China
  // keeps buying the A800 and H800 after 2023-10-23, so it has no less compute at 2023-12
  // (the baseline holds it by queueing the stockpile orders; the test above).
  const RunResult sourced = run_baseline({}, kWhatIf + "china_share_sourced.yaml");
  const RunResult sourced_open = run_baseline(
      {}, std::string(AIRACE_SOURCE_DIR) + "/tests/data/china_share_sourced_no_2023_rule.yaml");
  const Sales s(sourced);
  for (std::size_t rep = 0; rep < base.replicates.size(); ++rep) {
    CAPTURE(rep);
    const Date d = ymd(2023, 12, 1);
    CHECK(at(whatif, "indicators", "compute_h100e", rep, d, ae) >=
          at(base, "indicators", "compute_h100e", rep, d, ae));
    CHECK(at(sourced_open, "indicators", "compute_h100e", rep, d, cn) >=
          at(sourced, "indicators", "compute_h100e", rep, d, cn));
    // No spike is delivered: the A800/H800 China buys in the rule's announced window run at
    // the rate of the quarter before grown as the sourced plans grow in 2023 (11.5x a year, over
    // the ~13 weeks between the two windows' middles: 1.84x), not seven times that (a stockpile:
    // supply_model.stockpile_boost = 6).
    const double window = s.weekly(rep, kChinaVariants, ymd(2023, 8, 14), ymd(2023, 10, 23));
    const double before = s.weekly(rep, kChinaVariants, ymd(2023, 5, 1), ymd(2023, 8, 7));
    const double plan_growth = std::pow(11.5, 91.0 / 365.25);
    CHECK(window < 1.5 * plan_growth * before);
  }
}

TEST_CASE("doubled enforcement cuts China's smuggled and rented compute") {
  const RunResult base = run_baseline();
  const RunResult whatif = run_baseline({}, kWhatIf + "double_enforcement.yaml");
  const std::size_t cn = 1;
  for (std::size_t rep = 0; rep < base.replicates.size(); ++rep)
    for (int year = 2023; year <= 2027; ++year) {
      CAPTURE(year);
      const Date d = ymd(year, 12, 1);
      const double smuggled_a = at(base, "indicators", "cn_smuggled_h100e", rep, d);
      const double smuggled_b = at(whatif, "indicators", "cn_smuggled_h100e", rep, d);
      CHECK(smuggled_b < 0.6 * smuggled_a);
      // Installed plus rented: what Chinese buyers can compute with.
      const double a = at(base, "indicators", "compute_h100e", rep, d, cn) +
                       at(base, "indicators", "remote_access_h100e", rep, d, cn);
      const double b = at(whatif, "indicators", "compute_h100e", rep, d, cn) +
                       at(whatif, "indicators", "remote_access_h100e", rep, d, cn);
      CHECK(b < a);
    }
}

namespace {
const std::string kTeaching = std::string(AIRACE_SOURCE_DIR) + "/scenarios/teaching/";

struct Rel {
  std::string lab;
  Date date;
  double capability;
  double training_flop;
  bool open;
};

std::vector<Rel> releases_of(const RunResult& r, std::size_t rep) {
  const EventTableId t = r.catalog.find_event_table("releases", "release");
  const std::vector<std::string>& labs = r.catalog.axes()[r.catalog.event_tables()[t].columns[0].axis].ids;
  const auto rows = r.replicates[rep].events(t);
  const std::size_t width = r.catalog.event_tables()[t].columns.size();
  std::vector<Rel> out;
  for (std::size_t i = 0; i + width <= rows.size(); i += width)
    out.push_back({labs[static_cast<std::size_t>(rows[i])],
                   Date::from_days(static_cast<int64_t>(rows[i + 2])), rows[i + 3], rows[i + 4],
                   rows[i + 6] != 0.0});
  return out;
}

bool is_us(const std::string& lab) {
  return lab == "openai" || lab == "google_deepmind" || lab == "anthropic" || lab == "meta";
}

// DeepSeek's smallest lag behind the US frontier (months, at 12x/year) among its releases of
// 2024-10..2025-04, and that release's training compute relative to the US frontier run.
std::pair<double, double> challenger_lag(const RunResult& r, std::size_t rep) {
  const std::vector<Rel> rel = releases_of(r, rep);
  std::pair<double, double> best{1e9, 0.0};
  for (const Rel& x : rel) {
    if (x.lab != "deepseek" || x.date < ymd(2024, 10, 1) || ymd(2025, 5, 1) < x.date) continue;
    double us_cap = 0.0, us_flop = 0.0;
    for (const Rel& y : rel)
      if (is_us(y.lab) && !(x.date < y.date)) {
        us_cap = std::max(us_cap, y.capability);
        us_flop = std::max(us_flop, y.training_flop);
      }
    const double lag = (us_cap - x.capability) / std::log10(12.0) * 12.0;
    if (lag < best.first) best = {lag, x.training_flop / us_flop};
  }
  return best;
}

double mean_over(const RunResult& r, const char* name, std::size_t rep, int year) {
  double sum = 0.0;
  for (int m = 1; m <= 12; ++m) sum += at(r, "indicators", name, rep, ymd(year, m, 1));
  return sum / 12.0;
}
}  // namespace

TEST_CASE("an efficient challenger with a fraction of the compute nears the frontier in 2025") {
  const RunResult r = run_baseline();
  // The same lab without its architecture step (DeepSeek-V2's DeepSeekMoE, docs/model.md §3.3.4
  // "A step, not a pace") stays further behind.
  const RunResult plain = run_baseline({"labs.deepseek.efficiency_steps=[]"});
  // Within 9 months of the US best in most replicates, never a year behind: release days are
  // decided (run lengths and post-training drawn), so one replicate's best release can miss the
  // window by weeks (9.5 months in one of these 4 once Nvidia's 2023 ramp rationed China's
  // chips). SF6's 6 months is checked over 100 replicates (calibration_facts_hold).
  int near = 0;
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    CAPTURE(rep);
    const auto [lag, compute] = challenger_lag(r, rep);
    near += lag <= 9.0;
    CHECK(lag <= 12.0);
    CHECK(compute <= 0.3);  // in every replicate; SF6's 0.2 is checked over replicates by
                            // the CTest calibration_facts_hold (docs/calibration.md)
    CHECK(challenger_lag(plain, rep).first > lag + 3.0);
  }
  CHECK(near * 4 >= 3 * static_cast<int>(r.replicates.size()));
  // Its releases are mostly open, the US frontier labs' mostly closed (calibration SF5).
  double cn_open = 0, cn = 0, us_closed = 0, us = 0;
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep)
    for (const Rel& x : releases_of(r, rep)) {
      if (x.date < ymd(2024, 1, 1) || ymd(2026, 1, 1) < x.date) continue;
      if (x.lab == "deepseek" || x.lab == "alibaba") cn_open += x.open, cn += 1;
      if (x.lab == "openai" || x.lab == "anthropic") us_closed += !x.open, us += 1;
    }
  CHECK(cn_open / cn >= 2.0 / 3.0);
  CHECK(us_closed / us >= 2.0 / 3.0);
}

TEST_CASE("the gap between closed and open models narrows over 2023-2025") {
  const RunResult r = run_baseline({}, kBaseline, 20);
  std::vector<double> y2023, y2025;
  int narrower = 0;
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    y2023.push_back(mean_over(r, "open_closed_gap_months", rep, 2023));
    y2025.push_back(mean_over(r, "open_closed_gap_months", rep, 2025));
    narrower += y2025.back() < y2023.back();
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  };
  CHECK(median(y2023) > 0.0);
  CHECK(median(y2025) < 0.8 * median(y2023));
  // Most replicates, not every one: releases are random events (13 of 20 with adoption paying
  // the labs, 15 of 20 with the demand curve before it).
  CHECK(narrower >= 12);
}

TEST_CASE("teaching scenarios move the gaps the way docs/teaching.md says") {
  const RunResult base = run_baseline();
  const RunResult open = run_baseline({}, kTeaching + "leading_lab_goes_open.yaml");
  const RunResult off = run_baseline({}, kTeaching + "scarcity_off.yaml");
  const RunResult strong = run_baseline({}, kTeaching + "scarcity_strong.yaml");
  // With OpenAI open the best open model is the frontier: the open-closed gap, averaged over
  // each year (it moves with each release, now on its own day), is about 0 instead of months.
  // On 20 replicates at the medians (docs/teaching.md §1): below 3 months and the baseline's in
  // every year 2023-2025, and over the three years below 1 month and at least 5 below the
  // baseline's; the test runs 4.
  auto year_mean = [](const RunResult& r, std::size_t rep, int year,
                      const char* name = "open_closed_gap_months") {
    double sum = 0.0;
    for (int m = 1; m <= 12; ++m) sum += at(r, "indicators", name, rep, ymd(year, m, 1));
    return sum / 12.0;
  };
  for (std::size_t rep = 0; rep < base.replicates.size(); ++rep) {
    CAPTURE(rep);
    double open_sum = 0.0, base_sum = 0.0;
    for (int year : {2023, 2024, 2025}) {
      CAPTURE(year);
      CHECK(year_mean(open, rep, year) < 3.0);
      CHECK(year_mean(open, rep, year) < year_mean(base, rep, year));
      open_sum += year_mean(open, rep, year);
      base_sum += year_mean(base, rep, year);
    }
    CHECK(open_sum / 3.0 < 1.0);
    CHECK((base_sum - open_sum) / 3.0 > 5.0);
    // The scarcity dial moves the US-China gap over 2025 (a yearly mean: on one day a release
    // timed a little differently can outweigh it).
    const double gap = year_mean(base, rep, 2025, "us_cn_gap_months");
    CHECK(year_mean(off, rep, 2025, "us_cn_gap_months") > gap);
    CHECK(year_mean(strong, rep, 2025, "us_cn_gap_months") < gap);
  }
}

TEST_CASE("a lab that exits releases nothing more, and its API's users move to other models") {
  // OpenAI made to pay far more than it earns or can raise, without its rounds: it exits in
  // 2023-03, after ChatGPT's launch (docs/model.md §"Labs: money"). Without its dated GPT-4 run
  // (out 2023-03-14) it releases models of its own in 2022, before it exits.
  const RunResult r =
      run_baseline({"labs.openai.talent_cost_usd_per_year=1.5e10", "labs.openai.funding_rounds=[]",
                    "lab_model.exit_after_unpaid_years=1", "labs.openai.dated_runs=[]"},
                   kBaseline, 2);
  const EventTableId t = r.catalog.find_event_table("lab_finance", "event");
  const EventTableSpec& spec = r.catalog.event_tables()[t];
  const std::vector<std::string>& labs = r.catalog.axes()[spec.columns[0].axis].ids;
  const std::vector<std::string>& kinds = r.catalog.axes()[spec.columns[2].axis].ids;
  const SeriesId share = r.catalog.find("adoption", "share");
  const SeriesSpec& s = r.catalog.series()[share];
  const std::vector<Date>& months = r.catalog.time_axis(s.cadence).dates;
  const std::vector<std::string>& options = r.catalog.axes()[s.entity_axes.at(1)].ids;
  const std::size_t n_countries = r.catalog.axes()[s.entity_axes.at(0)].ids.size();
  const auto closed = static_cast<std::size_t>(
      std::find(options.begin(), options.end(), "openai_closed") - options.begin());
  REQUIRE(closed < options.size());
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    CAPTURE(rep);
    const auto rows = r.replicates[rep].events(t);
    const std::size_t width = spec.columns.size();
    std::optional<Date> exit;
    for (std::size_t i = 0; i + width <= rows.size(); i += width)
      if (labs[static_cast<std::size_t>(rows[i])] == "openai" &&
          kinds[static_cast<std::size_t>(rows[i + 2])] == "exit") {
        CHECK_FALSE(exit.has_value());  // once
        exit = Date::from_days(static_cast<int64_t>(rows[i + 1]));
      }
    REQUIRE(exit.has_value());
    for (std::size_t i = 0; i + width <= rows.size(); i += width)  // its plans die with it
      if (labs[static_cast<std::size_t>(rows[i])] == "openai" &&
          kinds[static_cast<std::size_t>(rows[i + 2])] == "cut")
        CHECK(Date::from_days(static_cast<int64_t>(rows[i + 1])) < *exit);
    CHECK(ymd(2022, 11, 30) < *exit);  // after ChatGPT's launch
    int before = 0;
    for (const Rel& x : releases_of(r, rep))
      if (x.lab == "openai") {
        CHECK(x.date < *exit);
        ++before;
      }
    CHECK(before > 0);
    // A month after its exit no one uses its closed models; before it, some did.
    double used_before = 0.0;
    for (std::size_t m = 0; m < months.size(); ++m)
      for (std::size_t k = 0; k < n_countries; ++k) {
        const double v = r.replicates[rep].get(share, m, k * options.size() + closed);
        if (months[m] < *exit) used_before += v;
        if (exit->plus_months(1) < months[m]) CHECK(v == 0.0);
      }
    CHECK(used_before > 0.0);
  }
}

}  // namespace history_test
