// Scenario and sweep files are data (docs/scenarios.md §"Security"): nothing in them runs code,
// opens a file other than the ones named by `extends:` (and a sweep's `base:`), or chooses
// where output is written; the command line alone does.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/model/scenario.hpp"
#include "sim/runner/sweep_plan.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace scenario_data_test {

namespace {
using airace::testing::kSource;
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::slurp;
using airace::testing::start_airace;
using airace::testing::TempDir;
const std::string kSmall = kSource + "/tests/data/small.yaml";

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Runs `airace ARGS` while watching the FIFO `fifo`, and says whether the program opened it.
// Opening a FIFO to read blocks until a writer comes, and opening it to write without blocking
// succeeds only while a reader has it open: the watcher tries that until the program ends, and
// when it succeeds it writes `feed` and closes, so the program never hangs.
bool opens_fifo(const std::string& args, const fs::path& fifo, const std::string& feed,
                const TempDir& dir, Outcome& outcome) {
  const fs::path out = dir.path / "stdout.txt";
  const fs::path err = dir.path / "stderr.txt";
  const pid_t pid = start_airace(args, ">'" + out.string() + "' 2>'" + err.string() + "'");
  bool opened = false;
  int raw = 0;
  while (waitpid(pid, &raw, WNOHANG) != pid) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      // Feed the text once: the reader may still hold the pipe open when we come round again.
      if (!opened && !feed.empty())
        CHECK(::write(fd, feed.data(), feed.size()) == static_cast<ssize_t>(feed.size()));
      opened = true;
      ::close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  outcome.out = slurp(out);
  outcome.err = slurp(err);
  return opened;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

TEST_CASE("YAML tags are kept as text and never evaluated") {
  TempDir dir;
  const fs::path marker = dir.path / "was_run";
  const fs::path file = dir.path / "tags.yaml";
  // PyYAML's unsafe loader would run the first; other loaders would include the second.
  write(file, "extends: " + kSmall +
                  "\n"
                  "scenario:\n"
                  "  description: !include /etc/hostname\n"
                  "labs:\n"
                  "  - id: us_lab\n"
                  "    source: !!python/object/apply:os.system\n"
                  "      - touch " +
                  marker.string() + "\n");
  // The list under a tag is no text: refused as a wrong type, not run.
  const Outcome refused = run_airace("check '" + file.string() + "'", dir);
  CHECK(refused.status == 2);
  CHECK(refused.err.find("labs[us_lab].source") != std::string::npos);
  CHECK(!fs::exists(marker));
  // A tag on text leaves the text as written: a path, not the file's contents.
  write(file, "extends: " + kSmall + "\nscenario:\n  description: !include /etc/hostname\n");
  const Scenario s = load_scenario(file);
  CHECK(s.info.description == "/etc/hostname");
}

TEST_CASE("values and keys that look like paths are never opened") {
  TempDir dir;
  const fs::path fifo = dir.path / "watched.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const std::string f = fifo.string();

  // The watcher works: a scenario named on the command line is opened, and read as fed.
  Outcome o;
  CHECK(opens_fifo("check '" + f + "'", fifo, slurp(kSmall), dir, o));
  CHECK(o.status == 0);

  // Paths as text values, behind a tag, in --set, and as keys: never opened.
  const fs::path values = dir.path / "values.yaml";
  write(values, "extends: " + kSmall +
                    "\n"
                    "scenario:\n"
                    "  description: !include " +
                    f +
                    "\n"
                    "labs:\n"
                    "  - id: us_lab\n"
                    "    source: " +
                    f + "\n");
  const fs::path out = dir.path / "out.h5";
  CHECK_FALSE(opens_fifo("run '" + values.string() + "' -q -r 2 --set scenario.end=2022-06-30 " +
                             "--set 'chips.H100.source=" + f + "' -o '" + out.string() + "'",
                         fifo, "", dir, o));
  CHECK(o.status == 0);
  CHECK(fs::exists(out));
  const fs::path keys = dir.path / "keys.yaml";
  write(keys, "extends: " + kSmall + "\n" + f + ": 1\nscenario: {" + f + ": 2}\n");
  CHECK_FALSE(opens_fifo("check '" + keys.string() + "'", fifo, "", dir, o));
  CHECK(o.status == 2);
  CHECK(o.err.find("unknown key") != std::string::npos);

  // A sweep names its base scenario; its metrics, kept series and description are only names.
  const fs::path sweep = dir.path / "sweep.yaml";
  write(sweep, "sweep: {base: " + kSmall + ", description: " + f +
                   "}\n"
                   "design: {type: latin_hypercube, points: 2}\n"
                   "parameters:\n"
                   "  - {key: lab_model.open_spillover_per_year, range: [0.5, 3]}\n"
                   "metrics:\n"
                   "  - {name: gap, series: " +
                   f +
                   ", value_at: 2023-12-31}\n"
                   "keep_series: [" +
                   f + "]\n");
  CHECK_FALSE(
      opens_fifo("sweep '" + sweep.string() + "' -q -o '" + (dir.path / "s.h5").string() + "'",
                 fifo, "", dir, o));
  CHECK(o.status == 2);
  CHECK(o.err.find("no series '" + f + "'") != std::string::npos);
}

TEST_CASE("only the command line chooses where output is written") {
  TempDir dir;
  // No key of a scenario names an output file.
  const fs::path output_key = dir.path / "output_key.yaml";
  write(output_key, "extends: " + kSmall + "\noutput: " + (dir.path / "elsewhere.h5").string() +
                        "\nrun: {output: x.h5}\n");
  const Outcome o = run_airace("check '" + output_key.string() + "'", dir);
  CHECK(o.status == 2);
  CHECK(o.err.find(output_key.string() + ":2:1: error: output: unknown key") != std::string::npos);
  CHECK(o.err.find("run.output: unknown key") != std::string::npos);

  // The names that become default output names are plain file names.
  CHECK_THROWS_AS(load_scenario(kSmall, {"scenario.name=../../escape"}), InputError);
  const fs::path sweep = dir.path / "escape.yaml";
  write(sweep, "sweep: {name: ../../escape, base: " + kSmall +
                   "}\n"
                   "design: {type: latin_hypercube, points: 2}\n"
                   "parameters:\n"
                   "  - {key: lab_model.open_spillover_per_year, range: [0.5, 3]}\n"
                   "metrics:\n"
                   "  - {name: gap, series: indicators/us_cn_gap_months, value_at: 2023-12-31}\n");
  try {
    load_sweep(sweep);
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.key_path == "sweep.name");
    CHECK(d.where.line == 1);
    CHECK(d.where.column == 15);
    CHECK(d.message.find("found '../../escape'") != std::string::npos);
  }
  // A metric's name becomes a dataset name, never a path.
  std::string text = slurp(sweep);
  text.replace(text.find("name: ../../escape, "), 20, "");
  text.replace(text.find("name: gap"), 9, "name: ../gap");
  write(sweep, text);
  CHECK_THROWS_AS(load_sweep(sweep), InputError);

  // A run writes its -o file and nothing else.
  const fs::path out = dir.path / "chosen.h5";
  REQUIRE(run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-06-30 -o '" +
                         out.string() + "'",
                     dir)
              .status == 0);
  CHECK(names_in(dir.path) == std::vector<std::string>{"chosen.h5", "escape.yaml",
                                                       "output_key.yaml", "stderr.txt",
                                                       "stdout.txt"});
}

}  // namespace scenario_data_test
