// Sweeps: sweep files, metrics, shards and merge, resuming after a kill, and the airace program's
// sweep, merge and analyse commands.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "output/sweep_file.hpp"
#include "sim/runner/sweep_plan.hpp"
#include "sim/runner/sweep_runner.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace sweep_test {

namespace {
using airace::testing::kSource;
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::slurp;
using airace::testing::start_airace;
using airace::testing::TempDir;
const std::string kSmallSweep = kSource + "/tests/data/sweeps/small_lhs.yaml";

// Metrics bit for bit (NaN equals NaN), and the run status.
void check_same_results(const SweepTable& a, const SweepTable& b) {
  REQUIRE(a.metrics.size() == b.metrics.size());
  CHECK(a.status == b.status);
  CHECK(a.design == b.design);
  for (std::size_t m = 0; m < a.metrics.size(); ++m) {
    CHECK(a.metrics[m].name == b.metrics[m].name);
    REQUIRE(a.metric_values[m].size() == b.metric_values[m].size());
    for (std::size_t i = 0; i < a.metric_values[m].size(); ++i) {
      const double x = a.metric_values[m][i];
      const double y = b.metric_values[m][i];
      CHECK((std::isnan(x) ? std::isnan(y) : x == y));
    }
  }
  CHECK(a.series_values == b.series_values);
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream o(p);
  o << text;
}

std::size_t count_ok(const SweepTable& t) {
  std::size_t n = 0;
  for (RunStatus s : t.status) n += s == RunStatus::ok;
  return n;
}
}  // namespace

TEST_CASE("a sweep file expands into points with units and the key paths it varies") {
  const SweepPlan plan = load_sweep(kSmallSweep);
  CHECK(plan.points() == 10);
  CHECK(plan.replicates == 2);
  CHECK(plan.runs() == 20);
  REQUIRE(plan.parameters.size() == 2);
  CHECK(plan.parameters[0].unit == "x/year");
  for (std::size_t p = 0; p < plan.points(); ++p) {
    CHECK(plan.values(static_cast<Eigen::Index>(p), 0) >= 1.5);
    CHECK(plan.values(static_cast<Eigen::Index>(p), 0) <= 5.0);
    const double v = plan.values(static_cast<Eigen::Index>(p), 1);
    CHECK((v == 0.5 || v == 1.5 || v == 3.0));
  }
  const std::vector<std::string> o = point_overrides(plan, 3);
  REQUIRE(o.size() == 3);
  CHECK(o[0].starts_with("labs.cn_lab.efficiency_growth_per_year="));
  CHECK(o[2] == "run.seed=11");
  CHECK(plan.hash.size() == 16);
}

TEST_CASE("metrics reduce a series to value at a date mean drawdown and first crossing") {
  SeriesCatalog catalog;
  const Date start = Date::from_ymd(2022, 1, 1);
  catalog.set_time_axis(
      {Cadence::monthly, tick_dates(Cadence::monthly, start, Date::from_ymd(2022, 6, 30))});
  const SeriesId id = catalog.add_series({"g", "x", "u", "d", Cadence::monthly, {}});
  SeriesBuffer run(catalog);
  const double xs[] = {10, 20, 15, 5, 30, 25};  // Jan .. Jun
  for (std::size_t t = 0; t < 6; ++t) run.set(id, t, xs[t]);
  SweepMetric m;
  m.series_id = id;
  m.kind = MetricKind::value_at;
  m.at = Date::from_ymd(2022, 3, 20);  // the March value is the last one on or before it
  CHECK(metric_value(m, catalog, run, start) == 15);
  m.kind = MetricKind::mean;
  m.from = Date::from_ymd(2022, 2, 1);
  m.to = Date::from_ymd(2022, 4, 1);
  CHECK(metric_value(m, catalog, run, start) == doctest::Approx((20 + 15 + 5) / 3.0));
  m.from = Date::from_ymd(1900, 1, 1);
  m.to = Date::from_ymd(9999, 1, 1);
  m.kind = MetricKind::max_drawdown;
  m.relative = true;
  CHECK(metric_value(m, catalog, run, start) == doctest::Approx(0.75));  // 20 -> 5
  m.relative = false;
  CHECK(metric_value(m, catalog, run, start) == 15);
  m.kind = MetricKind::first_crossing;
  m.threshold = 25;
  m.upward = true;
  CHECK(metric_value(m, catalog, run, start) ==
        doctest::Approx(years_between(start, Date::from_ymd(2022, 5, 1))));
  m.threshold = 100;
  CHECK(std::isnan(metric_value(m, catalog, run, start)));
  m.threshold = 6;
  m.upward = false;
  CHECK(metric_value(m, catalog, run, start) ==
        doctest::Approx(years_between(start, Date::from_ymd(2022, 4, 1))));
}

TEST_CASE("shards split the runs without overlap and parse only I/N") {
  CHECK(!parse_shard("4/4"));
  CHECK(!parse_shard("1"));
  CHECK(!parse_shard("-1/4"));
  CHECK(!parse_shard("a/b"));
  const auto s = parse_shard("2/4");
  REQUIRE(s);
  for (uint64_t run = 0; run < 40; ++run) {
    int owners = 0;
    for (std::size_t i = 0; i < 4; ++i) owners += Shard{i, 4}.contains(run);
    CHECK(owners == 1);
  }
}

TEST_CASE("bad sweep files list every error with line and column and write nothing") {
  TempDir dir;
  const fs::path file = dir.path / "bad.yaml";
  write(file,
        "sweep:\n"
        "  base: " +
            kSource +
            "/tests/data/small.yaml\n"
            "  replicate: 2\n"
            "design:\n"
            "  type: saltelli\n"
            "  base_rows: 2\n"
            "parameters:\n"
            "  - key: labs.cn_lab.efficiency_growth_per_yer\n"
            "    range: [1, 2]\n"
            "  - key: lab_model.open_spillover_per_year\n"
            "    range: [3, 1]\n"
            "  - key: lab_model.closed_spillover_per_year\n"
            "    range: [0.2, 0.2]\n"
            "metrics:\n"
            "  - name: gap\n"
            "    series: indicators/us_cn_gap_month\n"
            "    value_at: 2023-01-01\n"
            "  - name: cn\n"
            "    series: indicators/compute_h100e\n"
            "    entity: {country: XX}\n"
            "    mean: {}\n");
  const fs::path out = dir.path / "out.h5";
  const Outcome o = run_airace("sweep '" + file.string() + "' -o '" + out.string() + "'", dir);
  CHECK(o.status == 2);
  const std::string f = file.string();
  CHECK(o.err.find(f + ":3:3: error: sweep.replicate: unknown key") != std::string::npos);
  CHECK(o.err.find("did you mean 'replicates'?") != std::string::npos);
  CHECK(o.err.find(f + ":8:10:") != std::string::npos);  // the misspelt key path
  CHECK(o.err.find("did you mean 'efficiency_growth_per_year'?") != std::string::npos);
  CHECK(o.err.find(f + ":11:12:") != std::string::npos);
  CHECK(o.err.find("the range is reversed") != std::string::npos);
  CHECK(o.err.find(f + ":13:12:") != std::string::npos);
  CHECK(o.err.find("the range is empty") != std::string::npos);
  CHECK(o.err.find("no series 'indicators/us_cn_gap_month'") != std::string::npos);
  CHECK(o.err.find("did you mean 'indicators/us_cn_gap_months'?") != std::string::npos);
  CHECK(o.err.find("unknown country 'XX'") != std::string::npos);
  CHECK(o.err.find("nothing was written") != std::string::npos);
  CHECK(!fs::exists(out));
  CHECK(!fs::exists(dir.path / "out.h5.partial"));

  // A Saltelli design with too few base rows, once the rest is right.
  write(file, "sweep: {base: " + kSource +
                  "/tests/data/small.yaml}\n"
                  "design: {type: saltelli, base_rows: 2}\n"
                  "parameters:\n"
                  "  - {key: lab_model.open_spillover_per_year, range: [1, 2]}\n"
                  "  - {key: lab_model.closed_spillover_per_year, range: [0.1, 0.2]}\n"
                  "metrics:\n"
                  "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-01-01}\n");
  const Outcome s = run_airace("sweep '" + file.string() + "' -o '" + out.string() + "'", dir);
  CHECK(s.status == 2);
  CHECK(s.err.find(f + ":2:9: error: design:") != std::string::npos);
  CHECK(s.err.find("at least") != std::string::npos);
  CHECK(!fs::exists(out));

  const Outcome shard =
      run_airace("sweep '" + kSmallSweep + "' --shard 4/4 -o '" + out.string() + "'", dir);
  CHECK(shard.status == 2);
  CHECK(shard.err.find("expected I/N with 0 <= I < N") != std::string::npos);
  CHECK(!fs::exists(out));
}

TEST_CASE("a sweep gives the same metrics on one or two threads and as four merged shards") {
  TempDir dir;
  const std::string one = (dir.path / "one.h5").string();
  const std::string two = (dir.path / "two.h5").string();
  REQUIRE(run_airace("sweep '" + kSmallSweep + "' -q -t 1 -o '" + one + "'", dir).status == 0);
  REQUIRE(run_airace("sweep '" + kSmallSweep + "' -q -t 2 -o '" + two + "'", dir).status == 0);
  const SweepTable a = read_sweep_file(one);
  CHECK(count_ok(a) == 20);
  CHECK(a.series.size() == 1);
  check_same_results(a, read_sweep_file(two));

  std::string parts;
  for (int i = 0; i < 4; ++i) {
    const std::string part = (dir.path / ("part" + std::to_string(i) + ".h5")).string();
    REQUIRE(run_airace("sweep '" + kSmallSweep + "' -q --shard " + std::to_string(i) + "/4 -o '" +
                           part + "'",
                       dir)
                .status == 0);
    const SweepTable t = read_sweep_file(part);
    CHECK(t.meta.shard_count == 4);
    CHECK(count_ok(t) == 5);
    parts += " '" + part + "'";
  }
  const std::string merged = (dir.path / "merged.h5").string();
  const Outcome m = run_airace("merge" + parts + " -o '" + merged + "'", dir);
  REQUIRE(m.status == 0);
  const SweepTable c = read_sweep_file(merged);
  CHECK(c.meta.shard_count == 1);
  check_same_results(a, c);
}

TEST_CASE("without a terminal a sweep prints plain progress lines and none when quiet") {
  TempDir dir;
  const std::string out = (dir.path / "s.h5").string();
  const Outcome o = run_airace("sweep '" + kSmallSweep + "' -t 1 -o '" + out + "'", dir,
                               "AIRACE_PROGRESS_SECONDS=0.02");
  REQUIRE(o.status == 0);
  CAPTURE(o.err);
  CHECK(o.err.find("progress: ") != std::string::npos);
  CHECK(o.err.find(" runs) after ") != std::string::npos);
  CHECK(o.err.find("s left") != std::string::npos);
  CHECK(o.err.find('\r') == std::string::npos);  // no bar redrawn in place in a log
  const Outcome q = run_airace("sweep '" + kSmallSweep + "' -q -t 1 --force -o '" + out + "'",
                               dir, "AIRACE_PROGRESS_SECONDS=0.02");
  REQUIRE(q.status == 0);
  CHECK(q.err.find("progress: ") == std::string::npos);
}

TEST_CASE("a finished shard is not computed again unless forced") {
  TempDir dir;
  const std::string part = (dir.path / "part1.h5").string();
  const std::string cmd = "sweep '" + kSmallSweep + "' --shard 1/4 -o '" + part + "'";
  REQUIRE(run_airace(cmd, dir).status == 0);
  const auto written = fs::last_write_time(part);
  // Resubmitting the same task: nothing to do, the file is left as it is.
  const Outcome again = run_airace(cmd, dir);
  CHECK(again.status == 0);
  CHECK(again.out.find("already holds shard 1/4 of this sweep") != std::string::npos);
  CHECK(again.out.find("nothing to do") != std::string::npos);
  CHECK(fs::last_write_time(part) == written);
  CHECK(count_ok(read_sweep_file(part)) == 5);
  // Killed after the file got its name, while its saved runs were being cleared away: what is
  // left of them goes, since every run is in the file.
  const fs::path partial = part + ".partial";
  fs::create_directories(partial);
  write(partial / "batch-000003.bin", "left over");
  const Outcome leftover = run_airace(cmd, dir);
  CHECK(leftover.status == 0);
  CHECK(leftover.out.find("nothing to do") != std::string::npos);
  CHECK(!fs::exists(partial));
  CHECK(fs::last_write_time(part) == written);
  // --force computes it again.
  const Outcome forced = run_airace(cmd + " --force", dir);
  CHECK(forced.status == 0);
  CHECK(forced.out.find("computed 5 runs this time") != std::string::npos);
  // The same file name for another shard is computed (and replaced), never taken as done.
  const Outcome other = run_airace(
      "sweep '" + kSmallSweep + "' --shard 2/4 --force -o '" + part + "'", dir);
  CHECK(other.status == 0);
  CHECK(other.out.find("computed 5 runs this time") != std::string::npos);
  CHECK(read_sweep_file(part).meta.shard_index == 2);
}

TEST_CASE("merge refuses parts of another sweep or version and missing or repeated shards") {
  TempDir dir;
  auto part = [&](int i, const std::string& sweep) {
    const std::string p =
        (dir.path / (fs::path(sweep).stem().string() + std::to_string(i) + ".h5")).string();
    REQUIRE(run_airace(
                "sweep '" + sweep + "' -q --shard " + std::to_string(i) + "/2 -o '" + p + "'", dir)
                .status == 0);
    return p;
  };
  const std::string p0 = part(0, kSmallSweep);
  const std::string p1 = part(1, kSmallSweep);
  const std::string out = (dir.path / "m.h5").string();

  const Outcome missing = run_airace("merge '" + p0 + "' -o '" + out + "'", dir);
  CHECK(missing.status == 2);
  CHECK(missing.err.find("missing shards 1/2") != std::string::npos);
  const Outcome twice = run_airace("merge '" + p0 + "' '" + p0 + "' -o '" + out + "'", dir);
  CHECK(twice.status == 2);
  CHECK(twice.err.find("is given twice") != std::string::npos);

  // Another sweep definition: the same file with another seed.
  const fs::path other = dir.path / "other.yaml";
  std::string text = slurp(kSmallSweep);
  text.replace(text.find("seed: 11"), 8, "seed: 12");
  text.replace(text.find("base: ../small.yaml"), 19, "base: " + kSource + "/tests/data/small.yaml");
  write(other, text);
  const std::string q1 = part(1, other.string());
  const Outcome foreign = run_airace("merge '" + p0 + "' '" + q1 + "' -o '" + out + "'", dir);
  CHECK(foreign.status == 2);
  CHECK(foreign.err.find(q1 + ": error: a part of a different sweep definition") !=
        std::string::npos);

  // Another program version.
  SweepTable t = read_sweep_file(p1);
  t.meta.program_version = "0.0.1";
  const std::string old = (dir.path / "old.h5").string();
  write_sweep_file(old, t);
  const Outcome version = run_airace("merge '" + p0 + "' '" + old + "' -o '" + out + "'", dir);
  CHECK(version.status == 2);
  CHECK(version.err.find("written by another program version") != std::string::npos);
  CHECK(!fs::exists(out));

  CHECK(run_airace("merge '" + p0 + "' '" + p1 + "' -o '" + out + "'", dir).status == 0);
  CHECK(count_ok(read_sweep_file(out)) == 20);
}

TEST_CASE("a sweep killed half way resumes without redoing saved runs and redoes a torn batch") {
  TempDir dir;
  const std::string full = (dir.path / "full.h5").string();
  REQUIRE(run_airace("sweep '" + kSmallSweep + "' -q -t 1 -o '" + full + "'", dir).status == 0);

  const fs::path out = dir.path / "killed.h5";
  const fs::path partial = dir.path / "killed.h5.partial";
  const std::string args =
      "sweep '" + kSmallSweep + "' -q -t 1 --batch-runs 2 -o '" + out.string() + "'";
  const pid_t pid = start_airace(args);
  REQUIRE(pid >= 0);
  // Kill it once three batches are saved: half way through its ten.
  auto batches = [&] {
    std::size_t n = 0;
    std::error_code ec;
    if (fs::is_directory(partial, ec))
      for (const auto& e : fs::directory_iterator(partial, ec))
        n += e.path().filename().string().starts_with("batch-");
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (batches() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(pid, SIGKILL);
  int raw = 0;
  waitpid(pid, &raw, 0);
  REQUIRE(WIFSIGNALED(raw));
  CHECK(!fs::exists(out));

  // What survived the kill, read as the resumed run will read it.
  const std::string stamp = [&] {
    std::string s = slurp(partial / "STAMP");
    s.pop_back();
    return s;
  }();
  std::vector<std::string> dropped;
  const std::size_t saved = BatchStore(partial, stamp).load(dropped).size();
  CHECK(dropped.empty());
  REQUIRE(saved >= 6);
  REQUIRE(saved < 20);
  // Tear the last batch, as a crash in the middle of writing it would.
  fs::path last;
  for (const auto& e : fs::directory_iterator(partial))
    if (e.path().filename().string().starts_with("batch-") && e.path() > last) last = e.path();
  fs::resize_file(last, fs::file_size(last) - 5);
  const std::size_t kept = saved - 2;

  const Outcome resumed =
      run_airace(args.substr(0, args.find(" -q")) + args.substr(args.find(" -q") + 3), dir);
  REQUIRE(resumed.status == 0);
  CHECK(resumed.out.find("discarded the damaged batch") != std::string::npos);
  CHECK(resumed.out.find("resuming: " + std::to_string(kept) + " of 20 runs already done") !=
        std::string::npos);
  CHECK(resumed.out.find("computed " + std::to_string(20 - kept) + " runs this time") !=
        std::string::npos);
  CHECK(!fs::exists(partial));
  check_same_results(read_sweep_file(full), read_sweep_file(out));
}

TEST_CASE("SIGINT stops a sweep after its current runs and says how to resume") {
  TempDir dir;
  const fs::path out = dir.path / "stopped.h5";
  const fs::path err = dir.path / "err.txt";
  const pid_t pid = start_airace(
      "sweep '" + kSmallSweep + "' -q -t 1 --batch-runs 2 -o '" + out.string() + "'",
      ">/dev/null 2>'" + err.string() + "'");
  REQUIRE(pid >= 0);
  const fs::path partial = dir.path / "stopped.h5.partial";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto started = [&] {
    std::error_code ec;
    if (!fs::is_directory(partial, ec)) return false;
    for (const auto& e : fs::directory_iterator(partial, ec))
      if (e.path().filename().string().starts_with("batch-")) return true;
    return false;
  };
  while (!started() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(pid, SIGINT);
  int raw = 0;
  waitpid(pid, &raw, 0);
  REQUIRE(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 130);
  const std::string message = slurp(err);
  CHECK(message.find("stopped by SIGINT") != std::string::npos);
  CHECK(message.find("Run the same command again to resume") != std::string::npos);
  CHECK(!fs::exists(out));
  CHECK(fs::exists(partial / "STAMP"));
}

TEST_CASE("a sweep without a design section is reported once at the top of the file") {
  // Found by fuzzing: the missing design also gave "a latin_hypercube design needs points" with
  // no file, line or column.
  const std::string text =
      "sweep: {base: ../small.yaml}\n"
      "parameters:\n"
      "  - {key: lab_model.open_spillover_per_year, range: [1, 2]}\n"
      "metrics:\n"
      "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-01-01}\n";
  try {
    load_sweep_text(text, kSource + "/tests/data/sweeps/in_memory.yaml");
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].where.line == 1);
    CHECK(e.diagnostics()[0].message.find("missing required key 'design'") != std::string::npos);
  }
}

TEST_CASE("a sweep seed from 2^63 up is refused at its line with the range") {
  const std::string text =
      "sweep: {base: ../small.yaml, seed: 9223372036854775808}\n"
      "design: {type: latin_hypercube, points: 2}\n"
      "parameters:\n"
      "  - {key: lab_model.open_spillover_per_year, range: [1, 2]}\n"
      "metrics:\n"
      "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-01-01}\n";
  try {
    load_sweep_text(text, kSource + "/tests/data/sweeps/in_memory.yaml");
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.where.line == 1);
    CHECK(d.where.column == 36);
    CHECK(d.key_path == "sweep.seed");
    CHECK(d.message ==
          "9223372036854775808 is out of range: expected a whole number in [0, 2^63), at most "
          "9223372036854775807");
  }
  const SweepPlan plan = load_sweep_text(
      text.substr(0, text.find("9223")) + "9223372036854775807" + text.substr(text.find("}")),
      kSource + "/tests/data/sweeps/in_memory.yaml");
  CHECK(plan.seed == uint64_t{INT64_MAX});
}


TEST_CASE("analyse warns that a 16-point saltelli sweep is too small and says what would do") {
  TempDir dir;
  const fs::path file = dir.path / "tiny.yaml";
  write(file, "sweep: {base: " + kSource +
                  "/tests/data/small.yaml, seed: 5}\n"
                  "design: {type: saltelli, base_rows: 4}\n"
                  "parameters:\n"
                  "  - {key: labs.cn_lab.efficiency_growth_per_year, range: [1.5, 5]}\n"
                  "  - {key: lab_model.open_spillover_per_year, range: [0.5, 3]}\n"
                  "metrics:\n"
                  "  - {name: gap_end, series: indicators/us_cn_gap_months, value_at: "
                  "2023-12-31}\n");
  const fs::path out = dir.path / "tiny.h5";
  REQUIRE(run_airace("sweep '" + file.string() + "' -q -o '" + out.string() + "'", dir).status ==
          0);
  REQUIRE(read_sweep_file(out).points == 16);
  const Outcome a = run_airace("analyse '" + out.string() + "' --resamples 200", dir);
  CHECK(a.status == 0);
  CHECK(a.out.find("warning: the widest interval") != std::string::npos);
  CHECK(a.out.find("warning: N = 4 base rows are too few for 1 of 1 metrics") !=
        std::string::npos);
  CHECK(a.out.find("try N = 256 base rows (1024 runs") != std::string::npos);
}

}  // namespace sweep_test
