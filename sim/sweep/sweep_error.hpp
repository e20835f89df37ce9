#pragma once
// Problems with the numbers of a sweep: a design, a distribution, a correlation matrix or an
// analysis. One SweepError carries every problem found, each a sentence saying what was expected
// and what was found. They carry no file position: the loader that read the numbers adds it.

#include <stdexcept>
#include <string>
#include <vector>

namespace airace {

class SweepError : public std::invalid_argument {
 public:
  explicit SweepError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Throws one SweepError listing every problem, if there is any.
void throw_if_any(const std::vector<std::string>& problems);

}  // namespace airace
