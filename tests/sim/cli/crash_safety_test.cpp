// Crash safety of the output: runs and sweeps killed (SIGKILL) at random moments leave either
// the file that was there before or a complete new one, never one that looks complete and is
// not; a killed sweep resumes and ends bit for bit where an uninterrupted one does; a command
// that fails never truncates or replaces a file that exists.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "output/h5_reader.hpp"
#include "output/replace_file.hpp"
#include "output/sweep_file.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace crash_safety_test {

namespace {
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::start_airace;
using airace::testing::TempDir;
using Clock = std::chrono::steady_clock;

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Kills the program after `delay` unless it has ended; true when it ended by itself with 0.
bool kill_after(pid_t pid, std::chrono::microseconds delay) {
  const auto until = Clock::now() + delay;
  int raw = 0;
  while (Clock::now() < until) {
    if (waitpid(pid, &raw, WNOHANG) == pid) return WIFEXITED(raw) && WEXITSTATUS(raw) == 0;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &raw, 0);
  return WIFEXITED(raw) && WEXITSTATUS(raw) == 0;
}

double seconds_of(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::chrono::microseconds uniform_delay(std::mt19937& rng, double max_seconds) {
  std::uniform_real_distribution<double> u(0.0, max_seconds);
  return std::chrono::microseconds(static_cast<long long>(1e6 * u(rng)));
}

bool same_value(double x, double y) { return std::isnan(x) ? std::isnan(y) : x == y; }

// Every run's status, metrics and kept series, bit for bit (NaN equals NaN).
void check_same_results(const SweepTable& a, const SweepTable& b) {
  CHECK(a.status == b.status);
  CHECK(a.reason == b.reason);
  CHECK(a.design == b.design);
  REQUIRE(a.metric_values.size() == b.metric_values.size());
  for (std::size_t m = 0; m < a.metric_values.size(); ++m) {
    REQUIRE(a.metric_values[m].size() == b.metric_values[m].size());
    for (std::size_t i = 0; i < a.metric_values[m].size(); ++i)
      CHECK(same_value(a.metric_values[m][i], b.metric_values[m][i]));
  }
  REQUIRE(a.series_values.size() == b.series_values.size());
  for (std::size_t s = 0; s < a.series_values.size(); ++s) {
    REQUIRE(a.series_values[s].size() == b.series_values[s].size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.series_values[s].size(); ++i)
      differ += !same_value(a.series_values[s][i], b.series_values[s][i]);
    CHECK(differ == 0);
  }
}
}  // namespace

TEST_CASE("a run killed at random moments leaves the earlier file or a complete new one") {
  TempDir dir;
  const unsigned seed = std::random_device{}();
  INFO("random seed " << seed);
  std::mt19937 rng(seed);
  const std::string run = "run tests/data/small.yaml -q -r 8 --threads 1 ";
  const fs::path earlier = dir.path / "earlier.h5";
  const fs::path fresh = dir.path / "fresh.h5";
  REQUIRE(run_airace(run + "--seed 1 -o '" + earlier.string() + "'", dir).status == 0);
  const double duration = seconds_of(
      [&] { REQUIRE(run_airace(run + "--seed 2 -o '" + fresh.string() + "'", dir).status == 0); });
  const std::string earlier_bytes = bytes_of(earlier);

  const fs::path out = dir.path / "out.h5";
  int kept = 0, replaced = 0;
  const int kills = 8;
  for (int k = 0; k < kills; ++k) {
    fs::copy_file(earlier, out, fs::copy_options::overwrite_existing);
    const pid_t pid = start_airace(run + "--seed 2 -o '" + out.string() + "'");
    if (k % 2 == 0) {
      // Anywhere in the run, and now and then after it.
      kill_after(pid, uniform_delay(rng, 1.2 * duration));
    } else {
      // While the file is being written: once its temporary file (made when the run starts)
      // has bytes.
      auto being_written = [&] {
        for (const auto& e : fs::directory_iterator(dir.path)) {
          const std::string name = e.path().filename().string();
          std::error_code ec;
          if (name.starts_with(".out.h5.") && is_replacement_file_name(name) &&
              e.is_regular_file(ec) && e.file_size(ec) > 0)
            return true;
        }
        return false;
      };
      const auto deadline = Clock::now() + std::chrono::seconds(60);
      int raw = 0;
      bool ended = false;
      while (!being_written() && Clock::now() < deadline)
        if (waitpid(pid, &raw, WNOHANG) == pid) {
          ended = true;
          break;
        }
      if (!ended) kill_after(pid, uniform_delay(rng, 0.02));
    }
    // The old file intact, or the new one whole: never anything in between.
    if (bytes_of(out) == earlier_bytes) {
      ++kept;
    } else {
      ++replaced;
      CHECK_NOTHROW(open_run_file(out));
      const std::string diff =
          "h5diff --exclude-path /meta '" + out.string() + "' '" + fresh.string() + "' >/dev/null";
      CHECK(std::system(diff.c_str()) == 0);
    }
    // Whatever else is left is under a temporary name that no reader takes for a run file.
    for (const auto& e : fs::directory_iterator(dir.path)) {
      const std::string name = e.path().filename().string();
      if (name == "earlier.h5" || name == "fresh.h5" || name == "out.h5" || name == "stdout.txt" ||
          name == "stderr.txt")
        continue;
      CAPTURE(name);
      CHECK(name.starts_with(".out.h5."));
      CHECK(is_replacement_file_name(name));
      fs::remove(e.path());
    }
  }
  MESSAGE(kills << " kills of a " << duration << " s run: " << kept << " left the earlier file, "
                << replaced << " a complete new one");
  CHECK(kept + replaced == kills);
  CHECK(kept > 0);  // the kills did land before the rename
}

TEST_CASE("a sweep killed at random moments resumes and ends bit for bit as an uninterrupted one") {
  TempDir dir;
  const unsigned seed = std::random_device{}();
  INFO("random seed " << seed);
  std::mt19937 rng(seed);
  const std::string sweep = "sweep tests/data/sweeps/small_lhs.yaml -t 1 ";
  const fs::path full = dir.path / "full.h5";
  const double duration = seconds_of(
      [&] { REQUIRE(run_airace(sweep + "-q -o '" + full.string() + "'", dir).status == 0); });

  // An earlier file under the output name stays as it is until the sweep is complete.
  const fs::path out = dir.path / "killed.h5";
  const fs::path partial = dir.path / "killed.h5.partial";
  std::ofstream(out) << "earlier results";
  const std::string args = sweep + "--batch-runs 1 -o '" + out.string() + "'";
  const std::string quiet = sweep + "-q --batch-runs 1 -o '" + out.string() + "'";
  std::size_t saved = 0;
  int kills = 0;
  bool finished = false;
  std::string progress;  // runs saved after each kill
  // Each try lives for at most ~45% of an uninterrupted sweep, start-up included, so that it
  // takes several tries (and kills) to finish.
  while (!finished && kills < 12) {
    finished = kill_after(start_airace(quiet), uniform_delay(rng, 0.45 * duration));
    if (finished) break;
    ++kills;
    // The earlier file, or (killed after the rename, while the saved runs were being cleared
    // away) the complete new one.
    const bool complete = bytes_of(out) != "earlier results";
    if (complete) check_same_results(read_sweep_file(full), read_sweep_file(out));
    if (!fs::exists(partial / "STAMP")) {
      // Killed before it saved anything, or once the complete file had its name and the saved
      // runs were cleared away: the next try starts afresh. Saved runs are never lost before.
      if (!complete) CHECK(saved == 0);
      saved = 0;
      progress += " 0";
      continue;
    }
    // What the next run will resume from: never a damaged batch (only a batch that never got
    // its name, which is dropped and redone), and never less than before while the file is not
    // complete (once it is, the saved runs are being deleted).
    std::string stamp = bytes_of(partial / "STAMP");
    stamp.pop_back();
    std::vector<std::string> dropped;
    const std::size_t now = BatchStore(partial, stamp).load(dropped).size();
    CHECK(dropped.empty());  // a batch is saved only once renamed: none is ever damaged
    if (!complete) CHECK(now >= saved);
    saved = now;
    progress += " " + std::to_string(saved);
  }
  std::size_t resumed = saved;
  if (!finished) {
    const Outcome last = run_airace(args, dir);
    REQUIRE(last.status == 0);
    if (saved > 0)
      CHECK(last.out.find("resuming: " + std::to_string(saved) + " of 20 runs already done") !=
            std::string::npos);
  }
  MESSAGE(kills << " kills of a " << duration << " s sweep; runs saved after each:" << progress
                << "; " << resumed << " of 20 saved before the last resume");
  CHECK(kills >= 2);
  CHECK(!fs::exists(partial));
  check_same_results(read_sweep_file(full), read_sweep_file(out));
}

TEST_CASE("a failing command leaves an existing output file as it was") {
  TempDir dir;
  const fs::path run_file = dir.path / "run.h5";
  REQUIRE(run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 -o '" +
                         run_file.string() + "'",
                     dir)
              .status == 0);
  const std::string run_bytes = bytes_of(run_file);

  SUBCASE("a run whose file cannot take the output name") {
    // The output name is a directory: refused before the run; the directory and its contents
    // stay, and nothing else is left.
    const fs::path taken = dir.path / "taken.h5";
    fs::create_directory(taken);
    std::ofstream(taken / "inside") << "kept";
    const Outcome o =
        run_airace("run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 -o '" +
                       taken.string() + "'",
                   dir);
    CHECK(o.status == 2);
    CHECK(o.err.find(taken.string()) != std::string::npos);
    CHECK(fs::is_directory(taken));
    CHECK(bytes_of(taken / "inside") == "kept");
    for (const auto& e : fs::directory_iterator(dir.path))
      CHECK(!is_replacement_file_name(e.path().filename().string()));
  }
  SUBCASE("a run of a bad scenario") {
    CHECK(run_airace("run tests/data/bad_many.yaml -o '" + run_file.string() + "'", dir).status ==
          2);
    CHECK(bytes_of(run_file) == run_bytes);
  }
  SUBCASE("a sweep whose saved runs belong to another sweep") {
    const fs::path out = dir.path / "sweep.h5";
    std::ofstream(out) << "earlier results";
    fs::create_directory(dir.path / "sweep.h5.partial");
    std::ofstream(dir.path / "sweep.h5.partial" / "STAMP") << "0123456789abcdef other\n";
    const Outcome o =
        run_airace("sweep tests/data/sweeps/small_lhs.yaml -q -o '" + out.string() + "'", dir);
    CHECK(o.status == 2);
    CHECK(o.err.find("belongs to another sweep definition") != std::string::npos);
    CHECK(bytes_of(out) == "earlier results");
  }
  SUBCASE("merge, analyse and compare given a damaged file") {
    const fs::path damaged = dir.path / "damaged.h5";
    std::ofstream(damaged, std::ios::binary) << run_bytes.substr(0, run_bytes.size() / 2);
    const fs::path merged = dir.path / "merged.h5";
    std::ofstream(merged) << "earlier merge";
    CHECK(run_airace("merge '" + damaged.string() + "' -o '" + merged.string() + "'", dir).status ==
          2);
    CHECK(bytes_of(merged) == "earlier merge");
    const fs::path csv = dir.path / "d.csv";
    std::ofstream(csv) << "earlier csv";
    CHECK(run_airace("compare '" + run_file.string() + "' '" + damaged.string() + "' --csv '" +
                         csv.string() + "'",
                     dir)
              .status == 2);
    CHECK(bytes_of(csv) == "earlier csv");
    // analyse refuses a file that is not a whole saltelli sweep, and leaves it unchanged.
    const fs::path lhs = dir.path / "lhs.h5";
    REQUIRE(run_airace("sweep tests/data/sweeps/small_lhs.yaml -q -o '" + lhs.string() + "'", dir)
                .status == 0);
    const std::string lhs_bytes = bytes_of(lhs);
    CHECK(run_airace("analyse '" + lhs.string() + "' --csv '" + csv.string() + "'", dir).status ==
          2);
    CHECK(bytes_of(lhs) == lhs_bytes);
    CHECK(bytes_of(csv) == "earlier csv");
  }
  CHECK(bytes_of(run_file) == run_bytes);
}

}  // namespace crash_safety_test
