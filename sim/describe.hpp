#pragma once
// `airace describe`: every scenario parameter with its unit, default, range, meaning, source.

#include <string>
#include <vector>

#include "sim/core/params.hpp"

namespace airace {

// Parameters whose key starts with, or contains, `filter` (all when empty).
std::vector<ParamInfo> find_parameters(const std::string& filter);
std::string describe_text(const std::vector<ParamInfo>& params);
std::string describe_markdown(const std::vector<ParamInfo>& params);

}  // namespace airace
