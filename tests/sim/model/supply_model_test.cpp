// The supply model in a run: legal sales under the rules, leakage against enforcement, learning
// and capex as recorded.
#include <doctest/doctest.h>

#include <cmath>

#include "agents/supply.hpp"
#include "sim/model/model.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace supply_model_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

Scenario quiet_small(std::vector<std::string> more = {}) {
  more.insert(more.begin(), "supply_model.demand_noise_sigma=0");
  return load_scenario(kSmall, more);
}

constexpr std::size_t kA100 = 0, kH100 = 1, kAscend = 2;
constexpr std::size_t kUS = 0, kCN = 1;
constexpr std::size_t kCnLab = 1, kCnCloud = 2;
}  // namespace

TEST_CASE("a chip over the threshold is never sold legally to a banned destination") {
  // The 2022 rule in small.yaml bans chips with TPP >= 4800 and interconnect >= 600 for China:
  // the A100 and H100. Run the whole model, whatever the enforcement.
  for (const char* enforcement : {"0", "1", "5"}) {
    const Scenario sc = load_scenario(kSmall, {std::string("us_government.enforcement=") +
                                               enforcement});
    const SeriesCatalog cat = build_catalog(sc);
    Simulation sim(sc, cat, 0);
    sim.run_to_end();
    const SeriesBuffer& x = sim.series();
    const std::size_t n = cat.time_count(cat.series()[cat.find("chips", "sales")]);
    const Date effective = Date::from_ymd(2022, 10, 7);
    const std::vector<Date> dates = tick_dates(Cadence::weekly, sc.info.start, sc.info.end);
    double smuggled = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      if (dates[t] < effective) continue;
      CHECK(x.get(cat.find("chips", "sales"), t, kA100 * 2 + kCN) == 0.0);
      CHECK(x.get(cat.find("chips", "sales"), t, kH100 * 2 + kCN) == 0.0);
      CHECK(x.get(cat.find("chips", "legal_share"), t, kH100 * 2 + kCN) == 0.0);
      CHECK(x.get(cat.find("chips", "legal_share"), t, kH100 * 2 + kUS) == 1.0);
      smuggled += x.get(cat.find("chips", "smuggled"), t, kH100 * 2 + kCN);
    }
    // The Ascend 910B is not covered (a Chinese design): it sells in China after its launch.
    CHECK(x.get(cat.find("chips", "sales"), n - 1, kAscend * 2 + kCN) > 0.0);
    if (std::string(enforcement) == "0") CHECK(smuggled > 0.0);
  }
}

TEST_CASE("leakage falls as enforcement rises") {
  const SupplyModelParams p;
  double previous = 1.0;
  for (double e : {0.0, 0.5, 1.0, 2.0, 4.0}) {
    CHECK(smuggling_share(p, e) < previous);
    CHECK(remote_access_share(p, e) <= smuggling_share(p, e));
    previous = smuggling_share(p, e);
  }
  // In the model: China's smuggled and rented compute falls when enforcement doubles.
  auto leaked = [](double enforcement) {
    const Scenario sc = quiet_small({"us_government.enforcement=" + std::to_string(enforcement)});
    const SeriesCatalog cat = build_catalog(sc);
    Simulation sim(sc, cat, 0);
    sim.run_to_end();
    return std::pair{sim.supply().cumulative_smuggled_h100e[kCN],
                     sim.supply().remote_h100e[kCnLab] + sim.supply().remote_h100e[kCnCloud]};
  };
  const auto [smuggled1, remote1] = leaked(1.0);
  const auto [smuggled2, remote2] = leaked(2.0);
  CHECK(smuggled1 > 0.0);
  CHECK(remote1 > 0.0);
  CHECK(smuggled2 < 0.5 * smuggled1);
  CHECK(remote2 < 0.5 * remote1);
}

TEST_CASE("learning lowers unit cost with cumulative output") {
  const Scenario sc = quiet_small();
  const ProducerConfig& huawei = sc.supply_setup.producers[1];
  double previous = learning_yield(huawei, huawei.experience_chips);
  CHECK(previous == doctest::Approx(huawei.initial_yield));
  for (double q : {2.0, 4.0, 8.0, 16.0}) {
    const double y = learning_yield(huawei, q * huawei.experience_chips);
    CHECK(y > previous);
    previous = y;
  }
  // Each doubling multiplies the defect fraction by the progress ratio.
  CHECK(1 - learning_yield(huawei, 2 * huawei.experience_chips) ==
        doctest::Approx((1 - huawei.initial_yield) * huawei.progress_ratio));
  // In a run the producer's chips get cheaper to make as it makes more of them.
  const SeriesCatalog cat = build_catalog(sc);
  Simulation sim(sc, cat, 0);
  sim.run_to_end();
  const SeriesBuffer& x = sim.series();
  const std::size_t last = cat.time_count(cat.series()[cat.find("chips", "unit_cost_usd")]) - 1;
  const std::vector<Date> dates = tick_dates(Cadence::weekly, sc.info.start, sc.info.end);
  std::size_t launch = 0;
  while (dates[launch] < Date::from_ymd(2023, 6, 8)) ++launch;
  CHECK(x.get(cat.find("chips", "unit_cost_usd"), last, kAscend) < 0.9 * x.get(cat.find("chips", "unit_cost_usd"), launch, kAscend));
  CHECK(x.get(cat.find("producers", "yield"), last, 1) > huawei.initial_yield);
}

TEST_CASE("capex counts owned chips with their facilities plus other capex") {
  // The same run three times: no facilities, facilities worth the chips, and 2 B USD/year of
  // other capex for China's cloud. Chips bought do not change (the accounting buys nothing).
  auto capex = [](std::vector<std::string> more) {
    const Scenario sc = load_scenario(kSmall, more);
    const SeriesCatalog cat = build_catalog(sc);
    Simulation sim(sc, cat, 0);
    sim.run_to_end();
    std::vector<double> out;  // [t * 2 + country]
    const std::size_t n = cat.time_count(cat.series()[cat.find("indicators", "capex_usd_per_year")]);
    for (std::size_t t = 0; t < n; ++t)
      for (std::size_t k = 0; k < 2; ++k) out.push_back(sim.series().get(cat.find("indicators", "capex_usd_per_year"), t, k));
    return out;
  };
  const std::vector<double> bare = capex({"supply_model.facility_usd_per_chip_usd=0"});
  const std::vector<double> doubled = capex({"supply_model.facility_usd_per_chip_usd=1"});
  const std::vector<double> other = capex({"supply_model.facility_usd_per_chip_usd=0",
                                           "clouds.cn_cloud.other_capex_usd_per_year=2e9"});
  REQUIRE(bare.size() >= 24);
  double us_total = 0.0;
  for (std::size_t i = 2; i < bare.size(); ++i) {  // from the first date after the start
    CHECK(doubled[i] == doctest::Approx(2.0 * bare[i]));
    const bool china = i % 2 == kCN;
    CHECK(other[i] == doctest::Approx(bare[i] + (china ? 2e9 : 0.0)));
    if (!china) us_total += bare[i];
  }
  CHECK(us_total > 0.0);  // the US lab buys chips
}

}  // namespace supply_model_test
