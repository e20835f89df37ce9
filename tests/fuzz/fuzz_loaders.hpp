#pragma once
// What the fuzz targets feed each input to (tests/fuzz/README.md). Any input must end in a
// valid scenario or sweep, or in an InputError whose every diagnostic names a file, line and
// column; anything else (another exception, a crash, a sanitizer report) aborts, which libFuzzer
// and the replay test report as a finding. Inputs are read as if they were a file in
// `scenarios/whatif/` (a scenario) or `scenarios/sweeps/` (a sweep), so that `extends:
// ../baseline.yaml` and `base: ../baseline.yaml` find the real baseline. Nothing is simulated.

#include <cstddef>
#include <cstdint>
#include <string>

namespace airace::fuzz {

// The folder the inputs are placed in: $AIRACE_FUZZ_SCENARIOS, else the source tree's scenarios/.
std::string scenarios_dir();

void scenario_input(const uint8_t* data, std::size_t size);
void sweep_input(const uint8_t* data, std::size_t size);

}  // namespace airace::fuzz
