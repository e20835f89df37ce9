#pragma once
// Compares two run files, a base and a what-if: for each series they share, the difference
// what-if − base at chosen dates, per entity, as a median with a 90% interval over replicates.
// docs/scenarios.md §"Comparing two runs" describes the method for users.
//
// Replicates are paired when both files have the same seed and replicate count: replicate r of
// both then drew the same random streams, so the difference per replicate removes the noise the
// two runs share. Otherwise the runs are independent and the comparison is unpaired.
//
// Bad input (a missing, non-HDF5, truncated or non-airace file, no series in common, an unknown
// series, a date neither file covers) raises InputError naming the file or option.

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace airace {

// The spread over replicates of one difference.
struct DifferenceBand {
  double median = 0.0;  // paired: median of the differences; unpaired: difference of medians
  double p05 = 0.0;
  double p95 = 0.0;
  // Paired: the share of replicates whose difference is above 0, and below 0 (ties count in
  // neither); NaN when unpaired.
  double p_positive = std::nan("");
  double p_negative = std::nan("");
  // The 90% interval excludes 0: the what-if moved the value beyond replicate noise.
  bool beyond_noise() const { return p05 > 0.0 || p95 < 0.0; }
};

// whatif[r] − base[r] per replicate, then its median and 5th and 95th percentiles and the shares
// above and below 0. A replicate with NaN in either file is left out; NaN throughout when none
// remains. Sizes must match.
DifferenceBand paired_difference(const std::vector<double>& base,
                                 const std::vector<double>& whatif);

// Independent runs: the difference of the medians, with an interval whose half-widths add the
// two files' half-widths in quadrature (the variances of independent runs add):
//   low  = d − sqrt((w50 − w05)² + (b95 − b50)²),  high = d + sqrt((w95 − w50)² + (b50 − b05)²).
DifferenceBand unpaired_difference(const std::vector<double>& base,
                                   const std::vector<double>& whatif);

struct CompareOptions {
  std::vector<std::string> series = {};  // "group/name"; empty: every series of /indicators
  bool all_groups = false;               // with `series` empty: every series of every group
  // ISO dates ("YYYY-MM-DD" or "YYYY-MM"); each is read at the nearest date at or before it on a
  // series' axis. Empty: the last date of each year on the series' axis that both files cover.
  std::vector<std::string> dates = {};
  // Periods "FROM:TO" (each side YYYY, YYYY-MM or YYYY-MM-DD, inclusive: 2026:2030 is
  // 2026-01-01 to 2030-12-31): each replicate's mean over the series' dates in the period,
  // compared as one row.
  std::vector<std::string> periods = {};
};

// An uncertain parameter and the rank (Spearman) correlation, over paired replicates, of its
// draw with the difference: how much of the effect's spread it drives.
struct Driver {
  std::string parameter;
  double rank_correlation = 0.0;
};

// One series × entity × date.
struct ComparisonRow {
  std::string series;  // "group/name"
  std::string entity;  // "" without entity axes; "CN"; "us_lab/H100" for two axes
  std::string date;    // the date on the series' axis (ISO)
  std::string units;
  double base_median = 0.0;
  double whatif_median = 0.0;
  DifferenceBand difference;
  double ratio = 0.0;  // whatif_median / base_median; NaN unless both are finite, same sign, ≠ 0
  std::vector<Driver> drivers;  // paired, with shared draws: the 3 largest |rank correlation|
  // Paired, with shared draws: the share (0 to 1) of the difference's spread that the draws
  // explain (adjusted R² of a rank regression); the rest is noise and interactions. NaN else.
  double parameter_share = std::nan("");
};

struct Comparison {
  std::string base_file;
  std::string whatif_file;
  bool paired = false;
  unsigned long long base_seed = 0;
  unsigned long long whatif_seed = 0;
  std::size_t base_replicates = 0;
  std::size_t whatif_replicates = 0;
  std::vector<ComparisonRow> rows;
  // Uncertain parameters whose draws are the same in both files, replicate by replicate (the
  // drivers are taken among them), and those that are not (only in one file, or drawn
  // differently): the spread of an effect then mixes their draws with the what-if.
  std::vector<std::string> shared_parameters;
  std::vector<std::string> unshared_parameters;
  // Series left out, with why ("labs/x: only in base.h5"); a series named in
  // CompareOptions::series is never left out: it raises InputError instead.
  std::vector<std::string> skipped;
};

Comparison compare_runs(const std::filesystem::path& base, const std::filesystem::path& whatif,
                        const CompareOptions& options = {});

// A table for a terminal: series, entity, date, base and what-if medians, difference [5%, 95%],
// ratio, a `*` where the difference is beyond noise, units; then the skipped series.
std::string comparison_table(const Comparison& c);

// Spearman's rank correlation of x and y over the indices where both are finite (ties take
// their mean rank); NaN with fewer than 3 such pairs or when either does not vary.
double rank_correlation(const std::vector<double>& x, const std::vector<double>& y);

// The same rows as CSV with a header; numbers at full precision (%.17g), NaN as an empty field.
std::string comparison_csv(const Comparison& c);

}  // namespace airace
