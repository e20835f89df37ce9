#pragma once
// `airace describe`: every scenario parameter with its unit, default, range, meaning, source.

#include <string>
#include <vector>

#include "sim/core/config_tree.hpp"
#include "sim/core/params.hpp"

namespace airace {

// Parameters whose key starts with, or contains, `filter` (all when empty).
std::vector<ParamInfo> find_parameters(const std::string& filter);
// For a filter that finds nothing: the keys that contain a text within a few edits of it
// ("efficency_growth" is offered labs[].efficiency_growth_per_year), fewest edits first, then
// shortest, at most `most`; none when no key comes close.
std::vector<std::string> closest_parameters(const std::string& filter, std::size_t most = 5);
std::string describe_text(const std::vector<ParamInfo>& params);
std::string describe_markdown(const std::vector<ParamInfo>& params);

// `airace describe --values FILE`: every value a scenario sets (after extends: and --set), one
// per line, with the file and line it is written on and its source: the comment at the end of
// that line, else the `source:` field of the entity or section it belongs to. A distribution
// (an uncertain parameter) is one line: `key ~ {distribution: ...}, median M (uncertain)`;
// `medians` gives each distribution's median by where it is written (from Scenario::uncertainty).
// A distribution's mapping as written, in flow style: `{distribution: lognormal_80, p10: 0.3,
// p90: 1.2}`.
std::string distribution_text(const ConfigNode& distribution);

std::string describe_values(const ConfigNode& resolved, const std::string& filter,
                            const std::vector<std::pair<SourceLocation, double>>& medians = {});

}  // namespace airace
