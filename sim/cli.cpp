#include "sim/cli.hpp"

#include <oneapi/tbb/global_control.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "airace/version.hpp"
#include "output/h5_writer.hpp"
#include "output/summary.hpp"
#include "sim/describe.hpp"
#include "sim/ensemble.hpp"
#include "sim/scenario.hpp"

namespace airace {
namespace {

constexpr int kExitInput = 2;
constexpr const char* kDefaultScenario = "scenarios/baseline.yaml";

struct RunArgs {
  std::string scenario = kDefaultScenario;
  std::string output;
  std::vector<std::string> sets;
  int replicates = 0;
  long long seed = -1;
  int threads = 0;
  bool quiet = false;
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

void print_input_error(const InputError& e) {
  for (const Diagnostic& d : e.diagnostics()) std::cerr << format_diagnostic(d) << '\n';
  const std::size_t n = e.diagnostics().size();
  std::cerr << n << (n == 1 ? " error" : " errors") << "; nothing was written.\n";
}

// Draws a progress bar on stderr while the ensemble runs, when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar(std::size_t total, const std::atomic<std::size_t>& done, bool enabled)
      : total_(total), done_(done) {
    if (enabled && total > 0) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressBar() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
      draw();
      std::fputc('\n', stderr);
    }
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) draw();
  }
  void draw() const {
    const double f = std::min(1.0, static_cast<double>(done_.load()) / static_cast<double>(total_));
    const int width = 40;
    const int filled = static_cast<int>(f * width);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "\r  [%s%s] %3.0f%%  %.1f s", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), f * 100.0, elapsed);
    std::fflush(stderr);
  }
  std::size_t total_;
  const std::atomic<std::size_t>& done_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Refuses, before anything runs, an ensemble whose series would not fit in memory.
void check_memory(const Scenario& s) {
  const double need = static_cast<double>(ensemble_series_bytes(s));
  const double have =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  if (have > 0 && need > 0.75 * have) {
    char message[256];
    std::snprintf(message, sizeof message,
                  "%lld replicates would hold %.1f GiB of series in memory, more than 3/4 of "
                  "this machine's %.1f GiB; run fewer replicates (or several runs)",
                  static_cast<long long>(s.run.replicates), need / 1073741824.0,
                  have / 1073741824.0);
    throw InputError({s.file, 0, 0}, message);
  }
}

std::vector<std::string> overrides_of(const RunArgs& a) {
  std::vector<std::string> o = a.sets;
  if (a.replicates > 0) o.push_back("run.replicates=" + std::to_string(a.replicates));
  if (a.seed >= 0) o.push_back("run.seed=" + std::to_string(a.seed));
  return o;
}

int command_run(const RunArgs& a, const std::string& command_line) {
  // --threads caps the whole command: the ensemble and the compression of the output.
  std::optional<oneapi::tbb::global_control> cap;
  if (a.threads > 0)
    cap.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                static_cast<std::size_t>(a.threads));
  const Scenario s = load_scenario(a.scenario, overrides_of(a));
  const std::filesystem::path out = a.output.empty()
                                        ? std::filesystem::path("results") / (s.info.name + ".h5")
                                        : std::filesystem::path(a.output);
  if (a.output.empty()) std::filesystem::create_directories(out.parent_path());
  if (!out.parent_path().empty() && !std::filesystem::is_directory(out.parent_path()))
    throw InputError({"--output", 0, 0},
                     "the directory '" + out.parent_path().string() + "' does not exist");
  check_memory(s);
  if (!a.quiet)
    std::cout << "airace " << kProgramVersion << ": scenario '" << s.info.name << "', "
              << s.info.start.iso() << " to " << s.info.end.iso() << ", " << s.run.replicates
              << " replicates, seed " << s.run.seed << "\n";

  std::atomic<std::size_t> days{0};
  const auto t0 = std::chrono::steady_clock::now();
  RunResult result;
  {
    ProgressBar bar(ensemble_days(s), days, !a.quiet && isatty(STDERR_FILENO));
    RunMetadata meta;
    meta.command_line = command_line;
    meta.created_utc = utc_now();
    result = run_ensemble(s, {0, &days}, std::move(meta));  // capped above
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.quiet) {
    std::printf("ran %lld replicates in %.2f s\n\n", static_cast<long long>(s.run.replicates),
                seconds);
    std::printf("Headline indicators at the last date, median [5%% .. 95%%] over replicates:\n%s\n",
                summarise_group(result, "indicators").c_str());
    std::printf("writing %s ...\n", out.string().c_str());
    std::fflush(stdout);
  }
  write_run_file(out, result);
  std::printf("wrote %s\n", out.string().c_str());
  return 0;
}

int command_check(const std::string& file, const std::vector<std::string>& sets) {
  const Scenario s = load_scenario(file, sets);
  std::printf(
      "%s: OK: scenario '%s', %s to %s, %zu countries, %zu chips, %zu producers, %zu labs, "
      "%zu clouds, %zu export rules, %lld replicates\n",
      file.c_str(), s.info.name.c_str(), s.info.start.iso().c_str(), s.info.end.iso().c_str(),
      s.countries.size(), s.chips.size(), s.producers.size(), s.labs.size(), s.clouds.size(),
      s.export_rules.size(), static_cast<long long>(s.run.replicates));
  return 0;
}

int command_describe(const std::string& key, bool markdown) {
  const std::vector<ParamInfo> found = find_parameters(key);
  if (found.empty()) {
    std::vector<std::string> keys;
    for (const ParamInfo& p : all_parameters()) keys.push_back(p.key);
    const std::string hint = did_you_mean(key, keys);
    Diagnostics diags;
    diags.error({"describe", 0, 0}, key, "no parameter matches",
                hint.empty() ? "run 'airace describe' for the full list" : hint);
    diags.throw_if_any();
  }
  std::cout << (markdown ? describe_markdown(found) : describe_text(found));
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{
      "airace: an agent-based simulator of the US-China AI race.\n"
      "Scenarios are YAML files (see docs/scenarios.md); results are HDF5 files of time series\n"
      "that h5py, pandas and xarray read directly. Plot one with: python3 scripts/plot.py FILE.h5",
      "airace"};
  app.set_version_flag("--version", std::string(kProgramVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  app.footer(
      "\nExamples:\n"
      "  airace run                                 run scenarios/baseline.yaml\n"
      "  airace run my.yaml -r 100 -o out.h5        100 replicates into out.h5\n"
      "  airace run --set labs.deepseek.efficiency_growth_per_year=4\n"
      "  airace check my.yaml                       find every error, run nothing\n"
      "  airace describe labs[]                     parameters of labs, with units\n"
      "\nExit status: 0 success, 2 bad input (nothing written), 1 internal error.");

  RunArgs run;
  CLI::App* run_cmd =
      app.add_subcommand("run", "Run a scenario and write an HDF5 file of its time series");
  run_cmd->add_option("scenario", run.scenario, "scenario file")->capture_default_str();
  run_cmd->add_option("-o,--output", run.output,
                      "output file (default: results/<scenario name>.h5)");
  run_cmd
      ->add_option("-r,--replicates", run.replicates,
                   "number of replicates (overrides run.replicates)")
      ->check(CLI::Range(1, static_cast<int>(kMaxReplicates)));
  run_cmd->add_option("--seed", run.seed, "random seed (overrides run.seed)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("-t,--threads", run.threads, "most threads to use (default: all cores)")
      ->check(CLI::Range(1, 4096));
  run_cmd
      ->add_option("--set", run.sets,
                   "override a scenario value, e.g. --set labs.deepseek.training_share=0.5 "
                   "(repeat for several)")
      ->allow_extra_args(false);
  run_cmd->add_flag("-q,--quiet", run.quiet, "print only the output path (for batch jobs)");

  std::string check_file;
  std::vector<std::string> check_sets;
  CLI::App* check_cmd = app.add_subcommand("check", "Validate a scenario without running it");
  check_cmd->add_option("scenario", check_file, "scenario file")->required();
  check_cmd->add_option("--set", check_sets, "override a scenario value (repeat for several)")
      ->allow_extra_args(false);

  std::string describe_key;
  bool markdown = false;
  CLI::App* describe_cmd = app.add_subcommand(
      "describe", "List scenario parameters with unit, default, range, meaning and source");
  describe_cmd->add_option("key", describe_key,
                           "show only keys containing this text, e.g. labs[] or seed");
  describe_cmd->add_flag("--markdown", markdown, "print a Markdown table");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitInput;
  }

  try {
    if (*run_cmd) return command_run(run, join_command_line(argc, argv));
    if (*check_cmd) return command_check(check_file, check_sets);
    if (*describe_cmd) return command_describe(describe_key, markdown);
  } catch (const InputError& e) {
    print_input_error(e);
    return kExitInput;
  } catch (const OutputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitInput;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace airace
