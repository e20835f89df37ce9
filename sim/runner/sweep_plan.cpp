#include "sim/runner/sweep_plan.hpp"

#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "output/sweep_file.hpp"
#include "sim/core/fnv1a.hpp"
#include "sim/model/model.hpp"
#include "sim/model/run_cost.hpp"

namespace airace {

std::string design_type_name(DesignType t) {
  switch (t) {
    case DesignType::grid: return "grid";
    case DesignType::latin_hypercube: return "latin_hypercube";
    case DesignType::sobol: return "sobol";
    case DesignType::saltelli: return "saltelli";
    case DesignType::morris: return "morris";
  }
  return "?";
}

std::string metric_kind_name(MetricKind k) {
  switch (k) {
    case MetricKind::value_at: return "value_at";
    case MetricKind::max_drawdown: return "max_drawdown";
    case MetricKind::first_crossing: return "first_crossing";
    case MetricKind::mean: return "mean";
  }
  return "?";
}

namespace {

const Date kOpenStart = Date::from_ymd(1900, 1, 1);
const Date kOpenEnd = Date::from_ymd(9999, 12, 31);

struct SweepSection {
  std::string name;
  std::string description;
  std::string base;
  int64_t seed = 1;
  int64_t replicates = 1;
};

struct DesignSection {
  DesignType type = DesignType::latin_hypercube;
  int64_t points = 0;
  int64_t levels = 0;
  int64_t base_rows = 0;
  bool second_order = false;
  int64_t trajectories = 0;
  SourceLocation where;
};

enum class Scale { linear, log };

struct ParameterEntry {
  std::string key;
  Scale scale = Scale::linear;
  bool has_range = false;
  double low = 0.0;
  double high = 0.0;
  SourceLocation range_where;
  bool has_values = false;
  std::vector<double> values;
  SourceLocation values_where;
};

struct WindowEntry {
  Date from = kOpenStart;
  Date to = kOpenEnd;
  bool relative = true;
  double threshold = std::numeric_limits<double>::quiet_NaN();
  bool upward = true;
};

struct MetricEntry {
  SweepMetric metric;
  std::vector<MetricKind> kinds;  // every kind key given; exactly one is allowed
};

struct SweepDefinition {
  SweepSection sweep;
  DesignSection design;
  std::vector<ParameterEntry> parameters;
  std::vector<MetricEntry> metrics;
  std::vector<std::pair<std::string, SourceLocation>> keep_series;
};

const Schema<SweepSection>& sweep_section_schema() {
  using S = SweepSection;
  static const Schema<SweepSection> s(
      "sweep",
      {
          text("name", &S::name, {"short name (default: the file name)"}),
          text("description", &S::description, {"what the sweep asks"}),
          text("base", &S::base, {"the base scenario file, relative to the sweep file", "", true}),
          seed("seed", &S::seed,
               {"seed of the design's scrambling and of every run's random streams"}),
          integer("replicates", &S::replicates, "runs",
                  between(1, static_cast<double>(kMaxReplicates)),
                  {"replicates of the base scenario per design point"}),
      });
  return s;
}

const Schema<DesignSection>& design_section_schema() {
  using D = DesignSection;
  static const Schema<DesignSection> s(
      "design",
      {
          choice("type", &D::type,
                 {{"grid", DesignType::grid},
                  {"latin_hypercube", DesignType::latin_hypercube},
                  {"sobol", DesignType::sobol},
                  {"saltelli", DesignType::saltelli},
                  {"morris", DesignType::morris}},
                 {"grid (every combination), latin_hypercube, sobol (scrambled), saltelli "
                  "(for Sobol sensitivity indices) or morris (elementary effects, for screening)",
                  "", true}),
          // The upper limits of points and base_rows are checked by check_sweep_size, with the
          // memory and time the design would take.
          integer("points", &D::points, "points", at_least(1),
                  {"design points of a latin_hypercube or sobol design"}),
          integer("levels", &D::levels, "levels", between(1, 1000),
                  {"grid: evenly spaced levels of each parameter given by a range; morris: the "
                   "levels p of its grid (even)"}),
          integer("base_rows", &D::base_rows, "rows", at_least(1),
                  {"saltelli: base rows N; the design has N(k + 2) points for k parameters"}),
          flag("second_order", &D::second_order,
               {"saltelli: also the B_A^(i) blocks, N(2k + 2) points, for second-order indices"}),
          integer("trajectories", &D::trajectories, "trajectories", at_least(1),
                  {"morris: trajectories r; the design has r(k + 1) points"}),
      });
  return s;
}

// A list of numbers: [1, 2.5, 3].
std::optional<std::vector<double>> read_numbers(const ConfigNode& n, const std::string& path,
                                                Diagnostics& diags) {
  if (!n.is_sequence()) {
    diags.error(n.where, path, "expected a list of numbers such as [1, 2], found " + n.describe());
    return std::nullopt;
  }
  std::vector<double> out;
  bool ok = true;
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    if (auto v = read_number(n.items[i], path + "[" + std::to_string(i) + "]", Range{}, "", diags))
      out.push_back(*v);
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

const Schema<ParameterEntry>& parameter_schema() {
  using P = ParameterEntry;
  static const Schema<ParameterEntry> s(
      "parameters[]",
      {
          text("key", &P::key,
               {"the key path to vary, as --set takes it, e.g. labs.deepseek.talent", "", true}),
          custom<P>({"range", "[low, high]", "the parameter's unit", "", "low < high",
                     "the interval the design spreads points over", "", false},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      out.range_where = n.where;
                      auto v = read_numbers(n, path, d);
                      if (!v) return;
                      if (v->size() != 2) {
                        d.error(
                            n.where, path,
                            "expected two numbers [low, high], found " + std::to_string(v->size()));
                        return;
                      }
                      out.has_range = true;
                      out.low = (*v)[0];
                      out.high = (*v)[1];
                    }),
          choice("scale", &P::scale, {{"linear", Scale::linear}, {"log", Scale::log}},
                 {"spacing over the range: linear, or log (evenly in the logarithm; low > 0)"}),
          custom<P>({"values", "list of numbers", "the parameter's unit", "", "",
                     "the values to choose from, instead of a range", "", false},
                    [](const ConfigNode& n, const std::string& path, P& out, Diagnostics& d) {
                      out.values_where = n.where;
                      auto v = read_numbers(n, path, d);
                      if (!v) return;
                      out.has_values = true;
                      out.values = std::move(*v);
                    }),
      });
  return s;
}

const Schema<WindowEntry>& window_schema(MetricKind kind) {
  using W = WindowEntry;
  auto from = date("from", &W::from, {"first date of the window (default: the start)"});
  auto to = date("to", &W::to, {"last date of the window (default: the end)"});
  static const Schema<WindowEntry> mean("metrics[].mean", {from, to});
  static const Schema<WindowEntry> drawdown(
      "metrics[].max_drawdown",
      {from, to,
       flag("relative", &W::relative,
            {"true: the fall as a fraction of the peak; false: in the series' units"})});
  static const Schema<WindowEntry> crossing(
      "metrics[].first_crossing",
      {number("threshold", &W::threshold, "the series' unit", Range{},
              {"the level to cross", "", true}),
       choice("direction", &W::upward, {{"up", true}, {"down", false}},
              {"up: the first value at or above the threshold; down: at or below"}),
       from, to});
  return kind == MetricKind::mean ? mean : kind == MetricKind::max_drawdown ? drawdown : crossing;
}

template <MetricKind Kind>
auto window_reader() {
  return [](const ConfigNode& n, const std::string& path, MetricEntry& out, Diagnostics& d) {
    out.kinds.push_back(Kind);
    WindowEntry w;
    window_schema(Kind).read(n, path, w, d);
    out.metric.kind = Kind;
    out.metric.from = w.from;
    out.metric.to = w.to;
    out.metric.relative = w.relative;
    out.metric.threshold = w.threshold;
    out.metric.upward = w.upward;
  };
}

const Schema<MetricEntry>& metric_schema() {
  using M = MetricEntry;
  auto info = [](std::string key, std::string type, std::string description) {
    return ParamInfo{std::move(key), std::move(type), "", "", "", std::move(description), "",
                     false};
  };
  static const Schema<MetricEntry> s(
      "metrics[]",
      {
          custom<M>(info("name", "text", "the metric's name: /metrics/<name> in the output"),
                    [](const ConfigNode& n, const std::string& path, M& out, Diagnostics& d) {
                      if (auto v = read_text(n, path, d)) out.metric.name = *v;
                    }),
          custom<M>(info("series", "group/name",
                         "the series it is computed from, e.g. indicators/us_cn_gap_months"),
                    [](const ConfigNode& n, const std::string& path, M& out, Diagnostics& d) {
                      if (auto v = read_text(n, path, d)) out.metric.series = *v;
                    }),
          custom<M>(info("entity", "mapping of axis names to ids",
                         "for a series per entity: which one, e.g. {country: CN}"),
                    [](const ConfigNode& n, const std::string& path, M& out, Diagnostics& d) {
                      if (!n.is_map()) {
                        d.error(n.where, path,
                                "expected a mapping such as {country: CN}, found " + n.describe());
                        return;
                      }
                      for (const ConfigEntry& e : n.entries)
                        if (auto v = read_text(e.value, child_path(path, e.key), d))
                          out.metric.entity.emplace_back(e.key, *v);
                    }),
          custom<M>(info("value_at", "date",
                         "the value at a date (the last one recorded on or "
                         "before it)"),
                    [](const ConfigNode& n, const std::string& path, M& out, Diagnostics& d) {
                      out.kinds.push_back(MetricKind::value_at);
                      out.metric.kind = MetricKind::value_at;
                      if (auto v = read_date(n, path, d)) out.metric.at = *v;
                    }),
          custom<M>(info("max_drawdown", "mapping: from, to, relative",
                         "the largest fall from a running peak within the window"),
                    window_reader<MetricKind::max_drawdown>()),
          custom<M>(info("first_crossing", "mapping: threshold, direction, from, to",
                         "years from the scenario's start to the first value past a threshold; "
                         "NaN if never"),
                    window_reader<MetricKind::first_crossing>()),
          custom<M>(info("mean", "mapping: from, to", "the mean over the window"),
                    window_reader<MetricKind::mean>()),
      });
  return s;
}

template <class T>
std::vector<std::pair<T, SourceLocation>> read_list(const ConfigNode& n, const std::string& path,
                                                    const Schema<T>& schema, Diagnostics& diags) {
  std::vector<std::pair<T, SourceLocation>> out;
  if (n.is_null()) return out;
  if (!n.is_sequence()) {
    diags.error(n.where, path,
                "expected a list of items (each starting with '- '), found " + n.describe());
    return out;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    T value{};
    schema.read(n.items[i], path + "[" + std::to_string(i) + "]", value, diags);
    out.emplace_back(std::move(value), n.items[i].where);
  }
  return out;
}

ParamInfo section(std::string key, std::string description, bool required) {
  return {std::move(key), "section", "", "", "", std::move(description), "", required};
}

const Schema<SweepDefinition>& definition_schema() {
  using S = SweepDefinition;
  static const Schema<SweepDefinition> s(
      "",
      {
          custom<S>(section("sweep", "base scenario, seed, replicates", true),
                    [](const ConfigNode& n, const std::string& path, S& out, Diagnostics& d) {
                      sweep_section_schema().read(n, path, out.sweep, d);
                    }),
          custom<S>(section("design", "the kind of design and its size", true),
                    [](const ConfigNode& n, const std::string& path, S& out, Diagnostics& d) {
                      out.design.where = n.where;
                      design_section_schema().read(n, path, out.design, d);
                    }),
          custom<S>(section("parameters", "the parameters to vary", true),
                    [](const ConfigNode& n, const std::string& path, S& out, Diagnostics& d) {
                      for (auto& [p, where] : read_list(n, path, parameter_schema(), d)) {
                        (void)where;
                        out.parameters.push_back(std::move(p));
                      }
                    }),
          custom<S>(section("metrics", "the outcome metrics kept per run", true),
                    [](const ConfigNode& n, const std::string& path, S& out, Diagnostics& d) {
                      for (auto& [m, where] : read_list(n, path, metric_schema(), d)) {
                        m.metric.where = where;
                        out.metrics.push_back(std::move(m));
                      }
                    }),
          custom<S>(section("keep_series", "series kept in full for every run", false),
                    [](const ConfigNode& n, const std::string& path, S& out, Diagnostics& d) {
                      if (!n.is_sequence()) {
                        d.error(n.where, path,
                                "expected a list of series such as [indicators/us_cn_gap_months], "
                                "found " +
                                    n.describe());
                        return;
                      }
                      for (std::size_t i = 0; i < n.items.size(); ++i)
                        if (auto v = read_text(n.items[i], path + "[" + std::to_string(i) + "]", d))
                          out.keep_series.emplace_back(*v, n.items[i].where);
                    }),
      });
  return s;
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string fnv1a_hex(const std::string& a, const std::string& b) {
  // a, a NUL, then b, from the basis stored plans were hashed with.
  const uint64_t h =
      fnv1a64(b, fnv1a64(std::string_view("\0", 1), fnv1a64(a, kSweepFileFnvBasis)));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// "labs.deepseek.talent" -> "labs[].talent": the pattern `airace describe` lists it under.
std::string key_pattern(const ConfigNode& root, const std::string& key) {
  std::string pattern;
  const ConfigNode* node = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    const std::string seg = key.substr(start, dot == std::string::npos ? dot : dot - start);
    if (node != nullptr && node->is_sequence()) {
      pattern += "[]";
      const ConfigNode* item = nullptr;
      for (const ConfigNode& i : node->items) {
        const ConfigNode* id = i.is_map() ? i.find("id") : nullptr;
        if (id != nullptr && id->scalar == seg) item = &i;
      }
      if (const auto index = item_index(seg);
          item == nullptr && index && *index < node->items.size())
        item = &node->items[*index];
      node = item;
    } else {
      pattern += (pattern.empty() ? "" : ".") + seg;
      node = node != nullptr && node->is_map() ? node->find(seg) : nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return pattern;
}

// Maps a design coordinate u in [0, 1] to the parameter's value.
double parameter_value(const SweepParameter& p, double u) {
  double v;
  if (!p.values.empty()) {
    const auto n = p.values.size();
    const auto i =
        std::min(n - 1, static_cast<std::size_t>(std::floor(u * static_cast<double>(n))));
    return p.values[i];
  }
  if (p.log_scale)
    v = std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)));
  else
    v = p.low + u * (p.high - p.low);
  v = std::clamp(v, p.low, p.high);  // exp(log(x)) may stray by an ulp
  return p.integer ? std::round(v) : v;
}

// Values whose loading proves a key path: the ends of a range, or every listed value.
std::vector<double> probe_values(const SweepParameter& p) {
  if (!p.values.empty()) return p.values;
  return {parameter_value(p, 0.0), parameter_value(p, 1.0)};
}

void check_parameter_loads(const SweepPlan& plan, const SweepParameter& p, Diagnostics& diags) {
  for (double v : probe_values(p)) {
    ConfigNode tree = plan.base_tree;
    Diagnostics set_diags;
    apply_override(tree, p.key + "=" + format_value(v), set_diags);
    try {
      set_diags.throw_if_any();
      (void)scenario_from_tree(std::move(tree), plan.base_file.string());
    } catch (const InputError& e) {
      for (const Diagnostic& d : e.diagnostics()) {
        std::string what = "setting " + p.key + " = " + format_value(v) + " in the base scenario";
        if (!d.key_path.empty() && d.key_path != p.key) what += ": " + d.key_path;
        diags.error(p.where, "parameters[" + p.key + "]", what + ": " + d.message, d.hint);
      }
      return;  // one value is enough to show what is wrong with a path
    }
  }
}

std::vector<std::string> all_series_paths(const SeriesCatalog& c) {
  std::vector<std::string> out;
  for (const SeriesSpec& s : c.series()) out.push_back(s.group + "/" + s.name);
  return out;
}

SeriesId find_series(const SeriesCatalog& c, const std::string& path) {
  const auto slash = path.find('/');
  if (slash == std::string::npos) return kNoSeries;
  return c.find(path.substr(0, slash), path.substr(slash + 1));
}

void resolve_metric(SweepMetric& m, const SweepPlan& plan, Diagnostics& diags) {
  const std::string path = "metrics[" + m.name + "]";
  const SeriesCatalog& c = plan.base_catalog;
  m.series_id = find_series(c, m.series);
  if (m.series_id == kNoSeries) {
    diags.error(m.where, path + ".series",
                "no series '" + m.series + "' in the base scenario's output",
                suggest(m.series, all_series_paths(c), "series"));
    return;
  }
  const SeriesSpec& spec = c.series()[m.series_id];
  // Entity: one id per entity axis of the series, row-major with the last axis fastest.
  std::size_t index = 0;
  bool ok = true;
  std::vector<std::string> axis_names;
  for (AxisId a : spec.entity_axes) axis_names.push_back(c.axes()[a].name);
  for (const auto& [axis, id] : m.entity)
    if (std::find(axis_names.begin(), axis_names.end(), axis) == axis_names.end()) {
      diags.error(m.where, path + ".entity." + axis,
                  "the series " + m.series + " has no axis '" + axis + "'",
                  axis_names.empty() ? "it has one value per date: leave out entity"
                                     : suggest(axis, axis_names, "its axes"));
      ok = false;
    }
  for (AxisId a : spec.entity_axes) {
    const EntityAxis& axis = c.axes()[a];
    const auto given = std::find_if(m.entity.begin(), m.entity.end(),
                                    [&](const auto& e) { return e.first == axis.name; });
    if (given == m.entity.end()) {
      diags.error(m.where, path + ".entity",
                  "the series " + m.series + " has a value per " + axis.name +
                      "; say which one, e.g. entity: {" + axis.name + ": " +
                      (axis.ids.empty() ? std::string("?") : axis.ids.front()) + "}");
      ok = false;
      continue;
    }
    const auto at = std::find(axis.ids.begin(), axis.ids.end(), given->second);
    if (at == axis.ids.end()) {
      diags.error(m.where, path + ".entity." + axis.name,
                  "unknown " + axis.name + " '" + given->second + "' in " + m.series,
                  suggest(given->second, axis.ids, "known ids"));
      ok = false;
      continue;
    }
    index = index * axis.ids.size() + static_cast<std::size_t>(at - axis.ids.begin());
  }
  if (!ok) return;
  m.entity_index = index;
  m.description = spec.description;
  switch (m.kind) {
    case MetricKind::value_at:
    case MetricKind::mean: m.units = spec.units; break;
    case MetricKind::max_drawdown: m.units = m.relative ? "fraction" : spec.units; break;
    // "years", not "years since the start": CF readers (xarray) take "<unit> since <date>" for
    // dates and fail to decode it.
    case MetricKind::first_crossing: m.units = "years"; break;
  }
  const std::vector<Date>& dates = c.time_axis(spec.cadence).dates;
  const std::string first = dates.empty() ? "?" : dates.front().iso();
  const std::string last = dates.empty() ? "?" : dates.back().iso();
  if (m.kind == MetricKind::value_at) {
    if (dates.empty() || m.at < dates.front() || m.at > plan.base.info.end)
      diags.error(
          m.where, path + ".value_at",
          "the date " + m.at.iso() + " is outside the series' dates, " + first + " to " + last);
    return;
  }
  if (m.from > m.to) {
    diags.error(m.where, path + "." + metric_kind_name(m.kind),
                "the window runs backwards: from " + m.from.iso() + " to " + m.to.iso());
    return;
  }
  const bool any =
      std::any_of(dates.begin(), dates.end(), [&](Date d) { return d >= m.from && d <= m.to; });
  if (!any)
    diags.error(m.where, path + "." + metric_kind_name(m.kind),
                "the window " + (m.from == kOpenStart ? std::string("start") : m.from.iso()) +
                    " to " + (m.to == kOpenEnd ? std::string("end") : m.to.iso()) +
                    " holds none of the series' dates, " + first + " to " + last);
}

void build_parameters(SweepPlan& plan, const SweepDefinition& def,
                      const std::vector<SourceLocation>& where, Diagnostics& diags) {
  const std::vector<ParamInfo> params = all_parameters();
  for (std::size_t i = 0; i < def.parameters.size(); ++i) {
    const ParameterEntry& e = def.parameters[i];
    SweepParameter p;
    p.key = e.key;
    p.where = where[i];
    const std::string path = "parameters[" + (e.key.empty() ? std::to_string(i) : e.key) + "]";
    bool ok = !e.key.empty();
    if (e.has_range == e.has_values) {
      diags.error(where[i], path,
                  e.has_range ? "give either range or values, not both"
                              : "expected a range: [low, high] or a list of values");
      ok = false;
    }
    if (e.has_range) {
      p.has_range = true;
      p.low = e.low;
      p.high = e.high;
      p.log_scale = e.scale == Scale::log;
      if (!(e.low < e.high)) {
        diags.error(e.range_where, path + ".range",
                    "the range is " + std::string(e.low == e.high ? "empty" : "reversed") +
                        ": expected low < high, found [" + format_number(e.low) + ", " +
                        format_number(e.high) + "]");
        ok = false;
      } else if (p.log_scale && !(e.low > 0)) {
        diags.error(e.range_where, path + ".range",
                    "a log scale needs low > 0, found " + format_number(e.low));
        ok = false;
      }
    }
    if (e.has_values) {
      p.values = e.values;
      if (e.values.empty()) {
        diags.error(e.values_where, path + ".values", "expected at least one value, found none");
        ok = false;
      }
    }
    if (e.has_values && e.scale == Scale::log)
      diags.error(where[i], path + ".scale", "scale applies to a range, not to a list of values");
    if (!e.key.empty() && (e.key == "run" || e.key.starts_with("run.")))
      diags.error(where[i], path + ".key",
                  "the sweep sets run.seed and the replicates itself (sweep.seed, "
                  "sweep.replicates); run.* cannot be varied");
    for (std::size_t j = 0; j < i; ++j)
      if (def.parameters[j].key == e.key && !e.key.empty())
        diags.error(where[i], path + ".key",
                    "the key " + e.key + " is varied twice; it was first listed at line " +
                        std::to_string(where[j].line));
    const std::string pattern = key_pattern(plan.base_tree, e.key);
    for (const ParamInfo& info : params)
      if (info.key == pattern) {
        p.unit = info.unit;
        p.integer = info.type == "integer";
      }
    plan.parameters.push_back(std::move(p));
    if (ok && plan.base_file.empty() == false)
      check_parameter_loads(plan, plan.parameters.back(), diags);
  }
}

// "1 value", "28 values".
std::string counted(double n, const std::string& noun) {
  return grouped_number(n) + " " + noun + (n == 1.0 ? "" : "s");
}

// The points the design section asks for, counted before any is drawn (a double: a grid's
// product may overflow); 0 when the section is incomplete, which unit_design reports.
double requested_points(const SweepPlan& plan, const DesignSection& d) {
  switch (d.type) {
    case DesignType::grid: {
      double n = 1.0;
      for (const SweepParameter& p : plan.parameters)
        n *= !p.values.empty() ? static_cast<double>(p.values.size())
                               : static_cast<double>(d.levels);
      return n;
    }
    case DesignType::latin_hypercube:
    case DesignType::sobol: return static_cast<double>(d.points);
    case DesignType::saltelli:
      return static_cast<double>(d.base_rows) *
             static_cast<double>((d.second_order ? 2 : 1) * plan.parameters.size() + 2);
    case DesignType::morris:
      return static_cast<double>(d.trajectories) * static_cast<double>(plan.parameters.size() + 1);
  }
  return 0.0;
}

// docs/sweeps.md §"Limits": a sweep of more than kMaxDesignPoints runs, or whose results would
// not fit in memory, is refused before its design is drawn, at the key that sets its size,
// with the memory and time it would take. Returns whether the sweep is within the limits.
bool check_sweep_size(const SweepPlan& plan, const DesignSection& d, const ConfigNode& root,
                      bool base_ok, Diagnostics& diags) {
  const double points = requested_points(plan, d);
  if (points <= 0.0) return true;
  const auto replicates = static_cast<double>(plan.replicates);
  const double runs = points * replicates;
  const std::size_t threads = oneapi::tbb::global_control::active_value(
      oneapi::tbb::global_control::max_allowed_parallelism);
  const double cores = static_cast<double>(std::max<std::size_t>(1, threads));

  // Each run's values are held twice at the end (its record, and the table written out), with a
  // record, a status and a reason each; the design three times (unit, scaled, table).
  double values = static_cast<double>(plan.metrics.size());
  for (SeriesId id : plan.keep_series_ids) {
    const SeriesSpec& spec = plan.base_catalog.series()[id];
    values += static_cast<double>(plan.base_catalog.time_count(spec) *
                                  plan.base_catalog.entity_count(spec));
  }
  const double per_run = 2.0 * values * sizeof(double) +
                         static_cast<double>(sizeof(RunRecord) + sizeof(std::string) + 1);
  const double design = 3.0 * points * static_cast<double>(plan.parameters.size()) * sizeof(double);
  RunCost run;
  if (base_ok) run = run_cost(plan.base);
  const double running = std::min(cores, runs) * (run.series_bytes + run.population_bytes);
  const double memory = runs * per_run + design + running;
  const double limit = memory_limit_bytes();
  const bool too_many = runs > static_cast<double>(kMaxDesignPoints);
  const bool too_big = limit > 0.0 && memory > limit;
  if (!too_many && !too_big) return true;

  std::string key = "sweep.replicates";
  if (replicates < points)
    key = d.type == DesignType::saltelli ? "design.base_rows"
          : d.type == DesignType::morris ? "design.trajectories"
          : d.type == DesignType::grid   ? (d.levels > 0 ? "design.levels" : "parameters")
                                         : "design.points";
  std::string message = grouped_number(points) + " points x " + grouped_number(replicates) +
                        " replicates = " + grouped_number(runs) + " runs need about " +
                        bytes_text(memory) + " of memory for their results (" +
                        counted(values, "value") + " a run, " +
                        counted(static_cast<double>(plan.metrics.size()), "metric") + " and " +
                        grouped_number(values - static_cast<double>(plan.metrics.size())) +
                        " of kept series: " + bytes_text(per_run) + " a run with its bookkeeping)";
  if (base_ok)
    message += " and about " + duration_text(runs * run.seconds() / cores) + " of computing (" +
               duration_text(run.seconds()) + " a run at ~" +
               grouped_number(kSecondsPerAgentStep * 1e9) + " ns an agent-step, on " +
               grouped_number(cores) + (cores == 1 ? " core)" : " cores)");
  message += "; the limit is ";
  if (too_many) message += grouped_number(static_cast<double>(kMaxDesignPoints)) + " runs";
  if (too_many && too_big) message += " and ";
  if (too_big) message += memory_limit_text();
  diags.error(value_location(root, key, d.where), key, message, "split the sweep");
  return false;
}

DesignMatrix unit_design(const SweepPlan& plan, const DesignSection& d, Diagnostics& diags) {
  const std::size_t k = plan.parameters.size();
  auto report = [&](const std::vector<std::string>& problems) {
    for (const std::string& p : problems) diags.error(d.where, "design", p);
    return problems.empty();
  };
  auto refuse = [&](bool given, const char* key, const char* why) {
    if (given) diags.error(d.where, std::string("design.") + key, why);
  };
  const SobolOptions sobol{SobolScramble::owen, plan.seed, 0};
  switch (d.type) {
    case DesignType::grid: {
      refuse(d.points > 0, "points",
             "a grid has the product of its levels as points; give levels, not points");
      refuse(d.base_rows > 0, "base_rows", "base_rows belongs to a saltelli design");
      refuse(d.second_order, "second_order", "second_order belongs to a saltelli design");
      refuse(d.trajectories > 0, "trajectories", "trajectories belong to a morris design");
      const bool any_range = std::any_of(plan.parameters.begin(), plan.parameters.end(),
                                         [](const SweepParameter& p) { return p.has_range; });
      if (any_range && d.levels == 0) {
        diags.error(d.where, "design.levels",
                    "a grid over a range needs levels: the number of evenly spaced values");
        return {};
      }
      std::vector<std::vector<double>> levels;
      for (const SweepParameter& p : plan.parameters) {
        if (!p.values.empty()) {
          levels.push_back(p.values);
          continue;
        }
        std::vector<double> v;
        for (double u : evenly_spaced_levels(static_cast<std::size_t>(d.levels)))
          v.push_back(parameter_value(p, u));
        levels.push_back(std::move(v));
      }
      if (!report(full_grid_problems(levels))) return {};
      return full_grid(levels);  // already in the parameters' units
    }
    case DesignType::latin_hypercube:
    case DesignType::sobol: {
      refuse(d.levels > 0, "levels", "levels belong to a grid or morris design");
      refuse(d.base_rows > 0, "base_rows", "base_rows belongs to a saltelli design");
      refuse(d.second_order, "second_order", "second_order belongs to a saltelli design");
      refuse(d.trajectories > 0, "trajectories", "trajectories belong to a morris design");
      if (d.points == 0) {
        diags.error(d.where, "design.points",
                    "a " + design_type_name(d.type) + " design needs points: how many to draw");
        return {};
      }
      const auto n = static_cast<std::size_t>(d.points);
      if (d.type == DesignType::latin_hypercube) {
        if (!report(latin_hypercube_problems(n, k))) return {};
        return latin_hypercube(n, k, plan.seed);
      }
      if (!report(sobol_problems(n, k, sobol))) return {};
      return sobol_points(n, k, sobol);
    }
    case DesignType::saltelli: {
      refuse(d.levels > 0, "levels", "levels belong to a grid or morris design");
      refuse(d.points > 0, "points",
             "a saltelli design is sized by base_rows N (it has N(k + 2) points, N(2k + 2) "
             "with second_order)");
      refuse(d.trajectories > 0, "trajectories", "trajectories belong to a morris design");
      if (d.base_rows == 0) {
        diags.error(d.where, "design.base_rows",
                    "a saltelli design needs base_rows: N, the rows of each base matrix");
        return {};
      }
      const auto n = static_cast<std::size_t>(d.base_rows);
      if (!report(saltelli_problems(n, k, sobol, d.second_order))) return {};
      return saltelli_design(n, k, sobol, d.second_order).runs;
    }
    case DesignType::morris: {
      refuse(d.points > 0, "points",
             "a morris design is sized by trajectories r (it has r(k + 1) points)");
      refuse(d.base_rows > 0, "base_rows", "base_rows belongs to a saltelli design");
      refuse(d.second_order, "second_order", "second_order belongs to a saltelli design");
      if (d.trajectories == 0)
        diags.error(d.where, "design.trajectories",
                    "a morris design needs trajectories: r, how many one-at-a-time paths");
      if (d.levels == 0)
        diags.error(d.where, "design.levels",
                    "a morris design needs levels: p, the (even) number of grid levels, "
                    "e.g. 4");
      if (d.trajectories == 0 || d.levels == 0) return {};
      const auto r = static_cast<std::size_t>(d.trajectories);
      const auto p = static_cast<std::size_t>(d.levels);
      if (!report(morris_problems(r, k, p))) return {};
      return morris_design(r, k, p, plan.seed).runs;
    }
  }
  return {};
}

}  // namespace

std::string design_label(const SweepPlan& plan) {
  std::string label = design_type_name(plan.design);
  if (plan.design == DesignType::saltelli && plan.second_order) label += " (second order)";
  if (plan.design == DesignType::morris)
    label += " (r = " + std::to_string(plan.trajectories) +
             " trajectories, p = " + std::to_string(plan.levels) + " levels)";
  return label;
}

bool is_sweep_text(const std::string& text, const std::string& file_name) {
  Diagnostics ignored;
  const ConfigNode root = parse_yaml_text(text, file_name, ignored);
  if (ignored.size() > 0 || !root.is_map() || root.entries.empty()) return false;
  if (root.find("sweep") != nullptr) return true;
  const std::vector<std::string> sections = definition_schema().keys();
  return std::all_of(root.entries.begin(), root.entries.end(), [&](const ConfigEntry& e) {
    return std::find(sections.begin(), sections.end(), e.key) != sections.end();
  });
}

SweepPlan load_sweep(const std::filesystem::path& file) {
  std::string why;
  const auto text = read_yaml_file(file, false, why);
  if (!text)
    throw InputError({file.string(), 0, 0},
                     "cannot read the sweep file '" + file.string() + "': " + why);
  SweepPlan plan = load_sweep_text(*text, file);
  plan.files_read.insert(plan.files_read.begin(), file);
  return plan;
}

SweepPlan load_sweep_text(const std::string& text, const std::filesystem::path& file) {
  SweepPlan plan;
  plan.file = file.string();
  Diagnostics diags;
  plan.text = text;
  ConfigNode root = parse_yaml_text(plan.text, plan.file, diags);
  diags.throw_if_any();
  if (!root.is_map()) {
    diags.error(root.where, "",
                "a sweep must be a mapping of keys to values, found " + root.describe());
    diags.throw_if_any();
  }
  SweepDefinition def;
  definition_schema().read(root, "", def, diags);
  std::vector<SourceLocation> param_where;
  if (const ConfigNode* ps = root.find("parameters"); ps != nullptr && ps->is_sequence())
    for (const ConfigNode& item : ps->items) {
      const ConfigNode* key = item.is_map() ? item.find("key") : nullptr;
      param_where.push_back(key != nullptr ? key->where : item.where);
    }
  param_where.resize(def.parameters.size(), root.where);

  plan.name = def.sweep.name.empty() ? file.stem().string() : def.sweep.name;
  // The name becomes the default output file, results/<name>.h5: one plain path component, so
  // that a sweep file cannot choose where its results are written.
  if (const std::string& n = def.sweep.name;
      !n.empty() && (n.starts_with('.') || !std::all_of(n.begin(), n.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                              c == '.';
                     })))
    diags.error(value_location(root, "sweep.name", root.where), "sweep.name",
                "expected a name of letters, digits, '_', '-' and '.' (not starting with '.'), "
                "found '" +
                    n + "'");
  plan.description = def.sweep.description;
  plan.seed = static_cast<uint64_t>(def.sweep.seed);
  plan.replicates = static_cast<std::size_t>(def.sweep.replicates);
  plan.design = def.design.type;
  plan.base_rows = static_cast<std::size_t>(def.design.base_rows);
  plan.second_order = def.design.type == DesignType::saltelli && def.design.second_order;
  plan.trajectories = static_cast<std::size_t>(def.design.trajectories);
  plan.levels = static_cast<std::size_t>(def.design.levels);

  // The base scenario: its own errors are reported where they are, in its file.
  bool base_ok = false;
  if (!def.sweep.base.empty()) {
    plan.base_file = file.parent_path() / def.sweep.base;
    const ConfigNode* sweep = root.find("sweep");
    const ConfigNode* base = sweep != nullptr && sweep->is_map() ? sweep->find("base") : nullptr;
    const SourceLocation base_where = base != nullptr ? base->where : root.where;
    std::string why;
    if (!read_yaml_file(plan.base_file, true, why)) {
      diags.error(base_where, "sweep.base",
                  "cannot read the base scenario '" + plan.base_file.string() + "': " + why +
                      " (the path is relative to the sweep file)");
    } else {
      try {
        Diagnostics base_diags;
        plan.base_tree = load_config_file(plan.base_file, base_diags, &plan.files_read);
        base_diags.throw_if_any();
        plan.base = scenario_from_tree(plan.base_tree, plan.base_file.string());
        plan.base_catalog = build_catalog(plan.base);
        base_ok = true;
      } catch (const InputError& e) {
        for (const Diagnostic& d : e.diagnostics())
          diags.error(d.where, d.key_path, d.message, d.hint);
        diags.error(base_where, "sweep.base",
                    "the base scenario '" + plan.base_file.string() + "' has errors (above)");
      }
    }
  }
  if (!base_ok) plan.base_file.clear();

  if (root.find("parameters") != nullptr && def.parameters.empty())
    diags.error(root.find("parameters")->where, "parameters",
                "expected at least one parameter to vary");
  const std::size_t before_parameters = diags.size();
  build_parameters(plan, def, param_where, diags);
  const bool parameters_ok = diags.size() == before_parameters && !plan.parameters.empty();

  std::vector<std::string> names;
  for (MetricEntry& e : def.metrics) {
    SweepMetric& m = e.metric;
    const std::string path = "metrics[" + m.name + "]";
    bool ok = !m.name.empty() && !m.series.empty();
    if (m.name.empty()) diags.error(m.where, "metrics[]", "missing required key 'name'");
    if (m.series.empty()) diags.error(m.where, path, "missing required key 'series'");
    if (!m.name.empty() && (m.name.find('/') != std::string::npos || m.name.starts_with('.'))) {
      diags.error(m.where, path + ".name", "a metric's name may not contain '/' or start with '.'");
      ok = false;
    }
    if (std::find(names.begin(), names.end(), m.name) != names.end() && !m.name.empty())
      diags.error(m.where, path + ".name", "the name '" + m.name + "' is used twice");
    names.push_back(m.name);
    if (e.kinds.size() != 1) {
      diags.error(m.where, path,
                  std::string("expected exactly one of value_at, max_drawdown, first_crossing, "
                              "mean; found ") +
                      (e.kinds.empty() ? "none" : std::to_string(e.kinds.size())));
      ok = false;
    }
    if (m.kind == MetricKind::first_crossing && std::isnan(m.threshold)) ok = false;
    if (ok && base_ok) resolve_metric(m, plan, diags);
    plan.metrics.push_back(m);
  }
  for (const auto& [path, where] : def.keep_series) {
    if (!base_ok) continue;
    const SeriesId id = find_series(plan.base_catalog, path);
    if (id == kNoSeries) {
      diags.error(where, "keep_series", "no series '" + path + "' in the base scenario's output",
                  suggest(path, all_series_paths(plan.base_catalog), "series"));
      continue;
    }
    if (std::find(plan.keep_series.begin(), plan.keep_series.end(), path) !=
        plan.keep_series.end()) {
      diags.error(where, "keep_series", "the series '" + path + "' is listed twice");
      continue;
    }
    plan.keep_series.push_back(path);
    plan.keep_series_ids.push_back(id);
  }

  // The design, once the parameters are sound and its size within the limits (its own errors
  // are reported with the rest). A missing design section is reported by the schema.
  if (parameters_ok && root.find("design") != nullptr &&
      check_sweep_size(plan, def.design, root, base_ok, diags)) {
    const std::size_t before_design = diags.size();
    const DesignMatrix u = unit_design(plan, def.design, diags);
    if (diags.size() == before_design) {
      if (plan.design == DesignType::grid) {
        plan.values = u;
      } else {
        plan.values.resize(u.rows(), u.cols());
        for (Eigen::Index i = 0; i < u.rows(); ++i)
          for (Eigen::Index j = 0; j < u.cols(); ++j)
            plan.values(i, j) =
                parameter_value(plan.parameters[static_cast<std::size_t>(j)], u(i, j));
      }
    }
  }
  diags.throw_if_any();
  plan.hash = fnv1a_hex(plan.text, to_yaml(plan.base_tree));
  return plan;
}

std::vector<std::string> point_overrides(const SweepPlan& plan, std::size_t point) {
  std::vector<std::string> out;
  out.reserve(plan.parameters.size() + 1);
  for (std::size_t j = 0; j < plan.parameters.size(); ++j)
    out.push_back(
        plan.parameters[j].key + "=" +
        format_value(plan.values(static_cast<Eigen::Index>(point), static_cast<Eigen::Index>(j))));
  out.push_back("run.seed=" + std::to_string(plan.seed));
  return out;
}

double metric_value(const SweepMetric& m, const SeriesCatalog& catalog, const SeriesBuffer& run,
                    Date scenario_start) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const SeriesSpec& spec = catalog.series().at(m.series_id);
  const std::vector<Date>& dates = catalog.time_axis(spec.cadence).dates;
  auto value = [&](std::size_t t) { return run.get(m.series_id, t, m.entity_index); };
  if (m.kind == MetricKind::value_at) {
    const auto after = std::upper_bound(dates.begin(), dates.end(), m.at);
    if (after == dates.begin()) return nan;
    return value(static_cast<std::size_t>(after - dates.begin()) - 1);
  }
  double sum = 0.0;
  std::size_t count = 0;
  double peak = nan;
  double drawdown = nan;
  for (std::size_t t = 0; t < dates.size(); ++t) {
    if (dates[t] < m.from || dates[t] > m.to) continue;
    const double x = value(t);
    if (std::isnan(x)) continue;
    switch (m.kind) {
      case MetricKind::first_crossing:
        if (m.upward ? x >= m.threshold : x <= m.threshold)
          return years_between(scenario_start, dates[t]);
        break;
      case MetricKind::mean:
        sum += x;
        ++count;
        break;
      case MetricKind::max_drawdown: {
        if (std::isnan(peak) || x > peak) peak = x;
        double fall = peak - x;
        if (m.relative) fall = peak > 0 ? fall / peak : 0.0;
        if (std::isnan(drawdown) || fall > drawdown) drawdown = fall;
        break;
      }
      case MetricKind::value_at: break;
    }
  }
  if (m.kind == MetricKind::mean) return count > 0 ? sum / static_cast<double>(count) : nan;
  if (m.kind == MetricKind::max_drawdown) return drawdown;
  return nan;
}

}  // namespace airace
