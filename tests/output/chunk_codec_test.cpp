#include "output/chunk_codec.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

using namespace airace;

namespace chunk_codec_test {

TEST_CASE("the byte shuffle puts byte b of element i at b times n plus i and inverts") {
  const std::vector<double> v = {1.0, -2.5, 1e300, std::nan(""), 0.0};
  const std::vector<unsigned char> s = shuffle_bytes(v);
  REQUIRE(s.size() == v.size() * 8);
  unsigned char bytes[8];
  std::memcpy(bytes, &v[2], 8);
  for (int b = 0; b < 8; ++b) CHECK(s[static_cast<std::size_t>(b) * v.size() + 2] == bytes[b]);
  const std::vector<double> back = unshuffle_bytes(s);
  CHECK(std::memcmp(back.data(), v.data(), v.size() * sizeof(double)) == 0);
}

TEST_CASE("the word-wise shuffle writes the bytes of the byte-by-byte definition at every length") {
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9},
        std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{1003}}) {
    CAPTURE(n);
    std::vector<double> v(n);
    for (double& d : v) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(&d, &x, sizeof d);
    }
    std::vector<unsigned char> expected(n * 8);
    const auto* in = reinterpret_cast<const unsigned char*>(v.data());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t b = 0; b < 8; ++b) expected[b * n + i] = in[i * 8 + b];
    CHECK(shuffle_bytes(v) == expected);
  }
}

TEST_CASE("shuffled and deflated chunks inflate back bit for bit and shrink regular data") {
  std::vector<double> v(65536);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1000.0 + static_cast<double>(i % 97);
  const std::vector<unsigned char> packed = shuffle_deflate(v, 1);
  CHECK(packed.size() < v.size() * sizeof(double) / 4);
  const std::vector<double> back = inflate_unshuffle(packed, v.size());
  CHECK(std::memcmp(back.data(), v.data(), v.size() * sizeof(double)) == 0);
}

TEST_CASE("noise and empty chunks inflate back at every level and a bad level is refused") {
  std::vector<double> noise(40000);
  uint64_t x = 88172645463325252ULL;  // xorshift: bytes with no structure to compress
  for (double& v : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(&v, &x, sizeof v);
  }
  for (int level : {1, 6, 12}) {
    CAPTURE(level);
    const std::vector<double> back = inflate_unshuffle(shuffle_deflate(noise, level), noise.size());
    CHECK(std::memcmp(back.data(), noise.data(), noise.size() * sizeof(double)) == 0);
    CHECK(inflate_unshuffle(shuffle_deflate({}, level), 0).empty());
  }
  CHECK_THROWS_AS(shuffle_deflate(noise, 13), std::runtime_error);
}

TEST_CASE("noisy low bytes go into the stream as they are and the chunk inflates back") {
  // Returns-like values: a few exponents, 40 bits of noise in the mantissa (the low five byte
  // planes are noise, the top three are not).
  std::vector<double> v(30000);
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (std::size_t i = 0; i < v.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[i] = (i % 3 == 0 ? 0.01 : -0.02) * (1.0 + static_cast<double>(x >> 24) * 0x1.0p-41);
  }
  const std::vector<unsigned char> packed = shuffle_deflate(v, 1);
  const std::vector<double> back = inflate_unshuffle(packed, v.size());
  CHECK(std::memcmp(back.data(), v.data(), v.size() * sizeof(double)) == 0);
  const std::size_t raw = v.size() * sizeof(double);
  CHECK(packed.size() < raw);
  // The five noise planes as stored blocks (5 bytes a block of at most 65535), the rest
  // compressed to less than half its size.
  CHECK(packed.size() > 5 * v.size());
  CHECK(packed.size() < 5 * v.size() + 5 * 3 + 3 * v.size() / 2 + 6);
}

TEST_CASE("a low byte plane that deflates by under a quarter is stored and inflates back") {
  // The low byte takes 128 values evenly (deflate saves about an eighth of it); the other seven
  // bytes are the same in every value.
  std::vector<double> v(20000);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (double& d : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const uint64_t bits = 0x408F400000000000ULL | (x & 0x7f);  // 1000.0 and a low byte
    std::memcpy(&d, &bits, sizeof d);
  }
  const std::vector<unsigned char> packed = shuffle_deflate(v, 1);
  const std::vector<double> back = inflate_unshuffle(packed, v.size());
  CHECK(std::memcmp(back.data(), v.data(), v.size() * sizeof(double)) == 0);
  // The low plane as stored blocks (its n bytes and 5 a block), the seven constant planes next to
  // nothing.
  CHECK(packed.size() > v.size());
  CHECK(packed.size() < v.size() + v.size() / 16);
}

TEST_CASE("compressing into a kept buffer gives the same bytes and keeps the buffer") {
  std::vector<double> big(50000), small(300);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = 0.5 * static_cast<double>(i % 1013);
  for (std::size_t i = 0; i < small.size(); ++i) small[i] = -1.0 - static_cast<double>(i);
  std::vector<unsigned char> kept;
  const std::size_t n_big = shuffle_deflate_into(big, 1, kept);
  CHECK(std::vector<unsigned char>(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(
                                                                     n_big)) ==
        shuffle_deflate(big, 1));
  const unsigned char* const storage = kept.data();
  const std::size_t capacity = kept.size();
  // A smaller chunk after a larger one: the same storage, not shrunk, and only its own bytes.
  const std::size_t n_small = shuffle_deflate_into(small, 1, kept);
  CHECK(kept.data() == storage);
  CHECK(kept.size() == capacity);
  const std::vector<unsigned char> own(kept.begin(),
                                       kept.begin() + static_cast<std::ptrdiff_t>(n_small));
  CHECK(own == shuffle_deflate(small, 1));
  const std::vector<double> back = inflate_unshuffle(own, small.size());
  CHECK(std::memcmp(back.data(), small.data(), small.size() * sizeof(double)) == 0);
}

TEST_CASE("the chunk grid covers a shape with partial chunks at the edges") {
  const ChunkGrid g({5, 7, 3}, {2, 7, 2});
  CHECK(g.chunk_count() == 3 * 1 * 2);
  CHECK(g.chunk_elements() == 2 * 7 * 2);
  CHECK(g.offset(0) == std::vector<std::uint64_t>{0, 0, 0});
  CHECK(g.offset(1) == std::vector<std::uint64_t>{0, 0, 2});
  CHECK(g.offset(5) == std::vector<std::uint64_t>{4, 0, 2});
  CHECK_THROWS(ChunkGrid({4}, {0}));
}

}  // namespace chunk_codec_test
