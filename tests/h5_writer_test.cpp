#include "output/h5_writer.hpp"

#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "output/h5_reader.hpp"
#include "sim/core/diagnostics.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace {

// A fresh directory per test case, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("airace_h5_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

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
    if (entry.path().filename().string().find(".tmp-") != std::string::npos)
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
  CHECK(leftover_temporaries(dir.path()).empty());

  // Writing again replaces the file.
  write_run_file(file, sample_run(ids, 3));
  CHECK(open_run_file(file).meta.replicates == 3);
  CHECK(leftover_temporaries(dir.path()).empty());
}

TEST_CASE("writing into a missing directory throws OutputError and leaves no file") {
  TempDir dir;
  SampleIds ids;
  const fs::path file = dir / "missing" / "run.h5";
  try {
    write_run_file(file, sample_run(ids));
    FAIL("no OutputError");
  } catch (const OutputError& e) {
    CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
    CHECK(e.path() == file);
  }
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("writing under a path through a regular file throws OutputError") {
  TempDir dir;
  SampleIds ids;
  std::ofstream(dir / "plain") << "not a directory\n";
  CHECK_THROWS_AS(write_run_file(dir / "plain" / "run.h5", sample_run(ids)), OutputError);
  CHECK(leftover_temporaries(dir.path()).empty());
}

TEST_CASE("writing into a read-only directory throws OutputError and leaves no file") {
  if (geteuid() == 0) {
    MESSAGE("skipped: root may write into read-only directories");
    return;
  }
  TempDir dir;
  SampleIds ids;
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  CHECK_THROWS_AS(write_run_file(dir / "run.h5", sample_run(ids)), OutputError);
  fs::permissions(dir.path(), fs::perms::owner_all);
  CHECK(fs::is_empty(dir.path()));
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
  CHECK(leftover_temporaries(dir.path()).empty());
}

TEST_CASE("a rename that fails removes the temporary file") {
  TempDir dir;
  SampleIds ids;
  const fs::path target = dir / "run.h5";
  fs::create_directories(target / "occupied");  // a non-empty directory cannot be replaced
  CHECK_THROWS_AS(write_run_file(target, sample_run(ids)), OutputError);
  CHECK(fs::is_directory(target / "occupied"));
  CHECK(leftover_temporaries(dir.path()).empty());
}

TEST_CASE("names that clash with the file layout are refused before anything is written") {
  TempDir dir;
  SampleIds ids;
  RunResult run = sample_run(ids);
  run.catalog.add_series(
      {"labs", "replicate", "1", "clashes with the replicate coordinate", Cadence::monthly, {}});
  CHECK_THROWS_AS(write_run_file(dir / "run.h5", run), OutputError);
  CHECK(fs::is_empty(dir.path()));

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
