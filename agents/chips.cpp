#include "agents/chips.hpp"

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
          number("memory_gb", &C::memory_gb, "GB", at_least(0), {"on-package memory"}),
          number("memory_bandwidth_tbps", &C::memory_bandwidth_tbps, "TB/s", at_least(0),
                 {"memory bandwidth"}),
          number("interconnect_gbps", &C::interconnect_gbps, "GB/s", at_least(0),
                 {"bidirectional chip-to-chip bandwidth (NVLink or equivalent)"}),
          number("die_area_mm2", &C::die_area_mm2, "mm^2", at_least(0),
                 {"die area, for performance density; 0 when unknown"}),
          number("price_usd", &C::price_usd, "USD", at_least(0),
                 {"typical price per chip", "calibration/facts.md §2a"}),
          text("source", &C::source, {"where the figures come from"}),
      });
  return schema;
}

double total_processing_performance(const ChipSpec& c) { return c.bf16_dense_tflops * 16.0; }

double performance_density(const ChipSpec& c) {
  return c.die_area_mm2 > 0.0 ? total_processing_performance(c) / c.die_area_mm2 : 0.0;
}

double h100_equivalents(const ChipSpec& c) { return c.bf16_dense_tflops / kH100DenseBf16Tflops; }

void validate_chips(const std::vector<ChipSpec>& chips, const std::vector<std::string>& country_ids,
                    Diagnostics& diags) {
  for (const ChipSpec& c : chips)
    if (!c.origin.id.empty())
      resolve_reference(c.origin, "chips[" + c.id + "].origin", country_ids, "country", diags);
}

}  // namespace airace
