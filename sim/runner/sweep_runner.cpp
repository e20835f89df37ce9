#include "sim/runner/sweep_runner.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "airace/version.hpp"
#include "sim/core/parallel.hpp"
#include "sim/model/model.hpp"

namespace airace {

std::optional<Shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  const std::string i = text.substr(0, slash);
  const std::string n = text.substr(slash + 1);
  auto digits = [](const std::string& s) {
    return s.size() <= 9 && std::all_of(s.begin(), s.end(), ::isdigit);
  };
  if (!digits(i) || !digits(n)) return std::nullopt;
  Shard s{std::stoul(i), std::stoul(n)};
  if (s.count == 0 || s.index >= s.count) return std::nullopt;
  return s;
}

namespace {

// The layout a run must share with the base scenario for its values to fit the output.
bool same_shape(const SeriesCatalog& a, const SeriesCatalog& b, SeriesId id) {
  if (id >= a.series().size() || id >= b.series().size()) return false;
  const SeriesSpec& x = a.series()[id];
  const SeriesSpec& y = b.series()[id];
  return x.group == y.group && x.name == y.name && a.time_count(x) == b.time_count(y) &&
         a.entity_count(x) == b.entity_count(y);
}

}  // namespace

RunRecord run_one(const SweepPlan& plan, uint64_t run) {
  const std::size_t point = run / plan.replicates;
  const auto replicate = static_cast<uint32_t>(run % plan.replicates);
  RunRecord rec;
  rec.run = run;
  try {
    ConfigNode tree = plan.base_tree;
    // The base scenario's uncertain parameters: replicate r draws the same values at every
    // point (common random numbers), from the sweep's seed. A parameter the design varies is
    // drawn too, then set by the design: the design decides it.
    if (!plan.base.uncertainty.empty())
      tree = with_values(std::move(tree), plan.base.uncertainty,
                         draw_uncertain(plan.base.uncertainty, plan.seed, replicate));
    Diagnostics diags;
    for (const std::string& o : point_overrides(plan, point)) apply_override(tree, o, diags);
    diags.throw_if_any();
    const Scenario s = scenario_from_tree(std::move(tree), plan.base_file.string());
    const SeriesCatalog catalog = build_catalog(s);
    for (const SweepMetric& m : plan.metrics)
      if (!same_shape(catalog, plan.base_catalog, m.series_id))
        throw std::runtime_error("the series " + m.series + " has another shape than in the base");
    for (std::size_t i = 0; i < plan.keep_series.size(); ++i)
      if (!same_shape(catalog, plan.base_catalog, plan.keep_series_ids[i]))
        throw std::runtime_error("the series " + plan.keep_series[i] +
                                 " has another shape than in the base");
    Simulation sim(s, catalog, replicate);
    sim.run_to_end();
    for (const SweepMetric& m : plan.metrics)
      rec.values.push_back(metric_value(m, catalog, sim.series(), s.info.start));
    for (SeriesId id : plan.keep_series_ids) {
      const auto v = sim.series().values(id);
      rec.values.insert(rec.values.end(), v.begin(), v.end());
    }
    rec.status = RunStatus::ok;
  } catch (const InputError& e) {
    rec.status = RunStatus::failed;
    rec.reason = first_problem(e);
    rec.values.clear();
  } catch (const std::bad_alloc&) {
    throw;  // this machine's limit, not the point's: recorded as failed, a resume would skip it
  } catch (const std::exception& e) {
    rec.status = RunStatus::failed;
    rec.reason = e.what();
    rec.values.clear();
  }
  return rec;
}

RunnerReport run_sweep(const SweepPlan& plan, BatchStore& store, const RunnerOptions& options,
                       const std::function<void(const RunnerReport&)>& on_resume) {
  RunnerReport report;
  report.records = store.load(report.dropped);
  std::vector<char> done(plan.runs(), 0);
  std::erase_if(report.records, [&](const RunRecord& r) {
    // A record outside this sweep or shard cannot come from this stamp; ignore it if it does.
    if (r.run >= plan.runs() || !options.shard.contains(r.run) || done[r.run]) return true;
    done[r.run] = 1;
    return false;
  });
  report.resumed = report.records.size();
  std::vector<uint64_t> todo;
  for (uint64_t run = 0; run < plan.runs(); ++run)
    if (options.shard.contains(run)) {
      ++report.shard_runs;
      if (!done[run]) todo.push_back(run);
    }
  if (on_resume) on_resume(report);

  std::mutex mutex;
  std::condition_variable wake;
  std::vector<RunRecord> pending;
  bool finished = false;
  std::atomic<bool> abort{false};
  auto stopping = [&] {
    return abort.load(std::memory_order_relaxed) ||
           (options.stop != nullptr && options.stop->load(std::memory_order_relaxed));
  };
  std::thread workers([&] {
    parallel_for_each_index(todo.size(), 1, [&](std::size_t i) {
      if (stopping()) return;
      RunRecord r = run_one(plan, todo[i]);
      {
        std::lock_guard lock(mutex);
        pending.push_back(std::move(r));
      }
      wake.notify_one();
      if (options.runs_done != nullptr) options.runs_done->fetch_add(1, std::memory_order_relaxed);
    });
    {
      std::lock_guard lock(mutex);
      finished = true;
    }
    wake.notify_one();
  });

  const auto max_age = std::chrono::duration<double>(options.batch_seconds);
  auto oldest = std::chrono::steady_clock::now();
  const std::size_t batch = std::max<std::size_t>(1, options.batch_runs);
  try {
    for (;;) {
      std::vector<RunRecord> take;
      bool last = false;
      {
        std::unique_lock lock(mutex);
        const bool was_empty = pending.empty();
        wake.wait_for(lock, std::chrono::milliseconds(200),
                      [&] { return finished || pending.size() >= batch; });
        if (was_empty && !pending.empty()) oldest = std::chrono::steady_clock::now();
        last = finished;
        const bool old = !pending.empty() && std::chrono::steady_clock::now() - oldest >= max_age;
        if (pending.size() >= batch || last || old) {
          // Whole batches of the configured size, so that a kill loses at most one batch.
          const std::size_t n = last ? pending.size() : std::min(pending.size(), batch);
          take.assign(std::make_move_iterator(pending.begin()),
                      std::make_move_iterator(pending.begin() + static_cast<std::ptrdiff_t>(n)));
          pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
          oldest = std::chrono::steady_clock::now();
        }
        if (last && !take.empty() && take.size() > batch) {
          // Flush what is left in batch-sized pieces too.
          pending.assign(std::make_move_iterator(take.begin() + static_cast<std::ptrdiff_t>(batch)),
                         std::make_move_iterator(take.end()));
          take.resize(batch);
          last = false;
        }
      }
      if (!take.empty()) {
        store.commit(take);
        report.computed += take.size();
        report.records.insert(report.records.end(), std::make_move_iterator(take.begin()),
                              std::make_move_iterator(take.end()));
      }
      if (last) {
        std::lock_guard lock(mutex);
        if (pending.empty()) break;
      }
    }
  } catch (...) {
    abort = true;
    workers.join();
    throw;
  }
  workers.join();
  report.interrupted = report.records.size() < report.shard_runs;
  return report;
}

SweepTable sweep_table(const SweepPlan& plan, const Shard& shard, const std::string& command_line,
                       const std::string& created_utc) {
  SweepTable t;
  SweepMeta& m = t.meta;
  m.sweep_name = plan.name;
  m.sweep_file = plan.file;
  m.sweep_yaml = plan.text;
  m.sweep_hash = plan.hash;
  m.program_version = kProgramVersion;
  m.git_revision = kGitRevision;
  m.base_scenario_file = plan.base_file.string();
  m.base_scenario_yaml = to_yaml(plan.base_tree);
  m.design = design_type_name(plan.design);
  m.command_line = command_line;
  m.created_utc = created_utc;
  m.seed = plan.seed;
  m.base_rows = plan.base_rows;
  m.second_order = plan.second_order ? 1 : 0;
  m.trajectories = plan.trajectories;
  m.levels = plan.design == DesignType::morris ? plan.levels : 0;
  m.shard_index = shard.index;
  m.shard_count = shard.count;
  t.points = plan.points();
  t.replicates = plan.replicates;
  for (const SweepParameter& p : plan.parameters) {
    t.parameters.push_back(p.key);
    t.parameter_units.push_back(p.unit);
  }
  t.design.resize(t.points * t.parameters.size());
  for (std::size_t i = 0; i < t.points; ++i)
    for (std::size_t j = 0; j < t.parameters.size(); ++j)
      t.design[i * t.parameters.size() + j] =
          plan.values(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  for (const SweepMetric& metric : plan.metrics)
    t.metrics.push_back({metric.name, metric.units, metric.description,
                         metric_kind_name(metric.kind), metric.series});
  const SeriesCatalog& c = plan.base_catalog;
  for (SeriesId id : plan.keep_series_ids) {
    const SeriesSpec& spec = c.series()[id];
    SweepSeriesInfo s;
    s.group = spec.group;
    s.name = spec.name;
    s.units = spec.units;
    s.description = spec.description;
    s.cadence = std::string(cadence_name(spec.cadence));
    for (Date d : c.time_axis(spec.cadence).dates) s.dates.push_back(d.iso());
    for (AxisId a : spec.entity_axes) {
      s.dimensions.push_back(c.axes()[a].name);
      s.entity_shape.push_back(c.axes()[a].ids.size());
      s.entity_ids.push_back(c.axes()[a].ids);
    }
    s.values_per_run = c.time_count(spec) * c.entity_count(spec);
    t.series.push_back(std::move(s));
  }
  t.allocate();
  return t;
}

void fill_table(SweepTable& t, const std::vector<RunRecord>& records) {
  for (const RunRecord& r : records) {
    t.status.at(r.run) = r.status;
    t.reason.at(r.run) = r.reason;
    if (r.status != RunStatus::ok) continue;
    std::size_t at = 0;
    for (auto& m : t.metric_values) m[r.run] = r.values.at(at++);
    for (std::size_t s = 0; s < t.series.size(); ++s) {
      const std::size_t n = t.series[s].values_per_run;
      std::copy_n(r.values.begin() + static_cast<std::ptrdiff_t>(at), n,
                  t.series_values[s].begin() + static_cast<std::ptrdiff_t>(r.run * n));
      at += n;
    }
  }
}

namespace {
// Whether two part files hold their runs in the same arrays (true of parts of one sweep, unless
// a file is damaged).
bool same_layout(const SweepTable& a, const SweepTable& b) {
  if (a.points != b.points || a.replicates != b.replicates ||
      a.metrics.size() != b.metrics.size() || a.series.size() != b.series.size() ||
      a.status.size() != b.status.size() || a.metric_values.size() != b.metric_values.size() ||
      a.series_values.size() != b.series_values.size())
    return false;
  for (std::size_t m = 0; m < a.metrics.size(); ++m)
    if (a.metrics[m].name != b.metrics[m].name ||
        a.metric_values[m].size() != b.metric_values[m].size())
      return false;
  for (std::size_t s = 0; s < a.series.size(); ++s)
    if (a.series[s].values_per_run != b.series[s].values_per_run ||
        a.series_values[s].size() != b.series_values[s].size())
      return false;
  return true;
}
}  // namespace

SweepTable merge_parts(const std::vector<std::pair<std::string, SweepTable>>& parts,
                       const std::string& command_line, const std::string& created_utc) {
  Diagnostics diags;
  if (parts.empty()) throw InputError({"merge", 0, 0}, "no part files given");
  const SweepTable& first = parts.front().second;
  const std::string version = first.meta.program_version + " (" + first.meta.git_revision + ")";
  const std::size_t n = first.meta.shard_count;
  std::vector<std::string> owner(n);
  for (const auto& [path, part] : parts) {
    const SweepMeta& m = part.meta;
    const std::string v = m.program_version + " (" + m.git_revision + ")";
    if (m.shard_count < 2) {
      diags.error({path, 0, 0}, "", "not a part file: it holds a whole sweep, not a shard");
      continue;
    }
    if (m.sweep_hash != first.meta.sweep_hash)
      diags.error({path, 0, 0}, "",
                  "a part of a different sweep definition (hash " + m.sweep_hash + ", but " +
                      parts.front().first + " has " + first.meta.sweep_hash + ")");
    else if (v != version)
      diags.error({path, 0, 0}, "",
                  "written by another program version (" + v + ", but " + parts.front().first +
                      " by " + version + "); run every shard with the same airace");
    else if (m.shard_count != n)
      diags.error({path, 0, 0}, "",
                  "shard " + std::to_string(m.shard_index) + " of " +
                      std::to_string(m.shard_count) + ", but " + parts.front().first +
                      " is one of " + std::to_string(n));
    else if (!same_layout(part, first))
      diags.error({path, 0, 0}, "",
                  "its points, replicates, metrics or kept series differ from those of " +
                      parts.front().first + ", though both name the same sweep definition");
    else if (!owner[m.shard_index].empty())
      diags.error({path, 0, 0}, "",
                  "shard " + std::to_string(m.shard_index) + "/" + std::to_string(n) +
                      " is given twice (also " + owner[m.shard_index] + ")");
    else
      owner[m.shard_index] = path;
  }
  diags.throw_if_any();
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < n; ++i)
    if (owner[i].empty()) missing.push_back(std::to_string(i) + "/" + std::to_string(n));
  if (!missing.empty())
    throw InputError({"merge", 0, 0}, "missing shards " + join_words(missing) +
                                          "; give every part file of the sweep");

  SweepTable merged = first;
  merged.meta.shard_index = 0;
  merged.meta.shard_count = 1;
  merged.meta.command_line = command_line;
  merged.meta.created_utc = created_utc;
  for (const auto& [path, part] : parts) {
    const Shard shard{part.meta.shard_index, part.meta.shard_count};
    for (std::size_t run = 0; run < merged.runs(); ++run) {
      if (!shard.contains(run)) continue;
      if (part.status[run] == RunStatus::not_run)
        throw InputError({path, 0, 0}, "run " + std::to_string(run) +
                                           " of this shard was never run: the part is incomplete");
      merged.status[run] = part.status[run];
      merged.reason[run] = part.reason[run];
      for (std::size_t m = 0; m < merged.metrics.size(); ++m)
        merged.metric_values[m][run] = part.metric_values[m][run];
      for (std::size_t s = 0; s < merged.series.size(); ++s) {
        const std::size_t k = merged.series[s].values_per_run;
        std::copy_n(part.series_values[s].begin() + static_cast<std::ptrdiff_t>(run * k), k,
                    merged.series_values[s].begin() + static_cast<std::ptrdiff_t>(run * k));
      }
    }
  }
  return merged;
}

}  // namespace airace
