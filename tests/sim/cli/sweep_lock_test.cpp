// Two `airace sweep` commands into one output (and so one `<output>.partial/` folder): the
// second is refused at once, naming the first by pid and host; a lock left by a killed sweep
// does not block the next one. (MPI ranks of one sweep each lock their own part file: the MPI
// test, tests/python/check_mpi_sweep.py.)
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/airace_process.hpp"

namespace fs = std::filesystem;

namespace sweep_lock_test {

namespace {
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::slurp;
using airace::testing::start_airace;
using airace::testing::TempDir;

std::string host_name() {
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  return host;
}

// Waits until `lock` names `pid` (the sweep has taken it), then stops the sweep there (SIGSTOP),
// so that it holds its lock for as long as the test needs. False if it never did within 60 s.
bool stop_once_locked(pid_t pid, const fs::path& lock) {
  const std::string owner = "pid " + std::to_string(pid) + " on ";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    if (slurp(lock).starts_with(owner)) {
      ::kill(pid, SIGSTOP);
      // Still its lock: it had not finished before it was stopped.
      return slurp(lock).starts_with(owner);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int raw = 0;
  ::waitpid(pid, &raw, 0);
}

const std::string kSweep = "sweep tests/data/sweeps/small_lhs.yaml -q --threads 1 ";
}  // namespace

TEST_CASE("a second sweep into a busy output is refused at once naming the first by pid and host") {
  TempDir dir;
  const fs::path out = dir.path / "out.h5";
  const pid_t first = start_airace(kSweep + "--batch-runs 1 -o '" + out.string() + "'");
  const bool held = stop_once_locked(first, dir.path / ".out.h5.airace-lock");
  if (!held) kill_and_reap(first);
  REQUIRE(held);

  TempDir other;
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome second = run_airace(kSweep + "-o '" + out.string() + "'", other);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  kill_and_reap(first);
  CHECK(second.status == 2);
  CHECK(second.err.find("another airace process (pid " + std::to_string(first) + " on " +
                        host_name() + ", since ") != std::string::npos);
  CHECK(seconds < 30);  // at once: before any run, not after the first has finished
  CHECK(!fs::exists(out));
}

TEST_CASE("a sweep killed while it held its lock does not block the next one") {
  TempDir dir;
  const fs::path out = dir.path / "out.h5";
  const fs::path lock = dir.path / ".out.h5.airace-lock";
  const pid_t first = start_airace(kSweep + "--batch-runs 1 -o '" + out.string() + "'");
  const bool held = stop_once_locked(first, lock);
  kill_and_reap(first);
  REQUIRE(held);
  // SIGKILL leaves the lock file behind, naming a process that is gone.
  CHECK(slurp(lock).starts_with("pid " + std::to_string(first) + " on "));

  const Outcome again = run_airace(kSweep + "-o '" + out.string() + "'", dir);
  CHECK(again.status == 0);
  CHECK(again.err == "");
  CHECK(fs::is_regular_file(out));
  CHECK(!fs::exists(dir.path / "out.h5.partial"));
  CHECK(!fs::exists(lock));
}

}  // namespace sweep_lock_test
