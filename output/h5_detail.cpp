#include "output/h5_detail.hpp"

#include <vector>

namespace airace::h5 {

std::string error_detail() {
  std::vector<std::string> lines;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        if (e->desc != nullptr && *e->desc != '\0')
          static_cast<std::vector<std::string>*>(out)->emplace_back(e->desc);
        return 0;
      },
      &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) return {};
  std::string detail = lines.back();
  // The system's own words, from a low-level driver line such as "unable to open file: name =
  // '...', errno = 13, error message = 'Permission denied', ...".
  const std::string marker = "error message = '";
  if (const auto at = detail.find(marker); at != std::string::npos) {
    const auto from = at + marker.size();
    const auto to = detail.find('\'', from);
    if (to != std::string::npos) return detail.substr(from, to - from);
  }
  return detail;
}

void fail(const std::string& what) {
  const std::string detail = error_detail();
  throw Failure{detail.empty() ? what : what + " (" + detail + ")"};
}

}  // namespace airace::h5
