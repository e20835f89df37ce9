#include "sim/model/parameter_changes.hpp"

#include "sim/core/config_path.hpp"

#include <algorithm>
#include <cctype>

namespace airace {

const std::vector<std::string>& changeable_parameters() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const ParamInfo& p : all_parameters())
      if (p.during_run) k.push_back(p.key);
    return k;
  }();
  return keys;
}

namespace {

std::string normalise_space(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Sets the value at `target.path` in `tree`; false when the path does not resolve.
bool apply(ConfigNode& tree, const ParameterTarget& target) {
  KeyPathWalk w = walk_key_path(tree, target.path, target.value.where);
  if (w.node == nullptr) return false;
  *w.node = target.value;
  return true;
}

// Checks one change: a marked parameter of this scenario, and a value its schema accepts.
// Returns the resolved path, or nullopt after reporting.
std::optional<KeyPath> check_change(const ConfigNode& tree, const ParameterTarget& t,
                                          const std::string& file, Diagnostics& diags) {
  ConfigNode changed = tree;
  KeyPathWalk w = walk_key_path(changed, t.path, t.value.where);
  const std::string set_key = t.origin + ".set";
  if (w.node == nullptr) {
    diags.error(t.set_where, set_key, w.error, w.hint);
    return std::nullopt;
  }
  const std::vector<std::string>& marked = changeable_parameters();
  if (std::find(marked.begin(), marked.end(), w.path.pattern) == marked.end()) {
    const std::vector<ParamInfo> all = all_parameters();
    const bool known = std::any_of(all.begin(), all.end(),
                                   [&](const ParamInfo& p) { return p.key == w.path.pattern; });
    std::string hint = did_you_mean(w.path.pattern, marked);
    hint += (hint.empty() ? "" : "; ") + std::string("may change during a run: ") +
            join_words(marked);
    diags.error(t.set_where, set_key,
                known ? "'" + w.path.canonical +
                            "' may not change during a run (its schema does not mark it: "
                            "changing it would need the run's state rebuilt)"
                      : "unknown parameter '" + w.path.canonical + "'",
                hint);
    return std::nullopt;
  }
  if (!t.value.is_scalar()) {
    diags.error(t.value.where, t.origin + ".to",
                "expected a single value for " + w.path.canonical + ", found " +
                    t.value.describe());
    return std::nullopt;
  }
  *w.node = t.value;
  try {
    (void)scenario_version_from_tree(std::move(changed), file);
  } catch (const InputError& e) {
    // The parameter's own schema refused the value: its errors point at `to:`.
    for (const Diagnostic& d : e.diagnostics())
      diags.error(d.where, d.key_path, d.message,
                  d.hint.empty() ? "the value " + t.origin + " sets " + w.path.canonical + " to"
                                 : d.hint);
    return std::nullopt;
  }
  return w.path;
}

// The text of a parameter's value in the tree (with archetypes applied), else its default.
std::string current_text(const ConfigNode& expanded, const KeyPath& p) {
  ConfigNode copy = expanded;
  KeyPathWalk w = walk_key_path(copy, p.canonical);
  if (w.node != nullptr && w.node->is_scalar()) return w.node->scalar;
  for (const ParamInfo& info : all_parameters())
    if (info.key == p.pattern) return info.default_value;
  return "";
}

ConfigNode scalar_node(std::string text, const SourceLocation& where) {
  ConfigNode n;
  n.kind = ConfigNode::Kind::scalar;
  n.scalar = std::move(text);
  n.where = where;
  return n;
}

}  // namespace

void check_parameter_changes(Scenario& s, const ConfigNode& tree, const ConfigNode& expanded,
                             Diagnostics& diags, bool check_levers) {
  std::optional<ConfigNode> walked;  // a copy of `tree` to find levers' paths in, made once
  std::vector<std::optional<KeyPath>> resolved;
  for (const ParameterTarget& t : s.governments_setup.parameters)
    resolved.push_back(check_change(tree, t, s.file, diags));

  for (std::size_t i = 0; i < s.levers.size(); ++i) {
    const LeverSpec& l = s.levers[i];
    if (l.parameter.empty()) continue;
    const std::string origin = "levers[" + l.id + "]";
    std::optional<KeyPath> path;
    bool ok = true;
    if (!l.is_option() && !(l.slider_keys_given == 3 && l.min < l.max))
      continue;  // reported by resolve_seminar
    if (!check_levers) {
      // Its values were checked when the scenario this tree comes from was loaded.
      if (!walked) walked = tree;
      const KeyPathWalk w = walk_key_path(*walked, l.parameter);
      if (w.node != nullptr) path = w.path;
    }
    if (path) {
      // found above
    } else if (l.is_option()) {
      for (std::size_t k = 0; k < l.options.size(); ++k) {
        const ParameterTarget t{l.parameter, scalar_node(l.options[k].value, l.options[k].where),
                                l.set_where, origin + ".options[" + std::to_string(k) + "]"};
        const auto p = check_change(tree, t, s.file, diags);
        ok = ok && p.has_value();
        if (p) path = p;
        if (!p) break;  // one refusal of the path is enough
      }
    } else {
      for (double v : {l.min, l.max}) {
        const ParameterTarget t{l.parameter, scalar_node(exact_number(v), l.where), l.set_where,
                                origin};
        const auto p = check_change(tree, t, s.file, diags);
        ok = ok && p.has_value();
        if (p) path = p;
        if (!p) break;
      }
    }
    if (!ok || !path) continue;

    // The value on first_turn: the scenario's own, changed by policy events dated up to then.
    std::string text = current_text(expanded, *path);
    for (const LeverChange& c : s.governments_setup.scheduled)
      if (c.parameter != kNoParameter && c.date <= s.seminar.first_turn &&
          resolved[c.parameter] && resolved[c.parameter]->canonical == path->canonical)
        text = s.governments_setup.parameters[c.parameter].value.scalar;
    double& value = s.seminar_setup.lever_value[i];
    if (l.is_option()) {
      const auto at = std::find_if(l.options.begin(), l.options.end(), [&](const LeverOption& o) {
        return normalise_space(o.value) == normalise_space(text);
      });
      if (at == l.options.end())
        diags.error(l.where, origin + ".options",
                    "the value of " + path->canonical + " on seminar.first_turn (" +
                        s.seminar.first_turn.iso() + ") is '" + text +
                        "', which is not one of the options",
                    "add it as an option, so that students start from the scenario's own value");
      else
        value = static_cast<double>(at - l.options.begin());
    } else {
      Diagnostics ignored;  // checked above as part of the scenario
      value = read_number(scalar_node(text, l.where), path->canonical, Range{}, "", ignored)
                  .value_or(0.0);
      if (!on_lever_grid(l, value))
        diags.error(l.where, origin,
                    "the value of " + path->canonical + " on seminar.first_turn (" +
                        s.seminar.first_turn.iso() + ") is " + text +
                        ", which is not on the slider (min + k x step, from " +
                        format_number(l.min) + " to " + format_number(l.max) + ")",
                    "choose min and step so that the scenario's own value is one of the values");
    }
  }
  // The seminar's agreements: each parameter takes 0 (not signed) and 1 (signed), and starts at
  // one of them.
  for (std::size_t i = 0; i < s.agreements.size(); ++i) {
    const SeminarAgreement& a = s.agreements[i];
    if (a.parameter.empty()) continue;  // reported by the schema
    const std::string origin = "agreements[" + a.id + "]";
    std::optional<KeyPath> path;
    if (check_levers) {
      for (const char* v : {"0", "1"}) {
        path = check_change(tree, {a.parameter, scalar_node(v, a.set_where), a.set_where, origin},
                            s.file, diags);
        if (!path) break;
      }
    } else {
      if (!walked) walked = tree;
      const KeyPathWalk w = walk_key_path(*walked, a.parameter);
      if (w.node != nullptr) path = w.path;
    }
    if (!path) continue;
    std::string text = current_text(expanded, *path);
    for (const LeverChange& c : s.governments_setup.scheduled)
      if (c.parameter != kNoParameter && c.date <= s.seminar.first_turn && resolved[c.parameter] &&
          resolved[c.parameter]->canonical == path->canonical)
        text = s.governments_setup.parameters[c.parameter].value.scalar;
    Diagnostics ignored;  // checked above as part of the scenario
    const double value =
        read_number(scalar_node(text, a.where), path->canonical, Range{}, "", ignored)
            .value_or(-1.0);
    if (value != 0.0 && value != 1.0)
      diags.error(a.where, origin,
                  "the value of " + path->canonical + " on seminar.first_turn (" +
                      s.seminar.first_turn.iso() + ") is " + text +
                      "; an agreement starts either not signed (0) or signed (1)");
    else
      s.seminar_setup.agreement_value[i] = value;
  }
}

ScenarioVersions::ScenarioVersions(ConfigNode tree, std::string file,
                                   std::vector<ParameterTarget> targets)
    : tree_(std::move(tree)), file_(std::move(file)), targets_(std::move(targets)) {}

const Scenario& ScenarioVersions::version(const std::vector<std::size_t>& changes) {
  // Derived under the lock: replicates that need the same version wait for the first.
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_.find(changes);
  if (it != cache_.end()) return *it->second;
  ConfigNode tree = tree_;
  for (std::size_t c : changes)
    if (!apply(tree, targets_.at(c)))
      throw std::logic_error("a parameter change checked at load no longer resolves: " +
                             targets_[c].path);
  auto s = std::make_unique<const Scenario>(scenario_version_from_tree(std::move(tree), file_));
  return *cache_.emplace(changes, std::move(s)).first->second;
}

std::size_t ScenarioVersions::add(const ParameterTarget& target) {
  const std::lock_guard<std::mutex> lock(mutex_);
  Diagnostics diags;
  if (!check_change(tree_, target, file_, diags)) diags.throw_if_any();
  targets_.push_back(target);
  return targets_.size() - 1;
}

const Scenario* ParameterChanges::scenario_on(const GovernmentState& state, Date d) {
  new_.clear();
  std::vector<std::size_t> now = parameters_in_force(state, d);
  if (now == in_force_ || base_->versions == nullptr) return nullptr;
  // Changes only come into force, in date order: the new ones follow those already in force.
  for (std::size_t i = 0; i < now.size(); ++i)
    if (i >= in_force_.size() || now[i] != in_force_[i]) new_.push_back(now[i]);
  in_force_ = std::move(now);
  return in_force_.empty() ? base_ : &base_->versions->version(in_force_);
}

EventTableId add_parameter_change_outputs(const Scenario& s, SeriesCatalog& cat) {
  std::vector<std::string> origins, parameters, values;
  for (const ParameterTarget& t : s.governments_setup.parameters) {
    origins.push_back(t.origin);
    parameters.push_back(t.path);
    values.push_back(t.value.scalar);
  }
  const AxisId axis = cat.add_axis(
      {"policy",
       "parameter_change",
       "the parameter changes the scenario's policy events and adaptive rules may make",
       origins,
       {{"changed_parameter", "", "the key path of the parameter changed", parameters},
        {"new_value", "", "its new value, as written", values}}});
  return cat.add_event_table(
      {"policy",
       "parameter_changes",
       "parameter changes as they came into force: one row per change and replicate",
       {{"date", "", "first day of the new value", EventColumn::Kind::date, 0},
        {"change", "", "the change", EventColumn::Kind::entity, axis}}});
}

}  // namespace airace
