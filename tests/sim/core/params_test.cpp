#include "sim/core/params.hpp"

#include <doctest/doctest.h>

using namespace airace;

namespace params_test {

namespace {
std::string why_refused(const std::string& text) {
  std::string why;
  CHECK_FALSE(parse_seed(text, &why).has_value());
  return why;
}
}  // namespace

TEST_CASE("a seed is a whole number from 0 to 2^63 - 1 taken as written") {
  CHECK(parse_seed("0", nullptr) == std::optional<uint64_t>(0));
  CHECK(parse_seed("9223372036854775807", nullptr) == std::optional<uint64_t>(INT64_MAX));
  CHECK(parse_seed("010", nullptr) == std::optional<uint64_t>(10));  // decimal, not octal
  // CLI11 clamped these to 2^63 - 1 while the output's command line kept what was asked.
  for (const char* out_of_range :
       {"9223372036854775808", "18446744073709551616", "100000000000000000000", "-1"}) {
    CAPTURE(out_of_range);
    CHECK(why_refused(out_of_range) ==
          std::string(out_of_range) +
              " is out of range: expected a whole number in [0, 2^63), at most "
              "9223372036854775807");
  }
  for (const char* not_whole : {"1e30", "1.5", "abc", "", "+7", " 7", "0x10", "7 "}) {
    CAPTURE(not_whole);
    CHECK(why_refused(not_whole) ==
          "expected a whole number in [0, 2^63), at most 9223372036854775807, found '" +
              std::string(not_whole) + "'");
  }
}

TEST_CASE("a seed in a scenario is read by the same rule and located") {
  Diagnostics d;
  const ConfigNode n = parse_yaml_text(
      "a: 9223372036854775807\nb: 9223372036854775808\nc: '7'\nd: [7]\n", "seeds.yaml", d);
  REQUIRE(d.empty());
  CHECK(read_seed(*n.find("a"), "a", d) == std::optional<int64_t>(INT64_MAX));
  CHECK_FALSE(read_seed(*n.find("b"), "b", d).has_value());
  CHECK_FALSE(read_seed(*n.find("c"), "c", d).has_value());
  CHECK_FALSE(read_seed(*n.find("d"), "d", d).has_value());
  REQUIRE(d.size() == 3);
  CHECK(format_diagnostic(d.all()[0]) ==
        "seeds.yaml:2:4: error: b: 9223372036854775808 is out of range: expected a whole number "
        "in [0, 2^63), at most 9223372036854775807");
  CHECK(d.all()[1].message.find("found the text '7'") != std::string::npos);
  CHECK(d.all()[2].message.find("found a list") != std::string::npos);
}

}  // namespace params_test
