#include "output/csv.hpp"

#include <doctest/doctest.h>

namespace csv_test {

using airace::csv_field;

TEST_CASE("a CSV field without commas quotes or line breaks is written as it is") {
  CHECK(csv_field("us_cn_gap_months") == "us_cn_gap_months");
  CHECK(csv_field("") == "");
  CHECK(csv_field("H100e (training value)") == "H100e (training value)");
}

TEST_CASE("a CSV field with a comma or a line break is quoted") {
  CHECK(csv_field("compute_h100e[US, CN]") == "\"compute_h100e[US, CN]\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("two\r\nlines") == "\"two\r\nlines\"");
}

TEST_CASE("a quote inside a CSV field is doubled") {
  CHECK(csv_field("the \"US\" team") == "\"the \"\"US\"\" team\"");
  CHECK(csv_field("\"") == "\"\"\"\"");
}

}  // namespace csv_test
