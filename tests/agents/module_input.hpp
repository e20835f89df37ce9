#pragma once
// For the tests of one mechanism: its inputs read from a small YAML text or file through the
// config tree and the mechanism's own schema, without the scenario assembly (sim/model), so that
// a mechanism is tested with its module alone. Overrides are written as with --set.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agents/export_rules.hpp"
#include "sim/core/config_tree.hpp"
#include "sim/core/diagnostics.hpp"
#include "sim/core/params.hpp"

namespace airace::testing {

// Fails the test with every error reported.
inline void require_no_errors(const Diagnostics& diags) {
  for (const Diagnostic& d : diags.all()) FAIL_CHECK(format_diagnostic(d));
  REQUIRE(diags.empty());
}

// The tree of `text` (or of the file `path`) with the overrides applied; fails the test on an
// error.
inline ConfigNode module_tree(const std::string& text,
                              const std::vector<std::string>& overrides = {},
                              const std::string& file_name = "module.yaml") {
  Diagnostics diags;
  ConfigNode tree = parse_yaml_text(text, file_name, diags);
  for (const std::string& o : overrides) apply_override(tree, o, diags);
  require_no_errors(diags);
  return tree;
}
inline ConfigNode module_file_tree(const std::string& path,
                                   const std::vector<std::string>& overrides = {}) {
  Diagnostics diags;
  ConfigNode tree = load_config_file(path, diags);
  for (const std::string& o : overrides) apply_override(tree, o, diags);
  require_no_errors(diags);
  return tree;
}

// A section (`lab_model:`) read with its schema over the defaults of T.
template <class T>
T read_section(const ConfigNode& tree, const std::string& key, const Schema<T>& schema,
               Diagnostics& diags) {
  T out{};
  if (const ConfigNode* n = tree.find(key)) schema.read(*n, key, out, diags);
  return out;
}

// A list of entities (`chips:`) read with its schema.
template <class T>
std::vector<T> read_list(const ConfigNode& tree, const std::string& key, const Schema<T>& schema,
                         Diagnostics& diags) {
  const ConfigNode* n = tree.find(key);
  return n == nullptr ? std::vector<T>{} : read_entity_list(*n, key, schema, T{}, diags);
}

// `countries:` as the export rules see them: ids and tiers (default rest).
inline std::vector<Country> read_countries(const ConfigNode& tree) {
  std::vector<Country> out;
  const ConfigNode* list = tree.find("countries");
  if (list == nullptr) return out;
  for (const ConfigNode& c : list->items) {
    Country country{c.find("id")->scalar, ExportTier::rest};
    if (const ConfigNode* tier = c.find("tier"))
      for (const auto& [name, t] : tier_options())
        if (name == tier->scalar) country.tier = t;
    out.push_back(country);
  }
  return out;
}

// The export rules and equipment controls of `tree`, resolved against its chips, countries and
// producers by resolve_rules; fails the test on an error.
inline RuleBook read_rule_book(const ConfigNode& tree) {
  Diagnostics diags;
  const auto chips = read_list(tree, "chips", chip_schema(), diags);
  const auto rules = read_list(tree, "export_rules", export_rule_schema(), diags);
  const auto controls = read_list(tree, "equipment_controls", equipment_control_schema(), diags);
  const std::vector<Country> countries = read_countries(tree);
  std::vector<std::string> producer_ids;
  std::vector<std::size_t> producer_country;
  if (const ConfigNode* producers = tree.find("producers"))
    for (const ConfigNode& p : producers->items) {
      producer_ids.push_back(p.find("id")->scalar);
      for (std::size_t k = 0; k < countries.size(); ++k)
        if (countries[k].id == p.find("country")->scalar) producer_country.push_back(k);
    }
  RuleBook book =
      resolve_rules(rules, controls, chips, countries, producer_ids, producer_country, diags);
  require_no_errors(diags);
  return book;
}

}  // namespace airace::testing
