#pragma once
// Fields of the CSV files airace writes (`airace compare --csv`, the seminar's decision log).

#include <string>

namespace airace {

// One CSV field (RFC 4180): as it is, or in double quotes, with each quote doubled, when it
// holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace airace
