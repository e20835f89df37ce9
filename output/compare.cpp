#include "output/compare.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include <Eigen/Dense>

#include "output/csv.hpp"
#include "output/h5_reader.hpp"
#include "output/summary.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/diagnostics.hpp"

namespace airace {

DifferenceBand paired_difference(const std::vector<double>& base,
                                 const std::vector<double>& whatif) {
  if (base.size() != whatif.size())
    throw std::invalid_argument("paired_difference: " + std::to_string(base.size()) + " and " +
                                std::to_string(whatif.size()) + " replicates");
  std::vector<double> d(base.size());
  for (std::size_t r = 0; r < base.size(); ++r) d[r] = whatif[r] - base[r];  // NaN stays NaN
  DifferenceBand band{quantile(d, 0.5), quantile(d, 0.05), quantile(d, 0.95)};
  std::size_t finite = 0, above = 0, below = 0;
  for (double x : d) {
    if (!std::isfinite(x)) continue;
    ++finite;
    above += x > 0.0 ? 1 : 0;
    below += x < 0.0 ? 1 : 0;
  }
  if (finite > 0) {
    band.p_positive = static_cast<double>(above) / static_cast<double>(finite);
    band.p_negative = static_cast<double>(below) / static_cast<double>(finite);
  }
  return band;
}

namespace {

// Ranks from 1, ties at their mean rank.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

}  // namespace

double rank_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> a, b;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) {
      a.push_back(x[i]);
      b.push_back(y[i]);
    }
  if (a.size() < 3) return std::nan("");
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double mean = 0.5 * static_cast<double>(a.size() + 1);
  double sab = 0.0, saa = 0.0, sbb = 0.0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (!(saa > 0.0) || !(sbb > 0.0)) return std::nan("");
  return sab / std::sqrt(saa * sbb);
}

DifferenceBand unpaired_difference(const std::vector<double>& base,
                                   const std::vector<double>& whatif) {
  const double b05 = quantile(base, 0.05), b50 = quantile(base, 0.5), b95 = quantile(base, 0.95);
  const double w05 = quantile(whatif, 0.05), w50 = quantile(whatif, 0.5),
               w95 = quantile(whatif, 0.95);
  const double d = w50 - b50;
  return {d, d - std::hypot(w50 - w05, b95 - b50), d + std::hypot(w95 - w50, b50 - b05)};
}

namespace {

// The dates of one cadence in one file, and the end of the period its last date opens.
struct DateAxis {
  std::vector<std::string> dates;  // ISO, increasing
  std::string end;                 // exclusive: the next tick after the last date

  bool covers(const std::string& date) const {
    return !dates.empty() && dates.front() <= date && date < end;
  }
  // The index of the last date at or before `date` (which covers() accepts).
  std::size_t index_at(const std::string& date) const {
    return static_cast<std::size_t>(std::upper_bound(dates.begin(), dates.end(), date) -
                                    dates.begin()) -
           1;
  }
  std::string last_covered() const {
    const std::optional<Date> e = Date::parse(end);
    return e ? e->plus_days(-1).iso() : dates.back();
  }
};

DateAxis date_axis(const std::filesystem::path& file, const std::string& cadence) {
  DateAxis a;
  a.dates = read_time_axis(file, cadence);
  if (!std::is_sorted(a.dates.begin(), a.dates.end()))
    throw InputError({file.string(), 0, 0}, "the dates of /time/" + cadence + " are not in order");
  if (a.dates.empty()) return a;
  const std::optional<Date> last = Date::parse(a.dates.back());
  if (!last)
    throw InputError({file.string(), 0, 0},
                     "/time/" + cadence + " holds '" + a.dates.back() + "', not an ISO date");
  // A cadence ticks on the first day of its period (docs/model.md §Time): its last date stands
  // for the days up to the next tick. An unknown cadence covers its last day only.
  const std::optional<Cadence> c = parse_cadence(cadence);
  a.end = (c ? next_tick_after(*c, *last) : last->plus_days(1)).iso();
  return a;
}

// Time axes read once per file and cadence.
class AxisCache {
 public:
  explicit AxisCache(std::filesystem::path file) : file_(std::move(file)) {}
  const DateAxis& get(const std::string& cadence) {
    auto it = axes_.find(cadence);
    if (it == axes_.end()) it = axes_.emplace(cadence, date_axis(file_, cadence)).first;
    return it->second;
  }

 private:
  std::filesystem::path file_;
  std::map<std::string, DateAxis> axes_;
};

std::string file_name(const std::filesystem::path& p) { return p.string(); }

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string group_of(const std::string& series_path) {
  return series_path.substr(0, series_path.find('/'));
}

// The default dates: the last date of each year on the base axis that both files cover.
std::vector<std::string> year_end_dates(const DateAxis& base, const DateAxis& whatif) {
  std::vector<std::string> covered;
  for (const std::string& d : base.dates)
    if (whatif.covers(d) && base.covers(d)) covered.push_back(d);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < covered.size(); ++i)
    if (i + 1 == covered.size() || covered[i + 1].substr(0, 4) != covered[i].substr(0, 4))
      out.push_back(covered[i]);
  return out;
}

std::string entity_label(const StoredSeries& s, std::size_t entity) {
  std::string label;
  for (std::size_t k = s.shape.size(); k-- > 2;) {
    const std::size_t n = s.shape[k];
    const std::size_t i = entity % n;
    entity /= n;
    const std::vector<std::string>& ids = s.entity_ids[k - 2];
    const std::string id = i < ids.size() ? ids[i] : std::to_string(i);
    label = label.empty() ? id : id + "/" + label;
  }
  return label;
}

double ratio_of(double base, double whatif) {
  if (!std::isfinite(base) || !std::isfinite(whatif) || base == 0.0 || base * whatif < 0.0)
    return std::nan("");
  return whatif / base;
}

std::vector<double> replicate_values(const StoredSeries& s, std::size_t t, std::size_t entity,
                                     std::size_t entities) {
  const std::size_t times = s.shape[1];
  std::vector<double> v(s.shape[0]);
  for (std::size_t r = 0; r < s.shape[0]; ++r) v[r] = s.values[(r * times + t) * entities + entity];
  return v;
}

// One side of a period: YYYY, YYYY-MM or YYYY-MM-DD; the end side of a year or month is its
// last day.
std::optional<Date> period_side(const std::string& text, bool end) {
  if (text.size() == 4 && std::all_of(text.begin(), text.end(), ::isdigit)) {
    const int year = std::stoi(text);
    return end ? Date::from_ymd(year, 12, 31) : Date::from_ymd(year, 1, 1);
  }
  const std::optional<Date> d = Date::parse(text);
  if (!d) return d;
  if (end && text.size() == 7) return d->plus_months(1).plus_days(-1);
  return d;
}

struct Period {
  std::string from, to;  // ISO, inclusive
  std::string label;     // "2026-01-01..2030-12-31 mean"
};

// Each replicate's mean of entity e over the axis dates in the period (NaN when none is finite).
std::vector<double> period_means(const StoredSeries& s, const DateAxis& axis, const Period& p,
                                 std::size_t e, std::size_t entities) {
  std::vector<double> mean(s.shape[0], std::nan(""));
  for (std::size_t r = 0; r < s.shape[0]; ++r) {
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t t = 0; t < axis.dates.size(); ++t) {
      if (axis.dates[t] < p.from || p.to < axis.dates[t]) continue;
      const double v = s.values[(r * s.shape[1] + t) * entities + e];
      if (!std::isfinite(v)) continue;
      sum += v;
      ++n;
    }
    if (n > 0) mean[r] = sum / static_cast<double>(n);
  }
  return mean;
}

bool axis_has_dates_in(const DateAxis& axis, const Period& p) {
  for (const std::string& d : axis.dates)
    if (!(d < p.from) && !(p.to < d)) return true;
  return false;
}

// The uncertain parameters drawn the same in both files, replicate by replicate.
struct SharedDraws {
  std::vector<std::string> parameters;
  std::vector<std::vector<double>> values;  // [parameter][replicate]
};

SharedDraws shared_draws(const ParameterDraws& b, const ParameterDraws& w, Comparison& c) {
  SharedDraws out;
  for (std::size_t p = 0; p < b.parameters.size(); ++p) {
    const auto it = std::find(w.parameters.begin(), w.parameters.end(), b.parameters[p]);
    bool same = it != w.parameters.end() && c.paired && b.replicates == w.replicates;
    const std::size_t q = same ? static_cast<std::size_t>(it - w.parameters.begin()) : 0;
    std::vector<double> v(b.replicates);
    for (std::size_t r = 0; same && r < b.replicates; ++r) {
      const double x = b.value(r, p), y = w.value(r, q);
      same = x == y || (std::isnan(x) && std::isnan(y));
      v[r] = x;
    }
    if (same) {
      out.parameters.push_back(b.parameters[p]);
      out.values.push_back(std::move(v));
      c.shared_parameters.push_back(b.parameters[p]);
    } else {
      c.unshared_parameters.push_back(b.parameters[p]);
    }
  }
  for (const std::string& p : w.parameters)
    if (!contains(b.parameters, p)) c.unshared_parameters.push_back(p);
  return out;
}

// The three parameters whose draws correlate most (by rank, in absolute value) with the
// paired difference.
std::vector<Driver> drivers_of(const SharedDraws& draws, const std::vector<double>& base,
                               const std::vector<double>& whatif) {
  std::vector<double> d(base.size());
  for (std::size_t r = 0; r < base.size(); ++r) d[r] = whatif[r] - base[r];
  std::vector<Driver> all;
  for (std::size_t p = 0; p < draws.parameters.size(); ++p) {
    const double rho = rank_correlation(draws.values[p], d);
    if (std::isfinite(rho)) all.push_back({draws.parameters[p], rho});
  }
  std::stable_sort(all.begin(), all.end(), [](const Driver& a, const Driver& b) {
    return std::abs(a.rank_correlation) > std::abs(b.rank_correlation);
  });
  if (all.size() > 3) all.resize(3);
  return all;
}

// The share of the effect's spread that the parameters explain: the adjusted R² of a linear
// regression of the ranks of the paired difference on the ranks of the draws (rank regression:
// Saltelli et al. 2008, "Global Sensitivity Analysis. The Primer", §1.2.6; Helton & Davis
// 2002). The rest is the noise, and what a monotone additive fit misses (interactions,
// non-monotone effects), so the share is a lower bound of what the parameters drive. NaN with
// fewer than p + 3 replicates where every value is finite, or when the difference does not vary.
double parameter_share(const SharedDraws& draws, const std::vector<double>& base,
                       const std::vector<double>& whatif) {
  const std::size_t n_par = draws.parameters.size();
  std::vector<std::size_t> kept;
  for (std::size_t r = 0; r < base.size(); ++r) {
    bool ok = std::isfinite(whatif[r] - base[r]);
    for (std::size_t p = 0; ok && p < n_par; ++p) ok = std::isfinite(draws.values[p][r]);
    if (ok) kept.push_back(r);
  }
  const std::size_t n = kept.size();
  if (n_par == 0 || n < n_par + 3) return std::nan("");
  const auto column = [&](auto value) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = value(kept[i]);
    return ranks(v);
  };
  const std::vector<double> y =
      column([&](std::size_t r) { return whatif[r] - base[r]; });
  Eigen::MatrixXd x(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n_par + 1));
  Eigen::VectorXd yv(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i) {
    x(static_cast<Eigen::Index>(i), 0) = 1.0;
    yv(static_cast<Eigen::Index>(i)) = y[i];
  }
  for (std::size_t p = 0; p < n_par; ++p) {
    const std::vector<double> xp = column([&](std::size_t r) { return draws.values[p][r]; });
    for (std::size_t i = 0; i < n; ++i)
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(p + 1)) = xp[i];
  }
  const double mean = yv.mean();
  const double total = (yv.array() - mean).square().sum();
  if (!(total > 0.0)) return std::nan("");
  const Eigen::VectorXd beta = x.colPivHouseholderQr().solve(yv);
  const double residual = (yv - x * beta).squaredNorm();
  const double r2 = 1.0 - residual / total;
  const double adjusted = 1.0 - (1.0 - r2) * static_cast<double>(n - 1) /
                                    static_cast<double>(n - n_par - 1);
  return std::clamp(adjusted, 0.0, 1.0);
}

std::size_t entity_count(const StoredSeries& s) {
  std::size_t n = 1;
  for (std::size_t k = 2; k < s.shape.size(); ++k) n *= s.shape[k];
  return n;
}

// Why two series of the same path cannot be compared entity by entity; "" when they can.
std::string mismatch(const StoredSeries& b, const StoredSeries& w) {
  if (b.cadence != w.cadence) return "cadence " + b.cadence + " in one file, " + w.cadence;
  if (b.dimensions != w.dimensions || b.shape.size() != w.shape.size())
    return "different dimensions";
  for (std::size_t k = 2; k < b.shape.size(); ++k)
    if (b.shape[k] != w.shape[k] || b.entity_ids[k - 2] != w.entity_ids[k - 2])
      return "different " + b.dimensions[k] + " ids";
  return "";
}

}  // namespace

Comparison compare_runs(const std::filesystem::path& base, const std::filesystem::path& whatif,
                        const CompareOptions& options) {
  const RunFile b = open_run_file(base);
  const RunFile w = open_run_file(whatif);
  Comparison c;
  c.base_file = file_name(base);
  c.whatif_file = file_name(whatif);
  c.base_seed = b.meta.seed;
  c.whatif_seed = w.meta.seed;
  c.base_replicates = b.meta.replicates;
  c.whatif_replicates = w.meta.replicates;
  c.paired =
      b.meta.seed == w.meta.seed && b.meta.replicates == w.meta.replicates && b.meta.replicates > 0;

  std::vector<std::string> at;
  for (const std::string& text : options.dates) {
    const std::optional<Date> d = Date::parse(text);
    if (!d) throw InputError({"--at " + text, 0, 0}, "not a date: expected YYYY-MM-DD or YYYY-MM");
    at.push_back(d->iso());
  }
  std::vector<Period> periods;
  for (const std::string& text : options.periods) {
    const std::size_t colon = text.find(':');
    const std::optional<Date> from =
        colon == std::string::npos ? std::nullopt : period_side(text.substr(0, colon), false);
    const std::optional<Date> to =
        colon == std::string::npos ? std::nullopt : period_side(text.substr(colon + 1), true);
    if (!from || !to)
      throw InputError({"--period " + text, 0, 0},
                       "expected FROM:TO, each YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2026:2030)");
    if (*to < *from)
      throw InputError({"--period " + text, 0, 0}, "the period ends before it starts");
    periods.push_back({from->iso(), to->iso(), from->iso() + ".." + to->iso() + " mean"});
  }
  const SharedDraws draws =
      shared_draws(read_parameter_draws(base), read_parameter_draws(whatif), c);

  // The series to compare, in the base file's order.
  std::vector<std::string> chosen;
  const bool named = !options.series.empty();
  if (named) {
    for (const std::string& s : options.series) {
      const bool in_b = contains(b.series_paths, s), in_w = contains(w.series_paths, s);
      if (in_b && in_w) {
        if (!contains(chosen, s)) chosen.push_back(s);
        continue;
      }
      if (in_b || in_w)
        throw InputError({"--series " + s, 0, 0},
                         "only in " + (in_b ? c.base_file : c.whatif_file) + "; " +
                             (in_b ? c.whatif_file : c.base_file) + " has no such series");
      std::vector<std::string> known = b.series_paths;
      for (const std::string& p : w.series_paths)
        if (!contains(known, p)) known.push_back(p);
      std::string hint = did_you_mean(s, known);
      if (hint.empty())
        hint = "a series path is group/name, e.g. " +
               (known.empty() ? std::string("indicators/us_cn_gap_months") : known.front()) +
               "; 'h5ls -r FILE' lists them";
      throw InputError(
          std::vector<Diagnostic>{{{"--series", 0, 0},
                                   s,
                                   "no such series in " + c.base_file + " or " + c.whatif_file,
                                   hint}});
    }
  } else {
    const auto wanted = [&](const std::string& p) {
      return options.all_groups || group_of(p) == "indicators";
    };
    for (const std::string& p : b.series_paths) {
      if (!wanted(p)) continue;
      if (contains(w.series_paths, p))
        chosen.push_back(p);
      else
        c.skipped.push_back(p + ": only in " + c.base_file);
    }
    for (const std::string& p : w.series_paths)
      if (wanted(p) && !contains(b.series_paths, p))
        c.skipped.push_back(p + ": only in " + c.whatif_file);
    if (chosen.empty())
      throw InputError(
          {c.whatif_file, 0, 0},
          "has no series " + std::string(options.all_groups ? "" : "of /indicators ") +
              "in common with " + c.base_file +
              ": the two files come from different layouts, or one is not a run of a scenario");
  }

  AxisCache base_axes(base), whatif_axes(whatif);
  std::vector<bool> date_used(at.size(), false);
  std::string coverage;  // what the first series' axes cover, for the error on a date
  std::size_t compared = 0;
  for (const std::string& path : chosen) {
    const StoredSeries sb = read_series(base, path);
    const StoredSeries sw = read_series(whatif, path);
    const std::string why = mismatch(sb, sw);
    if (!why.empty()) {
      if (named) throw InputError({"--series " + path, 0, 0}, "cannot be compared: " + why);
      c.skipped.push_back(path + ": " + why);
      continue;
    }
    const DateAxis& ab = base_axes.get(sb.cadence);
    const DateAxis& aw = whatif_axes.get(sw.cadence);
    if (ab.dates.size() != sb.shape[1] || aw.dates.size() != sw.shape[1])
      throw InputError({ab.dates.size() != sb.shape[1] ? c.base_file : c.whatif_file, 0, 0},
                       path + " does not have one value per date of /time/" + sb.cadence);
    if (coverage.empty() && !ab.dates.empty() && !aw.dates.empty())
      coverage = c.base_file + " covers " + ab.dates.front() + " to " + ab.last_covered() + ", " +
                 c.whatif_file + " " + aw.dates.front() + " to " + aw.last_covered() + " (" +
                 sb.cadence + ")";
    ++compared;

    std::vector<std::string> dates;
    if (at.empty() && !periods.empty()) {
      // Only the periods.
    } else if (at.empty()) {
      dates = year_end_dates(ab, aw);
    } else {
      for (std::size_t i = 0; i < at.size(); ++i)
        if (ab.covers(at[i]) && aw.covers(at[i])) {
          dates.push_back(at[i]);
          date_used[i] = true;
        } else {
          c.skipped.push_back(path + " at " + at[i] + ": not on its " + sb.cadence +
                              " axis in both files");
        }
    }
    if (dates.empty() && at.empty() && periods.empty()) {
      c.skipped.push_back(path + ": the two files share no " + sb.cadence + " date");
      continue;
    }

    const bool paired = c.paired && sb.shape[0] == sw.shape[0];
    const std::size_t entities = entity_count(sb);
    const auto add_row = [&](std::string date, const std::vector<double>& vb,
                             const std::vector<double>& vw, std::size_t e) {
      ComparisonRow row;
      row.series = path;
      row.entity = entity_label(sb, e);
      row.date = std::move(date);
      row.units = sb.units;
      row.base_median = quantile(vb, 0.5);
      row.whatif_median = quantile(vw, 0.5);
      row.difference = paired ? paired_difference(vb, vw) : unpaired_difference(vb, vw);
      row.ratio = ratio_of(row.base_median, row.whatif_median);
      if (paired && draws.values.size() > 0 && draws.values.front().size() == vb.size())
      {
        row.drivers = drivers_of(draws, vb, vw);
        row.parameter_share = parameter_share(draws, vb, vw);
      }
      c.rows.push_back(std::move(row));
    };
    for (const Period& p : periods) {
      if (!axis_has_dates_in(ab, p) || !axis_has_dates_in(aw, p)) {
        c.skipped.push_back(path + " over " + p.from + ".." + p.to + ": no " + sb.cadence +
                            " date of the period in both files");
        continue;
      }
      for (std::size_t e = 0; e < entities; ++e)
        add_row(p.label, period_means(sb, ab, p, e, entities), period_means(sw, aw, p, e, entities),
                e);
    }
    for (const std::string& d : dates) {
      const std::size_t tb = ab.index_at(d), tw = aw.index_at(d);
      for (std::size_t e = 0; e < entities; ++e)
        add_row(ab.dates[tb], replicate_values(sb, tb, e, entities),
                replicate_values(sw, tw, e, entities), e);
    }
  }
  if (compared == 0)
    throw InputError({c.whatif_file, 0, 0}, "no series of " + c.base_file +
                                                " can be compared with it (see the reasons: " +
                                                join_words(c.skipped) + ")");
  for (std::size_t i = 0; i < at.size(); ++i)
    if (!date_used[i])
      throw InputError({"--at " + options.dates[i], 0, 0},
                       "outside the dates both files cover: " + coverage);
  return c;
}

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string signed_number(double v) {
  if (std::isnan(v)) return "n/a";
  if (v == 0.0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.4g", v);
  return buf;
}

std::string full(double v) {
  if (std::isnan(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string pairing_line(const Comparison& c) {
  if (c.paired)
    return "paired by replicate: both files have seed " + std::to_string(c.base_seed) + " and " +
           std::to_string(c.base_replicates) +
           " replicates; the difference is taken per replicate, then its median and 5-95%";
  return "unpaired (seeds " + std::to_string(c.base_seed) + " and " +
         std::to_string(c.whatif_seed) + ", replicates " + std::to_string(c.base_replicates) +
         " and " + std::to_string(c.whatif_replicates) +
         "): difference of the medians; the interval adds the two files' 5-95% half-widths in "
         "quadrature";
}

// Which uncertain parameters the spread mixes in, and which drive it.
std::string parameters_line(const Comparison& c) {
  std::string out;
  if (!c.shared_parameters.empty())
    out += std::to_string(c.shared_parameters.size()) +
           " uncertain parameters drawn alike in both files: the interval is the spread of the "
           "effect over their draws and the noise; \"from parameters\" is the share of that "
           "spread the draws explain (adjusted R² of a rank regression; the rest is noise and "
           "interactions), drivers the parameters whose draws correlate most with it\n";
  else if (c.paired)
    out += "no uncertain parameters: the interval is the spread of the effect over the noise "
           "alone\n";
  if (!c.unshared_parameters.empty())
    out += "drawn differently or in one file only (not paired, not among the drivers): " +
           join_words(c.unshared_parameters) + "\n";
  return out;
}

}  // namespace

std::string comparison_table(const Comparison& c) {
  bool any_drivers = false;
  for (const ComparisonRow& r : c.rows) any_drivers = any_drivers || !r.drivers.empty();
  std::vector<std::string> head = {"series", "entity", "date",  "base", "what-if",
                                   "difference [5%, 95%]", "P(>0)", "ratio", "", "units"};
  if (any_drivers) {
    head.push_back("from parameters");
    head.push_back("drivers (rank correlation with the difference)");
  }
  std::vector<std::vector<std::string>> cells;
  std::size_t flagged = 0;
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const ComparisonRow& r = c.rows[i];
    const bool first = i == 0 || c.rows[i - 1].series != r.series;
    const DifferenceBand& d = r.difference;
    flagged += d.beyond_noise() ? 1 : 0;
    char share[16] = "-";
    if (std::isfinite(d.p_positive)) std::snprintf(share, sizeof share, "%.2f", d.p_positive);
    cells.push_back(
        {first ? r.series : "", r.entity.empty() ? "-" : r.entity, r.date, number(r.base_median),
         number(r.whatif_median),
         signed_number(d.median) + " [" + signed_number(d.p05) + ", " + signed_number(d.p95) + "]",
         share, std::isnan(r.ratio) ? "-" : number(r.ratio), d.beyond_noise() ? "*" : "", r.units});
    if (any_drivers) {
      char from[16] = "-";
      if (std::isfinite(r.parameter_share))
        std::snprintf(from, sizeof from, "%.0f%%", 100.0 * r.parameter_share);
      cells.back().push_back(from);
      std::string text;
      for (const Driver& dr : r.drivers) {
        char rho[16];
        std::snprintf(rho, sizeof rho, "%+.2f", dr.rank_correlation);
        text += (text.empty() ? "" : ", ") + dr.parameter + " " + rho;
      }
      cells.back().push_back(text.empty() ? "-" : text);
    }
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t k = 0; k < head.size(); ++k) {
    width[k] = head[k].size();
    for (const auto& row : cells) width[k] = std::max(width[k], row[k].size());
  }
  const auto line = [&](const std::vector<std::string>& row) {
    // Appends only: GCC 12 warns (wrongly, -Wrestrict) about "literal" + std::string here.
    std::string s(1, ' ');
    for (std::size_t k = 0; k < row.size(); ++k) {
      // Numbers right-aligned, words left-aligned; the last column is not padded.
      const bool right = (k >= 3 && k <= 7) || (k == 10 && row.size() > 11);
      const std::size_t pad = k + 1 == row.size() ? 0 : width[k] - row[k].size();
      s.append(1, ' ');
      if (right) s.append(pad, ' ');
      s.append(row[k]);
      if (!right) s.append(pad, ' ');
    }
    const std::size_t end = s.find_last_not_of(' ');
    s.resize(end == std::string::npos ? 0 : end + 1);
    s.append(1, '\n');
    return s;
  };

  std::string out = "what-if minus base: " + c.whatif_file + " - " + c.base_file + "\n" +
                    pairing_line(c) + "\n" +
                    "* beyond noise: the 90% interval of the difference excludes 0\n" +
                    (c.paired ? "P(>0): the share of paired replicates in which the what-if is "
                                "higher (below 0.5: mostly lower)\n"
                              : "") +
                    parameters_line(c) + "\n";
  out += line(head);
  for (const auto& row : cells) out += line(row);
  out += '\n';
  out += std::to_string(flagged) + " of " + std::to_string(c.rows.size()) +
         " differences beyond noise\n";
  if (!c.skipped.empty()) {
    out += "not compared:\n";
    for (const std::string& s : c.skipped) out += "  " + s + "\n";
  }
  return out;
}

std::string comparison_csv(const Comparison& c) {
  std::string out =
      "series,entity,date,base_median,whatif_median,difference_median,difference_p05,"
      "difference_p95,ratio,beyond_noise,units,pairing,p_positive,p_negative,driver_1,"
      "rank_correlation_1,driver_2,rank_correlation_2,driver_3,rank_correlation_3,"
      "parameter_share\n";
  const std::string pairing = c.paired ? "paired" : "unpaired";
  for (const ComparisonRow& r : c.rows) {
    const DifferenceBand& d = r.difference;
    out += csv_field(r.series) + "," + csv_field(r.entity) + "," + r.date + "," +
           full(r.base_median) + "," + full(r.whatif_median) + "," + full(d.median) + "," +
           full(d.p05) + "," + full(d.p95) + "," + full(r.ratio) + "," +
           (d.beyond_noise() ? "1" : "0") + "," + csv_field(r.units) + "," + pairing + "," +
           full(d.p_positive) + "," + full(d.p_negative);
    for (std::size_t k = 0; k < 3; ++k)
      out += k < r.drivers.size()
                 ? "," + csv_field(r.drivers[k].parameter) + "," + full(r.drivers[k].rank_correlation)
                 : std::string(",,");
    out += "," + full(r.parameter_share) + "\n";
  }
  return out;
}

}  // namespace airace
