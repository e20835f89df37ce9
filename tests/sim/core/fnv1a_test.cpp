#include "sim/core/fnv1a.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace airace;

namespace fnv1a_test {

TEST_CASE("fnv1a64 gives the published FNV-1a 64 values") {
  // draft-eastlake-fnv, appendix C test vectors.
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("fnv1a64 continues a hash from its basis") {
  CHECK(fnv1a64("bar", fnv1a64("foo")) == fnv1a64("foobar"));
  const std::string with_nul("a\0b", 3);  // bytes, not a C string: the NUL counts
  CHECK(fnv1a64(with_nul) != fnv1a64("ab"));
  CHECK(fnv1a64(std::string_view("b"), fnv1a64(std::string_view("\0", 1), fnv1a64("a"))) ==
        fnv1a64(with_nul));
}

TEST_CASE("fnv1a64 from the sweep files' basis keeps the values stored sweeps hold") {
  // Computed by the loops this function replaced (sweep_plan.cpp's plan hash, sweep_file.cpp's
  // batch checksum): stored plans and batches would no longer be recognised if these moved.
  const std::uint64_t plan = fnv1a64(
      "b: 2\n", fnv1a64(std::string_view("\0", 1), fnv1a64("a: 1\n", kSweepFileFnvBasis)));
  CHECK(plan == 0x7cecb7a842d6786fULL);
  CHECK(fnv1a64("batch bytes", kSweepFileFnvBasis) == 0x651727de2add34daULL);
}

}  // namespace fnv1a_test
