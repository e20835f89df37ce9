// Run costs and size limits: a scenario or sweep too large to finish is refused before anything
// runs, at the key that makes it too large, with the memory and time it would take.
#include "sim/model/run_cost.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/runner/sweep_plan.hpp"
#include "tests/airace_process.hpp"
#include "tests/scenario_errors.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace run_cost_test {

namespace {
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::TempDir;
const std::string kBaseline = std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml";

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

bool mentions(const Diagnostic& d, const std::string& text) {
  return format_diagnostic(d).find(text) != std::string::npos;
}

// Nothing but the program's own logs in the directory: no output file, whole or partial.
bool only_logs_in(const TempDir& dir, const std::vector<std::string>& inputs) {
  for (const auto& e : fs::directory_iterator(dir.path)) {
    const std::string name = e.path().filename().string();
    if (name != "stdout.txt" && name != "stderr.txt" &&
        std::find(inputs.begin(), inputs.end(), name) == inputs.end())
      return false;
  }
  return true;
}
}  // namespace

TEST_CASE("run_cost counts the series and adopters and agent-steps of a replicate") {
  const Scenario s = load_scenario(kBaseline);
  const RunCost c = run_cost(s);
  // Baseline: 20,000 adopters with 8 peer links, 84 bytes each.
  CHECK(c.population_bytes == doctest::Approx(20000.0 * 84.0));
  CHECK(c.adoption_ticks == 108.0);  // monthly, 2022-01 to 2030-12
  CHECK(c.agent_steps > 20000.0 * 108.0);
  CHECK(c.series_bytes > 1e6);
  // Series grow with the horizon, adopters do not.
  const RunCost longer = run_cost(load_scenario(kBaseline, {"scenario.end=2039-12-31"}));
  CHECK(longer.series_bytes == doctest::Approx(2.0 * c.series_bytes).epsilon(0.02));
  CHECK(longer.population_bytes == c.population_bytes);
}

TEST_CASE("sizes and durations are written in decimal units") {
  CHECK(bytes_text(512) == "512 bytes");
  CHECK(bytes_text(3.1e12) == "3.1 TB");
  CHECK(bytes_text(76e12) == "76 TB");
  CHECK(bytes_text(999.7e6) == "1.0 GB");
  CHECK(duration_text(0.0077) == "7.7 ms");
  CHECK(duration_text(90) == "1.5 minutes");
  CHECK(duration_text(5.5 * 365.25 * 86400) == "5.5 years");
  CHECK(grouped_number(1e12) == "1,000,000,000,000");
  CHECK(grouped_number(7977) == "7,977");
  CHECK(grouped_number(20) == "20");
}

TEST_CASE("a limit refuses 10^12 adopters at their key with the memory and time they need") {
  TempDir dir;
  const fs::path file = dir.path / "crowd.yaml";
  write(file, "extends: " + kBaseline +
                  "\n"
                  "adoption_model:\n"
                  "  adopters: 1000000000000\n");
  const std::vector<Diagnostic> errors = testing::scenario_errors(file.string());
  REQUIRE(errors.size() == 1);
  const Diagnostic& d = errors[0];
  CHECK(d.where.file == file.string());
  CHECK(d.where.line == 3);
  CHECK(d.where.column == 13);
  CHECK(d.key_path == "adoption_model.adopters");
  // 10^12 x 84 bytes; 10^12 x 108 ticks x 20 replicates x 80 ns, on however many cores.
  CHECK(mentions(d, "1,000,000,000,000 adopters need about 84 TB of memory"));
  CHECK(mentions(d, "84 bytes an adopter with its 8 peer links"));
  CHECK(mentions(d, "years of computing"));
  CHECK(mentions(d, "the limit is 100,000,000 adopters"));

  // The program: status 2, the message, nothing written.
  const fs::path out = dir.path / "out.h5";
  const Outcome o = run_airace("run '" + file.string() + "' -o '" + out.string() + "'", dir);
  CHECK(o.status == 2);
  CHECK(o.err.find(file.string() + ":3:13: error: adoption_model.adopters: 1,000,000,000,000 "
                                   "adopters need about 84 TB") != std::string::npos);
  CHECK(o.err.find("nothing was written") != std::string::npos);
  CHECK(only_logs_in(dir, {"crowd.yaml"}));
}

TEST_CASE("a limit refuses a horizon of thousands of years with the size of its series") {
  TempDir dir;
  const fs::path file = dir.path / "forever.yaml";
  write(file, "extends: " + kBaseline +
                  "\n"
                  "scenario: {end: 9999-12-31}\n");
  const std::vector<Diagnostic> errors = testing::scenario_errors(file.string());
  REQUIRE(errors.size() == 1);
  const Diagnostic& d = errors[0];
  CHECK(d.where.file == file.string());
  CHECK(d.where.line == 2);
  CHECK(d.where.column == 17);
  CHECK(d.key_path == "scenario.end");
  CHECK(mentions(d, "a horizon of 7,977 years needs about "));
  CHECK(mentions(d, "GB of output series (20 replicates x "));
  CHECK(mentions(d, "ticks x entities x 8 bytes for every series"));
  CHECK(mentions(d, "of computing"));
  CHECK(mentions(d, "the limit is 200 years"));
  // The series' size is about that of the baseline scaled to the horizon (within 3%: the message
  // counts the horizon's own ticks, which a linear scaling of the baseline's nine years rounds).
  const double per_year = run_cost(load_scenario(kBaseline)).series_bytes / 9.0;
  bool scaled = false;
  for (double f = 0.97; f <= 1.03; f += 0.005)
    scaled = scaled || mentions(d, "needs about " + bytes_text(f * per_year * 7978.0 * 20.0) +
                                       " of output series");
  CAPTURE(d.message);
  CHECK(scaled);

  const fs::path out = dir.path / "out.h5";
  const Outcome o = run_airace("run '" + file.string() + "' -o '" + out.string() + "'", dir);
  CHECK(o.status == 2);
  CHECK(o.err.find(file.string() + ":2:17: error: scenario.end: a horizon of 7,977 years") !=
        std::string::npos);
  CHECK(only_logs_in(dir, {"forever.yaml"}));
}

TEST_CASE("a limit refuses a sweep of 10^9 points with the memory and time it needs") {
  TempDir dir;
  const fs::path file = dir.path / "vast.yaml";
  write(file, "sweep: {base: " + std::string(AIRACE_SOURCE_DIR) +
                  "/tests/data/small.yaml, replicates: 2}\n"
                  "design:\n"
                  "  type: latin_hypercube\n"
                  "  points: 1000000000\n"
                  "parameters:\n"
                  "  - {key: lab_model.open_spillover_per_year, range: [0.5, 3]}\n"
                  "metrics:\n"
                  "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-12-31}\n");
  try {
    load_sweep(file);
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.where.line == 4);
    CHECK(d.where.column == 11);
    CHECK(d.key_path == "design.points");
    CHECK(mentions(d, "1,000,000,000 points x 2 replicates = 2,000,000,000 runs need about "));
    CHECK(mentions(d, "of memory for their results (1 value a run, 1 metric and 0 of kept series"));
    CHECK(mentions(d, "of computing ("));
    CHECK(mentions(d, "the limit is 10,000,000 runs"));
    CHECK(d.hint == "split the sweep");
  }
  const fs::path out = dir.path / "out.h5";
  const Outcome o = run_airace("sweep '" + file.string() + "' -o '" + out.string() + "'", dir);
  CHECK(o.status == 2);
  CHECK(o.err.find(file.string() + ":4:11: error: design.points: 1,000,000,000 points") !=
        std::string::npos);
  CHECK(only_logs_in(dir, {"vast.yaml"}));  // no output file, no .partial directory
}

TEST_CASE("a limit exceeded through --set names the --set") {
  // A --set has no line: the error names the override itself.
  const Diagnostic adopters =
      testing::first_scenario_error(kBaseline, {"adoption_model.adopters=1000000000000"});
  CHECK(adopters.where.file == "--set 'adoption_model.adopters=1000000000000'");
  CHECK(adopters.key_path == "adoption_model.adopters");
  CHECK(mentions(adopters, "need about 84 TB of memory"));
  const Diagnostic end = testing::first_scenario_error(kBaseline, {"scenario.end=9999-12-31"});
  CHECK(end.where.file == "--set 'scenario.end=9999-12-31'");
  CHECK(mentions(end, "a horizon of 7,977 years needs about"));

  // An ensemble over the machine's memory: 100,000 replicates of two centuries.
  TempDir dir;
  const Outcome o = run_airace(
      "run scenarios/baseline.yaml -r 100000 --set scenario.end=2221-12-31 "
      "-o '" +
          (dir.path / "huge.h5").string() + "'",
      dir);
  CHECK(o.status == 2);
  CHECK(o.err.find("--set 'run.replicates=100000': error: run.replicates: 100,000 replicates "
                   "need about") != std::string::npos);
  CHECK(o.err.find("TB of output series (100,000 replicates x ") != std::string::npos);
  CHECK(o.err.find("3/4 of this machine's") != std::string::npos);
  CHECK(o.err.find("replicates fit") != std::string::npos);
  CHECK(only_logs_in(dir, {}));
  // `check` refuses it too, without running anything.
  CHECK(run_airace("check scenarios/baseline.yaml --set run.replicates=100000 "
                   "--set scenario.end=2221-12-31",
                   dir)
            .status == 2);
}

TEST_CASE("value_location finds where a key path is written and falls back when absent") {
  const ConfigNode tree = [] {
    Diagnostics d;
    return parse_yaml_text("a:\n  b: 1\n", "f.yaml", d);
  }();
  const SourceLocation at = value_location(tree, "a.b", {"x", 0, 0});
  CHECK(at.file == "f.yaml");
  CHECK(at.line == 2);
  CHECK(at.column == 6);
  CHECK(value_location(tree, "a.c", {"x", 9, 9}).line == 9);
  CHECK(value_location(tree, "a.b.c", {"x", 9, 9}).line == 9);
}

}  // namespace run_cost_test
