// The export rules as a scenario reads them: errors located in the file or at --set.
#include <doctest/doctest.h>

#include "sim/model/scenario.hpp"
#include "tests/agents/export_rules_data.hpp"

using namespace airace;

namespace export_rules_model_test {
using airace::testing::kRules;

namespace {

Scenario rules(std::vector<std::string> more = {}) {
  return load_scenario_text(kRules, "rules.yaml", more);
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

TEST_CASE("memory rules and licence terms are checked where they are written") {
  auto e = errors({"memory_rules=[{id: m, announced: 2024-12-02, effective: 2024-12-31, "
                   "maker_tiers: [korea], destinations: [{to: china, treatment: banned}]}]"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("unknown export tier id 'korea'") != std::string::npos);
  CHECK(e[0].where.line == 1);
  CHECK(e[0].where.column > 1);
  e = errors({"memory_rules=[{id: m, announced: 2024-12-31, effective: 2024-12-02, "
              "destinations: [{to: china, treatment: banned}]}]"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("before the announcement") != std::string::npos);
  e = errors({"export_rules.h20_licences.destinations=[{to: china, treatment: licence, "
              "approval_rate: 0.5, revenue_share: 1.5}]"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("out of range") != std::string::npos);
  e = errors({"export_rules.r2022.imposed_by=buyer"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("exporter, importer") != std::string::npos);
}

}  // namespace export_rules_model_test
