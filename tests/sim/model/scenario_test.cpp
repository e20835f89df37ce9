#include "sim/model/scenario.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "tests/scenario_errors.hpp"

using namespace airace;

namespace scenario_test {

namespace {
const std::string kDataDir = std::string(AIRACE_SOURCE_DIR) + "/tests/data/";

std::vector<Diagnostic> errors_of(const std::string& file,
                                  const std::vector<std::string>& overrides = {}) {
  return testing::scenario_errors(kDataDir + file, overrides);
}

bool mentions(const Diagnostic& d, const std::string& text) {
  return format_diagnostic(d).find(text) != std::string::npos;
}
}  // namespace

TEST_CASE("a valid scenario loads into typed values") {
  const Scenario s = load_scenario(kDataDir + "small.yaml");
  CHECK(s.info.name == "small");
  CHECK(s.info.start == Date::from_ymd(2022, 1, 1));
  CHECK(s.run.replicates == 4);
  CHECK(s.chips.size() == 3);
  REQUIRE(s.labs.size() == 2);
  CHECK(s.labs[1].archetype.id == "efficient_challenger");
  CHECK(s.labs[1].efficiency_growth_per_year == 3.5);
  CHECK(s.labs[0].efficiency_growth_per_year == 2.8);  // the documented default
  CHECK(s.supply_setup.initial_chips[0 * 3 + 0] == 20000);
  CHECK(s.export_rules.size() == 1);
  CHECK(s.countries[1].tier == ExportTier::china);
}

TEST_CASE("the baseline scenario is valid") {
  const Scenario s = load_scenario(std::string(AIRACE_SOURCE_DIR) + "/scenarios/baseline.yaml");
  CHECK(s.labs.size() >= 6);
  CHECK(s.chips.size() >= 5);
}

TEST_CASE("a scenario extending another overrides only what it names") {
  const Scenario s = load_scenario(kDataDir + "extends_small.yaml");
  CHECK(s.run.replicates == 2);
  CHECK(s.run.seed == 7);
  REQUIRE(s.labs.size() == 3);
  CHECK(s.labs[1].training_share == 0.5);
  CHECK(s.labs[1].efficiency_growth_per_year == 3.5);
  CHECK(s.labs[2].id == "new_lab");
}

TEST_CASE("command-line overrides change values and are validated") {
  const Scenario s = load_scenario(kDataDir + "small.yaml", {"labs.cn_lab.training_share=0.9"});
  CHECK(s.labs[1].training_share == 0.9);
  const auto errs = errors_of("small.yaml", {"labs.cn_lab.training_share=2"});
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].where.file == "--set 'labs.cn_lab.training_share=2'");
  CHECK(mentions(errs[0], "out of range"));
}

TEST_CASE("a misspelt key is reported with its position and a suggestion") {
  const auto errs = errors_of("bad_misspelt_key.yaml");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].where.file.str().find("bad_misspelt_key.yaml") != std::string::npos);
  CHECK(errs[0].where.line == 4);
  CHECK(errs[0].where.column == 5);
  CHECK(errs[0].key_path == "labs[us_lab].efficency_growth_per_year");
  CHECK(errs[0].hint == "did you mean 'efficiency_growth_per_year'?");
}

TEST_CASE("a wrong type says what was expected and what was found") {
  const auto errs = errors_of("bad_wrong_type.yaml");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].where.line == 3);
  CHECK(mentions(errs[0], "expected a whole number"));
  CHECK(mentions(errs[0], "found 'many'"));
}

TEST_CASE("a negative compute stock is out of range") {
  const auto errs = errors_of("bad_negative_compute.yaml");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].where.line == 4);
  CHECK(errs[0].key_path == "labs[us_lab].chips.A100");
  CHECK(mentions(errs[0], "out of range"));
}

TEST_CASE("an unknown chip id is reported where it was written") {
  const auto errs = errors_of("bad_unknown_chip.yaml");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].where.line == 4);
  CHECK(mentions(errs[0], "unknown chip id 'H900'"));
  CHECK(errs[0].hint == "did you mean 'H100'?");
}

TEST_CASE("malformed YAML is reported with its position") {
  const auto errs = errors_of("bad_malformed.yaml");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].where.line >= 3);
  CHECK(mentions(errs[0], "malformed YAML"));
}

TEST_CASE("every error in a file is reported at once") {
  const auto errs = errors_of("bad_many.yaml");
  REQUIRE(errs.size() == 4);
  CHECK(mentions(errs[0], "replicats"));
  CHECK(errs[0].hint == "did you mean 'replicates'?");
  CHECK(mentions(errs[1], "run.seed: -4 is out of range"));
  CHECK(mentions(errs[2], "training_share"));
  CHECK(mentions(errs[3], "unknown country id 'USA'"));
}

TEST_CASE("dates must be in order and within the horizon limit") {
  const std::string base = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";
  CHECK_THROWS_AS(load_scenario(base, {"scenario.end=2021-01-01"}), InputError);
  CHECK_THROWS_AS(load_scenario(base, {"scenario.end=2500-01-01"}), InputError);
  CHECK_THROWS_AS(load_scenario(base, {"scenario.start=2022-02-30"}), InputError);
}

TEST_CASE("the US and China must both be present") {
  try {
    load_scenario_text("countries: [{id: US}]\nchips: []\n", "mem.yaml");
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].message.find("'CN'") != std::string::npos);
  }
}

TEST_CASE("duplicate ids are errors") {
  const std::string text =
      "countries: [{id: US}, {id: CN}]\n"
      "chips:\n  - {id: A, origin: US, bf16_dense_tflops: 1}\n"
      "  - {id: A, origin: US, bf16_dense_tflops: 2}\n";
  CHECK_THROWS_AS(load_scenario_text(text, "mem.yaml"), InputError);
}

TEST_CASE("a scenario that is not a mapping is rejected") {
  CHECK_THROWS_AS(load_scenario_text("- just\n- a list\n", "mem.yaml"), InputError);
  CHECK_THROWS_AS(load_scenario_text("42\n", "mem.yaml"), InputError);
}

TEST_CASE("every numeric parameter declares a unit") {
  for (const ParamInfo& p : all_parameters()) {
    CAPTURE(p.key);
    if (p.type == "number" || p.type == "integer") CHECK_FALSE(p.unit.empty());
    CHECK_FALSE(p.description.empty());
  }
}

TEST_CASE("a scenario name cannot steer the output path") {
  const std::string base = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";
  CHECK_THROWS_AS(load_scenario(base, {"scenario.name=../../tmp/evil"}), InputError);
  CHECK_THROWS_AS(load_scenario(base, {"scenario.name=.hidden"}), InputError);
  CHECK(load_scenario(base, {"scenario.name=what-if_2.1"}).info.name == "what-if_2.1");
}

TEST_CASE("chips cannot be installed or bought before they launch") {
  const std::string base = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";
  // Ascend 910B launches 2023-06; the scenario starts 2022-01.
  try {
    load_scenario(base, {"labs.cn_lab.chips.Ascend910B=100"});
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].message.find("launches on 2023-06-01") != std::string::npos);
  }
  try {
    load_scenario(base, {"chips.Ascend910B.end_of_sale=2023-01-01"});
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].message.find("before it launches") != std::string::npos);
  }
}

TEST_CASE("an entity without a required reference is reported once where the entity is") {
  // Found by fuzzing: a new lab without a country also gave "unknown country id ''", and a rule
  // destination without `to` "unknown country or export tier ''", with no file, line or column.
  const std::string text =
      "extends: small.yaml\n"
      "labs:\n"
      "  - {id: new_lab}\n"
      "export_rules:\n"
      "  - {id: rule_2022, destinations: [{treatment: banned}]}\n";
  try {
    load_scenario_text(text, kDataDir + "mem.yaml");
    FAIL("expected an error");
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) {
      CAPTURE(format_diagnostic(d));
      CHECK(d.where.line > 0);
      CHECK(d.message.find("unknown country") == std::string::npos);
    }
    auto reported_at = [&e](int line, const std::string& key) {
      return std::any_of(e.diagnostics().begin(), e.diagnostics().end(), [&](const Diagnostic& d) {
        return d.where.line == line &&
               d.message.find("missing required key '" + key + "'") != std::string::npos;
      });
    };
    CHECK(reported_at(3, "country"));
    CHECK(reported_at(5, "to"));
  }
  // Written, even empty, a reference is resolved and reported.
  CHECK_THROWS_WITH_AS(load_scenario(kDataDir + "small.yaml", {"labs.us_lab.country=''"}),
                       doctest::Contains("unknown country id ''"), InputError);
}

TEST_CASE("run.seed from 2^63 up is refused in the file and in --set with its range") {
  // It was clamped to 2^63 - 1 by --seed and refused by --set without the range.
  for (const char* seed : {"9223372036854775808", "1e30", "-1", "1.5", "abc"}) {
    CAPTURE(seed);
    const std::string set = std::string("run.seed=") + seed;
    const auto errs = errors_of("small.yaml", {set});
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].where.file == "--set '" + set + "'");
    CHECK(errs[0].key_path == "run.seed");
    CHECK(mentions(errs[0], "a whole number in [0, 2^63), at most 9223372036854775807"));
  }
  try {
    load_scenario_text("extends: small.yaml\nrun: {seed: 9223372036854775808}\n",
                       kDataDir + "in_memory.yaml");
    FAIL("expected an error");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(format_diagnostic(e.diagnostics()[0]) ==
          kDataDir +
              "in_memory.yaml:2:13: error: run.seed: 9223372036854775808 is out of range: "
              "expected a whole number in [0, 2^63), at most 9223372036854775807");
  }
  const Scenario s = load_scenario(kDataDir + "small.yaml", {"run.seed=9223372036854775807"});
  CHECK(s.run.seed == INT64_MAX);
}

}  // namespace scenario_test
