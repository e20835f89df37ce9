// End-to-end tests of the `airace` program: exit status, messages and files written.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "output/h5_reader.hpp"
#include "sim/cli/mpi_world.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;

namespace cli_test {

namespace {
using airace::testing::kBinary;
using airace::testing::kSource;
using airace::testing::Outcome;
using airace::testing::slurp;
using airace::testing::TempDir;

Outcome run(const std::string& args, const TempDir& dir) {
  return airace::testing::run_airace(args, dir);
}

bool only_logs_in(const TempDir& dir) {
  for (const auto& e : fs::directory_iterator(dir.path)) {
    const std::string name = e.path().filename().string();
    if (name != "stdout.txt" && name != "stderr.txt") return false;
  }
  return true;
}
}  // namespace

TEST_CASE("airace run writes an HDF5 file and prints a summary") {
  TempDir dir;
  const fs::path file = dir.path / "small.h5";
  const Outcome o = run("run tests/data/small.yaml -o '" + file.string() + "'", dir);
  CHECK(o.status == 0);
  CHECK(fs::exists(file));
  CHECK(o.out.find("us_cn_gap_months") != std::string::npos);
  CHECK(o.out.find("Sign of the gap: the US ahead of China (us_cn_gap_months > 0) on ") !=
        std::string::npos);
  CHECK(o.out.find("wrote " + file.string()) != std::string::npos);
  for (const auto& e : fs::directory_iterator(dir.path))
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("airace run prints the largest market shock of a run with firms and none without") {
  TempDir dir;
  const fs::path file = dir.path / "markets.h5";
  // The history to March 2025: the shock is a trading day of 2022-2025 with a cause.
  const Outcome o = run("run scenarios/baseline.yaml --replicates 4 --set scenario.end=2025-03-31 "
                        "--groups markets -o '" + file.string() + "'",
                        dir);
  CHECK(o.status == 0);
  const auto at = o.out.find("Largest market shock: ");
  REQUIRE(at != std::string::npos);
  const std::string line = o.out.substr(at, o.out.find('\n', at) - at);
  CAPTURE(line);
  CHECK(line.find("beyond its trend, ") != std::string::npos);
  CHECK(line.find(" in value (median of 4 replicates); cause: ") != std::string::npos);
  CHECK(line.find(" on 202") != std::string::npos);
  CHECK(line.find("%") != std::string::npos);
  const Outcome none = run("run tests/data/small.yaml -o '" + (dir.path / "s.h5").string() + "'",
                           dir);
  CHECK(none.status == 0);
  CHECK(none.out.find("Largest market shock") == std::string::npos);
}

TEST_CASE("airace run names the labs that exited, or says none did") {
  TempDir dir;
  // cn_lab without money, revenue or anyone behind it exits after half a year unpaid.
  const Outcome o = run("run tests/data/small.yaml --replicates 2 --set labs.cn_lab.capital_usd=-1e9 "
                        "--set lab_model.market_usd_per_year=0 --set adoption_model.adopters=0 "
                        "--set lab_model.exit_after_unpaid_years=0.5 -o '" +
                            (dir.path / "exit.h5").string() + "'",
                        dir);
  CHECK(o.status == 0);
  CHECK(o.out.find("Lab exits: cn_lab (cn_lab) in 2 of 2 replicates, the first on 2022-08-01") !=
        std::string::npos);
  const Outcome none =
      run("run tests/data/small.yaml --replicates 2 -o '" + (dir.path / "s.h5").string() + "'",
          dir);
  CHECK(none.status == 0);
  CHECK(none.out.find("Lab exits: none in 2 replicates") != std::string::npos);
}

TEST_CASE("output is bit-identical for one and two threads") {
  TempDir dir;
  const std::string a = (dir.path / "t1.h5").string();
  const std::string b = (dir.path / "t2.h5").string();
  REQUIRE(run("run tests/data/small.yaml -q --threads 1 -o '" + a + "'", dir).status == 0);
  REQUIRE(run("run tests/data/small.yaml -q --threads 2 -o '" + b + "'", dir).status == 0);
  // /meta differs only in its creation time and command line.
  const std::string diff = "h5diff --exclude-path /meta '" + a + "' '" + b + "' >/dev/null";
  CHECK(std::system(diff.c_str()) == 0);
  const std::string differs = "h5diff --exclude-path /meta '" + a + "' '" + kSource +
                              "/tests/data/small.yaml' >/dev/null 2>&1";
  CHECK(std::system(differs.c_str()) != 0);  // h5diff really compares
}

TEST_CASE("uncertain parameters are drawn per replicate and failed replicates are reported") {
  TempDir dir;
  const std::string a = (dir.path / "t1.h5").string();
  const std::string b = (dir.path / "t2.h5").string();
  const Outcome o = run("run tests/data/small_uncertain.yaml --threads 1 -o '" + a + "'", dir);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("3 uncertain parameters drawn per replicate") != std::string::npos);
  CHECK(o.out.find(" of 6 replicates failed") != std::string::npos);
  CHECK(o.out.find("allies.alignment") != std::string::npos);
  // The draws, status and reasons are stored, and are the same on two threads.
  REQUIRE(run("run tests/data/small_uncertain.yaml -q --threads 2 -o '" + b + "'", dir).status ==
          0);
  const std::string diff = "h5diff --exclude-path /meta '" + a + "' '" + b + "' >/dev/null";
  CHECK(std::system(diff.c_str()) == 0);
  const fs::path dump = dir.path / "dump.txt";
  const std::string h5dump =
      "h5dump -d /uncertainty/values -d /uncertainty/status -d "
      "/uncertainty/reason -d /uncertainty/parameter '" +
      a + "' >'" + dump.string() + "'";
  REQUIRE(std::system(h5dump.c_str()) == 0);
  const std::string text = slurp(dump);
  CHECK(text.find("SIMPLE { ( 6, 3 ) / ( 6, 3 ) }") != std::string::npos);
  CHECK(text.find("labs.cn_lab.efficiency_growth_per_year") != std::string::npos);
  CHECK(text.find("is out of range") != std::string::npos);
}

TEST_CASE("run --fixed-parameters runs every uncertain parameter at its median and says so") {
  TempDir dir;
  const std::string drawn = (dir.path / "drawn.h5").string();
  const std::string fixed = (dir.path / "fixed.h5").string();
  const Outcome d = run("run tests/data/small_uncertain.yaml -o '" + drawn + "'", dir);
  REQUIRE(d.status == 0);
  CHECK(d.out.find("what the model does not know and noise: 3 uncertain parameters") !=
        std::string::npos);
  const Outcome f =
      run("run tests/data/small_uncertain.yaml --fixed-parameters -o '" + fixed + "'", dir);
  REQUIRE(f.status == 0);
  CHECK(f.out.find("noise only: uncertain parameters fixed at their medians") != std::string::npos);
  CHECK(f.out.find("replicates failed") == std::string::npos);  // nothing drawn, nothing fails
  // The file holds no draws, and its scenario has the medians written in: running the stored
  // scenario gives the same file, as running the medians by hand does.
  const airace::RunFile file = airace::open_run_file(fixed);
  CHECK(file.meta.resolved_scenario_yaml.find("distribution") == std::string::npos);
  CHECK(std::system(("h5ls '" + fixed + "/uncertainty' >/dev/null 2>&1").c_str()) != 0);
  const fs::path medians = dir.path / "medians.yaml";
  std::ofstream(medians) << "extends: " << std::string(AIRACE_SOURCE_DIR)
                         << "/tests/data/small.yaml\nrun: {replicates: 6}\n"
                            "labs:\n  - id: cn_lab\n"
                            "    efficiency_growth_per_year: 3.3541019662496847\n"
                            "    talent: 1.5\nallies:\n  alignment: 0.8\n";
  const std::string by_hand = (dir.path / "by_hand.h5").string();
  REQUIRE(run("run '" + medians.string() + "' -q -o '" + by_hand + "'", dir).status == 0);
  const std::string diff =
      "h5diff --exclude-path /meta '" + fixed + "' '" + by_hand + "' >/dev/null";
  CHECK(std::system(diff.c_str()) == 0);
}

TEST_CASE("the scenario stored in an output file reproduces that output") {
  TempDir dir;
  const std::string first = (dir.path / "first.h5").string();
  REQUIRE(run("run tests/data/extends_small.yaml -q --set labs.cn_lab.training_share=0.7 -o '" +
                  first + "'",
              dir)
              .status == 0);
  const fs::path stored = dir.path / "stored.yaml";
  std::ofstream(stored) << airace::open_run_file(first).meta.resolved_scenario_yaml;
  const std::string second = (dir.path / "second.h5").string();
  REQUIRE(run("run '" + stored.string() + "' -q -o '" + second + "'", dir).status == 0);
  const std::string diff = "h5diff --exclude-path /meta '" + first + "' '" + second + "'";
  CHECK(std::system(diff.c_str()) == 0);
}

TEST_CASE("bad scenarios exit with status 2 and a file line column message and write nothing") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_misspelt_key.yaml", "bad_misspelt_key.yaml:4:5: error"},
      {"bad_wrong_type.yaml", "bad_wrong_type.yaml:3:15: error"},
      {"bad_negative_compute.yaml", "bad_negative_compute.yaml:4:19: error"},
      {"bad_unknown_chip.yaml", "bad_unknown_chip.yaml:4:13: error"},
      {"bad_missing_extends.yaml", "bad_missing_extends.yaml:1:10: error"},
      {"bad_malformed.yaml", "bad_malformed.yaml:"},
      {"bad_two_documents.yaml", "bad_two_documents.yaml:1:1: error"},
      {"bad_many.yaml", "4 errors"},
      {"bad_uncertain.yaml", "bad_uncertain.yaml:4:29: error: allies.alignment.distribution"},
      {"bad_uncertain.yaml", "bad_uncertain.yaml:7:18: error: uncertainty.correlations[0]"},
      {"bad_rules.yaml", "bad_rules.yaml:7:28: error: export_rules[typo_metric].covers"},
      {"bad_rules.yaml", "bad_rules.yaml:11:16: error: export_rules[backwards].effective"},
      {"bad_rules.yaml", "bad_rules.yaml:18:25: error: export_rules[unknown_tier]"},
      {"bad_rules.yaml", "bad_rules.yaml:22:55: error: export_rules[broken_condition].covers"},
  };
  for (const auto& [file, expected] : cases) {
    CAPTURE(file);
    TempDir dir;
    const fs::path out = dir.path / "out.h5";
    const Outcome o = run("run tests/data/" + file + " -o '" + out.string() + "'", dir);
    CHECK(o.status == 2);
    CHECK(o.err.find(expected) != std::string::npos);
    CHECK(o.err.find("nothing was written") != std::string::npos);
    CHECK(only_logs_in(dir));
    CHECK(run("check tests/data/" + file, dir).status == 2);
  }
}

TEST_CASE("a failing run leaves an existing output file untouched") {
  TempDir dir;
  const fs::path out = dir.path / "keep.h5";
  { std::ofstream(out) << "precious"; }
  CHECK(run("run tests/data/bad_many.yaml -o '" + out.string() + "'", dir).status == 2);
  CHECK(run("run tests/data/small.yaml --set run.replicates=0 -o '" + out.string() + "'", dir)
            .status == 2);
  CHECK(slurp(out) == "precious");
}

TEST_CASE("bad options and paths exit with status 2") {
  TempDir dir;
  CHECK(run("run tests/data/small.yaml --threads 0", dir).status == 2);
  CHECK(run("run tests/data/small.yaml --replicates -3", dir).status == 2);
  CHECK(run("run tests/data/small.yaml --no-such-option", dir).status == 2);
  CHECK(run("run tests/data/small.yaml --set nonsense", dir).status == 2);
  CHECK(run("run tests/data/small.yaml -o /no/such/dir/x.h5", dir).status == 2);
  CHECK(run("run tests/data/no_such_file.yaml", dir).status == 2);
  CHECK(run("run tests/data", dir).status == 2);
  CHECK(run("frobnicate", dir).status == 2);
  CHECK(run("", dir).status == 2);
}

TEST_CASE("check validates without writing and describe lists parameters") {
  TempDir dir;
  const Outcome ok = run("check scenarios/baseline.yaml", dir);
  CHECK(ok.status == 0);
  CHECK(ok.out.find("OK") != std::string::npos);
  const Outcome d = run("describe efficiency_growth_per_year", dir);
  CHECK(d.status == 0);
  CHECK(d.out.find("x/year") != std::string::npos);
  const Outcome miss = run("describe efficency", dir);
  CHECK(miss.status == 2);
  CHECK(run("--help", dir).status == 0);
}

// A sweep file is validated as a sweep (docs/sweeps.md), not as a scenario: its base scenario,
// parameters, ranges, design and metrics, each error at the sweep file's line and column.
TEST_CASE("check recognises a sweep file and validates it as a sweep") {
  TempDir dir;
  const Outcome ok = run("check tests/data/sweeps/small_lhs.yaml", dir);
  CHECK(ok.status == 0);
  CHECK(ok.err.empty());
  CHECK(ok.out.find("tests/data/sweeps/small_lhs.yaml: OK: sweep 'small_lhs', latin_hypercube "
                    "design, 10 points x 2 replicates = 20 runs, 2 parameters, 4 metrics, 1 "
                    "kept series; base scenario 'small' (tests/data/sweeps/../small.yaml)") !=
        std::string::npos);
  CHECK(run("check tests/data/sweeps/small_saltelli.yaml", dir).status == 0);
  CHECK(run("check scenarios/sweeps/baseline_lhs.yaml", dir).status == 0);
  CHECK(only_logs_in(dir));

  const fs::path bad = dir.path / "bad.yaml";
  const std::string small = kSource + "/tests/data/small.yaml";
  std::ofstream(bad) << "sweep:\n"
                        "  base: " + small + "\n"
                        "  replicate: 2\n"
                        "design:\n"
                        "  type: latin_hypercube\n"
                        "  points: 0\n"
                        "parameters:\n"
                        "  - key: labs.cn_lab.efficiency_growth_per_yer\n"
                        "    range: [1, 2]\n"
                        "  - key: lab_model.open_spillover_per_year\n"
                        "    range: [3, 1]\n"
                        "metrics:\n"
                        "  - name: gap\n"
                        "    series: indicators/us_cn_gap_month\n"
                        "    value_at: 2023-01-01\n";
  const Outcome o = run("check '" + bad.string() + "'", dir);
  const std::string f = bad.string();
  CHECK(o.status == 2);
  CHECK(o.out.empty());
  CHECK(o.err.find(f + ":3:3: error: sweep.replicate: unknown key") != std::string::npos);
  CHECK(o.err.find(f + ":8:10:") != std::string::npos);
  CHECK(o.err.find("did you mean 'efficiency_growth_per_year'?") != std::string::npos);
  CHECK(o.err.find(f + ":11:12:") != std::string::npos);
  CHECK(o.err.find("the range is reversed") != std::string::npos);
  CHECK(o.err.find(f + ":13:5: error: metrics[gap].series") != std::string::npos);
  CHECK(o.err.find("did you mean 'indicators/us_cn_gap_months'?") != std::string::npos);
  CHECK(o.err.find("countries") == std::string::npos);  // not read as a scenario
  CHECK(o.err.find("nothing was written") == std::string::npos);  // check writes nothing anyway

  // The design alone wrong, once the rest is right: its size is checked too.
  const std::string rest =
      "parameters:\n"
      "  - {key: lab_model.open_spillover_per_year, range: [1, 2]}\n"
      "metrics:\n"
      "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-01-01}\n";
  std::ofstream(bad) << "sweep: {base: " + small + "}\n"
                        "design: {type: latin_hypercube, points: 0}\n" + rest;
  const Outcome design = run("check '" + bad.string() + "'", dir);
  CHECK(design.status == 2);
  CHECK(design.err.find(f + ":2:") != std::string::npos);
  CHECK(design.err.find("design.points") != std::string::npos);

  // The base scenario's errors are reported in its own file, and at sweep.base.
  std::ofstream(bad) << "sweep:\n"
                        "  base: " + kSource + "/tests/data/bad_misspelt_key.yaml\n"
                        "design: {type: grid, levels: 2}\n" + rest;
  const Outcome base = run("check '" + bad.string() + "'", dir);
  CHECK(base.status == 2);
  CHECK(base.err.find("bad_misspelt_key.yaml:4:5: error") != std::string::npos);
  CHECK(base.err.find(f + ":2:9: error: sweep.base") != std::string::npos);

  // Without its sweep: section a file of sweep sections is still a sweep that lacks one.
  std::ofstream(bad) << "design: {type: grid, levels: 2}\n"
                        "parameters:\n"
                        "  - {key: lab_model.open_spillover_per_year, range: [1, 2]}\n";
  const Outcome headless = run("check '" + bad.string() + "'", dir);
  CHECK(headless.status == 2);
  CHECK(headless.err.find("missing required key 'sweep'") != std::string::npos);
  CHECK(headless.err.find("countries") == std::string::npos);

  // --set changes a scenario; a sweep varies its parameters itself.
  const Outcome set = run("check tests/data/sweeps/small_lhs.yaml --set run.replicates=3", dir);
  CHECK(set.status == 2);
  CHECK(set.err.find("--set") != std::string::npos);
  CHECK(set.err.find("sweep") != std::string::npos);
  // A scenario is still checked as one.
  CHECK(run("check tests/data/small.yaml", dir).out.find("OK: scenario") != std::string::npos);
}

// docs/sweeps.md "design": second_order belongs to saltelli; trajectories and even levels to
// morris. Each misplaced or missing key is named at the design section's line.
TEST_CASE("check validates second order and morris designs and names misplaced keys") {
  TempDir dir;
  const Outcome second = run("check tests/data/sweeps/small_saltelli_second_order.yaml", dir);
  CHECK(second.status == 0);
  CHECK(second.out.find("saltelli (second order) design, 64 points x 1 replicates") !=
        std::string::npos);
  const Outcome morris = run("check tests/data/sweeps/small_morris.yaml", dir);
  CHECK(morris.status == 0);
  CHECK(morris.out.find("morris (r = 6 trajectories, p = 4 levels) design, 30 points") !=
        std::string::npos);

  const fs::path bad = dir.path / "bad.yaml";
  const std::string f = bad.string();
  const std::string head = "sweep: {base: " + kSource + "/tests/data/small.yaml}\n";
  const std::string rest =
      "parameters:\n"
      "  - {key: lab_model.open_spillover_per_year, range: [1, 2]}\n"
      "  - {key: lab_model.closed_spillover_per_year, range: [0.1, 0.2]}\n"
      "metrics:\n"
      "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-01-01}\n";
  const auto check_design = [&](const std::string& design) {
    std::ofstream(bad) << head << "design: " << design << "\n" << rest;
    return run("check '" + f + "'", dir);
  };
  struct Case {
    const char* design;
    const char* expected;
  };
  for (const Case& c : {
           Case{"{type: morris, trajectories: 4, levels: 5}",
                "design: a Morris design needs an even number of levels from 2 to 1000"},
           Case{"{type: morris, trajectories: 1, levels: 4}",
                "design: a Morris design needs at least 2 trajectories"},
           Case{"{type: morris, levels: 4}",
                "design.trajectories: a morris design needs trajectories"},
           Case{"{type: morris, trajectories: 4}", "design.levels: a morris design needs levels"},
           Case{"{type: morris, trajectories: 4, levels: 4, base_rows: 8}",
                "design.base_rows: base_rows belongs to a saltelli design"},
           Case{"{type: morris, trajectories: 4, levels: 4, points: 8}",
                "design.points: a morris design is sized by trajectories r"},
           Case{"{type: latin_hypercube, points: 8, second_order: true}",
                "design.second_order: second_order belongs to a saltelli design"},
           Case{"{type: saltelli, base_rows: 8, trajectories: 3}",
                "design.trajectories: trajectories belong to a morris design"},
           Case{"{type: saltelli, base_rows: 8, second_order: maybe}", "design.second_order"},
           Case{"{type: sobol, points: 8, trajectories: 3}",
                "design.trajectories: trajectories belong to a morris design"},
       }) {
    CAPTURE(c.design);
    const Outcome o = check_design(c.design);
    CHECK(o.status == 2);
    CHECK(o.out.empty());
    CHECK(o.err.find(f + ":2:") != std::string::npos);
    CHECK(o.err.find(c.expected) != std::string::npos);
  }
  // Sized at design.trajectories when too large: r(k + 1) runs over the limit.
  const Outcome huge = check_design("{type: morris, trajectories: 9000000, levels: 4}");
  CHECK(huge.status == 2);
  CHECK(huge.err.find("design.trajectories") != std::string::npos);
  fs::remove(bad);
  CHECK(only_logs_in(dir));  // check wrote nothing
}

TEST_CASE("describe --values lists what a scenario sets with where it is written and its source") {
  TempDir dir;
  const std::string file = (dir.path / "sourced.yaml").string();
  {
    std::ofstream out(file);
    out << "extends: " << std::string(AIRACE_SOURCE_DIR) << "/tests/data/small.yaml\n"
        << "lab_model:\n"
        << "  # Epoch's frontier runs\n"
        << "  training_run_days: 100   # Epoch: 90-100 days\n"
        << "  model_flops_utilization: 0.35\n"
        << "labs:\n"
        << "  - {id: us_lab, country: US, chips: {A100: 1000}, source: a made-up lab}\n";
  }
  const Outcome d = run("describe --values '" + file + "' lab_model", dir);
  CHECK(d.status == 0);
  CAPTURE(d.out);
  // The value, where it is written (the extending file wins), and the comment on its line.
  CHECK(d.out.find("lab_model.training_run_days = 100\n    " + file + ":4   source: Epoch: 90-100 "
                   "days") != std::string::npos);
  // Without a comment on its line, the comment block above the section's key.
  CHECK(d.out.find("lab_model.model_flops_utilization = 0.35\n    " + file + ":5") !=
        std::string::npos);
  const Outcome labs = run("describe --values '" + file + "' labs[us_lab].chips", dir);
  CHECK(labs.out.find("labs[us_lab].chips.A100 = 1000") != std::string::npos);
  CHECK(labs.out.find("source: a made-up lab") != std::string::npos);
  CHECK(run("describe --values '" + file + "' no_such_key", dir).status == 2);
  CHECK(run("describe --values '" + (dir.path / "missing.yaml").string() + "'", dir).status == 2);
}

namespace {
// A short run of the small scenario (one year, 4 replicates) into dir/name.
std::string small_run(const TempDir& dir, const std::string& name, const std::string& extra = "") {
  const std::string file = (dir.path / name).string();
  const Outcome o = run("run tests/data/small.yaml -q -r 4 --set scenario.end=2022-12-31 " + extra +
                            " -o '" + file + "'",
                        dir);
  REQUIRE(o.status == 0);
  return file;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string f; std::getline(in, f, ',');) fields.push_back(f);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}
}  // namespace

TEST_CASE("airace compare of a run with itself shows no difference beyond noise") {
  TempDir dir;
  const std::string file = small_run(dir, "base.h5");
  const fs::path csv = dir.path / "self.csv";
  const Outcome o = run("compare '" + file + "' '" + file + "' --csv '" + csv.string() + "'", dir);
  CHECK(o.status == 0);
  CHECK(o.out.find("paired by replicate: both files have seed 7 and 4 replicates") !=
        std::string::npos);
  CHECK(o.out.find("indicators/us_cn_gap_months") != std::string::npos);
  CHECK(o.out.find("\n0 of ") != std::string::npos);
  const std::vector<std::string> rows = lines_of(slurp(csv));
  REQUIRE(rows.size() > 1);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> f = csv_fields(rows[i]);
    REQUIRE(f.size() == 21);
    CAPTURE(rows[i]);
    CHECK(f[9] == "0");                    // beyond_noise
    CHECK((f[5] == "0" || f[5].empty()));  // difference_median (empty: NaN throughout)
  }
}

TEST_CASE("airace compare writes one CSV row per indicator entity and date") {
  TempDir dir;
  const std::string file = small_run(dir, "base.h5");
  const fs::path csv = dir.path / "rows.csv";
  const Outcome o = run("compare '" + file + "' '" + file + "' --at 2022-06-15 --at 2022-12-31 " +
                            "--csv '" + csv.string() + "'",
                        dir);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("wrote " + csv.string()) != std::string::npos);
  std::size_t expected = 0;
  for (const std::string& path : airace::open_run_file(file).series_paths) {
    if (path.rfind("indicators/", 0) != 0) continue;
    const airace::StoredSeries s = airace::read_series(file, path);
    std::size_t entities = 1;
    for (std::size_t k = 2; k < s.shape.size(); ++k) entities *= s.shape[k];
    expected += 2 * entities;
  }
  const std::vector<std::string> rows = lines_of(slurp(csv));
  REQUIRE(!rows.empty());
  CHECK(rows[0] ==
        "series,entity,date,base_median,whatif_median,difference_median,difference_p05,"
        "difference_p95,ratio,beyond_noise,units,pairing,p_positive,p_negative,driver_1,"
        "rank_correlation_1,driver_2,rank_correlation_2,driver_3,rank_correlation_3,"
        "parameter_share");
  CHECK(rows.size() == 1 + expected);
  CHECK(slurp(csv).find("indicators/compute_h100e,CN,2022-06-01,") != std::string::npos);
  CHECK(slurp(csv).find("indicators/compute_h100e,CN,2022-12-01,") != std::string::npos);
}

TEST_CASE("airace compare finds less smuggling into China under stronger enforcement") {
  TempDir dir;
  const std::string base = small_run(dir, "base.h5");
  const std::string strict = small_run(dir, "strict.h5", "--set us_government.enforcement=3");
  const fs::path csv = dir.path / "d.csv";
  const Outcome o = run("compare '" + base + "' '" + strict +
                            "' --series indicators/cn_smuggled_h100e --csv '" + csv.string() + "'",
                        dir);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("1 of 1 differences beyond noise") != std::string::npos);
  const std::vector<std::string> rows = lines_of(slurp(csv));
  REQUIRE(rows.size() == 2);
  const std::vector<std::string> f = csv_fields(rows[1]);
  REQUIRE(f.size() == 21);
  CHECK(f[0] == "indicators/cn_smuggled_h100e");
  CHECK(f[2] == "2022-12-01");
  CHECK(std::stod(f[4]) < std::stod(f[3]));  // what-if median below base median
  CHECK(std::stod(f[5]) < 0.0);
  CHECK(std::stod(f[7]) < 0.0);  // the 95th percentile of the difference is below 0
  CHECK(f[9] == "1");
  CHECK(f[11] == "paired");
  CHECK(std::stod(f[13]) > 0.9);  // p_negative: lower in nearly every paired replicate
}

TEST_CASE("airace compare pairs replicates only when the seeds match") {
  TempDir dir;
  const std::string base = small_run(dir, "base.h5");
  const std::string other = small_run(dir, "other.h5", "--seed 8");
  const fs::path csv = dir.path / "d.csv";
  const Outcome o = run("compare '" + base + "' '" + other + "' --csv '" + csv.string() + "'", dir);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("unpaired (seeds 7 and 8, replicates 4 and 4)") != std::string::npos);
  const std::vector<std::string> rows = lines_of(slurp(csv));
  REQUIRE(rows.size() > 1);
  CHECK(csv_fields(rows[1])[11] == "unpaired");
}

TEST_CASE("airace compare of bad files and options exits with status 2 naming the problem") {
  TempDir dir;
  const std::string base = small_run(dir, "base.h5");
  const fs::path text = dir.path / "text.h5";
  { std::ofstream(text) << "not an HDF5 file"; }
  const fs::path truncated = dir.path / "truncated.h5";
  {
    const std::string bytes = slurp(base);
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  const fs::path bare = dir.path / "bare.h5";
  {
    const hid_t f = H5Fcreate(bare.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Fclose(f);
  }
  const fs::path missing = dir.path / "missing.h5";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"'" + missing.string() + "' '" + base + "'", missing.string() + ": error: no such file"},
      {"'" + base + "' '" + text.string() + "'", text.string() + ": error: not an HDF5 file"},
      {"'" + base + "' '" + truncated.string() + "'", truncated.string() + ": error:"},
      {"'" + bare.string() + "' '" + base + "'", bare.string() + ": error: not an airace run file"},
      {"'" + base + "' '" + base + "' --series indicators/no_such", "--series"},
      {"'" + base + "' '" + base + "' --at 2031-01-01 --csv '" + (dir.path / "never.csv").string() +
           "'",
       "outside the dates both files cover"},
      {"'" + base + "' '" + base + "' --at yesterday", "not a date"},
      {"'" + base + "' '" + base + "' --all --series indicators/us_cn_gap_months", "excludes"},
      {"'" + base + "'", "whatif is required"},
  };
  for (const auto& [args, expected] : cases) {
    CAPTURE(args);
    const Outcome o = run("compare " + args, dir);
    CHECK(o.status == 2);
    CHECK(o.err.find(expected) != std::string::npos);
    CHECK(o.err.find("HDF5-DIAG") == std::string::npos);
  }
  CHECK(!fs::exists(dir.path / "never.csv"));
}

TEST_CASE("every option that takes a seed refuses one from 2^63 up or not whole naming the option") {
  TempDir dir;
  const fs::path out = dir.path / "keep.h5";
  { std::ofstream(out) << "precious"; }
  // --seed 2^63 and 10^20 were clamped to 2^63 - 1 while /meta/command_line kept the seed asked.
  for (const char* seed : {"9223372036854775808", "100000000000000000000", "1e30", "-1", "1.5",
                           "abc"}) {
    CAPTURE(seed);
    const std::string small = "run tests/data/small.yaml -q -r 1 -o '" + out.string() + "' ";
    for (const std::string& args :
         {small + "--seed " + seed, small + "--set run.seed=" + seed,
          "analyse no_such_sweep.h5 --seed " + std::string(seed)}) {
      CAPTURE(args);
      const Outcome o = run(args, dir);
      CHECK(o.status == 2);
      CHECK(o.err.find("a whole number in [0, 2^63), at most 9223372036854775807") !=
            std::string::npos);
      const bool by_set = args.find("--set") != std::string::npos;
      CHECK(o.err.find(by_set ? "--set 'run.seed=" : "--seed: ") != std::string::npos);
    }
  }
  CHECK(slurp(out) == "precious");
}

TEST_CASE("run --seed stores the seed asked for up to 2^63 - 1 and reads it in decimal") {
  TempDir dir;
  const std::string largest = small_run(dir, "largest.h5", "--seed 9223372036854775807");
  CHECK(airace::open_run_file(largest).meta.seed == 9223372036854775807ULL);
  const std::string decimal = small_run(dir, "decimal.h5", "--seed 010");
  CHECK(airace::open_run_file(decimal).meta.seed == 10);  // CLI11 alone reads 010 as octal 8
}

TEST_CASE("running out of memory exits 2 with a clear message and leaves the output untouched") {
  // An address-space limit (ulimit -v, in kB) under which the program starts and runs the small
  // scenario, but not 20 million adopters (some 1.5 GB, below its own refusal on any machine
  // with 2 GB): the allocation fails inside oneTBB's parallel loops. It was "internal error", 1.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return;  // sanitizers reserve terabytes of address space: the binary cannot start under ulimit -v
#endif
  TempDir dir;
  const fs::path out = dir.path / "keep.h5";
  { std::ofstream(out) << "precious"; }
  const std::string limited = "sh -c 'ulimit -v 400000 && exec \"$0\" \"$@\"' '" + kBinary +
                              "' run tests/data/small.yaml -q -r 1 -t 2 "
                              "--set scenario.end=2022-03-31 ";
  const fs::path err = dir.path / "stderr.txt";
  const auto status_of = [&](const std::string& extra) {
    const int raw =
        std::system(("cd '" + kSource + "' && " + limited + extra + " 2>'" + err.string() + "'")
                        .c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  };
  REQUIRE(status_of("-o '" + (dir.path / "fits.h5").string() + "'") == 0);
  CHECK(status_of("--set adoption_model.adopters=20000000 -o '" + out.string() + "'") == 2);
  CHECK(slurp(err) ==
        "error: out of memory: running the scenario tests/data/small.yaml; nothing was written.\n");
  CHECK(slurp(out) == "precious");
}

TEST_CASE("a build without MPI started as several processes is refused with what to do") {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) unsetenv(v);
  CHECK(airace::launched_processes() == 1);
  setenv("SLURM_STEP_NUM_TASKS", "1", 1);  // one srun task, e.g. an array task: fine
  CHECK(airace::launched_processes() == 1);
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  CHECK(airace::launched_processes() == 2);
  unsetenv("OMPI_COMM_WORLD_SIZE");
  setenv("PMI_SIZE", "8", 1);
  CHECK(airace::launched_processes() == 8);
  unsetenv("PMI_SIZE");
  unsetenv("SLURM_STEP_NUM_TASKS");
  const std::string no = airace::mpi_refusal(false, 2);
  CHECK(no.find("built without MPI") != std::string::npos);
  CHECK(no.find("one of 2 processes") != std::string::npos);
  CHECK(no.find("--shard I/N") != std::string::npos);
  // setup.sh installs Open MPI by default: the advice names no option.
  CHECK(no.find("bash scripts/setup.sh installs Open MPI") != std::string::npos);
  CHECK(airace::mpi_refusal(true, 2).empty());
  CHECK(airace::mpi_refusal(false, 1).empty());
}

TEST_CASE("describe offers the parameters a misspelt key was meant to find") {
  TempDir dir;
  const Outcome o = run("describe efficency_growth", dir);
  CHECK(o.status == 2);
  CHECK(o.err.find("no parameter matches (did you mean 'labs[].efficiency_growth_") !=
        std::string::npos);
  CHECK(o.err.find("'labs[].efficiency_growth_per_year'") != std::string::npos);
  // Read-only commands write nothing in any case, and do not say so.
  CHECK(o.err.find("1 error.") != std::string::npos);
  CHECK(o.err.find("nothing was written") == std::string::npos);
  const Outcome far = run("describe zzzzqqqq", dir);
  CHECK(far.status == 2);
  CHECK(far.err.find("run 'airace describe' for the full list") != std::string::npos);
  const Outcome check = run("check tests/data/bad_many.yaml", dir);
  CHECK(check.status == 2);
  CHECK(check.err.find("4 errors.") != std::string::npos);
  CHECK(check.err.find("nothing was written") == std::string::npos);
  CHECK(run("run tests/data/bad_many.yaml", dir).err.find("4 errors; nothing was written.") !=
        std::string::npos);
}

TEST_CASE("an unknown option or subcommand is answered with the closest one") {
  TempDir dir;
  const Outcome o = run("run --sett x=1", dir);
  CHECK(o.status == 2);
  CHECK(o.err.find("'--sett': did you mean '--set'?") != std::string::npos);
  CHECK(o.err.find("Run 'airace run --help' for the options.") != std::string::npos);
  CHECK(only_logs_in(dir));
  const Outcome eq = run("compare a.h5 b.h5 --seires=labs/capability", dir);
  CHECK(eq.status == 2);
  CHECK(eq.err.find("'--seires': did you mean '--series'?") != std::string::npos);
  const Outcome sub = run("sweeep x.yaml", dir);
  CHECK(sub.status == 2);
  CHECK(sub.err.find("'sweeep': did you mean 'sweep'?") != std::string::npos);
  const Outcome far = run("run --frobnicate", dir);
  CHECK(far.status == 2);
  CHECK(far.err.find("did you mean") == std::string::npos);
  CHECK(far.err.find("--frobnicate") != std::string::npos);
}

TEST_CASE("each subcommand's help shows its own examples only") {
  TempDir dir;
  const Outcome top = run("--help", dir);
  CHECK(top.out.find("airace run my.yaml -r 100") != std::string::npos);
  CHECK(top.out.find("airace merge results/x.part-*.h5") != std::string::npos);
  const Outcome r = run("run --help", dir);
  CHECK(r.status == 0);
  CHECK(r.out.find("airace run my.yaml -r 100 -o out.h5") != std::string::npos);
  CHECK(r.out.find("airace merge") == std::string::npos);
  CHECK(r.out.find("airace compare") == std::string::npos);
  for (const char* sub : {"check", "describe", "sweep", "merge", "analyse", "compare", "serve"}) {
    CAPTURE(sub);
    const Outcome h = run(std::string(sub) + " --help", dir);
    CHECK(h.status == 0);
    CHECK(h.out.find(std::string("airace ") + sub) != std::string::npos);
    CHECK(h.out.find("airace run my.yaml") == std::string::npos);
    CHECK(h.out.find("Exit status:") != std::string::npos);
  }
}

TEST_CASE("the progress bar on a terminal shows the time left") {
  TempDir dir;
  const fs::path log = dir.path / "terminal.txt";
  // script(1) gives the program a terminal, where it draws the bar. The bar is redrawn every
  // 100 ms, so the run must outlast a few redraws: 2 replicates took 0.09 s on a 2-core EPYC
  // (2026-12) and ended before the first, with only the final 100 % line; 12 take ~0.5 s.
  const std::string cmd = "cd '" + kSource + "' && script -qec \"'" + kBinary +
                          "' run scenarios/baseline.yaml --replicates 12 --threads 1 -o '" +
                          (dir.path / "small.h5").string() + "'\" /dev/null >'" + log.string() +
                          "' 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string shown = slurp(log);
  CHECK(shown.find("%  ") != std::string::npos);
  CHECK(shown.find(" s left") != std::string::npos);
}

TEST_CASE("run --groups and --series write only the series they name") {
  TempDir dir;
  const std::string full = (dir.path / "full.h5").string();
  const std::string part = (dir.path / "part.h5").string();
  REQUIRE(run("run tests/data/small.yaml -q -o '" + full + "'", dir).status == 0);
  REQUIRE(run("run tests/data/small.yaml -q --groups indicators --series labs/capability -o '" +
                  part + "'",
              dir)
              .status == 0);
  const std::string listing = (dir.path / "listing.txt").string();
  REQUIRE(std::system(("h5ls -r '" + part + "' >'" + listing + "'").c_str()) == 0);
  const std::string held = slurp(listing);
  CHECK(held.find("/indicators/us_cn_gap_months ") != std::string::npos);
  CHECK(held.find("/labs/capability ") != std::string::npos);
  CHECK(held.find("/labs/lab ") != std::string::npos);  // entity axes stay
  CHECK(held.find("/labs/compute_h100e ") == std::string::npos);
  CHECK(held.find("/releases/") == std::string::npos);  // an event table of another group
  CHECK(fs::file_size(part) < fs::file_size(full));
  // The same values as the whole file: compare finds no difference at all.
  const Outcome c = run("compare '" + full + "' '" + part + "' --series labs/capability", dir);
  CHECK(c.status == 0);
  CHECK(c.out.find("\n0 of ") != std::string::npos);

  const Outcome group = run("run tests/data/small.yaml --groups indicatorz -o '" +
                                (dir.path / "x.h5").string() + "'",
                            dir);
  CHECK(group.status == 2);
  CHECK(group.err.find("--groups: error: indicatorz: no group of series or events has this "
                       "name (did you mean 'indicators'?)") != std::string::npos);
  const Outcome series = run("run tests/data/small.yaml --series labs/capabilty -o '" +
                                 (dir.path / "x.h5").string() + "'",
                             dir);
  CHECK(series.status == 2);
  CHECK(series.err.find("did you mean 'labs/capability'?") != std::string::npos);
  CHECK(!fs::exists(dir.path / "x.h5"));
}

TEST_CASE("a run whose file will be large warns with its estimated size before it runs") {
  TempDir dir;
  const std::string out = (dir.path / "small.h5").string();
  const Outcome quiet = run("run tests/data/small.yaml -q -o '" + out + "'", dir);
  REQUIRE(quiet.status == 0);
  CHECK(quiet.err.find("warning") == std::string::npos);
  // The threshold (200 MB) lowered to 1 MB: two replicates of the baseline pass it.
  const Outcome o = airace::testing::run_airace(
      "run scenarios/baseline.yaml --replicates 2 -q -o '" + out + "'", dir,
      "AIRACE_WARN_FILE_MB=1");
  REQUIRE(o.status == 0);
  const std::string said = "warning: " + out + " will be about ";
  const std::size_t at = o.err.find(said);
  REQUIRE(at != std::string::npos);
  CHECK(o.err.find("(2 replicates x ", at) != std::string::npos);
  // The estimate is within a factor of two of the file written.
  const std::string size = o.err.substr(at + said.size());
  REQUIRE(size.find(" MB") != std::string::npos);
  const double estimate = std::atof(size.c_str()) * 1e6;
  const double written = static_cast<double>(fs::file_size(out));
  CHECK(estimate > written / 2);
  CHECK(estimate < written * 2);
  // The indicators alone stay under the threshold: no warning.
  const Outcome small = airace::testing::run_airace(
      "run scenarios/baseline.yaml --replicates 2 --groups indicators -q -o '" + out + "'", dir,
      "AIRACE_WARN_FILE_MB=1");
  REQUIRE(small.status == 0);
  CHECK(small.err.find("warning") == std::string::npos);
}

}  // namespace cli_test
