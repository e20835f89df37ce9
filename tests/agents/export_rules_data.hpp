#pragma once
// The rule set of the export-rules tests: tests/agents/export_rules_test.cpp reads it with the
// mechanism's own schema, tests/sim/model/export_rules_model_test.cpp as a whole scenario.
#include <string>

namespace airace::testing {

// Nvidia's chips and their China variants with the figures of calibration/facts.md §1c, and the
// 2022-10 and 2023-10 rules as the baseline writes them.
inline const std::string kRules = R"(
scenario: {name: rules, start: 2022-01-01, end: 2026-12-31}
countries:
  - {id: US, tier: us}
  - {id: CN, tier: china}
  - {id: SG, tier: rest}
  - {id: JP, tier: ally}
chips:
  - {id: A100, origin: US, bf16_dense_tflops: 312, interconnect_gbps: 600, die_area_mm2: 826}
  - {id: A800, origin: US, bf16_dense_tflops: 312, interconnect_gbps: 400, die_area_mm2: 826}
  - {id: H100, origin: US, bf16_dense_tflops: 989, interconnect_gbps: 900, die_area_mm2: 814}
  - {id: H800, origin: US, bf16_dense_tflops: 989, interconnect_gbps: 400, die_area_mm2: 814}
  - {id: H20, origin: US, bf16_dense_tflops: 148, interconnect_gbps: 900, die_area_mm2: 814,
     memory_bandwidth_tbps: 4.0}
  - {id: Ascend910B, origin: CN, bf16_dense_tflops: 320, interconnect_gbps: 392}
export_rules:
  - id: r2022
    announced: 2022-10-07
    effective: 2022-10-07
    covers: tpp >= 4800 and interconnect_gbps >= 600
    destinations: [{to: china, treatment: banned}]
  - id: r2023
    announced: 2023-10-17
    effective: 2023-11-17
    covers: tpp >= 4800 or (tpp >= 1600 and performance_density >= 5.92)
    destinations:
      - {to: china, treatment: banned}
      - {to: rest, treatment: licence, approval_rate: 0.8}
      - {to: SG, treatment: licence, approval_rate: 0.5}
  - id: h20_2025
    announced: 2025-04-09
    effective: 2025-04-09
    covers: memory_bandwidth_tbps >= 4 and tpp < 4800
    destinations: [{to: china, treatment: licence}]
  - id: h20_licences
    announced: 2025-08-08
    effective: 2025-08-08
    covers: memory_bandwidth_tbps >= 4 and tpp < 4800
    destinations: [{to: china, treatment: licence, approval_rate: 0.6}]
    supersedes: [h20_2025]
  - id: diffusion
    announced: 2025-01-13
    effective: 2025-01-13
    ends: 2025-05-13
    covers: tpp >= 4800
    destinations: [{to: rest, treatment: allowed, cap_h100e: 1000}]
)";

}  // namespace airace::testing
