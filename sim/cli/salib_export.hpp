#pragma once
// A saltelli sweep's design and outcomes in SALib's row order, as one JSON document, so that its
// Sobol indices can be cross-checked with SALib (docs/sweeps.md "Sensitivity indices").
//
// airace's design stores the blocks [A; B; A_B^(1); ...; A_B^(k)]; SALib's saltelli sampler
// (calc_second_order=False) interleaves them by base row: A_j, A_B^(1)_j, ..., A_B^(k)_j, B_j.

#include <string>

#include "output/sweep_file.hpp"

namespace airace {

// {"problem": {"num_vars", "names", "bounds"}, "calc_second_order": false, "base_rows",
//  "replicates", "X": [[...]], "Y": {metric: [...]}, "note"}; Y is a point's mean over its
// replicates (as `airace analyse` uses), null where a run failed. The table must hold a whole
// saltelli sweep.
std::string salib_json(const SweepTable& table);

}  // namespace airace
