#include "tests/fuzz/fuzz_loaders.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sim/core/config_tree.hpp"
#include "sim/model/scenario.hpp"
#include "sim/runner/sweep_plan.hpp"
#include "sim/sweep/uncertainty.hpp"

namespace airace::fuzz {
namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The project's rule for bad input: every error names its file, line and column.
void check_located(const InputError& e) {
  if (e.diagnostics().empty()) finding("an InputError without diagnostics");
  for (const Diagnostic& d : e.diagnostics())
    if (d.where.file.empty() || d.where.line <= 0 || d.where.column <= 0 || d.message.empty())
      finding("an error without file, line and column: '" + format_diagnostic(d) + "'");
}

std::string as_text(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

std::string scenarios_dir() {
  if (const char* dir = std::getenv("AIRACE_FUZZ_SCENARIOS"); dir != nullptr && *dir != '\0')
    return dir;
  return AIRACE_SOURCE_DIR "/scenarios";
}

void scenario_input(const uint8_t* data, std::size_t size) {
  static const std::string file = scenarios_dir() + "/whatif/fuzz_input.yaml";
  try {
    const Scenario s = load_scenario_text(as_text(data, size), file);
    (void)to_yaml(s.resolved);  // stored in every output file
    // A run's first replicate: its draws of the uncertain parameters, validated again.
    if (!s.uncertainty.empty())
      (void)scenario_with_values(s, draw_uncertain(s.uncertainty, 1, 0));
  } catch (const InputError& e) {
    check_located(e);
  }
}

void sweep_input(const uint8_t* data, std::size_t size) {
  static const std::string file = scenarios_dir() + "/sweeps/fuzz_input.yaml";
  try {
    const SweepPlan plan = load_sweep_text(as_text(data, size), file);
    if (plan.points() > 0) {
      (void)point_overrides(plan, 0);
      (void)point_overrides(plan, plan.points() - 1);
    }
  } catch (const InputError& e) {
    check_located(e);
  }
}

}  // namespace airace::fuzz
