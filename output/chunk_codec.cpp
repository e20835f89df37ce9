#include "output/chunk_codec.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace airace {

namespace {
// Transposes an 8x8 matrix of bytes held as eight little-endian words, row r in x[r]: afterwards
// byte c of x[r] is what byte r of x[c] was (Hacker's Delight, transpose8, by 64-bit swaps).
void transpose8x8(std::uint64_t x[8]) {
  auto swap = [&](std::size_t i, std::size_t j, unsigned shift, std::uint64_t mask) {
    const std::uint64_t t = ((x[i] >> shift) ^ x[j]) & mask;
    x[j] ^= t;
    x[i] ^= t << shift;
  };
  for (std::size_t i = 0; i < 8; i += 2) swap(i, i + 1, 8, 0x00FF00FF00FF00FFULL);
  for (std::size_t i : {0, 1, 4, 5}) swap(i, i + 2, 16, 0x0000FFFF0000FFFFULL);
  for (std::size_t i = 0; i < 4; ++i) swap(i, i + 4, 32, 0x00000000FFFFFFFFULL);
}

// Eight elements at a time as an 8x8 byte transpose (a byte loop wrote one byte per step to
// eight streams: 1.6% of a baseline run), the rest byte by byte. Same bytes either way.
void shuffle_into(std::span<const double> values, unsigned char* out) {
  static_assert(std::endian::native == std::endian::little);
  const std::size_t n = values.size();
  const auto* in = reinterpret_cast<const unsigned char*>(values.data());
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x[8];
    std::memcpy(x, in + i * sizeof(double), sizeof x);
    transpose8x8(x);
    for (std::size_t b = 0; b < 8; ++b) std::memcpy(out + b * n + i, &x[b], sizeof x[b]);
  }
  for (; i < n; ++i)
    for (std::size_t b = 0; b < sizeof(double); ++b) out[b * n + i] = in[i * sizeof(double) + b];
}
}  // namespace

std::vector<unsigned char> shuffle_bytes(std::span<const double> values) {
  std::vector<unsigned char> out(values.size() * sizeof(double));
  shuffle_into(values, out.data());
  return out;
}

std::vector<double> unshuffle_bytes(std::span<const unsigned char> bytes) {
  const std::size_t n = bytes.size() / sizeof(double);
  std::vector<double> out(n);
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t b = 0; b < sizeof(double); ++b) o[i * sizeof(double) + b] = bytes[b * n + i];
  return out;
}

namespace {
// One compressor per thread and level: allocating one costs more than compressing a small chunk.
libdeflate_compressor* compressor(int level) {
  struct Owned {
    int level = -1;
    std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> c{
        nullptr, &libdeflate_free_compressor};
  };
  thread_local Owned mine;
  if (!mine.c || mine.level != level) {
    mine.c.reset(libdeflate_alloc_compressor(level));
    if (!mine.c)
      throw std::runtime_error("libdeflate has no compression level " + std::to_string(level));
    mine.level = level;
  }
  return mine.c.get();
}
}  // namespace

std::size_t shuffle_deflate_into(std::span<const double> values, int level,
                                 std::vector<unsigned char>& out) {
  // The shuffled bytes go to a buffer each thread keeps, and the output to one the caller
  // keeps: fresh buffers of a chunk's size cost a page fault per 4 KiB and a clearing pass, as
  // much as the compression itself.
  thread_local std::vector<unsigned char> shuffled;
  shuffled.resize(values.size() * sizeof(double));
  shuffle_into(values, shuffled.data());
  libdeflate_compressor* const c = compressor(level);
  const std::size_t bound = libdeflate_zlib_compress_bound(c, shuffled.size());
  if (out.size() < bound) out.resize(bound);
  const std::size_t size =
      libdeflate_zlib_compress(c, shuffled.data(), shuffled.size(), out.data(), out.size());
  if (size == 0) throw std::runtime_error("libdeflate could not compress a chunk");
  return size;
}

std::vector<unsigned char> shuffle_deflate(std::span<const double> values, int level) {
  thread_local std::vector<unsigned char> packed;
  const std::size_t size = shuffle_deflate_into(values, level, packed);
  return {packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(size)};
}

std::vector<double> inflate_unshuffle(std::span<const unsigned char> compressed,
                                      std::size_t count) {
  std::vector<unsigned char> shuffled(count * sizeof(double));
  uLongf size = static_cast<uLongf>(shuffled.size());
  if (uncompress(shuffled.data(), &size, compressed.data(),
                 static_cast<uLong>(compressed.size())) != Z_OK ||
      size != shuffled.size())
    throw std::runtime_error("zlib could not inflate a chunk");
  return unshuffle_bytes(shuffled);
}

ChunkGrid::ChunkGrid(std::vector<std::uint64_t> shape, std::vector<std::uint64_t> chunk)
    : shape_(std::move(shape)), chunk_(std::move(chunk)) {
  if (shape_.size() != chunk_.size()) throw std::logic_error("chunk rank differs from the shape");
  for (std::size_t d = 0; d < shape_.size(); ++d) {
    if (chunk_[d] == 0) throw std::logic_error("a chunk dimension is zero");
    grid_.push_back((shape_[d] + chunk_[d] - 1) / chunk_[d]);
    count_ *= grid_.back();
    elements_ *= chunk_[d];
  }
}

std::vector<std::uint64_t> ChunkGrid::offset(std::size_t k) const {
  std::vector<std::uint64_t> o(shape_.size());
  for (std::size_t d = shape_.size(); d-- > 0;) {
    o[d] = (k % grid_[d]) * chunk_[d];
    k /= grid_[d];
  }
  return o;
}

}  // namespace airace
