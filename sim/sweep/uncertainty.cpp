#include "sim/sweep/uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "sim/core/config_path.hpp"

namespace airace {

std::vector<std::string> distribution_names() {
  return {"uniform", "normal", "lognormal", "lognormal_80"};
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The keys each distribution takes, required first; `low` and `high` truncate all but uniform.
struct Form {
  std::string name;
  std::vector<std::string> required;
};

const std::vector<Form>& forms() {
  static const std::vector<Form> f = {
      {"uniform", {"low", "high"}},
      {"normal", {"mean", "sd"}},
      {"lognormal", {"median", "sigma"}},
      {"lognormal_80", {"p10", "p90"}},
  };
  return f;
}

std::string format_exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The schema's entry for a key pattern: the key itself, or a mapping of ids to numbers above it.
const ParamInfo* schema_entry(const std::string& pattern, const std::vector<ParamInfo>& schema,
                              bool& map_value) {
  map_value = false;
  for (const ParamInfo& p : schema)
    if (p.key == pattern) return &p;
  const std::size_t dot = pattern.rfind('.');
  if (dot == std::string::npos) return nullptr;
  map_value = true;
  for (const ParamInfo& p : schema)
    if (p.key == pattern.substr(0, dot) && p.type.find("to number") != std::string::npos) return &p;
  return nullptr;
}

std::optional<Distribution> read_distribution(const ConfigNode& n, const std::string& key,
                                              Diagnostics& diags) {
  const ConfigNode& name_node = *n.find("distribution");
  const auto name = read_choice(name_node, key + ".distribution", distribution_names(), diags);
  if (!name) return std::nullopt;
  const Form& form =
      *std::find_if(forms().begin(), forms().end(), [&](const Form& f) { return f.name == *name; });
  std::vector<std::string> allowed = {"distribution"};
  allowed.insert(allowed.end(), form.required.begin(), form.required.end());
  if (form.name != "uniform") allowed.insert(allowed.end(), {"low", "high"});
  bool ok = true;
  for (const ConfigEntry& e : n.entries)
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      diags.error(e.key_where, key + "." + e.key, "not a key of a " + form.name + " distribution",
                  suggest(e.key, allowed, "its keys"));
      ok = false;
    }
  auto value = [&](const std::string& k, bool required) -> std::optional<double> {
    const ConfigNode* v = n.find(k);
    if (v == nullptr) {
      if (required) {
        diags.error(n.where, key, "a " + form.name + " distribution needs '" + k + "'",
                    "expected " + join_words(form.required));
        ok = false;
      }
      return std::nullopt;
    }
    auto x = read_number(*v, key + "." + k, Range{}, "", diags);
    if (!x) ok = false;
    return x;
  };
  const auto a = value(form.required[0], true);
  const auto b = value(form.required[1], true);
  // Truncation bounds (uniform has its own low and high). Defaulted to infinities rather than
  // left empty: GCC 12 warns about optionals built through a conditional.
  double low = -kInf, high = kInf;
  if (form.name != "uniform") {
    if (auto v = value("low", false)) low = *v;
    if (auto v = value("high", false)) high = *v;
  }
  if (!ok || !a || !b) return std::nullopt;
  try {
    Distribution d;
    if (form.name == "uniform") {
      if (!(*a < *b)) {
        diags.error(n.key_location("high"), key + ".high",
                    "expected high > low, found low " + format_number(*a) + " and high " +
                        format_number(*b));
        return std::nullopt;
      }
      d = uniform_distribution(*a, *b);
    } else if (form.name == "normal") {
      if (!(*b > 0)) {
        diags.error(n.find("sd")->where, key + ".sd",
                    "expected sd > 0, found " + format_number(*b));
        return std::nullopt;
      }
      d = normal_distribution(*a, *b);
    } else if (form.name == "lognormal") {
      if (!(*a > 0) || !(*b > 0)) {
        const bool median_bad = !(*a > 0);
        const std::string k = median_bad ? "median" : "sigma";
        diags.error(n.find(k)->where, key + "." + k,
                    "expected " + k + " > 0, found " + format_number(median_bad ? *a : *b));
        return std::nullopt;
      }
      d = lognormal_distribution(*a, *b);
    } else {
      if (!(*a > 0)) {
        diags.error(n.find("p10")->where, key + ".p10",
                    "expected p10 > 0 (a lognormal is positive), found " + format_number(*a));
        return std::nullopt;
      }
      if (!(*a < *b)) {
        diags.error(
            n.find("p90")->where, key + ".p90",
            "expected p90 > p10, found p10 " + format_number(*a) + " and p90 " + format_number(*b));
        return std::nullopt;
      }
      d = lognormal_from_80_interval(*a, *b);
    }
    if (low > -kInf || high < kInf) d = truncated(d, low, high);
    return d;
  } catch (const SweepError& e) {
    for (const std::string& p : e.problems()) diags.error(n.where, key, p);
    return std::nullopt;
  }
}

struct Collector {
  const std::vector<ParamInfo>& schema;
  Diagnostics& diags;
  std::vector<UncertainParameter> found;

  // Walks `n` (a copy being turned into the median tree) and replaces each distribution.
  void walk(ConfigNode& n, const std::string& key, const std::string& pattern,
            std::vector<std::size_t>& steps) {
    if (is_distribution(n)) {
      take(n, key, pattern, steps);
      return;
    }
    if (n.is_map()) {
      for (std::size_t i = 0; i < n.entries.size(); ++i) {
        ConfigEntry& e = n.entries[i];
        if (steps.empty() && e.key == "uncertainty") continue;
        steps.push_back(i);
        walk(e.value, key.empty() ? e.key : key + "." + e.key,
             pattern.empty() ? e.key : pattern + "." + e.key, steps);
        steps.pop_back();
      }
    } else if (n.is_sequence()) {
      const bool by_id = all_items_have_ids(n);
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        steps.push_back(i);
        walk(n.items[i], key + "." + (by_id ? n.items[i].find("id")->scalar : std::to_string(i)),
             pattern + "[]", steps);
        steps.pop_back();
      }
    }
  }

  void take(ConfigNode& n, const std::string& key, const std::string& pattern,
            const std::vector<std::size_t>& steps) {
    UncertainParameter p;
    p.key = key;
    p.where = n.where;
    p.steps = steps;
    bool ok = true;
    if (key == "run" || key.starts_with("run.")) {
      diags.error(n.where, key,
                  "the seed and the number of replicates cannot be uncertain: expected a number");
      ok = false;
    }
    bool map_value = false;
    if (const ParamInfo* info = schema_entry(pattern, schema, map_value)) {
      if (map_value || info->type == "number" || info->type == "integer") {
        p.unit = info->unit;
        p.integer = info->type == "integer";
      } else {
        diags.error(n.where, key,
                    "a distribution can stand only for a number; this key takes " + info->type);
        ok = false;
      }
    }
    const auto d = read_distribution(n, key, diags);
    if (!ok || !d) return;  // the schema is not asked about this key: its error is above
    p.distribution = *d;
    p.median = median(*d);
    if (p.integer) p.median = std::round(p.median);
    ConfigNode median;
    median.kind = ConfigNode::Kind::scalar;
    median.scalar = format_exact(p.median);
    median.where = n.where;
    n = std::move(median);
    found.push_back(std::move(p));
  }
};

// Whether `key` names a parameter that an extending file or --set has fixed to a plain value
// where a base file drew it (ConfigNode::fixes_distribution).
bool fixed_by_override(const ConfigNode& tree, std::optional<ConfigNode>& copy,
                       const std::string& key) {
  if (!copy) copy = tree;  // walk_key_path adds missing keys: walk a copy, made once
  const KeyPathWalk w = walk_key_path(*copy, key);
  return w.node != nullptr && w.node->fixes_distribution;
}

// uncertainty: {correlations: [{between: [a, b], rank_correlation: r}, ...]}
void read_correlations(const ConfigNode& section, const ConfigNode& tree, Uncertainty& u,
                       Diagnostics& diags) {
  std::optional<ConfigNode> walked;
  if (section.is_null()) return;
  if (!section.is_map()) {
    diags.error(section.where, "uncertainty",
                "expected a mapping with correlations, found " + section.describe());
    return;
  }
  for (const ConfigEntry& e : section.entries)
    if (e.key != "correlations")
      diags.error(e.key_where, "uncertainty." + e.key, "not a key of the uncertainty section",
                  suggest(e.key, {"correlations"}, "its keys"));
  const ConfigNode* list = section.find("correlations");
  if (list == nullptr || list->is_null()) return;
  if (!list->is_sequence()) {
    diags.error(
        list->where, "uncertainty.correlations",
        "expected a list of {between: [key, key], rank_correlation: r}, found " + list->describe());
    return;
  }
  std::vector<std::string> keys;
  for (const UncertainParameter& p : u.parameters) keys.push_back(p.key);
  const auto n = static_cast<Eigen::Index>(keys.size());
  Eigen::MatrixXd rank = Eigen::MatrixXd::Identity(n, n);
  std::vector<std::vector<int>> set_at_line(keys.size(), std::vector<int>(keys.size(), 0));
  bool any = false;
  const std::size_t errors_before = diags.size();
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const ConfigNode& item = list->items[i];
    const std::string path = "uncertainty.correlations[" + std::to_string(i) + "]";
    if (!item.is_map()) {
      diags.error(item.where, path,
                  "expected {between: [key, key], rank_correlation: r}, found " + item.describe());
      continue;
    }
    for (const ConfigEntry& e : item.entries)
      if (e.key != "between" && e.key != "rank_correlation")
        diags.error(e.key_where, path + "." + e.key, "not a key of a correlation",
                    suggest(e.key, {"between", "rank_correlation"}, "its keys"));
    const ConfigNode* between = item.find("between");
    const ConfigNode* r = item.find("rank_correlation");
    if (between == nullptr || r == nullptr) {
      diags.error(item.where, path,
                  std::string("missing required key '") +
                      (between == nullptr ? "between" : "rank_correlation") + "'");
      continue;
    }
    const auto rho =
        read_number(*r, path + ".rank_correlation", Range{-1, 1, false, false}, "", diags);
    if (!between->is_sequence() || between->items.size() != 2) {
      diags.error(between->where, path + ".between",
                  "expected two key paths of uncertain parameters, found " + between->describe());
      continue;
    }
    std::vector<std::size_t> idx;
    bool fixed = false;  // a correlation with a parameter fixed by an override does not apply
    for (const ConfigNode& k : between->items) {
      const auto text = read_text(k, path + ".between", diags);
      if (!text) continue;
      const auto at = std::find(keys.begin(), keys.end(), *text);
      if (at == keys.end() && fixed_by_override(tree, walked, *text)) {
        fixed = true;
        continue;
      }
      if (at == keys.end()) {
        diags.error(k.where, path + ".between",
                    "'" + *text + "' is not an uncertain parameter (a key given as a distribution)",
                    keys.empty() ? "the scenario has no uncertain parameter"
                                 : suggest(*text, keys, "uncertain parameters"));
        continue;
      }
      idx.push_back(static_cast<std::size_t>(at - keys.begin()));
    }
    if (fixed || idx.size() != 2 || !rho) continue;
    if (idx[0] == idx[1]) {
      diags.error(between->where, path + ".between",
                  "a parameter's correlation with itself is 1; expected two different keys");
      continue;
    }
    if (set_at_line[idx[0]][idx[1]] != 0) {
      diags.error(item.where, path,
                  "the correlation of " + keys[idx[0]] + " and " + keys[idx[1]] +
                      " was already given at line " + std::to_string(set_at_line[idx[0]][idx[1]]));
      continue;
    }
    set_at_line[idx[0]][idx[1]] = set_at_line[idx[1]][idx[0]] = std::max(item.where.line, 1);
    const auto a = static_cast<Eigen::Index>(idx[0]);
    const auto b = static_cast<Eigen::Index>(idx[1]);
    rank(a, b) = rank(b, a) = *rho;
    any = true;
  }
  if (!any || diags.size() != errors_before) return;
  try {
    u.sampling.copula = gaussian_copula(rank, "uncertainty.correlations", keys);
  } catch (const SweepError& e) {
    for (const std::string& p : e.problems())
      diags.error(list->where, "uncertainty.correlations", p);
  }
}

}  // namespace

Uncertainty extract_uncertainty(const ConfigNode& tree, ConfigNode& at_medians,
                                const std::vector<ParamInfo>& schema, Diagnostics& diags) {
  at_medians = tree;
  Collector c{schema, diags, {}};
  std::vector<std::size_t> steps;
  c.walk(at_medians, "", "", steps);
  Uncertainty u;
  u.parameters = std::move(c.found);
  for (const UncertainParameter& p : u.parameters) {
    u.sampling.names.push_back(p.key);
    u.sampling.distributions.push_back(p.distribution);
  }
  if (const ConfigNode* section = tree.is_map() ? tree.find("uncertainty") : nullptr)
    read_correlations(*section, tree, u, diags);
  if (at_medians.is_map())
    std::erase_if(at_medians.entries, [](const ConfigEntry& e) { return e.key == "uncertainty"; });
  return u;
}

std::vector<double> draw_uncertain(const Uncertainty& u, uint64_t seed, uint32_t replicate) {
  std::vector<double> v = sample_replicate(u.sampling, seed, replicate);
  for (std::size_t i = 0; i < v.size(); ++i)
    if (u.parameters[i].integer) v[i] = std::round(v[i]);
  return v;
}

ConfigNode with_values(ConfigNode tree, const Uncertainty& u, std::span<const double> values) {
  for (std::size_t i = 0; i < u.parameters.size(); ++i) {
    const UncertainParameter& p = u.parameters[i];
    ConfigNode* n = &tree;
    for (std::size_t s : p.steps) {
      if (n->is_map() && s < n->entries.size())
        n = &n->entries[s].value;
      else if (n->is_sequence() && s < n->items.size())
        n = &n->items[s];
      else
        n = nullptr;
      if (n == nullptr) break;
    }
    if (n == nullptr || !is_distribution(*n))
      throw InputError(p.where, p.key +
                                    ": the distribution is no longer at this key (was it "
                                    "overridden?)");
    ConfigNode value;
    value.kind = ConfigNode::Kind::scalar;
    value.scalar = format_exact(values[i]);
    value.where = p.where;
    *n = std::move(value);
  }
  if (tree.is_map())
    std::erase_if(tree.entries, [](const ConfigEntry& e) { return e.key == "uncertainty"; });
  return tree;
}

}  // namespace airace
