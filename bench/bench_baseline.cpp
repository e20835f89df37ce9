// Benchmark of the baseline scenario: cost per replicate and per agent-step, the speed-up of
// the replicate-parallel ensemble, and the share of time in each phase (each module's steps, the
// rest of the ensemble, and writing the HDF5 file), and the time to write the file on one thread
// and on all. Usage: bench_baseline [SCENARIO] [REPLICATES] [MAX_THREADS]
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "output/h5_writer.hpp"
#include "sim/runner/ensemble.hpp"

using namespace airace;

namespace {

// Seconds spent in each module's steps ("adoption.choose" counts for "adoption"), kept per
// thread so that timing adds no contention, and summed at the end.
struct PhaseSeconds {
  std::map<std::string, double> by_module;
};
std::mutex phase_registry_mutex;
std::vector<std::unique_ptr<PhaseSeconds>> phase_registry;

void record_phase(const std::string& process, double seconds) {
  thread_local PhaseSeconds* mine = nullptr;
  if (mine == nullptr) {
    const std::lock_guard<std::mutex> lock(phase_registry_mutex);
    phase_registry.push_back(std::make_unique<PhaseSeconds>());
    mine = phase_registry.back().get();
  }
  mine->by_module[process.substr(0, process.find('.'))] += seconds;
}

// One run on one thread (so that wall time is CPU time), timed by module, then the file written.
void print_phases(const Scenario& s) {
  const oneapi::tbb::global_control one(oneapi::tbb::global_control::max_allowed_parallelism, 1);
  phase_registry.clear();
  set_process_timer(&record_phase);
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = run_ensemble(s, {1, nullptr}, {});
  const double run = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  set_process_timer(nullptr);
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "bench_baseline_phases.h5";
  const auto t1 = std::chrono::steady_clock::now();
  write_run_file(file, r);
  const double write = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const auto bytes = static_cast<double>(std::filesystem::file_size(file));
  std::filesystem::remove(file);

  std::map<std::string, double> seconds;
  for (const auto& p : phase_registry)
    for (const auto& [module, t] : p->by_module) seconds[module] += t;
  double steps = 0.0;
  for (const auto& [module, t] : seconds) steps += t;
  const double total = run + write;
  std::printf("phases, one thread (%.3f s in all; file %.1f MiB):\n", total,
              bytes / (1024.0 * 1024.0));
  std::printf("%-28s  seconds  share\n", "phase");
  for (const auto& [module, t] : seconds)
    std::printf("%-28s  %7.3f  %4.1f%%\n", module.c_str(), t, 100.0 * t / total);
  std::printf("%-28s  %7.3f  %4.1f%%\n", "other (set-up, series)", run - steps,
              100.0 * (run - steps) / total);
  std::printf("%-28s  %7.3f  %4.1f%%\n", "writing (HDF5, compression)", write,
              100.0 * write / total);
}

// Writing the file of `r` on 1 thread and on `max_threads` (compression on every thread while
// one makes the HDF5 calls): best of three each.
void print_writing(const RunResult& r, int max_threads) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "bench_baseline_writing.h5";
  auto best_of_three = [&](int threads) {
    const oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                          static_cast<std::size_t>(threads));
    double best = 1e300;
    for (int i = 0; i < 3; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      write_run_file(file, r);
      best = std::min(best,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  };
  const double one = best_of_three(1);
  const double all = best_of_three(max_threads);
  std::filesystem::remove(file);
  std::printf("writing the file: %.3f s on 1 thread, %.3f s on %d (%.2fx)\n", one, all, max_threads,
              one / all);
}
double seconds_for(const Scenario& s, int threads, int repeats) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = run_ensemble(s, {threads, nullptr}, {});
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, t);
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : "scenarios/baseline.yaml";
  const int replicates = argc > 2 ? std::atoi(argv[2]) : 200;
  const int max_threads = argc > 3 ? std::atoi(argv[3]) : tbb::info::default_concurrency();
  try {
    const Scenario s = load_scenario(file, {"run.replicates=" + std::to_string(replicates)});
    const auto labs = static_cast<double>(s.labs.size());
    const auto buyers = static_cast<double>(s.supply_setup.n_buyers);
    const auto supply_ticks =
        static_cast<double>(tick_dates(s.schedule.supply, s.info.start, s.info.end).size());
    const auto lab_ticks =
        static_cast<double>(tick_dates(s.schedule.labs, s.info.start, s.info.end).size());
    const double adopters = static_cast<double>(s.adoption_setup.n_adopters);
    const auto adoption_ticks =
        static_cast<double>(tick_dates(s.schedule.adoption, s.info.start, s.info.end).size());
    const double firms = static_cast<double>(s.markets_setup.n_firms);
    const auto market_ticks =
        static_cast<double>(tick_dates(s.schedule.markets, s.info.start, s.info.end).size());
    // An agent-step: one buyer in one supply tick (its choice, allocation and fleet), one lab in
    // one research tick, one adopter in one adoption tick, or one firm on one trading day.
    const double agent_steps = buyers * supply_ticks + labs * lab_ticks +
                               adopters * adoption_ticks + firms * market_ticks;  // per replicate

    std::printf(
        "scenario %s: %zu labs, %zu clouds, %zu chips, %zu producers, %zu rules, %s to %s, "
        "%d replicates\n",
        file.c_str(), s.labs.size(), s.clouds.size(), s.chips.size(), s.producers.size(),
        s.export_rules.size(), s.info.start.iso().c_str(), s.info.end.iso().c_str(), replicates);
    std::printf(
        "agent-steps per replicate: %.0f (%.0f supply ticks x %.0f buyers + %.0f research "
        "ticks x %.0f labs + %.0f adoption ticks x %.0f adopters + %.0f trading days x %.0f "
        "firms)\n",
        agent_steps, supply_ticks, buyers, lab_ticks, labs, adoption_ticks, adopters, market_ticks,
        firms);
    const double t1 = seconds_for(s, 1, 3);
    std::printf("threads  seconds  ms/replicate  ns/agent-step  speed-up\n");
    std::vector<int> counts;
    for (int threads = 1; threads < max_threads; threads *= 2) counts.push_back(threads);
    counts.push_back(max_threads);
    for (int threads : counts) {
      const double t = threads == 1 ? t1 : seconds_for(s, threads, 3);
      std::printf("%7d  %7.3f  %12.3f  %13.1f  %8.2f\n", threads, t, 1e3 * t / replicates,
                  1e9 * t / (replicates * agent_steps), t1 / t);
    }
    print_phases(s);
    print_writing(run_ensemble(s, {max_threads, nullptr}, {}), max_threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
