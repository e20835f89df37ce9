#include "output/compare.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "output/h5_writer.hpp"
#include "sim/core/diagnostics.hpp"
#include "sim/core/series.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace compare_test {
using airace::testing::TempDir;

namespace {

// A value of series `s` (0 gap, 1 compute, 2 capability) in replicate r at time index t for
// entity e.
using ValueFn = std::function<double(int s, std::size_t r, std::size_t t, std::size_t e)>;

struct RunSpec {
  unsigned long long seed = 7;
  std::size_t replicates = 4;
  Date end = Date::from_ymd(2023, 12, 31);
  std::string gap_name = "us_cn_gap_months";
  std::string compute_name = "compute_h100e";
  std::vector<std::string> countries = {"US", "CN"};
  // Uncertain parameters and the value each replicate drew ([replicate][parameter]).
  std::vector<std::string> parameters = {};
  std::function<double(std::size_t r, std::size_t p)> draw = {};
};

// A hand-built run from 2022-01-01: indicators/<gap_name> [monthly], indicators/compute_h100e
// [monthly, country] and labs/capability [quarterly, lab].
fs::path write_run(const fs::path& file, const RunSpec& spec, const ValueFn& value) {
  RunResult run;
  run.meta.program_version = "0.1.0";
  run.meta.scenario_name = "compare test";
  run.meta.seed = spec.seed;
  run.meta.replicates = spec.replicates;
  SeriesCatalog& cat = run.catalog;
  const Date start = Date::from_ymd(2022, 1, 1);
  cat.set_time_axis({Cadence::monthly, tick_dates(Cadence::monthly, start, spec.end)});
  cat.set_time_axis({Cadence::quarterly, tick_dates(Cadence::quarterly, start, spec.end)});
  const AxisId countries = cat.add_axis({"countries", "country", "countries", spec.countries, {}});
  const AxisId labs = cat.add_axis({"labs", "lab", "AI labs", {"us_lab", "cn_lab"}, {}});
  const SeriesId ids[] = {
      cat.add_series({"indicators", spec.gap_name, "months", "gap", Cadence::monthly, {}}),
      cat.add_series(
          {"indicators", spec.compute_name, "H100e", "compute", Cadence::monthly, {countries}}),
      cat.add_series(
          {"labs", "capability", "log10 FLOP", "capability", Cadence::quarterly, {labs}})};
  for (std::size_t r = 0; r < spec.replicates; ++r) {
    SeriesBuffer b(cat);
    for (int s = 0; s < 3; ++s) {
      const SeriesSpec& ss = cat.series()[ids[s]];
      for (std::size_t t = 0; t < cat.time_count(ss); ++t)
        for (std::size_t e = 0; e < cat.entity_count(ss); ++e)
          b.set(ids[s], t, e, value(s, r, t, e));
    }
    run.replicates.push_back(std::move(b));
  }
  if (!spec.parameters.empty()) {
    run.draws.parameters = spec.parameters;
    run.draws.units.assign(spec.parameters.size(), "");
    run.draws.distributions.assign(spec.parameters.size(), "uniform(low=0, high=1)");
    for (std::size_t r = 0; r < spec.replicates; ++r)
      for (std::size_t p = 0; p < spec.parameters.size(); ++p)
        run.draws.values.push_back(spec.draw(r, p));
    run.draws.failures.assign(spec.replicates, "");
  }
  write_run_file(file, run);
  return file;
}

// Noise shared by replicate r of every run with the same seed, much larger than the effects.
double noise(std::size_t r) { return static_cast<double>(r % 2 == 0 ? r : 100 - r) * 10.123; }

double base_value(int s, std::size_t r, std::size_t t, std::size_t e) {
  return 1000.0 * s + 5.0 * static_cast<double>(t) + static_cast<double>(e) + noise(r);
}

const ComparisonRow* find_row(const Comparison& c, const std::string& series,
                              const std::string& entity, const std::string& date) {
  for (const ComparisonRow& r : c.rows)
    if (r.series == series && r.entity == entity && r.date == date) return &r;
  return nullptr;
}

template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("compare takes quantiles of the per-replicate differences when paired") {
  const DifferenceBand d = paired_difference({10, 20, 30, 40, 50}, {11, 22, 33, 44, 55});
  CHECK(d.median == doctest::Approx(3.0));
  CHECK(d.p05 == doctest::Approx(1.2));  // differences 1..5: 5% of the way from 1 to 5
  CHECK(d.p95 == doctest::Approx(4.8));
  CHECK(d.beyond_noise());
  // A replicate with NaN in either file is left out.
  const DifferenceBand n = paired_difference({1, NAN, 3}, {2, 5, NAN});
  CHECK(n.median == 1.0);
  CHECK(std::isnan(paired_difference({NAN}, {1}).median));
  CHECK_THROWS_AS(paired_difference({1, 2}, {1}), std::invalid_argument);
}

TEST_CASE("compare adds the two half-widths in quadrature when unpaired") {
  // base: 5% 1.2, median 3, 95% 4.8; what-if the same shifted by 10.
  const DifferenceBand d = unpaired_difference({1, 2, 3, 4, 5}, {11, 12, 13, 14, 15});
  CHECK(d.median == doctest::Approx(10.0));
  CHECK(d.p05 == doctest::Approx(10.0 - std::hypot(1.8, 1.8)));
  CHECK(d.p95 == doctest::Approx(10.0 + std::hypot(1.8, 1.8)));
  CHECK(d.beyond_noise());
  CHECK_FALSE(unpaired_difference({1, 2, 3, 4, 5}, {2, 3, 4, 5, 6}).beyond_noise());
}

TEST_CASE("compare of a run with itself shows zero differences and no flags") {
  TempDir dir;
  const fs::path file = write_run(dir / "run.h5", {}, base_value);
  const Comparison c = compare_runs(file, file, {.all_groups = true});
  CHECK(c.paired);
  CHECK(c.skipped.empty());
  // 2 year-ends x (1 gap + 2 countries + 2 labs).
  CHECK(c.rows.size() == 10);
  for (const ComparisonRow& r : c.rows) {
    CAPTURE(r.series);
    CHECK(r.difference.median == 0.0);
    CHECK(r.difference.p05 == 0.0);
    CHECK(r.difference.p95 == 0.0);
    CHECK_FALSE(r.difference.beyond_noise());
  }
  CHECK(comparison_table(c).find("0 of 10 differences beyond noise") != std::string::npos);
}

TEST_CASE("compare pairs replicates with the same seed so that shared noise cancels") {
  TempDir dir;
  const fs::path base = write_run(dir / "base.h5", {}, base_value);
  const ValueFn plus_one = [](int s, std::size_t r, std::size_t t, std::size_t e) {
    return base_value(s, r, t, e) + 1.0;
  };
  const fs::path same_seed = write_run(dir / "same.h5", {}, plus_one);
  const fs::path other_seed = write_run(dir / "other.h5", {.seed = 8}, plus_one);

  const Comparison paired = compare_runs(base, same_seed);
  CHECK(paired.paired);
  const ComparisonRow* row = find_row(paired, "indicators/us_cn_gap_months", "", "2023-12-01");
  REQUIRE(row != nullptr);
  CHECK(row->difference.median == doctest::Approx(1.0));
  CHECK(row->difference.p05 == doctest::Approx(1.0));
  CHECK(row->difference.p95 == doctest::Approx(1.0));
  CHECK(row->difference.beyond_noise());
  CHECK(row->whatif_median - row->base_median == doctest::Approx(1.0));
  CHECK(row->ratio == doctest::Approx(row->whatif_median / row->base_median));
  CHECK(comparison_table(paired).find("paired by replicate") != std::string::npos);

  // The same values under another seed: independent runs, where the noise hides the shift.
  const Comparison unpaired = compare_runs(base, other_seed);
  CHECK_FALSE(unpaired.paired);
  row = find_row(unpaired, "indicators/us_cn_gap_months", "", "2023-12-01");
  REQUIRE(row != nullptr);
  CHECK(row->difference.median == doctest::Approx(1.0));
  CHECK(row->difference.p05 < 0.0);
  CHECK(row->difference.p95 > 0.0);
  CHECK_FALSE(row->difference.beyond_noise());
  CHECK(comparison_table(unpaired).find("unpaired") != std::string::npos);

  // A different replicate count is not paired either.
  const fs::path fewer = write_run(dir / "fewer.h5", {.replicates = 3}, plus_one);
  CHECK_FALSE(compare_runs(base, fewer).paired);
}

TEST_CASE("compare defaults to the last date of each year both files cover") {
  TempDir dir;
  const fs::path base = write_run(dir / "base.h5", {}, base_value);
  const fs::path longer =
      write_run(dir / "longer.h5", {.end = Date::from_ymd(2024, 6, 30)}, base_value);
  const Comparison c = compare_runs(base, longer, {.series = {"indicators/us_cn_gap_months"}});
  std::vector<std::string> dates;
  for (const ComparisonRow& r : c.rows) dates.push_back(r.date);
  CHECK(dates == std::vector<std::string>{"2022-12-01", "2023-12-01"});
  // Quarterly: the last quarter of each year.
  const Comparison q = compare_runs(base, longer, {.series = {"labs/capability"}});
  REQUIRE(q.rows.size() == 4);
  CHECK(q.rows[0].date == "2022-10-01");
  CHECK(q.rows[0].entity == "us_lab");
  CHECK(q.rows[1].entity == "cn_lab");
  CHECK(q.rows[3].date == "2023-10-01");
}

TEST_CASE("compare reads a date given at the nearest date at or before it") {
  TempDir dir;
  const fs::path base = write_run(dir / "base.h5", {}, base_value);
  const Comparison c =
      compare_runs(base, base, {.series = {"labs/capability"}, .dates = {"2023-03-15", "2022-07"}});
  REQUIRE(c.rows.size() == 4);
  CHECK(c.rows[0].date == "2023-01-01");
  CHECK(c.rows[2].date == "2022-07-01");
  // The last quarter stands for its days up to the end of the year.
  CHECK(compare_runs(base, base, {.dates = {"2023-12-31"}}).rows.front().date == "2023-12-01");
}

TEST_CASE("compare CSV has a header and one row per series entity and date") {
  TempDir dir;
  const fs::path base = write_run(dir / "base.h5", {}, base_value);
  const Comparison c = compare_runs(base, base, {.dates = {"2022-06-30", "2023-06-30"}});
  const std::string csv = comparison_csv(c);
  CHECK(csv.rfind("series,entity,date,base_median,whatif_median,difference_median,difference_p05,"
                  "difference_p95,ratio,beyond_noise,units,pairing,p_positive,p_negative,"
                  "driver_1,rank_correlation_1,driver_2,rank_correlation_2,driver_3,"
                  "rank_correlation_3,parameter_share\n",
                  0) == 0);
  std::size_t lines = 0;
  for (char ch : csv) lines += ch == '\n' ? 1 : 0;
  CHECK(lines == 1 + 2 * (1 + 2));  // header + 2 dates x (gap + 2 countries)
  CHECK(csv.find("indicators/compute_h100e,CN,2023-06-01,") != std::string::npos);
  // Full precision: the numbers read back exactly, not rounded to the table's 4 digits.
  const ComparisonRow* row = find_row(c, "indicators/compute_h100e", "CN", "2023-06-01");
  REQUIRE(row != nullptr);
  const std::string key = "indicators/compute_h100e,CN,2023-06-01,";
  const std::size_t at = csv.find(key) + key.size();
  const std::string rest = csv.substr(at, csv.find('\n', at) - at);
  std::size_t used = 0;
  CHECK(std::stod(rest, &used) == row->base_median);
  // A run against itself: no replicate differs either way; no uncertain parameters.
  CHECK(rest.substr(used) == "," + rest.substr(0, used) + ",0,0,0,1,0,H100e,paired,0,0,,,,,,,");
}

TEST_CASE("compare leaves out and names series it cannot pair up") {
  TempDir dir;
  const fs::path base = write_run(dir / "base.h5", {}, base_value);
  const fs::path renamed = write_run(dir / "renamed.h5", {.gap_name = "gap_months"}, base_value);
  const Comparison c = compare_runs(base, renamed);
  CHECK(c.rows.size() == 2 * 2);  // compute_h100e only
  REQUIRE(c.skipped.size() == 2);
  CHECK(c.skipped[0] == "indicators/us_cn_gap_months: only in " + base.string());
  CHECK(c.skipped[1] == "indicators/gap_months: only in " + renamed.string());
  // Entity axes that differ are left out too.
  const fs::path three = write_run(dir / "three.h5", {.countries = {"US", "CN", "EU"}}, base_value);
  const Comparison t = compare_runs(base, three);
  REQUIRE(t.skipped.size() == 1);
  CHECK(t.skipped[0] == "indicators/compute_h100e: different country ids");
}

TEST_CASE("compare of bad input raises an input error naming the file or option") {
  TempDir dir;
  const fs::path base = write_run(dir / "base.h5", {}, base_value);
  const fs::path other = write_run(
      dir / "other.h5", {.gap_name = "gap_months", .compute_name = "compute"}, base_value);
  CHECK(input_error_of([&] {
          compare_runs(base, other);
        }).find("no series of /indicators in common with " + base.string()) != std::string::npos);
  const fs::path france = write_run(dir / "france.h5", {.countries = {"FR"}}, base_value);
  CHECK(input_error_of([&] {
          compare_runs(base, france, {.series = {"indicators/compute_h100e"}});
        }).find("cannot be compared: different country ids") != std::string::npos);
  const std::string unknown =
      input_error_of([&] { compare_runs(base, base, {.series = {"indicators/us_cn_gap_month"}}); });
  CHECK(unknown.find("--series") != std::string::npos);
  CHECK(unknown.find("did you mean 'indicators/us_cn_gap_months'") != std::string::npos);
  CHECK(input_error_of([&] {
          compare_runs(base, other, {.series = {"labs/capability", "indicators/gap_months"}});
        }).find("only in " + other.string()) != std::string::npos);
  const std::string outside =
      input_error_of([&] { compare_runs(base, base, {.dates = {"2040-01-01"}}); });
  CHECK(outside.find("outside the dates both files cover") != std::string::npos);
  CHECK(outside.find("2022-01-01 to 2023-12-31") != std::string::npos);
  CHECK(input_error_of([&] { compare_runs(base, base, {.dates = {"2021-12-31"}}); }) != "");
  CHECK(input_error_of([&] {
          compare_runs(base, base, {.dates = {"2023-13-01"}});
        }).find("not a date") != std::string::npos);
  CHECK(input_error_of([&] { compare_runs(base, dir / "missing.h5"); }).find("missing.h5") !=
        std::string::npos);
  { std::ofstream(dir / "text.h5") << "not hdf5"; }
  CHECK(input_error_of([&] { compare_runs(dir / "text.h5", base); }).find("not an HDF5 file") !=
        std::string::npos);
}


TEST_CASE("a paired difference gives the shares of replicates above and below zero") {
  const DifferenceBand d = paired_difference({0, 0, 0, 0, 0}, {1, 2, -1, 0, 3});
  CHECK(d.p_positive == doctest::Approx(0.6));
  CHECK(d.p_negative == doctest::Approx(0.2));
  CHECK(std::isnan(unpaired_difference({1, 2, 3}, {2, 3, 4}).p_positive));
}

TEST_CASE("rank correlation is Spearman's with tied ranks averaged") {
  CHECK(rank_correlation({1, 2, 3, 4}, {10, 20, 30, 40}) == doctest::Approx(1.0));
  CHECK(rank_correlation({1, 2, 3, 4}, {1, 8, 27, 64}) == doctest::Approx(1.0));  // monotone
  CHECK(rank_correlation({1, 2, 3, 4}, {4, 3, 2, 1}) == doctest::Approx(-1.0));
  // Ranks (1, 2.5, 2.5, 4) and (1, 2, 3, 4): r = 4.5 / sqrt(4.5 * 5).
  CHECK(rank_correlation({1, 2, 2, 3}, {1, 2, 3, 4}) == doctest::Approx(4.5 / std::sqrt(22.5)));
  CHECK(std::isnan(rank_correlation({1, 1, 1}, {1, 2, 3})));
  CHECK(std::isnan(rank_correlation({1, NAN, 3}, {1, 2, 3})));  // two finite pairs only
}

TEST_CASE("compare names the uncertain parameters that drive a what-if's effect") {
  TempDir dir;
  // Parameter 'strength' sets the size of the effect replicate by replicate; 'other' does
  // nothing; 'changed' is drawn differently in the what-if, so it is not paired.
  const auto draw = [](std::size_t r, std::size_t p) {
    const double u = static_cast<double>((r * 7 + 3) % 40) / 40.0;
    const double v = static_cast<double>((r * 13 + 5) % 40) / 40.0;
    return p == 0 ? u : p == 1 ? v : 0.5;
  };
  RunSpec spec;
  spec.replicates = 40;
  spec.parameters = {"strength", "other", "changed"};
  spec.draw = draw;
  const fs::path base = write_run(dir / "base.h5", spec, base_value);
  RunSpec whatif_spec = spec;
  whatif_spec.draw = [&](std::size_t r, std::size_t p) { return p == 2 ? 0.9 : draw(r, p); };
  const fs::path whatif = write_run(
      dir / "whatif.h5", whatif_spec, [&](int s, std::size_t r, std::size_t t, std::size_t e) {
        return base_value(s, r, t, e) + (s == 0 ? 1.0 + 4.0 * draw(r, 0) : 0.0);
      });
  const Comparison c = compare_runs(base, whatif, {.series = {"indicators/us_cn_gap_months"},
                                                   .dates = {"2023-12"},
                                                   .periods = {"2022:2023", "2023-07:2023-12"}});
  CHECK(c.shared_parameters == std::vector<std::string>{"strength", "other"});
  CHECK(c.unshared_parameters == std::vector<std::string>{"changed"});
  REQUIRE(c.rows.size() == 3);  // two periods, then the date
  for (const ComparisonRow& r : c.rows) {
    CAPTURE(r.date);
    CHECK(r.difference.p_positive == 1.0);
    CHECK(r.difference.p_negative == 0.0);
    REQUIRE(!r.drivers.empty());
    CHECK(r.drivers.front().parameter == "strength");
    CHECK(r.drivers.front().rank_correlation == doctest::Approx(1.0));
    for (const Driver& d : r.drivers) CHECK(d.parameter != "changed");
  }
  // A period's row compares each replicate's mean over it: the gap rises 5 a month, so its
  // 2022-2023 mean sits at month 11.5 and its second-half-2023 mean at month 20.5.
  CHECK(c.rows[0].date == "2022-01-01..2023-12-31 mean");
  CHECK(c.rows[1].date == "2023-07-01..2023-12-31 mean");
  CHECK(c.rows[1].base_median - c.rows[0].base_median == doctest::Approx(5.0 * 9.0));
  const std::string table = comparison_table(c);
  CHECK(table.find("strength +1.00") != std::string::npos);
  CHECK(table.find("drawn differently or in one file only") != std::string::npos);
  const std::string csv = comparison_csv(c);
  CHECK(csv.find("p_positive,p_negative,driver_1,rank_correlation_1") != std::string::npos);
  CHECK(csv.find(",strength,1,") != std::string::npos);
  // A period that is not one.
  CHECK(input_error_of([&] {
          compare_runs(base, whatif, {.periods = {"2023:2022"}});
        }).find("ends before it starts") != std::string::npos);
  CHECK(input_error_of([&] {
          compare_runs(base, whatif, {.periods = {"2023"}});
        }).find("expected FROM:TO") != std::string::npos);
}

TEST_CASE("compare says how much of an effect's spread the parameters drive and how much is noise") {
  TempDir dir;
  const auto draw = [](std::size_t r, std::size_t p) {
    const double u = static_cast<double>((r * 7 + 3) % 40) / 40.0;
    const double v = static_cast<double>((r * 13 + 5) % 40) / 40.0;
    return p == 0 ? u : v;
  };
  // Noise that has nothing to do with the draws: a scrambled replicate number.
  const auto noise = [](std::size_t r) {
    return static_cast<double>((r * 2654435761u) % 1000) / 1000.0;
  };
  RunSpec spec;
  spec.replicates = 40;
  spec.parameters = {"strength", "other"};
  spec.draw = draw;
  const fs::path base = write_run(dir / "base.h5", spec, base_value);
  const auto whatif_with = [&](const std::string& name, double from_strength, double from_noise) {
    return write_run(dir / name, spec, [=](int s, std::size_t r, std::size_t t, std::size_t e) {
      return base_value(s, r, t, e) +
             (s == 0 ? from_strength * draw(r, 0) + from_noise * noise(r) : 0.0);
    });
  };
  const CompareOptions at = {.series = {"indicators/us_cn_gap_months"}, .dates = {"2023-12"}};
  const auto share_of = [&](const fs::path& whatif) {
    const Comparison c = compare_runs(base, whatif, at);
    REQUIRE(c.rows.size() == 1);
    return c.rows[0].parameter_share;
  };
  // All from the parameter, all from the noise, and half and half.
  CHECK(share_of(whatif_with("param.h5", 4.0, 0.0)) == doctest::Approx(1.0));
  CHECK(share_of(whatif_with("noise.h5", 0.0, 4.0)) < 0.2);
  const double mixed = share_of(whatif_with("mixed.h5", 4.0, 4.0));
  CHECK(mixed > 0.25);
  CHECK(mixed < 0.85);
  const Comparison c = compare_runs(base, whatif_with("mixed.h5", 4.0, 4.0), at);
  CHECK(comparison_table(c).find("from parameters") != std::string::npos);
  // Without uncertain parameters there is nothing to attribute.
  RunSpec plain;
  const fs::path b0 = write_run(dir / "b0.h5", plain, base_value);
  const Comparison none = compare_runs(b0, b0, at);
  REQUIRE(none.rows.size() == 1);
  CHECK(std::isnan(none.rows[0].parameter_share));
}

}  // namespace compare_test
