// Throughput of a sweep, and the overhead of the sweep machinery (metrics, batches saved for
// resuming, the progress counter, the final HDF5 file) over the same runs done bare: each run's
// scenario built from the base tree with its point's overrides, simulated to the end, dropped.
// Usage: bench_sweep SWEEP.yaml [THREADS] [SHARDS]   (SHARDS > 1: time slice 0 of SHARDS only)
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "sim/core/parallel.hpp"
#include "sim/model/model.hpp"
#include "sim/runner/sweep_runner.hpp"

using namespace airace;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_sweep SWEEP.yaml [THREADS] [SHARDS]\n");
    return 2;
  }
  const int threads = argc > 2 ? std::atoi(argv[2]) : tbb::info::default_concurrency();
  const std::size_t shards = argc > 3 ? static_cast<std::size_t>(std::atoll(argv[3])) : 1;
  const oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                        static_cast<std::size_t>(threads));
  try {
    const SweepPlan plan = load_sweep(argv[1]);
    const Shard shard{0, shards};
    std::vector<uint64_t> runs;
    for (uint64_t r = 0; r < plan.runs(); ++r)
      if (shard.contains(r)) runs.push_back(r);
    std::printf("sweep %s: %zu of %zu runs, %d threads, base %s (%s to %s)\n", argv[1], runs.size(),
                plan.runs(), threads, plan.base_file.c_str(), plan.base.info.start.iso().c_str(),
                plan.base.info.end.iso().c_str());

    // Untimed warm-up (allocator, caches, clock speed), so that neither timed phase pays it.
    const auto bare_runs = [&](std::size_t count) {
      parallel_for_each_index(count, 1, [&](std::size_t i) {
        const std::size_t point = runs[i] / plan.replicates;
        ConfigNode tree = plan.base_tree;
        Diagnostics diags;
        for (const std::string& o : point_overrides(plan, point)) apply_override(tree, o, diags);
        const Scenario s = scenario_from_tree(std::move(tree), plan.base_file.string());
        const SeriesCatalog catalog = build_catalog(s);
        Simulation sim(s, catalog, static_cast<uint32_t>(runs[i] % plan.replicates));
        sim.run_to_end();
      });
    };
    bare_runs(std::min<std::size_t>(runs.size(), 50));
    auto t0 = std::chrono::steady_clock::now();
    bare_runs(runs.size());
    const double bare =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("bench_sweep_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    t0 = std::chrono::steady_clock::now();
    {
      BatchStore store(dir / "out.h5.partial", plan.hash);
      std::atomic<std::size_t> done{0};
      RunnerOptions options;
      options.shard = shard;
      options.runs_done = &done;
      const RunnerReport report = run_sweep(plan, store, options);
      SweepTable table = sweep_table(plan, shard, "bench_sweep", "");
      fill_table(table, report.records);
      write_sweep_file(dir / "out.h5", table);
    }
    const double swept =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::filesystem::remove_all(dir);
    const auto n = static_cast<double>(runs.size());
    std::printf("bare runs:        %8.2f s  %8.2f runs/s\n", bare, n / bare);
    std::printf("airace sweep:     %8.2f s  %8.2f runs/s\n", swept, n / swept);
    std::printf("overhead:         %+7.2f %%\n", 100.0 * (swept - bare) / bare);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
