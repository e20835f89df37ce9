#pragma once
// Running a sweep plan: each run is one Simulation replicate of the base scenario with its
// point's overrides, reduced to the plan's metrics (and kept series). Runs execute in parallel
// (oneTBB); finished runs are committed to a BatchStore in batches, so a killed sweep resumes
// where its last batch ended. A shard (I of N) takes the runs with run % N == I; a run's result
// depends only on its index, never on the shard, rank or thread that computed it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "output/sweep_file.hpp"
#include "sim/runner/sweep_plan.hpp"

namespace airace {

struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  bool contains(uint64_t run) const { return run % count == index; }
};

// "I/N" with 0 <= I < N; nullopt when malformed.
std::optional<Shard> parse_shard(const std::string& text);

// One run, start to finish. A run whose scenario does not load, or that fails, is returned with
// status failed and the reason; it never throws for that.
RunRecord run_one(const SweepPlan& plan, uint64_t run);

struct RunnerOptions {
  Shard shard;
  std::size_t batch_runs = 64;  // commit a batch when this many runs have finished ...
  double batch_seconds = 60.0;  // ... or when the oldest unsaved run is this old
  std::atomic<std::size_t>* runs_done = nullptr;  // incremented per finished run; may be null
  const std::atomic<bool>* stop = nullptr;        // set: start no new run; may be null
};

struct RunnerReport {
  std::size_t shard_runs = 0;        // runs in this shard
  std::size_t resumed = 0;           // found already done in the store
  std::size_t computed = 0;          // done by this call
  std::vector<std::string> dropped;  // damaged batches found and discarded
  bool interrupted = false;          // stopped before every run of the shard was done
  std::vector<RunRecord> records;    // every finished run of the shard
};

// The runs of the shard not yet in the store, then each batch committed as it fills.
// `on_resume` is called once the store has been read, before any run starts.
RunnerReport run_sweep(const SweepPlan& plan, BatchStore& store, const RunnerOptions& options,
                       const std::function<void(const RunnerReport&)>& on_resume = {});

// An empty table for the plan (every run not run), with its metadata.
SweepTable sweep_table(const SweepPlan& plan, const Shard& shard, const std::string& command_line,
                       const std::string& created_utc);
// Puts finished runs into the table, by run index.
void fill_table(SweepTable& table, const std::vector<RunRecord>& records);

// Joins part files (path, contents). Throws InputError naming the part when parts come from
// different sweep definitions or program versions, or shards are missing or repeated.
SweepTable merge_parts(const std::vector<std::pair<std::string, SweepTable>>& parts,
                       const std::string& command_line, const std::string& created_utc);

}  // namespace airace
