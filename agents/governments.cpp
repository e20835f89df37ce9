#include "agents/governments.hpp"

#include <algorithm>
#include <optional>

namespace airace {

const LeverInfo& lever_info(Lever l) {
  static const std::array<LeverInfo, kLeverCount> info = {{
      {"us_government.enforcement", "index", at_least(0),
       "effort against smuggling and remote access (1 = the 2022-2024 effort)"},
      {"allies.alignment", "fraction", between(0, 1),
       "how far allies (equipment makers) align with US equipment controls"},
      {"china_government.chip_subsidy_usd_per_year", "USD/year", at_least(0),
       "state money for domestic chip producers' capacity"},
      {"china_government.domestic_preference", "fraction", between(0, 10),
       "value bonus state-linked buyers give domestic chips"},
      {"china_government.compute_pool_share", "fraction", between(0, 1),
       "share of state-linked cloud compute the national computing pool lends to labs"},
      {"china_government.open_encouragement", "index", between(0, 10),
       "state encouragement of open-weight releases by Chinese labs (0 none, 1 strong)"},
  }};
  return info[static_cast<std::size_t>(l)];
}

std::vector<std::pair<std::string, Lever>> lever_options() {
  std::vector<std::pair<std::string, Lever>> o;
  for (std::size_t i = 0; i < kLeverCount; ++i)
    o.emplace_back(lever_info(static_cast<Lever>(i)).name, static_cast<Lever>(i));
  return o;
}

namespace {

void read_when(const ConfigNode& n, const std::string& path, AdaptiveRule& rule,
               Diagnostics& diags) {
  if (auto c = parse_condition(n, path, world_indicator_names(), diags)) rule.when = std::move(*c);
}

void read_adaptive_rules(const ConfigNode& n, const std::string& path, UsGovernment& us,
                         Diagnostics& diags) {
  us.adaptive_rules = read_entity_list(n, path, adaptive_rule_schema(), AdaptiveRule{}, diags);
}

// A lever's new value must be a number in the lever's own range.
std::optional<double> lever_value(Lever lever, const ConfigNode& to, const std::string& path,
                                  Diagnostics& diags) {
  const LeverInfo& info = lever_info(lever);
  const std::optional<double> value = read_number(to, path, Range{}, info.unit, diags);
  if (value && !info.range.contains(*value)) {
    diags.error(to.where, path,
                "expected a value " + info.range.text() + " for " + info.name + ", found " +
                    format_number(*value));
    return std::nullopt;
  }
  return value;
}

}  // namespace

// `set:` is one of the six lever names or, for any other parameter, its key path; the assembly
// checks the path against the parameters marked "may change during a run".
void read_set_target(const ConfigNode& n, const std::string& path, SetTarget& out,
                     Diagnostics& diags) {
  const std::optional<std::string> v = read_text(n, path, diags);
  if (!v) return;
  out = SetTarget{};
  out.where = n.where;
  for (const auto& [name, lever] : lever_options())
    if (name == *v) out.lever = lever;
  if (out.lever == Lever::none) out.parameter = *v;
}

namespace {

void read_to(const ConfigNode& n, const std::string& path, ConfigNode& out, Diagnostics& diags) {
  if (!n.is_scalar()) {
    diags.error(n.where, path, "expected a single value (a number or a word), found " + n.describe());
    return;
  }
  out = n;
}

const char* const kSetDoc =
    "what it changes: a lever (us_government.enforcement, allies.alignment, "
    "china_government.chip_subsidy_usd_per_year, china_government.domestic_preference, "
    "china_government.compute_pool_share, china_government.open_encouragement) or the --set key "
    "path of any parameter that may change during a run, e.g. "
    "export_rules[bis_2023_10].covers or labs[deepseek].release_policy";
const char* const kToDoc =
    "the new value, checked against the parameter's own range, words or syntax";

}  // namespace

const std::vector<std::string>& world_indicator_names() {
  static const std::vector<std::string> names = {
      "us_cn_gap_months",  "us_compute_h100e",       "cn_compute_h100e", "cn_domestic_share",
      "cn_smuggled_h100e", "cn_remote_access_h100e", "years_elapsed"};
  return names;
}

const Schema<AdaptiveRule>& adaptive_rule_schema() {
  using A = AdaptiveRule;
  static const Schema<AdaptiveRule> schema(
      "us_government.adaptive_rules[]",
      {
          text("id", &A::id, {"unique identifier", "", true}),
          custom<A>({"when", "condition over world indicators", "", "", "",
                     "condition on the latest indicators, e.g. 'us_cn_gap_months < 3'; "
                     "indicators: " +
                         join_words(world_indicator_names()),
                     "", true},
                    read_when),
          number("lag_days", &A::lag_days, "days", between(0, 3650),
                 {"days from the condition holding to the measure taking effect",
                  "per rule: its source field"}),
          reference("announces", &A::announces, "export_rules[]",
                    {"an adaptive export rule announced when the condition holds; it comes into "
                     "force after the lag"}),
          custom<A>({"set", "a lever or a key path", "", "", "",
                     std::string(kSetDoc) + "; changed after the lag", "", false},
                    [](const ConfigNode& n, const std::string& path, A& out, Diagnostics& d) {
                      read_set_target(n, path, out.set, d);
                    }),
          custom<A>({"to", "number, word or text", "the parameter's", "", "", kToDoc,
                     "per rule: its source field", false},
                    [](const ConfigNode& n, const std::string& path, A& out, Diagnostics& d) {
                      read_to(n, path, out.to, d);
                    }),
          text("source", &A::source, {"where the rule comes from"}),
      });
  return schema;
}

const Schema<UsGovernment>& us_government_schema() {
  using U = UsGovernment;
  static const Schema<UsGovernment> schema(
      "us_government",
      {
          number("enforcement", &U::enforcement, "index", at_least(0),
                 changeable({lever_info(Lever::us_enforcement).description,
                             "CNAS 2025: ~140k chips smuggled in 2024 at 2022-2024 effort "
                             "(calibration §2b)"})),
          custom<U>({"adaptive_rules", "list of adaptive rules (see us_government.adaptive_rules[])",
                     "", "[]", "", "measures triggered by a condition on the state of the world",
                     "", false},
                    read_adaptive_rules),
      });
  return schema;
}

const Schema<ChinaGovernment>& china_government_schema() {
  using C = ChinaGovernment;
  static const Schema<ChinaGovernment> schema(
      "china_government",
      {
          number("chip_subsidy_usd_per_year", &C::chip_subsidy_usd_per_year, "USD/year",
                 at_least(0),
                 changeable({lever_info(Lever::cn_chip_subsidy).description,
                             "Big Fund III: 344B yuan (~$47.5B) registered 2024-05 (calibration "
                             "§6)"})),
          number("domestic_preference", &C::domestic_preference, "fraction", between(0, 10),
                 changeable({lever_info(Lever::cn_domestic_preference).description,
                             "assumption; raised in the baseline when Beijing discouraged H20 "
                             "purchases (2025-07, calibration §1a)"})),
          number("open_encouragement", &C::open_encouragement, "index", between(0, 10),
                 changeable({lever_info(Lever::cn_open_encouragement).description,
                             "assumption; China's AI plans promote open-source models (2024-25)"})),
          number("compute_pool_share", &C::compute_pool_share, "fraction", between(0, 1),
                 changeable({lever_info(Lever::cn_compute_pool_share).description,
                             "assumption; China's national computing network (2022)"})),
      });
  return schema;
}

const Schema<Allies>& allies_schema() {
  using A = Allies;
  static const Schema<Allies> schema(
      "allies", {
                    number("alignment", &A::alignment, "fraction", between(0, 1),
                           changeable({lever_info(Lever::ally_alignment).description,
                                       "assumption; raised in the baseline by Dutch DUV "
                                       "licensing (2023-09, calibration §1a)"})),
                });
  return schema;
}

const Schema<PolicyEvent>& policy_event_schema() {
  using P = PolicyEvent;
  static const Schema<PolicyEvent> schema(
      "policy_events[]",
      {
          text("id", &P::id, {"unique identifier", "", true}),
          date("date", &P::date, {"date the lever changes", "", true}),
          custom<P>({"set", "a lever or a key path", "", "", "", kSetDoc, "", true},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      read_set_target(n, path, out.set, d);
                    }),
          custom<P>({"to", "number, word or text", "the parameter's", "", "", kToDoc,
                     "per event: its source field", true},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      read_to(n, path, out.to, d);
                    }),
          text("source", &P::source, {"where the event comes from"}),
          reference("team", &P::team, "teams[]",
                    {"the seminar team whose decision this is (a wargame's export); such events "
                     "form the decision log in /meta/decisions"}),
      });
  return schema;
}

GovernmentsSetup resolve_governments(const UsGovernment& us, const ChinaGovernment& cn,
                                     const Allies& allies, const std::vector<PolicyEvent>& events,
                                     const RuleBook& rules, Diagnostics& diags) {
  GovernmentsSetup g;
  g.initial[static_cast<std::size_t>(Lever::us_enforcement)] = us.enforcement;
  g.initial[static_cast<std::size_t>(Lever::ally_alignment)] = allies.alignment;
  g.initial[static_cast<std::size_t>(Lever::cn_chip_subsidy)] = cn.chip_subsidy_usd_per_year;
  g.initial[static_cast<std::size_t>(Lever::cn_domestic_preference)] = cn.domestic_preference;
  g.initial[static_cast<std::size_t>(Lever::cn_compute_pool_share)] = cn.compute_pool_share;
  g.initial[static_cast<std::size_t>(Lever::cn_open_encouragement)] = cn.open_encouragement;

  for (const PolicyEvent& e : events) {
    const std::string path = "policy_events[" + e.id + "]";
    if (!e.to.is_scalar()) continue;  // missing: reported by the schema
    if (e.set.lever != Lever::none) {
      if (auto v = lever_value(e.set.lever, e.to, path + ".to", diags))
        g.scheduled.push_back({e.date, e.set.lever, *v});
    } else if (!e.set.parameter.empty()) {
      g.scheduled.push_back({e.date, Lever::none, 0.0, g.parameters.size()});
      g.parameters.push_back({e.set.parameter, e.to, e.set.where, path});
    }
  }
  std::stable_sort(g.scheduled.begin(), g.scheduled.end(),
                   [](const LeverChange& a, const LeverChange& b) { return a.date < b.date; });

  for (const AdaptiveRule& a : us.adaptive_rules) {
    const std::string path = "us_government.adaptive_rules[" + a.id + "]";
    std::size_t announces = std::string::npos;
    if (!a.announces.id.empty())
      if (auto r = resolve_reference(a.announces, path + ".announces", rules.ids, "export rule",
                                     diags)) {
        if (!rules.adaptive[*r])
          diags.error(a.announces.where, path + ".announces",
                      "the export rule '" + a.announces.id +
                          "' has dates of its own; a rule announced by an adaptive rule needs "
                          "'adaptive: true' and no dates");
        announces = *r;
      }
    const bool sets = a.set.lever != Lever::none || !a.set.parameter.empty();
    if (announces == std::string::npos && !sets)
      diags.error(a.where, path,
                  "an adaptive rule needs a measure: 'announces: RULE_ID' and/or 'set: LEVER' "
                  "with 'to: VALUE'");
    if (sets && !a.to.is_scalar())
      diags.error(a.set.where, path + ".to", "'set:' needs 'to: VALUE', the new value");
    double to = 0.0;
    std::size_t parameter = kNoParameter;
    if (a.set.lever != Lever::none && a.to.is_scalar()) {
      to = lever_value(a.set.lever, a.to, path + ".to", diags).value_or(0.0);
    } else if (!a.set.parameter.empty() && a.to.is_scalar()) {
      parameter = g.parameters.size();
      g.parameters.push_back({a.set.parameter, a.to, a.set.where, path});
    }
    g.adaptive.push_back({a.when, a.lag_days, announces, a.set.lever, to, parameter});
    g.adaptive_ids.push_back(a.id);
  }
  return g;
}

GovernmentState initial_government_state(const GovernmentsSetup& setup, const RuleBook& rules) {
  GovernmentState s;
  s.changes = setup.scheduled;
  s.rule_times = rules.initial_times;
  s.fired.assign(setup.adaptive.size(), 0);
  s.fired_on.assign(setup.adaptive.size(), Date::from_ymd(9999, 12, 31));
  return s;
}

LeverValues levers_at(const GovernmentsSetup& setup, const GovernmentState& state, Date d) {
  LeverValues v = setup.initial;
  for (const LeverChange& c : state.changes) {
    if (d < c.date) break;
    if (c.lever != Lever::none) v[static_cast<std::size_t>(c.lever)] = c.value;
  }
  return v;
}

std::vector<std::size_t> parameters_in_force(const GovernmentState& state, Date d) {
  std::vector<std::size_t> out;
  for (const LeverChange& c : state.changes) {
    if (d < c.date) break;
    if (c.parameter != kNoParameter) out.push_back(c.parameter);
  }
  return out;
}

void set_parameter(GovernmentState& state, std::size_t parameter, Date d) {
  const auto at = std::upper_bound(
      state.changes.begin(), state.changes.end(), d,
      [](Date x, const LeverChange& c) { return x < c.date; });
  state.changes.insert(at, {d, Lever::none, 0.0, parameter});
}

void set_lever(GovernmentState& state, Lever lever, double value, Date d) {
  const auto at = std::upper_bound(
      state.changes.begin(), state.changes.end(), d,
      [](Date x, const LeverChange& c) { return x < c.date; });
  state.changes.insert(at, {d, lever, value});
}

void step_governments(const GovernmentsSetup& setup, GovernmentState& state,
                      std::span<const double> world, const Tick& tick) {
  for (std::size_t i = 0; i < setup.adaptive.size(); ++i) {
    if (state.fired[i]) continue;
    const GovernmentsSetup::Adaptive& a = setup.adaptive[i];
    if (!a.when.evaluate(world)) continue;
    // docs/model.md §"Governments: adaptive rules": announced now, in force after the lag.
    state.fired[i] = 1;
    state.fired_on[i] = tick.date;
    const Date effective = tick.date.plus_days(static_cast<int64_t>(a.lag_days + 0.5));
    if (a.announces != std::string::npos) {
      RuleTimes& t = state.rule_times[a.announces];
      t.announced = tick.date;
      t.effective = effective;
    }
    if (a.set != Lever::none) set_lever(state, a.set, a.to, effective);
    if (a.parameter != kNoParameter) set_parameter(state, a.parameter, effective);
  }
}

}  // namespace airace
