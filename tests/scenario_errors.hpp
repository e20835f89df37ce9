#pragma once
// For tests of bad input: the errors a scenario file (with overrides) is refused with.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/model/scenario.hpp"

namespace airace::testing {

// Every error, sorted as InputError sorts them; empty when the scenario loads.
inline std::vector<Diagnostic> scenario_errors(const std::string& path,
                                               const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario(path, overrides);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

// The first error; fails the test when the scenario loads.
inline Diagnostic first_scenario_error(const std::string& path,
                                       const std::vector<std::string>& overrides) {
  const std::vector<Diagnostic> errors = scenario_errors(path, overrides);
  if (errors.empty()) {
    FAIL("expected an error");
    return {};
  }
  return errors.front();
}

}  // namespace airace::testing
