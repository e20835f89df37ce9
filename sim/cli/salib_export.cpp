#include "sim/cli/salib_export.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

#include "sim/sweep/design.hpp"

namespace airace {

std::string salib_json(const SweepTable& t) {
  const bool morris = t.meta.design == "morris";
  const bool second = !morris && t.meta.second_order != 0;
  const std::size_t n = t.meta.base_rows;
  const std::size_t k = t.parameters.size();
  std::vector<std::size_t> order;
  if (morris) {
    // Already SALib's morris order: trajectory by trajectory, k + 1 rows each.
    order.resize(t.points);
    std::iota(order.begin(), order.end(), std::size_t{0});
  } else {
    // SALib's rows for base row j: A_j, A_B^(1)_j .. A_B^(k)_j, with second order then
    // B_A^(1)_j .. B_A^(k)_j, and last B_j.
    order.reserve(saltelli_run_count(n, k, second));
    for (std::size_t j = 0; j < n; ++j) {
      order.push_back(saltelli_row_a(n, j));
      for (std::size_t i = 0; i < k; ++i) order.push_back(saltelli_row_ab(n, i, j));
      if (second)
        for (std::size_t i = 0; i < k; ++i) order.push_back(saltelli_row_ba(n, k, i, j));
      order.push_back(saltelli_row_b(n, j));
    }
  }
  nlohmann::json bounds = nlohmann::json::array();
  for (std::size_t i = 0; i < k; ++i) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (std::size_t p = 0; p < t.points; ++p) {
      lo = std::min(lo, t.design[p * k + i]);
      hi = std::max(hi, t.design[p * k + i]);
    }
    bounds.push_back({lo, hi});
  }
  nlohmann::json x = nlohmann::json::array();
  for (std::size_t p : order) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t i = 0; i < k; ++i) row.push_back(t.design[p * k + i]);
    x.push_back(std::move(row));
  }
  nlohmann::json y = nlohmann::json::object();
  for (std::size_t m = 0; m < t.metrics.size(); ++m) {
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t p : order) {
      double sum = 0.0;
      for (std::size_t r = 0; r < t.replicates; ++r)
        sum += t.metric_values[m][p * t.replicates + r];
      const double mean = sum / static_cast<double>(t.replicates);
      values.push_back(std::isfinite(mean) ? nlohmann::json(mean) : nlohmann::json(nullptr));
    }
    y[t.metrics[m].name] = std::move(values);
  }
  const nlohmann::json problem = {{"num_vars", k}, {"names", t.parameters}, {"bounds", bounds}};
  if (morris) {
    nlohmann::json doc = {
        {"problem", problem},
        {"method", "morris"},
        {"trajectories", t.meta.trajectories},
        {"num_levels", t.meta.levels},
        {"replicates", t.replicates},
        {"X", std::move(x)},
        {"Y", std::move(y)},
        {"note",
         "rows in SALib's morris order: trajectory by trajectory, k + 1 rows each; Y is a "
         "point's mean over its replicates; bounds are the least and greatest design values. "
         "Python: morris.analyze(doc['problem'], numpy.array(doc['X']), "
         "numpy.array(doc['Y'][metric]), num_levels=doc['num_levels'])"}};
    return doc.dump(1) + "\n";
  }
  const std::string flag = second ? "True" : "False";
  nlohmann::json doc = {
      {"problem", problem},
      {"method", "sobol"},
      {"calc_second_order", second},
      {"base_rows", n},
      {"replicates", t.replicates},
      {"X", std::move(x)},
      {"Y", std::move(y)},
      {"note",
       "rows in SALib's saltelli order (calc_second_order=" + flag +
           "): A_j, A_B^(1)_j ... A_B^(k)_j, " + (second ? "B_A^(1)_j ... B_A^(k)_j, " : "") +
           "B_j for each base row j; Y is a point's mean over its replicates; bounds are the "
           "least and greatest design values (SALib's sobol.analyze does not read them). "
           "Python: sobol.analyze(doc['problem'], numpy.array(doc['Y'][metric]), "
           "calc_second_order=" +
           flag + ")"}};
  return doc.dump(1) + "\n";
}

}  // namespace airace
