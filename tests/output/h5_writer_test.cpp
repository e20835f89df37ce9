#include "output/h5_writer.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <oneapi/tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "output/h5_reader.hpp"
#include "sim/core/diagnostics.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace h5_writer_test {
using airace::testing::TempDir;

namespace {

struct SampleIds {
  SeriesId gap = 0;         // indicators/us_cn_gap_months: monthly, one value per time
  SeriesId capability = 0;  // labs/capability: weekly, per lab
  SeriesId country = 0;     // indicators/compute_h100e: monthly, per country (axis in countries/)
};

double gap_value(std::size_t r, std::size_t t) {
  return static_cast<double>(r) * 100.0 + static_cast<double>(t) * 0.5 - 3.0;
}
double capability_value(std::size_t r, std::size_t t, std::size_t e) {
  return 25.0 + static_cast<double>(r) * 1000.0 + static_cast<double>(t) * 10.0 +
         static_cast<double>(e) + 0.125;
}

// 2 replicates; a monthly and a weekly axis; labs with a string and a number attribute;
// countries with none; a scalar and two per-entity series, one on an axis of another group.
RunResult sample_run(SampleIds& ids, std::size_t replicates = 2,
                     std::vector<std::string> labs = {"openai", "deepseek", "anthropic"}) {
  RunResult run;
  run.meta.program_version = "0.1.0";
  run.meta.git_revision = "abc1234";
  run.meta.scenario_name = "unit test";
  run.meta.scenario_file = "scenarios/test.yaml";
  run.meta.resolved_scenario_yaml = "name: unit test\nrun:\n  seed: 42\n";
  run.meta.command_line = "airace run scenarios/test.yaml";
  run.meta.created_utc = "2026-11-23T07:10:00Z";
  run.meta.seed = 18446744073709551557ULL;  // above 2^63: the attribute must be unsigned
  run.meta.replicates = replicates;

  SeriesCatalog& cat = run.catalog;
  const Date start = Date::from_ymd(2024, 1, 1);
  const Date end = Date::from_ymd(2024, 12, 31);
  cat.set_time_axis({Cadence::monthly, tick_dates(Cadence::monthly, start, end)});
  cat.set_time_axis(
      {Cadence::weekly, tick_dates(Cadence::weekly, start, Date::from_ymd(2024, 2, 29))});

  std::vector<std::string> lab_country;
  std::vector<double> share;
  for (std::size_t i = 0; i < labs.size(); ++i) {
    lab_country.push_back(i % 2 == 0 ? "US" : "CN");
    share.push_back(0.5 / static_cast<double>(i + 1));
  }
  const AxisId countries = cat.add_axis({"countries", "country", "countries", {"US", "CN"}, {}});
  const AxisId lab_axis =
      cat.add_axis({"labs",
                    "lab",
                    "AI labs",
                    labs,
                    {{"lab_country", "", "home country", lab_country},
                     {"compute_share", "fraction", "share of world compute", share}}});
  ids.gap = cat.add_series(
      {"indicators", "us_cn_gap_months", "months", "months the US leads", Cadence::monthly, {}});
  ids.capability = cat.add_series({"labs",
                                   "capability",
                                   "log10 FLOP",
                                   "capability of the best model",
                                   Cadence::weekly,
                                   {lab_axis}});
  ids.country = cat.add_series(
      {"indicators", "compute_h100e", "H100e", "installed compute", Cadence::monthly, {countries}});

  for (std::size_t r = 0; r < replicates; ++r) {
    SeriesBuffer b(cat);
    for (std::size_t t = 0; t < cat.time_count(cat.series()[ids.gap]); ++t)
      b.set(ids.gap, t, gap_value(r, t));
    // The last week stays NaN: never set values must read back as NaN.
    for (std::size_t t = 0; t + 1 < cat.time_count(cat.series()[ids.capability]); ++t)
      for (std::size_t e = 0; e < labs.size(); ++e)
        b.set(ids.capability, t, e, capability_value(r, t, e));
    for (std::size_t t = 0; t < cat.time_count(cat.series()[ids.country]); ++t) {
      b.set(ids.country, t, 0, 1e6 * static_cast<double>(t + 1));
      b.set(ids.country, t, 1, 2e5 * static_cast<double>(t + 1));
    }
    run.replicates.push_back(std::move(b));
  }
  return run;
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> leftover_temporaries(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir))
    if (is_replacement_file_name(entry.path().filename().string()))
      found.push_back(entry.path());
  return found;
}

// The message of the InputError `f` throws, or "" when it throws none.
template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

// Whether the file of `run` has the same bytes when written on one thread and on four (objects
// carry no times, so nothing else may differ).
bool same_bytes_on_one_thread_and_four(const RunResult& run, std::size_t& size) {
  std::string one;
  {
    const oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism, 1);
    one = run_file_bytes(run, "one.h5");
  }
  std::string four;
  {
    const oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism, 4);
    four = run_file_bytes(run, "four.h5");
  }
  size = one.size();
  return one == four;
}

}  // namespace

TEST_CASE("series values and shapes round-trip exactly") {
  TempDir dir;
  SampleIds ids;
  const RunResult run = sample_run(ids);
  const fs::path file = dir / "run.h5";
  write_run_file(file, run);

  const StoredSeries gap = read_series(file, "indicators/us_cn_gap_months");
  const std::size_t months = run.catalog.time_axis(Cadence::monthly).dates.size();
  CHECK(gap.shape == std::vector<std::size_t>{2, months});
  CHECK(gap.dimensions == std::vector<std::string>{"replicate", "time"});
  REQUIRE(gap.values.size() == 2 * months);
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t t = 0; t < months; ++t) CHECK(gap.values[r * months + t] == gap_value(r, t));
  CHECK(gap.entity_ids.empty());

  const StoredSeries cap = read_series(file, "labs/capability");
  const std::size_t weeks = run.catalog.time_axis(Cadence::weekly).dates.size();
  CHECK(cap.shape == std::vector<std::size_t>{2, weeks, 3});
  CHECK(cap.dimensions == std::vector<std::string>{"replicate", "time", "lab"});
  REQUIRE(cap.entity_ids.size() == 1);
  CHECK(cap.entity_ids[0] == std::vector<std::string>{"openai", "deepseek", "anthropic"});
  REQUIRE(cap.values.size() == 2 * weeks * 3);
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t t = 0; t < weeks; ++t)
      for (std::size_t e = 0; e < 3; ++e) {
        const double v = cap.values[(r * weeks + t) * 3 + e];
        if (t + 1 == weeks)
          CHECK(std::isnan(v));
        else
          CHECK(v == capability_value(r, t, e));
      }
}

TEST_CASE("a series on an entity axis of another group keeps its entity ids") {
  TempDir dir;
  SampleIds ids;
  const RunResult run = sample_run(ids);
  const fs::path file = dir / "run.h5";
  write_run_file(file, run);

  const StoredSeries s = read_series(file, "indicators/compute_h100e");
  CHECK(s.dimensions == std::vector<std::string>{"replicate", "time", "country"});
  REQUIRE(s.entity_ids.size() == 1);
  CHECK(s.entity_ids[0] == std::vector<std::string>{"US", "CN"});
  CHECK(s.values[1] == 2e5);
}

TEST_CASE("a series may use the entity axis of a group named later") {
  TempDir dir;
  RunResult run;
  run.meta.program_version = "0.1.0";
  SeriesCatalog& cat = run.catalog;
  cat.set_time_axis({Cadence::yearly, tick_dates(Cadence::yearly, Date::from_ymd(2024, 1, 1),
                                                 Date::from_ymd(2026, 1, 1))});
  cat.add_axis({"labs", "lab", "AI labs", {"a", "b"}, {}});
  const AxisId country = cat.add_axis({"countries", "country", "countries", {"US", "CN"}, {}});
  const SeriesId s =
      cat.add_series({"labs", "spend_usd", "USD", "spending", Cadence::yearly, {country}});
  SeriesBuffer b(cat);
  b.set(s, 2, 1, 42.0);
  run.replicates.push_back(b);
  const fs::path file = dir / "run.h5";
  write_run_file(file, run);
  const StoredSeries stored = read_series(file, "labs/spend_usd");
  REQUIRE(stored.entity_ids.size() == 1);
  CHECK(stored.entity_ids[0] == std::vector<std::string>{"US", "CN"});
  CHECK(stored.values.back() == 42.0);
}

TEST_CASE("series carry their units and descriptions and cadence") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "run.h5";
  write_run_file(file, sample_run(ids));

  const StoredSeries gap = read_series(file, "indicators/us_cn_gap_months");
  CHECK(gap.group == "indicators");
  CHECK(gap.name == "us_cn_gap_months");
  CHECK(gap.units == "months");
  CHECK(gap.description == "months the US leads");
  CHECK(gap.cadence == "monthly");
  CHECK(read_series(file, "labs/capability").cadence == "weekly");
}

TEST_CASE("time axes hold ISO dates") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "run.h5";
  write_run_file(file, sample_run(ids));

  const std::vector<std::string> months = read_time_axis(file, "monthly");
  REQUIRE(months.size() == 12);
  CHECK(months.front() == "2024-01-01");
  CHECK(months.back() == "2024-12-01");
  const std::vector<std::string> weeks = read_time_axis(file, "weekly");
  REQUIRE(!weeks.empty());
  CHECK(weeks.front() == "2024-01-01");  // a Monday
  CHECK(weeks[1] == "2024-01-08");
}

TEST_CASE("run metadata and the list of series round-trip") {
  TempDir dir;
  SampleIds ids;
  const RunResult run = sample_run(ids);
  const fs::path file = dir / "run.h5";
  write_run_file(file, run);

  const RunFile f = open_run_file(file);
  CHECK(f.meta.program_version == run.meta.program_version);
  CHECK(f.meta.git_revision == run.meta.git_revision);
  CHECK(f.meta.scenario_name == run.meta.scenario_name);
  CHECK(f.meta.scenario_file == run.meta.scenario_file);
  CHECK(f.meta.resolved_scenario_yaml == run.meta.resolved_scenario_yaml);
  CHECK(f.meta.command_line == run.meta.command_line);
  CHECK(f.meta.created_utc == run.meta.created_utc);
  CHECK(f.meta.seed == run.meta.seed);
  CHECK(f.meta.replicates == 2);
  CHECK(f.series_paths == std::vector<std::string>{"labs/capability", "indicators/us_cn_gap_months",
                                                   "indicators/compute_h100e"});
  CHECK(f.cadences == std::vector<std::string>{"monthly", "weekly"});
}

TEST_CASE("the file appears under its final name with no temporary left") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "run.h5";
  write_run_file(file, sample_run(ids));
  CHECK(fs::is_regular_file(file));
  CHECK(leftover_temporaries(dir.path).empty());

  // Writing again replaces the file.
  write_run_file(file, sample_run(ids, 3));
  CHECK(open_run_file(file).meta.replicates == 3);
  CHECK(leftover_temporaries(dir.path).empty());
}

TEST_CASE("writing into a missing directory is refused naming it and leaves no file") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "missing" / "run.h5";
  try {
    write_run_file(file, sample_run(ids));
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find((dir / "missing").string()) != std::string::npos);
  }
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("writing under a path through a regular file is refused") {
  TempDir dir;
  SampleIds ids;
  std::ofstream(dir / "plain") << "not a directory\n";
  CHECK_THROWS_AS(write_run_file(dir / "plain" / "run.h5", sample_run(ids)), InputError);
  CHECK(leftover_temporaries(dir.path).empty());
}

TEST_CASE("writing into a read-only directory throws OutputError and leaves no file") {
  if (geteuid() == 0) {
    MESSAGE("skipped: root may write into read-only directories");
    return;
  }
  TempDir dir;
  SampleIds ids;
  fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
  CHECK_THROWS_AS(write_run_file(dir / "run.h5", sample_run(ids)), OutputError);
  fs::permissions(dir.path, fs::perms::owner_all);
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("a write that fails midway leaves an existing file untouched") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "run.h5";
  write_run_file(file, sample_run(ids));
  const std::string before = file_text(file);

  // Buffers shaped by another catalog (fewer labs): found only when the series is written, after
  // the temporary file already holds the metadata and axes.
  RunResult bad = sample_run(ids);
  SampleIds other;
  bad.replicates = sample_run(other, 2, {"openai"}).replicates;
  try {
    write_run_file(file, bad);
    FAIL("no OutputError");
  } catch (const OutputError& e) {
    const std::string message = e.what();
    CHECK(message.find(file.string()) != std::string::npos);
    CHECK(message.find("labs/capability") != std::string::npos);
  }
  CHECK(file_text(file) == before);
  CHECK(leftover_temporaries(dir.path).empty());
}

TEST_CASE("a target that is a directory is refused and left as it is") {
  TempDir dir;
  SampleIds ids;
  const fs::path target = dir / "run.h5";
  fs::create_directories(target / "occupied");
  CHECK_THROWS_AS(write_run_file(target, sample_run(ids)), InputError);
  CHECK(fs::is_directory(target / "occupied"));
  CHECK(leftover_temporaries(dir.path).empty());
}

TEST_CASE("names that clash with the file layout are refused before anything is written") {
  TempDir dir;
  SampleIds ids;
  RunResult run = sample_run(ids);
  run.catalog.add_series(
      {"labs", "replicate", "1", "clashes with the replicate coordinate", Cadence::monthly, {}});
  CHECK_THROWS_AS(write_run_file(dir / "run.h5", run), OutputError);
  CHECK(fs::is_empty(dir.path));

  RunResult reserved = sample_run(ids);
  reserved.catalog.add_series(
      {"time", "x", "1", "a group named like the time axes", Cadence::monthly, {}});
  CHECK_THROWS_AS(write_run_file(dir / "run.h5", reserved), OutputError);
}

TEST_CASE("zero entities and zero replicates do not crash") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "empty.h5";
  write_run_file(file, sample_run(ids, 2, {}));
  const StoredSeries cap = read_series(file, "labs/capability");
  CHECK(cap.shape[2] == 0);
  CHECK(cap.values.empty());
  REQUIRE(cap.entity_ids.size() == 1);
  CHECK(cap.entity_ids[0].empty());

  write_run_file(file, sample_run(ids, 0));
  const StoredSeries gap = read_series(file, "indicators/us_cn_gap_months");
  CHECK(gap.shape == std::vector<std::size_t>{0, 12});
  CHECK(open_run_file(file).meta.replicates == 0);
}

TEST_CASE("series larger than one chunk round-trip") {
  TempDir dir;
  SampleIds ids;
  // Chunks hold at most 512 KiB (65536 values). 3000 replicates x 9 weeks x 3 labs: several
  // replicates to a chunk, the last chunk partly filled.
  const fs::path file = dir / "many.h5";
  write_run_file(file, sample_run(ids, 3000));
  const StoredSeries gap = read_series(file, "indicators/us_cn_gap_months");
  REQUIRE(gap.values.size() == 3000 * 12);
  CHECK(gap.values[2999 * 12 + 11] == gap_value(2999, 11));
  const StoredSeries cap = read_series(file, "labs/capability");
  const std::size_t weeks = cap.shape[1];
  CHECK(cap.values[(2998 * weeks + 3) * 3 + 2] == capability_value(2998, 3, 2));

  // 9 weeks x 10000 labs: one replicate is more than a chunk, so chunks split the time axis.
  std::vector<std::string> many_labs;
  for (int i = 0; i < 10000; ++i) many_labs.push_back("lab" + std::to_string(i));
  write_run_file(file, sample_run(ids, 2, many_labs));
  const StoredSeries wide = read_series(file, "labs/capability");
  REQUIRE(wide.shape == std::vector<std::size_t>{2, weeks, 10000});
  bool all_equal = true;
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t t = 0; t + 1 < weeks; ++t)
      for (std::size_t e = 0; e < 10000; ++e)
        all_equal =
            all_equal && wide.values[(r * weeks + t) * 10000 + e] == capability_value(r, t, e);
  CHECK(all_equal);
  CHECK(wide.entity_ids.at(0).back() == "lab9999");
}

TEST_CASE("a run file has the same bytes whether one thread or several compress its chunks") {
  SampleIds ids;
  // 140 replicates x 9 weeks x 3000 labs: 70 chunks of labs/capability, more than the 64 the
  // writer compresses ahead of the one it writes, so that its window comes round.
  std::vector<std::string> labs;
  for (int i = 0; i < 3000; ++i) labs.push_back("lab" + std::to_string(i));
  const RunResult run = sample_run(ids, 140, labs);
  std::size_t size = 0;
  CHECK(same_bytes_on_one_thread_and_four(run, size));
  CHECK(size > 500000);
}

TEST_CASE("a run written again a second later has the same bytes: objects carry no times") {
  SampleIds ids;
  const RunResult run = sample_run(ids, 3);
  const std::string first = run_file_bytes(run, "first.h5");
  usleep(1100000);  // HDF5 would stamp each object with the second it was written
  CHECK(run_file_bytes(run, "second.h5") == first);
}

TEST_CASE("reading a missing file throws InputError naming it") {
  TempDir dir;
  const fs::path file = dir / "nothing.h5";
  const std::string message = input_error_of([&] { open_run_file(file); });
  CHECK(message.find(file.string()) != std::string::npos);
  CHECK(message.find("no such file") != std::string::npos);
}

TEST_CASE("reading a text file throws InputError naming it") {
  TempDir dir;
  const fs::path file = dir / "notes.h5";
  std::ofstream(file) << "these are not the results you are looking for\n";
  const std::string message = input_error_of([&] { open_run_file(file); });
  CHECK(message.find(file.string()) != std::string::npos);
  CHECK(message.find("not an HDF5 file") != std::string::npos);
}

TEST_CASE("reading a truncated file throws InputError naming it") {
  TempDir dir;
  SampleIds ids;
  const fs::path good = dir / "good.h5";
  write_run_file(good, sample_run(ids));
  const std::string bytes = file_text(good);
  const fs::path cut = dir / "cut.h5";
  std::ofstream(cut, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));

  for (auto read : {+[](const fs::path& p) { open_run_file(p); },
                    +[](const fs::path& p) { read_series(p, "indicators/us_cn_gap_months"); },
                    +[](const fs::path& p) { read_time_axis(p, "monthly"); }}) {
    const std::string message = input_error_of([&] { read(cut); });
    CHECK(message.find(cut.string()) != std::string::npos);
    CHECK(message.find("truncated") != std::string::npos);
  }
}

TEST_CASE("reading an HDF5 file that is not a run file throws InputError") {
  TempDir dir;
  const fs::path file = dir / "other.h5";
  const hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  H5Fclose(f);
  const std::string message = input_error_of([&] { open_run_file(file); });
  CHECK(message.find(file.string()) != std::string::npos);
  CHECK(message.find("not an airace run file") != std::string::npos);
}

TEST_CASE("asking for a series or time axis that is absent suggests the nearest") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "run.h5";
  write_run_file(file, sample_run(ids));

  const std::string series =
      input_error_of([&] { read_series(file, "indicators/us_cn_gap_month"); });
  CHECK(series.find(file.string()) != std::string::npos);
  CHECK(series.find("did you mean 'indicators/us_cn_gap_months'") != std::string::npos);
  CHECK(input_error_of([&] { read_series(file, "labs/lab"); }).find("no series") !=
        std::string::npos);
  CHECK(input_error_of([&] { read_series(file, "nonsense"); }).find("no series") !=
        std::string::npos);
  CHECK(input_error_of([&] { read_time_axis(file, "monthy"); }).find("did you mean 'monthly'") !=
        std::string::npos);
}

TEST_CASE("a series over two entity axes round-trips with a dimension per axis") {
  TempDir dir;
  RunResult run;
  run.meta.program_version = "0.1.0";
  SeriesCatalog& cat = run.catalog;
  cat.set_time_axis({Cadence::monthly, tick_dates(Cadence::monthly, Date::from_ymd(2024, 1, 1),
                                                  Date::from_ymd(2024, 3, 31))});
  const AxisId chips = cat.add_axis({"chips", "chip", "chips", {"H100", "H20"}, {}});
  const AxisId labs = cat.add_axis({"labs", "lab", "labs", {"a", "b", "c"}, {}});
  const SeriesId id = cat.add_series({"labs",
                                      "chips_installed",
                                      "chips",
                                      "chips by lab and type",
                                      Cadence::monthly,
                                      {labs, chips}});
  CHECK(cat.entity_count(cat.series()[id]) == 6);
  CHECK(cat.entity_label(cat.series()[id], 3) == "b/H20");
  SeriesBuffer b(cat);
  for (std::size_t t = 0; t < 3; ++t)
    for (std::size_t e = 0; e < 6; ++e) b.set(id, t, e, static_cast<double>(100 * t + e));
  run.replicates = {b};

  const fs::path file = dir / "two_axes.h5";
  write_run_file(file, run);
  const StoredSeries s = read_series(file, "labs/chips_installed");
  CHECK(s.shape == std::vector<std::size_t>{1, 3, 3, 2});
  CHECK(s.dimensions == std::vector<std::string>{"replicate", "time", "lab", "chip"});
  REQUIRE(s.entity_ids.size() == 2);
  CHECK(s.entity_ids[0] == std::vector<std::string>{"a", "b", "c"});
  CHECK(s.entity_ids[1] == std::vector<std::string>{"H100", "H20"});
  CHECK(s.values[2 * 6 + 1 * 2 + 1] == 203.0);  // t = 2, lab b (1), H20 (1): entity 3
}

namespace {

struct ReleaseIds {
  AxisId labs = 0;
  SeriesId capability = 0;   // <group>/best_capability: weekly
  EventTableId release = 0;  // <group>/release
};

const std::vector<std::string> kReleaseLabs = {"openai", "deepseek", "anthropic"};

// Release i of replicate r: lab, date, capability, training compute, effective compute, open.
std::vector<double> release_row(std::size_t r, std::size_t i) {
  const Date date = Date::from_ymd(2024, 1, 20).plus_days(static_cast<int64_t>(40 * i + r));
  return {static_cast<double>((r + i) % kReleaseLabs.size()),
          static_cast<double>(date.days_since_epoch()),
          25.5 + static_cast<double>(i) + 0.125 * static_cast<double>(r),
          1e25 * static_cast<double>(i + 1),
          3.3e25 * static_cast<double>(i + 1) + static_cast<double>(r),
          static_cast<double>(i % 2)};
}

// One replicate per entry of `releases`, holding that many releases; the release table lives
// in `group`, next to a weekly series in the same group: per lab in "labs", where the lab axis
// lives, else scalar (a per-lab series would bring a copy of the lab axis, named like the lab
// column). In "labs" the lab column needs another name than the axis.
RunResult release_run(ReleaseIds& ids, const std::vector<std::size_t>& releases,
                      const std::string& group = "releases",
                      const std::string& lab_column = "lab") {
  RunResult run;
  run.meta.program_version = "0.1.0";
  run.meta.replicates = releases.size();
  SeriesCatalog& cat = run.catalog;
  cat.set_time_axis({Cadence::weekly, tick_dates(Cadence::weekly, Date::from_ymd(2024, 1, 1),
                                                 Date::from_ymd(2024, 1, 31))});
  ids.labs = cat.add_axis({"labs", "lab", "AI labs", kReleaseLabs, {}});
  std::vector<AxisId> per_lab;
  if (group == "labs") per_lab.push_back(ids.labs);
  ids.capability = cat.add_series(
      {group, "best_capability", "log10 FLOP", "capability", Cadence::weekly, per_lab});
  using Kind = EventColumn::Kind;
  ids.release = cat.add_event_table(
      {group,
       "release",
       "model releases",
       {{lab_column, "", "the releasing lab", Kind::entity, ids.labs},
        {"date", "", "release date", Kind::date},
        {"capability", "log10 FLOP", "capability of the model", Kind::number},
        {"training_compute_flop", "FLOP", "training compute", Kind::number},
        {"effective_compute_flop", "FLOP", "effective training compute", Kind::number},
        {"open", "", "open weights", Kind::flag}}});
  for (std::size_t r = 0; r < releases.size(); ++r) {
    SeriesBuffer b(cat);
    b.set(ids.capability, 0, 0, 24.0 + static_cast<double>(r));
    for (std::size_t i = 0; i < releases[r]; ++i) b.add_event(ids.release, release_row(r, i));
    run.replicates.push_back(std::move(b));
  }
  return run;
}

}  // namespace

TEST_CASE("the buffer appends events in the order recorded") {
  ReleaseIds ids;
  const RunResult run = release_run(ids, {2, 0});
  CHECK(run.catalog.find_event_table("releases", "release") == ids.release);
  CHECK(run.catalog.find_event_table("releases", "releases") == kNoEventTable);
  CHECK(run.replicates[0].event_count(ids.release) == 2);
  CHECK(run.replicates[1].event_count(ids.release) == 0);
  const std::span<const double> rows = run.replicates[0].events(ids.release);
  REQUIRE(rows.size() == 12);
  const std::vector<double> second = release_row(0, 1);
  CHECK(std::equal(second.begin(), second.end(), rows.begin() + 6));

  SeriesBuffer b(run.catalog);
  b.add_event(ids.release, {0.0, 19800.0, 26.0, 1e25, 2e25, 1.0});
  CHECK(b.event_count(ids.release) == 1);
  CHECK(b.events(ids.release)[1] == 19800.0);
}

TEST_CASE("event tables round-trip with replicates and dates and entity ids") {
  TempDir dir;
  ReleaseIds ids;
  const std::vector<std::size_t> per_replicate = {3, 0, 2};
  const fs::path file = dir / "events.h5";
  write_run_file(file, release_run(ids, per_replicate));

  const StoredEvents e = read_events(file, "releases", "release");
  CHECK(e.group == "releases");
  CHECK(e.name == "release");
  CHECK(e.description == "model releases");
  CHECK(e.replicate == std::vector<std::int64_t>{0, 0, 0, 2, 2});
  REQUIRE(e.rows() == 5);
  REQUIRE(e.columns.size() == 6);
  std::vector<std::string> names;
  for (const StoredEventColumn& c : e.columns) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"lab", "date", "capability", "training_compute_flop",
                                          "effective_compute_flop", "open"});

  const StoredEventColumn& lab = e.column("lab");
  const StoredEventColumn& date = e.column("date");
  CHECK(lab.kind == EventColumn::Kind::entity);
  CHECK(lab.numbers.empty());
  CHECK(date.kind == EventColumn::Kind::date);
  CHECK(date.units == "days since 1970-01-01");
  CHECK(e.column("capability").units == "log10 FLOP");
  CHECK(e.column("capability").description == "capability of the model");
  CHECK(e.column("open").kind == EventColumn::Kind::flag);

  std::size_t row = 0;
  for (std::size_t r = 0; r < per_replicate.size(); ++r)
    for (std::size_t i = 0; i < per_replicate[r]; ++i, ++row) {
      const std::vector<double> want = release_row(r, i);
      CHECK(lab.texts[row] == kReleaseLabs[static_cast<std::size_t>(want[0])]);
      CHECK(date.numbers[row] == want[1]);
      CHECK(date.texts[row] == Date::from_days(static_cast<int64_t>(want[1])).iso());
      CHECK(e.column("capability").numbers[row] == want[2]);
      CHECK(e.column("training_compute_flop").numbers[row] == want[3]);
      CHECK(e.column("effective_compute_flop").numbers[row] == want[4]);
      CHECK(e.column("open").numbers[row] == want[5]);
    }
  CHECK(lab.texts ==
        std::vector<std::string>{"openai", "deepseek", "anthropic", "anthropic", "openai"});
  CHECK(date.texts == std::vector<std::string>{"2024-01-20", "2024-02-29", "2024-04-09",
                                               "2024-01-22", "2024-03-02"});
  CHECK_THROWS_AS(e.column("price_usd"), std::out_of_range);

  const RunFile f = open_run_file(file);
  CHECK(f.event_tables == std::vector<std::string>{"releases/release"});
  CHECK(f.series_paths == std::vector<std::string>{"releases/best_capability"});
}

TEST_CASE("event tables have the same bytes whether or not a thread of their own prepares them") {
  ReleaseIds ids;
  std::size_t size = 0;
  CHECK(same_bytes_on_one_thread_and_four(release_run(ids, {3, 0, 5, 2}), size));
  CHECK(size > 0);
}

TEST_CASE("an event table with no rows in any replicate reads back empty") {
  TempDir dir;
  ReleaseIds ids;
  const fs::path file = dir / "no_events.h5";
  write_run_file(file, release_run(ids, {0, 0}));
  const StoredEvents e = read_events(file, "releases", "release");
  CHECK(e.rows() == 0);
  REQUIRE(e.columns.size() == 6);
  for (const StoredEventColumn& c : e.columns) {
    CHECK(c.numbers.empty());
    CHECK(c.texts.empty());
  }
  CHECK(read_series(file, "releases/best_capability").values[0] == 24.0);

  write_run_file(file, release_run(ids, {}));  // no replicates at all
  CHECK(read_events(file, "releases", "release").rows() == 0);
}

TEST_CASE("an event table may share a group with series and entity axes") {
  TempDir dir;
  ReleaseIds ids;
  const fs::path file = dir / "labs.h5";
  CHECK_THROWS_AS(release_run(ids, {1}, "labs"), std::logic_error);  // lab: the axis's name
  write_run_file(file, release_run(ids, {1, 2}, "labs", "releasing_lab"));
  const StoredEvents e = read_events(file, "labs", "release");
  CHECK(e.replicate == std::vector<std::int64_t>{0, 1, 1});
  CHECK(e.column("releasing_lab").texts ==
        std::vector<std::string>{"openai", "deepseek", "anthropic"});
  const StoredSeries s = read_series(file, "labs/best_capability");
  CHECK(s.dimensions == std::vector<std::string>{"replicate", "time", "lab"});
  CHECK(s.values[0] == 24.0);
}

TEST_CASE("event table names taken in their group throw logic_error") {
  using Kind = EventColumn::Kind;
  ReleaseIds ids;
  SeriesCatalog cat = release_run(ids, {}).catalog;
  const EventColumn number{"x_usd", "USD", "a number", Kind::number};
  auto table = [&](std::string group, std::string name, std::vector<EventColumn> columns) {
    return EventTableSpec{std::move(group), std::move(name), "a table", std::move(columns)};
  };
  // The same table twice, and a table named like a series, an axis or a column of a table.
  CHECK_THROWS_AS(cat.add_event_table(table("releases", "release", {number})), std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("releases", "best_capability", {number})),
                  std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("labs", "lab", {number})), std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("releases", "open", {number})), std::logic_error);
  // Columns named like a series, like the derived <name>_replicate and <column>_iso, or twice.
  CHECK_THROWS_AS(cat.add_event_table(
                      table("releases", "deal", {{"best_capability", "1", "clash", Kind::number}})),
                  std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("releases", "release_replicate", {number})),
                  std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("releases", "date_iso", {number})), std::logic_error);
  CHECK_THROWS_AS(
      cat.add_event_table(table("other", "deal", {{"deal_replicate", "1", "clash", Kind::number}})),
      std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("other", "deal",
                                            {{"signed", "", "a date", Kind::date},
                                             {"signed_iso", "1", "clash", Kind::number}})),
                  std::logic_error);
  CHECK_THROWS_AS(cat.add_event_table(table("other", "deal", {number, number})), std::logic_error);
  // A series or an axis added later may not take a table's name either.
  CHECK_THROWS_AS(cat.add_series({"releases", "date_iso", "1", "clash", Cadence::weekly, {}}),
                  std::logic_error);
  CHECK_THROWS_AS(cat.add_axis({"releases", "release_replicate", "clash", {}, {}}),
                  std::logic_error);
  // The table itself is fine in another group.
  CHECK(cat.add_event_table(table("other", "release", {number})) == 1);
  CHECK(cat.find_event_table("other", "release") == 1);
}

TEST_CASE("event columns of the wrong shape throw logic_error") {
  using Kind = EventColumn::Kind;
  ReleaseIds ids;
  SeriesCatalog cat = release_run(ids, {}).catalog;
  auto one_column = [&](EventColumn c) {
    return cat.add_event_table({"other", "deal", "a table", {std::move(c)}});
  };
  CHECK_THROWS_AS(cat.add_event_table({"other", "deal", "no columns", {}}), std::logic_error);
  CHECK_THROWS_AS(one_column({"size", "", "a number without units", Kind::number}),
                  std::logic_error);
  CHECK_THROWS_AS(one_column({"day", "days", "a date with its own units", Kind::date}),
                  std::logic_error);
  CHECK_THROWS_AS(one_column({"lab", "", "an unknown axis", Kind::entity, 7}), std::logic_error);
  CHECK_THROWS_AS(one_column({"lab", "labs", "ids with units", Kind::entity, ids.labs}),
                  std::logic_error);
  CHECK(cat.event_tables().size() == 1);
}

TEST_CASE("an event row of the wrong width throws logic_error") {
  ReleaseIds ids;
  const RunResult run = release_run(ids, {1});
  SeriesBuffer b(run.catalog);
  CHECK_THROWS_AS(b.add_event(ids.release, {1.0, 2.0}), std::logic_error);
  const std::vector<double> too_long(7, 0.0);
  CHECK_THROWS_AS(b.add_event(ids.release, too_long), std::logic_error);
  CHECK(b.event_count(ids.release) == 0);
  CHECK_THROWS_AS(b.add_event(ids.release + 1, release_row(0, 0)), std::out_of_range);
  CHECK_THROWS_AS(SeriesBuffer().events(0), std::out_of_range);
}

TEST_CASE("event values the file cannot hold throw OutputError and leave no file") {
  TempDir dir;
  ReleaseIds ids;
  const fs::path file = dir / "bad.h5";
  auto with = [&](std::size_t column, double value) {
    RunResult run = release_run(ids, {0, 0});
    std::vector<double> row = release_row(1, 0);
    row[column] = value;
    run.replicates[1].add_event(ids.release, row);
    return run;
  };
  for (const auto& [column, value] : std::vector<std::pair<std::size_t, double>>{
           {0, 3.0}, {0, -1.0}, {0, 0.5}, {1, 19800.5}, {1, std::nan("")}, {1, 1e12}, {5, 2.0}}) {
    CAPTURE(column);
    CAPTURE(value);
    try {
      write_run_file(file, with(column, value));
      FAIL("no OutputError");
    } catch (const OutputError& e) {
      CHECK(std::string(e.what()).find("releases/release") != std::string::npos);
      CHECK(std::string(e.what()).find("row 0 (replicate 1)") != std::string::npos);
    }
    CHECK(fs::is_empty(dir.path));
  }
  // NaN is a number like any other in a number column.
  write_run_file(file, with(2, std::nan("")));
  CHECK(std::isnan(read_events(file, "releases", "release").column("capability").numbers[0]));

  // Buffers built from a catalog without the table.
  RunResult stale = release_run(ids, {1});
  SampleIds sample;
  stale.replicates[0] = SeriesBuffer(sample_run(sample).catalog);
  CHECK_THROWS_AS(write_run_file(dir / "stale.h5", stale), OutputError);
}

TEST_CASE("event names that clash with the file layout throw OutputError") {
  TempDir dir;
  using Kind = EventColumn::Kind;
  for (const char* column : {"replicate", "time_weekly"}) {
    CAPTURE(column);
    ReleaseIds ids;
    RunResult run = release_run(ids, {1});
    run.catalog.add_event_table(
        {"releases", "deal", "deals", {{column, "1", "clash", Kind::number}}});
    run.replicates = {SeriesBuffer(run.catalog)};
    CHECK_THROWS_AS(write_run_file(dir / "run.h5", run), OutputError);
    CHECK(fs::is_empty(dir.path));
  }
  // A per-lab series in the group of the table brings a copy of the lab axis: /releases/lab.
  ReleaseIds ids;
  RunResult run = release_run(ids, {1});
  run.catalog.add_series(
      {"releases", "releases_count", "1", "releases so far", Cadence::weekly, {ids.labs}});
  run.replicates = {SeriesBuffer(run.catalog)};
  CHECK_THROWS_AS(write_run_file(dir / "run.h5", run), OutputError);
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("asking for an event table that is absent suggests the nearest") {
  TempDir dir;
  ReleaseIds ids;
  const fs::path file = dir / "run.h5";
  write_run_file(file, release_run(ids, {1}));
  const std::string typo = input_error_of([&] { read_events(file, "releases", "relase"); });
  CHECK(typo.find(file.string()) != std::string::npos);
  CHECK(typo.find("did you mean 'releases/release'") != std::string::npos);
  CHECK(input_error_of([&] {
          read_events(file, "releases", "best_capability");
        }).find("no event table") != std::string::npos);
  CHECK(input_error_of([&] {
          read_events(file, "meta", "scenario_yaml");
        }).find("no event table") != std::string::npos);

  SampleIds sample;
  write_run_file(file, sample_run(sample));
  CHECK(open_run_file(file).event_tables.empty());
  CHECK(input_error_of([&] { read_events(file, "labs", "lab"); }).find("no event tables") !=
        std::string::npos);
}

}  // namespace h5_writer_test
