#include "sim/describe.hpp"

#include "sim/scenario.hpp"

namespace airace {

std::vector<ParamInfo> find_parameters(const std::string& filter) {
  std::vector<ParamInfo> out;
  for (ParamInfo& p : all_parameters())
    if (filter.empty() || p.key.find(filter) != std::string::npos) out.push_back(std::move(p));
  return out;
}

namespace {
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }
}  // namespace

std::string describe_text(const std::vector<ParamInfo>& params) {
  std::string out;
  for (const ParamInfo& p : params) {
    out += p.key + "\n";
    out += "    " + p.description + "\n";
    out += "    type: " + p.type + "   unit: " + or_dash(p.unit);
    if (p.required)
      out += "   required";
    else
      out += "   default: " + or_dash(p.default_value);
    if (!p.range.empty()) out += "   range: " + p.range;
    out += "\n";
    if (!p.source.empty()) out += "    source: " + p.source + "\n";
  }
  return out;
}

std::string describe_markdown(const std::vector<ParamInfo>& params) {
  std::string out = "| key | type | unit | default | range | meaning | source |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const ParamInfo& p : params) {
    out += "| `" + p.key + "` | " + p.type + " | " + or_dash(p.unit) + " | " +
           (p.required ? "required" : or_dash(p.default_value)) + " | " + or_dash(p.range) + " | " +
           p.description + " | " + or_dash(p.source) + " |\n";
  }
  return out;
}

}  // namespace airace
