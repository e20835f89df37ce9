#include "sim/serve/seminar_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "output/summary.hpp"
#include "sim/core/config_tree.hpp"
#include "sim/runner/ensemble.hpp"
#include "sim/model/model.hpp"

namespace airace::serve {
namespace {

Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

// The headline indicators of the page, in order; those the scenario does not record are left
// out.
struct IndicatorChoice {
  const char* id;
  const char* name;    // the series in /indicators
  const char* entity;  // country id, or "" for a series without an entity axis
  const char* label;
};
constexpr IndicatorChoice kIndicators[] = {
    {"us_cn_gap_months", "us_cn_gap_months", "", "US lead over China's best model"},
    {"cn_compute_h100e", "compute_h100e", "CN", "China's installed AI compute"},
    {"us_compute_h100e", "compute_h100e", "US", "US installed AI compute"},
    {"cn_domestic_share", "cn_domestic_share", "", "Domestic chips' share of China's compute"},
    {"cn_smuggled_h100e", "cn_smuggled_h100e", "", "Compute smuggled into China (cumulative)"},
    {"cn_open_share_abroad", "cn_open_share_abroad", "",
     "Users abroad on Chinese open-weight models"},
};

std::string plain_number(double v) {
  char buf[64];
  const double a = std::abs(v);
  if (a >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3g billion", v / 1e9);
  else if (a >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3g million", v / 1e6);
  else if (a >= 1e4)
    std::snprintf(buf, sizeof buf, "%.3g thousand", v / 1e3);
  else if (a >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// A value with its unit, as a sentence writes it: fractions as percentages.
std::string with_unit(double v, const std::string& unit) {
  if (unit == "fraction") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * v);
    return buf;
  }
  return plain_number(v) + " " + unit;
}

// The index of the last date on or before d (npos when none).
std::size_t last_on_or_before(const std::vector<Date>& dates, Date d) {
  const auto it = std::upper_bound(dates.begin(), dates.end(), d);
  return it == dates.begin() ? std::string::npos : static_cast<std::size_t>(it - dates.begin()) - 1;
}

// Median over replicates of series s (entity e) at time index t.
double median_at(const RunResult& r, SeriesId s, std::size_t t, std::size_t e) {
  std::vector<double> v;
  for (const SeriesBuffer& b : r.replicates) v.push_back(b.get(s, t, e));
  return quantile(std::move(v), 0.5);
}

// A scalar as YAML text that reads back as itself: a number as it is, other text quoted.
std::string yaml_scalar(const std::string& text) {
  char* end = nullptr;
  (void)std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) return text;
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

// The unit of a lever's value: the government lever's, or the parameter's own ("" for words).
std::string lever_unit(const LeverSpec& l) {
  if (l.set != Lever::none) return lever_info(l.set).unit;
  if (l.is_option()) return "";
  std::string pattern;  // labs[x].y -> labs[].y
  for (std::size_t i = 0; i < l.parameter.size(); ++i) {
    pattern += l.parameter[i];
    if (l.parameter[i] == '[') {
      const std::size_t close = l.parameter.find(']', i);
      if (close == std::string::npos) break;
      pattern += ']';
      i = close;
    }
  }
  for (const ParamInfo& p : all_parameters())
    if (p.key == pattern) return p.unit;
  return "";
}

// A lever's value as a sentence says it: an option's label, or the number with its unit.
std::string shown_value(const LeverSpec& l, double value, const std::string& unit) {
  if (!l.is_option()) return with_unit(value, unit);
  const auto k = static_cast<std::size_t>(value);
  return k < l.options.size() ? "'" + l.options[k].label + "'" : "?";
}

// "A", "A and B", "A, B and C".
std::string joined_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

}  // namespace

Scenario with_default_levers(const Scenario& s) {
  std::string overlay = R"(teams:
  - {id: us, name: US government}
  - {id: cn, name: China's government}
levers:
  - {id: enforcement, set: us_government.enforcement, team: us, min: 0, max: 4, step: 0.25,
     label: Enforcement of chip export rules,
     explain: "Effort against smuggling and remote rental of controlled chips (1: the 2022-2024 effort)."}
  - {id: ally_alignment, set: allies.alignment, team: us, min: 0, max: 1, step: 0.05,
     label: Allies' alignment on equipment controls,
     explain: "How far allies follow US controls on chip-making tools (0 not at all, 1 fully)."}
  - {id: chip_subsidy, set: china_government.chip_subsidy_usd_per_year, team: cn, min: 0,
     max: 30000000000, step: 1000000000, label: Subsidy to domestic chip makers,
     explain: "State money a year for the capacity of Chinese chip producers."}
  - {id: domestic_preference, set: china_government.domestic_preference, team: cn, min: 0,
     max: 3, step: 0.1, label: Buy-domestic guidance,
     explain: "How much more state-linked buyers value a domestic chip over an imported one."}
  - {id: compute_pool, set: china_government.compute_pool_share, team: cn, min: 0, max: 0.5,
     step: 0.05, label: National computing pool,
     explain: "Share of state-linked cloud compute lent to Chinese labs for training."}
  - {id: open_encouragement, set: china_government.open_encouragement, team: cn, min: 0,
     max: 2, step: 0.1, label: Encouragement of open-weight releases,
     explain: "How strongly the state rewards labs that publish their model weights."}
)";
  if (s.resolved.find("seminar") == nullptr) {
    // Turns start in 2025 when the scenario spans it, else a month after its start.
    Date first = Date::from_ymd(2025, 1, 1);
    if (!(s.info.start < first && first < s.info.end)) first = s.info.start.plus_months(1);
    overlay += "seminar: {first_turn: " + first.iso() + "}\n";
  }
  Diagnostics diags;
  ConfigNode tree = s.resolved;
  merge_config(tree, parse_yaml_text(overlay, "<airace serve's default levers>", diags));
  diags.throw_if_any();
  try {
    return scenario_from_tree(std::move(tree), s.file);
  } catch (const InputError& e) {
    std::vector<Diagnostic> all = e.diagnostics();
    all.push_back({SourceLocation{s.file, 1, 1}, "levers",
                   "the scenario declares no levers, and airace serve's default levers do not "
                   "fit it (above)",
                   "declare levers: in the scenario (see scenarios/seminar.yaml)"});
    throw InputError(std::move(all));
  }
}

SeminarModel::SeminarModel(Scenario base, int threads)
    : base_(std::move(base)), threads_(threads) {
  if (base_.levers.empty())
    throw InputError(SourceLocation{base_.file, 1, 1},
                     "the scenario declares no levers: airace serve needs a levers: section "
                     "(see scenarios/seminar.yaml and docs/scenarios.md)");
  if (!(base_.seminar.first_turn < base_.info.end)) {
    const ConfigNode* seminar = base_.resolved.find("seminar");
    throw InputError(seminar != nullptr ? seminar->where : SourceLocation{base_.file, 1, 1},
                     "seminar.first_turn " + base_.seminar.first_turn.iso() +
                         " must come before the scenario's end " + base_.info.end.iso());
  }
  const SeriesCatalog cat = build_catalog(base_);
  for (const IndicatorChoice& c : kIndicators) {
    const SeriesId s = cat.find("indicators", c.name);
    if (s == kNoSeries) continue;
    const SeriesSpec& spec = cat.series()[s];
    std::size_t entity = 0;
    if (*c.entity != '\0') {
      if (spec.entity_axes.size() != 1) continue;
      const std::vector<std::string>& eids = cat.axes()[spec.entity_axes[0]].ids;
      const auto it = std::find(eids.begin(), eids.end(), c.entity);
      if (it == eids.end()) continue;
      entity = static_cast<std::size_t>(it - eids.begin());
    } else if (!spec.entity_axes.empty()) {
      continue;
    }
    indicators_.push_back({c.id, c.label, spec.units, s, entity});
  }
}

std::vector<double> SeminarModel::values_from(const Json& given, const std::vector<double>& current,
                                              std::optional<std::size_t> team) const {
  if (!given.is_object())
    throw RequestError(400, "expected \"levers\" to be an object of lever ids and numbers, "
                            "e.g. {\"levers\": {\"enforcement\": 2}}");
  std::vector<double> out = current;
  for (const auto& [key, value] : given.items()) {
    const auto it = std::find_if(base_.levers.begin(), base_.levers.end(),
                                 [&](const LeverSpec& l) { return l.id == key; });
    if (it == base_.levers.end()) {
      std::string known;
      for (const LeverSpec& l : base_.levers) known += (known.empty() ? "" : ", ") + l.id;
      throw RequestError(400, "unknown lever '" + key + "'; the levers are " + known);
    }
    const std::size_t i = static_cast<std::size_t>(it - base_.levers.begin());
    if (team && base_.seminar_setup.lever_team[i] != *team)
      throw RequestError(403, "the lever '" + key + "' belongs to team '" +
                                  base_.teams[base_.seminar_setup.lever_team[i]].id + "'");
    if (it->is_option()) {
      // An option lever's value is the option's index, or the option's value as text.
      std::string known;
      for (std::size_t k = 0; k < it->options.size(); ++k) {
        const LeverOption& o = it->options[k];
        known += (known.empty() ? "" : ", ") + std::to_string(k) + " ('" + o.value + "')";
        if ((value.is_string() && value.get<std::string>() == o.value) ||
            (value.is_number() && value.get<double>() == static_cast<double>(k))) {
          out[i] = static_cast<double>(k);
          known.clear();
          break;
        }
      }
      if (!known.empty())
        throw RequestError(400, "lever '" + key + "': expected one of its options " + known);
      continue;
    }
    if (!value.is_number())
      throw RequestError(400, "expected a number for lever '" + key + "', found " +
                                  std::string(value.type_name()));
    const double v = value.get<double>();
    const std::optional<double> snapped = on_lever_grid(*it, v);
    if (!snapped)
      throw RequestError(400, "lever '" + key + "': expected a value from " +
                                  format_number(it->min) + " to " + format_number(it->max) +
                                  " in steps of " + format_number(it->step) + ", found " +
                                  format_number(v));
    out[i] = *snapped;
  }
  return out;
}

ConfigNode SeminarModel::scenario_tree(const std::vector<Decision>& decisions, Date end,
                                       const std::vector<AgreementDecision>& agreements) const {
  std::string overlay = "scenario:\n  end: " + end.iso() +
                        "\nrun:\n  replicates: " + std::to_string(base_.seminar.replicates) + "\n";
  if (!decisions.empty() || !agreements.empty()) {
    overlay += "policy_events:\n";
    // Signed: one event per party, so that the decision log names every team that signed.
    // Broken: one event, with the team that broke it.
    for (const AgreementDecision& d : agreements) {
      const SeminarAgreement& a = base_.agreements[d.agreement];
      std::string how =
          (d.signed_now ? "proposed by " : "broken by ") + base_.teams[d.teams.at(0)].id;
      for (std::size_t k = 1; k < d.teams.size(); ++k)
        how += (k == 1 ? ", accepted by " : " and ") + base_.teams[d.teams[k]].id;
      for (const std::size_t team : d.teams) {
        const std::string& t = base_.teams[team].id;
        const std::string id = "turn" + std::to_string(d.turn) + "_" + a.id +
                               (d.signed_now ? "_signed_" + t : std::string("_broken"));
        overlay += "  - id: '" + id + "'\n    date: " + d.date.iso() + "\n    set: '" +
                   a.parameter + "'\n    to: " + (d.signed_now ? "1" : "0") + "\n    team: '" + t +
                   "'\n    source: 'wargame turn " + std::to_string(d.turn) + ": " + how + "'\n";
      }
    }
    for (const Decision& d : decisions) {
      const LeverSpec& l = base_.levers[d.lever];
      const TeamSpec& t = base_.teams[base_.seminar_setup.lever_team[d.lever]];
      const std::string id =
          (d.turn > 0 ? "turn" + std::to_string(d.turn) : std::string("dashboard")) + "_" + l.id;
      overlay += "  - id: '" + id + "'\n    date: " + d.date.iso() + "\n    set: '" +
                 lever_target(l) + "'\n    to: " + yaml_scalar(lever_value_text(l, d.value)) +
                 "\n    team: '" + t.id + "'\n    source: '" +
                 (d.turn > 0 ? "wargame turn " + std::to_string(d.turn) : std::string("dashboard")) +
                 "'\n";
    }
  }
  Diagnostics diags;
  ConfigNode tree = base_.resolved;
  const ConfigNode add = parse_yaml_text(overlay, "<seminar decisions>", diags);
  diags.throw_if_any();
  merge_config(tree, add);
  return tree;
}

std::string SeminarModel::scenario_yaml(const std::vector<Decision>& decisions, Date end,
                                        const std::vector<AgreementDecision>& agreements) const {
  return to_yaml(scenario_tree(decisions, end, agreements));
}

Scenario SeminarModel::scenario(const std::vector<Decision>& decisions, Date end,
                                const std::vector<AgreementDecision>& agreements) const {
  // The tree itself, not its text read back: the same scenario (the base's tree is resolved,
  // with no extends: left to follow), without writing and parsing some 3,000 lines of YAML per
  // run. Only the places named in messages differ: the base's files instead of lines of the text.
  // The levers are the base's, checked when it was loaded: their options are not derived again.
  return scenario_from_tree(scenario_tree(decisions, end, agreements), base_.file,
                            LeverChecks::done);
}

RunResult SeminarModel::run(const Scenario& s) const {
  EnsembleOptions options;
  options.threads = threads_;
  options.start_cache = start_cache_.get();
  options.scenario_text = false;  // some 3,000 lines of YAML, needed only for a download
  RunMetadata meta;
  meta.command_line = "airace serve " + base_.file;
  return run_ensemble(s, options, std::move(meta));
}

RunResult SeminarModel::with_text(const RunResult& r, std::string scenario_yaml) {
  RunResult out = r;
  out.meta.resolved_scenario_yaml = std::move(scenario_yaml);
  return out;
}

Json SeminarModel::view(const RunResult& r, Date until) const {
  Json out;
  const TimeAxis& axis = r.catalog.time_axis(base_.schedule.indicators);
  const std::size_t last = last_on_or_before(axis.dates, until);
  const std::size_t n = last == std::string::npos ? 0 : last + 1;
  Json dates = Json::array();
  for (std::size_t t = 0; t < n; ++t) dates.push_back(axis.dates[t].iso());
  out["dates"] = std::move(dates);
  Json series = Json::object();
  for (const Indicator& ind : indicators_) {
    Json median = Json::array(), p5 = Json::array(), p95 = Json::array();
    for (std::size_t t = 0; t < n; ++t) {
      std::vector<double> v;
      for (const SeriesBuffer& b : r.replicates) v.push_back(b.get(ind.series, t, ind.entity));
      median.push_back(number_or_null(quantile(v, 0.5)));
      p5.push_back(number_or_null(quantile(v, 0.05)));
      p95.push_back(number_or_null(quantile(std::move(v), 0.95)));
    }
    series[ind.id] = {{"median", median}, {"p5", p5}, {"p95", p95}};
  }
  out["series"] = std::move(series);

  // Flagship releases of replicate 0: those that raise their country's best capability. Among
  // them, "frontier" marks those that move the world's best model by at least half an order
  // of magnitude of effective compute (about half a year of frontier progress at 12x/year)
  // beyond the last one so marked: the page draws a line for these, about one or two a year,
  // and names the others on hover.
  constexpr double kFrontierStepLog10 = 0.5;
  Json releases = Json::array();
  const EventTableId t = r.catalog.find_event_table("releases", "release");
  if (t != kNoEventTable && !r.replicates.empty()) {
    const EventTableSpec& spec = r.catalog.event_tables()[t];
    const SeriesBuffer& b = r.replicates[0];
    const std::size_t cols = b.event_columns(t);
    const std::span<const double> rows = b.events(t);
    const auto column = [&](const char* name) {
      for (std::size_t c = 0; c < spec.columns.size(); ++c)
        if (spec.columns[c].name == name) return c;
      throw std::logic_error(std::string("the releases table has no column ") + name);
    };
    const std::size_t c_lab = column("lab"), c_country = column("country"),
                      c_date = column("date"), c_cap = column("capability"),
                      c_open = column("open");
    const EntityAxis& labs = r.catalog.axes()[spec.columns[c_lab].axis];
    const EntityAxis& countries = r.catalog.axes()[spec.columns[c_country].axis];
    std::map<std::size_t, double> best;  // country -> best capability so far
    double marked = -std::numeric_limits<double>::infinity();  // the last frontier's level
    for (std::size_t i = 0; i < b.event_count(t); ++i) {
      const double* row = rows.data() + i * cols;
      const Date d = Date::from_days(static_cast<int64_t>(row[c_date]));
      const auto country = static_cast<std::size_t>(row[c_country]);
      const auto it = best.find(country);
      if (it != best.end() && row[c_cap] <= it->second) continue;
      best[country] = row[c_cap];
      const bool frontier = row[c_cap] >= marked + kFrontierStepLog10;
      if (frontier) marked = row[c_cap];
      if (until < d) continue;
      const auto lab = static_cast<std::size_t>(row[c_lab]);
      releases.push_back({{"date", d.iso()},
                          {"lab", base_.labs[lab].name.empty() ? labs.ids[lab]
                                                               : base_.labs[lab].name},
                          {"country", countries.ids[country]},
                          {"open", row[c_open] != 0.0},
                          {"frontier", frontier}});
    }
  }
  out["releases"] = std::move(releases);
  out["markets"] = market_view(r, until);
  return out;
}

std::vector<SeminarModel::MarketChoice> SeminarModel::market_choices() const {
  // Firms whose value follows AI compute demand (loading >= 0.2: chip designers, foundries,
  // equipment makers, an AI cloud, the build-out's memory and power suppliers) against the
  // platforms, clouds and device makers with a smaller AI stake.
  constexpr double kHardwareLoading = 0.2;
  std::vector<MarketChoice> out;
  if (base_.firms.empty()) return out;
  MarketChoice index{"market_index", "US index (sum of its members' values)", {}, true};
  MarketChoice nvidia{"market_nvidia", "Nvidia's market value", {}, false};
  MarketChoice hardware{
      "market_hardware",
      "AI build-out firms' market value (chips, foundries, equipment, memory, power)", {}, false};
  MarketChoice platforms{
      "market_platforms",
      "Market value of firms with a smaller AI stake (platforms, clouds, devices)", {}, false};
  for (std::size_t f = 0; f < base_.firms.size(); ++f) {
    const FirmSpec& firm = base_.firms[f];
    if (firm.id == "nvidia") nvidia.firms.push_back(f);
    if (firm.compute_exposure >= kHardwareLoading)
      hardware.firms.push_back(f);
    else if (firm.margins_exposure != 0.0 || firm.compute_exposure > 0.0)
      platforms.firms.push_back(f);
  }
  out.push_back(index);
  for (MarketChoice* c : {&nvidia, &hardware, &platforms})
    if (!c->firms.empty()) out.push_back(*c);
  return out;
}

Json SeminarModel::market_view(const RunResult& r, Date until) const {
  const SeriesId caps = r.catalog.find("markets", "market_cap_usd");
  const SeriesId index = r.catalog.find("markets", "index_usd");
  if (caps == kNoSeries || index == kNoSeries) return nullptr;
  const TimeAxis& days = r.catalog.time_axis(r.catalog.series()[caps].cadence);
  const std::size_t last = last_on_or_before(days.dates, until);
  // Every fifth trading day (about weekly) and the last: a light answer that keeps a crash.
  constexpr std::size_t kEvery = 5;
  std::vector<std::size_t> ticks;
  if (last != std::string::npos) {
    for (std::size_t t = 0; t <= last; t += kEvery) ticks.push_back(t);
    if (ticks.back() != last) ticks.push_back(last);
  }
  Json dates = Json::array();
  for (const std::size_t t : ticks) dates.push_back(days.dates[t].iso());
  // The scenario's firms on the series' firm axis.
  const std::vector<std::string>& ids =
      r.catalog.axes()[r.catalog.series()[caps].entity_axes[0]].ids;
  std::vector<std::size_t> on_axis(base_.firms.size(), ids.size());
  for (std::size_t f = 0; f < base_.firms.size(); ++f)
    on_axis[f] = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), base_.firms[f].id) -
                                          ids.begin());
  Json series = Json::object();
  for (const MarketChoice& c : market_choices()) {
    Json median = Json::array(), p5 = Json::array(), p95 = Json::array();
    for (const std::size_t t : ticks) {
      std::vector<double> v;
      for (const SeriesBuffer& b : r.replicates) {
        double sum = 0.0;
        if (c.index) {
          sum = b.get(index, t, 0);
        } else {
          for (const std::size_t f : c.firms)  // a firm not yet listed has no value (NaN)
            if (const double cap = on_axis[f] < ids.size() ? b.get(caps, t, on_axis[f]) : 0.0;
                std::isfinite(cap))
              sum += cap;
        }
        v.push_back(sum);
      }
      median.push_back(number_or_null(quantile(v, 0.5)));
      p5.push_back(number_or_null(quantile(v, 0.05)));
      p95.push_back(number_or_null(quantile(std::move(v), 0.95)));
    }
    series[c.id] = {{"median", median}, {"p5", p5}, {"p95", p95}};
  }
  return {{"dates", std::move(dates)}, {"series", std::move(series)}};
}

std::vector<std::string> SeminarModel::digest(
    const RunResult& r, const std::vector<Decision>& decisions, const std::vector<double>& before,
    Date from, Date to, const std::vector<AgreementDecision>& agreements) const {
  std::vector<std::string> out;
  const std::size_t n_rep = r.replicates.size();
  const std::string runs = " of " + std::to_string(n_rep) + " runs";
  for (const AgreementDecision& d : agreements) {
    std::vector<std::string> names;
    for (const std::size_t team : d.teams) names.push_back(base_.teams[team].name);
    const std::string& label = base_.agreements[d.agreement].label;
    out.push_back(d.signed_now ? joined_names(names) + " signed the agreement '" + label + "'."
                               : names.at(0) + " broke the agreement '" + label + "'.");
  }
  for (const Decision& d : decisions) {
    const LeverSpec& l = base_.levers[d.lever];
    const TeamSpec& t = base_.teams[base_.seminar_setup.lever_team[d.lever]];
    const std::string unit = lever_unit(l);
    out.push_back(t.name + " set " + l.label + " to " + shown_value(l, d.value, unit) +
                  " (it was " + shown_value(l, before[d.lever], unit) + ").");
  }
  if (decisions.empty() && agreements.empty()) out.push_back("No team changed a lever this turn.");

  // Releases from `from` to `to`, per lab: in how many runs, and how many with open weights.
  const EventTableId t = r.catalog.find_event_table("releases", "release");
  if (t != kNoEventTable) {
    const EventTableSpec& spec = r.catalog.event_tables()[t];
    std::size_t c_lab = 0, c_date = 0, c_open = 0;
    for (std::size_t c = 0; c < spec.columns.size(); ++c) {
      if (spec.columns[c].name == "lab") c_lab = c;
      if (spec.columns[c].name == "date") c_date = c;
      if (spec.columns[c].name == "open") c_open = c;
    }
    std::vector<std::size_t> released(base_.labs.size(), 0), open(base_.labs.size(), 0);
    for (const SeriesBuffer& b : r.replicates) {
      std::vector<uint8_t> seen(base_.labs.size(), 0), seen_open(base_.labs.size(), 0);
      const std::size_t cols = b.event_columns(t);
      for (std::size_t i = 0; i < b.event_count(t); ++i) {
        const double* row = b.events(t).data() + i * cols;
        const Date d = Date::from_days(static_cast<int64_t>(row[c_date]));
        if (d < from || to < d) continue;
        const auto lab = static_cast<std::size_t>(row[c_lab]);
        seen[lab] = 1;
        if (row[c_open] != 0.0) seen_open[lab] = 1;
      }
      for (std::size_t l = 0; l < seen.size(); ++l) {
        released[l] += seen[l];
        open[l] += seen_open[l];
      }
    }
    for (std::size_t l = 0; l < released.size(); ++l) {
      if (released[l] * 2 < n_rep) continue;  // in most runs only
      const std::string name = base_.labs[l].name.empty() ? base_.labs[l].id : base_.labs[l].name;
      out.push_back(name + " released a model in " + std::to_string(released[l]) + runs + " (" +
                    (open[l] * 2 >= released[l] ? "mostly open weights" : "mostly closed") +
                    ").");
    }
  }

  // docs/model.md §3.3.8: agreements the model found broken in secret during the turn (a team's
  // open break ends one without a finding), and the incidents of the turn.
  if (const SeriesId s = r.catalog.find("safety", "agreement_found_broken"); s != kNoSeries) {
    const SeriesSpec& spec = r.catalog.series()[s];
    const TimeAxis& axis = r.catalog.time_axis(spec.cadence);
    const std::vector<std::string>& ids = r.catalog.axes()[spec.entity_axes.at(0)].ids;
    const std::size_t a = last_on_or_before(axis.dates, from.plus_days(-1));
    const std::size_t b = last_on_or_before(axis.dates, to);
    const bool window = a != std::string::npos && b != std::string::npos;
    for (std::size_t g = 0; window && g < ids.size(); ++g) {
      // The seminar's agreement that moves this one, if any, for its label.
      const SeminarAgreement* seminar = nullptr;
      for (const SeminarAgreement& x : base_.agreements)
        if (x.parameter.find("[" + ids[g] + "]") != std::string::npos) seminar = &x;
      std::size_t found = 0;
      for (const SeriesBuffer& buf : r.replicates)
        found += buf.get(s, a, g) < 0.5 && buf.get(s, b, g) >= 0.5;
      if (found > 0)
        out.push_back("The agreement '" + (seminar ? seminar->label : ids[g]) +
                      "' was found broken in secret, and ended, in " + std::to_string(found) +
                      runs + ".");
    }
  }
  if (const SeriesId s = r.catalog.find("safety", "incidents"); s != kNoSeries) {
    const SeriesSpec& spec = r.catalog.series()[s];
    const TimeAxis& axis = r.catalog.time_axis(spec.cadence);
    const std::size_t a = last_on_or_before(axis.dates, from.plus_days(-1));
    const std::size_t b = last_on_or_before(axis.dates, to);
    const std::size_t countries = r.catalog.axes()[spec.entity_axes.at(0)].ids.size();
    const std::size_t severities = r.catalog.axes()[spec.entity_axes.at(1)].ids.size();
    if (a != std::string::npos && b != std::string::npos && severities == 2) {
      std::vector<double> serious;
      std::size_t severe = 0;
      for (const SeriesBuffer& buf : r.replicates) {
        double n[2] = {0.0, 0.0};
        for (std::size_t c = 0; c < countries; ++c)
          for (std::size_t v = 0; v < 2; ++v)
            n[v] += buf.get(s, b, c * 2 + v) - buf.get(s, a, c * 2 + v);
        serious.push_back(n[0]);
        severe += n[1] > 0.0;
      }
      std::nth_element(serious.begin(), serious.begin() + serious.size() / 2, serious.end());
      const double median = serious.empty() ? 0.0 : serious[serious.size() / 2];
      if (median > 0.0 || severe > 0)
        out.push_back("Serious AI incidents this turn: " + std::to_string(std::lround(median)) +
                      " (median over runs); a severe one in " + std::to_string(severe) + runs +
                      ".");
    }
  }

  // Export rules announced or brought into force, and adaptive rules that fired, in most runs.
  if (const SeriesId s = r.catalog.find("policy", "rule_status"); s != kNoSeries) {
    const TimeAxis& axis = r.catalog.time_axis(r.catalog.series()[s].cadence);
    const std::size_t a = last_on_or_before(axis.dates, from.plus_days(-1));
    const std::size_t b = last_on_or_before(axis.dates, to);
    for (std::size_t rule = 0; b != std::string::npos && rule < base_.export_rules.size();
         ++rule) {
      const double was = a == std::string::npos ? 0.0 : median_at(r, s, a, rule);
      const double now = median_at(r, s, b, rule);
      const std::string& name = base_.export_rules[rule].name.empty()
                                    ? base_.export_rules[rule].id
                                    : base_.export_rules[rule].name;
      if (was < 1 && now >= 1 && now < 2) out.push_back("The US announced the rule '" + name + "'.");
      if (was < 2 && now >= 2 && now < 3) out.push_back("The rule '" + name + "' came into force.");
      if (was < 3 && now >= 3) out.push_back("The rule '" + name + "' ended or was replaced.");
    }
  }

  // How the headline indicators moved (medians over runs).
  const TimeAxis& axis = r.catalog.time_axis(base_.schedule.indicators);
  const std::size_t a = last_on_or_before(axis.dates, from.plus_days(-1));
  const std::size_t b = last_on_or_before(axis.dates, to);
  if (a != std::string::npos && b != std::string::npos && a < b) {
    for (const Indicator& ind : indicators_) {
      const double was = median_at(r, ind.series, a, ind.entity);
      const double now = median_at(r, ind.series, b, ind.entity);
      if (!std::isfinite(was) || !std::isfinite(now)) continue;
      std::string line = ind.label + ": " + with_unit(was, ind.unit) + " → " +
                         with_unit(now, ind.unit);
      if (was != 0.0 && ind.unit != "months" && ind.unit != "fraction")
        line += " (" + std::string(now >= was ? "+" : "") +
                plain_number(100.0 * (now / was - 1.0)) + "%)";
      out.push_back(line + ".");
    }
  }

  // Markets: the US index and Nvidia over the turn (median of each run's change).
  if (const SeriesId s = r.catalog.find("markets", "market_cap_usd"); s != kNoSeries) {
    const SeriesSpec& spec = r.catalog.series()[s];
    const TimeAxis& days = r.catalog.time_axis(spec.cadence);
    const std::size_t d0 = last_on_or_before(days.dates, from.plus_days(-1));
    const std::size_t d1 = last_on_or_before(days.dates, to);
    const std::vector<std::string>& firms = r.catalog.axes()[spec.entity_axes[0]].ids;
    const auto nvidia = std::find(firms.begin(), firms.end(), "nvidia");
    if (d0 != std::string::npos && d1 != std::string::npos && d0 < d1 && nvidia != firms.end()) {
      const auto e = static_cast<std::size_t>(nvidia - firms.begin());
      std::vector<double> change;
      for (const SeriesBuffer& buf : r.replicates)
        change.push_back(buf.get(s, d1, e) / buf.get(s, d0, e) - 1.0);
      const double m = quantile(std::move(change), 0.5);
      if (std::isfinite(m))
        out.push_back("Nvidia's market value " + std::string(m >= 0 ? "rose " : "fell ") +
                      plain_number(std::abs(100.0 * m)) + "% over the turn (median of the runs).");
    }
  }
  return out;
}

Json SeminarModel::lever_json(std::size_t i, double value) const {
  const LeverSpec& l = base_.levers[i];
  Json out = {{"id", l.id},
              {"team", base_.teams[base_.seminar_setup.lever_team[i]].id},
              {"set", lever_target(l)},
              {"label", l.label},
              {"explain", l.explain},
              {"unit", lever_unit(l)},
              {"min", l.min},
              {"max", l.max},
              {"step", l.step},
              {"value", value}};
  if (l.is_option()) {
    // The page shows a select; the value is the index of the chosen option.
    Json options = Json::array();
    for (std::size_t k = 0; k < l.options.size(); ++k)
      options.push_back({{"index", k}, {"value", l.options[k].value}, {"label", l.options[k].label}});
    out["options"] = std::move(options);
    out["min"] = 0;
    out["max"] = l.options.size() - 1;
    out["step"] = 1;
  }
  return out;
}

Json SeminarModel::info_json() const {
  Json teams = Json::array(), levers = Json::array(), indicators = Json::array();
  for (const TeamSpec& t : base_.teams) teams.push_back({{"id", t.id}, {"name", t.name}});
  for (std::size_t i = 0; i < base_.levers.size(); ++i) levers.push_back(lever_json(i, defaults()[i]));
  for (const Indicator& ind : indicators_)
    indicators.push_back({{"id", ind.id}, {"label", ind.label}, {"unit", ind.unit}});
  Json agreements = Json::array();
  for (std::size_t a = 0; a < base_.agreements.size(); ++a) {
    const SeminarAgreement& x = base_.agreements[a];
    Json parties = Json::array();
    for (const std::size_t t : base_.seminar_setup.agreement_parties[a])
      parties.push_back(base_.teams[t].id);
    agreements.push_back({{"id", x.id},
                          {"set", x.parameter},
                          {"label", x.label},
                          {"explain", x.explain},
                          {"parties", std::move(parties)}});
  }
  Json markets = Json::array();
  for (const MarketChoice& c : market_choices())
    markets.push_back({{"id", c.id}, {"label", c.label}, {"unit", "USD"}});
  return {{"scenario",
           {{"name", base_.info.name},
            {"description", base_.info.description},
            {"start", base_.info.start.iso()},
            {"end", base_.info.end.iso()}}},
          {"replicates", base_.seminar.replicates},
          {"teams", teams},
          {"levers", levers},
          {"agreements", agreements},
          {"indicators", indicators},
          {"markets", markets},
          {"game",
           {{"turn_months", base_.seminar.turn_months},
            {"first_turn", base_.seminar.first_turn.iso()}}}};
}

// ---- the wargame ----

Game::Game(const SeminarModel& model)
    : model_(model), values_(model.defaults()), pending_(model.base().teams.size()) {
  for (const double v : model.base().seminar_setup.agreement_value) {
    agreements_.emplace_back();
    agreements_.back().in_force = v != 0.0;
  }
  agreements_at_start_ = agreements_;
  rerun();
}

Date Game::turn_date(int turn) const {
  const Scenario& s = model_.base();
  return s.seminar.first_turn.plus_months(static_cast<int>(s.seminar.turn_months) * (turn - 1));
}

Date Game::view_end() const {
  const Date end = turn_date(turn_).plus_days(-1);
  return std::min(end, model_.base().info.end);
}

std::vector<Decision> Game::all_decisions() const {
  std::vector<Decision> all;
  for (const Turn& t : history_) all.insert(all.end(), t.decisions.begin(), t.decisions.end());
  return all;
}

std::vector<AgreementDecision> Game::all_agreement_decisions() const {
  std::vector<AgreementDecision> all;
  for (const Turn& t : history_)
    all.insert(all.end(), t.agreement_decisions.begin(), t.agreement_decisions.end());
  return all;
}

void Game::rerun() {
  const Scenario s = model_.scenario(all_decisions(), view_end(), all_agreement_decisions());
  result_ = std::make_shared<const RunResult>(model_.run(s));
}

void Game::require(Status s, const char* what) const {
  if (status_ == s) return;
  throw RequestError(409, std::string("cannot ") + what + ": the game is " +
                              (status_ == Status::playing  ? "being played"
                               : status_ == Status::paused ? "paused"
                                                           : "over"));
}

bool Game::everyone_submitted() const {
  return std::all_of(pending_.begin(), pending_.end(), [](const auto& p) { return p.has_value(); });
}

bool Game::submit(std::size_t team, const Json& levers) {
  require(Status::playing, "submit");
  pending_[team] = model_.values_from(levers, pending_[team].value_or(values_), team);
  return everyone_submitted();
}

void Game::advance() {
  require(Status::playing, "advance");
  Turn t;
  t.before = values_;
  const Date date = turn_date(turn_);
  const Scenario& s = model_.base();
  for (std::size_t i = 0; i < s.levers.size(); ++i) {
    const auto& p = pending_[s.seminar_setup.lever_team[i]];
    // A value equal to the one in force, up to rounding, is no decision.
    if (p && std::abs((*p)[i] - values_[i]) > 1e-9 * s.levers[i].step) {
      t.decisions.push_back({turn_, date, i, (*p)[i]});
      values_[i] = (*p)[i];
    }
  }
  // The agreements signed or broken this turn.
  for (std::size_t a = 0; a < agreements_.size(); ++a) {
    const Agreement& x = agreements_[a];
    if (x.changed_turn != turn_) continue;
    t.agreement_decisions.push_back(
        {turn_, date, a, x.in_force,
         x.in_force ? x.signed_by : std::vector<std::size_t>{x.broken_by.value()}});
  }
  t.agreements_before = agreements_at_start_;
  history_.push_back(std::move(t));
  ++turn_;
  std::fill(pending_.begin(), pending_.end(), std::nullopt);
  try {
    rerun();
  } catch (...) {
    --turn_;
    values_ = history_.back().before;
    history_.pop_back();
    throw;
  }
  agreements_at_start_ = agreements_;
  history_.back().digest =
      model_.digest(*result_, history_.back().decisions, history_.back().before, date, view_end(),
                    history_.back().agreement_decisions);
  if (s.info.end < turn_date(turn_)) status_ = Status::ended;
}

void Game::pause() {
  require(Status::playing, "pause");
  status_ = Status::paused;
}

void Game::resume() {
  require(Status::paused, "resume");
  status_ = Status::playing;
}

void Game::undo() {
  if (status_ == Status::ended && model_.base().info.end < turn_date(turn_))
    status_ = Status::playing;  // the last turn reached the end; undoing it reopens the game
  require(Status::playing, "undo");
  if (history_.empty()) throw RequestError(409, "cannot undo: no turn has been played");
  values_ = history_.back().before;
  agreements_ = history_.back().agreements_before;
  agreements_at_start_ = agreements_;
  history_.pop_back();
  --turn_;
  std::fill(pending_.begin(), pending_.end(), std::nullopt);
  rerun();
}

std::size_t Game::agreement_of(std::size_t team, const std::string& id, const char* what) const {
  const Scenario& s = model_.base();
  const auto it = std::find_if(s.agreements.begin(), s.agreements.end(),
                               [&](const SeminarAgreement& a) { return a.id == id; });
  if (it == s.agreements.end()) {
    std::string known;
    for (const SeminarAgreement& a : s.agreements) known += (known.empty() ? "" : ", ") + a.id;
    throw RequestError(400, "unknown agreement '" + id + "'; " +
                                (known.empty() ? std::string("this game has no agreements")
                                               : "the agreements are " + known));
  }
  const auto a = static_cast<std::size_t>(it - s.agreements.begin());
  const std::vector<std::size_t>& parties = s.seminar_setup.agreement_parties[a];
  if (std::find(parties.begin(), parties.end(), team) == parties.end())
    throw RequestError(
        403, "team '" + s.teams[team].id + "' is not a party to the agreement '" + id + "'");
  require(Status::playing, what);
  return a;
}

void Game::propose(std::size_t team, const std::string& id) {
  const std::size_t a = agreement_of(team, id, "propose an agreement");
  Agreement& x = agreements_[a];
  const Scenario& s = model_.base();
  if (x.in_force)
    throw RequestError(
        409, "the agreement '" + id + "' is already in force" +
                 (x.signed_turn > 0 ? " since " + turn_date(x.signed_turn).iso() : std::string()));
  if (!x.proposal.empty())
    throw RequestError(
        409, "the agreement '" + id + "' is already proposed by team '" +
                 s.teams[x.proposal[0]].id + "'" +
                 (x.proposal[0] == team ? std::string() : ": accept or decline it instead"));
  if (x.changed_turn == turn_)
    throw RequestError(409, "the agreement '" + id +
                                "' was broken this turn: it may be proposed again from the next "
                                "turn");
  x.proposal = {team};
}

void Game::accept(std::size_t team, const std::string& id) {
  const std::size_t a = agreement_of(team, id, "accept an agreement");
  Agreement& x = agreements_[a];
  if (x.proposal.empty())
    throw RequestError(
        409, x.in_force ? "the agreement '" + id + "' is already in force"
                        : "no team has proposed the agreement '" + id + "': propose it instead");
  if (std::find(x.proposal.begin(), x.proposal.end(), team) != x.proposal.end())
    throw RequestError(409, x.proposal[0] == team
                                ? "team '" + model_.base().teams[team].id +
                                      "' proposed the agreement '" + id +
                                      "': another party accepts it"
                                : "team '" + model_.base().teams[team].id +
                                      "' has already accepted the agreement '" + id + "'");
  x.proposal.push_back(team);
  if (x.proposal.size() < model_.base().seminar_setup.agreement_parties[a].size()) return;
  // Every party agrees: signed from this turn's date.
  x.in_force = true;
  x.signed_turn = turn_;
  x.signed_by = std::move(x.proposal);
  x.proposal.clear();
  x.broken_by.reset();
  x.broken_turn = 0;
  x.changed_turn = turn_;
}

void Game::decline(std::size_t team, const std::string& id) {
  const std::size_t a = agreement_of(team, id, "decline an agreement");
  Agreement& x = agreements_[a];
  if (x.proposal.empty())
    throw RequestError(409, "no team has proposed the agreement '" + id + "'");
  if (x.proposal[0] == team)
    throw RequestError(409, "team '" + model_.base().teams[team].id + "' proposed the agreement '" +
                                id + "': withdraw it instead");
  x.proposal.clear();
}

void Game::withdraw(std::size_t team, const std::string& id) {
  const std::size_t a = agreement_of(team, id, "withdraw a proposal");
  Agreement& x = agreements_[a];
  if (x.proposal.empty() || x.proposal[0] != team)
    throw RequestError(409, "team '" + model_.base().teams[team].id +
                                "' has no proposal of the agreement '" + id + "' to withdraw");
  x.proposal.clear();
}

void Game::break_agreement(std::size_t team, const std::string& id) {
  const std::size_t a = agreement_of(team, id, "break an agreement");
  Agreement& x = agreements_[a];
  if (!x.in_force) throw RequestError(409, "the agreement '" + id + "' is not in force");
  if (x.changed_turn == turn_)
    throw RequestError(409, "the agreement '" + id +
                                "' was signed this turn: a party may break it from the next turn");
  x.in_force = false;
  x.broken_by = team;
  x.broken_turn = turn_;
  x.changed_turn = turn_;
}

Json Game::agreement_json(std::size_t a, std::optional<std::size_t> team) const {
  const Scenario& s = model_.base();
  const SeminarAgreement& spec = s.agreements[a];
  const Agreement& x = agreements_[a];
  const std::vector<std::size_t>& parties = s.seminar_setup.agreement_parties[a];
  const auto ids = [&](const std::vector<std::size_t>& teams) {
    Json out = Json::array();
    for (const std::size_t t : teams) out.push_back(s.teams[t].id);
    return out;
  };
  Json out = {{"id", spec.id},
              {"label", spec.label},
              {"explain", spec.explain},
              {"set", spec.parameter},
              {"parties", ids(parties)},
              {"in_force", x.in_force},
              {"since", x.in_force && x.signed_turn > 0 ? Json(turn_date(x.signed_turn).iso())
                                                        : Json(nullptr)},
              {"signed_by", ids(x.signed_by)},
              {"broken_by", x.broken_by ? Json(s.teams[*x.broken_by].id) : Json(nullptr)},
              {"broken_on", x.broken_by ? Json(turn_date(x.broken_turn).iso()) : Json(nullptr)},
              {"proposed_by", x.proposal.empty() ? Json(nullptr) : Json(s.teams[x.proposal[0]].id)},
              {"accepted_by",
               ids(x.proposal.empty()
                       ? std::vector<std::size_t>{}
                       : std::vector<std::size_t>(x.proposal.begin() + 1, x.proposal.end()))}};
  // The status in a word and in a sentence.
  std::string status = "none", text = "Not signed.";
  if (!x.proposal.empty()) {
    status = "proposed";
    text = "Proposed by " + s.teams[x.proposal[0]].name +
           ": signed once every other party accepts it.";
  } else if (x.in_force) {
    status = "in_force";
    text = x.signed_turn > 0 ? "In force since " + turn_date(x.signed_turn).iso() + "."
                             : "In force since before the game.";
  } else if (x.broken_by) {
    status = "broken";
    text =
        "Broken by " + s.teams[*x.broken_by].name + " on " + turn_date(x.broken_turn).iso() + ".";
  }
  out["status"] = status;
  out["text"] = text;
  // What `team` may do with it now (the server refuses the rest).
  if (team) {
    Json can = Json::array();
    const bool party = std::find(parties.begin(), parties.end(), *team) != parties.end();
    const bool agreed = std::find(x.proposal.begin(), x.proposal.end(), *team) != x.proposal.end();
    if (party && status_ == Status::playing) {
      if (!x.in_force && x.proposal.empty() && x.changed_turn != turn_) can.push_back("propose");
      if (!x.proposal.empty() && !agreed) {
        can.push_back("accept");
        can.push_back("decline");
      }
      if (!x.proposal.empty() && x.proposal[0] == *team) can.push_back("withdraw");
      if (x.in_force && x.changed_turn != turn_) can.push_back("break");
    }
    out["actions"] = std::move(can);
  }
  return out;
}

void Game::end() {
  if (status_ == Status::ended) throw RequestError(409, "the game is already over");
  status_ = Status::ended;
}

std::string Game::scenario_yaml() const {
  return model_.scenario_yaml(all_decisions(), view_end(), all_agreement_decisions());
}

std::string Game::export_yaml() const {
  return "# A wargame played with airace serve (" + std::to_string(history_.size()) +
         " turns). `airace run` on this file reproduces the game's runs exactly: the teams'\n"
         "# decisions are the policy events with a team.\n" +
         model_.scenario_yaml(all_decisions(), view_end(), all_agreement_decisions());
}

Json Game::state(std::optional<std::size_t> team) const {
  const Scenario& s = model_.base();
  Json out;
  out["role"] = team ? "team" : "facilitator";
  out["team"] = team ? Json(s.teams[*team].id) : Json(nullptr);
  out["status"] = status_ == Status::playing ? "playing"
                  : status_ == Status::paused ? "paused"
                                              : "ended";
  out["turn"] = turn_;
  out["date"] = turn_date(turn_).iso();
  out["shown_until"] = view_end().iso();
  out["next_date"] = turn_date(turn_ + 1).iso();
  out["end"] = s.info.end.iso();
  Json teams = Json::array();
  for (std::size_t i = 0; i < s.teams.size(); ++i)
    teams.push_back({{"id", s.teams[i].id},
                     {"name", s.teams[i].name},
                     {"submitted", pending_[i].has_value()}});
  out["teams"] = std::move(teams);
  Json levers = Json::array();
  for (std::size_t i = 0; i < s.levers.size(); ++i)
    if (!team || s.seminar_setup.lever_team[i] == *team)
      levers.push_back(model_.lever_json(i, values_[i]));
  out["levers"] = std::move(levers);
  Json agreements = Json::array();  // every team sees every agreement
  for (std::size_t a = 0; a < agreements_.size(); ++a)
    agreements.push_back(agreement_json(a, team));
  out["agreements"] = std::move(agreements);
  const auto pending_of = [&](std::size_t t) {
    Json p = Json::object();
    if (pending_[t])
      for (std::size_t i = 0; i < s.levers.size(); ++i)
        if (s.seminar_setup.lever_team[i] == t) p[s.levers[i].id] = (*pending_[t])[i];
    return p;
  };
  if (team) {
    out["pending"] = pending_of(*team);
  } else {
    Json all = Json::object();
    for (std::size_t t = 0; t < s.teams.size(); ++t) all[s.teams[t].id] = pending_of(t);
    out["pending"] = std::move(all);
  }
  const Json view = model_.view(*result_, view_end());
  out["world"] = {{"dates", view["dates"]}, {"series", view["series"]}};
  out["releases"] = view["releases"];
  Json indicators = Json::array();
  for (const Indicator& ind : model_.indicators())
    indicators.push_back({{"id", ind.id}, {"label", ind.label}, {"unit", ind.unit}});
  out["indicators"] = std::move(indicators);
  out["digest"] = history_.empty() ? Json::array() : Json(history_.back().digest);
  Json history = Json::array();
  for (std::size_t k = 0; k < history_.size(); ++k) {
    Json decisions = Json::array();
    for (const AgreementDecision& d : history_[k].agreement_decisions) {
      Json by = Json::array();
      for (const std::size_t t : d.teams) by.push_back(s.teams[t].id);
      decisions.push_back({{"team", s.teams[d.teams.at(0)].id},
                           {"teams", std::move(by)},
                           {"agreement", s.agreements[d.agreement].id},
                           {"value", d.signed_now ? 1 : 0}});
    }
    for (const Decision& d : history_[k].decisions)
      decisions.push_back({{"team", s.teams[s.seminar_setup.lever_team[d.lever]].id},
                           {"lever", s.levers[d.lever].id},
                           {"value", d.value}});
    history.push_back({{"turn", k + 1},
                       {"date", turn_date(static_cast<int>(k) + 1).iso()},
                       {"decisions", decisions},
                       {"digest", history_[k].digest}});
  }
  out["history"] = std::move(history);
  return out;
}

}  // namespace airace::serve
