#pragma once
// The adaptive rule of the governments tests: tests/agents/governments_test.cpp reads it with the
// mechanism's own schema, tests/sim/model/governments_model_test.cpp runs it in a Simulation.
#include <string>
#include <vector>

namespace airace::testing {

inline const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

// small.yaml with a third country and an adaptive export rule: the US bans the A100 and H100 for
// the rest of the world when its condition holds.
inline const std::vector<std::string> kAdaptive = {
    "countries=[{id: US, tier: us}, {id: CN, tier: china}, {id: SG, tier: rest}]",
    "export_rules=[{id: rule_2022, announced: 2022-10-07, effective: 2022-10-07, covers: 'tpp >= "
    "4800 and interconnect_gbps >= 600', destinations: [{to: china}]}, {id: tighten, adaptive: "
    "true, covers: 'tpp >= 4800', destinations: [{to: rest, treatment: banned}]}]",
};

// The overrides that add an adaptive rule announcing `tighten` when `when` holds.
inline std::vector<std::string> with_adaptive_rule(const std::string& when, double lag_days) {
  std::vector<std::string> sets = kAdaptive;
  sets.push_back("us_government.adaptive_rules=[{id: close_gap, when: '" + when +
                 "', lag_days: " + std::to_string(lag_days) + ", announces: tighten}]");
  return sets;
}

}  // namespace airace::testing
