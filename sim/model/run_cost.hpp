#pragma once
// What a run will cost, estimated before anything is allocated, and the limits that refuse a
// run too large to finish (docs/scenarios.md §"Limits"). The estimates count what dominates:
// the recorded series, the adopters and the agent-steps; they are meant to be right within a
// factor of two, which is enough to tell a typo (10^12 adopters, an end date in the year 9999)
// from a large run.

#include <cstddef>
#include <string>
#include <string_view>

#include "sim/core/config_tree.hpp"
#include "sim/core/diagnostics.hpp"
#include "sim/model/scenario.hpp"

namespace airace {

// Memory of one adopter (agents/adoption.hpp, Population and AdoptionState): a segment (2
// bytes), nine preferences (4 bytes each), a CSR offset (4), two choice buffers (1 each), its
// next revision (4) and its place in the queue of those reconsidering (4); plus 4 bytes per
// peer link. bench_adoption measures 84 bytes with 8 peers.
inline constexpr double kAdopterBytes = 52.0;
inline constexpr double kPeerLinkBytes = 4.0;
// Time of one agent-step on one core: an adopter in an adoption tick, a buyer in a supply tick,
// a lab in a research tick or a firm on a trading day. ~80 ns is bench_adoption's figure for an
// adopter-tick, the step that dominates every scenario with an adoption model.
inline constexpr double kSecondsPerAgentStep = 80e-9;
// The share of the machine's physical memory a command may plan to use.
inline constexpr double kMemoryShare = 0.75;

// The cost of one replicate of a validated scenario.
struct RunCost {
  double series_bytes = 0.0;      // its recorded series: ticks x entities x 8 bytes each
  double population_bytes = 0.0;  // its adopters and their peer links, while it runs
  double agent_steps = 0.0;       // adopter-ticks + buyer-ticks + lab-ticks + firm-days
  double adoption_ticks = 0.0;    // ticks of the adoption model over the horizon
  double seconds() const { return agent_steps * kSecondsPerAgentStep; }
};
RunCost run_cost(const Scenario& s);

// kMemoryShare of the machine's physical memory (sysconf); 0 when it cannot be told.
double memory_limit_bytes();
// The physical memory the limit is a share of, in bytes; 0 when unknown.
double physical_memory_bytes();

// "3.1 TB", "760 MB" (decimal units); "2.6 years", "4.1 hours", "12 s"; "1,000,000".
std::string bytes_text(double bytes);
std::string duration_text(double seconds);
std::string grouped_number(double n);
// "the limit is 17 GB, 3/4 of this machine's 23 GB of memory"
std::string memory_limit_text();

// Where the value of a dotted key path ("scenario.end") is written in a tree, for messages
// about a key that a check outside the schema finds wrong; `fallback` when it is not there.
SourceLocation value_location(const ConfigNode& tree, std::string_view key_path,
                              const SourceLocation& fallback);

// The hard limits on a scenario's size (kMaxAdopters, kMaxHorizonYears), each refused at its
// key with the memory and time it would need. Run by scenario_from_tree once everything else
// is valid: the estimate needs a whole scenario.
void check_scenario_limits(const Scenario& s, const ConfigNode& tree, Diagnostics& diags);

// Refuses an ensemble (s.run.replicates replicates, at most `threads` running at once) that
// would not fit in memory_limit_bytes(): at scenario.end when one replicate's series alone do
// not fit, at adoption_model.adopters when the adopters of the replicates running at once do
// not, else at run.replicates. The message gives the estimate of memory and time.
void check_ensemble_size(const Scenario& s, std::size_t threads, Diagnostics& diags);

}  // namespace airace
