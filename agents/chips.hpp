#pragma once
// The chip catalogue: AI accelerators with the figures the model and the export-control
// metrics need. docs/model.md §"Chips" lists the parameters and their sources.

#include <string>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/diagnostics.hpp"
#include "sim/core/params.hpp"

namespace airace {

// Nvidia H100 SXM dense BF16 throughput, the unit of H100-equivalents (H100e).
// NVIDIA H100 datasheet: 989 TFLOP/s dense BF16 (calibration/facts.md §2a).
inline constexpr double kH100DenseBf16Tflops = 989.0;

struct ChipSpec {
  std::string id;
  std::string name;
  std::string designer;
  std::string fab;
  EntityRef origin;                          // country id of the designer
  Date launch = Date::from_ymd(2020, 1, 1);  // first volume shipments
  double bf16_dense_tflops = 0.0;            // TFLOP/s, dense (no sparsity)
  double memory_gb = 0.0;                    // GB of on-package memory
  double memory_bandwidth_tbps = 0.0;        // TB/s
  double interconnect_gbps = 0.0;            // GB/s, bidirectional chip-to-chip
  double die_area_mm2 = 0.0;                 // mm², for performance density; 0 = unknown
  double price_usd = 0.0;                    // USD per chip at scenario prices (list price)
  EntityRef producer;                        // producers[] entry that makes it; "" = not sold
  double capacity_per_chip = 1.0;            // chip starts of the producer's capacity per chip
  double hbm_stacks = 0.0;                   // HBM stacks per chip; 0 = memory supply not tracked
  double node_nm = 0.0;                      // process node it needs, nm; 0 = any
  Date end_of_sale = Date::from_ymd(9999, 12, 31);  // last day it is sold
  std::vector<EntityRef> offered_to;         // countries or export tiers it is sold to; [] = all
  std::string source;
  SourceLocation where;
};

const Schema<ChipSpec>& chip_schema();

// Total Processing Performance as in ECCN 3A090: 2 × MacTOPS × bit length, which for a dense
// 16-bit figure is TFLOP/s × 16 (BIS 2022-10-07 IFR, 87 FR 62186).
double total_processing_performance(const ChipSpec& c);
// TPP per mm² of die area; 0 when the die area is unknown.
double performance_density(const ChipSpec& c);
// H100-equivalents per chip: dense BF16 throughput relative to an H100 SXM.
double h100_equivalents(const ChipSpec& c);

// H100 SXM reference figures for the training and inference equivalents (NVIDIA datasheet).
inline constexpr double kH100InterconnectGbps = 900.0;
inline constexpr double kH100MemoryBandwidthTbps = 3.35;

// docs/model.md §"Chips": worth for training, in H100e per chip. Chips with less chip-to-chip
// bandwidth than an H100 scale worse across a cluster: h · min(1, I / 900)^exponent.
double training_h100e(const ChipSpec& c, double interconnect_exponent);
// Worth for inference (decoding is memory-bound), in H100e per chip: memory bandwidth / 3.35 TB/s.
double inference_h100e(const ChipSpec& c);

// The chip metrics an export rule's `covers` condition may test, and their values for a chip
// (in the same order).
const std::vector<std::string>& chip_metric_names();
std::vector<double> chip_metrics(const ChipSpec& c);

// Cross-references: every chip's origin names a known country.
void validate_chips(const std::vector<ChipSpec>& chips, const std::vector<std::string>& country_ids,
                    Diagnostics& diags);

}  // namespace airace
