#include "sim/cli/cli.hpp"

#include <oneapi/tbb/global_control.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <mutex>
#include <new>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

#include "agents/lab_exits.hpp"
#include "agents/safety_summary.hpp"
#include "agents/market_shock.hpp"
#include "airace/version.hpp"
#include "output/compare.hpp"
#include "output/h5_reader.hpp"
#include "output/h5_writer.hpp"
#include "output/summary.hpp"
#include "sim/model/describe.hpp"
#include "sim/model/model.hpp"
#include "sim/runner/ensemble.hpp"
#include "sim/cli/mpi_world.hpp"
#include "sim/cli/salib_export.hpp"
#include "sim/model/run_cost.hpp"
#include "sim/model/scenario.hpp"
#include "sim/serve/server.hpp"
#include "sim/sweep/sensitivity.hpp"
#include "sim/runner/sweep_runner.hpp"

namespace airace {
namespace {

constexpr int kExitInput = 2;
constexpr const char* kDefaultScenario = "scenarios/baseline.yaml";
constexpr const char* kExitStatusLine =
    "\nExit status: 0 success, 2 bad input (nothing written), 1 internal error.\n";

// Where an installed airace keeps what it ships (scenarios, scripts), relative to the folder of
// the program: ../share/airace for <prefix>/bin/airace (CMakeLists.txt, docs/install.md).
#ifndef AIRACE_DATA_FROM_BIN
#define AIRACE_DATA_FROM_BIN "../share/airace"
#endif

// A file airace ships, named as in the source tree (scenarios/baseline.yaml): there when run from
// a source tree's root, else the installed copy beside the program, else the name as given (and
// the loader's message about it).
std::string shipped_file(const std::string& relative) {
  std::error_code ec;
  if (std::filesystem::exists(relative, ec)) return relative;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return relative;
  const std::filesystem::path installed =
      (program.parent_path() / AIRACE_DATA_FROM_BIN / relative).lexically_normal();
  return std::filesystem::exists(installed, ec) ? installed.string() : relative;
}

struct RunArgs {
  std::string scenario = kDefaultScenario;
  std::string output;
  std::vector<std::string> sets;
  SeriesSelection keep;  // --groups, --series
  int replicates = 0;
  long long seed = -1;
  int threads = 0;
  bool quiet = false;
  bool force = false;
  bool fixed_parameters = false;  // uncertain parameters at their medians: bands of noise only
};

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string join_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += argv[i];
  }
  return s;
}

// `writes`: false for the commands that write nothing anyway (check, describe), which then
// do not say that nothing was written.
void print_input_error(const InputError& e, bool writes = true) {
  for (const Diagnostic& d : e.diagnostics()) std::cerr << format_diagnostic(d) << '\n';
  const std::size_t n = e.diagnostics().size();
  std::cerr << n << (n == 1 ? " error" : " errors")
            << (writes ? "; nothing was written.\n" : ".\n");
}

// "'a'", "'a' or 'b'", "'a', 'b' or 'c'".
std::string quoted_choices(const std::vector<std::string>& words) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) s += i + 1 == words.size() ? " or " : ", ";
    s += "'" + words[i] + "'";
  }
  return s;
}

// Draws a progress bar on stderr while the ensemble runs, when stderr is a terminal.
// How progress is shown: a bar redrawn in place on a terminal; plain lines at a fixed interval
// otherwise (a batch job's log), every AIRACE_PROGRESS_SECONDS seconds (default 60).
enum class Progress { off, bar, lines };

Progress progress_mode(bool quiet) {
  if (quiet) return Progress::off;
  return isatty(STDERR_FILENO) ? Progress::bar : Progress::lines;
}

// "~8 s left", "~12 min left", "~3.5 h left": the bar's estimate, as precise as it can be.
std::string time_left_text(double seconds) {
  char buf[48];
  if (seconds < 99.5)
    std::snprintf(buf, sizeof buf, "~%.0f s left", std::max(1.0, seconds));
  else if (seconds < 99.5 * 60)
    std::snprintf(buf, sizeof buf, "~%.0f min left", seconds / 60.0);
  else
    std::snprintf(buf, sizeof buf, "~%.1f h left", seconds / 3600.0);
  return buf;
}

class ProgressBar {
 public:
  // `unit`: null for a plain bar; e.g. "runs" to show counts, rate and time left.
  ProgressBar(std::size_t total, const std::atomic<std::size_t>& done, Progress mode,
              const char* unit = nullptr)
      : total_(total), done_(done), unit_(unit), mode_(mode) {
    if (mode_ == Progress::lines) {
      const char* env = std::getenv("AIRACE_PROGRESS_SECONDS");
      const double seconds = env != nullptr ? std::atof(env) : 60.0;
      interval_ = std::chrono::milliseconds(
          static_cast<long long>(1000.0 * (seconds > 0.0 ? seconds : 60.0)));
    }
    if (mode_ != Progress::off && total > 0) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressBar() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
      if (mode_ == Progress::bar) {
        draw();
        std::fputc('\n', stderr);
      }
    }
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) draw();
  }
  void draw() const {
    const double f = std::min(1.0, static_cast<double>(done_.load()) / static_cast<double>(total_));
    const int width = 40;
    const int filled = static_cast<int>(f * width);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (mode_ == Progress::lines) {
      // One self-contained line: what is done, how fast, how long is left.
      const double left = f > 0.0 ? elapsed * (1.0 - f) / f : 0.0;
      std::string line = "progress: " + std::to_string(static_cast<int>(f * 100.0)) + "%";
      if (unit_ != nullptr)
        line += " (" + std::to_string(done_.load()) + "/" + std::to_string(total_) + " " + unit_ +
                ")";
      line += " after " + std::to_string(static_cast<long long>(elapsed)) + " s";
      if (f > 0.0) line += ", about " + std::to_string(static_cast<long long>(left)) + " s left";
      std::fprintf(stderr, "%s\n", line.c_str());
    } else if (unit_ == nullptr) {
      // Time left from the pace so far; none before the first progress is seen.
      const std::string left = f > 0.0 && f < 1.0 ? time_left_text(elapsed * (1.0 - f) / f) : "";
      std::fprintf(stderr, "\r  [%s%s] %3.0f%%  %.1f s  %s    ", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), f * 100.0, elapsed, left.c_str());
    } else {
      const auto done = static_cast<double>(done_.load());
      const double rate = elapsed > 0 ? done / elapsed : 0.0;
      const double left = rate > 0 ? (static_cast<double>(total_) - done) / rate : 0.0;
      std::fprintf(stderr, "\r  [%s%s] %zu/%zu %s  %.2f %s/s  %s    ",
                   std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                   done_.load(), total_, unit_, rate, unit_,
                   rate > 0 && done < static_cast<double>(total_) ? time_left_text(left).c_str()
                                                                  : "");
    }
    std::fflush(stderr);
  }
  std::size_t total_;
  const std::atomic<std::size_t>& done_;
  const char* unit_;
  Progress mode_;
  std::chrono::milliseconds interval_{100};
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Refuses, before anything runs, an ensemble that would not fit in memory, at the key to change.
void check_ensemble_fits(const Scenario& s) {
  Diagnostics diags;
  check_ensemble_size(s,
                      oneapi::tbb::global_control::active_value(
                          oneapi::tbb::global_control::max_allowed_parallelism),
                      diags);
  diags.throw_if_any();
}

// A run file's expected size: its series as doubles (run_cost), times the share that shuffle +
// deflate leave of them (0.6 for the baseline at 200 replicates: 692 MB of series, a 416 MB
// file), plus the metadata. An estimate, within some 30% for the scenarios we ship.
constexpr double kStoredShareOfSeries = 0.6;
constexpr double kDefaultWarnFileMegabytes = 200.0;

// Refuses, before anything runs, a --groups or --series that names nothing the run records.
void check_selection(const SeriesCatalog& catalog, const SeriesSelection& keep) {
  std::vector<std::string> groups, paths;
  for (const SeriesSpec& spec : catalog.series()) {
    if (std::find(groups.begin(), groups.end(), spec.group) == groups.end())
      groups.push_back(spec.group);
    paths.push_back(spec.group + "/" + spec.name);
  }
  for (const EventTableSpec& t : catalog.event_tables())
    if (std::find(groups.begin(), groups.end(), t.group) == groups.end()) groups.push_back(t.group);
  Diagnostics diags;
  for (const std::string& g : keep.groups)
    if (std::find(groups.begin(), groups.end(), g) == groups.end())
      diags.error({"--groups", 0, 0}, g, "no group of series or events has this name",
                  suggest(g, groups, "the groups"));
  for (const std::string& p : keep.series)
    if (std::find(paths.begin(), paths.end(), p) == paths.end())
      diags.error({"--series", 0, 0}, p, "no series has this path (group/name)",
                  did_you_mean(p, paths).empty() ? "e.g. indicators/us_cn_gap_months"
                                                 : did_you_mean(p, paths));
  diags.throw_if_any();
}

// Bytes of one replicate's series that the file will hold, as doubles.
double kept_series_bytes(const SeriesCatalog& catalog, const SeriesSelection& keep) {
  double bytes = 0.0;
  for (const SeriesSpec& spec : catalog.series())
    if (keep.keeps(spec))
      bytes += static_cast<double>(catalog.time_count(spec)) *
               static_cast<double>(catalog.entity_count(spec)) * sizeof(double);
  return bytes;
}

// Before a run whose file will be large: a warning on stderr with the estimated size (above
// 200 MB, or AIRACE_WARN_FILE_MB), so that a typo in --replicates can be stopped in time.
void warn_if_large(const Scenario& s, double series_bytes, const std::filesystem::path& out) {
  const char* env = std::getenv("AIRACE_WARN_FILE_MB");
  const double limit_mb = env != nullptr && std::atof(env) > 0 ? std::atof(env)
                                                                : kDefaultWarnFileMegabytes;
  const double per_replicate = series_bytes * kStoredShareOfSeries;
  const double bytes = per_replicate * static_cast<double>(s.run.replicates);
  if (bytes <= limit_mb * 1e6) return;
  std::fprintf(stderr,
               "warning: %s will be about %s (%lld replicates x %s); fewer replicates, or "
               "--groups or --series, write less\n",
               out.string().c_str(), bytes_text(bytes).c_str(),
               static_cast<long long>(s.run.replicates), bytes_text(per_replicate).c_str());
}

std::vector<std::string> overrides_of(const RunArgs& a) {
  std::vector<std::string> o = a.sets;
  if (a.replicates > 0) o.push_back("run.replicates=" + std::to_string(a.replicates));
  if (a.seed >= 0) o.push_back("run.seed=" + std::to_string(a.seed));
  return o;
}

// What the bands of a run show: the parameters' uncertainty and the noise, or the noise alone.
std::string band_kind(const Scenario& s, bool fixed_parameters) {
  if (fixed_parameters)
    return "noise only: uncertain parameters fixed at their medians by --fixed-parameters";
  if (s.uncertainty.empty()) return "noise only: the scenario has no uncertain parameters";
  return "what the model does not know and noise: " +
         std::to_string(s.uncertainty.parameters.size()) +
         " uncertain parameters drawn per replicate";
}

int command_run(const RunArgs& a, const std::string& command_line) {
  // --threads caps the whole command: the ensemble and the compression of the output.
  std::optional<oneapi::tbb::global_control> cap;
  if (a.threads > 0)
    cap.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                static_cast<std::size_t>(a.threads));
  const Scenario s = a.fixed_parameters
                         ? scenario_at_medians(load_scenario(a.scenario, overrides_of(a)))
                         : load_scenario(a.scenario, overrides_of(a));
  check_ensemble_fits(s);
  const SeriesCatalog catalog = build_catalog(s);
  check_selection(catalog, a.keep);
  const std::filesystem::path out = a.output.empty()
                                        ? std::filesystem::path("results") / (s.info.name + ".h5")
                                        : std::filesystem::path(a.output);
  if (a.output.empty()) std::filesystem::create_directories(out.parent_path());
  // Checked, locked and begun before the run, so that a bad path costs no computing.
  FileReplacement file(out, OutputRules("--output", s.files_read, a.force));
  warn_if_large(s, kept_series_bytes(catalog, a.keep), out);
  if (!a.quiet)
    std::cout << "airace " << kProgramVersion << ": scenario '" << s.info.name << "', "
              << s.info.start.iso() << " to " << s.info.end.iso() << ", " << s.run.replicates
              << " replicates, seed " << s.run.seed << "\n";

  std::atomic<std::size_t> days{0};
  const auto t0 = std::chrono::steady_clock::now();
  RunResult result;
  {
    ProgressBar bar(ensemble_days(s), days, progress_mode(a.quiet));
    RunMetadata meta;
    meta.command_line = command_line;
    meta.created_utc = utc_now();
    result = run_ensemble(s, {0, &days}, std::move(meta));  // capped above
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.quiet) {
    std::printf("ran %lld replicates in %.2f s\n", static_cast<long long>(s.run.replicates),
                seconds);
    if (!result.draws.empty()) {
      const std::size_t failed = result.draws.failed();
      std::printf("%zu uncertain parameters drawn per replicate; %zu of %lld replicates failed\n",
                  result.draws.parameters.size(), failed, static_cast<long long>(s.run.replicates));
      for (std::size_t r = 0; r < result.draws.failures.size(); ++r)
        if (!result.draws.failures[r].empty()) {
          std::printf("  first failure, replicate %zu: %s\n", r, result.draws.failures[r].c_str());
          break;
        }
    }
    std::printf("\n");
    std::printf("Headline indicators at the last date, median [5%% .. 95%%] over replicates\n"
                "(%s):\n%s\n",
                band_kind(s, a.fixed_parameters).c_str(),
                summarise_group(result, "indicators").c_str());
    if (const std::string sign = describe_gap_sign(result); !sign.empty())
      std::printf("Sign of the gap: %s\n\n", sign.c_str());
    if (const std::optional<MarketShock> shock = largest_market_shock(result))
      std::printf("Largest market shock: %s\n\n", describe_market_shock(*shock).c_str());
    if (const std::optional<SafetySummary> safety = safety_summary(result))
      std::printf("Safety: %s\n\n", describe_safety(*safety).c_str());
    if (result.catalog.find_event_table("lab_finance", "event") != kNoEventTable)
      std::printf("Lab exits: %s\n\n",
                  describe_lab_exits(lab_exits(result), result.replicates.size()).c_str());
    std::printf("writing %s ...\n", out.string().c_str());
    std::fflush(stdout);
  }
  {
    RunResult kept = select_series(std::move(result), a.keep);
    write_run_file(file, kept);
    // Handing a large run's memory back (a page table entry per 4 KiB) takes about as long as
    // flushing the file to disk: the two overlap.
    std::thread release([gone = std::move(kept)]() mutable { gone = RunResult(); });
    try {
      file.commit();
    } catch (...) {
      release.join();
      throw;
    }
    release.join();
  }
  std::printf("wrote %s\n", out.string().c_str());
  return 0;
}

// A sweep file (docs/sweeps.md) is validated as a sweep: its base scenario, parameters and
// ranges, design (and its size) and metrics, every error at its line and column.
int command_check_sweep(const std::string& file, const std::optional<std::string>& text,
                        const std::vector<std::string>& sets) {
  if (!sets.empty())
    throw InputError({"--set", 0, 0},
                     "'" + file +
                         "' is a sweep file: --set changes a scenario, and a sweep sets its "
                         "parameters itself (vary a key under parameters:, or check the base "
                         "scenario with --set)");
  std::error_code ec;
  // A pipe given as the file has been read already: its text is all there is.
  const SweepPlan plan =
      std::filesystem::is_regular_file(file, ec) ? load_sweep(file) : load_sweep_text(*text, file);
  const auto counted = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::printf(
      "%s: OK: sweep '%s', %s design, %zu points x %zu replicates = %zu runs, %s, %s, %s; "
      "base scenario '%s' (%s), %s to %s\n",
      file.c_str(), plan.name.c_str(), design_label(plan).c_str(), plan.points(), plan.replicates,
      plan.runs(), counted(plan.parameters.size(), "parameter", "parameters").c_str(),
      counted(plan.metrics.size(), "metric", "metrics").c_str(),
      counted(plan.keep_series.size(), "kept series", "kept series").c_str(),
      plan.base.info.name.c_str(), plan.base_file.string().c_str(),
      plan.base.info.start.iso().c_str(), plan.base.info.end.iso().c_str());
  return 0;
}

int command_check(const std::string& file, const std::vector<std::string>& sets) {
  std::string why;
  const std::optional<std::string> text = read_yaml_file(file, false, why);
  if (text && is_sweep_text(*text, file)) return command_check_sweep(file, text, sets);
  std::error_code ec;
  const Scenario s = !text || std::filesystem::is_regular_file(file, ec)
                         ? load_scenario(file, sets)  // reports an unreadable file
                         : load_scenario_text(*text, file, sets);
  check_ensemble_fits(s);
  std::printf(
      "%s: OK: scenario '%s', %s to %s, %zu countries, %zu chips, %zu producers, %zu labs, "
      "%zu clouds, %zu export rules, %lld replicates, %zu uncertain parameters\n",
      file.c_str(), s.info.name.c_str(), s.info.start.iso().c_str(), s.info.end.iso().c_str(),
      s.countries.size(), s.chips.size(), s.producers.size(), s.labs.size(), s.clouds.size(),
      s.export_rules.size(), static_cast<long long>(s.run.replicates),
      s.uncertainty.parameters.size());
  return 0;
}

int command_describe(const std::string& key, bool markdown, const std::string& values_of) {
  if (!values_of.empty()) {
    const Scenario s = load_scenario(values_of, {});
    std::vector<std::pair<SourceLocation, double>> medians;
    for (const UncertainParameter& u : s.uncertainty.parameters) medians.emplace_back(u.where, u.median);
    const std::string listed = describe_values(s.resolved, key, medians);
    if (listed.empty()) {
      Diagnostics diags;
      diags.error({"describe", 0, 0}, key, "the scenario " + values_of + " sets no value whose key "
                  "contains this text", "run 'airace describe --values " + values_of +
                  "' for all of them");
      diags.throw_if_any();
    }
    std::cout << listed;
    return 0;
  }
  const std::vector<ParamInfo> found = find_parameters(key);
  if (found.empty()) {
    const std::vector<std::string> close = closest_parameters(key);
    Diagnostics diags;
    diags.error({"describe", 0, 0}, key, "no parameter matches",
                close.empty() ? "run 'airace describe' for the full list"
                              : "did you mean " + quoted_choices(close) + "?");
    diags.throw_if_any();
  }
  std::cout << (markdown ? describe_markdown(found) : describe_text(found));
  return 0;
}

// ---- Crashes in HDF5 ----------------------------------------------------------------------------

// HDF5 1.10 crashes on some damaged files instead of returning an error: a global heap whose
// object sizes point past its end takes it out of bounds (h5dump crashes on such a file too).
// While one of our readers is at work such a crash is reported as that file's error, with the
// exit status of bad input; any other crash stays a crash, for the handler that was there
// before (a sanitizer's, or the default's core dump).
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous_action[std::size(kFatalSignals)];

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
  }
  return "a signal";
}

void write_text(const char* text) {
  std::size_t n = std::strlen(text);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<std::size_t>(w);
  }
}

extern "C" void on_fatal_signal(int sig, siginfo_t* info, void*) {
  if (const char* file = file_being_read()) {
    write_text(file);
    write_text(": error: the file is damaged: the HDF5 library crashed reading it (");
    write_text(signal_name(sig));
    write_text(")\n1 error; nothing was written.\n");
    _exit(kExitInput);
  }
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i)
    if (kFatalSignals[i] == sig) sigaction(sig, &g_previous_action[i], nullptr);
  // A fault re-occurs on return and reaches the previous handler; a signal that was sent (an
  // abort, a kill) must be raised again.
  if (sig == SIGABRT || info == nullptr || info->si_code <= 0) raise(sig);
}

void report_crashes_in_readers() {
  struct sigaction action {};
  action.sa_sigaction = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i)
    sigaction(kFatalSignals[i], &action, &g_previous_action[i]);
}

// HDF5 1.10 also loops for ever on some damaged global heaps (an object size that makes the next
// object start where it began): a watcher reports such a read, once overdue, like a crash.
// The watcher takes no signals: airace serve blocks SIGINT and SIGTERM in its threads and waits
// for them in one; a thread started earlier that took them would let them end the process.
void report_stuck_readers() {
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  std::thread([] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const char* file = file_being_read();
      if (file == nullptr || !text_read_overdue()) continue;
      write_text(file);
      write_text(": error: the file is damaged: the HDF5 library did not finish reading its text "
                 "(a damaged global heap)\n1 error; nothing was written.\n");
      _exit(kExitInput);
    }
  }).detach();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

// ---- Sweeps -------------------------------------------------------------------------------------

std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  g_stop.store(true);
  g_stop_signal.store(sig);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the program at once
}

struct SweepArgs {
  std::string file;
  std::string output;
  std::string shard;
  std::size_t batch_runs = 64;
  int threads = 0;
  bool quiet = false;
  bool force = false;
};

// results/x.h5 -> results/x.part-2-of-4.h5
std::filesystem::path part_path(const std::filesystem::path& out, const Shard& s) {
  std::filesystem::path p = out;
  p.replace_filename(out.stem().string() + ".part-" + std::to_string(s.index) + "-of-" +
                     std::to_string(s.count) + out.extension().string());
  return p;
}

std::filesystem::path partial_dir(const std::filesystem::path& target) {
  std::filesystem::path p = target;
  p += ".partial";
  return p;
}

OutputRules sweep_output_rules(const SweepPlan& plan, const SweepArgs& a) {
  return OutputRules("--output", plan.files_read, a.force);
}

// Whether `target` is a sweep file of this sweep, shard and program with every run of the shard
// done (ok or failed): a resubmitted task that finished has nothing to do. Anything else (no
// file, another sweep, shard or version, a damaged file, runs missing) is computed as usual.
bool finished_already(const SweepPlan& plan, const Shard& shard,
                      const std::filesystem::path& target) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(target, ec)) return false;
  try {
    const SweepTable t = read_sweep_file(target);
    if (t.meta.sweep_hash != plan.hash || t.meta.program_version != kProgramVersion ||
        t.meta.git_revision != kGitRevision || t.meta.shard_index != shard.index ||
        t.meta.shard_count != shard.count || t.runs() != plan.runs())
      return false;
    for (uint64_t run = 0; run < plan.runs(); ++run)
      if (shard.contains(run) && t.status[run] == RunStatus::not_run) return false;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Runs this process's runs (all, a --shard, or an MPI rank's) into `target`. Returns the exit
// status: 0 done, 130 stopped by a signal (resumable).
int sweep_into(const SweepPlan& plan, const SweepArgs& a, const Shard& shard,
               const std::filesystem::path& target, bool talk, const std::string& command_line) {
  if (!a.force && finished_already(plan, shard, target)) {
    // A sweep killed after its file got its name, while its saved runs were being cleared away,
    // leaves some of them: every run is in the file, so they go, under the file's lock (a
    // writer that holds it keeps its batches; they then stay for it).
    if (const std::filesystem::path dir = partial_dir(target); std::filesystem::exists(dir)) {
      try {
        const FileReplacement lock(target, sweep_output_rules(plan, a));
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
      } catch (const std::exception&) {
      }
    }
    const std::string what = shard.count > 1 ? "shard " + std::to_string(shard.index) + "/" +
                                                   std::to_string(shard.count) + " of this sweep"
                                             : "this sweep";
    std::printf("%s already holds %s, every run done; nothing to do (--force computes it "
                "again)\n",
                target.string().c_str(), what.c_str());
    return 0;
  }
  // Held from the start: the lock on the target keeps any other writer out of its partial folder.
  FileReplacement file(target, sweep_output_rules(plan, a));
  const std::filesystem::path dir = partial_dir(target);
  const std::string stamp = plan.hash + " " + kProgramVersion + " (" + kGitRevision + ") shard " +
                            std::to_string(shard.index) + "/" + std::to_string(shard.count);
  BatchStore store(dir, stamp);
  std::atomic<std::size_t> done{0};
  RunnerOptions options;
  options.shard = shard;
  options.batch_runs = a.batch_runs;
  options.runs_done = &done;
  options.stop = &g_stop;
  std::size_t todo = 0;
  std::optional<ProgressBar> bar;
  const RunnerReport report = run_sweep(plan, store, options, [&](const RunnerReport& r) {
    for (const std::string& d : r.dropped)
      std::printf("discarded the damaged batch %s/%s; its runs will be done again\n",
                  dir.string().c_str(), d.c_str());
    todo = r.shard_runs - r.resumed;
    if (talk) {
      if (r.resumed > 0)
        std::printf("resuming: %zu of %zu runs already done in %s; running %zu\n", r.resumed,
                    r.shard_runs, dir.string().c_str(), todo);
      else
        std::printf("running %zu runs\n", todo);
      std::fflush(stdout);
    }
    bar.emplace(todo, done, talk ? progress_mode(a.quiet) : Progress::off, "runs");
  });
  bar.reset();
  if (report.interrupted) {
    std::fprintf(stderr,
                 "\nstopped by %s: %zu of %zu runs are done and saved in %s.\n"
                 "Run the same command again to resume.\n",
                 g_stop_signal.load() == SIGTERM ? "SIGTERM" : "SIGINT", report.records.size(),
                 report.shard_runs, dir.string().c_str());
    return 130;
  }
  SweepTable table = sweep_table(plan, shard, command_line, utc_now());
  fill_table(table, report.records);
  write_sweep_file(file, table);
  file.commit();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::size_t failed = 0;
  for (RunStatus st : table.status) failed += st == RunStatus::failed;
  if (talk || !a.quiet) {
    if (failed > 0)
      std::printf("%zu of %zu runs failed; /runs/reason in the file says why\n", failed,
                  report.shard_runs);
    std::printf("computed %zu runs this time (%zu resumed)\n", report.computed, report.resumed);
  }
  std::printf("wrote %s\n", target.string().c_str());
  return 0;
}

int command_sweep(const SweepArgs& a, const std::string& command_line, const MpiWorld& world) {
  std::optional<oneapi::tbb::global_control> cap;
  if (a.threads > 0)
    cap.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                static_cast<std::size_t>(a.threads));
  if (const std::string no = mpi_refusal(mpi_built(), launched_processes()); !no.empty())
    throw InputError({"mpirun", 0, 0}, no);
  const SweepPlan plan = load_sweep(a.file);
  std::optional<Shard> shard;
  if (!a.shard.empty()) {
    shard = parse_shard(a.shard);
    if (!shard)
      throw InputError({"--shard '" + a.shard + "'", 0, 0},
                       "expected I/N with 0 <= I < N, e.g. --shard 0/4");
    if (world.size > 1)
      throw InputError({"--shard", 0, 0},
                       "under mpirun the ranks are the shards; leave out --shard");
  }
  const std::filesystem::path out = a.output.empty()
                                        ? std::filesystem::path("results") / (plan.name + ".h5")
                                        : std::filesystem::path(a.output);
  if (a.output.empty()) std::filesystem::create_directories(out.parent_path());
  check_output_path(out, sweep_output_rules(plan, a));
  const bool talk = !a.quiet && world.rank == 0;
  if (talk)
    std::printf(
        "airace %s: sweep '%s', %s design, %zu points x %zu replicates = %zu runs, "
        "seed %llu\n",
        kProgramVersion, plan.name.c_str(), design_label(plan).c_str(), plan.points(),
        plan.replicates, plan.runs(), static_cast<unsigned long long>(plan.seed));
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  if (world.size <= 1) {
    const Shard s = shard.value_or(Shard{});
    const std::filesystem::path target = shard && a.output.empty() ? part_path(out, s) : out;
    return sweep_into(plan, a, s, target, talk, command_line);
  }
  // MPI: each rank is a shard and writes its part; rank 0 merges them once every rank is done.
  const Shard s{static_cast<std::size_t>(world.rank), static_cast<std::size_t>(world.size)};
  int status = 1;
  try {
    status = sweep_into(plan, a, s, part_path(out, s), talk, command_line);
  } catch (const InputError& e) {
    print_input_error(e);
    status = kExitInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: error: %s\n", world.rank, e.what());
  }
  const int worst = mpi_max(world, status);
  if (worst != 0) {
    if (world.rank == 0)
      std::fprintf(stderr, "not every rank finished; the part files stay (rerun to resume)\n");
    return worst;
  }
  if (world.rank != 0) return 0;
  std::vector<std::pair<std::string, SweepTable>> parts;
  for (int r = 0; r < world.size; ++r) {
    const std::filesystem::path p =
        part_path(out, {static_cast<std::size_t>(r), static_cast<std::size_t>(world.size)});
    parts.emplace_back(p.string(), read_sweep_file(p));
  }
  write_sweep_file(out, merge_parts(parts, command_line, utc_now()), sweep_output_rules(plan, a));
  for (const auto& [p, t] : parts) std::filesystem::remove(p);
  std::printf("merged %d parts into %s\n", world.size, out.string().c_str());
  return 0;
}

int command_merge(const std::vector<std::string>& files, const std::string& output, bool force,
                  const std::string& command_line) {
  FileReplacement file(output, OutputRules("--output", {files.begin(), files.end()}, force));
  std::vector<std::pair<std::string, SweepTable>> parts;
  for (const std::string& f : files) parts.emplace_back(f, read_sweep_file(f));
  const SweepTable merged = merge_parts(parts, command_line, utc_now());
  write_sweep_file(file, merged);
  file.commit();
  std::printf("merged %zu parts into %s\n", parts.size(), output.c_str());
  return 0;
}

struct AnalyseArgs {
  std::string file;
  std::string csv;
  std::string salib;
  bool force = false;
  std::size_t resamples = 1000;
  double confidence = 0.95;
  long long seed = 0;
};

// A point's outcome: the mean of metric m over its replicates.
std::vector<double> point_means(const SweepTable& t, std::size_t m) {
  std::vector<double> outcome(t.points, 0.0);
  for (std::size_t p = 0; p < t.points; ++p) {
    for (std::size_t r = 0; r < t.replicates; ++r)
      outcome[p] += t.metric_values[m][p * t.replicates + r];
    outcome[p] /= static_cast<double>(t.replicates);
  }
  return outcome;
}

// Sobol indices of every metric of a saltelli sweep (docs/sweeps.md "Sensitivity indices").
std::vector<SensitivityRecord> analyse_sobol(const SweepTable& t, const AnalyseArgs& a,
                                             std::string& csv) {
  const std::size_t n = t.meta.base_rows;
  const std::size_t k = t.parameters.size();
  const bool second = t.meta.second_order != 0;
  if (t.points != saltelli_run_count(n, k, second))
    throw InputError({a.file, 0, 0}, "the design has " + std::to_string(t.points) +
                                         " points, not " +
                                         (second ? "N(2k + 2) = " : "N(k + 2) = ") +
                                         std::to_string(saltelli_run_count(n, k, second)));
  std::vector<SensitivityRecord> records;
  std::size_t too_few = 0;    // metrics whose indices show too few base rows
  std::size_t suggested = n;  // base rows that would do for all of them
  csv =
      "metric,parameter,first_order,first_order_low,first_order_high,total,"
      "total_low,total_high\n";
  std::printf(
      "Sobol indices (bootstrap %.0f%% intervals, %zu resamples), N = %zu base rows%s, "
      "outcome = mean over %zu replicates\n",
      a.confidence * 100, a.resamples, n, second ? " (second-order design)" : "", t.replicates);

  for (std::size_t m = 0; m < t.metrics.size(); ++m) {
    SobolIndices s;
    try {
      s = sobol_indices(point_means(t, m), n, k,
                        {a.resamples, a.confidence, static_cast<uint64_t>(a.seed)}, second);
    } catch (const SweepError& e) {
      std::printf("\n%s: not analysed: %s\n", t.metrics[m].name.c_str(), e.what());
      continue;
    }
    SensitivityRecord rec;
    rec.metric = t.metrics[m].name;
    rec.method = "sobol";
    rec.numbers = {{"outcome_variance", s.outcome_variance}};
    std::printf("\n%s (variance %.4g)\n  %-48s %-26s %s\n", rec.metric.c_str(), s.outcome_variance,
                "parameter", "first order S1 [CI]", "total ST [CI]");
    std::vector<double> columns[6];
    for (std::size_t i = 0; i < k; ++i) {
      const SensitivityIndex& f = s.first_order[i];
      const SensitivityIndex& tt = s.total[i];
      const double row[6] = {f.estimate, f.low, f.high, tt.estimate, tt.low, tt.high};
      for (int c = 0; c < 6; ++c) columns[c].push_back(row[c]);
      std::printf("  %-48s %6.3f [%6.3f, %6.3f]   %6.3f [%6.3f, %6.3f]\n", t.parameters[i].c_str(),
                  f.estimate, f.low, f.high, tt.estimate, tt.low, tt.high);
      char line[512];
      std::snprintf(line, sizeof line, "%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                    rec.metric.c_str(), t.parameters[i].c_str(), f.estimate, f.low, f.high,
                    tt.estimate, tt.low, tt.high);
      csv += line;
    }
    const char* names[6] = {"first_order", "first_order_low", "first_order_high",
                            "total",       "total_low",       "total_high"};
    for (int c = 0; c < 6; ++c) rec.per_parameter.emplace_back(names[c], std::move(columns[c]));
    if (second) {
      // [K, K], symmetric; a parameter has no interaction with itself (NaN).
      const double nan = std::numeric_limits<double>::quiet_NaN();
      std::vector<double> matrix[3] = {std::vector<double>(k * k, nan),
                                       std::vector<double>(k * k, nan),
                                       std::vector<double>(k * k, nan)};
      std::printf("  %-72s %s\n", "pair", "second order S_ij [CI]");
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i + 1; j < k; ++j) {
          const SensitivityIndex& x = s.second_order[sobol_pair(k, i, j)];
          const double v[3] = {x.estimate, x.low, x.high};
          for (int c = 0; c < 3; ++c) matrix[c][i * k + j] = matrix[c][j * k + i] = v[c];
          const std::string pair = t.parameters[i] + " x " + t.parameters[j];
          std::printf("  %-72s %6.3f [%6.3f, %6.3f]\n", pair.c_str(), x.estimate, x.low, x.high);
        }
      const char* pair_names[3] = {"second_order", "second_order_low", "second_order_high"};
      for (int c = 0; c < 3; ++c) rec.per_pair.emplace_back(pair_names[c], std::move(matrix[c]));
    }
    const SobolDiagnosis d = diagnose_sobol(s, n, t.parameters);
    for (const std::string& w : d.warnings) std::printf("  warning: %s\n", w.c_str());
    if (!d.warnings.empty()) {
      ++too_few;
      suggested = std::max(suggested, d.suggested_base_rows);
    }
    records.push_back(std::move(rec));
  }
  if (too_few > 0) {
    std::printf(
        "\nwarning: N = %zu base rows are too few for %zu of %zu metrics: their indices are "
        "noise-dominated (see the warnings above). Intervals narrow as 1/sqrt(N): try N = %zu "
        "base rows (%zu runs; at most 64x N is suggested at a time, so analyse again after "
        "it) to bring every interval under 0.1. Set design.base_rows and run the sweep "
        "again.\n",
        n, too_few, records.size(), suggested, saltelli_run_count(suggested, k, second));
  }
  return records;
}

// Morris elementary effects of every metric of a morris sweep. The design's grid coordinates
// are drawn again from the seed, r, k and p in /meta (the file stores the parameter values),
// and checked against the stored design: the step that moves a parameter changes no other.
std::vector<SensitivityRecord> analyse_morris(const SweepTable& t, const AnalyseArgs& a,
                                              std::string& csv) {
  const std::size_t r = t.meta.trajectories;
  const std::size_t k = t.parameters.size();
  const std::size_t p = t.meta.levels;
  if (!morris_problems(r, k, p).empty() || t.points != morris_run_count(r, k))
    throw InputError({a.file, 0, 0}, "the design has " + std::to_string(t.points) +
                                         " points, not r(k + 1) for the " + std::to_string(r) +
                                         " trajectories and " + std::to_string(p) +
                                         " levels in /meta");
  const MorrisDesign design = morris_design(r, k, p, t.meta.seed);
  for (std::size_t tr = 0; tr < r; ++tr)
    for (std::size_t m = 1; m <= k; ++m)
      for (std::size_t i = 0; i < k; ++i) {
        if (i == design.moved[tr * k + m - 1]) continue;
        if (t.design[morris_row(k, tr, m) * k + i] != t.design[morris_row(k, tr, m - 1) * k + i])
          throw InputError(
              {a.file, 0, 0},
              "the stored design is not the morris design of its /meta seed: " + t.parameters[i] +
                  " changes at step " + std::to_string(m) + " of trajectory " + std::to_string(tr));
      }
  csv = "metric,parameter,mu_star,mu_star_low,mu_star_high,mu,sigma\n";
  std::printf(
      "Morris elementary effects (r = %zu trajectories, p = %zu levels, bootstrap %.0f%% "
      "intervals of mu*, %zu resamples), outcome = mean over %zu replicates; effects are in the "
      "metric's unit per whole range of the parameter\n",
      r, p, a.confidence * 100, a.resamples, t.replicates);
  std::vector<SensitivityRecord> records;
  for (std::size_t m = 0; m < t.metrics.size(); ++m) {
    MorrisIndices s;
    try {
      s = morris_indices(point_means(t, m), design,
                         {a.resamples, a.confidence, static_cast<uint64_t>(a.seed)});
    } catch (const SweepError& e) {
      std::printf("\n%s: not analysed: %s\n", t.metrics[m].name.c_str(), e.what());
      continue;
    }
    SensitivityRecord rec;
    rec.metric = t.metrics[m].name;
    rec.method = "morris";
    rec.numbers = {{"trajectories", static_cast<double>(r)}, {"levels", static_cast<double>(p)}};
    std::printf("\n%s (%s)\n  %-48s %-32s %-11s %s\n", rec.metric.c_str(),
                t.metrics[m].units.c_str(), "parameter", "mu* [CI]", "mu", "sigma");
    // Ranked by mu*, the screening order.
    std::vector<std::size_t> rank(k);
    std::iota(rank.begin(), rank.end(), std::size_t{0});
    std::stable_sort(rank.begin(), rank.end(), [&](std::size_t x, std::size_t y) {
      return s.mu_star[x].estimate > s.mu_star[y].estimate;
    });
    for (std::size_t i : rank) {
      const SensitivityIndex& ms = s.mu_star[i];
      std::printf("  %-48s %9.4g [%9.4g, %9.4g] %10.4g %10.4g\n", t.parameters[i].c_str(),
                  ms.estimate, ms.low, ms.high, s.mu[i], s.sigma[i]);
    }
    std::vector<double> columns[5];
    for (std::size_t i = 0; i < k; ++i) {
      const SensitivityIndex& ms = s.mu_star[i];
      const double row[5] = {ms.estimate, ms.low, ms.high, s.mu[i], s.sigma[i]};
      for (int c = 0; c < 5; ++c) columns[c].push_back(row[c]);
      char line[512];
      std::snprintf(line, sizeof line, "%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", rec.metric.c_str(),
                    t.parameters[i].c_str(), row[0], row[1], row[2], row[3], row[4]);
      csv += line;
    }
    const char* names[5] = {"mu_star", "mu_star_low", "mu_star_high", "mu", "sigma"};
    for (int c = 0; c < 5; ++c) rec.per_parameter.emplace_back(names[c], std::move(columns[c]));
    records.push_back(std::move(rec));
  }
  return records;
}

int command_analyse(const AnalyseArgs& a) {
  const SweepTable t = read_sweep_file(a.file);
  check_output_path(a.file, OutputRules("the sweep file", {}, a.force));  // /sensitivity goes in
  std::optional<FileReplacement> csv_file;
  if (!a.csv.empty()) csv_file.emplace(a.csv, OutputRules("--csv", {a.file}, a.force));
  std::optional<FileReplacement> salib_file;
  if (!a.salib.empty()) {
    const std::vector<std::filesystem::path> taken =
        a.csv.empty() ? std::vector<std::filesystem::path>{a.file}
                      : std::vector<std::filesystem::path>{a.file, a.csv};
    salib_file.emplace(a.salib, OutputRules("--salib", taken, a.force));
  }
  const bool morris = t.meta.design == "morris";
  if ((t.meta.design != "saltelli" && !morris) || t.meta.shard_count != 1)
    throw InputError({a.file, 0, 0},
                     "sensitivity analysis needs a whole saltelli sweep (Sobol indices) or morris "
                     "sweep (elementary effects); this file holds a " +
                         t.meta.design + " design" +
                         (t.meta.shard_count != 1 ? " shard (merge the parts first)" : ""));
  std::string csv;
  const std::vector<SensitivityRecord> records =
      morris ? analyse_morris(t, a, csv) : analyse_sobol(t, a, csv);
  if (records.empty()) throw InputError({a.file, 0, 0}, "no metric could be analysed (see above)");
  write_sensitivity(a.file, records, a.confidence, a.resamples,
                    OutputRules("the sweep file", {}, a.force));
  std::printf("\nwrote /sensitivity into %s\n", a.file.c_str());
  if (csv_file) {
    csv_file->write(csv);
    csv_file->commit();
    std::printf("wrote %s\n", a.csv.c_str());
  }
  if (salib_file) {
    salib_file->write(salib_json(t));
    salib_file->commit();
    std::printf("wrote %s (design and outcomes in SALib's row order)\n", a.salib.c_str());
  }
  return 0;
}

struct CompareArgs {
  std::string base;
  std::string whatif;
  std::string csv;
  std::vector<std::string> dates;
  std::vector<std::string> periods;
  std::vector<std::string> series;
  bool all = false;
  bool force = false;
};

int command_compare(const CompareArgs& a) {
  std::optional<FileReplacement> csv_file;
  if (!a.csv.empty()) csv_file.emplace(a.csv, OutputRules("--csv", {a.base, a.whatif}, a.force));
  const Comparison c = compare_runs(a.base, a.whatif, {a.series, a.all, a.dates, a.periods});
  std::cout << comparison_table(c);
  if (csv_file) {
    csv_file->write(comparison_csv(c));
    csv_file->commit();
    std::cout << "wrote " << a.csv << "\n";
  }
  return 0;
}

// For arguments CLI11 did not expect ("The following argument was not expected: --sett"):
// the closest option of the subcommand being read (or, before one, the closest subcommand),
// and where the whole list is.
std::string unknown_argument_hint(CLI::App& app, const std::string& message) {
  CLI::App* command = &app;
  for (CLI::App* sub : app.get_subcommands()) command = sub;
  std::vector<std::string> options{"--help"};
  for (const CLI::Option* o : command->get_options()) {
    for (const std::string& n : o->get_lnames()) options.push_back("--" + n);
    for (const std::string& n : o->get_snames()) options.push_back("-" + n);
  }
  std::vector<std::string> subcommands;
  for (const CLI::App* sub : app.get_subcommands({})) subcommands.push_back(sub->get_name());
  std::vector<std::string> hints;
  const std::size_t colon = message.find(": ");
  std::istringstream words(colon == std::string::npos ? "" : message.substr(colon + 2));
  for (std::string word; words >> word;) {
    const bool option = word.starts_with('-');
    if (option) word = word.substr(0, word.find('='));  // --sett=1
    if (!option && command != &app) continue;  // a stray value, not a misspelt name
    const std::string close = closest_match(word, option ? options : subcommands);
    if (!close.empty()) hints.push_back("'" + word + "': did you mean '" + close + "'?");
  }
  const std::string help = command == &app ? "airace --help" : "airace " + command->get_name() +
                                                                   " --help";
  std::string text;
  for (const std::string& h : hints) text += h + "\n";
  return text + "Run '" + help + "' for the options.";
}

}  // namespace

int run_cli(int argc, char** argv) {
  silence_hdf5_errors();  // every HDF5 failure is reported as an error of ours
  report_crashes_in_readers();
  report_stuck_readers();
  const MpiWorld world = mpi_start(&argc, &argv);
  struct Finish {
    const MpiWorld& w;
    ~Finish() { mpi_finish(w); }
  } finish{world};
  CLI::App app{
      "airace: an agent-based simulator of the US-China AI race.\n"
      "Scenarios are YAML files (see docs/scenarios.md); results are HDF5 files of time series\n"
      "that h5py, pandas and xarray read directly. Plot one with: python3 " +
          shipped_file("scripts/plot.py") + " FILE.h5",
      "airace"};
  app.set_version_flag("--version", std::string(kProgramVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  app.footer(
      "\nExamples:\n"
      "  airace run                                 run scenarios/baseline.yaml\n"
      "  airace run my.yaml -r 100 -o out.h5        100 replicates into out.h5\n"
      "  airace run --set labs.deepseek.efficiency_growth_per_year=4\n"
      "  airace check my.yaml                       find every error, run nothing (a scenario\n"
      "                                             or a sweep file)\n"
      "  airace describe labs[]                     parameters of labs, with units\n"
      "  airace describe --values my.yaml labs      what my.yaml sets for labs, with sources\n"
      "  airace sweep scenarios/sweeps/x.yaml       run a parameter sweep (docs/sweeps.md)\n"
      "  airace sweep x.yaml --shard 3/8            one slice of it, for a Slurm array\n"
      "  airace merge results/x.part-*.h5 -o x.h5   join the slices\n"
      "  airace analyse x.h5                        Sobol indices or Morris effects of a sweep\n"
      "  airace compare base.h5 whatif.h5 --csv d.csv   what-if minus base, per indicator\n"
      "Each subcommand's --help shows its own options and examples.\n" +
      std::string(kExitStatusLine));

  RunArgs run;
  CLI::App* run_cmd =
      app.add_subcommand("run", "Run a scenario and write an HDF5 file of its time series");
  run_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace run                           run scenarios/baseline.yaml\n"
      "  airace run my.yaml -r 100 -o out.h5  100 replicates into out.h5\n"
      "  airace run --set labs.deepseek.efficiency_growth_per_year=4\n"
      "  airace run my.yaml -q --seed 7       quiet (batch jobs), seed 7\n"
      "  airace run -r 200 --groups indicators  a smaller file: the indicators only\n") +
                   kExitStatusLine);
  run_cmd->add_option("scenario", run.scenario, "scenario file")->capture_default_str();
  run_cmd->add_option("-o,--output", run.output,
                      "output file (default: results/<scenario name>.h5)");
  run_cmd
      ->add_option("-r,--replicates", run.replicates,
                   "number of replicates (overrides run.replicates)")
      ->check(CLI::Range(1, static_cast<int>(kMaxReplicates)));
  // Seeds follow the scenario's rule (parse_seed), taken as written: CLI11 would clamp 2^63 to
  // 2^63 - 1 and read 010 as octal.
  const CLI::Validator seed_rule(
      [](std::string& text) {
        std::string why;
        return parse_seed(text, &why) ? std::string() : why;
      },
      std::string("SEED in ") + kSeedRange);
  run_cmd
      ->add_option_function<std::string>(
          "--seed",
          [&run](const std::string& text) {
            run.seed = static_cast<long long>(*parse_seed(text, nullptr));
          },
          "random seed (overrides run.seed)")
      ->type_name("SEED")
      ->check(seed_rule);
  run_cmd->add_option("-t,--threads", run.threads, "most threads to use (default: all cores)")
      ->check(CLI::Range(1, 4096));
  run_cmd
      ->add_option("--set", run.sets,
                   "override a scenario value, e.g. --set labs.deepseek.training_share=0.5 "
                   "(repeat for several)")
      ->allow_extra_args(false);
  run_cmd
      ->add_option("--groups", run.keep.groups,
                   "write only the series and events of these groups, e.g. --groups "
                   "indicators,labs (repeat or separate with commas; default: every group)")
      ->delimiter(',')
      ->allow_extra_args(false);
  run_cmd
      ->add_option("--series", run.keep.series,
                   "write only these series (and those of --groups), e.g. --series "
                   "indicators/us_cn_gap_months (repeat or separate with commas)")
      ->delimiter(',')
      ->allow_extra_args(false);
  run_cmd->add_flag("-q,--quiet", run.quiet, "print only the output path (for batch jobs)");
  run_cmd->add_flag("--force", run.force, "replace the output file even if it is read-only");
  run_cmd->add_flag("--fixed-parameters", run.fixed_parameters,
                    "run every uncertain parameter at its median: the bands then show the "
                    "model's noise only, not what it does not know");

  std::string check_file;
  std::vector<std::string> check_sets;
  CLI::App* check_cmd =
      app.add_subcommand("check", "Validate a scenario or a sweep file without running it");
  check_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace check my.yaml                           find every error, run nothing\n"
      "  airace check my.yaml --set run.replicates=500  with an override\n"
      "  airace check scenarios/sweeps/baseline_lhs.yaml a sweep file, validated as one\n") +
                   kExitStatusLine);
  check_cmd->add_option("file", check_file, "scenario or sweep file")->required();
  check_cmd->add_option("--set", check_sets, "override a scenario value (repeat for several)")
      ->allow_extra_args(false);

  std::string describe_key;
  bool markdown = false;
  CLI::App* describe_cmd = app.add_subcommand(
      "describe", "List scenario parameters with unit, default, range, meaning and source");
  describe_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace describe                         every parameter\n"
      "  airace describe labs[]                  parameters of labs, with units\n"
      "  airace describe enforcement --markdown  as a Markdown table\n"
      "  airace describe --values my.yaml labs   what my.yaml sets for labs, with sources\n") +
                   kExitStatusLine);
  describe_cmd->add_option("key", describe_key,
                           "show only keys containing this text, e.g. labs[] or seed");
  describe_cmd->add_flag("--markdown", markdown, "print a Markdown table");
  std::string describe_values_of;
  describe_cmd->add_option("--values", describe_values_of,
                           "list the values this scenario sets (after extends:), each with the "
                           "file and line it is written on and its source");

  SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep", "Run a parameter sweep (resumable; --shard or mpirun for clusters)");
  sweep_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace sweep scenarios/sweeps/x.yaml  run a parameter sweep (docs/sweeps.md)\n"
      "  airace sweep x.yaml --shard 3/8       one slice of it, for a Slurm array\n"
      "  mpirun -n 4 airace sweep x.yaml       four processes, merged at the end\n") +
                   kExitStatusLine);
  sweep_cmd->add_option("sweep", sweep.file, "sweep file (docs/sweeps.md)")->required();
  sweep_cmd->add_option("-o,--output", sweep.output,
                        "output file (default: results/<sweep name>.h5; with --shard "
                        "results/<name>.part-I-of-N.h5)");
  sweep_cmd->add_option("-t,--threads", sweep.threads, "most threads to use (default: all cores)")
      ->check(CLI::Range(1, 4096));
  sweep_cmd->add_option("--shard", sweep.shard,
                        "run only slice I of N (0 <= I < N) and write a part file, e.g. "
                        "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT");
  sweep_cmd
      ->add_option("--batch-runs", sweep.batch_runs,
                   "save finished runs every this many runs (a kill loses at most one batch)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  sweep_cmd->add_flag("-q,--quiet", sweep.quiet, "no progress bar or summary (for batch jobs)");
  sweep_cmd->add_flag("--force", sweep.force,
                      "replace the output file even if it is read-only or already holds this "
                      "shard's finished runs");

  std::vector<std::string> merge_files;
  std::string merge_output;
  CLI::App* merge_cmd =
      app.add_subcommand("merge", "Join the part files of a sharded sweep into one file");
  merge_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace merge results/x.part-*.h5 -o x.h5  join the slices\n") +
                   kExitStatusLine);
  merge_cmd->add_option("parts", merge_files, "part files")->required();
  merge_cmd->add_option("-o,--output", merge_output, "the merged file")->required();
  bool merge_force = false;
  merge_cmd->add_flag("--force", merge_force, "replace the merged file even if it is read-only");

  AnalyseArgs analyse;
  CLI::App* analyse_cmd = app.add_subcommand(
      "analyse",
      "Sobol indices (first-order, total; second-order where the design has them) of a saltelli "
      "sweep's metrics, or Morris elementary effects of a morris sweep's");
  analyse_cmd->footer(
      std::string(
          "\nExamples:\n"
          "  airace analyse x.h5                  Sobol indices (saltelli) or mu*, mu, sigma "
          "(morris)\n"
          "  airace analyse x.h5 --csv sobol.csv  also as CSV\n"
          "  airace analyse x.h5 --salib x.json   design and outcomes in SALib's row order\n") +
      kExitStatusLine);
  analyse_cmd->add_option("file", analyse.file, "sweep result file")->required();
  analyse_cmd->add_option("--csv", analyse.csv, "also write the indices to this CSV file");
  analyse_cmd->add_option("--salib", analyse.salib,
                          "also write the design and outcomes in SALib's row order to this JSON "
                          "file, to cross-check the indices with SALib");
  analyse_cmd->add_flag("--force", analyse.force,
                        "write into the sweep file and the CSV file even if they are read-only");
  analyse_cmd->add_option("--resamples", analyse.resamples, "bootstrap resamples")
      ->check(CLI::Range(10, 1000000))
      ->capture_default_str();
  analyse_cmd->add_option("--confidence", analyse.confidence, "level of the intervals")
      ->check(CLI::Range(0.5, 0.999))
      ->capture_default_str();
  analyse_cmd
      ->add_option_function<std::string>(
          "--seed",
          [&analyse](const std::string& text) {
            analyse.seed = static_cast<long long>(*parse_seed(text, nullptr));
          },
          "seed of the bootstrap")
      ->type_name("SEED")
      ->check(seed_rule);

  CompareArgs compare;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare",
      "Differences what-if minus base over replicates, per series, entity and date, flagged "
      "where beyond noise");
  compare_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace compare base.h5 whatif.h5  what-if minus base, per indicator\n"
      "  airace compare base.h5 whatif.h5 --at 2025-12 --csv d.csv\n"
      "  airace compare base.h5 whatif.h5 --series labs/capability\n"
      "  airace compare base.h5 whatif.h5 --period 2026:2030 --series "
      "indicators/us_cn_gap_months\n") +
                   kExitStatusLine);
  compare_cmd->add_option("base", compare.base, "run file of the base scenario")->required();
  compare_cmd->add_option("whatif", compare.whatif, "run file of the what-if")->required();
  compare_cmd
      ->add_option("--at", compare.dates,
                   "compare at these dates (YYYY-MM-DD or YYYY-MM; repeat or separate with "
                   "commas; default: the last date of each year both files cover)")
      ->delimiter(',')
      ->allow_extra_args(false);
  compare_cmd
      ->add_option("--period", compare.periods,
                   "compare each replicate's mean over FROM:TO (YYYY, YYYY-MM or YYYY-MM-DD, "
                   "inclusive: 2026:2030; repeat or separate with commas); with no --at, "
                   "only the periods")
      ->delimiter(',')
      ->allow_extra_args(false);
  CLI::Option* series_opt =
      compare_cmd
          ->add_option("--series", compare.series,
                       "compare only these series, e.g. --series labs/capability (repeat or "
                       "separate with commas; default: every series of /indicators)")
          ->delimiter(',')
          ->allow_extra_args(false);
  compare_cmd->add_flag("--all", compare.all, "compare every series of every group")
      ->excludes(series_opt);
  compare_cmd->add_option("--csv", compare.csv, "also write the rows to this CSV file");
  compare_cmd->add_flag("--force", compare.force, "replace the CSV file even if it is read-only");

  serve::ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Seminar mode: a local web page with a live dashboard of the scenario's levers and a "
      "wargame for teams (docs/teaching.md)");
  serve_cmd->footer(std::string(
      "\nExamples:\n"
      "  airace serve                   scenarios/seminar.yaml on http://127.0.0.1:8080/\n"
      "  airace serve my.yaml --port 0  any free port\n"
      "  airace serve --bind 0.0.0.0 --codes-file codes.json\n"
      "                                 for a room: every request needs an access code\n") +
                   kExitStatusLine);
  serve_cmd->add_option("scenario", serve.scenario,
                        "scenario with levers: and teams: (default " + serve.scenario + ")");
  serve_cmd->add_option("--port", serve.port, "port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--bind", serve.bind,
                        "address to listen on (default 127.0.0.1, this computer only); another "
                        "address opens it to the network, and every request then needs a code");
  serve_cmd->add_option("--codes-file", serve.codes_file,
                        "also write the address and the access codes to this file (JSON)");
  serve_cmd->add_option("-t,--threads", serve.threads, "threads of all runs together (default: all cores)")
      ->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    std::cerr << e.what() << "\n" << unknown_argument_hint(app, e.what()) << "\n";
    return kExitInput;
  } catch (const CLI::ParseError& e) {
    // A misspelt subcommand reaches CLI11 as no subcommand at all.
    if (app.get_subcommands().empty() && argc > 1 && argv[1][0] != '-' &&
        dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      std::cerr << "The following argument was not expected: " << argv[1] << "\n"
                << unknown_argument_hint(app, std::string(": ") + argv[1]) << "\n";
      return kExitInput;
    }
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitInput;
  }

  // The default scenarios, from the working directory (a source tree) or the installed copy.
  if (run_cmd->get_option("scenario")->count() == 0) run.scenario = shipped_file(run.scenario);
  if (serve_cmd->get_option("scenario")->count() == 0)
    serve.scenario = shipped_file(serve.scenario);

  try {
    if (*run_cmd) return command_run(run, join_command_line(argc, argv));
    if (*check_cmd) return command_check(check_file, check_sets);
    if (*describe_cmd) return command_describe(describe_key, markdown, describe_values_of);
    if (*sweep_cmd) return command_sweep(sweep, join_command_line(argc, argv), world);
    if (*merge_cmd) return command_merge(merge_files, merge_output, merge_force,
                                         join_command_line(argc, argv));
    if (*analyse_cmd) return command_analyse(analyse);
    if (*compare_cmd) return command_compare(compare);
    if (*serve_cmd) return serve::command_serve(serve);
  } catch (const InputError& e) {
    if (world.rank == 0) print_input_error(e, !*check_cmd && !*describe_cmd);
    return kExitInput;
  } catch (const OutputError& e) {
    std::cerr << "error: " << e.what() << "\n"
              << (e.replaced ? "" : "1 error; nothing was written.\n");
    return kExitInput;
  } catch (const std::bad_alloc&) {
    // Too large for this machine, not a bug: reported like bad input, without allocating.
    std::cerr << "error: out of memory: ";
    if (*run_cmd) std::cerr << "running the scenario " << run.scenario;
    else if (*check_cmd) std::cerr << "checking " << check_file;
    else if (*sweep_cmd) std::cerr << "running the sweep " << sweep.file;
    else if (*merge_cmd) std::cerr << "merging the parts into " << merge_output;
    else if (*analyse_cmd) std::cerr << "analysing " << analyse.file;
    else if (*compare_cmd) std::cerr << "comparing " << compare.base << " and " << compare.whatif;
    else std::cerr << "running " << (argc > 1 ? argv[1] : "airace");
    std::cerr << "; nothing was written.\n";
    return kExitInput;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace airace
