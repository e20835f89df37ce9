#pragma once
// The world snapshot: what crosses mechanisms, and nothing else (docs/architecture.md). Each
// part has one writing module; the others read it through their steps' declared reads (the
// engine orders a day's steps from them, sim/core/module.hpp). A module's own working state
// (scratch arrays, accumulators, random workspaces) stays in the module.

#include <vector>

#include "agents/adoption.hpp"
#include "agents/clouds.hpp"
#include "agents/export_rules.hpp"
#include "agents/governments.hpp"
#include "agents/labs.hpp"
#include "agents/safety.hpp"
#include "agents/supply.hpp"
#include "agents/talent.hpp"
#include "sim/core/random.hpp"
#include "sim/core/start_cache.hpp"

namespace airace {

// The parts' names, as steps declare them.
namespace part {
inline constexpr const char* governments = "governments";  // lever changes, export rules' dates
inline constexpr const char* indicators = "indicators";    // world indicators, last published
inline constexpr const char* trade = "trade";              // what the rules allow; supply policy
inline constexpr const char* supply = "supply";            // chips made, sold, installed
inline constexpr const char* labs = "labs";                // labs' money, research, models
inline constexpr const char* talent = "talent";            // research staff per lab, moves
inline constexpr const char* releases = "releases";        // every release so far
inline constexpr const char* adoption = "adoption";        // the offer and who uses what
inline constexpr const char* clouds = "clouds";            // clouds' demand-driven spending
inline constexpr const char* safety = "safety";            // safety effort, rules, incidents
}  // namespace part

struct World {
  // governments
  GovernmentState governments;
  // indicators: world_indicator_names(), as last published (NaN before the first time)
  std::vector<double> indicators;
  // trade
  TradePolicy trade;
  SupplyPolicy supply_policy;  // its `trade` points at `trade` above
  // supply
  SupplyState supply;
  // labs
  LabState labs;
  // talent: talent.researchers[lab] is each lab's research staff (FTE)
  TalentState talent;
  // releases, in the order they happened
  std::vector<Release> releases;
  // adoption
  Offer offer;
  AdoptionOutcome adoption;
  // clouds (after the historical period)
  CloudSpending clouds;
  // safety: each lab's effort, the rules binding it, incidents (a scenario with `safety:`)
  SafetyState safety;
};

// What every module knows of the run it belongs to.
struct RunContext {
  uint64_t seed = 0;
  uint32_t replicate = 0;
  Date start;
  // Shared with other runs of the same scenario and seed (sim/core/start_cache.hpp); null in
  // a run of its own.
  StartCache* start_cache = nullptr;
  StreamKey key(Stream stream) const { return {seed, replicate, stream}; }
};

}  // namespace airace
