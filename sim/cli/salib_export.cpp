#include "sim/cli/salib_export.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "sim/sweep/design.hpp"

namespace airace {

std::string salib_json(const SweepTable& t) {
  const std::size_t n = t.meta.base_rows;
  const std::size_t k = t.parameters.size();
  // SALib's row r = j (k + 2) + c: c = 0 is A_j, c = 1..k is A_B^(c)_j, c = k + 1 is B_j.
  std::vector<std::size_t> order;
  order.reserve(n * (k + 2));
  for (std::size_t j = 0; j < n; ++j) {
    order.push_back(saltelli_row_a(n, j));
    for (std::size_t i = 0; i < k; ++i) order.push_back(saltelli_row_ab(n, i, j));
    order.push_back(saltelli_row_b(n, j));
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
  nlohmann::json doc = {
      {"problem", {{"num_vars", k}, {"names", t.parameters}, {"bounds", bounds}}},
      {"calc_second_order", false},
      {"base_rows", n},
      {"replicates", t.replicates},
      {"X", std::move(x)},
      {"Y", std::move(y)},
      {"note",
       "rows in SALib's saltelli order (calc_second_order=False): A_j, A_B^(1)_j ... "
       "A_B^(k)_j, B_j for each base row j; Y is a point's mean over its replicates; bounds are "
       "the least and greatest design values (SALib's sobol.analyze does not read them). "
       "Python: sobol.analyze(doc['problem'], numpy.array(doc['Y'][metric]), "
       "calc_second_order=False)"}};
  return doc.dump(1) + "\n";
}

}  // namespace airace
