#include "agents/supply_module.hpp"

#include <cmath>

namespace airace {
namespace {

std::vector<std::string> ids_of(const auto& list) {
  std::vector<std::string> ids;
  for (const auto& x : list) ids.push_back(x.id);
  return ids;
}

std::vector<std::string> names_of(const auto& list) {
  std::vector<std::string> names;
  for (const auto& x : list) names.push_back(x.name.empty() ? x.id : x.name);
  return names;
}

}  // namespace

void SupplyModule::declare_axes(Declarations& d) {
  const std::vector<ChipSpec>& chips = *c_.chips;
  std::vector<std::string> designers, fabs, origins, producers;
  std::vector<double> tflops, mem_bw, interconnect, price, tpp, density, h100e, train, infer,
      per_chip, stacks;
  for (const ChipSpec& c : chips) {
    designers.push_back(c.designer);
    fabs.push_back(c.fab);
    origins.push_back(c.origin.id);
    producers.push_back(c.producer.id);
    tflops.push_back(c.bf16_dense_tflops);
    mem_bw.push_back(c.memory_bandwidth_tbps);
    interconnect.push_back(c.interconnect_gbps);
    price.push_back(c.price_usd);
    tpp.push_back(total_processing_performance(c));
    density.push_back(performance_density(c));
    h100e.push_back(h100_equivalents(c));
    train.push_back(training_h100e(c, c_.setup->params.interconnect_exponent));
    infer.push_back(inference_h100e(c));
    per_chip.push_back(c.capacity_per_chip);
    stacks.push_back(c.hbm_stacks);
  }
  chips_ = d.add_axis(
      {"chips",
       "chip",
       "the chip catalogue",
       ids_of(chips),
       {{"chip_name", "", "product name", names_of(chips)},
        {"designer", "", "designing company", designers},
        {"fab", "", "manufacturing foundry", fabs},
        {"origin", "", "country of the designer", origins},
        {"producer", "", "producer that makes it (empty: not sold)", producers},
        {"bf16_dense_tflops", "TFLOP/s", "dense BF16 throughput", tflops},
        {"memory_bandwidth_tbps", "TB/s", "memory bandwidth", mem_bw},
        {"interconnect_gbps", "GB/s", "bidirectional chip-to-chip bandwidth", interconnect},
        {"list_price_usd", "USD", "list price per chip", price},
        {"tpp", "TOPS x bit", "Total Processing Performance (ECCN 3A090)", tpp},
        {"performance_density", "TPP/mm^2", "TPP per mm^2 of die (0: unknown)", density},
        {"h100e", "H100e/chip", "H100-equivalents per chip (dense BF16 / 989 TFLOP/s)", h100e},
        {"training_h100e", "H100e/chip", "worth for training, after the interconnect penalty",
         train},
        {"inference_h100e", "H100e/chip", "worth for inference (memory bandwidth / 3.35 TB/s)",
         infer},
        {"capacity_per_chip", "chip starts/chip", "chip starts (dies) one chip takes", per_chip},
        {"hbm_stacks", "stacks/chip", "HBM stacks one chip takes (0: not tracked)", stacks}}});
  const std::vector<ProducerConfig>& ps = c_.setup->producers;
  std::vector<std::string> producer_countries;
  for (const ProducerConfig& p : ps) producer_countries.push_back(p.country.id);
  producers_ = d.add_axis({"producers",
                           "producer",
                           "chip producers (designer + fab)",
                           ids_of(ps),
                           {{"producer_name", "", "display name", names_of(ps)},
                            {"producer_country", "", "country of the fab", producer_countries}}});
  std::vector<std::string> cloud_countries;
  for (const BuyerSpec& c : *c_.clouds) cloud_countries.push_back(c.country.id);
  clouds_ = d.add_axis({"clouds",
                        "cloud",
                        "other buyers of chips (clouds, firms) by country",
                        ids_of(*c_.clouds),
                        {{"cloud_name", "", "display name", names_of(*c_.clouds)},
                         {"cloud_country", "", "home country", cloud_countries}}});
}

void SupplyModule::declare(Declarations& d) {
  const std::size_t step =
      d.step({"supply.step", c_.cadence, {part::trade}, {}, {part::supply}, [this](const Tick& t) {
                airace::step_supply(*c_.setup, world_.supply, scratch_, world_.supply_policy, t,
                                    run_.key(kBuyerDemandStream), work_);
                std::swap(world_.supply, scratch_);
              }});
  const SupplySetup& s = *c_.setup;
  const AxisId countries = d.axis("countries", "country");
  const AxisId labs = d.axis("labs", "lab");
  auto series = [&](SeriesDecl decl, SeriesFill fill) { d.series(step, std::move(decl), fill); };
  if (!s.producers.empty()) {
    series({"chips", "price_usd", "USD",
            "price of a chip: cost-based price times the producer's scarcity markup", {chips_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.price_usd); });
    series({"chips", "unit_cost_usd", "USD",
            "producer's cost of a working chip (falls as its yield rises; NaN: not sold)",
            {chips_}},
           [this](SeriesRow& r) {
             for (std::size_t c = 0; c < c_.setup->n_chips; ++c)
               r.set(c, unit_cost_usd(*c_.setup, world_.supply, c));
           });
    series({"chips", "sales", "chips",
            "chips sold legally to buyers in each country during the period ending on the date",
            {chips_, countries}},
           [this](SeriesRow& r) { r.set_all(world_.supply.sales); });
    series({"chips", "smuggled", "chips",
            "chips smuggled to buyers in each country during the period", {chips_, countries}},
           [this](SeriesRow& r) { r.set_all(world_.supply.smuggled_sales); });
    series({"chips", "orders", "chips",
            "chips ordered legally by buyers in each country during the period, delivered or "
            "not (stockpile orders that found no slot included)",
            {chips_, countries}},
           [this](SeriesRow& r) { r.set_all(world_.supply.orders); });
    series({"chips", "licence_fees_usd", "USD",
            "revenue share the exporters paid their government on legal sales to each country "
            "during the period (licences with terms)",
            {countries}},
           [this](SeriesRow& r) { r.set_all(world_.supply.licence_fees_usd); });
    series({"producers", "capacity_chips_per_year", "chip starts/year",
            "production capacity before yield", {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.capacity); });
    series({"producers", "yield", "fraction", "share of chip starts that work (learning curve)",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.yield); });
    series({"producers", "output_chips", "chips", "working chips delivered during the period",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.output_chips); });
    series({"producers", "revenue_usd", "USD", "revenue from chips delivered during the period",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.revenue_usd); });
    series({"producers", "node_nm", "nm", "best process node the producer makes", {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.node_nm); });
    series({"producers", "scarcity_markup", "x", "price markup from demand exceeding supply",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.scarcity); });
    series({"producers", "hbm_stock_stacks", "stacks",
            "HBM stacks the producer holds at the end of the period (0 where not tracked)",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.hbm_stock_stacks); });
    series({"producers", "die_bank_dies", "dies",
            "dies left in the producer's die bank (made at another foundry before it stopped)",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.die_bank_dies); });
    series({"producers", "hbm_bought_stacks", "stacks",
            "HBM stacks the producer bought from memory makers during the period", {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.hbm_bought_stacks); });
    series({"producers", "die_limited_chips", "chip starts",
            "working chip starts the producer's capacity, wafers, yield and die bank allowed "
            "during the period",
            {producers_}},
           [this](SeriesRow& r) { r.set_all(world_.supply.die_limited_chips); });
    series({"producers", "hbm_limited_chips", "chip starts",
            "chip starts the HBM the producer held allowed during the period (NaN where its "
            "memory is not tracked); the smaller of the two binds",
            {producers_}},
           [this](SeriesRow& r) {
             for (std::size_t p = 0; p < c_.setup->n_producers; ++p) {
               const double v = world_.supply.hbm_limited_chips[p];
               r.set(p, std::isfinite(v) ? v : std::nan(""));
             }
           });
    series({"producers", "packaging_limited_chips", "chip starts",
            "chip starts the producer's share of its packager's interposer wafers (CoWoS) "
            "allowed during the period (NaN without a packaging ceiling); the smallest of the "
            "three limits binds",
            {producers_}},
           [this](SeriesRow& r) {
             for (std::size_t p = 0; p < c_.setup->n_producers; ++p) {
               const double v = world_.supply.packaging_limited_chips[p];
               r.set(p, std::isfinite(v) ? v : std::nan(""));
             }
           });
  }
  series({"labs", "compute_h100e", "H100e",
          "installed AI compute of each lab in H100-equivalents (bought and smuggled)", {labs}},
         [this](SeriesRow& r) {
           for (std::size_t i = 0; i < c_.setup->n_labs; ++i)
             r.set(i, buyer_compute_h100e(*c_.setup, world_.supply, i));
         });
  series({"labs", "chips_installed", "chips", "chips installed at each lab, by chip type",
          {labs, chips_}},
         [this](SeriesRow& r) {
           const std::size_t n = c_.setup->n_labs * c_.setup->n_chips;
           for (std::size_t i = 0; i < n; ++i)
             r.set(i, world_.supply.installed[i] + world_.supply.smuggled[i]);
         });
  if (!c_.clouds->empty())
    series({"clouds", "compute_h100e", "H100e",
            "installed AI compute of each cloud (bought and smuggled)", {clouds_}},
           [this](SeriesRow& r) {
             for (std::size_t b = c_.setup->n_labs; b < c_.setup->n_buyers; ++b)
               r.set(b - c_.setup->n_labs, buyer_compute_h100e(*c_.setup, world_.supply, b));
           });
}

}  // namespace airace
