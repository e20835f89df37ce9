// Output-path safety (output/replace_file.hpp): what a target may be, locks, leftovers, modes;
// the commands refusing to write over what they read; and every write failure of a small run,
// a small sweep and a CSV table, injected one at a time, ending in a message and exit status 2
// with the old file kept and nothing left behind.
#include "output/replace_file.hpp"

#include <doctest/doctest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "sim/core/diagnostics.hpp"
#include "tests/airace_process.hpp"

namespace fs = std::filesystem;
using namespace airace;

namespace replace_file_test {
using airace::testing::Outcome;
using airace::testing::run_airace;
using airace::testing::TempDir;

namespace {

// The shim ahead of everything; AddressSanitizer's runtime then does not come first, which it
// accepts when told.
const std::string kFailIo = std::string("ASAN_OPTIONS=\"$ASAN_OPTIONS:verify_asan_link_order=0\" ") +
                            "LD_PRELOAD='" + AIRACE_FAIL_IO_LIB + "'";
const std::string kSmallRun = "run tests/data/small.yaml -q -r 2 --set scenario.end=2022-12-31 ";

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The message of the InputError `f` throws, or "" when it throws none.
template <class F>
std::string refusal_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return format_diagnostic(e.diagnostics().front());
  }
  return "";
}

// Names in `dir` that a FileReplacement made and left behind.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (is_replacement_file_name(e.path().filename().string()))
      found.push_back(e.path().string());
  return found;
}

void make_old(const fs::path& p, std::chrono::seconds age) {
  const auto then = std::chrono::system_clock::now() - age;
  const std::time_t t = std::chrono::system_clock::to_time_t(then);
  struct utimbuf times {t, t};
  REQUIRE(::utime(p.c_str(), &times) == 0);
}

}  // namespace

TEST_CASE("a replacement appears whole at commit and not before") {
  TempDir dir;
  const fs::path target = dir.path / "out.txt";
  write_text(target, "old");
  {
    FileReplacement file(target, OutputRules());
    file.write("new ");
    file.write("content");
    CHECK(bytes_of(target) == "old");
    CHECK(leftovers(dir.path).size() == 2);  // its temporary and the target's lock
    file.commit();
    CHECK(bytes_of(target) == "new content");
  }
  CHECK(leftovers(dir.path).empty());
}

TEST_CASE("a replacement dropped before commit leaves the old file and nothing else") {
  TempDir dir;
  const fs::path target = dir.path / "out.txt";
  write_text(target, "old");
  {
    FileReplacement file(target, OutputRules());
    file.write("half");
  }
  CHECK(bytes_of(target) == "old");
  CHECK(leftovers(dir.path).empty());
}

TEST_CASE("a target that becomes a directory while airace works is not replaced") {
  TempDir dir;
  const fs::path target = dir.path / "out.h5";
  FileReplacement file(target, OutputRules());
  file.write("new");
  fs::create_directories(target / "occupied");
  CHECK_THROWS_AS(file.commit(), OutputError);
  CHECK(fs::is_directory(target / "occupied"));
}

TEST_CASE("a target that is not a regular file is refused") {
  TempDir dir;
  const fs::path fifo = dir.path / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  CHECK(refusal_of([&] { check_output_path(fifo, OutputRules()); }).find("a FIFO") !=
        std::string::npos);
  CHECK(refusal_of([&] { check_output_path(dir.path, OutputRules()); }).find("a directory") !=
        std::string::npos);
  CHECK(refusal_of([&] { check_output_path("/dev/null", OutputRules()); })
            .find("a character device") != std::string::npos);
  write_text(dir.path / "real.h5", "data");
  fs::create_symlink(dir.path / "real.h5", dir.path / "link.h5");
  const std::string link = refusal_of([&] { check_output_path(dir.path / "link.h5", OutputRules()); });
  CHECK(link.find("symbolic link") != std::string::npos);
  CHECK(link.find("real.h5") != std::string::npos);
  CHECK(refusal_of([&] { check_output_path(dir.path / "none" / "x.h5", OutputRules("-o")); })
            .starts_with("-o"));
  CHECK(refusal_of([&] { check_output_path(dir.path / "new.h5", OutputRules()); }).empty());
}

TEST_CASE("a target that is one of the inputs is refused under any of its names") {
  TempDir dir;
  const fs::path input = dir.path / "scenario.yaml";
  write_text(input, "scenario: {}\n");
  fs::create_hard_link(input, dir.path / "alias.yaml");
  const OutputRules rules("--output", {input});
  CHECK(refusal_of([&] { check_output_path(input, rules); }).find("which this command reads") !=
        std::string::npos);
  CHECK(refusal_of([&] { check_output_path(dir.path / "alias.yaml", rules); })
            .find("scenario.yaml") != std::string::npos);
  CHECK(refusal_of([&] { check_output_path(dir.path / "." / "scenario.yaml", rules); }) != "");
}

TEST_CASE("a read-only target is replaced only with force and stays read-only") {
  TempDir dir;
  const fs::path target = dir.path / "kept.h5";
  write_text(target, "old");
  fs::permissions(target, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  CHECK(refusal_of([&] { check_output_path(target, OutputRules()); }).find("--force") !=
        std::string::npos);
  replace_file(target, "new", OutputRules("--output", {}, true));
  CHECK(bytes_of(target) == "new");
  CHECK(mode_of(target) == 0444);
}

TEST_CASE("a replaced file keeps its mode and a secret is created private") {
  TempDir dir;
  const fs::path target = dir.path / "private.h5";
  write_text(target, "old");
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  replace_file(target, "new", OutputRules());
  CHECK(mode_of(target) == 0600);
  const fs::path codes = dir.path / "codes.json";
  replace_file(codes, "{}", OutputRules("--codes-file", {}, false, 0600));
  CHECK(mode_of(codes) == 0600);
}

TEST_CASE("a second writer of the same target is refused while the first is at work") {
  TempDir dir;
  const fs::path target = dir.path / "out.h5";
  FileReplacement first(target, OutputRules());
  const std::string second = refusal_of([&] { FileReplacement again(target, OutputRules()); });
  CHECK(second.find("another airace process") != std::string::npos);
  // It names the first: its pid and host, from the lock file (flock is per open file, so this
  // process's own first writer stands for another process).
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(second.find("(pid " + std::to_string(::getpid()) + " on " + host + ", since ") !=
        std::string::npos);
  CHECK(bytes_of(dir.path / ".out.h5.airace-lock")
            .starts_with("pid " + std::to_string(::getpid()) + " on " + host + ", since "));
  // Another target in the same folder is not held up.
  CHECK_NOTHROW(replace_file(dir.path / "other.h5", "x", OutputRules()));
  first.write("done");
  first.commit();
  CHECK(bytes_of(target) == "done");
}

TEST_CASE("a lock file whose writer is gone does not block and takes the new writer's name") {
  TempDir dir;
  const fs::path target = dir.path / "out.h5";
  // What a writer killed with SIGKILL leaves: its lock file, with its name, and no lock held.
  const fs::path lock = dir.path / ".out.h5.airace-lock";
  write_text(lock,
             "pid 999999999 on a-node-long-gone, since 2020-01-01 00:00:00 UTC and more text\n");
  FileReplacement file(target, OutputRules());
  CHECK(bytes_of(lock).starts_with("pid " + std::to_string(::getpid()) + " on "));
  CHECK(bytes_of(lock).find("long-gone") == std::string::npos);
  file.write("x");
  file.commit();
  CHECK(bytes_of(target) == "x");
}

TEST_CASE("leftovers of dead writers are removed and those of live ones kept") {
  TempDir dir;
  const fs::path dead_temporary = dir.path / ".run.h5.abcdefghijkl.airace-tmp";
  const fs::path dead_lock = dir.path / ".run.h5.airace-lock";
  const fs::path fresh_temporary = dir.path / ".fresh.h5.abcdefghijkl.airace-tmp";
  const fs::path live_temporary = dir.path / ".live.h5.abcdefghijkl.airace-tmp";
  const fs::path user_file = dir.path / ".notes.airace-tmp.txt";
  for (const fs::path& p : {dead_temporary, dead_lock, fresh_temporary, live_temporary, user_file})
    write_text(p, "x");
  for (const fs::path& p : {dead_temporary, dead_lock, live_temporary, user_file})
    make_old(p, std::chrono::seconds(600));
  // A live writer holds the lock of its temporary (flock is per open file, so this process's
  // own descriptor stands for another process).
  const int live = ::open(live_temporary.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(live >= 0);
  REQUIRE(::flock(live, LOCK_EX) == 0);

  replace_file(dir.path / "next.h5", "x", OutputRules());
  CHECK(!fs::exists(dead_temporary));
  CHECK(!fs::exists(dead_lock));
  CHECK(fs::exists(fresh_temporary));  // may be a writer that has not locked it yet
  CHECK(fs::exists(live_temporary));
  CHECK(fs::exists(user_file));
  ::close(live);
}

TEST_CASE("temporaries have names no one can guess and are never written through a link") {
  TempDir dir;
  const fs::path target = dir.path / "out.h5";
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    FileReplacement file(target, OutputRules());
    for (const std::string& n : leftovers(dir.path))
      if (n.ends_with(".airace-tmp")) names.insert(n);
  }
  CHECK(names.size() == 20);
  // A link planted at the lock's name is not followed: the replacement fails instead.
  const fs::path victim = dir.path / "victim";
  write_text(victim, "precious");
  fs::create_symlink(victim, dir.path / ".out.h5.airace-lock");
  CHECK_THROWS_AS(replace_file(target, "x", OutputRules()), OutputError);
  CHECK(bytes_of(victim) == "precious");
}

// ---- The commands ---------------------------------------------------------------------------

TEST_CASE("airace refuses an output that is its own scenario or a file the scenario extends") {
  TempDir dir;
  fs::copy_file(testing::kSource + "/tests/data/small.yaml", dir.path / "base.yaml");
  write_text(dir.path / "v.yaml", "extends: base.yaml\nscenario: {name: v}\n");
  const std::string base_bytes = bytes_of(dir.path / "base.yaml");
  const std::string v_bytes = bytes_of(dir.path / "v.yaml");
  for (const std::string out : {"v.yaml", "base.yaml"}) {
    CAPTURE(out);
    const Outcome o = run_airace("run '" + (dir.path / "v.yaml").string() + "' -q -r 2 -o '" +
                                     (dir.path / out).string() + "'",
                                 dir);
    CHECK(o.status == 2);
    CHECK(o.err.find("--output") != std::string::npos);
    CHECK(o.err.find("which this command reads") != std::string::npos);
  }
  CHECK(bytes_of(dir.path / "base.yaml") == base_bytes);
  CHECK(bytes_of(dir.path / "v.yaml") == v_bytes);
}

TEST_CASE("airace sweep refuses to write over its sweep file or its base scenario") {
  TempDir dir;
  const std::string sweep = testing::kSource + "/tests/data/sweeps/small_lhs.yaml";
  const std::string sweep_bytes = bytes_of(sweep);
  const std::string base = testing::kSource + "/tests/data/small.yaml";
  const std::string base_bytes = bytes_of(base);
  for (const std::string& out : {sweep, base}) {
    const Outcome o = run_airace("sweep '" + sweep + "' -q -o '" + out + "'", dir);
    CHECK(o.status == 2);
    CHECK(o.err.find("which this command reads") != std::string::npos);
  }
  CHECK(bytes_of(sweep) == sweep_bytes);
  CHECK(bytes_of(base) == base_bytes);
}

TEST_CASE("airace refuses devices FIFOs and read-only files as outputs") {
  TempDir dir;
  const fs::path fifo = dir.path / "pipe.h5";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  for (const std::string& out : {fifo.string(), std::string("/dev/null"), std::string("/dev/full")}) {
    CAPTURE(out);
    const Outcome o = run_airace(kSmallRun + "-o '" + out + "'", dir);
    CHECK(o.status == 2);
    CHECK(o.err.find("regular file") != std::string::npos);
  }
  struct stat st {};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(fs::is_fifo(fifo));

  const fs::path kept = dir.path / "kept.h5";
  write_text(kept, "old results");
  fs::permissions(kept, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const Outcome refused = run_airace(kSmallRun + "-o '" + kept.string() + "'", dir);
  CHECK(refused.status == 2);
  CHECK(refused.err.find("read-only") != std::string::npos);
  CHECK(bytes_of(kept) == "old results");
  CHECK(run_airace(kSmallRun + "--force -o '" + kept.string() + "'", dir).status == 0);
  CHECK(bytes_of(kept) != "old results");
  CHECK(mode_of(kept) == 0444);
}

TEST_CASE("compare and merge refuse to write over the files they read") {
  TempDir dir;
  const fs::path a = dir.path / "a.h5";
  REQUIRE(run_airace(kSmallRun + "-o '" + a.string() + "'", dir).status == 0);
  const std::string a_bytes = bytes_of(a);
  const Outcome compare =
      run_airace("compare '" + a.string() + "' '" + a.string() + "' --csv '" + a.string() + "'", dir);
  CHECK(compare.status == 2);
  CHECK(compare.err.find("--csv") != std::string::npos);
  CHECK(bytes_of(a) == a_bytes);

  const fs::path part = dir.path / "s.part-0-of-1.h5";
  REQUIRE(run_airace("sweep tests/data/sweeps/small_lhs.yaml -q -o '" + part.string() + "'", dir)
              .status == 0);
  const std::string part_bytes = bytes_of(part);
  const Outcome merge =
      run_airace("merge '" + part.string() + "' -o '" + part.string() + "'", dir);
  CHECK(merge.status == 2);
  CHECK(merge.err.find("which this command reads") != std::string::npos);
  CHECK(bytes_of(part) == part_bytes);
}

TEST_CASE("two runs into one output file do not interleave") {
  TempDir dir;
  const fs::path out = dir.path / "out.h5";
  // A run long enough to be caught at work.
  const std::string slow = "run tests/data/small.yaml -q -r 40 -t 1 -o '" + out.string() + "'";
  std::thread first([&] { run_airace(slow, dir); });
  const fs::path lock = dir.path / ".out.h5.airace-lock";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(lock) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  TempDir other;
  const Outcome second = run_airace(kSmallRun + "-o '" + out.string() + "'", other);
  first.join();
  if (fs::exists(out) && second.status == 0) {
    MESSAGE("the first run ended before the second began; nothing to check");
    return;
  }
  CHECK(second.status == 2);
  CHECK(second.err.find("another airace process") != std::string::npos);
}

// ---- Injected write failures ----------------------------------------------------------------

namespace {

// Runs `args` with the shim; the number of file-writing calls it made.
long count_writes(const std::string& args, const TempDir& dir) {
  const fs::path count = dir.path / "count.txt";
  const Outcome o = run_airace(args, dir, kFailIo + " AIRACE_FAULT_COUNT='" + count.string() + "'");
  REQUIRE(o.status == 0);
  return std::stol(bytes_of(count));
}

// Fails each file-writing call of `args` in turn: every try must end with status 2 and a
// message, the file at `out` as it was, and nothing of airace's left in `dir`. `reset` runs
// before each try.
void fail_each_write(const std::string& args, const fs::path& out, const TempDir& dir,
                     const std::function<void()>& reset = [] {}) {
  const std::string old_bytes = "old results, to be kept";
  reset();
  write_text(out, old_bytes);
  const long calls = count_writes(args, dir);
  MESSAGE(calls << " file-writing calls in: airace " << args);
  REQUIRE(calls >= 4);
  for (long n = 1; n <= calls; ++n) {
    CAPTURE(n);
    reset();
    write_text(out, old_bytes);
    const Outcome o = run_airace(args, dir, kFailIo + " AIRACE_FAULT_AT=" + std::to_string(n));
    CAPTURE(o.err);
    CHECK(o.status == 2);
    CHECK(o.err.find("error") != std::string::npos);
    CHECK(o.err.find("nothing was written") != std::string::npos);
    CHECK(bytes_of(out) == old_bytes);
    CHECK(leftovers(dir.path).empty());
  }
}

}  // namespace

TEST_CASE("every write failure of a run ends in a message with the old file kept") {
  TempDir dir;
  const fs::path out = dir.path / "run.h5";
  // One replicate of half a year writes every group and series a longer run does (some 400
  // calls) at half the cost of each of the ~400 tries.
  fail_each_write("run tests/data/small.yaml -q -r 1 --set scenario.end=2022-06-30 -o '" +
                      out.string() + "'",
                  out, dir);
}

TEST_CASE("every write failure of a sweep ends in a message with the old file kept") {
  TempDir dir;
  const fs::path out = dir.path / "sweep.h5";
  fs::copy_file(testing::kSource + "/tests/data/small.yaml", dir.path / "small.yaml");
  write_text(dir.path / "short.yaml", "extends: small.yaml\nscenario: {end: 2022-06-30}\n");
  write_text(dir.path / "tiny.yaml",
             "sweep: {name: tiny, base: short.yaml, seed: 3, replicates: 1}\n"
             "design: {type: latin_hypercube, points: 4}\n"
             "parameters:\n  - {key: labs.cn_lab.efficiency_growth_per_year, range: [1.5, 5]}\n"
             "metrics:\n  - {name: gap, series: indicators/us_cn_gap_months, value_at: "
             "2022-06-30}\n");
  const std::string args = "sweep '" + (dir.path / "tiny.yaml").string() +
                           "' -q --batch-runs 2 -o '" +
                           out.string() + "'";
  // Saved runs would change what the next try writes: each try starts afresh.
  fail_each_write(args, out, dir, [&] { fs::remove_all(dir.path / "sweep.h5.partial"); });
}

TEST_CASE("every write failure of a CSV table ends in a message with the old file kept") {
  TempDir dir;
  const fs::path a = dir.path / "a.h5";
  REQUIRE(run_airace(kSmallRun + "-o '" + a.string() + "'", dir).status == 0);
  const fs::path csv = dir.path / "diff.csv";
  fail_each_write("compare '" + a.string() + "' '" + a.string() + "' --csv '" + csv.string() + "'",
                  csv, dir);
}

}  // namespace replace_file_test
