#pragma once
// For tests of the sweep library's refusals: the message a SweepError carries.
#include <functional>
#include <string>

#include "sim/sweep/sweep_error.hpp"

namespace airace::testing {

// The message of the SweepError f throws; empty when it throws none.
inline std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const SweepError& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace airace::testing
