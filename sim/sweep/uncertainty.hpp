#pragma once
// Uncertain parameters (docs/scenarios.md §"Uncertain parameters"): any number of a scenario may
// be written as a distribution, `talent: {distribution: lognormal_80, p10: 1.2, p90: 2}`, drawn
// once per replicate; a top-level `uncertainty:` section sets rank correlations between them.
//
// Loading finds the distributions in the merged tree, with their key paths and locations, and
// puts each one's median in its place, so that the scenario validates as any other. A
// replicate's scenario is the tree with that replicate's draws in their places, validated again:
// a draw outside its parameter's valid range fails that replicate, and is never redrawn.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/core/config_tree.hpp"
#include "sim/core/params.hpp"
#include "sim/sweep/distributions.hpp"

namespace airace {

struct UncertainParameter {
  std::string key;       // the --set path, e.g. labs.cn_lab.talent
  std::string unit;      // from the scenario schema; "" when it has none
  bool integer = false;  // an integer parameter: draws are rounded to whole numbers
  Distribution distribution;
  double median = 0.0;             // what the scenario is validated with
  SourceLocation where;            // the distribution's mapping
  std::vector<std::size_t> steps;  // from the root: entry index in a map, item index in a list
};

struct Uncertainty {
  std::vector<UncertainParameter> parameters;
  UncertainParameters sampling;  // the same parameters, with the copula of the correlations
  bool empty() const { return parameters.empty(); }
};

// Finds the distributions of `tree` and reads the `uncertainty` section. `at_medians` receives
// the tree with every distribution replaced by its median and without the `uncertainty` section.
// Bad distributions and correlations are reported in diags, at their line and column.
// `schema` (every parameter, as all_parameters() lists them) gives units and which keys are
// numbers.
Uncertainty extract_uncertainty(const ConfigNode& tree, ConfigNode& at_medians,
                                const std::vector<ParamInfo>& schema, Diagnostics& diags);

// One replicate's values, one per parameter: a pure function of (seed, replicate), drawn through
// the copula; integer parameters rounded.
std::vector<double> draw_uncertain(const Uncertainty& u, uint64_t seed, uint32_t replicate);

// `tree` (with its distributions where extract_uncertainty found them) with each distribution
// replaced by its value and without the `uncertainty` section. Throws InputError at a
// distribution that is no longer there (e.g. overridden by a sweep).
ConfigNode with_values(ConfigNode tree, const Uncertainty& u, std::span<const double> values);

// The distribution names the `distribution:` key accepts.
std::vector<std::string> distribution_names();

}  // namespace airace
