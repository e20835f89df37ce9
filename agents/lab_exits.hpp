#pragma once
// Which labs exited in an ensemble, for the run summary (docs/model.md §3.3.4 "Cuts and
// exits"): read from the replicates' /lab_finance rows of kind `exit`.

#include <cstddef>
#include <string>
#include <vector>

#include "sim/core/series.hpp"

namespace airace {

struct LabExit {
  std::string lab;             // id on the labs/lab axis
  std::string name;            // its display name
  std::size_t replicates = 0;  // replicates in which it exited
  Date first;                  // the earliest exit over those replicates
};

// The labs that exited in at least one replicate, in the order of the labs axis; empty when none
// did or the run has no /lab_finance table.
std::vector<LabExit> lab_exits(const RunResult& run);

// One line: "none in 20 replicates", or "Mistral AI (mistral) in 2 of 100 replicates, the first
// on 2028-12-01; MiniMax (minimax) in 1 of 100 replicates, on 2029-03-01".
std::string describe_lab_exits(const std::vector<LabExit>& exits, std::size_t replicates);

}  // namespace airace
