#pragma once
// Experimental designs for sweeps: sets of points in the unit hypercube [0, 1]^k, one row per
// point and one column per varied parameter, deterministic for a seed. A caller maps each column
// to its parameter's range or distribution.
//
//   full grid        every combination of given levels (or explicit values)
//   Latin hypercube  n points; in every dimension each of the n strata [j/n, (j+1)/n) once
//   Sobol            the low-discrepancy sequence of Joe & Kuo (2008), optionally scrambled
//   Saltelli         A, B and the k matrices A_B^(i), for Sobol sensitivity indices; with the k
//                    matrices B_A^(i) too, for second-order indices
//   Morris           r one-at-a-time trajectories on a grid of p levels, for elementary effects
//
// Invalid requests throw SweepError listing every problem; the *_problems functions return the
// same sentences without throwing.

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/sweep/sweep_error.hpp"

namespace airace {

// Rows: points; columns: parameters.
using DesignMatrix = Eigen::MatrixXd;

// More points than this is a mistake, not a sweep: split it.
inline constexpr std::size_t kMaxDesignPoints = 10'000'000;

// Every combination of the given values, one list per parameter. The last parameter varies
// fastest, as in nested loops over the parameters in order.
DesignMatrix full_grid(const std::vector<std::vector<double>>& levels);
std::vector<std::string> full_grid_problems(const std::vector<std::vector<double>>& levels);

// `count` evenly spaced levels on [0, 1], ends included; one level is the centre, 0.5.
std::vector<double> evenly_spaced_levels(std::size_t count);

// Latin hypercube: point i lies in stratum floor(x * n_points) = perm_d(i) of dimension d, for a
// random permutation perm_d, at a random position inside it.
DesignMatrix latin_hypercube(std::size_t n_points, std::size_t dimensions, uint64_t seed);
std::vector<std::string> latin_hypercube_problems(std::size_t n_points, std::size_t dimensions);

// The Sobol sequence in Gray-code order. Direction numbers: new-joe-kuo-6.21201, first 64
// dimensions.
inline constexpr std::size_t kSobolMaxDimensions = 64;
// Point indices must stay below this (beyond it, the scrambling no longer separates points).
inline constexpr uint64_t kSobolMaxIndex = uint64_t{1} << 32;

enum class SobolScramble {
  none,           // the published points; point 0 is the origin
  owen,           // nested uniform scrambling (Owen 1995): keeps the net structure
  digital_shift,  // one random XOR shift per dimension: keeps the net structure, cheaper
};

struct SobolOptions {
  SobolScramble scramble = SobolScramble::owen;
  uint64_t seed = 0;  // for the scrambling; ignored without it
  uint64_t skip = 0;  // leading points to leave out
};

// Points skip .. skip + n_points - 1. Unscrambled points are exact multiples of 2^-52 in [0, 1);
// scrambled ones lie strictly inside (0, 1). The first 2^m points of a design put exactly one
// point in each interval [j/2^m, (j+1)/2^m) of every dimension, scrambled or not. Scramble (the
// default) when columns feed unbounded distributions: the origin's quantiles are infinite.
DesignMatrix sobol_points(std::size_t n_points, std::size_t dimensions,
                          const SobolOptions& options = {});
std::vector<std::string> sobol_problems(std::size_t n_points, std::size_t dimensions,
                                        const SobolOptions& options = {});

// Saltelli's design (Saltelli et al. 2010): base matrices A and B, N x k each, are the first and
// last k columns of N points of a 2k-dimensional Sobol sequence; A_B^(i) is A with column i taken
// from B. Rows, N(k + 2) in all, come in blocks of N in this order:
//   A, B, A_B^(0), A_B^(1), ..., A_B^(k-1)
// and within every block in base-row order, so run j of each block shares base row j. A
// second-order design (Saltelli 2002) appends the k blocks B_A^(i), B with column i taken from A:
//   ..., B_A^(0), ..., B_A^(k-1)        N(2k + 2) rows in all
// so that its first N(k + 2) rows are the first-order design of the same N, k and seed.
struct SaltelliDesign {
  std::size_t base_rows = 0;   // N
  std::size_t parameters = 0;  // k
  bool second_order = false;
  DesignMatrix runs;  // N(k + 2) x k, or N(2k + 2) x k with second_order
};

inline std::size_t saltelli_run_count(std::size_t base_rows, std::size_t parameters,
                                      bool second_order = false) {
  return base_rows * ((second_order ? 2 * parameters : parameters) + 2);
}
inline std::size_t saltelli_row_a(std::size_t base_rows, std::size_t j) {
  (void)base_rows;
  return j;
}
inline std::size_t saltelli_row_b(std::size_t base_rows, std::size_t j) { return base_rows + j; }
// Row of base row j in A_B^(i), i counted from 0.
inline std::size_t saltelli_row_ab(std::size_t base_rows, std::size_t i, std::size_t j) {
  return (2 + i) * base_rows + j;
}
// Row of base row j in B_A^(i) of a second-order design of k parameters.
inline std::size_t saltelli_row_ba(std::size_t base_rows, std::size_t parameters, std::size_t i,
                                   std::size_t j) {
  return (2 + parameters + i) * base_rows + j;
}

// N must be at least 2 and at least 2k, and 2k at most kSobolMaxDimensions. The 2k floor is no
// recommendation (indices need thousands of base rows); it catches N and k given the wrong way
// round. Powers of two keep the Sobol points balanced.
SaltelliDesign saltelli_design(std::size_t base_rows, std::size_t parameters,
                               const SobolOptions& options = {}, bool second_order = false);
std::vector<std::string> saltelli_problems(std::size_t base_rows, std::size_t parameters,
                                           const SobolOptions& options = {},
                                           bool second_order = false);

// Morris's design (M. D. Morris, "Factorial sampling plans for preliminary computational
// experiments", Technometrics 33 (1991) 161-174): r trajectories of k + 1 points on the grid
// {0, 1/(p-1), ..., 1} of p levels (p even). A trajectory starts at a random grid point and moves
// one parameter at a time, each once, in a random order, by delta = p / (2(p - 1)) up or down (a
// random direction per parameter), so that every level is equally likely to be visited. Rows
// come trajectory by trajectory, r(k + 1) in all: row t(k + 1) + m is step m of trajectory t
// (step 0 its start), the order SALib's morris.sample uses. The trajectories are Morris's random
// ones; Campolongo et al. (2007)'s selection of the most spread-out r from a larger set is not
// made. Deterministic for a seed; trajectory t depends on nothing but (seed, t).
struct MorrisDesign {
  std::size_t trajectories = 0;  // r
  std::size_t parameters = 0;    // k
  std::size_t levels = 0;        // p
  DesignMatrix runs;             // r(k + 1) x k, on the grid
  // The parameter moved at step m = 1..k of trajectory t: moved[t * k + m - 1].
  std::vector<std::size_t> moved;
};

inline std::size_t morris_run_count(std::size_t trajectories, std::size_t parameters) {
  return trajectories * (parameters + 1);
}
inline std::size_t morris_row(std::size_t parameters, std::size_t t, std::size_t m) {
  return t * (parameters + 1) + m;
}
inline double morris_delta(std::size_t levels) {
  return static_cast<double>(levels) / (2.0 * static_cast<double>(levels - 1));
}

// r at least 2 (sigma needs two effects per parameter); p even, from 2 to 1000.
MorrisDesign morris_design(std::size_t trajectories, std::size_t parameters, std::size_t levels,
                           uint64_t seed);
std::vector<std::string> morris_problems(std::size_t trajectories, std::size_t parameters,
                                         std::size_t levels);

}  // namespace airace
