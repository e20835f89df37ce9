#include "sim/sweep/design.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <utility>

#include "sim/sweep/sweep_streams.hpp"

namespace airace {

namespace {

std::string count_text(std::size_t n) { return std::to_string(n); }

// ---------------------------------------------------------------------------------------------
// Sobol direction numbers.
//
// S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections",
// SIAM J. Sci. Comput. 30 (2008) 2635-2654. The rows below are dimensions 2 to 64 of their file
// new-joe-kuo-6.21201 (https://web.maths.unsw.edu.au/~fkuo/sobol/), columns as in the file:
// dimension d, degree s of the primitive polynomial, its inner coefficients a (the bits of
// x^(s-1) .. x^1, leading and constant terms left out), initial direction integers m_1 .. m_s.
// Dimension 1 is the van der Corput sequence (every m_k = 1).
struct JoeKuoRow {
  uint16_t dimension;
  uint16_t degree;
  uint16_t coefficients;
  std::array<uint16_t, 9> initial;
};

constexpr std::array<JoeKuoRow, kSobolMaxDimensions - 1> kJoeKuo{{
    {2, 1, 0, {1}},
    {3, 2, 1, {1, 3}},
    {4, 3, 1, {1, 3, 1}},
    {5, 3, 2, {1, 1, 1}},
    {6, 4, 1, {1, 1, 3, 3}},
    {7, 4, 4, {1, 3, 5, 13}},
    {8, 5, 2, {1, 1, 5, 5, 17}},
    {9, 5, 4, {1, 1, 5, 5, 5}},
    {10, 5, 7, {1, 1, 7, 11, 19}},
    {11, 5, 11, {1, 1, 5, 1, 1}},
    {12, 5, 13, {1, 1, 1, 3, 11}},
    {13, 5, 14, {1, 3, 5, 5, 31}},
    {14, 6, 1, {1, 3, 3, 9, 7, 49}},
    {15, 6, 13, {1, 1, 1, 15, 21, 21}},
    {16, 6, 16, {1, 3, 1, 13, 27, 49}},
    {17, 6, 19, {1, 1, 1, 15, 7, 5}},
    {18, 6, 22, {1, 3, 1, 15, 13, 25}},
    {19, 6, 25, {1, 1, 5, 5, 19, 61}},
    {20, 7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {21, 7, 4, {1, 3, 7, 13, 13, 15, 69}},
    {22, 7, 7, {1, 1, 3, 13, 7, 35, 63}},
    {23, 7, 8, {1, 3, 5, 9, 1, 25, 53}},
    {24, 7, 14, {1, 3, 1, 13, 9, 35, 107}},
    {25, 7, 19, {1, 3, 1, 5, 27, 61, 31}},
    {26, 7, 21, {1, 1, 5, 11, 19, 41, 61}},
    {27, 7, 28, {1, 3, 5, 3, 3, 13, 69}},
    {28, 7, 31, {1, 1, 7, 13, 1, 19, 1}},
    {29, 7, 32, {1, 3, 7, 5, 13, 19, 59}},
    {30, 7, 37, {1, 1, 3, 9, 25, 29, 41}},
    {31, 7, 41, {1, 3, 5, 13, 23, 1, 55}},
    {32, 7, 42, {1, 3, 7, 3, 13, 59, 17}},
    {33, 7, 50, {1, 3, 1, 3, 5, 53, 69}},
    {34, 7, 55, {1, 1, 5, 5, 23, 33, 13}},
    {35, 7, 56, {1, 1, 7, 7, 1, 61, 123}},
    {36, 7, 59, {1, 1, 7, 9, 13, 61, 49}},
    {37, 7, 62, {1, 3, 3, 5, 3, 55, 33}},
    {38, 8, 14, {1, 3, 1, 15, 31, 13, 49, 245}},
    {39, 8, 21, {1, 3, 5, 15, 31, 59, 63, 97}},
    {40, 8, 22, {1, 3, 1, 11, 11, 11, 77, 249}},
    {41, 8, 38, {1, 3, 1, 11, 27, 43, 71, 9}},
    {42, 8, 47, {1, 1, 7, 15, 21, 11, 81, 45}},
    {43, 8, 49, {1, 3, 7, 3, 25, 31, 65, 79}},
    {44, 8, 50, {1, 3, 1, 1, 19, 11, 3, 205}},
    {45, 8, 52, {1, 1, 5, 9, 19, 21, 29, 157}},
    {46, 8, 56, {1, 3, 7, 11, 1, 33, 89, 185}},
    {47, 8, 67, {1, 3, 3, 3, 15, 9, 79, 71}},
    {48, 8, 70, {1, 3, 7, 11, 15, 39, 119, 27}},
    {49, 8, 84, {1, 1, 3, 1, 11, 31, 97, 225}},
    {50, 8, 97, {1, 1, 1, 3, 23, 43, 57, 177}},
    {51, 8, 103, {1, 3, 7, 7, 17, 17, 37, 71}},
    {52, 8, 115, {1, 3, 1, 5, 27, 63, 123, 213}},
    {53, 8, 122, {1, 1, 3, 5, 11, 43, 53, 133}},
    {54, 9, 8, {1, 3, 5, 5, 29, 17, 47, 173, 479}},
    {55, 9, 13, {1, 3, 3, 11, 3, 1, 109, 9, 69}},
    {56, 9, 16, {1, 1, 1, 5, 17, 39, 23, 5, 343}},
    {57, 9, 22, {1, 3, 1, 5, 25, 15, 31, 103, 499}},
    {58, 9, 25, {1, 1, 1, 11, 11, 17, 63, 105, 183}},
    {59, 9, 44, {1, 1, 5, 11, 9, 29, 97, 231, 363}},
    {60, 9, 47, {1, 1, 5, 15, 19, 45, 41, 7, 383}},
    {61, 9, 52, {1, 3, 7, 7, 31, 19, 83, 137, 221}},
    {62, 9, 55, {1, 1, 1, 3, 23, 15, 111, 223, 83}},
    {63, 9, 59, {1, 1, 5, 13, 31, 15, 55, 25, 161}},
    {64, 9, 62, {1, 1, 3, 13, 25, 47, 39, 87, 257}},
}};

constexpr bool joe_kuo_table_is_consistent() {
  for (std::size_t r = 0; r < kJoeKuo.size(); ++r) {
    const JoeKuoRow& row = kJoeKuo[r];
    if (row.dimension != r + 2 || row.degree < 1 || row.degree > row.initial.size()) return false;
    if (row.coefficients >= (1u << (row.degree - 1))) return false;
    for (std::size_t k = 0; k < row.initial.size(); ++k) {
      const uint32_t m = row.initial[k];
      // m_k is odd and below 2^k (k counted from 1); unused entries are zero.
      if (k < row.degree ? (m % 2 == 0 || m >= (2u << k)) : m != 0) return false;
    }
  }
  return true;
}
static_assert(joe_kuo_table_is_consistent(), "Joe-Kuo table rows must follow the file's rules");

// Points are kept as 52-bit integers: every value is then exact in a double, and n <= 2^32
// leaves 20 bits below the last one that separates points.
constexpr int kBits = 52;
constexpr double kUnitPerInteger = 0x1.0p-52;
using DirectionNumbers = std::array<uint64_t, kBits>;

// v_k = m_k 2^(B-k) for k <= s, then the recurrence of Bratley & Fox (1988), as in Joe & Kuo's
// reference generator.
DirectionNumbers direction_numbers(std::size_t dimension) {
  DirectionNumbers v{};
  if (dimension == 0) {
    for (int k = 0; k < kBits; ++k) v[k] = uint64_t{1} << (kBits - 1 - k);
    return v;
  }
  const JoeKuoRow& row = kJoeKuo[dimension - 1];
  const int s = row.degree;
  for (int k = 0; k < kBits; ++k) {
    if (k < s) {
      v[k] = uint64_t{row.initial[k]} << (kBits - 1 - k);
      continue;
    }
    uint64_t x = v[k - s] ^ (v[k - s] >> s);
    for (int q = 1; q < s; ++q) {
      if ((row.coefficients >> (s - 1 - q)) & 1u) x ^= v[k - q];
    }
    v[k] = x;
  }
  return v;
}

// Point `index` in Gray-code order: the XOR of v_k over the bits of index ^ (index >> 1).
uint64_t sobol_integer(const DirectionNumbers& v, uint64_t index) {
  const uint64_t gray = index ^ (index >> 1);
  uint64_t x = 0;
  for (int k = 0; k < kBits; ++k) {
    if ((gray >> k) & 1u) x ^= v[k];
  }
  return x;
}

// Nested uniform scrambling (A. B. Owen, "Randomly permuted (t,m,s)-nets and (t,s)-sequences",
// 1995): bit l of a coordinate is flipped by a random bit belonging to the node of the binary
// tree reached by the bits above it, so points that share leading bits are permuted alike and
// the net structure survives. The first kSobolMaxIndex points differ in their top kTreeLevels
// bits, so below the tree each point owns its node: its remaining bits get independent random
// bits, exactly what deeper tree levels would give. Flips come from the counter streams, keyed by
// node, so a point's scrambled value does not depend on how many points are drawn.
constexpr int kTreeLevels = 32;
static_assert(kSobolMaxIndex == uint64_t{1} << kTreeLevels);

class OwenScramble {
 public:
  OwenScramble(uint64_t seed, uint32_t dimension, uint64_t last_index)
      : seed_(seed), dimension_(dimension) {
    // Cache the levels that the points share; deeper nodes are met once each.
    const int levels = std::clamp(static_cast<int>(std::bit_width(last_index)) + 1, 6, 20);
    cached_words_.resize(std::size_t{1} << (levels - 6));
    for (std::size_t w = 0; w < cached_words_.size(); ++w) cached_words_[w] = tree_word(w);
  }

  uint64_t apply(uint64_t x) const {
    uint64_t y = x;
    uint64_t node = 1;  // heap numbering: node n's children are 2n and 2n + 1
    for (int level = 0; level < kTreeLevels; ++level) {
      const int shift = kBits - 1 - level;
      if (flip(node)) y ^= uint64_t{1} << shift;
      node = 2 * node + ((x >> shift) & 1u);
    }
    const uint64_t tail =
        sweep_stream(seed_, 0, SweepDraw::sobol_owen_tail, dimension_, node).next_u64();
    return y ^ (tail & ((uint64_t{1} << (kBits - kTreeLevels)) - 1));
  }

 private:
  uint64_t tree_word(uint64_t word) const {
    return sweep_stream(seed_, 0, SweepDraw::sobol_owen_tree, dimension_, word).next_u64();
  }
  bool flip(uint64_t node) const {
    const uint64_t word = node >> 6;
    const uint64_t bits = word < cached_words_.size() ? cached_words_[word] : tree_word(word);
    return (bits >> (node & 63u)) & 1u;
  }

  uint64_t seed_;
  uint32_t dimension_;
  std::vector<uint64_t> cached_words_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Full grid.

std::vector<double> evenly_spaced_levels(std::size_t count) {
  if (count == 1) return {0.5};
  std::vector<double> levels(count);
  for (std::size_t j = 0; j < count; ++j) {
    levels[j] = static_cast<double>(j) / static_cast<double>(count - 1);
  }
  return levels;
}

std::vector<std::string> full_grid_problems(const std::vector<std::vector<double>>& levels) {
  std::vector<std::string> problems;
  if (levels.empty()) problems.push_back("a full grid needs at least one parameter; got none");
  std::size_t points = 1;
  bool too_many = false;
  for (std::size_t p = 0; p < levels.size(); ++p) {
    const std::string which = "parameter " + count_text(p + 1) + " of " + count_text(levels.size());
    const std::vector<double>& values = levels[p];
    if (values.empty()) problems.push_back(which + " has no levels; a grid needs at least one");
    for (std::size_t j = 0; j < values.size(); ++j) {
      if (!std::isfinite(values[j])) {
        problems.push_back(which + ": level " + count_text(j + 1) + " is not a finite number");
        continue;
      }
      for (std::size_t i = 0; i < j; ++i) {
        if (values[i] == values[j]) {
          problems.push_back(which + ": level " + count_text(j + 1) + " repeats level " +
                             count_text(i + 1) + " (" + std::to_string(values[j]) +
                             "); a grid lists each level once");
          break;
        }
      }
    }
    if (!values.empty() && !too_many) {
      too_many = points > kMaxDesignPoints / values.size();
      points *= values.size();
    }
  }
  if (too_many || points > kMaxDesignPoints) {
    problems.push_back("the full grid has more than " + count_text(kMaxDesignPoints) +
                       " points; use fewer levels or a Latin hypercube");
  }
  return problems;
}

DesignMatrix full_grid(const std::vector<std::vector<double>>& levels) {
  throw_if_any(full_grid_problems(levels));
  std::size_t points = 1;
  for (const auto& values : levels) points *= values.size();
  DesignMatrix design(static_cast<Eigen::Index>(points), static_cast<Eigen::Index>(levels.size()));
  for (std::size_t row = 0; row < points; ++row) {
    std::size_t rest = row;
    for (std::size_t p = levels.size(); p-- > 0;) {
      design(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(p)) =
          levels[p][rest % levels[p].size()];
      rest /= levels[p].size();
    }
  }
  return design;
}

// ---------------------------------------------------------------------------------------------
// Latin hypercube (McKay, Beckman & Conover 1979).

std::vector<std::string> latin_hypercube_problems(std::size_t n_points, std::size_t dimensions) {
  std::vector<std::string> problems;
  if (n_points == 0) problems.push_back("a Latin hypercube needs at least one point; got 0");
  if (n_points > kMaxDesignPoints) {
    problems.push_back("a Latin hypercube of " + count_text(n_points) + " points is more than " +
                       count_text(kMaxDesignPoints) + "; split the sweep");
  }
  if (dimensions == 0) problems.push_back("a Latin hypercube needs at least one parameter; got 0");
  return problems;
}

DesignMatrix latin_hypercube(std::size_t n_points, std::size_t dimensions, uint64_t seed) {
  throw_if_any(latin_hypercube_problems(n_points, dimensions));
  DesignMatrix design(static_cast<Eigen::Index>(n_points), static_cast<Eigen::Index>(dimensions));
  const double n = static_cast<double>(n_points);
  std::vector<uint64_t> stratum(n_points);
  for (std::size_t d = 0; d < dimensions; ++d) {
    RandomStream rng =
        sweep_stream(seed, 0, SweepDraw::latin_hypercube, static_cast<uint32_t>(d), 0);
    std::iota(stratum.begin(), stratum.end(), uint64_t{0});
    for (std::size_t i = n_points; i-- > 1;) {  // Fisher-Yates
      std::swap(stratum[i], stratum[uniform_index(rng, i + 1)]);
    }
    for (std::size_t i = 0; i < n_points; ++i) {
      const double s = static_cast<double>(stratum[i]);
      double x = (s + rng.uniform()) / n;
      // Rounding can carry (s + u) / n onto a neighbour's boundary: keep it in its own stratum.
      while (std::floor(x * n) > s) x = std::nextafter(x, 0.0);
      while (std::floor(x * n) < s) x = std::nextafter(x, 1.0);
      design(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) = x;
    }
  }
  return design;
}

// ---------------------------------------------------------------------------------------------
// Sobol sequence.

std::vector<std::string> sobol_problems(std::size_t n_points, std::size_t dimensions,
                                        const SobolOptions& options) {
  std::vector<std::string> problems;
  if (n_points < 2) {
    problems.push_back("a Sobol design needs at least 2 points; got " + count_text(n_points));
  }
  if (n_points > kMaxDesignPoints) {
    problems.push_back("a Sobol design of " + count_text(n_points) + " points is more than " +
                       count_text(kMaxDesignPoints) + "; split the sweep");
  } else if (options.skip > kSobolMaxIndex - n_points) {
    problems.push_back("skipping " + std::to_string(options.skip) +
                       " Sobol points leaves fewer than " + count_text(n_points) +
                       " of the 2^32 this generator provides");
  }
  if (dimensions == 0) problems.push_back("a Sobol design needs at least one parameter; got 0");
  if (dimensions > kSobolMaxDimensions) {
    problems.push_back("a Sobol design of " + count_text(dimensions) +
                       " dimensions is more than the " + count_text(kSobolMaxDimensions) +
                       " of the embedded Joe-Kuo table");
  }
  return problems;
}

DesignMatrix sobol_points(std::size_t n_points, std::size_t dimensions,
                          const SobolOptions& options) {
  throw_if_any(sobol_problems(n_points, dimensions, options));
  DesignMatrix design(static_cast<Eigen::Index>(n_points), static_cast<Eigen::Index>(dimensions));
  const uint64_t first = options.skip;
  const uint64_t last = first + n_points - 1;
  for (std::size_t d = 0; d < dimensions; ++d) {
    const DirectionNumbers v = direction_numbers(d);
    const uint32_t slot = static_cast<uint32_t>(d);
    // A pointer, not std::optional: GCC 12 at -O1 and above wrongly warns that an empty
    // optional's vector may be destroyed uninitialised.
    std::unique_ptr<const OwenScramble> owen;
    uint64_t shift = 0;
    if (options.scramble == SobolScramble::owen)
      owen = std::make_unique<const OwenScramble>(options.seed, slot, last);
    if (options.scramble == SobolScramble::digital_shift) {
      shift = sweep_stream(options.seed, 0, SweepDraw::sobol_digital_shift, slot, 0).next_u64() >>
              (64 - kBits);
    }
    uint64_t x = sobol_integer(v, first);
    for (std::size_t r = 0; r < n_points; ++r) {
      const uint64_t index = first + r;
      // Consecutive Gray codes differ in the bit of the lowest set bit of the new index.
      if (r > 0) x ^= v[std::countr_zero(index)];
      double value = 0.0;
      switch (options.scramble) {
        case SobolScramble::none: value = static_cast<double>(x) * kUnitPerInteger; break;
        // Scrambled points sit mid-cell of the 2^-52 grid, so never on 0.
        case SobolScramble::owen:
          value = (static_cast<double>(owen->apply(x)) + 0.5) * kUnitPerInteger;
          break;
        case SobolScramble::digital_shift:
          value = (static_cast<double>(x ^ shift) + 0.5) * kUnitPerInteger;
          break;
      }
      design(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(d)) = value;
    }
  }
  return design;
}

// ---------------------------------------------------------------------------------------------
// Saltelli sampling.

std::vector<std::string> saltelli_problems(std::size_t base_rows, std::size_t parameters,
                                           const SobolOptions& options, bool second_order) {
  std::vector<std::string> problems;
  if (parameters == 0) {
    problems.push_back("Saltelli sampling needs at least one parameter; got 0");
  } else if (2 * parameters > kSobolMaxDimensions) {
    problems.push_back("Saltelli sampling of " + count_text(parameters) +
                       " parameters needs a Sobol sequence of " + count_text(2 * parameters) +
                       " dimensions; the embedded Joe-Kuo table has " +
                       count_text(kSobolMaxDimensions) + ", so at most " +
                       count_text(kSobolMaxDimensions / 2) + " parameters");
  }
  if (base_rows < 2 || base_rows < 2 * parameters) {
    problems.push_back("Saltelli sampling of " + count_text(parameters) +
                       " parameters needs at least " +
                       count_text(std::max<std::size_t>(2, 2 * parameters)) +
                       " base points (2 per parameter); got " + count_text(base_rows));
  }
  const std::size_t blocks = (second_order ? 2 * parameters : parameters) + 2;
  if (base_rows > kMaxDesignPoints / blocks) {
    problems.push_back("Saltelli sampling with " + count_text(base_rows) + " base points and " +
                       count_text(parameters) + " parameters" +
                       (second_order ? " (second order)" : "") + " makes more than " +
                       count_text(kMaxDesignPoints) + " runs; split the sweep");
  } else if (options.skip > kSobolMaxIndex - base_rows) {
    problems.push_back("skipping " + std::to_string(options.skip) +
                       " Sobol points leaves fewer than " + count_text(base_rows) +
                       " of the 2^32 this generator provides");
  }
  return problems;
}

SaltelliDesign saltelli_design(std::size_t base_rows, std::size_t parameters,
                               const SobolOptions& options, bool second_order) {
  throw_if_any(saltelli_problems(base_rows, parameters, options, second_order));
  const DesignMatrix base = sobol_points(base_rows, 2 * parameters, options);
  const auto n = static_cast<Eigen::Index>(base_rows);
  const auto k = static_cast<Eigen::Index>(parameters);
  SaltelliDesign design{
      base_rows, parameters, second_order,
      DesignMatrix(
          static_cast<Eigen::Index>(saltelli_run_count(base_rows, parameters, second_order)), k)};
  design.runs.middleRows(saltelli_row_a(base_rows, 0), n) = base.leftCols(k);
  design.runs.middleRows(saltelli_row_b(base_rows, 0), n) = base.rightCols(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    auto block = design.runs.middleRows(saltelli_row_ab(base_rows, i, 0), n);
    block = base.leftCols(k);
    block.col(i) = base.col(k + i);
  }
  if (second_order) {
    for (Eigen::Index i = 0; i < k; ++i) {
      auto block = design.runs.middleRows(
          saltelli_row_ba(base_rows, parameters, static_cast<std::size_t>(i), 0), n);
      block = base.rightCols(k);
      block.col(i) = base.col(i);
    }
  }
  return design;
}

// ---------------------------------------------------------------------------------------------
// Morris trajectories.

std::vector<std::string> morris_problems(std::size_t trajectories, std::size_t parameters,
                                         std::size_t levels) {
  std::vector<std::string> problems;
  if (parameters == 0) problems.push_back("a Morris design needs at least one parameter; got 0");
  if (trajectories < 2)
    problems.push_back(
        "a Morris design needs at least 2 trajectories (sigma needs two "
        "elementary effects of each parameter); got " +
        count_text(trajectories));
  if (levels < 2 || levels > 1000 || levels % 2 != 0)
    problems.push_back(
        "a Morris design needs an even number of levels from 2 to 1000 (so that "
        "a step of p / (2(p - 1)) visits every level equally often); got " +
        count_text(levels));
  if (parameters > 0 && trajectories > kMaxDesignPoints / (parameters + 1))
    problems.push_back("a Morris design of " + count_text(trajectories) + " trajectories and " +
                       count_text(parameters) + " parameters makes more than " +
                       count_text(kMaxDesignPoints) + " runs; split the sweep");
  return problems;
}

MorrisDesign morris_design(std::size_t trajectories, std::size_t parameters, std::size_t levels,
                           uint64_t seed) {
  throw_if_any(morris_problems(trajectories, parameters, levels));
  const std::size_t k = parameters;
  MorrisDesign d{trajectories, parameters, levels,
                 DesignMatrix(static_cast<Eigen::Index>(morris_run_count(trajectories, k)),
                              static_cast<Eigen::Index>(k)),
                 std::vector<std::size_t>(trajectories * k)};
  // Grid points as level numbers 0..p-1; delta is p/2 levels. A start below p/2 can move up.
  const std::size_t half = levels / 2;
  const auto last = static_cast<double>(levels - 1);
  std::vector<std::size_t> level(k);
  std::vector<bool> up(k);
  std::vector<std::size_t> order(k);
  for (std::size_t t = 0; t < trajectories; ++t) {
    RandomStream rng =
        sweep_stream(seed, 0, SweepDraw::morris_trajectory, static_cast<uint32_t>(t), 0);
    for (std::size_t i = 0; i < k; ++i) {
      const std::size_t low = uniform_index(rng, half);
      up[i] = uniform_index(rng, 2) == 0;
      level[i] = up[i] ? low : low + half;
    }
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = k; i-- > 1;) std::swap(order[i], order[uniform_index(rng, i + 1)]);
    for (std::size_t m = 0; m <= k; ++m) {
      if (m > 0) {
        const std::size_t i = order[m - 1];
        level[i] = up[i] ? level[i] + half : level[i] - half;
        d.moved[t * k + m - 1] = i;
      }
      const auto row = static_cast<Eigen::Index>(morris_row(k, t, m));
      for (std::size_t i = 0; i < k; ++i)
        d.runs(row, static_cast<Eigen::Index>(i)) = static_cast<double>(level[i]) / last;
    }
  }
  return d;
}

}  // namespace airace
