// Benchmark of the adoption hot loop: ns per adopter-tick on 1..N threads and memory per adopter.
// Usage: bench_adoption [ADOPTERS] [MODELS_PER_KIND] [PEERS] [TICKS] [MAX_THREADS]
// Wall-clock times, and the processor time of all threads, which a shared machine's other
// processes do not inflate.
// Defaults: 1,000,000 adopters, 10 labs (20 model options + "no model"), 8 peers, 12 monthly
// ticks. Two cases: every adopter reconsidering at every tick (the costly case), and the
// baseline's revision rate (4 a year: 0.28 of the adopters reconsider in a 30-day tick). The
// choice kernel's builds for each instruction set are timed too, with digests that must agree.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "agents/adoption.hpp"
#include "sim/core/fnv1a.hpp"

using namespace airace;

namespace {

struct Bench {
  AdoptionSetup setup;
  Population population;
  Offer offer;
};

Bench make(int64_t adopters, std::size_t labs, int64_t peers, double revision_rate) {
  const std::vector<std::string> countries{"US", "CN", "EU", "IN", "AE", "SG", "BR", "NG", "JP"};
  const std::vector<std::string> sectors{"education", "healthcare", "manufacturing",
                                         "finance",   "government", "consumer"};
  AdoptionModelParams params;
  params.adopters = adopters;
  params.peers_per_adopter = peers;
  params.revision_rate_per_year = revision_rate;
  std::vector<SectorSpec> sector_specs;
  for (std::size_t j = 0; j < sectors.size(); ++j) {
    SectorSpec x;
    x.id = sectors[j];
    x.usage_mtokens_per_year = 1.0 + static_cast<double>(j);
    x.capability_need = 23.5 + 0.2 * static_cast<double>(j);
    x.local_need = 0.2 * static_cast<double>(j);
    sector_specs.push_back(x);
  }
  std::vector<PopulationSpec> populations;
  for (const std::string& c : countries) {
    PopulationSpec p;
    p.id = c;
    p.country = {c, {}};
    p.adopting_units = 1e7;
    for (const std::string& j : sectors) p.sectors.push_back({{j, {}}, 1.0 / 6.0});
    p.trust = {{{"US", {}}, c == "CN" ? -1.0 : 0.5}, {{"CN", {}}, c == "CN" ? 1.0 : -0.5}};
    p.censorship_aversion = c == "CN" ? 0.0 : 1.0;
    populations.push_back(p);
  }
  std::vector<std::size_t> lab_country;
  for (std::size_t l = 0; l < labs; ++l) lab_country.push_back(l % 2);  // US and CN labs
  Diagnostics diags;
  Bench b;
  b.setup = resolve_adoption(params, sector_specs, populations, countries, lab_country, diags);
  diags.throw_if_any();
  b.population = generate_population(b.setup, {1, 0, Stream::test});
  std::vector<double> cap(labs), flop(labs);
  for (std::size_t l = 0; l < labs; ++l) {
    cap[l] = 24.0 + 0.1 * static_cast<double>(l);
    flop[l] = std::pow(10.0, cap[l] - 0.3);
  }
  const std::vector<double> chip_usd(countries.size(), 6000.0);
  const std::vector<double> efficiency(labs, 2.0);
  b.offer = build_offer(b.setup, {cap, flop, efficiency, cap, flop, efficiency}, chip_usd, 0.1);
  return b;
}

// Processor time of the whole process (every thread), in seconds: unlike the wall clock, it
// does not count the time other processes of a shared machine hold the cores.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Seconds per tick, the best of `ticks` ticks (wall clock; `cpu`: processor time of all
// threads, also the best); `checksum` gets a digest of the final choices.
double seconds_per_tick(const Bench& b, int threads, int ticks, uint64_t& checksum,
                        double* cpu = nullptr) {
  oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  AdoptionState state = initial_adoption_state(b.setup, {1, 0, Stream::test});
  AdoptionWorkspace work;
  Date previous = Date::from_ymd(2024, 1, 1);
  double best = 1e300, best_cpu = 1e300;
  for (int t = 0; t < ticks; ++t) {
    const Date date = previous.plus_days(30);
    const Tick tick{date, previous, static_cast<std::size_t>(t), 30.0 / 365.25};
    const double c0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    step_adoption(b.setup, b.population, b.offer, state, tick, {1, 0, Stream::test}, work);
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    best_cpu = std::min(best_cpu, process_cpu_seconds() - c0);
    previous = date;
  }
  if (cpu != nullptr) *cpu = best_cpu;
  // The basis the digests printed so far were started from, so that they stay comparable.
  checksum = fnv1a64({reinterpret_cast<const char*>(state.choice.data()), state.choice.size()},
                     kSweepFileFnvBasis);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t adopters = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  const auto labs = static_cast<std::size_t>(argc > 2 ? std::atoi(argv[2]) : 10);
  const int64_t peers = argc > 3 ? std::atoll(argv[3]) : 8;
  const int ticks = argc > 4 ? std::atoi(argv[4]) : 12;
  const int max_threads = argc > 5 ? std::atoi(argv[5]) : tbb::info::default_concurrency();
  try {
    std::vector<int> counts;
    for (int t = 1; t < max_threads; t *= 2) counts.push_back(t);
    counts.push_back(max_threads);
    // One population at a time, so that peak memory is that of one simulation.
    std::vector<double> all(counts.size()), some(counts.size());
    std::vector<double> all_cpu(counts.size()), some_cpu(counts.size());
    std::vector<uint64_t> digest(counts.size()), digest_usual(counts.size());
    double n = 0.0;
    {
      const auto t0 = std::chrono::steady_clock::now();
      const Bench every = make(adopters, labs, peers, 1e9);  // p(revise) = 1 each tick
      const double generate =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      n = static_cast<double>(every.setup.n_adopters);
      // + two choice buffers (1 byte each), next revisions (4) and the queue (4)
      const double bytes = static_cast<double>(every.population.bytes()) + 10.0 * n;
      std::printf(
          "adopters %.0f, options %zu (%zu labs x closed/open + none), peers %lld, "
          "segments %zu, %d ticks (best tick timed)\n",
          n, every.setup.n_options, labs, static_cast<long long>(peers), every.setup.n_segments,
          ticks);
      std::printf("population + network generated in %.2f s (%.0f ns per adopter)\n", generate,
                  1e9 * generate / n);
      std::printf("memory: %.1f bytes per adopter (population, network, choices, revisions), %.0f MiB\n",
                  bytes / n, bytes / (1024.0 * 1024.0));
      for (std::size_t i = 0; i < counts.size(); ++i)
        all[i] = seconds_per_tick(every, counts[i], ticks, digest[i], &all_cpu[i]);
      // Each instruction-set build of the choice kernel, one thread: the digests must agree.
      std::printf("choice kernel  ns/adopter-tick (all reconsider, 1 thread)  digest of choices\n");
      for (ChoiceKernel k : choice_kernels_available()) {
        force_choice_kernel(k);
        uint64_t d = 0;
        const double t = seconds_per_tick(every, 1, ticks, d);
        std::printf("%13s  %40.1f  %016llx\n", choice_kernel_name(k), 1e9 * t / n,
                    static_cast<unsigned long long>(d));
      }
      force_choice_kernel(std::nullopt);
    }
    {
      const Bench usual = make(adopters, labs, peers, 4.0);
      for (std::size_t i = 0; i < counts.size(); ++i)
        some[i] = seconds_per_tick(usual, counts[i], ticks, digest_usual[i], &some_cpu[i]);
    }
    std::printf(
        "threads  ns/adopter-tick (all reconsider)  speed-up  ns/adopter-tick (rate 4/yr)"
        "  digest of choices\n");
    for (std::size_t i = 0; i < counts.size(); ++i)
      std::printf("%7d  %32.1f  %8.2f  %26.1f  %016llx %016llx\n", counts[i], 1e9 * all[i] / n,
                  all[0] / all[i], 1e9 * some[i] / n, static_cast<unsigned long long>(digest[i]),
                  static_cast<unsigned long long>(digest_usual[i]));
    // On a shared machine the wall clock counts other processes' turns; processor time does not
    // (for one thread it is the time the step itself ran).
    std::printf("threads  CPU ns/adopter-tick, all threads (all reconsider)  (rate 4/yr)\n");
    for (std::size_t i = 0; i < counts.size(); ++i)
      std::printf("%7d  %49.1f  %11.1f\n", counts[i], 1e9 * all_cpu[i] / n,
                  1e9 * some_cpu[i] / n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_adoption: %s\n", e.what());
    return 2;
  }
  return 0;
}
