#include "sim/sweep/sweep_error.hpp"

#include <utility>

namespace airace {

namespace {
std::string one_per_line(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& p : problems) {
    if (!text.empty()) text += '\n';
    text += p;
  }
  return text;
}
}  // namespace

SweepError::SweepError(std::vector<std::string> problems)
    : std::invalid_argument(one_per_line(problems)), problems_(std::move(problems)) {}

void throw_if_any(const std::vector<std::string>& problems) {
  if (!problems.empty()) throw SweepError(problems);
}

}  // namespace airace
