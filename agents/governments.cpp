#include "agents/governments.hpp"

#include <algorithm>

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

// A lever's new value must lie in the lever's own range.
void check_lever_value(Lever lever, double value, const SourceLocation& where,
                       const std::string& path, Diagnostics& diags) {
  if (lever == Lever::none) return;
  const LeverInfo& info = lever_info(lever);
  if (!info.range.contains(value))
    diags.error(where, path,
                "expected a value " + info.range.text() + " for " + info.name + ", found " +
                    format_number(value));
}

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
          choice("set", &A::set,
                 [] {
                   auto o = lever_options();
                   o.emplace_back("none", Lever::none);
                   return o;
                 }(),
                 {"a lever changed after the lag"}),
          number("to", &A::to, "unit of the lever", Range{},
                 {"the lever's new value (within the lever's range)",
                  "per rule: its source field"}),
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
                 {lever_info(Lever::us_enforcement).description,
                  "CNAS 2025: ~140k chips smuggled in 2024 at 2022-2024 effort (calibration §2b)"}),
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
                 {lever_info(Lever::cn_chip_subsidy).description,
                  "Big Fund III: 344B yuan (~$47.5B) registered 2024-05 (calibration §6)"}),
          number("domestic_preference", &C::domestic_preference, "fraction", between(0, 10),
                 {lever_info(Lever::cn_domestic_preference).description,
                  "assumption; raised in the baseline when Beijing discouraged H20 purchases "
                  "(2025-07, calibration §1a)"}),
          number("open_encouragement", &C::open_encouragement, "index", between(0, 10),
                 {lever_info(Lever::cn_open_encouragement).description,
                  "assumption; China's AI plans promote open-source models (2024-25)"}),
          number("compute_pool_share", &C::compute_pool_share, "fraction", between(0, 1),
                 {lever_info(Lever::cn_compute_pool_share).description,
                  "assumption; China's national computing network (2022)"}),
      });
  return schema;
}

const Schema<Allies>& allies_schema() {
  using A = Allies;
  static const Schema<Allies> schema(
      "allies", {
                    number("alignment", &A::alignment, "fraction", between(0, 1),
                           {lever_info(Lever::ally_alignment).description,
                            "assumption; raised in the baseline by Dutch DUV licensing "
                            "(2023-09, calibration §1a)"}),
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
          choice("set", &P::set, lever_options(), {"the lever", "", true}),
          number("to", &P::to, "unit of the lever", Range{},
                 {"the lever's new value (within the lever's range)",
                  "per event: its source field", true}),
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
    if (e.set == Lever::none) continue;  // an unknown lever: reported by the schema
    check_lever_value(e.set, e.to, e.where, "policy_events[" + e.id + "].to", diags);
    g.scheduled.push_back({e.date, e.set, e.to});
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
    if (announces == std::string::npos && a.set == Lever::none)
      diags.error(a.where, path,
                  "an adaptive rule needs a measure: 'announces: RULE_ID' and/or 'set: LEVER' "
                  "with 'to: VALUE'");
    check_lever_value(a.set, a.to, a.where, path + ".to", diags);
    g.adaptive.push_back({a.when, a.lag_days, announces, a.set, a.to});
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
    v[static_cast<std::size_t>(c.lever)] = c.value;
  }
  return v;
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
  }
}

}  // namespace airace
