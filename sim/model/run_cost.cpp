#include "sim/model/run_cost.hpp"

#include <oneapi/tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/model/model.hpp"

namespace airace {

RunCost run_cost(const Scenario& s) {
  RunCost c;
  const SeriesCatalog catalog = build_catalog(s);
  for (const SeriesSpec& spec : catalog.series())
    c.series_bytes += static_cast<double>(catalog.time_count(spec)) *
                      static_cast<double>(catalog.entity_count(spec)) * sizeof(double);
  auto ticks = [&](Cadence cadence) {
    return static_cast<double>(catalog.time_axis(cadence).dates.size());
  };
  const auto adopters = static_cast<double>(s.adoption_model.adopters);
  c.population_bytes =
      adopters *
      (kAdopterBytes + kPeerLinkBytes * static_cast<double>(s.adoption_model.peers_per_adopter));
  c.adoption_ticks = ticks(s.schedule.adoption);
  // The agent-steps of bench_baseline: buyers in supply ticks, labs in research ticks, adopters
  // in adoption ticks, firms on trading days.
  c.agent_steps = static_cast<double>(s.supply_setup.n_buyers) * ticks(s.schedule.supply) +
                  static_cast<double>(s.labs.size()) * ticks(s.schedule.labs) +
                  adopters * c.adoption_ticks +
                  static_cast<double>(s.markets_setup.n_firms) * ticks(s.schedule.markets);
  return c;
}

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return 0.0;
  return static_cast<double>(pages) * static_cast<double>(page);
}

double memory_limit_bytes() { return kMemoryShare * physical_memory_bytes(); }

std::string bytes_text(double bytes) {
  static const char* const kUnits[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  std::size_t u = 0;
  while (bytes >= 999.5 && u + 1 < std::size(kUnits)) {
    bytes /= 1000.0;
    ++u;
  }
  char buf[64];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  else
    std::snprintf(buf, sizeof buf, bytes < 9.95 ? "%.1f %s" : "%.0f %s", bytes, kUnits[u]);
  return buf;
}

std::string duration_text(double seconds) {
  struct Unit {
    double seconds;
    const char* name;
  };
  static const Unit kUnits[] = {{365.25 * 86400, "years"}, {86400, "days"}, {3600, "hours"},
                                {60, "minutes"},           {1, "seconds"},  {1e-3, "ms"}};
  const Unit* unit = &kUnits[std::size(kUnits) - 1];
  for (const Unit& u : kUnits)
    if (seconds >= u.seconds) {
      unit = &u;
      break;
    }
  const double n = seconds / unit->seconds;
  if (n >= 9.95) return grouped_number(n) + " " + unit->name;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %s", n, unit->name);
  return buf;
}

std::string grouped_number(double n) {
  char digits[64];
  std::snprintf(digits, sizeof digits, "%.0f", std::round(n));
  std::string s = digits;
  const std::size_t first = s.starts_with('-') ? 1 : 0;
  for (std::size_t i = s.size(); i > first + 3; i -= 3) s.insert(i - 3, ",");
  return s;
}

std::string memory_limit_text() {
  return bytes_text(memory_limit_bytes()) + ", 3/4 of this machine's " +
         bytes_text(physical_memory_bytes()) + " of memory";
}

SourceLocation value_location(const ConfigNode& tree, std::string_view key_path,
                              const SourceLocation& fallback) {
  const ConfigNode* node = &tree;
  std::size_t start = 0;
  while (node != nullptr) {
    const std::size_t dot = key_path.find('.', start);
    const std::string_view key = key_path.substr(start, dot - start);
    node = node->is_map() ? node->find(key) : nullptr;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return node != nullptr && !node->where.file.empty() ? node->where : fallback;
}

namespace {

// The threads this command may use (--threads caps them through oneTBB).
std::size_t active_threads() {
  return oneapi::tbb::global_control::active_value(
      oneapi::tbb::global_control::max_allowed_parallelism);
}

std::string horizon_years(const Scenario& s) {
  return grouped_number(s.info.end.year() - s.info.start.year());
}

std::string replicates_text(double r) {
  return grouped_number(r) + (r == 1 ? " replicate" : " replicates");
}

// "3.1 TB of output series (20 replicates x 155 GB: ticks x entities x 8 bytes for every
// series)"
std::string series_text(const RunCost& c, double replicates) {
  return bytes_text(c.series_bytes * replicates) + " of output series (" +
         replicates_text(replicates) + " x " + bytes_text(c.series_bytes) +
         ": ticks x entities x 8 bytes for every series)";
}

// "about 8.4 GB for each replicate running at once (84 bytes an adopter with its 8 peer
// links)"
std::string population_text(const Scenario& s, const RunCost& c) {
  const double per_adopter =
      kAdopterBytes + kPeerLinkBytes * static_cast<double>(s.adoption_model.peers_per_adopter);
  return "about " + bytes_text(c.population_bytes) +
         " of memory for each replicate running at once (" + grouped_number(per_adopter) +
         " bytes an adopter with its " +
         grouped_number(static_cast<double>(s.adoption_model.peers_per_adopter)) + " peer links)";
}

// "about 5.5 years of computing (1.4e14 agent-steps at ~80 ns, on 1 core)"
std::string time_text(const RunCost& c, double replicates, std::size_t threads) {
  const double cores = static_cast<double>(std::max<std::size_t>(1, threads));
  const double steps = c.agent_steps * replicates;
  char count[32];
  std::snprintf(count, sizeof count, steps >= 1e7 ? "%.1e" : "%.0f", steps);
  return "about " + duration_text(steps * kSecondsPerAgentStep / cores) + " of computing (" +
         count + " agent-steps at ~" + grouped_number(kSecondsPerAgentStep * 1e9) + " ns, on " +
         grouped_number(cores) + (cores == 1 ? " core)" : " cores)");
}

}  // namespace

void check_scenario_limits(const Scenario& s, const ConfigNode& tree, Diagnostics& diags) {
  const bool too_many = s.adoption_model.adopters > kMaxAdopters;
  const bool too_long = s.info.end.year() - s.info.start.year() > kMaxHorizonYears;
  if (!too_many && !too_long) return;
  const RunCost c = run_cost(s);
  const auto replicates = static_cast<double>(s.run.replicates);
  if (too_many)
    diags.error(
        value_location(tree, "adoption_model.adopters", tree.where), "adoption_model.adopters",
        grouped_number(static_cast<double>(s.adoption_model.adopters)) + " adopters need " +
            population_text(s, c) + " and " + time_text(c, replicates, active_threads()) +
            "; the limit is " + grouped_number(static_cast<double>(kMaxAdopters)) + " adopters");
  if (too_long)
    diags.error(value_location(tree, "scenario.end", tree.where), "scenario.end",
                "a horizon of " + horizon_years(s) + " years needs about " +
                    series_text(c, replicates) + " and " +
                    time_text(c, replicates, active_threads()) + "; the limit is " +
                    std::to_string(kMaxHorizonYears) + " years");
}

void check_ensemble_size(const Scenario& s, std::size_t threads, Diagnostics& diags) {
  const double limit = memory_limit_bytes();
  if (limit <= 0.0) return;
  const RunCost c = run_cost(s);
  const auto replicates = static_cast<double>(s.run.replicates);
  const double at_once =
      std::min(replicates, static_cast<double>(std::max<std::size_t>(1, threads)));
  const double series = c.series_bytes * replicates;
  const double population = c.population_bytes * at_once;
  if (series + population <= limit) return;

  const std::string need =
      (population > 0.0
           ? "about " + bytes_text(series + population) + " of memory, " +
                 series_text(c, replicates) + " and " + bytes_text(population) +
                 " for the adopters of " + grouped_number(at_once) + " replicates running at once"
           : "about " + series_text(c, replicates)) +
      ", and " + time_text(c, replicates, threads);
  const std::string limit_text = "; the limit is " + memory_limit_text();
  if (c.series_bytes + c.population_bytes > limit) {
    // One replicate alone does not fit: no number of replicates or threads helps.
    if (c.population_bytes >= c.series_bytes)
      diags.error(value_location(s.resolved, "adoption_model.adopters", s.resolved.where),
                  "adoption_model.adopters",
                  grouped_number(static_cast<double>(s.adoption_model.adopters)) +
                      " adopters need " + population_text(s, c) + limit_text);
    else
      diags.error(value_location(s.resolved, "scenario.end", s.resolved.where), "scenario.end",
                  "a horizon of " + horizon_years(s) + " years needs about " + series_text(c, 1) +
                      " for a single replicate" + limit_text);
    return;
  }
  if (population > series) {
    diags.error(value_location(s.resolved, "adoption_model.adopters", s.resolved.where),
                "adoption_model.adopters",
                grouped_number(static_cast<double>(s.adoption_model.adopters)) + " adopters in " +
                    grouped_number(at_once) + " replicates running at once need " + need +
                    limit_text,
                "run on fewer threads (--threads) or with fewer adopters");
    return;
  }
  const double fit = std::floor((limit - population) / std::max(1.0, c.series_bytes));
  diags.error(value_location(s.resolved, "run.replicates", s.resolved.where), "run.replicates",
              replicates_text(replicates) + " need " + need + limit_text,
              "at most " + replicates_text(fit) + " fit; run several smaller ensembles");
}

}  // namespace airace
