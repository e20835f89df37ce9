#pragma once
// A saltelli or morris sweep's design and outcomes in SALib's row order, as one JSON document,
// so that its indices can be cross-checked with SALib (docs/sweeps.md "Sensitivity indices").
//
// airace's design stores the blocks [A; B; A_B^(1); ...; A_B^(k)] (then B_A^(1) ... B_A^(k) in a
// second-order design); SALib's saltelli sampler interleaves them by base row: A_j,
// A_B^(1)_j, ..., A_B^(k)_j, (with calc_second_order=True: B_A^(1)_j, ..., B_A^(k)_j,) B_j.
// A morris design is already in SALib's morris order, trajectory by trajectory.

#include <string>

#include "output/sweep_file.hpp"

namespace airace {

// {"problem": {"num_vars", "names", "bounds"}, "method": "sobol", "calc_second_order",
//  "base_rows", "replicates", "X": [[...]], "Y": {metric: [...]}, "note"}, or for a morris sweep
// {"problem", "method": "morris", "trajectories", "num_levels", "replicates", "X", "Y", "note"};
// Y is a point's mean over its replicates (as `airace analyse` uses), null where a run failed.
// The table must hold a whole saltelli or morris sweep.
std::string salib_json(const SweepTable& table);

}  // namespace airace
