#include "agents/chips.hpp"

#include <algorithm>
#include <cmath>

namespace airace {

const Schema<ChipSpec>& chip_schema() {
  using C = ChipSpec;
  static const Schema<ChipSpec> schema(
      "chips[]",
      {
          text("id", &C::id, {"unique identifier used by labs and rules, e.g. H100", "", true}),
          text("name", &C::name, {"full product name"}),
          text("designer", &C::designer, {"company that designs the chip, e.g. Nvidia"}),
          text("fab", &C::fab, {"foundry that manufactures it, e.g. TSMC"}),
          reference("origin", &C::origin, "countries[]", {"country of the designer", "", true}),
          date("launch", &C::launch, {"date of first volume shipments"}),
          number("bf16_dense_tflops", &C::bf16_dense_tflops, "TFLOP/s", above(0),
                 {"dense BF16/FP16 throughput, without 2:4 sparsity", "vendor datasheets", true}),
          number("memory_gb", &C::memory_gb, "GB", at_least(0), {"on-package memory",
                  "vendor datasheets, per chip: its source field"}),
          number("memory_bandwidth_tbps", &C::memory_bandwidth_tbps, "TB/s", at_least(0),
                 {"memory bandwidth",
                  "vendor datasheets, per chip: its source field"}),
          number("interconnect_gbps", &C::interconnect_gbps, "GB/s", at_least(0),
                 {"bidirectional chip-to-chip bandwidth (NVLink or equivalent)",
                  "vendor datasheets, per chip: its source field"}),
          number("die_area_mm2", &C::die_area_mm2, "mm^2", at_least(0),
                 {"die area, for performance density; 0 when unknown",
                  "calibration/facts.md §1c"}),
          number("price_usd", &C::price_usd, "USD", at_least(0),
                 {"list price per chip; scarcity and the producer's unit cost move it during a run",
                  "calibration/facts.md §2a"}),
          reference("producer", &C::producer, "producers[]",
                    {"designer + fab pair that makes it; empty: not sold during the run (only "
                     "installed at the start)"}),
          number("capacity_per_chip", &C::capacity_per_chip, "chip starts", above(0),
                 {"units of the producer's capacity one chip takes (2 for a two-die package such "
                  "as the B200 or Ascend 910C)",
                  "per chip: its source field (calibration §2a)"}),
          number("hbm_stacks", &C::hbm_stacks, "stacks", at_least(0),
                 {"high-bandwidth memory stacks in one chip; when above 0 the producer makes the "
                  "chip only from HBM it holds (memory_makers[], docs/model.md §3.3.1 HBM); 0: its "
                  "memory is not tracked",
                  "per chip: its source field (910B 4 x 16 GB HBM2e, 910C 8; calibration §2a)"}),
          number("node_nm", &C::node_nm, "nm", at_least(0),
                 {"process node the chip needs; the producer makes it only once its own node is "
                  "this small (0: any node)",
                  "per chip: its source field"}),
          date("end_of_sale", &C::end_of_sale, {"last day the chip is sold"}),
          reference_list("offered_to", &C::offered_to, "countries[] or an export tier",
                         {"where the designer sells it (country ids or tiers us, ally, china, "
                          "rest); empty: everywhere. China variants such as the H20 list [china]"}),
          text("source", &C::source, {"where the figures come from"}),
      });
  return schema;
}

double total_processing_performance(const ChipSpec& c) { return c.bf16_dense_tflops * 16.0; }

double performance_density(const ChipSpec& c) {
  return c.die_area_mm2 > 0.0 ? total_processing_performance(c) / c.die_area_mm2 : 0.0;
}

double h100_equivalents(const ChipSpec& c) { return c.bf16_dense_tflops / kH100DenseBf16Tflops; }

double training_h100e(const ChipSpec& c, double interconnect_exponent) {
  const double link = std::min(1.0, c.interconnect_gbps / kH100InterconnectGbps);
  return h100_equivalents(c) * std::pow(link, interconnect_exponent);
}

double inference_h100e(const ChipSpec& c) {
  return c.memory_bandwidth_tbps / kH100MemoryBandwidthTbps;
}

const std::vector<std::string>& chip_metric_names() {
  static const std::vector<std::string> names = {
      "tpp",          "performance_density",   "interconnect_gbps", "memory_bandwidth_tbps",
      "memory_gb",    "bf16_dense_tflops",     "h100e",             "die_area_mm2",
      "price_usd"};
  return names;
}

std::vector<double> chip_metrics(const ChipSpec& c) {
  return {total_processing_performance(c),
          performance_density(c),
          c.interconnect_gbps,
          c.memory_bandwidth_tbps,
          c.memory_gb,
          c.bf16_dense_tflops,
          h100_equivalents(c),
          c.die_area_mm2,
          c.price_usd};
}

void validate_chips(const std::vector<ChipSpec>& chips, const std::vector<std::string>& country_ids,
                    Diagnostics& diags) {
  for (const ChipSpec& c : chips)
    if (!c.origin.id.empty())
      resolve_reference(c.origin, "chips[" + c.id + "].origin", country_ids, "country", diags);
}

}  // namespace airace
