#include "agents/export_rules.hpp"

#include <doctest/doctest.h>

#include "sim/model/scenario.hpp"

using namespace airace;

namespace {

// Nvidia's chips and their China variants with the figures of calibration/facts.md §1c, and the
// 2022-10 and 2023-10 rules as the baseline writes them.
const std::string kRules = R"(
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

enum Chip : std::size_t { A100, A800, H100, H800, H20, Ascend910B };
enum Where : std::size_t { US, CN, SG, JP };

Scenario rules(std::vector<std::string> more = {}) {
  return load_scenario_text(kRules, "rules.yaml", more);
}

double share(const TradePolicy& p, Chip c, Where k) { return p.legal_share[c * p.n_countries + k]; }

TradePolicy policy_on(const Scenario& s, Date d, std::vector<double> caps = {}) {
  if (caps.empty()) caps.assign(s.rule_book.n_rules * s.countries.size(), 0.0);
  TradePolicy p;
  compute_trade_policy(s.rule_book, s.rule_book.initial_times, d, caps, p);
  return p;
}

std::vector<Diagnostic> errors(const std::vector<std::string>& sets) {
  try {
    rules(sets);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

}  // namespace

TEST_CASE("rules cover chips by metrics computed from the catalogue") {
  const Scenario s = rules();
  const RuleBook& b = s.rule_book;
  auto covers = [&](std::size_t rule, Chip c) { return b.covers[rule * b.n_chips + c] != 0; };
  // BIS 2022-10: TPP >= 4800 and interconnect >= 600 GB/s (calibration §1c).
  CHECK(covers(0, A100));
  CHECK(covers(0, H100));
  CHECK_FALSE(covers(0, A800));
  CHECK_FALSE(covers(0, H800));
  CHECK_FALSE(covers(0, H20));
  // BIS 2023-10 drops the interconnect test: the China variants are caught, the H20 is not.
  CHECK(covers(1, A100));
  CHECK(covers(1, A800));
  CHECK(covers(1, H800));
  CHECK_FALSE(covers(1, H20));
  // US rules control chips designed in the US and allied countries only.
  CHECK_FALSE(covers(0, Ascend910B));
}

TEST_CASE("treatment follows the rules in force on each date") {
  const Scenario s = rules();
  const TradePolicy before = policy_on(s, Date::from_ymd(2022, 9, 1));
  CHECK(share(before, H100, CN) == 1.0);
  const TradePolicy y2022 = policy_on(s, Date::from_ymd(2022, 12, 1));
  CHECK(share(y2022, H100, CN) == 0.0);
  CHECK(share(y2022, H800, CN) == 1.0);
  CHECK(share(y2022, H100, US) == 1.0);
  // Announced 2023-10-17, in force 2023-11-17: buyers are warned in between.
  const TradePolicy warned = policy_on(s, Date::from_ymd(2023, 11, 1));
  CHECK(share(warned, H800, CN) == 1.0);
  CHECK(warned.tightening_soon[H800 * 4 + CN] == 1);
  CHECK(warned.tightening_soon[H100 * 4 + CN] == 0);  // already banned: nothing to fear
  const TradePolicy y2023 = policy_on(s, Date::from_ymd(2023, 12, 1));
  CHECK(share(y2023, H800, CN) == 0.0);
  CHECK(share(y2023, H20, CN) == 1.0);
  CHECK(share(y2023, H100, JP) == 1.0);
  CHECK(share(y2023, H100, SG) == 0.5);  // a country named beats its tier
  CHECK(y2023.tightening_soon[H800 * 4 + CN] == 0);
}

TEST_CASE("a licence requirement passes the approval rate and a later rule can supersede it") {
  const Scenario s = rules();
  CHECK(share(policy_on(s, Date::from_ymd(2025, 3, 1)), H20, CN) == 1.0);
  CHECK(share(policy_on(s, Date::from_ymd(2025, 5, 1)), H20, CN) == 0.0);
  CHECK(share(policy_on(s, Date::from_ymd(2025, 9, 1)), H20, CN) == 0.6);
  const auto& times = s.rule_book.initial_times;
  CHECK(rule_status(s.rule_book, times, 2, Date::from_ymd(2025, 9, 1)) == RuleStatus::ended);
  CHECK(rule_status(s.rule_book, times, 3, Date::from_ymd(2025, 9, 1)) == RuleStatus::in_force);
  CHECK(rule_status(s.rule_book, times, 3, Date::from_ymd(2025, 1, 1)) == RuleStatus::pending);
}

TEST_CASE("a country cap bans covered chips once legal deliveries reach it") {
  const Scenario s = rules();
  const Date d = Date::from_ymd(2025, 2, 1);
  std::vector<double> caps(s.rule_book.n_rules * 4, 0.0);
  CHECK(share(policy_on(s, d, caps), H100, SG) == 0.5);  // the 2023 licence still binds SG
  // Deliveries of 600 H100 to SG count against the diffusion cap of 1,000 H100e.
  std::vector<double> sales(6 * 4, 0.0);
  sales[H100 * 4 + SG] = 600;
  sales[H100 * 4 + US] = 1e6;  // no cap for the US
  const std::vector<double> h100e = {312 / 989.0, 312 / 989.0, 1, 1, 148 / 989.0, 320 / 989.0};
  count_against_caps(s.rule_book, s.rule_book.initial_times, d, sales, h100e, caps);
  CHECK(caps[4 * 4 + SG] == doctest::Approx(600));
  CHECK(caps[4 * 4 + US] == 0.0);
  CHECK(share(policy_on(s, d, caps), H100, SG) == 0.5);
  count_against_caps(s.rule_book, s.rule_book.initial_times, d, sales, h100e, caps);
  CHECK(share(policy_on(s, d, caps), H100, SG) == 0.0);
  // Rescinded on 2025-05-13: the cap no longer binds.
  CHECK(share(policy_on(s, Date::from_ymd(2025, 6, 1), caps), H100, SG) == 0.5);
}

TEST_CASE("equipment controls scale with the allies' alignment") {
  const Scenario s = load_scenario_text(kRules + R"(
producers:
  - {id: smic, country: CN, capacity_chips_per_year: 1000}
  - {id: tsmc, country: JP, capacity_chips_per_year: 1000}
equipment_controls:
  - {id: sme, announced: 2022-10-07, effective: 2022-10-07, capex_multiplier: 3, node_floor_nm: 7}
)",
                                        "rules.yaml");
  std::vector<double> capex, floor;
  equipment_limits(s.rule_book, Date::from_ymd(2022, 1, 1), 1.0, capex, floor);
  CHECK(capex[0] == 1.0);
  equipment_limits(s.rule_book, Date::from_ymd(2023, 1, 1), 1.0, capex, floor);
  CHECK(capex[0] == 3.0);
  CHECK(floor[0] == 7.0);
  CHECK(capex[1] == 1.0);  // an allied fab is not restricted
  equipment_limits(s.rule_book, Date::from_ymd(2023, 1, 1), 0.4, capex, floor);
  CHECK(capex[0] == doctest::Approx(1.8));
  CHECK(floor[0] == doctest::Approx(2.8));
}

TEST_CASE("a rule with an unknown metric is refused where the metric is written") {
  const auto e = errors({"export_rules.r2022.covers=tpp >= 4800 and interconect_gbps >= 600"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("unknown variable 'interconect_gbps'") != std::string::npos);
  CHECK(e[0].hint.find("interconnect_gbps") != std::string::npos);
  CHECK(e[0].key_path == "export_rules[r2022].covers");
}

TEST_CASE("a rule in force before its announcement is refused") {
  const auto e = errors({"export_rules.r2023.effective=2023-10-01"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].key_path == "export_rules[r2023].effective");
  CHECK(e[0].message.find("before the announcement 2023-10-17") != std::string::npos);
  CHECK(e[0].where.file == "--set 'export_rules.r2023.effective=2023-10-01'");
}

TEST_CASE("an unknown destination tier is refused with a suggestion") {
  const auto e = errors({"export_rules.r2022.destinations=[{to: chinna, treatment: banned}]"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("unknown country or export tier 'chinna'") != std::string::npos);
  CHECK(e[0].hint.find("china") != std::string::npos);
}

TEST_CASE("a condition that does not parse is refused with its column") {
  const Scenario ok = rules();
  try {
    load_scenario_text(R"(
scenario: {name: bad, start: 2022-01-01, end: 2023-01-01}
countries: [{id: US}, {id: CN, tier: china}]
chips: [{id: A100, origin: US, bf16_dense_tflops: 312}]
export_rules:
  - id: r
    announced: 2022-10-07
    effective: 2022-10-07
    covers: tpp >= and interconnect_gbps >= 600
    destinations: [{to: china}]
)",
                       "bad.yaml");
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.where.line == 9);
    CHECK(d.where.column == 20);  // the 'and' where a number was expected
    CHECK(format_diagnostic(d).find("bad.yaml:9:20") == 0);
  }
}

TEST_CASE("a rule without dates must be adaptive and a licence rate needs a licence") {
  auto e = errors({"export_rules.r2022.announced=9999-12-31"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("missing required key 'announced'") != std::string::npos);
  e = errors({"export_rules.r2022.destinations=[{to: china, treatment: banned, approval_rate: 1}]"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("only to treatment 'licence'") != std::string::npos);
  e = errors({"export_rules.h20_licences.supersedes=[h20_2026]"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].hint.find("h20_2025") != std::string::npos);
}
