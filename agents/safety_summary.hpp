#pragma once
// The run summary's line on safety (docs/model.md §3.3.8): incidents up to the last date over
// the replicates, and the agreements between governments that were ever in force, read from a
// run's /safety series.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/series.hpp"

namespace airace {

struct SafetySummary {
  Date last;                     // the last date of /safety
  std::size_t replicates = 0;
  std::size_t with_severe = 0;   // replicates with a severe incident by `last`
  double serious_median = 0.0;   // serious incidents by `last`, median over replicates
  struct Agreement {
    std::string id;
    std::size_t in_force_at_end = 0;  // replicates in which it is in force on `last`
    std::size_t found_broken = 0;     // replicates in which a breach found ended it
  };
  std::vector<Agreement> agreements;  // those in force at some time in some replicate
};

// nullopt for a run without /safety/incidents (a scenario without a safety: section).
std::optional<SafetySummary> safety_summary(const RunResult& run);

// One line: "by 2030-12-01 a severe incident in 39 of 100 replicates, serious incidents 60
// (median); agreement us_cn_evaluations in force at the end in 38 of 100 (ended by a breach
// found in 62)".
std::string describe_safety(const SafetySummary& s);

}  // namespace airace
