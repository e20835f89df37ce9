// Benchmark of the baseline scenario: cost per replicate and per agent-step, and the speed-up of
// the replicate-parallel ensemble. Usage: bench_baseline [SCENARIO] [REPLICATES] [MAX_THREADS]
#include <oneapi/tbb/info.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/runner/ensemble.hpp"

using namespace airace;

namespace {
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
